"""The editions: what each one makes of the checked handbook, before any engine runs."""
