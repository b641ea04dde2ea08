"""Where the printed pages begin, so the EPUB can carry the print edition's page numbers.

Both editions render the same volume from the same model and the same article bodies, so
they share *reading points*: the start of a chapter, of a section's title, of an article,
of the k-th top-level block of an article's body, of the j-th item of a list or row of a
table in that block, and of a stage index and its rows. A point is an int:
``(item * 10000 + part) * 1000 + row``, where ``item`` counts the chapters, sections and
articles of the volume in reading order (from the model alone, no rendering), ``part`` is 0
for the item's start, k + 1 for body block k, and STAGE_INDEX for the stage index, and
``row`` is 0 for the block's start, j + 1 for its j-th list item or table row (a page that
begins in the middle of a long list or table is marked there, not at the list's start). A
body that renders a block more or less in one edition thus shifts points inside that article
only.

The print edition reports, for each folio, the point inside which that printed page begins,
packed (``point()``) into its page map beside the anchors' folios:

    "pagebreak:V:F" -> point     printed page F of volume V begins inside ``point``
    "pagebreak:V"   -> last      the last folio of that layout

The build takes that map apart at once into a ``PrintLayout``: three maps with one meaning
each (anchor -> folio, folio -> ``ReadingPoint``, the last folio), which the cache keeps and
the EPUB edition reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from .model import Volume

Kind = Literal["chapter", "section", "article", "backmatter"]
# The back matter's parts (backmatter.py), after the last article; their groups (a stage, a
# tag, a letter of the keyword index) are parts 1, 2, ... of each.
BACK_MATTER = ("bm-stages", "bm-tags", "bm-keywords")
PART = 10000
STAGE_INDEX = PART - 1
ROWS = 1000  # list items or table rows of one block that can carry a point of their own


def items(volume: Volume) -> Iterator[tuple[Kind, str]]:
    """The chapters, sections (with articles) and articles in the order both editions print them."""
    for chapter in volume.chapters:
        if not chapter.articles:  # not printed (writers/pdf.py: printed), so no page begins there
            continue
        yield "chapter", chapter.anchor
        for index, section in enumerate(chapter.sections):
            if section.articles:
                yield "section", f"{chapter.anchor}/{index}"
                for article in section.articles:
                    yield "article", article.anchor
    for part in BACK_MATTER:
        yield "backmatter", part


def point(item: int, part: int = 0, row: int = 0) -> int:
    return (item * PART + part) * ROWS + min(row, ROWS - 1)


def page_key(volume: int, folio: int | None = None) -> str:
    return f"pagebreak:{volume}" if folio is None else f"pagebreak:{volume}:{folio}"


def encode(volume: int, starts: Mapping[int, int]) -> dict[str, int]:
    """folio -> point, as entries of the anchor -> folio map a PDF writer reports."""
    if not starts:
        return {}
    entries = {page_key(volume, folio): at for folio, at in starts.items()}
    entries[page_key(volume)] = max(starts)
    return entries


def page_starts(volume: int, found: Sequence[int | None], first_folio: int = 1) -> dict[str, int]:
    """The encoded page starts (see the module's doc) of laid-out pages from ``first_folio``
    on; ``found`` holds, per page, the point its first text begins inside (None: no text)."""
    found = list(found)
    # A page with no text (a blank page before a chapter opener) begins where the next one does.
    following: int | None = None
    for index in range(len(found) - 1, -1, -1):
        following = found[index] = found[index] if found[index] is not None else following
    preceding: int | None = None
    for index, at in enumerate(found):  # blank pages at the very end: where the last one was
        preceding = found[index] = at if at is not None else preceding
    return encode(volume, {first_folio + i: at for i, at in enumerate(found) if at is not None})


def _classes(element: object) -> set[str]:
    return set((element.get("class") or "").split())  # type: ignore[attr-defined]


def print_marks(root: object, volume: Volume) -> dict[object, int]:
    """Each structural element of a print volume's HTML (``root``, its element tree) -> its
    reading point."""
    order = list(items(volume))
    position = {key: index for index, (_, key) in enumerate(order)}
    points: dict[object, int] = {}
    current = -1  # the item being walked through
    for element in root.iter():  # type: ignore[attr-defined]
        classes = _classes(element)
        tag = element.tag
        if tag == "header" and "chapter-opener" in classes and element.get("id") in position:
            current = position[element.get("id")]
            points[element] = point(current)
        elif tag == "section" and "section" in classes:
            # A template of the writer's own may print more sections than the model has.
            following = (i for i in range(current + 1, len(order)) if order[i][0] == "section")
            found = next(following, None)
            if found is not None:
                current = found
                points[element] = point(current)
        elif tag == "article" and element.get("id") in position:
            current = position[element.get("id")]
            points[element] = point(current)
            for child in element:
                if child.tag == "div" and "article-body" in _classes(child):
                    for k, block in enumerate(child):
                        points[block] = point(current, k + 1)
                        for j, row in enumerate(block_rows(block)):
                            points[row] = point(current, k + 1, j + 1)
                elif child.tag == "section" and "stage-index" in _classes(child):
                    points[child] = point(current, STAGE_INDEX)
                    for j, row in enumerate(block_rows(child)):
                        points[row] = point(current, STAGE_INDEX, j + 1)
    return points


def tag_of(element: Any) -> str:
    """An element's local name (lxml and ElementTree; '' for a comment)."""
    return element.tag.split("}")[-1] if isinstance(element.tag, str) else ""


def block_rows(block: Any) -> list[Any]:
    """The items of a list block, or the body rows of the tables in a block, in order: the
    places inside a block where a page-list marker can go (the same in both editions, which
    render the same body). A table's head is left out: it is repeated on every page."""
    if tag_of(block) in {"ul", "ol"}:
        return [item for item in block if tag_of(item) == "li"]
    bodies = (group for group in block.iter() if tag_of(group) in {"table", "tbody", "tfoot"})
    return [row for group in bodies for row in group if tag_of(row) == "tr"]


def back_matter_marks(root: object, volume: Volume) -> dict[object, int]:
    """Each part (by stage, by tag, keywords) of a print volume's back matter and each group
    inside it (a stage, a tag, a letter) -> its reading point."""
    order = {key: index for index, (_, key) in enumerate(items(volume))}
    points: dict[object, int] = {}
    current, group = -1, 0
    for element in root.iter():  # type: ignore[attr-defined]
        classes = _classes(element)
        if element.get("id") in BACK_MATTER:
            current, group = order[element.get("id")], 0
            points[element] = point(current)
        elif current >= 0 and element.tag == "section" and classes & {"bm-group", "bm-letter"}:
            group += 1
            points[element] = point(current, group)
    return points


class ReadingPoint(NamedTuple):
    """A place in a volume's reading order, the same in every edition (see the module's doc)."""

    item: int  # the chapter, section, article or back-matter part, counted in reading order
    part: int = 0  # 0: its start; k + 1: body block k; STAGE_INDEX: the stage index
    row: int = 0  # 0: the part's start; j + 1: its j-th list item or table row (block_rows)


def unpack(packed: int) -> ReadingPoint:
    """The reading point of a packed ``point()`` int."""
    at, row = divmod(packed, ROWS)
    return ReadingPoint(*divmod(at, PART), row)


@dataclass(frozen=True, slots=True)
class PrintLayout:
    """What the other editions know of a print volume's layout: one meaning per map."""

    folios: Mapping[str, int] = field(default_factory=dict)  # anchor -> folio it starts on
    page_starts: Mapping[int, ReadingPoint] = field(default_factory=dict)  # folio -> point
    last_folio: int = 0  # the layout's last folio; 0: no layout known

    @classmethod
    def from_page_map(cls, volume: int, page_map: Mapping[str, int]) -> PrintLayout:
        """The PDF writer's page map (see the module's doc) taken apart by meaning. Page
        starts past the last folio belong to an older, longer layout and are left out."""
        last = page_map.get(page_key(volume), 0)
        starts = {
            folio: unpack(page_map[page_key(volume, folio)])
            for folio in range(1, last + 1)
            if page_key(volume, folio) in page_map
        }
        folios = {k: v for k, v in page_map.items() if not k.startswith("pagebreak:")}
        return cls(folios, starts, last if starts else 0)

    def breaks(self) -> dict[ReadingPoint, list[int]]:
        """Reading point -> the folios that begin inside it (ascending)."""
        found: dict[ReadingPoint, list[int]] = {}
        for folio in sorted(self.page_starts):
            found.setdefault(self.page_starts[folio], []).append(folio)
        return found

    def as_json(self) -> dict[str, Any]:
        return {
            "folios": dict(sorted(self.folios.items())),
            "page_starts": {str(f): list(at) for f, at in sorted(self.page_starts.items())},
            "last_folio": self.last_folio,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PrintLayout:
        return cls(
            {str(k): int(v) for k, v in data["folios"].items()},
            {int(f): ReadingPoint(*map(int, at)) for f, at in data["page_starts"].items()},
            int(data["last_folio"]),
        )
