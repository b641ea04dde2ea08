"""atlas-publish: a handbook of Markdown articles -> print (PDF) and ebook (EPUB) editions."""

__version__ = "0.1.0"
