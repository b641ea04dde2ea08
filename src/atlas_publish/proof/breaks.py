"""P015: line breaks a proofreader marks: hyphenation the handbook's language does not allow,
a hyphenated last word of a paragraph, a hyphen in a table cell, a locator split from its
number ("Volume / 6", "p. / 18")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .. import hyphenation
from ..codes import Code
from ..hyphenation import patterns_for
from .checks import fault
from .faults import Fault
from .pages import Line, Proofed

# A word that must stay on the line of the number after it.
LOCATOR = re.compile(r"(?:^|\s)(Volume|Chapter|Article|chapter|article|p\.|pp\.)\s*$")
_WORD_END = re.compile(r"([^\W\d_][\w’']*)$")
_WORD_START = re.compile(r"^([\w’']+)")


def breaks(proofed: Proofed) -> Iterator[Fault]:
    name = patterns_for(proofed.volume_language) or "en_US"
    dictionary = hyphenation.dictionary(name)
    for page in proofed.pages:
        lines = [line for line in page.lines if line.kind == "line" and line.zone != "margin"]
        for line, after in zip(lines, [*lines[1:], None], strict=False):
            yield from _hyphen(proofed, page.index, line, after, dictionary, name)
            yield from _locator(proofed, page.index, line, after)
    # A line's successor overleaf: the last line of each page and the first of the next.
    flow = [(line.page, line) for line in proofed.flow if line.kind == "line"]
    for (index, line), (next_index, after) in zip(flow, flow[1:], strict=False):
        if next_index != index and after.element is line.element:
            yield from _hyphen(proofed, index, line, after, dictionary, name)
            yield from _locator(proofed, index, line, after)


def _text(proofed: Proofed, line: Line) -> str:
    return proofed.pages[line.page].line_text(line)


def _is_last(line: Line, after: Line | None) -> bool:
    return after is None or after.element is not line.element


def _hyphen(
    proofed: Proofed, page: int, line: Line, after: Line | None, dictionary: Any, name: str
) -> Iterator[Fault]:
    texts = proofed.pages[line.page].texts[line.first_text : line.end_text]
    if not texts:
        return
    last_box = texts[-1][0]
    mark = last_box.style["hyphenate_character"]
    text = _text(proofed, line).rstrip()
    if not mark or not text.endswith(mark):
        return
    article = proofed.source.article_of.get(line.element)
    where = f" in article {article}" if article else ""
    head = _WORD_END.search(text[: -len(mark)])
    if after is None or after.element is not line.element or head is None:
        return
    following = _text(proofed, after).lstrip()
    tail = _WORD_START.search(following)
    if tail is None:
        return
    word = head.group(1) + tail.group(1)
    shown = f"{head.group(1)}-/{tail.group(1)}"
    if line.zone == "table":
        yield fault(
            proofed, page, Code.P015, f"a word hyphenated in a table cell{where}: “{shown}”"
        )
    elif _is_last(after, _next_of(proofed, after)) and len(following.split()) == 1:
        yield fault(
            proofed,
            page,
            Code.P015,
            f"the last word of a paragraph is hyphenated{where}: “{shown}”",
        )
    elif len(head.group(1)) not in dictionary.positions(word):
        yield fault(
            proofed,
            page,
            Code.P015,
            f"“{shown}” is not a break of {name} hyphenation{where}",
        )


def _next_of(proofed: Proofed, line: Line) -> Line | None:
    lines = proofed.pages[line.page].lines
    position = lines.index(line)
    if position + 1 < len(lines):
        return lines[position + 1]
    following = line.page + 1
    if following < len(proofed.pages) and proofed.pages[following].lines:
        return proofed.pages[following].lines[0]
    return None


def _locator(proofed: Proofed, page: int, line: Line, after: Line | None) -> Iterator[Fault]:
    if after is None or after.element is not line.element:
        return
    match = LOCATOR.search(_text(proofed, line).rstrip())
    following = _text(proofed, after).lstrip()
    if match is None or not following[:1].isdigit():
        return
    number = following.split()[0].rstrip(").,;:")
    article = proofed.source.article_of.get(line.element)
    where = f" in article {article}" if article else ""
    yield fault(
        proofed,
        page,
        Code.P015,
        f"“{match.group(1)} / {number}” is split over two lines{where} (a no-break space)",
    )
