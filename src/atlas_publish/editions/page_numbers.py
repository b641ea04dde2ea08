"""Page numbers printed as text in the print edition: guessed before layout, checked after.

A chapter prints the page of every anchor it links to as text (``data-page``, set in tabular
figures by print.css, so a number's width is its count of digits). Before its layout the
numbers are guesses: the previous build's folios, or an estimate from the text's length
(``estimate_folios``). ``lay_out_numbered`` lays a part out until the numbers of its own
anchors are true: a wrong number as wide as the true one is corrected in the laid-out line
(``Layout.renumber``), one of another width costs a layout again. How a volume's chapters wait
for each other's folios is the print edition's (editions/print_parts.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .. import pagebreaks
from ..errors import BuildError
from ..model import Volume
from ..writers.pdf import Layout, Parsed, Stylesheet, Typesetter

# Plain layouts before the numbers are padded to one width; padded ones after that. A volume
# needs two when the first guess is off, rarely three (a number near a page's foot).
PLAIN_PASSES = 3
PADDED_PASSES = 2
FIGURE_SPACE = "\u2007"  # as wide as a digit in tabular figures


def anchors(volume: Volume) -> list[str]:
    """The anchors a print volume numbers, in reading order: its chapters and articles."""
    return [anchor for kind, anchor in pagebreaks.items(volume) if kind in ("chapter", "article")]


# A first build has no previous layout: the folios are estimated from the text's length.
# Fitted on the 700-article sample (6 x 9 in, print.css; least squares over its 658 articles'
# true page spans): about 1,480 characters of Markdown a page, and an article's header, summary
# and abstract about a tenth of a page. A first build stretches it by the chapters laid out so far
# (``_density``); a rebuild prints the previous build's folios instead.
CHARACTERS_PER_PAGE = 1480
ARTICLE_HEAD = 0.1


def estimate_folios(volume: Volume) -> dict[str, int]:
    """Where each chapter and article would start, from the length of the text alone."""
    folios: dict[str, int] = {}
    at = 0.0  # pages filled before the current point; folio = floor(at) + 1
    for chapter in volume.chapters:
        page = math.ceil(at)  # a chapter opens a page, on the right: an odd folio
        page += page % 2
        folios[chapter.anchor] = page + 1
        at = page + 1.0
        for article in chapter.articles:
            folios[article.anchor] = math.floor(at) + 1
            at += ARTICLE_HEAD + len(article.body) / CHARACTERS_PER_PAGE
    return folios


def first_guess(volume: Volume, previous: Mapping[str, int]) -> dict[str, int]:
    """The previous layout's folios where it had the anchor; estimated where it had none.

    An anchor new since the previous layout takes the folio of the one before it, shifted as
    the estimate shifts."""
    estimate = estimate_folios(volume)
    if not previous:
        return estimate
    guess: dict[str, int] = {}
    last_previous, last_estimate = 1, 1
    for anchor in anchors(volume):
        if anchor in previous:
            guess[anchor] = last_previous = previous[anchor]
            last_estimate = estimate[anchor]
        else:
            guess[anchor] = max(1, last_previous + estimate[anchor] - last_estimate)
    return guess


def folios_of(layout: Layout, volume: Volume, first_folio: int = 1) -> dict[str, int]:
    """Where each chapter and article starts in ``layout``, as the folio printed on that page
    (``first_folio`` is the first chapter's opener)."""
    where = layout.anchor_pages()
    first = where.get(volume.chapters[0].anchor) if volume.chapters else None
    if first is None:
        return {}
    return {
        anchor: where[anchor] - first + first_folio for anchor in anchors(volume) if anchor in where
    }


def number_texts(folios: Mapping[str, int], width: int = 0) -> dict[str, str]:
    """Folios as the text printed for them, padded on the left to ``width`` digits."""
    return {anchor: str(folio).rjust(width, FIGURE_SPACE) for anchor, folio in folios.items()}


def wrong_numbers(layout: Layout, folios: Mapping[str, int]) -> dict[str, tuple[str, int]]:
    """Every printed page number that is not its target's folio: anchor -> (printed, true)."""
    wrong = {}
    for anchor, printed in layout.printed.items():
        true = folios.get(anchor)
        if true is not None and printed.strip(FIGURE_SPACE) != str(true):
            wrong[anchor] = (printed, true)
    return wrong


@dataclass(frozen=True, slots=True)
class Numbered:
    """A layout whose printed page numbers are true, and what it took."""

    layout: Layout
    folios: dict[str, int]
    passes: int
    pages_laid_out: int


def lay_out_numbered(
    typesetter: Typesetter,
    volume: Volume,
    html: str,
    stylesheets: tuple[Stylesheet, ...],
    guess: Mapping[str, int],
    first_folio: int = 1,
    outside: Mapping[str, str] | None = None,
) -> Numbered:
    """Lay ``html`` (``volume``'s, or a part of it) out until every printed page number of its
    own anchors is its target's folio (``first_folio``: its first chapter's). ``outside``: the
    numbers it prints of anchors it does not hold (another part's), as they are."""
    parsed: Parsed = typesetter.parse(html)
    numbers = {**number_texts(guess), **(outside or {})}
    laid_out = 0
    for attempt in range(1, PLAIN_PASSES + PADDED_PASSES + 1):
        layout = typesetter.lay_out(parsed, stylesheets, numbers)
        laid_out += layout.page_count
        folios = folios_of(layout, volume, first_folio)
        wrong = wrong_numbers(layout, folios)
        if not wrong:
            return Numbered(layout, folios, attempt, laid_out)
        # Wrong numbers as wide as the true ones are corrected in place: no line moves.
        corrected = layout.renumber(number_texts({a: folios[a] for a in wrong}))
        if corrected and not wrong_numbers(layout, folios):
            return Numbered(layout, folios, attempt, laid_out)
        del layout  # free this layout's pages before the next is made
        width = len(str(max(folios.values(), default=1))) if attempt >= PLAIN_PASSES else 0
        numbers |= number_texts(folios, width)
    shown = ", ".join(f"{a}: printed {p}, is {t}" for a, (p, t) in sorted(wrong.items())[:5])
    raise BuildError(
        f"volume {volume.number}: page numbers did not settle after "
        f"{PLAIN_PASSES + PADDED_PASSES} layouts ({shown}); report this with the content"
    )
