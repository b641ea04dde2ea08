"""``atlas-publish import``: turn the older system's exports into article sources.

detect.py reads the bytes and recognises the kind of export; wordexport.py and webexport.py
parse each kind into a Legacy record; body.py and references.py turn its body into the
handbook's Markdown; place.py decides where the article goes and which volume.yaml and
chapter.yaml it needs; run.py sequences it all and reports per file.
"""

from .run import ImportResult, import_files

__all__ = ["ImportResult", "import_files"]
