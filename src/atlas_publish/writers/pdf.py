"""WeasyPrint, the print edition's engine: lays out planned HTML, reads where things landed,
and writes the PDF. What is laid out (the HTML, the stylesheets, the page numbers printed in
it) is decided by the print edition (``editions/print.py``, ``editions/print_parts.py``);
this module only drives WeasyPrint.

``import weasyprint`` is slow, so it is imported here only when something is laid out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The attribute the print stylesheet prints after a link, instead of
# ``target-counter(attr(href url), page)``: a number known before layout (print.css).
PAGE_ATTRIBUTE = "data-page"
# A link to an anchor the document lacks (it is in another part of the volume) names it with
# this scheme; the join (join.py) makes it a link to that named destination.
DEST_SCHEME = "atlas-dest:"


def anchor_of(href: str) -> str | None:
    """The anchor an internal link goes to: ``#ANCHOR``, or ``atlas-dest:ANCHOR``."""
    if href.startswith("#"):
        return href[1:]
    if href.startswith(DEST_SCHEME):
        return href[len(DEST_SCHEME) :]
    return None


@dataclass(frozen=True, slots=True)
class Stylesheet:
    """A stylesheet as a file (print.css, or a writer's override) or as text (the page size)."""

    path: Path | None = None
    text: str | None = None


class Problems(logging.Handler):
    """WeasyPrint logs missing resources instead of raising: collect them to fail loudly."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Typesetter:
    """One WeasyPrint session: the fonts, the fetcher that reads only inside ``roots``, and
    the errors WeasyPrint logged while it ran (``problems``)."""

    def __init__(self, roots: Sequence[Path], base: Path) -> None:
        from weasyprint.text.fonts import FontConfiguration

        from ..fetcher import RestrictedFetcher

        self.fetcher = RestrictedFetcher(list(roots))
        self.fonts = FontConfiguration()
        self.base_url = str(base) + "/"
        self.problems = Problems()
        self._sheets: dict[Stylesheet, Any] = {}  # parsed once: a volume's parts share them

    @contextmanager
    def session(self) -> Iterator[Typesetter]:
        logger = logging.getLogger("weasyprint")
        logger.addHandler(self.problems)
        try:
            yield self
        finally:
            logger.removeHandler(self.problems)

    @property
    def refused(self) -> list[str]:
        return list(self.fetcher.refused)

    def engine_errors(self) -> list[str]:
        """What WeasyPrint logged as errors, but refused fetches (``check()`` reports those)."""
        from ..fetcher import REFUSED

        return [m for m in self.problems.messages if REFUSED not in m]

    def parse(self, html: str) -> Parsed:
        """HTML parsed once; it may then be laid out several times with other page numbers.
        A link to an anchor it lacks is a link to another part: it names the anchor with
        DEST_SCHEME, for the join."""
        import weasyprint

        parsed = weasyprint.HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        root = parsed.etree_element
        ids = {element.get("id") for element in root.iter() if element.get("id")}
        for element in root.iter("a"):
            href = element.get("href") or ""
            if href.startswith("#") and len(href) > 1 and href[1:] not in ids:
                element.set("href", DEST_SCHEME + href[1:])
        return Parsed(parsed)

    def lay_out(
        self,
        parsed: Parsed,
        stylesheets: Sequence[Stylesheet],
        numbers: Mapping[str, str] | None = None,
    ) -> Layout:
        """Lay out ``parsed``; every ``<a href="#ANCHOR">`` with ANCHOR in ``numbers`` gets that
        page number in its ``data-page`` attribute first (others lose theirs)."""
        import weasyprint

        printed = parsed.number_links(numbers or {})
        sheets = []
        for sheet in stylesheets:
            if sheet not in self._sheets:
                self._sheets[sheet] = weasyprint.CSS(
                    filename=str(sheet.path) if sheet.path else None,
                    string=sheet.text,
                    font_config=self.fonts,
                    url_fetcher=self.fetcher,
                )
            sheets.append(self._sheets[sheet])
        document = parsed.html.render(font_config=self.fonts, stylesheets=sheets)
        return Layout(parsed.html.etree_element, document, printed)

    def blank_page(self, stylesheets: Sequence[Stylesheet]) -> Layout:
        """One empty page with ``stylesheets``' page size (a book ends on a left-hand page)."""
        return self.lay_out(self.parse("<html><body></body></html>"), stylesheets)

    def write_part(self, layout: Layout, target: Path, variant: str | None, labels: Any) -> None:
        """Write one part of a volume (the join makes the volume of them); ``labels``: a
        ``page_labels`` finisher."""
        layout.document.write_pdf(target, pdf_variant=variant, finisher=labels)


def page_labels(first_body_page: int, *, roman: bool = False, start: int = 1) -> Any:
    """A WeasyPrint finisher giving the PDF the printed folios as page labels: the front matter
    i, ii, iii..., the body (and the back matter after it) 1, 2, 3..., so a viewer's "page 18"
    is the page that prints 18. ``roman``: every page in roman; ``start``: the first folio."""
    import pydyf  # type: ignore[import-untyped]

    def finish(document: Any, pdf: Any) -> None:
        numbers: list[Any] = []
        if first_body_page > 0 or roman:
            numbers += [0, pydyf.Dictionary({"S": "/r"})]
        if not roman:
            numbers += [first_body_page, pydyf.Dictionary({"S": "/D", "St": start})]
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(numbers)})

    return finish


