"""Pipe tables: reading their rows, joining one split by a page break, writing them back."""

from __future__ import annotations

import re
from dataclasses import dataclass

DELIMITER_CELL = re.compile(r"^:?-+:?$")
# What a word processor leaves between the two halves of a table split by a page break.
PAGE_BREAK = re.compile(
    r"^\s*(\\newpage|\\pagebreak|<div[^>]*page-break[^>]*>\s*(</div>)?|<!--\s*page\s*break\s*-->)\s*$",
    re.I,
)


def is_table_line(line: str) -> bool:
    return line.lstrip().startswith("|")


def cells(line: str) -> list[str]:
    """'| a | b \\| c |' -> ['a', 'b \\| c']: split on pipes that are not escaped."""
    text = line.strip()
    text = text.removeprefix("|")
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", text)]


def is_delimiter(line: str) -> bool:
    found = cells(line)
    return bool(found) and all(DELIMITER_CELL.match(cell.replace(" ", "")) for cell in found)


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    aligns: tuple[str, ...]  # the delimiter cells, e.g. '---', ':---:'
    rows: tuple[tuple[str, ...], ...]

    @property
    def blank_header(self) -> bool:
        return not any(self.header)

    def lines(self) -> list[str]:
        width = len(self.header)
        aligns = [_align(a) for a in self.aligns] + ["---"] * (width - len(self.aligns))
        out = [_row(self.header), _row(aligns[:width])]
        out += [_row((list(row) + [""] * width)[:width]) for row in self.rows]
        return out


def _align(cell: str) -> str:
    cell = cell.replace(" ", "")
    left, right = cell.startswith(":"), cell.endswith(":") and len(cell) > 1
    return (":" if left else "") + "---" + (":" if right else "")


def _row(items: list[str] | tuple[str, ...]) -> str:
    return "| " + " | ".join(items) + " |"


def parse_table(lines: list[str]) -> Table | None:
    """A pipe table (header, delimiter, rows) or None when the lines are not one."""
    if len(lines) < 2 or not is_delimiter(lines[1]):
        return None
    header = tuple(cells(lines[0]))
    return Table(header, tuple(cells(lines[1])), tuple(tuple(cells(line)) for line in lines[2:]))


def join_split_tables(lines: list[str]) -> list[str]:
    """Join a table that a page break split in two: the second half has a blank (or the same)
    header row and as many columns, and only blank lines or a page break lie between them."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not is_table_line(lines[index]):
            out.append(lines[index])
            index += 1
            continue
        end = table_end(lines, index)
        table = parse_table(lines[index:end])
        if table is None:
            out.extend(lines[index:end])
            index = end
            continue
        while True:
            gap = end
            while gap < len(lines) and (not lines[gap].strip() or PAGE_BREAK.match(lines[gap])):
                gap += 1
            if gap == end or gap >= len(lines) or not is_table_line(lines[gap]):
                break
            next_end = table_end(lines, gap)
            following = parse_table(lines[gap:next_end])
            same_shape = following is not None and len(following.header) == len(table.header)
            if not (following and same_shape) or not (
                following.blank_header or following.header == table.header
            ):
                break
            table = Table(table.header, table.aligns, table.rows + following.rows)
            end = next_end
        out.extend(table.lines())
        index = end
    return out


def table_end(lines: list[str], start: int) -> int:
    """The index after the run of table lines that begins at ``start``."""
    end = start
    while end < len(lines) and is_table_line(lines[end]):
        end += 1
    return end
