"""The word-processor export: header table, UPPERCASE title, 'File No. N | date', labelled
lines (Quick Summary, Abstract), then the body in Markdown."""

from __future__ import annotations

import re

from .detect import FILE_NUMBER
from .legacy import (
    Block,
    Head,
    ImportFailed,
    Legacy,
    Note,
    Structure,
    blocks,
    is_labelled,
    parse_date,
    plain,
    split_block,
    split_list,
)
from .tables import cells, is_delimiter, is_table_line

HEADING_MARKS = re.compile(r"^\s*#{1,6}\s+")


def parse_word(text: str) -> Legacy:
    lines = text.split("\n")
    found = blocks(lines)
    notes: list[Note] = []
    head = Head(notes=notes)
    index = 0
    header: dict[str, tuple[list[str], int]] = {}
    if found and is_table_line(found[0].lines[0]):
        first = found[0]
        rows = next((i for i, line in enumerate(first.lines) if not is_table_line(line)), None)
        if rows is not None:  # the title follows the table without a blank line
            found[0:1] = [
                Block(first.lines[:rows], first.line),
                Block(first.lines[rows:], first.line + rows),
            ]
        header = _header_table(found[0])
        index = 1

    def starts(line: str) -> bool:
        return bool(FILE_NUMBER.match(line)) or is_labelled(line)

    if index < len(found):
        split_block(found, index, starts)
    if index >= len(found) or FILE_NUMBER.match(found[index].lines[0]):
        line = found[index].line if index < len(found) else None
        raise ImportFailed("the title line is missing above 'File No.'", line)
    title = HEADING_MARKS.sub("", found[index].text).strip()
    index += 1
    number: str | None = None
    number_line = 0
    while index < len(found):
        split_block(found, index, starts)
        block = found[index]
        match = FILE_NUMBER.match(block.lines[0])
        if match:
            number, number_line = match.group(1), block.line
            rest = block.lines[0][match.end() :].strip(" |*")
            if rest:
                head.date = parse_date(rest)
                if head.date is None:
                    notes.append(
                        Note(
                            f"date '{rest}' is not a date written YYYY-MM-DD; left out", block.line
                        )
                    )
            index += 1
            continue
        used = head.take(block, found[index + 1] if index + 1 < len(found) else None)
        if not used:
            break
        index += used
    if number is None:
        raise ImportFailed("no 'File No. V.CCSSAA' line below the title")
    if not head.summary:
        raise ImportFailed("no 'Quick Summary:' line: every article needs a summary")
    structure = _structure(header, number)
    keywords = head.keywords
    if "key word tags" in header:
        keywords = split_list(", ".join(header["key word tags"][0]))
    stages = head.stages
    if "stage" in header:
        values, line = header["stage"]
        stages = tuple((s, line) for s in split_list(", ".join(values)))
    elif header and not stages:
        notes.append(
            Note(
                "the header table has no Stage row: the article gets no stage; add "
                "'stages: [N]' to its front matter if it relates to one",
                found[0].line,
            )
        )
    body_line = found[index].line if index < len(found) else len(lines) + 1
    return Legacy(
        kind="word",
        number=number,
        number_line=number_line,
        title=title,
        summary=head.summary,
        date=head.date,
        keywords=keywords,
        stages=stages,
        abstract=head.abstract,
        body=tuple(lines[body_line - 1 :]),
        body_line=body_line,
        structure=structure,
        notes=tuple(notes),
    )


def _header_table(block: Block) -> dict[str, tuple[list[str], int]]:
    """Row label (lower case) -> (its non-empty cells, line)."""
    rows: dict[str, tuple[list[str], int]] = {}
    for offset, line in enumerate(block.lines):
        if is_delimiter(line):
            continue
        found = cells(line)
        if found and found[0]:
            rows[found[0].strip("* ").lower()] = (
                [c for c in found[1:] if c],
                block.line + offset,
            )
    return rows


def _structure(header: dict[str, tuple[list[str], int]], number: str) -> Structure:
    """Titles from the header table, after checking its numbers agree with the file number."""
    expected = {"volume": number[0], "chapter": number[2:4], "section": number[4:6]}
    titles: dict[str, str | None] = {}
    for row, want in expected.items():
        values, line = header.get(row, ([], 0))
        if not values:
            titles[row] = None
            continue
        first = values[0]
        digits = first.split(".")[-1] if row != "volume" else first
        if not digits.isdigit():
            # The number cell is missing: the cell is the title.
            titles[row] = plain(first)
            continue
        if int(digits) != int(want):
            raise ImportFailed(
                f"the header table says {row} {first}, but File No. {number} is in {row} {want}; "
                "correct one of them",
                line,
            )
        titles[row] = plain(values[1]) if len(values) > 1 else None
    return Structure(titles["volume"], titles["chapter"], titles["section"])
