"""Cross-references: what a reference points at, and how an edition writes the link.

Markdown resolves every ``article:``/``chapter:``/``volume:`` reference through one LinkStyle,
so each edition (print, EPUB, preview, check) decides only how a link looks, never what it means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from .indexes import Indexes
from .model import Article

Kind = Literal["article", "chapter", "volume"]
REFERENCE = re.compile(r"^(article|chapter|volume):(.*)$")
URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_file_link(href: str) -> bool:
    """A link to a file by its path (``notes/draft.html``, ``../secret.txt``, ``/home/...``):
    the editions carry no such file, and the PDF would hold the build machine's path."""
    href = href.strip()
    return bool(href) and not href.startswith(("#", "//")) and not URL_SCHEME.match(href)


@dataclass(frozen=True, slots=True)
class Target:
    kind: Kind
    number: str  # "4.020105", "4.02" or "4"
    volume: int
    title: str
    anchor: str  # the id of the target element in any edition

    @property
    def label(self) -> str:
        """How another volume's target is named: 'article 4.020105', 'chapter 4.02'."""
        return f"{self.kind} {self.number}"


@dataclass(frozen=True, slots=True)
class Link:
    href: str | None  # None: not a link in this edition (plain text)
    suffix: str = ""  # plain text put after the link, e.g. " (Volume 4, article 4.020105)"
    classes: str = "xref"


class LinkStyle(Protocol):
    def link(self, target: Target) -> Link: ...

    def image_src(self, path: Path) -> str: ...


def find_target(kind: str, number: str, indexes: Indexes) -> Target | None:
    if kind == "article" and (article := indexes.articles.get(number)):
        return article_target(article)
    if kind == "chapter" and (chapter := indexes.chapters.get(number)):
        return Target("chapter", number, chapter.volume, chapter.title, chapter.anchor)
    if kind == "volume" and number.isdigit() and (volume := indexes.volumes.get(int(number))):
        return Target("volume", number, volume.number, volume.title, volume.anchor)
    return None


NBSP = "\u00a0"


def other_volume_suffix(target: Target) -> str:
    """' (Volume 4)' for a volume, else ' (Volume 4, article 4.020105)' (no-break spaces: a
    line never ends between 'Volume' and its number)."""
    return _suffix(_locator_parts(target))


def _locator_parts(target: Target) -> list[str]:
    parts = [f"Volume{NBSP}{target.volume}"]
    if target.kind != "volume":
        parts.append(target.label.replace(" ", NBSP))
    return parts


def _suffix(parts: list[str]) -> str:
    return f" ({', '.join(parts)})" if parts else ""


def suffix_after(text: str, target: Target, suffix: str) -> str:
    """The suffix less what the link's own text already says: 'chapter 4.02' is followed by
    ' (Volume 4)', not ' (Volume 4, chapter 4.02)'; 'Volume 9' by nothing."""
    if suffix != other_volume_suffix(target):
        return suffix
    said = " ".join(text.replace(NBSP, " ").split()).casefold()
    kept = [p for p in _locator_parts(target) if p.replace(NBSP, " ").casefold() not in said]
    return _suffix(kept)


def article_target(article: Article) -> Target:
    return Target("article", article.number, article.volume, article.title, article.anchor)
