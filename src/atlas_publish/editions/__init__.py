"""The editions: each one plans its output from the checked handbook as plain records."""
