"""What a dist run published: the files, the covers and the volumes, as plain records.

The download page, ``catalog.json`` and the OPDS feed (``opds.py``) are all drawn from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import humanize

from .model import Atlas, Volume

MEDIA_TYPES = {"pdf": "application/pdf", "epub": "application/epub+zip"}


@dataclass(frozen=True, slots=True)
class DistFile:
    name: str  # inside the dist folder
    volume: int | None  # None: the complete edition
    format: str  # "pdf" or "epub"
    title: str
    bytes: int
    sha256: str
    pages: int | None  # PDFs only
    articles: int

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def size(self) -> str:
        return str(humanize.naturalsize(self.bytes))


@dataclass(frozen=True, slots=True)
class Cover:
    name: str
    media_type: str
    thumbnail: str
    thumbnail_type: str
    width: int  # of the thumbnail, for the page's <img> (no layout shift)
    height: int


@dataclass(frozen=True, slots=True)
class DistVolume:
    volume: Volume
    identifier: str  # the EPUB's dc:identifier
    title: str
    summary: str
    pdf: DistFile
    epub: DistFile
    cover: Cover | None


@dataclass(frozen=True, slots=True)
class Publication:
    atlas: Atlas
    slug: str
    updated: dt.datetime
    volumes: tuple[DistVolume, ...]
    complete: DistFile | None

    @property
    def updated_iso(self) -> str:
        return self.updated.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def articles(self) -> int:
        return sum(len(v.volume.articles) for v in self.volumes)

    @property
    def complete_summary(self) -> str:
        return (
            f"Every volume of {self.atlas.title} in one PDF: {len(self.volumes)} volumes, "
            f"{self.articles} articles; each volume keeps its own page numbers."
        )

    @property
    def files(self) -> tuple[DistFile, ...]:
        found = [f for v in self.volumes for f in (v.pdf, v.epub)]
        return tuple(found + ([self.complete] if self.complete else []))
