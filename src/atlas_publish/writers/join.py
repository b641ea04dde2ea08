"""Finished PDFs joined into one tagged PDF with pikepdf: a print volume from its parts (front
matter, one document per chapter, back matter), the complete edition from the volumes.

WeasyPrint's laid-out documents cannot leave the process that made them, and a document held
until the whole book is laid out holds every page in memory: each part is written as a PDF of
its own instead, and joined here. The join keeps what makes each part a PDF/UA file: the
structure trees become one (each part's Document a Part of one Document element, the parent
tree's keys renumbered past the parts before), with the outline, the named destinations and
the page labels; links a part could not resolve (``atlas-dest:ANCHOR``: its target is in
another part) become links to the named destination ANCHOR. The catalogue's metadata is the
caller's (``metadata_from`` or its own).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, String

# A link to an anchor in another part (or volume): the join makes it a link to the named
# destination ANCHOR, which WeasyPrint writes for every element id.
from .pdf import DEST_SCHEME

# What a part's catalogue says of the whole document: copied from ``metadata_from``.
CATALOGUE_KEYS = ("/Metadata", "/Lang", "/ViewerPreferences", "/OutputIntents", "/MarkInfo")


@dataclass(frozen=True, slots=True)
class Part:
    pdf: bytes | Path
    prefix: str = ""  # the page labels' prefix: "4:" for volume 4 in the complete edition
    title: str | None = None  # an outline entry of its own over the part's outline
    # its outline entries go under the last top-level entry so far (a volume's chapters under
    # the volume's own entry, which the front matter makes)
    nested: bool = False
    # a blank page after it, so the next part starts on a right-hand page
    blank_after: bool = False
    dest: str | None = None  # a named destination of its own, to its first page


@dataclass(frozen=True, slots=True)
class Joined:
    pdf: pikepdf.Pdf
    version: str  # the highest PDF version of the parts: the joined file's

    def save(self, target: Path) -> None:
        """Write it with a fixed file identifier (reproducible bytes), its objects in
        compressed object streams as WeasyPrint writes them (the structure tree's thousands of
        small dictionaries would triple the file's size)."""
        self.pdf.save(
            target,
            deterministic_id=True,
            min_version=self.version,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )


def join(
    parts: Sequence[Part],
    document_title: str,
    metadata_from: int | None = None,
    even: bool = True,
) -> Joined:
    """One PDF of ``parts`` in order, ending on a left-hand page (an even page count) when
    ``even`` (a book). ``metadata_from``: the part whose catalogue metadata and document info
    the join keeps."""
    joined = pikepdf.new()
    version = "1.3"
    document = joined.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, K=Array(), T=String(document_title))
    )
    numbers: list[Any] = []  # the parent tree's entries
    labels: list[Any] = []
    dests: dict[str, Any] = {}
    outline: list[OutlineItem] = []
    role_map: dict[str, Any] = {}
    offset = 0
    tagged = False
    for index, part in enumerate(parts):
        source = pikepdf.open(io.BytesIO(part.pdf) if isinstance(part.pdf, bytes) else part.pdf)
        version = max(version, source.pdf_version)
        start = len(joined.pages)
        with warnings.catch_warnings():
            # named destinations are merged below (pikepdf warns that extend() does not)
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            joined.pages.extend(source.pages)
        tagged = tagged or "/StructTreeRoot" in source.Root
        offset = _join_structure(joined, source, start, document, numbers, role_map, offset)
        labels += _labels(source, start, part.prefix)
        names = source.Root.get("/Names")
        if names is not None and "/Dests" in names:
            for key, value in pikepdf.NameTree(names.Dests).items():
                dests.setdefault(key, _foreign(joined, value))
        if part.dest:
            dests[part.dest] = Array([joined.pages[start].obj, Name.Fit])
        items = _outline(joined, source)
        if part.title:
            item = OutlineItem(part.title, start)
            item.children.extend(items)
            items = [item]
        if part.nested and outline:
            outline[-1].children.extend(items)
        else:
            outline += items
        if index == metadata_from:
            _copy_metadata(joined, source)
        if part.blank_after:
            _add_blank(joined)
    if even and len(joined.pages) % 2:  # a book ends on a left-hand page
        _add_blank(joined)
    if tagged:
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
    _resolve_dest_links(joined, set(dests))
    _fill_glyph_texts(joined)
    _unique_subset_names(joined)
    if outline:
        with joined.open_outline() as built:
            built.root.extend(outline)
        joined.Root.PageMode = Name.UseOutlines
    return Joined(joined, version)


def _copy_metadata(joined: pikepdf.Pdf, source: pikepdf.Pdf) -> None:
    for key in CATALOGUE_KEYS:
        if key in source.Root:
            joined.Root[key] = _foreign(joined, source.Root[key])
    for key, value in source.docinfo.items():
        joined.docinfo[key] = value


def _add_blank(joined: pikepdf.Pdf) -> None:
    """A blank page like the last one (its media, trim and bleed boxes)."""
    last = joined.pages[-1].obj
    joined.add_blank_page(page_size=_size(joined.pages[-1]))
    blank = joined.pages[-1].obj
    for box in ("/MediaBox", "/TrimBox", "/BleedBox", "/CropBox"):
        if box in last:
            blank[box] = Array([float(v) for v in last[box]])


