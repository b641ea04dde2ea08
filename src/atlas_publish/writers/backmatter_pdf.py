"""The print back matter: laid out by WeasyPrint after the pages it refers to.

A volume's back matter is a part of its own (editions/print_parts.py), rendered once the chapters
are laid out, with their folios (so the page numbers, runs collapsed, are true on the first
build); its links to the articles name their destinations, which the join resolves. The complete edition's index is the same document over
all volumes with volume:page locators, rendered from the volumes' page maps and appended to the
joined PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from ..backmatter import (
    BackMatter,
    Locate,
    build_back_matter,
    page_locators,
    volume_page_locators,
)
from ..indexes import Indexes
from ..model import Atlas, Volume
from ..render import environment, template_file
from .pdf import DEST_SCHEME  # the complete edition's index names the volumes' destinations


def back_matter_html(
    atlas: Atlas,
    matter: BackMatter,
    *,
    title: str,
    running_head: str,
    scope: str,
    locate: Locate,
    anchor_href: Callable[[str], str],
) -> str:
    env = environment(atlas)
    return env.get_template("print/backmatter.html.j2").render(
        atlas=atlas,
        matter=matter,
        title=title,
        running_head=running_head,
        scope=scope,
        locate=locate,
        href=lambda article: anchor_href(article.anchor),
        anchor_href=anchor_href,
        epub=False,
        level=2,
        mark=None,
    )


# The back matter's parts as the contents lists them (anchor, title), in their order.
BACK_MATTER_PARTS = (
    ("bm-stages", "Articles by business stage"),
    ("bm-tags", "Articles by tag"),
    ("bm-keywords", "Index of keywords"),
)


def has_back_matter(indexes: Indexes, volume: Volume) -> bool:
    """Whether the volume ends with back matter: articles with a stage, tag or keyword."""
    return bool(volume.articles) and not build_back_matter(indexes, volume.articles).empty


def volume_back_matter(
    atlas: Atlas, indexes: Indexes, volume: Volume, folios: Mapping[str, int]
) -> str | None:
    """The HTML of a volume's back matter, with the folios of its layout; None when there is
    nothing to index (no article, or no stage, tag or keyword in the volume)."""
    if not has_back_matter(indexes, volume):
        return None
    matter = build_back_matter(indexes, volume.articles)
    return back_matter_html(
        atlas,
        matter,
        title=f"{atlas.title}, Volume {volume.number}: back matter",
        running_head=volume.title,
        scope="this volume",
        locate=lambda articles: page_locators(articles, folios),
        anchor_href=lambda anchor: f"#{anchor}",
    )


def complete_index_html(
    atlas: Atlas, indexes: Indexes, pages: Mapping[str, tuple[int, int]]
) -> str:
    """The complete edition's index: every article, located as volume:page."""
    matter = build_back_matter(indexes, atlas.articles)
    return back_matter_html(
        atlas,
        matter,
        title=f"{atlas.title}: index to all volumes",
        running_head="Index to all volumes",
        scope="the handbook",
        locate=lambda articles: volume_page_locators(articles, pages),
        anchor_href=lambda anchor: f"{DEST_SCHEME}{anchor}",
    )


def continuation_css(page_count: int, next_folio: int) -> str:
    """Page side and folio for a document that continues another of ``page_count`` pages.

    A volume that ends on a right-hand page continues on a left-hand one, which stays blank
    (it holds only the empty ``.bm-start``): the back matter starts on a right-hand page.
    """
    folio = f"@page :first {{ counter-reset: page {next_folio}; }}"
    if page_count % 2 == 0:
        return f"html {{ break-before: right; }} .bm-start {{ display: none; }} {folio}"
    return f"html {{ break-before: left; }} {folio}"


def backmatter_stylesheet(atlas: Atlas) -> Path:
    return template_file(atlas.root, "print/backmatter.css")
