"""The EPUB back matter: articles by business stage, articles by tag, and the keyword index,
one XHTML document each, with working links into the volume's chapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from ..backmatter import build_back_matter
from ..indexes import Indexes
from ..links import LinkStyle, article_target
from ..model import Article, Atlas, Volume
from ..render import environment

PARTS = (
    # part, file, title, landmark (epub:type in the nav's landmarks, "" for none)
    ("stages", "by-stage.xhtml", "Articles by business stage", "backmatter"),
    ("tags", "by-tag.xhtml", "Articles by tag", ""),
    ("keywords", "keyword-index.xhtml", "Index of keywords", "index"),
)


@dataclass(frozen=True, slots=True)
class BackMatterFile:
    part: str
    file_name: str
    title: str
    content: bytes
    landmark: str


def epub_back_matter(
    atlas: Atlas,
    indexes: Indexes,
    volume: Volume,
    links: LinkStyle,
    mark: Callable[..., Markup] | None = None,
) -> tuple[BackMatterFile, ...]:
    """The back-matter documents of one volume, in reading order; none for an empty volume.

    ``mark(part, group)`` gives the print edition's page-break markers at that place."""
    if not volume.articles:
        return ()
    matter = build_back_matter(indexes, volume.articles)
    if matter.empty:  # no stage, tag or keyword anywhere in the volume: nothing to index
        return ()
    template = environment(atlas).get_template("epub/backmatter.xhtml.j2")

    def href(article: Article) -> str | None:
        return links.link(article_target(article)).href

    return tuple(
        BackMatterFile(
            part,
            file_name,
            title,
            template.render(
                atlas=atlas, matter=matter, part=part, title=title, locate=None, href=href,
                epub=True, scope="this volume", level=1, anchor_href=None, mark=mark,
            ).encode(),
            landmark,
        )
        for part, file_name, title, landmark in PARTS
    )  # fmt: skip
