"""``atlas-publish stats``: how the handbook's articles spread over volumes, chapters, stages
and tags, and what an editor should look at (articles with no stage, tags used only once)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import get_close_matches

from .indexes import Indexes
from .model import Article, Atlas


@dataclass(frozen=True, slots=True)
class Count:
    key: str  # "1", "1.03", "6", "S6_Customers"
    label: str  # the title or name ("" for tags)
    count: int
    note: str = ""  # e.g. "23 carry S6_Customers", "did you mean 'S6_Customers'?"
    tagged: int | None = None  # stages: how many carry the stage's tag


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    volumes: tuple[Count, ...]
    chapters: tuple[Count, ...]
    stages: tuple[Count, ...]
    tags: tuple[Count, ...]
    no_stage: tuple[Article, ...]
    single_tags: tuple[Count, ...]  # key: tag, label: the article that carries it


def gather(atlas: Atlas, indexes: Indexes) -> Stats:
    stages = tuple(
        Count(str(s.number), s.name, len(indexes.relating_to(s.number)),
              _carry(len(indexes.tagged(s.tag)), s.tag), len(indexes.tagged(s.tag)))
        for s in indexes.stages.values()
    )  # fmt: skip
    tags = tuple(Count(tag, "", len(articles)) for tag, articles in indexes.by_tag.items())
    singles = []
    for tag, articles in indexes.by_tag.items():
        if len(articles) == 1:
            others = [t for t, a in indexes.by_tag.items() if t != tag and len(a) > 1]
            guess = get_close_matches(tag, others, n=1, cutoff=0.6)
            note = f"did you mean '{guess[0]}'?" if guess else ""
            singles.append(Count(tag, articles[0].number, 1, note))
    return Stats(
        articles=len(indexes.articles),
        volumes=tuple(Count(str(v.number), v.title, len(v.articles)) for v in atlas.volumes),
        chapters=tuple(Count(c.number, c.title, len(c.articles)) for c in atlas.chapters),
        stages=stages,
        tags=tags,
        no_stage=tuple(a for a in atlas.iter_articles() if not a.stages),
        single_tags=tuple(singles),
    )


def as_text(stats: Stats) -> str:
    lines = [
        f"{stats.articles} articles in {len(stats.volumes)} volumes and "
        f"{len(stats.chapters)} chapters",
    ]

    def block(title: str, counts: tuple[Count, ...]) -> None:
        lines.append("")
        lines.append(title)
        if not counts:
            lines.append("  (none)")
        width = max((len(c.key) for c in counts), default=0)
        label_width = max((len(c.label) for c in counts), default=0)
        for c in counts:
            label = f"  {c.label.ljust(label_width)}" if label_width else ""
            note = f"  ({c.note})" if c.note else ""
            lines.append(f"  {c.key.ljust(width)}{label}  {c.count:>4}{note}".rstrip())

    block("Articles per volume", stats.volumes)
    block("Articles per chapter", stats.chapters)
    block("Articles per stage (relate to it; carry its tag)", stats.stages)
    block("Articles per tag", stats.tags)
    lines.append("")
    lines.append(f"Articles with no stage: {len(stats.no_stage)}")
    lines += [f"  {a.number}  {a.title}" for a in stats.no_stage]
    lines.append("")
    lines.append(f"Tags used only once (likely typos): {len(stats.single_tags)}")
    for c in stats.single_tags:
        note = f"  {c.note}" if c.note else ""
        lines.append(f"  {c.key}  in {c.label}{note}")
    return "\n".join(lines) + "\n"


def as_json(stats: Stats) -> str:
    def counts(items: tuple[Count, ...], label: str) -> list[dict[str, object]]:
        return [
            {"key": c.key, label: c.label, "articles": c.count} if label else
            {"key": c.key, "articles": c.count}
            for c in items
        ]  # fmt: skip

    data = {
        "articles": stats.articles,
        "volumes": counts(stats.volumes, "title"),
        "chapters": counts(stats.chapters, "title"),
        "stages": [
            {"stage": int(c.key), "name": c.label, "articles": c.count, "tagged": c.tagged}
            for c in stats.stages
        ],
        "tags": counts(stats.tags, ""),
        "no_stage": [a.number for a in stats.no_stage],
        "tags_used_once": [
            {"tag": c.key, "article": c.label, "suggestion": c.note} for c in stats.single_tags
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _carry(count: int, tag: str) -> str:
    return f"{count} {'carries' if count == 1 else 'carry'} {tag}"
