"""The complete edition: an edition of its own around the volume PDFs, joined into one file.

Its own front matter (half title, title page, copyright page, contents of the volumes) is laid
out by WeasyPrint; then come the volumes as they were built, each keeping its folios (so
"Volume 4, p. 112" stays true), and the index to all volumes, whose folios continue the last
volume's, as a general index at the end of a multi-volume work does. Joining finished PDFs
costs seconds, where laying out all 700 articles as one document takes minutes and over a
gigabyte.

The join (``join.py``) keeps what makes each part a PDF/UA file: the structure trees become
one (under one Document element, the parents' numbers renumbered), with the outline, the named
destinations and the page labels ("4:112": volume 4, page 112); this module adds the XMP
metadata claiming PDF/UA-1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Dictionary, String

from ..markdown import typographic
from ..model import Atlas
from ..outputs import atomic_path
from .join import Part, join

INDEX_TITLE = "Index to all volumes"
# The named destination of the index's first page, which the contents link to (its parts'
# own names, bm-stages..., are the volumes' back matter's too: the first volume's would win).
INDEX_DEST = "complete-index"


def join_volumes(
    atlas: Atlas,
    volume_pdfs: list[Path],
    target: Path,
    created: int | None,
    pages: Mapping[str, tuple[int, int]] | None = None,
) -> int:
    """Write ``target``: the edition's front matter, the volume PDFs in order and, with
    ``pages`` (anchor -> (volume, folio), the volumes' page map), the index to all volumes.
    Return its page count."""
    numbers = [_volume_number(path) for path in volume_pdfs]
    index: Part | None = None
    if pages is not None and volume_pdfs:
        # it continues the last volume's folios, on a right-hand page (a volume's page count
        # is even): the contents print where it starts before the front matter is laid out
        first_folio = _last_folio(volume_pdfs[-1]) + 1
        pdf = complete_index_pdf(atlas, pages, first_folio)
        index = Part(pdf, f"{numbers[-1]}:", INDEX_TITLE, dest=INDEX_DEST)
    index_at = f"{index.prefix}{first_folio}" if index else None
    front = complete_front_pdf(atlas, numbers, pages or {}, created, index_at)
    parts = [Part(front, "")]
    parts += [Part(path, f"{n}:") for n, path in zip(numbers, volume_pdfs, strict=True)]
    if index is not None:
        parts.append(index)
    when = dt.datetime.fromtimestamp(created, dt.UTC) if created is not None else None
    title = typographic(f"{atlas.title}: The Complete Edition", atlas.language)
    joined = join(parts, title)
    _metadata(joined.pdf, atlas, title, len(volume_pdfs), when)
    with atomic_path(target) as temporary:
        joined.save(temporary)
    return len(joined.pdf.pages)


def _volume_number(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[-1])


def _last_folio(pdf: Path) -> int:
    """The last arabic folio of a volume (its last page's label)."""
    from pypdf import PdfReader

    for label in reversed(PdfReader(pdf).page_labels):
        if label.isdigit():
            return int(label)
    return 0


def _metadata(
    joined: pikepdf.Pdf, atlas: Atlas, title: str, volumes: int, when: dt.datetime | None
) -> None:
    info = {
        "/Title": title,
        "/Author": atlas.author,
        "/Subject": typographic(f"All {volumes} volumes of {atlas.title}", atlas.language),
        "/Producer": "atlas-publish (WeasyPrint, pikepdf)",
    }
    if when:
        stamp = when.strftime("D:%Y%m%d%H%M%SZ")
        info |= {"/CreationDate": stamp, "/ModDate": stamp}
    for key, value in info.items():
        joined.docinfo[key] = String(value)
    joined.Root.Lang = String(atlas.language)
    joined.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    with joined.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["dc:title"] = title
        xmp["dc:creator"] = [atlas.author]
        xmp["dc:language"] = [atlas.language]
        xmp["pdf:Producer"] = info["/Producer"]
        xmp["pdfuaid:part"] = "1"
        if when:
            xmp["xmp:CreateDate"] = when.isoformat()
            xmp["xmp:ModifyDate"] = when.isoformat()
            xmp["xmp:MetadataDate"] = when.isoformat()


# --- the edition's own pages -----------------------------------------------------------------


def _render(atlas: Atlas, html: str, extra_css: str, labels: Any) -> bytes:
    """HTML laid out with the print stylesheets as a tagged PDF/UA-1 document of an even
    number of pages."""
    from ..editions.print import back_matter_stylesheets, stylesheets
    from ..render import templates_dir
    from .pdf import Typesetter

    typesetter = Typesetter([atlas.root, templates_dir()], atlas.root)
    with typesetter.session():
        layout = typesetter.lay_out(
            typesetter.parse(html), back_matter_stylesheets(atlas, extra_css)
        )
        pages = list(layout.document.pages)
        if len(pages) % 2:  # a part ends on a left-hand page
            pages += typesetter.blank_page(stylesheets(atlas)[:1]).document.pages
        document = layout.document.copy(pages)
        return bytes(document.write_pdf(pdf_variant="pdf/ua-1", finisher=labels))


def complete_front_pdf(
    atlas: Atlas,
    numbers: Iterable[int],
    pages: Mapping[str, tuple[int, int]],
    created: int | None,
    index_at: str | None = None,
) -> bytes:
    """Half title, title page, copyright page and the contents of the volumes (each chapter
    located as volume:page, and the index to all volumes at ``index_at``), roman folios, an
    even number of pages."""
    from ..render import copyright_line, environment

    when = dt.datetime.fromtimestamp(created, dt.UTC) if created is not None else None
    volumes = [atlas.volume(n) for n in numbers]
    html = (
        environment(atlas)
        .get_template("print/complete_front.html.j2")
        .render(
            atlas=atlas,
            volumes=volumes,
            where=lambda anchor: "{}:{}".format(*pages[anchor]) if anchor in pages else "",
            rights=copyright_line(atlas, when),
            edition_date=when.strftime("%B %Y") if when else None,
            index=(INDEX_TITLE, INDEX_DEST, index_at) if index_at else None,
        )
    )
    from .pdf import page_labels

    return _render(atlas, html, "", page_labels(0, roman=True))


def complete_index_pdf(
    atlas: Atlas, pages: Mapping[str, tuple[int, int]], first_folio: int = 1
) -> bytes:
    """The back matter over every volume as PDF bytes, its folios from ``first_folio``."""
    from ..indexes import build_indexes
    from .backmatter_pdf import complete_index_html

    html = complete_index_html(atlas, build_indexes(atlas), pages)
    css = (
        "html { break-before: right; } .bm-start { display: none; } "
        f"@page :first {{ counter-reset: page {first_folio}; }}"
    )
    from .pdf import page_labels

    return _render(atlas, html, css, page_labels(0, start=first_folio))
