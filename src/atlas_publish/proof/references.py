"""P016: a reference that repeats itself: "chapter 4.02 (Volume 4, chapter 4.02)",
"much of Volume 9 (Volume 9)". The locator adds only what the link text does not say."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from ..codes import Code
from .checks import fault
from .faults import Fault
from .pages import Element, Proofed

REPEATS = (
    re.compile(r"\b[Cc]hapter (\d+\.\d\d)\s*\((?:Volume \d+, )?chapter \1\)"),
    re.compile(r"\bVolume (\d+)\s*\(Volume \1\b[^)]*\)"),
    re.compile(r"\b[Aa]rticle (\d\.\d{6})\s*\((?:Volume \d+, )?article \1\)"),
)


def repeated_references(proofed: Proofed) -> Iterator[Fault]:
    text: dict[Element, list[tuple[int, str]]] = defaultdict(list)
    for line in proofed.flow:
        if line.kind == "line":
            text[line.element].append((line.page, proofed.pages[line.page].line_text(line)))
    for element, lines in text.items():
        joined = ""
        starts = []
        for page, words in lines:
            starts.append((len(joined), page))
            joined += " ".join(words.replace("\u00ad", "").split()) + " "
        for pattern in REPEATS:
            for match in pattern.finditer(joined):
                page = max(p for at, p in starts if at <= match.start())
                article = proofed.source.article_of.get(element)
                where = f" in article {article}" if article else ""
                yield fault(
                    proofed,
                    page,
                    Code.P016,
                    f"a reference repeats itself{where}: “{match.group(0)}”",
                )
