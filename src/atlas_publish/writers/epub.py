"""The ebooklib adapter: an ``EpubPlan`` (editions/epub.py) written as an EPUB file.

ebooklib writes the package (into memory, uncompressed); one zip pass then makes the file,
reproducible (fixed timestamps, sorted members, ``mimetype`` first and stored). The file
appears whole or not at all.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from ebooklib import epub

from ..editions.epub import Document, EpubPlan
from ..model import Atlas
from ..outputs import atomic_path
from .cover import cover_png

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# zlib's default level: measured on the nine volumes of a 700-article handbook, level 9 makes
# the files 0.4% smaller (1,789 KB against 1,797 KB) in half as much time again.
DEFLATE_LEVEL = 6
# Pictures in these formats are compressed already: deflating them again gains nothing.
STORED_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


class _VerbatimHtml(epub.EpubHtml):  # type: ignore[misc]
    """A document written exactly as our templates made it (ebooklib would rebuild its head)."""

    def get_content(self, default: bytes | None = None) -> bytes:
        return bytes(self.content)


class _Writer(epub.EpubWriter):  # type: ignore[misc]
    """ebooklib's writer, with the package's language declared (xml:lang, which Ace asks for)."""

    def _write_opf_file(self, root: object) -> None:
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)  # type: ignore[attr-defined]
        super()._write_opf_file(root)


def _document_item(document: Document, language: str) -> _VerbatimHtml:
    item = _VerbatimHtml(
        uid=document.uid, file_name=document.file_name, title=document.title, lang=language
    )
    item.content = document.content
    item.properties = list(document.properties)
    return item


def write_epub(plan: EpubPlan, target: Path) -> None:
    book = epub.EpubBook()
    book.set_identifier(plan.identifier)
    book.set_title(plan.title)
    book.set_language(plan.language)
    for creator in plan.creators:
        book.add_author(creator)
    for namespace, name, value, attrs in plan.metadata:
        book.add_metadata(namespace, name, value, attrs)
    items = {}
    for document in plan.documents:
        item = _document_item(document, plan.language)
        book.add_item(item)
        items[document.file_name] = item
    for resource in plan.resources:
        resource_item = epub.EpubItem(
            uid=resource.uid,
            file_name=resource.file_name,
            media_type=resource.media_type,
            content=resource.content,
        )
        resource_item.properties = list(resource.properties)
        book.add_item(resource_item)
    # The NCX, for EPUB 2 reading systems, is ebooklib's; the nav document is ours (templates).
    book.toc = [
        (
            epub.Section(entry.title, entry.href),
            [epub.Link(c.href, c.title, f"toc-{i}-{j}") for j, c in enumerate(entry.children)],
        )
        if entry.children
        else epub.Link(entry.href, entry.title, f"toc-{i}")
        for i, entry in enumerate(plan.toc)
    ]
    book.add_item(epub.EpubNcx())
    book.add_item(_document_item(plan.nav, plan.language))
    book.spine = [items[d.file_name] for d in plan.documents]
    options = {
        "mtime": plan.modified,
        "raise_exceptions": True,
        "epub2_guide": False,
        "epub3_landmark": False,
        "epub3_pages": False,
        "play_order": {"enabled": True, "start_from": 1},
        "compresslevel": 0,  # compressed once, by _rezip
    }
    package = io.BytesIO()
    writer = _Writer(package, book, options)
    writer.process()
    writer.write()
    with atomic_path(target) as temporary:
        _rezip(package, temporary)


def _rezip(source: io.BytesIO, target: Path) -> None:
    """Fixed timestamps, sorted members, 'mimetype' first and stored: byte-identical builds."""
    with zipfile.ZipFile(source) as zin:
        members = {info.filename: zin.read(info.filename) for info in zin.infolist()}
    order = ["mimetype"] + sorted(name for name in members if name != "mimetype")
    with zipfile.ZipFile(target, "w") as zout:
        for name in order:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            if name == "mimetype" or name.lower().endswith(STORED_SUFFIXES):
                info.compress_type = zipfile.ZIP_STORED
                zout.writestr(info, members[name])
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(info, members[name], compresslevel=DEFLATE_LEVEL)


def read_cover(epub_path: Path) -> bytes:
    """The cover image of an EPUB, found as its package declares it (properties="cover-image")."""
    with zipfile.ZipFile(epub_path) as book:
        container = ElementTree.fromstring(book.read("META-INF/container.xml"))
        rootfile = container.find(".//{*}rootfile")
        assert rootfile is not None
        opf_path = rootfile.get("full-path", "")
        package = ElementTree.fromstring(book.read(opf_path))
        for item in package.iterfind(".//{*}manifest/{*}item"):
            if "cover-image" in (item.get("properties") or "").split():
                base = opf_path.rpartition("/")[0]
                href = item.get("href", "")
                return book.read(f"{base}/{href}" if base else href)
    raise KeyError(f"{epub_path}: no cover-image item")


def volume_cover_png(atlas: Atlas, volume_number: int) -> bytes:
    """The cover PNG of a volume, exactly as the EPUB carries it."""
    return cover_png(atlas, atlas.volume(volume_number))
