"""The body: literal braces kept literal, split tables joined, a table of one tag's articles
replaced by ``tag_table``, blank lines tidied."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .legacy import ARTICLE_NUMBER
from .tables import is_table_line, join_split_tables, parse_table, table_end

EXPRESSION_OPENERS = re.compile(r"\{[{%#]")
NUMBER_HEADERS = {"article", "article number", "number", "no", "no.", "file no", "file no."}


def escape_braces(line: str) -> str:
    """'{{', '{%' and '{#' would be read as expressions: keep them literal with a raw block."""
    return EXPRESSION_OPENERS.sub(lambda m: "{% raw %}" + m.group(0) + "{% endraw %}", line)


def tidy_blank_lines(lines: list[str]) -> list[str]:
    """Trailing spaces off, no runs of blank lines, none at the start or end."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def replace_tag_tables(lines: list[str], tagged: Mapping[str, frozenset[str]]) -> list[str]:
    """A table whose rows are exactly the articles of one tag becomes {{ tag_table("TAG") }},
    so it stays complete as articles are added."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not is_table_line(lines[index]):
            out.append(lines[index])
            index += 1
            continue
        end = table_end(lines, index)
        tag = _tag_of_table(lines[index:end], tagged)
        if tag is None:
            out.extend(lines[index:end])
        else:
            out.append(f'{{{{ tag_table("{tag}") }}}}')
        index = end
    return out


def _tag_of_table(lines: list[str], tagged: Mapping[str, frozenset[str]]) -> str | None:
    numbers = articles_listed(lines)
    if numbers is None:
        return None
    return next((tag for tag in sorted(tagged) if tagged[tag] == numbers), None)


def articles_listed(lines: list[str]) -> frozenset[str] | None:
    """The article numbers of a table whose Article column lists one article a row, or None."""
    table = parse_table(lines)
    if table is None or not table.rows:
        return None
    column = next(
        (i for i, cell in enumerate(table.header) if cell.strip("*_ ").lower() in NUMBER_HEADERS),
        None,
    )
    if column is None:
        return None
    numbers: set[str] = set()
    for row in table.rows:
        match = ARTICLE_NUMBER.search(row[column]) if column < len(row) else None
        if match is None:
            return None
        numbers.add(match.group(1))
    return frozenset(numbers) if len(numbers) == len(table.rows) else None


@dataclass(frozen=True, slots=True)
class ArticleTable:
    index: int  # of its first line in the body
    articles: int  # how many it lists


def article_tables(lines: list[str]) -> list[ArticleTable]:
    """The tables of articles left in a body (those not made a tag_table)."""
    found: list[ArticleTable] = []
    index = 0
    while index < len(lines):
        if not is_table_line(lines[index]):
            index += 1
            continue
        end = table_end(lines, index)
        numbers = articles_listed(lines[index:end])
        if numbers is not None:
            found.append(ArticleTable(index, len(numbers)))
        index = end
    return found


def drop_article_tables(lines: list[str]) -> list[str]:
    """The body without its tables of articles, nor the short line ending ':' that led into
    one (e.g. 'Articles for stage 6:')."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        if not is_table_line(lines[index]):
            out.append(lines[index])
            index += 1
            continue
        end = table_end(lines, index)
        if articles_listed(lines[index:end]) is None:
            out.extend(lines[index:end])
        else:
            while out and not out[-1].strip():
                out.pop()
            if out and out[-1].rstrip().endswith(":") and len(out[-1]) <= 80:
                out.pop()
        index = end
    return tidy_blank_lines(out)


def convert_body(lines: list[str], tagged: Mapping[str, frozenset[str]]) -> list[str]:
    """The block-level changes; the line-level ones (references.py) come after."""
    # Braces are escaped everywhere, code included: the whole body goes through the expander.
    escaped = [escape_braces(line) for line in lines]
    joined = join_split_tables(tidy_blank_lines(escaped))
    return tidy_blank_lines(replace_tag_tables(joined, tagged))
