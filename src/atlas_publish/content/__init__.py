"""Reading a content tree: discover files, parse YAML and front matter, validate, build the model."""
