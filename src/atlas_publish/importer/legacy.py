"""What an export says about its article, whatever its kind, and the labelled lines both share."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["word", "web"]
KIND_NAMES: dict[Kind, str] = {"word": "word-processor export", "web": "web-page export"}


class ImportFailed(Exception):
    """This file cannot be imported; ``line`` is the line of the export that says why, if any."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class Note:
    """A warning about the export: something left out or left as it was."""

    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Structure:
    """Volume, chapter and section as the export's header table names them."""

    volume_title: str | None = None
    chapter_title: str | None = None
    section_title: str | None = None


@dataclass(frozen=True, slots=True)
class Legacy:
    kind: Kind
    number: str  # "V.CCSSAA"
    number_line: int
    title: str  # as written in the export (title-cased later, when acronyms are known)
    summary: str
    date: dt.date | None
    keywords: tuple[str, ...]
    stages: tuple[tuple[str, int], ...]  # (the export's text, e.g. "6 Has some customers", line)
    abstract: str | None
    body: tuple[str, ...]  # Markdown lines
    body_line: int  # line of the export where the body starts
    structure: Structure
    notes: tuple[Note, ...] = ()


ARTICLE_NUMBER = re.compile(r"\b([1-9]\.\d{6})\b")
DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
LABEL = re.compile(r"^\s*\**\s*([A-Za-z][A-Za-z .]*?)\s*\**\s*:\s*\**\s*(.*?)\s*$")
# The labels of the lines above the body, as the exports write them (case does not matter).
SUMMARY_LABELS = {"quick summary", "summary"}
ABSTRACT_LABELS = {"abstract"}
KEYWORD_LABELS = {"key word tags", "keyword tags", "keywords", "key words"}
STAGE_LABELS = {"stage", "stages", "business stage", "business stages"}
DATE_LABELS = {"date"}


def label_of(line: str) -> tuple[str, str] | None:
    """('quick summary', 'the text') for a line 'Quick Summary: the text'."""
    match = LABEL.match(line)
    if not match:
        return None
    return match.group(1).strip().lower(), match.group(2).strip()


def parse_date(text: str) -> dt.date | None:
    match = DATE.search(text)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


EMPHASIS = re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1|(?<![\w*])([*_])(\S(?:.*?\S)?)\3(?![\w*])")


LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")


def plain(text: str) -> str:
    """Front matter is plain text: '**bold**' and '*em*' lose their marks, links keep their text."""
    text = LINK.sub(lambda m: m.group(1), text)
    previous = None
    while previous != text:
        previous, text = text, EMPHASIS.sub(lambda m: m.group(2) or m.group(4), text)
    return " ".join(text.split())


def split_list(text: str) -> tuple[str, ...]:
    """'Qualification, Pipeline; Focus' -> ('Qualification', 'Pipeline', 'Focus')."""
    items: list[str] = []
    for item in re.split(r"[,;]", text):
        item = item.strip().strip("*_").strip()
        if item and item not in items:
            items.append(item)
    return tuple(items)


@dataclass(frozen=True, slots=True)
class Block:
    """A run of non-blank lines; ``line`` is the number of its first line in the export."""

    lines: tuple[str, ...]
    line: int

    @property
    def text(self) -> str:
        return " ".join(part.strip() for part in self.lines).strip()


def blocks(lines: list[str], first_line: int = 1) -> list[Block]:
    found: list[Block] = []
    current: list[str] = []
    start = first_line
    for offset, line in enumerate(lines):
        if line.strip():
            if not current:
                start = first_line + offset
            current.append(line)
        elif current:
            found.append(Block(tuple(current), start))
            current = []
    if current:
        found.append(Block(tuple(current), start))
    return found


KNOWN_LABELS = SUMMARY_LABELS | ABSTRACT_LABELS | KEYWORD_LABELS | STAGE_LABELS | DATE_LABELS


def is_labelled(line: str) -> bool:
    found = label_of(line)
    return found is not None and found[0] in KNOWN_LABELS


def split_block(found: list[Block], index: int, starts: Callable[[str], bool]) -> None:
    """Lines of the head written without a blank line between them become blocks of their own:
    ``found[index]`` is split before its first later line for which ``starts`` is true."""
    block = found[index]
    for offset, line in enumerate(block.lines[1:], 1):
        if starts(line):
            found[index : index + 1] = [
                Block(block.lines[:offset], block.line),
                Block(block.lines[offset:], block.line + offset),
            ]
            return


@dataclass
class Head:
    """The labelled lines above the body, gathered while scanning an export."""

    summary: str | None = None
    abstract: str | None = None
    date: dt.date | None = None
    keywords: tuple[str, ...] = ()
    stages: tuple[tuple[str, int], ...] = ()
    notes: list[Note] | None = None

    def take(self, block: Block, following: Block | None) -> int:
        """Read ``block`` if it is a labelled line; how many blocks it used (0: not a label)."""
        found = label_of(block.lines[0])
        if found is None:
            return 0
        label, first = found
        rest = " ".join([first, *(line.strip() for line in block.lines[1:])]).strip()
        if label in SUMMARY_LABELS:
            self.summary = rest or (following.text if following else None)
            return 1 if rest or following is None else 2
        if label in ABSTRACT_LABELS:
            # 'Abstract:' alone on its line is followed by the abstract's paragraph.
            self.abstract = rest or (following.text if following else None)
            return 1 if rest or following is None else 2
        if label in KEYWORD_LABELS:
            self.keywords = split_list(rest)
            return 1
        if label in STAGE_LABELS:
            self.stages = tuple((s, block.line) for s in split_list(rest))
            return 1
        if label in DATE_LABELS:
            self.date = parse_date(rest)
            if self.date is None and self.notes is not None:
                self.notes.append(
                    Note(f"date '{rest}' is not a date written YYYY-MM-DD; left out", block.line)
                )
            return 1
        return 0
