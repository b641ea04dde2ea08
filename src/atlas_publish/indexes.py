"""Indexes over the finished model: lookups by number, by stage, by tag and by keyword.

Pure functions of the Atlas; built once and shared by every edition.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

from .model import Article, Atlas, Chapter, Stage, Volume

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Indexes:
    articles: Mapping[str, Article]  # by number
    chapters: Mapping[str, Chapter]  # by "V.CC"
    volumes: Mapping[int, Volume]
    stages: Mapping[int, Stage]
    by_stage: Mapping[int, tuple[Article, ...]]  # stage number -> articles relating to it
    by_tag: Mapping[str, tuple[Article, ...]]
    by_keyword: Mapping[str, tuple[Article, ...]]
    described_stage: Mapping[str, Stage]  # article number -> the stage it describes

    @property
    def known_tags(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.by_tag) | {s.tag for s in self.stages.values()}))

    def tag_label(self, tag: str) -> str:
        """What a reader sees for a tag: a stage's tag is 'the Stage 6 essentials' (from
        atlas.yaml's stages), another tag its words ('Interrupt_Driven' -> 'Interrupt Driven').
        The ID itself stays for editors (front matter, `list --tag`)."""
        for stage in self.stages.values():
            if stage.tag == tag:
                return f"Stage\u00a0{stage.number} essentials"
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tag.replace("_", " ").replace("-", " "))
        return " ".join(words.split())

    def tagged(self, tag: str) -> tuple[Article, ...]:
        return self.by_tag.get(tag, ())

    def relating_to(self, stage: int) -> tuple[Article, ...]:
        return self.by_stage.get(stage, ())

    def __reduce__(self) -> tuple[object, tuple[dict[str, dict[object, object]]]]:
        """Built once, then sent to the worker processes with the model they index."""
        fields = {name: dict(getattr(self, name)) for name in self.__dataclass_fields__}
        return _unpickle, (fields,)


def _unpickle(fields: dict[str, dict[object, object]]) -> Indexes:
    return Indexes(**{name: MappingProxyType(value) for name, value in fields.items()})  # type: ignore[arg-type]


def build_indexes(atlas: Atlas) -> Indexes:
    articles = {a.number: a for a in atlas.iter_articles()}
    by_stage: dict[int, list[Article]] = defaultdict(list)
    by_tag: dict[str, list[Article]] = defaultdict(list)
    by_keyword: dict[str, list[Article]] = defaultdict(list)
    for article in sorted(articles.values(), key=lambda a: a.number):
        for stage in article.stages:
            by_stage[stage].append(article)
        for tag in article.tags:
            by_tag[tag].append(article)
        for keyword in article.keywords:
            by_keyword[keyword].append(article)
    return Indexes(
        articles=MappingProxyType(articles),
        chapters=MappingProxyType({c.number: c for c in atlas.chapters}),
        volumes=MappingProxyType({v.number: v for v in atlas.volumes}),
        stages=MappingProxyType({s.number: s for s in atlas.stages}),
        by_stage=_frozen(by_stage),
        by_tag=_frozen(by_tag),
        by_keyword=_frozen(by_keyword),
        described_stage=MappingProxyType(
            {s.article: s for s in atlas.stages if s.article is not None}
        ),
    )


def _frozen(groups: Mapping[K, list[Article]]) -> Mapping[K, tuple[Article, ...]]:
    return MappingProxyType({key: tuple(items) for key, items in sorted(groups.items())})
