"""The editors' filter (``atlas-publish list``): the articles that match every filter given,
by number, as a table, CSV, JSON or Markdown.

Like the old website's "All Documents Tag" filter: by tag, stage, keyword and volume. A tag,
stage, keyword or volume that no article has is an error that names the nearest known one, so
a typo never looks like an empty result.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches

from .backmatter import sort_key
from .indexes import Indexes
from .model import Article

FORMATS = ("table", "csv", "json", "markdown")


@dataclass(frozen=True, slots=True)
class Query:
    tags: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()  # a number, a stage's name or its tag, as typed
    keywords: tuple[str, ...] = ()
    volumes: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Selection:
    articles: tuple[Article, ...]
    problems: tuple[str, ...] = field(default=())  # unknown filters, with suggestions


def select(indexes: Indexes, query: Query) -> Selection:
    """The articles matching every filter (AND), by number; or the problems with the filters."""
    problems: list[str] = []
    chosen = set(indexes.articles)
    for tag in query.tags:
        if tag in indexes.known_tags:  # a stage's tag no article carries yet is known
            chosen &= {a.number for a in indexes.tagged(tag)}
        else:
            problems.append(_unknown("tag", tag, list(indexes.known_tags)))
    for written in query.stages:
        stage = _stage_number(indexes, written)
        if stage is None:
            names = [str(n) for n in indexes.stages] + [
                s.name for s in indexes.stages.values()
            ] + [s.tag for s in indexes.stages.values()]  # fmt: skip
            problems.append(_unknown("stage", written, names, "atlas.yaml has no such stage",
                                     f" (stages: {_stage_list(indexes)})"))  # fmt: skip
        else:
            chosen &= {a.number for a in indexes.relating_to(stage)}
    by_key: dict[str, set[str]] = {}
    spelled: dict[str, str] = {}
    for keyword, articles in indexes.by_keyword.items():
        by_key.setdefault(sort_key(keyword), set()).update(a.number for a in articles)
        spelled.setdefault(sort_key(keyword), keyword)
    for keyword in query.keywords:
        if sort_key(keyword) in by_key:
            chosen &= by_key[sort_key(keyword)]
        else:
            problems.append(_unknown("keyword", keyword, sorted(spelled.values())))
    for volume in query.volumes:
        if volume in indexes.volumes:
            chosen &= {a.number for a in indexes.articles.values() if a.volume == volume}
        else:
            known = ", ".join(str(v) for v in indexes.volumes) or "none"
            problems.append(f"there is no volume {volume} (volumes: {known})")
    if problems:
        return Selection((), tuple(problems))
    return Selection(tuple(indexes.articles[n] for n in sorted(chosen)))


def _stage_number(indexes: Indexes, written: str) -> int | None:
    text = written.strip()
    if text.isdigit():
        return int(text) if int(text) in indexes.stages else None
    for stage in indexes.stages.values():
        if sort_key(text) in (sort_key(stage.name), sort_key(stage.tag)):
            return stage.number
    return None


def _stage_list(indexes: Indexes) -> str:
    return "; ".join(f"{s.number} {s.name}" for s in indexes.stages.values()) or "none"


def _unknown(
    kind: str,
    written: str,
    known: Sequence[str],
    why: str = "no article has it",
    listing: str = "",
) -> str:
    guess = get_close_matches(written, known, n=1, cutoff=0.5)
    if not guess:  # case slips ("s6_customers") are the commonest typo
        folded = {k.casefold(): k for k in known}
        guess = get_close_matches(written.casefold(), list(folded), n=1, cutoff=0.5)
        guess = [folded[g] for g in guess]
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return f"unknown {kind} '{written}': {why}{hint}{listing}"


# --- output -----------------------------------------------------------------------------------


def as_record(article: Article) -> dict[str, object]:
    return {
        "number": article.number,
        "title": article.title,
        "summary": article.summary,
        "volume": article.volume,
        "chapter": article.chapter,
        "date": article.date.isoformat() if article.date else None,
        "stages": list(article.stages),
        "tags": list(article.tags),
        "keywords": list(article.keywords),
    }


def render(articles: Sequence[Article], form: str) -> str:
    if form == "json":
        return json.dumps([as_record(a) for a in articles], ensure_ascii=False, indent=2) + "\n"
    if form == "csv":
        return _csv(articles)
    if form == "markdown":
        return _markdown(articles)
    return _table(articles)


# A cell a spreadsheet would read as a formula (OWASP, "CSV Injection"): =, +, -, @, a tab or
# a carriage return first, or their full-width forms, which some spreadsheets also accept.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would run it as a formula
    (``=HYPERLINK(...)``): shown as text, never evaluated."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _csv(articles: Iterable[Article]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    # the date last: a column added at the end moves none a script already reads
    writer.writerow(["number", "title", "summary", "volume", "chapter", "stages", "tags",
                     "keywords", "date"])  # fmt: skip

    def joined(items: Iterable[str]) -> str:  # each item too: a ';' separator splits them
        return spreadsheet_safe(";".join(spreadsheet_safe(i) for i in items))

    for a in articles:
        writer.writerow([a.number, spreadsheet_safe(a.title), spreadsheet_safe(a.summary),
                         a.volume, a.chapter, ";".join(map(str, a.stages)), joined(a.tags),
                         joined(a.keywords), a.date.isoformat() if a.date else ""])  # fmt: skip
    return out.getvalue()


def _markdown(articles: Iterable[Article]) -> str:
    def cell(text: str) -> str:
        return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())

    lines = ["| Article | Title | Quick Summary |", "| --- | --- | --- |"]
    lines += [f"| {a.number} | {cell(a.title)} | {cell(a.summary)} |" for a in articles]
    return "\n".join(lines) + "\n"


def _table(articles: Sequence[Article]) -> str:
    """Aligned columns for a terminal: number, title, stages, tags; a count at the end."""
    rows = [("Article", "Title", "Stages", "Tags")] + [
        (a.number, a.title, ",".join(map(str, a.stages)) or "-", " ".join(a.tags) or "-")
        for a in articles
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]
    count = len(articles)
    lines.append(f"{count} article{'' if count == 1 else 's'}")
    return "\n".join(lines) + "\n"
