"""The laid-out volume as the proof gate reads it.

WeasyPrint's pages are walked once: every line box, table row and image in the flow of the
text, in order, with the block that sets its measure; every text box (running heads too);
footnote calls and the notes printed in each page's footnote area. The volume's HTML tree
says what each element is: which article it belongs to, whether it is a footnote, code, a
heading or a body paragraph. The checks (checks.py, faces.py) read only these records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..model import Volume

Element = Any  # an element of the volume's HTML tree (xml.etree)
Box = Any  # a WeasyPrint box

CODE_TAGS = frozenset({"code", "pre", "kbd", "samp"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
LISTS = frozenset({"ul", "ol"})


@dataclass(slots=True, eq=False)
class Line:
    """One line of the text as laid out: a line box, a table row or an image. Lines are
    compared by identity (two lines with the same text are two lines)."""

    page: int
    kind: str  # "line", "row" (a body row of a table), "image"
    zone: str  # "flow", "table" (inside a cell), "note" (footnote area), "margin"
    box: Box
    element: Element  # the block the line belongs to (p, li, h5; tr for a row)
    container: Box  # the box whose content width is the line's measure
    first_text: int = 0  # its text boxes: page.texts[first_text:end_text]
    end_text: int = 0
    text: str | None = None  # its text as a reader sees it, once asked (PageView.line_text)


@dataclass(slots=True, eq=False)
class PageView:
    index: int
    label: str  # the printed folio: "iii", "18"
    kind: str  # "front", "body" or "back" (the back matter)
    blank: bool
    name: str  # the @page name: "opener", "first-opener", "front" or ""
    box: Box
    lines: list[Line] = field(default_factory=list)
    texts: list[tuple[Box, str]] = field(default_factory=list)  # (text box, zone)
    # footnotes called on this page, with the call as printed ("2")
    calls: list[tuple[Element, str]] = field(default_factory=list)
    notes: set[Element] = field(default_factory=set)  # footnotes printed at its foot
    footnote_height: float = 0.0
    anchors: set[str] = field(default_factory=set)  # element ids that start on this page

    def line_text(self, line: Line) -> str:
        """The line's text as a reader sees it (the build's soft hyphens left out); made once,
        as several checks read it."""
        if line.text is None:
            text = "".join(box.text for box, _ in self.texts[line.first_text : line.end_text])
            line.text = text.replace("\u00ad", "")
        return line.text


@dataclass(slots=True)
class Source:
    """What the volume's HTML says about its elements."""

    article_of: dict[Element, str] = field(default_factory=dict)  # element -> article number
    footnotes: dict[Element, tuple[str, int]] = field(default_factory=dict)  # -> (article, n)
    in_note: set[Element] = field(default_factory=set)  # footnotes and what is inside them
    code: set[Element] = field(default_factory=set)  # inside code, pre, kbd, samp
    # element of a line -> (the block it must stay with its text: opener, heading, lead-in)
    keeper_of: dict[Element, Element] = field(default_factory=dict)
    keepers: dict[Element, str] = field(default_factory=dict)  # keeper -> how to name it
    paragraphs: set[Element] = field(default_factory=set)  # body text: p and li
    measured: set[Element] = field(default_factory=set)  # plain body paragraphs
    table_of: dict[Element, Element] = field(default_factory=dict)  # tr -> table
    # the items of the lists whose first three items print.css keeps together (a list after a
    # heading, or opening an article's text after its opener), and what is inside them
    # (what is inside them too) -> (list, item)
    kept_items: dict[Element, tuple[Element, Element]] = field(default_factory=dict)
    body_roots: list[tuple[str, Element]] = field(default_factory=list)  # (article, element)
    contents: set[Element] = field(default_factory=set)  # the table of contents


@dataclass(slots=True)
class Proofed:
    """A laid-out volume: its pages, its source, and what the checks need to name faults."""

    file: str
    volume: Volume
    pages: list[PageView]
    source: Source
    tag_ids: frozenset[str]
    volume_language: str = "en"  # the handbook's language (atlas.yaml)
    whole_volume: bool = True  # False: a part of a volume (a chapter) laid out on its own
    flow: list[Line] = field(init=False)  # the lines of the text in reading order

    def __post_init__(self) -> None:
        self.flow = list(flow_lines(self.pages))

    def label(self, index: int) -> str:
        return self.pages[index].label


def roman(number: int) -> str:
    numerals = [
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]  # fmt: skip
    out = ""
    for value, numeral in numerals:
        while number >= value:
            out += numeral
            number -= value
    return out


def page_labels(document: Any, volume: Volume, first_folio: int | None = None) -> list[str]:
    """The folio printed on each page: roman in the front matter, arabic from the first
    chapter opener on (the back matter continues the count), as print.css numbers them.

    ``first_folio``: the document is a part of the volume laid out on its own (a chapter, the
    back matter) whose first page prints this folio; its pages are numbered on from it."""
    if first_folio is not None:
        return [str(first_folio + index) for index in range(len(document.pages))]
    first = None
    if volume.chapters:
        anchor = volume.chapters[0].anchor
        first = next((i for i, p in enumerate(document.pages) if anchor in p.anchors), None)
    labels = []
    for index in range(len(document.pages)):
        if first is None or index < first:
            labels.append(roman(index + 1))
        else:
            labels.append(str(index - first + 1))
    return labels


