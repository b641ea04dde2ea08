"""The complete edition: an edition of its own around the volume PDFs, joined into one file.

Its own front matter (half title, title page, copyright page, contents of the volumes) is laid
out by WeasyPrint; then come the volumes as they were built, each keeping its folios (so
"Volume 4, p. 112" stays true), and the index to all volumes, whose folios continue the last
volume's, as a general index at the end of a multi-volume work does. Joining finished PDFs
costs seconds, where laying out all 700 articles as one document takes minutes and over a
gigabyte.

The join keeps what makes each part a PDF/UA file: the structure trees become one (under one
Document element, the parents' numbers renumbered), with the outline, the named destinations
and the page labels ("4:112": volume 4, page 112), the XMP metadata claiming PDF/UA-1, and an
even page count.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, String

from ..markdown import typographic
from ..model import Atlas
from ..outputs import atomic_path

INDEX_TITLE = "Index to all volumes"
# The named destination of the index's first page, which the contents link to (its parts'
# own names, bm-stages..., are the volumes' back matter's too: the first volume's would win).
INDEX_DEST = "complete-index"


@dataclass(frozen=True, slots=True)
class Part:
    pdf: bytes | Path
    prefix: str  # the page labels' prefix: "" for the front matter, "4:" for volume 4
    title: str | None = None  # an outline entry of its own over the part's outline


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
        index = Part(pdf, f"{numbers[-1]}:", INDEX_TITLE)
    index_at = f"{index.prefix}{first_folio}" if index else None
    front = complete_front_pdf(atlas, numbers, pages or {}, created, index_at)
    parts = [Part(front, "")]
    parts += [Part(path, f"{n}:") for n, path in zip(numbers, volume_pdfs, strict=True)]
    if index is not None:
        parts.append(index)
    when = dt.datetime.fromtimestamp(created, dt.UTC) if created is not None else None
    title = typographic(f"{atlas.title}: The Complete Edition", atlas.language)
    joined = _join(parts, title)
    _metadata(joined, atlas, title, len(volume_pdfs), when)
    with atomic_path(target) as temporary:
        joined.save(temporary, deterministic_id=True)
    return len(joined.pages)


def _volume_number(path: Path) -> int:
    return int(path.stem.rsplit("-", 1)[-1])


def _last_folio(pdf: Path) -> int:
    """The last arabic folio of a volume (its last page's label)."""
    from pypdf import PdfReader

    for label in reversed(PdfReader(pdf).page_labels):
        if label.isdigit():
            return int(label)
    return 0


def _join(parts: list[Part], title: str) -> pikepdf.Pdf:
    joined = pikepdf.new()
    document = joined.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, K=Array(), T=String(title))
    )
    numbers: list[Any] = []  # the parent tree's entries
    labels: list[Any] = []
    dests: dict[str, Any] = {}
    outline: list[OutlineItem] = []
    role_map: dict[str, Any] = {}
    offset = 0
    for part in parts:
        source = pikepdf.open(io.BytesIO(part.pdf) if isinstance(part.pdf, bytes) else part.pdf)
        start = len(joined.pages)
        with warnings.catch_warnings():
            # named destinations are merged below (pikepdf warns that extend() does not)
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            joined.pages.extend(source.pages)
        offset = _join_structure(joined, source, start, document, numbers, role_map, offset)
        labels += _labels(source, start, part.prefix)
        names = source.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for key, value in pikepdf.NameTree(names.Dests).items():
                dests.setdefault(key, _foreign(joined, value))
        items = _outline(joined, source)
        if part.title == INDEX_TITLE:
            dests[INDEX_DEST] = Array([joined.pages[start].obj, Name.Fit])
        if part.title:
            item = OutlineItem(part.title, start)
            item.children.extend(items)
            items = [item]
        outline += items
    if len(joined.pages) % 2:  # a book ends on a left-hand page
        joined.add_blank_page(page_size=_size(joined.pages[-1]))
    tree = Dictionary(
        Type=Name.StructTreeRoot,
        K=Array([document]),
        ParentTree=joined.make_indirect(Dictionary(Nums=Array(numbers))),
        ParentTreeNextKey=offset,
    )
    if role_map:
        tree.RoleMap = Dictionary(role_map)
    joined.Root.StructTreeRoot = joined.make_indirect(tree)
    joined.Root.MarkInfo = Dictionary(Marked=True)
    joined.Root.PageLabels = Dictionary(Nums=Array(labels))
    if dests:
        name_tree = pikepdf.NameTree.new(joined)
        for key in sorted(dests):
            name_tree[key] = dests[key]
        joined.Root.Names = Dictionary(Dests=name_tree.obj)
    _resolve_index_links(joined)
    with joined.open_outline() as built:
        built.root.extend(outline)
    joined.Root.PageMode = Name.UseOutlines
    return joined


