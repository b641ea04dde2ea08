"""The complete edition: the volume PDFs joined into one file with one outline.

Each volume keeps its own folios (so "Volume 4, p. 112" stays true); the outline reads
volume -> chapter -> article. Joining finished PDFs costs seconds, where laying out all
700 articles as one document takes minutes and over a gigabyte.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from ..model import Atlas
from ..outputs import atomic_path


def join_volumes(
    atlas: Atlas,
    volume_pdfs: list[Path],
    target: Path,
    created: int | None,
    pages: Mapping[str, tuple[int, int]] | None = None,
) -> int:
    """Write ``target`` from the volume PDFs in order; return its page count.

    With ``pages`` (anchor -> (volume, folio), the volumes' page map) the index to all
    volumes follows, with volume:page locators, under its own outline entry."""
    writer = PdfWriter()
    for pdf in volume_pdfs:
        writer.append(str(pdf), import_outline=True)
    if pages is not None:
        index = complete_index_pdf(atlas, pages)
        if len(writer.pages) % 2:  # the index starts on a right-hand page
            writer.add_blank_page()
        first = len(writer.pages)
        writer.append(io.BytesIO(index), outline_item=INDEX_TITLE, import_outline=True)
        _link_to_destinations(writer, first)
    when = dt.datetime.fromtimestamp(created, dt.UTC) if created is not None else None
    metadata = {
        "/Title": f"{atlas.title}: The Complete Edition",
        "/Author": atlas.author,
        "/Subject": f"All {len(volume_pdfs)} volumes of {atlas.title}",
        "/Producer": "atlas-publish (WeasyPrint, pypdf)",
    }
    if when:
        stamp = when.strftime("D:%Y%m%d%H%M%SZ")
        metadata |= {"/CreationDate": stamp, "/ModDate": stamp}
    writer.add_metadata(metadata)
    writer._root_object[NameObject("/Lang")] = TextStringObject(atlas.language)
    writer.page_mode = "/UseOutlines"
    with atomic_path(target) as temporary:
        writer.write(str(temporary))
    return len(writer.pages)


INDEX_TITLE = "Index to all volumes"


def complete_index_pdf(atlas: Atlas, pages: Mapping[str, tuple[int, int]]) -> bytes:
    """The back matter over every volume, laid out by WeasyPrint, as PDF bytes."""
    from weasyprint.text.fonts import FontConfiguration

    from ..fetcher import RestrictedFetcher
    from ..indexes import build_indexes
    from ..render import templates_dir
    from .backmatter_pdf import complete_index_html, render_pages
    from .pdf import page_css, stylesheet

    html = complete_index_html(atlas, build_indexes(atlas), pages)
    fetcher = RestrictedFetcher([atlas.root, templates_dir()])
    css = "html { break-before: right; } .bm-start { display: none; }"
    _root, document = render_pages(
        atlas, html, css, FontConfiguration(), fetcher, page_css(atlas), stylesheet(atlas)
    )
    return bytes(document.write_pdf())


def _link_to_destinations(writer: PdfWriter, first: int) -> None:
    """The index's 'atlas-dest:ANCHOR' links become links to the volumes' named destinations
    (WeasyPrint names one for every article; pypdf keeps them when joining)."""
    from .backmatter_pdf import DEST_SCHEME

    for page in writer.pages[first:]:
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if isinstance(action, DictionaryObject) else ""
            if uri.startswith(DEST_SCHEME):
                del annotation["/A"]
                annotation[NameObject("/Dest")] = TextStringObject(uri[len(DEST_SCHEME) :])