def read_source(root: Element, volume: Volume) -> Source:
    source = Source()
    numbers = {a.anchor: a.number for a in volume.articles}
    for element in root.iter():
        if _tag(element) in CODE_TAGS:
            source.code.update(element.iter())
        if _tag(element) == "nav" and "toc" in _classes(element):
            source.contents.update(element.iter())
        if _tag(element) == "h3" and "section-title" in _classes(element):
            _keep(source, element, f"section heading “{_text(element)}”")
        number = numbers.get(element.get("id") or "")
        if number is not None and _tag(element) == "article":
            _read_article(source, element, number)
    return source


def _read_article(source: Source, article: Element, number: str) -> None:
    for element in article.iter():
        source.article_of[element] = number
    notes = 0
    roots = []
    for element in article.iter():
        tag, classes = _tag(element), _classes(element)
        if "footnote" in classes and tag == "span":
            notes += 1
            source.footnotes[element] = (number, notes)
            source.in_note.update(element.iter())
        elif "article-header" in classes:
            _keep(source, element, f"the opener of article {number}")
        elif tag in {"h5", "h6"}:
            _keep(source, element, f"the heading “{_text(element)}” in article {number}")
        elif tag == "table":
            for row in element.iter():
                if _tag(row) == "tr":
                    source.table_of[row] = element
        elif "article-body" in classes or "abstract" in classes or "stage-index" in classes:
            roots.append(element)
    source.body_roots.extend((number, root) for root in roots)
    for parent in article.iter():
        children = list(parent)
        if children and "article-body" in _classes(parent) and _tag(children[0]) in LISTS:
            _keep_items(source, children[0])
        for before, after in zip(children, children[1:], strict=False):
            if _tag(before) == "p" and _tag(after) == "table":
                _keep(source, before, f"the lead-in to a table in article {number}")
            if _tag(before) in {"h5", "h6"} and _tag(after) in LISTS:
                _keep_items(source, after)
    for root in roots:
        for element in root.iter():
            if element in source.in_note or element in source.keeper_of:
                continue
            if _tag(element) in {"p", "li"}:
                source.paragraphs.add(element)
        for element in root:
            if _tag(element) == "p" and element not in source.keeper_of:
                source.measured.add(element)


def _keep(source: Source, keeper: Element, name: str) -> None:
    source.keepers[keeper] = name
    for element in keeper.iter():
        source.keeper_of[element] = keeper


def _keep_items(source: Source, kept: Element) -> None:
    for item in kept:
        if _tag(item) == "li":
            for element in item.iter():
                source.kept_items[element] = (kept, item)


def _tag(element: Element) -> str:
    tag = element.tag
    return _local(tag) if isinstance(tag, str) else ""


@cache
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _classes(element: Element) -> set[str]:
    return set((element.get("class") or "").split())


def _text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def read_pages(
    document: Any, volume: Volume, body_pages: int, first_folio: int | None = None
) -> list[PageView]:
    from weasyprint.formatting_structure import boxes

    labels = page_labels(document, volume, first_folio)
    first_body = next((i for i, label in enumerate(labels) if label.isdigit()), len(labels))
    views = []
    for index, page in enumerate(document.pages):
        box = page._page_box
        kind = "front" if index < first_body else "body" if index < body_pages else "back"
        view = PageView(
            index, labels[index], kind, box.page_type.blank, box.page_type.name or "", box
        )
        view.anchors = set(page.anchors)
        _walk(view, box, box, "flow", boxes)
        views.append(view)
    return views


def _walk(view: PageView, box: Box, container: Box, zone: str, boxes: Any) -> None:
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.TextBox):  # the most frequent box first
            view.texts.append((child, zone))
        elif isinstance(child, boxes.MarginBox):
            _walk(view, child, child, "margin", boxes)
        elif isinstance(child, boxes.FootnoteAreaBox):
            view.footnote_height = child.margin_height()
            _walk(view, child, child, "note", boxes)
        elif isinstance(child, boxes.LineBox):
            line = Line(view.index, "line", zone, child, child.element, container)
            line.first_text = len(view.texts)
            _walk(view, child, container, zone, boxes)
            line.end_text = len(view.texts)
            view.lines.append(line)
        elif isinstance(child, boxes.TableRowBox):
            if zone == "flow" and (box.element_tag or "") != "thead":
                view.lines.append(Line(view.index, "row", zone, child, child.element, container))
            _walk(view, child, child, "table", boxes)
        elif isinstance(child, boxes.ReplacedBox):
            view.lines.append(Line(view.index, "image", zone, child, child.element, container))
        else:
            tag = child.element_tag or ""
            if tag.endswith("::footnote-call"):
                printed = "".join(
                    b.text for b in child.descendants() if isinstance(b, boxes.TextBox)
                )
                view.calls.append((child.element, printed.strip()))
            elif zone == "note" and child.element is not None and "::" not in tag:
                view.notes.add(child.element)
            inner = child if isinstance(child, boxes.BlockContainerBox) else container
            _walk(view, child, inner, zone, boxes)


def flow_lines(pages: list[PageView]) -> Iterator[Line]:
    """The lines of the text in reading order, page by page (no notes, running heads, cells)."""
    for page in pages:
        for line in page.lines:
            if line.zone == "flow":
                yield line
