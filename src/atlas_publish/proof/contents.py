"""What the contents and the chapters promise: page numbers on one right edge (P017), and no
empty chapter printed (P018)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..codes import Code
from .checks import PT, fault
from .faults import Fault
from .pages import Proofed

RAGGED = 1.0  # px: page numbers of the contents end within this of each other


def contents_edges(proofed: Proofed) -> Iterator[Fault]:
    """P017: every page number of the contents ends on the same right edge."""
    for page in proofed.pages:
        edges: dict[int, float] = defaultdict(float)
        for line in page.lines:
            if line.element not in proofed.source.contents or line.kind != "line":
                continue
            texts = page.texts[line.first_text : line.end_text]
            numbers = [
                box
                for box, _ in texts
                if (box.element_tag or "").endswith("::after") and box.text.strip()[-1:].isdigit()
            ]
            if numbers:
                box = numbers[-1]
                edges[id(line)] = box.position_x + box.width
        if len(edges) > 1 and max(edges.values()) - min(edges.values()) > RAGGED:
            spread = (max(edges.values()) - min(edges.values())) * PT
            yield fault(
                proofed,
                page.index,
                Code.P017,
                f"the contents' page numbers end on more than one right edge ({spread:.1f} pt apart)",
            )


def empty_chapters(proofed: Proofed) -> Iterator[Fault]:
    """P018: a chapter without articles is left out of the print edition."""
    for chapter in proofed.volume.chapters:
        if chapter.articles:
            continue
        for page in proofed.pages:
            if chapter.anchor in page.anchors:
                yield fault(
                    proofed,
                    page.index,
                    Code.P018,
                    f"chapter {chapter.number} has no articles and is printed",
                )
                break