def _join_structure(
    joined: pikepdf.Pdf,
    source: pikepdf.Pdf,
    start: int,
    document: Any,
    numbers: list[Any],
    role_map: dict[str, Any],
    offset: int,
) -> int:
    """Hang the part's structure tree under the joined Document element, its parent-tree
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


def _resolve_dest_links(joined: pikepdf.Pdf, names: set[str]) -> None:
    """'atlas-dest:ANCHOR' links become links to the named destination ANCHOR; one to a
    destination no part has (a chapter left out) links nowhere."""
    for page in joined.pages:
        for annotation in page.obj.get("/Annots") or []:
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(DEST_SCHEME):
                del annotation["/A"]
                name = uri[len(DEST_SCHEME) :]
                if name in names:
                    annotation.Dest = String(name)


GLYPH_TEXT = re.compile(rb"<([0-9a-fA-F]{4})> <([0-9a-fA-F]*)>")


def _fill_glyph_texts(joined: pikepdf.Pdf) -> None:
    """Give a glyph the text another part found for it, where its own part found none.

    WeasyPrint maps each glyph to the text it was first drawn for in a document; a ligature
    first drawn with a soft hyphen after it ("fi" in "fi-nance") maps to nothing, so that part
    reads "nance" to a screen reader, a search or a copy. The parts embed the same faces (the
    same font name, the font's own glyph numbers), so the text another part found is the
    glyph's."""
    streams: dict[str, dict[tuple[int, int], Any]] = {}
    for page in joined.pages:
        resources = page.obj.get("/Resources") or Dictionary()
        for font in (resources.get("/Font") or Dictionary()).values():
            mapping = font.get("/ToUnicode")
            if mapping is not None and "/BaseFont" in font:
                streams.setdefault(str(font.BaseFont), {})[mapping.objgen] = mapping
    for found in streams.values():
        if len(found) < 2:
            continue
        data = {key: stream.read_bytes() for key, stream in found.items()}
        known: dict[bytes, bytes] = {}
        for text in data.values():
            for glyph, unicode in GLYPH_TEXT.findall(text):
                if unicode:
                    known.setdefault(glyph.lower(), unicode)
        for key, text in data.items():
            if b"> <>" in text:
                found[key].write(GLYPH_TEXT.sub(partial(_glyph_text, known), text))


SUBSET = re.compile(r"^/?([A-Z]{6})\+(.+)$")
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def _unique_subset_names(joined: pikepdf.Pdf) -> None:
    """Each part embeds its own subset of a face under the same name ("FOFKHM+Atlas-Text"):
    a preflight or a RIP that takes two different font programs of one name for one font
    sets one part's text with another part's glyphs. The tag before '+' becomes one derived
    from the subset's own bytes, so one name is one font program (ISO 32000-1, 9.6.4)."""
    done: set[tuple[int, int]] = set()
    embedded: dict[bytes, Any] = {}  # a font program's bytes, hashed -> its first stream
    for page in joined.pages:
        resources = page.obj.get("/Resources") or Dictionary()
        for font in (resources.get("/Font") or Dictionary()).values():
            if font.objgen in done or "/BaseFont" not in font:
                continue
            done.add(font.objgen)
            descendants = list(font.get("/DescendantFonts") or [])
            descriptors = [d.get("/FontDescriptor") for d in [font, *descendants]]
            _share_programs(descriptors, embedded)
            programs = [
                d[key].read_raw_bytes()
                for d in descriptors
                if d is not None
                for key in FONT_FILES
                if key in d
            ]
            if not programs:
                continue
            digest = hashlib.sha256(b"".join(programs)).digest()
            tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
            for owner, key in [(f, "/BaseFont") for f in [font, *descendants]] + [
                (d, "/FontName") for d in descriptors if d is not None
            ]:
                named = SUBSET.match(str(owner.get(key, "")))
                if named:
                    owner[key] = Name(f"/{tag}+{named[2]}")


def _share_programs(descriptors: list[Any], embedded: dict[bytes, Any]) -> None:
    """Two parts whose subsets of a face hold the same glyphs embed the same bytes: the file
    keeps one copy, both descriptors naming it (34-49 KB a volume of the 700-article tree)."""
    for descriptor in descriptors:
        if descriptor is None:
            continue
        for key in FONT_FILES:
            if key not in descriptor:
                continue
            program = descriptor[key]
            digest = hashlib.sha256(
                program.stream_dict.unparse() + program.read_raw_bytes()
            ).digest()
            first = embedded.setdefault(digest, program)
            if first.objgen != program.objgen:
                descriptor[key] = first


def _glyph_text(known: dict[bytes, bytes], match: re.Match[bytes]) -> bytes:
    """A ToUnicode entry, its text filled from ``known`` when it had none."""
    unicode = match[2] or known.get(match[1].lower(), b"")
    return b"<" + match[1] + b"> <" + unicode + b">"


def _size(page: pikepdf.Page) -> tuple[float, float]:
    box = [float(v) for v in page.mediabox]
    return box[2] - box[0], box[3] - box[1]
