"""One writer per format: each takes the finished model and writes one file per volume."""