@dataclass(frozen=True, slots=True)
class Parsed:
    html: Any  # weasyprint.HTML

    def number_links(self, numbers: Mapping[str, str]) -> dict[str, str]:
        """Set the page number of every internal link; return anchor -> number of those set."""
        printed: dict[str, str] = {}
        for element in self.html.etree_element.iter("a"):
            anchor = anchor_of(element.get("href") or "")
            number = numbers.get(anchor) if anchor is not None else None
            if anchor is None or number is None:
                element.attrib.pop(PAGE_ATTRIBUTE, None)
            else:
                element.set(PAGE_ATTRIBUTE, number)
                printed[anchor] = number
        return printed


@dataclass(frozen=True, slots=True)
class Layout:
    """A laid-out document: its element tree, WeasyPrint's pages, and the page numbers that
    are printed in its links (anchor -> text)."""

    root: Any
    document: Any
    printed: dict[str, str]

    def renumber(self, numbers: Mapping[str, str]) -> bool:
        """Print ``numbers`` in place of the laid-out ones, without laying anything out again.

        Only where a new number is exactly as wide as the old, so no line changes: the same
        count of characters in tabular figures (every digit has one advance). Returns False,
        changing nothing, when any changed number is not; then the document must be laid out
        again with them."""
        from weasyprint.formatting_structure import boxes

        changes: list[tuple[Any, str, str]] = []
        for page in self.document.pages:
            for box in page._page_box.descendants():
                if not isinstance(box, boxes.TextBox) or box.element is None:
                    continue
                if not box.element_tag.endswith("::after"):
                    continue
                old = box.element.get(PAGE_ATTRIBUTE)
                anchor = anchor_of(box.element.get("href") or "")
                new = numbers.get(anchor, old) if anchor is not None else old
                if old is None or new is None or new == old:
                    continue
                if not _ends_with_number(box.text, old):
                    continue  # the part of the ::after before the number (a leader, "(p.")
                tabular = "tabular-nums" in (box.style["font_variant_numeric"] or ())
                if len(new) != len(old) or not tabular:
                    return False
                changes.append((box, old, new))
        for box, old, new in changes:
            box.text = _replace_number(box.text, old, new)
            box.pango_layout.text = _replace_number(box.pango_layout.text, old, new)
        for element in self.root.iter("a"):
            anchor = anchor_of(element.get("href") or "")
            if element.get(PAGE_ATTRIBUTE) is not None and anchor is not None and anchor in numbers:
                element.set(PAGE_ATTRIBUTE, numbers[anchor])
                self.printed[anchor] = numbers[anchor]
        return True

    @property
    def page_count(self) -> int:
        return len(self.document.pages)

    def anchor_pages(self) -> dict[str, int]:
        """The index of the page where each anchor (element id) starts."""
        where: dict[str, int] = {}
        for index, page in enumerate(self.document.pages):
            for anchor in page.anchors:
                where.setdefault(anchor, index)
        return where

    def page_text(self, index: int) -> str:
        """The page's text, whitespace collapsed, soft hyphens removed, case folded."""
        from weasyprint.formatting_structure import boxes

        if index >= len(self.document.pages):
            return ""
        box = self.document.pages[index]._page_box
        words = [b.text for b in box.descendants() if isinstance(b, boxes.TextBox)]
        return normal(" ".join(words))

    def external_links(self) -> set[str]:
        """Every link out of the document (a URI, not an anchor nor another part's anchor)."""
        return {
            str(target)
            for page in self.document.pages
            for kind, target, *_ in page.links
            if kind == "external" and not str(target).startswith(DEST_SCHEME)
        }

    def first_marks(self, marks: Mapping[Any, int]) -> list[int | None]:
        """Per page: the mark of the innermost element of ``marks`` around the first text or
        picture of the page's body (None for a page with neither)."""
        return [_first_mark(page._page_box, marks) for page in self.document.pages]


def _number_at_end(text: str) -> re.Match[str] | None:
    """The last run of digits (and figure spaces) in a ::after's text, before ')' if any."""
    return re.search(r"([\d\u2007]+)\)?\s*$", text)


def _ends_with_number(text: str, number: str) -> bool:
    found = _number_at_end(text)
    return found is not None and found.group(1) == number


def _replace_number(text: str, old: str, new: str) -> str:
    found = _number_at_end(text)
    if found is None or found.group(1) != old:
        return text
    return text[: found.start(1)] + new + text[found.end(1) :]


_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normal(text: str) -> str:
    """Text to compare: whitespace collapsed, soft hyphens removed, quotes straight (titles are
    printed with typographic quotes; the model keeps them as written), case folded."""
    text = text.replace("\u00ad", "").translate(_STRAIGHT)
    return re.sub(r"\s+", " ", text).strip().casefold()


def _first_mark(page_box: Any, marks: Mapping[Any, int]) -> int | None:
    from weasyprint.formatting_structure import boxes

    found: int | None = None

    def walk(box: Any) -> bool:  # True once the first text or picture is reached
        nonlocal found
        if isinstance(box, (boxes.MarginBox, boxes.FootnoteAreaBox)):
            return False
        element = getattr(box, "element", None)
        if element is not None and getattr(element, "tag", None) == "thead":
            return False  # a table's head, repeated atop each page: the rows say where it is
        if element is not None and element in marks:
            found = marks[element]
        if isinstance(box, boxes.TextBox):
            return bool(box.text.strip())
        if isinstance(box, boxes.ReplacedBox):
            return True
        return any(walk(child) for child in getattr(box, "children", ()))

    return found if walk(page_box) else None
