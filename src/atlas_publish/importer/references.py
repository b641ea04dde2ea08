"""Line-level changes: lost links ``[*Title*](#)`` resolved by title, 'chapter 4.02' mentions
(and the forms the old articles use: 'chapter, 4.02,', 'chapter, number 4.02') made chapter
references, and a warning for each article or chapter number left in the text as plain text.
All leave links, code spans and tables that are already there alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from .titles import match_key

# A link whose target the old system lost: '[*Title*](#)' or '[Title]()'.
LOST_LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(\s*#?\s*\)")
UNRESOLVED = "article:?"  # `check` reports it with its line until the writer gives the number
PROTECTED = re.compile(r"`[^`\n]*`|!?\[[^\]\n]*\]\([^)\n]*\)|<[^>\n]+>")
CHAPTERS = re.compile(
    r"(?<![\w.])([Cc]hapters)\s+([1-9]\.\d\d(?:\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or)\s+)[1-9]\.\d\d)+)(?![\d])"
)
# 'chapter 4.02', 'chapter, 4.02,' 'chapter, number 4.02', 'chapter no. 4.02'
CHAPTER = re.compile(
    r"(?<![\w.])([Cc]hapter)(\s+|,\s*(?:number\s+|no\.\s*)?|\s+(?:number\s+|no\.\s*))"
    r"([1-9]\.\d\d)(?![\d]|\.\d)"
)
# Numbers that look like an article's or a chapter's, for the warning about plain mentions.
NUMBER_LIKE = re.compile(r"(?<![\w.$€£])([1-9]\.\d{6}|[1-9]\.\d\d)(?![\d]|\.\d)")
CHAPTER_NUMBER = re.compile(r"[1-9]\.\d\d")
FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True, slots=True)
class LineNote:
    index: int  # index of the body line
    message: str


@dataclass(frozen=True, slots=True)
class Targets:
    titles: Mapping[str, tuple[str, ...]]  # match_key(title) -> article numbers
    chapters: Collection[str]  # chapter numbers in the tree, or created by this import
    articles: Collection[str] = ()  # article numbers in the tree or this import


def resolve_references(lines: list[str], targets: Targets) -> tuple[list[str], list[LineNote]]:
    notes: list[LineNote] = []
    out: list[str] = []
    fenced = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        if fenced or FENCE.match(line):
            out.append(line)
            continue

        def note(message: str, index: int = index) -> None:
            notes.append(LineNote(index, message))

        line = LOST_LINK.sub(lambda m: _lost_link(m, targets, note), line)
        line = _outside_links(line, lambda text: _chapters(text, targets, note))
        if not line.lstrip().startswith("|"):  # a table's numbers are its content
            _outside_links(line, lambda text: _plain_numbers(text, targets, note))
        out.append(line)
    return out, notes


def _plain_numbers(text: str, targets: Targets, note: Callable[[str], None]) -> str:
    """Warn about each article or chapter number of the tree that stays plain text."""
    for match in NUMBER_LIKE.finditer(text):
        number = match.group(1)
        if len(number) == 8 and number in targets.articles:
            note(
                f"article {number} is mentioned as plain text; if it should link, write "
                f"[](article:{number})"
            )
        elif len(number) == 4 and number in targets.chapters:
            note(
                f"chapter {number} is mentioned as plain text; if it should link, write "
                f"[](chapter:{number})"
            )
    return text


def _lost_link(match: re.Match[str], targets: Targets, note: Callable[[str], None]) -> str:
    text = match.group(1)
    shown = text.strip("*_ ")
    numbers = targets.titles.get(match_key(text), ())
    if len(numbers) == 1:
        return f"[{text}](article:{numbers[0]})"
    if numbers:
        note(
            f'link "{shown}": several articles have this title ({", ".join(numbers)}); '
            f"write the right one as [{shown}](article:N)"
        )
    else:
        note(
            f'link "{shown}" lost its target and no article has this title; '
            f"write its number as [{shown}](article:N)"
        )
    return f"[{text}]({UNRESOLVED})"


def _chapters(text: str, targets: Targets, note: Callable[[str], None]) -> str:
    def one(number: str, shown: str) -> str:
        if number in targets.chapters:
            return f"[{shown}](chapter:{number})"
        note(f"chapter {number} is mentioned but not in the content tree; left as text")
        return shown

    def mention(match: re.Match[str]) -> str:
        word, between, number = match.groups()
        if between.isspace():  # 'chapter 4.02': the words are the link
            return one(number, f"{word}{between}{number}")
        return f"{word}{between}{one(number, number)}"  # 'chapter, 4.02,': the number is

    def many(match: re.Match[str]) -> str:
        listed = CHAPTER_NUMBER.sub(lambda m: one(m.group(0), m.group(0)), match.group(2))
        return f"{match.group(1)} {listed}"

    text = CHAPTERS.sub(many, text)
    return _outside_links(text, lambda part: CHAPTER.sub(mention, part))


def _outside_links(line: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to the parts of ``line`` that are not code spans, links or HTML tags."""
    out: list[str] = []
    cursor = 0
    for match in PROTECTED.finditer(line):
        out.append(change(line[cursor : match.start()]))
        out.append(match.group(0))
        cursor = match.end()
    out.append(change(line[cursor:]))
    return "".join(out)