def _join_structure(
    joined: pikepdf.Pdf,
    source: pikepdf.Pdf,
    start: int,
    document: Any,
    numbers: list[Any],
    role_map: dict[str, Any],
    offset: int,
) -> int:
    """Hang the part's structure tree under the edition's Document element, its parent-tree
    keys moved past the parts before; return the next free key."""
    tree = source.Root.get("/StructTreeRoot")
    if tree is None:
        return offset
    kids = _foreign(joined, tree.K)
    for kid in kids if isinstance(kids, Array) else [kids]:
        if kid.get("/S") == Name.Document:
            kid.S = Name.Part  # one Document: each part is a part of it
        kid.P = document
        document.K.append(kid)
    for role, value in (tree.get("/RoleMap") or {}).items():
        role_map.setdefault(role, _foreign(joined, value))
    entries = _foreign(joined, tree.ParentTree.get("/Nums", Array()))
    highest = -1
    for index in range(0, len(entries), 2):
        key = int(entries[index])
        highest = max(highest, key)
        numbers += [key + offset, entries[index + 1]]
    for page in joined.pages[start:]:
        if "/StructParents" in page.obj:
            page.obj.StructParents = int(page.obj.StructParents) + offset
        for annotation in page.obj.get("/Annots") or []:
            if "/StructParent" in annotation:
                annotation.StructParent = int(annotation.StructParent) + offset
    return offset + highest + 1


def _foreign(joined: pikepdf.Pdf, value: Any) -> Any:
    """``value`` of another PDF in ``joined``: indirect objects copied once (qpdf maps each to
    its copy, so a page already copied is the same page), direct ones rebuilt around them."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return joined.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_foreign(joined, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({key: _foreign(joined, item) for key, item in value.items()})
    return value


def _labels(source: pikepdf.Pdf, start: int, prefix: str) -> list[Any]:
    """The part's page labels, moved to where it starts and given its prefix."""
    found = source.Root.get("/PageLabels")
    entries: list[Any] = (
        list(found.Nums) if found is not None and "/Nums" in found else [0, Dictionary()]
    )
    result: list[Any] = []
    for index in range(0, len(entries), 2):
        label = Dictionary(entries[index + 1])
        if prefix:
            label.P = String(prefix)
        result += [int(entries[index]) + start, label]
    return result


def _outline(joined: pikepdf.Pdf, source: pikepdf.Pdf) -> list[OutlineItem]:
    with source.open_outline() as outline:
        return [_copy_item(joined, item) for item in outline.root]


def _copy_item(joined: pikepdf.Pdf, item: OutlineItem) -> OutlineItem:
    destination = item.destination
    if isinstance(destination, Array):
        destination = _foreign(joined, destination)
    elif destination is None and item.action is not None and "/D" in item.action:
        destination = _foreign(joined, item.action.D)
    copy = OutlineItem(str(item.title), destination)
    copy.children.extend(_copy_item(joined, child) for child in item.children)
    return copy


def _resolve_index_links(joined: pikepdf.Pdf) -> None:
    """The index's 'atlas-dest:ANCHOR' links become links to the volumes' named destinations
    (WeasyPrint names one for every article; the join keeps them)."""
    from .backmatter_pdf import DEST_SCHEME

    for page in joined.pages:
        for annotation in page.obj.get("/Annots") or []:
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(DEST_SCHEME):
                del annotation["/A"]
                annotation.Dest = String(uri[len(DEST_SCHEME) :])


def _size(page: pikepdf.Page) -> tuple[float, float]:
    box = [float(v) for v in page.mediabox]
    return box[2] - box[0], box[3] - box[1]


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
