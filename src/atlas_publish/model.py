"""The handbook as immutable data: Atlas -> Volume -> Chapter -> Section -> Article.

Everything here is finished and validated; later stages only read it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Stage:
    number: int
    name: str
    tag: str
    article: str | None  # number of the article that describes the stage
    line: int = 0  # line in atlas.yaml, for late errors


DEFAULT_PAGE_SIZE = "6in 9in"


@dataclass(frozen=True, slots=True)
class PrintSettings:
    size: str = DEFAULT_PAGE_SIZE  # a CSS page size: "6in 9in", "A4", "letter"
    bleed: str | None = None  # e.g. "3mm"
    marks: str | None = None  # "crop", "cross" or "crop cross"


@dataclass(frozen=True, slots=True)
class Article:
    number: str  # "V.CCSSAA", exactly as typed
    slug: str
    title: str
    summary: str
    abstract: str | None
    date: dt.date | None
    keywords: tuple[str, ...]
    stages: tuple[int, ...]
    tags: tuple[str, ...]
    body: str  # Markdown, as written
    path: Path
    body_line: int  # line of the body's first line in the file
    # (front-matter key, line) pairs, so late errors still point at the right line
    lines: tuple[tuple[str, int], ...] = ()

    @property
    def volume(self) -> int:
        return int(self.number[0])

    @property
    def chapter(self) -> str:
        return self.number[:4]

    @property
    def section(self) -> int:
        return int(self.number[4:6])

    @property
    def anchor(self) -> str:
        return f"article-{self.number}"

    def line_of(self, key: str) -> int:
        return next((line for name, line in self.lines if name == key), 1)


@dataclass(frozen=True, slots=True)
class Section:
    number: int
    title: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class Chapter:
    number: str  # "V.CC"
    slug: str
    title: str
    sections: tuple[Section, ...]
    path: Path  # the chapter folder

    @property
    def volume(self) -> int:
        return int(self.number[0])

    @property
    def anchor(self) -> str:
        return f"chapter-{self.number}"

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(a for s in self.sections for a in s.articles)


@dataclass(frozen=True, slots=True)
class Volume:
    number: int
    slug: str
    title: str
    isbn: str | None  # the EPUB's ISBN (volume.yaml's `isbn: X`, or `isbn: {epub: X}`)
    chapters: tuple[Chapter, ...]
    path: Path
    isbns: tuple[tuple[str, str], ...] = ()  # (format, ISBN) as the copyright page lists them

    @property
    def anchor(self) -> str:
        return f"volume-{self.number}"

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(a for c in self.chapters for a in c.articles)


@dataclass(frozen=True, slots=True)
class Atlas:
    title: str
    subtitle: str | None
    author: str
    publisher: str | None
    language: str
    rights: str | None
    identifier: str
    stages: tuple[Stage, ...]
    volumes: tuple[Volume, ...]
    print: PrintSettings
    root: Path  # the content folder
    tagline: str | None = None  # one line under the title on the web edition's home page
    url: str | None = (
        None  # where the web edition is published ("https://.../"), for canonical links
    )

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(a for v in self.volumes for a in v.articles)

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return tuple(c for v in self.volumes for c in v.chapters)

    def iter_articles(self) -> Iterator[Article]:
        for volume in self.volumes:
            yield from volume.articles

    def volume(self, number: int) -> Volume:
        for volume in self.volumes:
            if volume.number == number:
                return volume
        raise KeyError(number)
