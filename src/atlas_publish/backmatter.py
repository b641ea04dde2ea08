"""The back matter of a volume (and of the complete edition): articles by business stage,
articles by tag, and an A-Z index of keywords.

The indexes are plain records built from the handbook's indexes for a scope (one volume's
articles, or all of them); each edition then renders them with the templates in
``templates/partials/backmatter.html.j2``: print with page numbers, EPUB with links.

Page numbers are known only after layout, so the print edition renders its back matter as a
second, small WeasyPrint document once the volume's pages are laid out (see editions/print_parts.py);
the numbers printed come from that layout, never from an earlier build.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from .indexes import Indexes
from .model import Article

EN_DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class Group:
    """A stage or a tag, with the articles of the scope that belong to it."""

    key: str  # "6" or "S6_Customers": the anchor's suffix
    heading: str
    articles: tuple[Article, ...]  # by number
    elsewhere: int = 0  # how many more articles belong to it outside the scope


@dataclass(frozen=True, slots=True)
class KeywordEntry:
    keyword: str  # as most articles spell it
    articles: tuple[Article, ...]  # by number


@dataclass(frozen=True, slots=True)
class Letter:
    letter: str  # "A".."Z", or "#" for keywords that start with a digit or a symbol
    entries: tuple[KeywordEntry, ...]

    @property
    def key(self) -> str:
        return "symbols" if self.letter == "#" else self.letter


@dataclass(frozen=True, slots=True)
class BackMatter:
    stages: tuple[Group, ...]
    tags: tuple[Group, ...]
    keywords: tuple[Letter, ...]

    @property
    def empty(self) -> bool:
        return not any(g.articles for g in self.stages) and not self.tags and not self.keywords


def build_back_matter(indexes: Indexes, scope: Iterable[Article]) -> BackMatter:
    """The three indexes over the articles in ``scope`` (a volume's, or every article)."""
    numbers = {a.number for a in scope}

    def inside(articles: Iterable[Article]) -> tuple[Article, ...]:
        return tuple(a for a in articles if a.number in numbers)

    stages = []
    for stage in indexes.stages.values():
        related = indexes.relating_to(stage.number)
        mine = inside(related)
        stages.append(
            Group(
                str(stage.number),
                f"Stage {stage.number}: {stage.name}",
                mine,
                len(related) - len(mine),
            )  # fmt: skip
        )
    tags = []
    for tag, tagged in indexes.by_tag.items():
        mine = inside(tagged)
        if mine:
            tags.append(Group(tag, indexes.tag_label(tag), mine, len(tagged) - len(mine)))
    tags.sort(key=lambda g: sort_key(g.heading))
    return BackMatter(tuple(stages), tuple(tags), keyword_letters(indexes, numbers))


def keyword_letters(indexes: Indexes, numbers: set[str]) -> tuple[Letter, ...]:
    """Keywords A-Z. Spellings that differ only in case or accents are one entry, shown as
    most articles spell it ('scalability' and 'Scalability' are the same keyword)."""
    merged: dict[str, dict[str, Article]] = {}
    spellings: dict[str, dict[str, int]] = {}
    for keyword, articles in indexes.by_keyword.items():
        mine = [a for a in articles if a.number in numbers]
        if not mine:
            continue
        key = sort_key(keyword)
        merged.setdefault(key, {}).update((a.number, a) for a in mine)
        counts = spellings.setdefault(key, {})
        counts[keyword] = counts.get(keyword, 0) + len(mine)
    letters: dict[str, list[KeywordEntry]] = {}
    for key in sorted(merged):
        counts = spellings[key]
        shown = max(sorted(counts), key=lambda s: counts[s])
        articles = tuple(merged[key][n] for n in sorted(merged[key]))
        letters.setdefault(initial(key), []).append(KeywordEntry(shown, articles))
    order = sorted(letters, key=lambda letter: (letter != "#", letter))
    return tuple(Letter(letter, tuple(letters[letter])) for letter in order)


def sort_key(text: str) -> str:
    """Alphabetical order as a reader expects it: case and accents do not count."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def initial(key: str) -> str:
    first = key[:1].upper()
    return first if first.isalpha() else "#"


# --- locators ----------------------------------------------------------------------------------


def runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive numbers as (first, last) runs: [12, 15, 16, 17] -> [(12, 12), (15, 17)]."""
    result: list[tuple[int, int]] = []
    for number in sorted(set(numbers)):
        if result and number == result[-1][1] + 1:
            result[-1] = (result[-1][0], number)
        else:
            result.append((number, number))
    return result


def run_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}{EN_DASH}{last}"


@dataclass(frozen=True, slots=True)
class Locator:
    """One printed locator: '12', '15–17' or '3:45', and the article it leads to."""

    text: str
    anchor: str | None  # where a link on it goes (the run's first article), if anywhere
    lead: str = ", "  # what separates it from the locator before: ", " or "; " between volumes


def page_locators(articles: Sequence[Article], pages: Mapping[str, int]) -> tuple[Locator, ...]:
    """The pages where ``articles`` start, runs collapsed: 12, 15–17."""
    first_anchor: dict[int, str] = {}
    for article in sorted(articles, key=lambda a: a.number):
        page = pages.get(article.anchor)
        if page is not None:
            first_anchor.setdefault(page, article.anchor)
    return tuple(
        Locator(run_text(first, last), first_anchor[first]) for first, last in runs(first_anchor)
    )


def volume_page_locators(
    articles: Sequence[Article], pages: Mapping[str, tuple[int, int]]
) -> tuple[Locator, ...]:
    """Locators over several volumes: '3:45, 47–49; 5:12' (the volume is named once)."""
    by_volume: dict[int, dict[str, int]] = {}
    for article in articles:
        where = pages.get(article.anchor)
        if where is not None:
            by_volume.setdefault(where[0], {})[article.anchor] = where[1]
    located: list[Locator] = []
    for volume in sorted(by_volume):
        mine = [a for a in articles if a.anchor in by_volume[volume]]
        for index, locator in enumerate(page_locators(mine, by_volume[volume])):
            if index == 0:
                located.append(Locator(f"{volume}:{locator.text}", locator.anchor, "; "))
            else:
                located.append(locator)
    return tuple(located)


# An edition's way of locating articles: their pages ('12, 15–17', '3:45'), runs collapsed.
Locate = Callable[[Sequence[Article]], tuple[Locator, ...]]
