"""The web edition, planned: every page of the static site as a plain record.

``plan_site`` takes the checked handbook and a frozen ``WebContext`` (the date, the print
page numbers of the last print build, the published downloads) and returns one ``WebFile``
per file of the site: pages rendered through ``templates/site/``, the feed, the sitemap, the
search page's assets, the images the bodies show and the covers. ``writers/site.py`` only
puts them on disk (and runs the search indexer); ``serve`` hands the same records to a
browser.

Addresses come from numbers, so they survive a reworded title: ``1/`` (a volume), ``1.03/``
(a chapter), ``1.030106/`` (an article). ``articles/1-030106-has-some-customers/`` is a
redirect to the article for readable links. Every link is relative and names the file
(``../1.030106/index.html``), so the folder works from any host and from ``file://``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from markupsafe import Markup
from slugify import slugify

from ..backmatter import keyword_letters
from ..errors import Diagnostics
from ..indexes import Indexes
from ..links import Link, Target
from ..model import Article, Atlas
from ..render import RenderedArticle, render_articles, stage_index_html, tag_table_html

INDEX = "index.html"
ASSETS = ("site.css", "site.js", "search.js")  # project files: never a writer's override
FEED = "feed.xml"
SITEMAP = "sitemap.xml"


# -- what the edition is given ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Download:
    name: str  # the file's name in the dist folder (and in the site's downloads/)
    volume: int | None  # None: the complete edition
    format: str  # "pdf" or "epub"
    bytes: int
    pages: int | None
    size: str  # "1.2 MB"
    source: Path  # the published file, to copy into the site


@dataclass(frozen=True, slots=True)
class Downloads:
    files: tuple[Download, ...]
    extras: tuple[
        Download, ...
    ]  # SHA256SUMS, opds.xml, catalog.json: linked, not listed per volume

    def of(self, volume: int | None, format: str) -> Download | None:
        return next((f for f in self.files if f.volume == volume and f.format == format), None)


@dataclass(frozen=True, slots=True)
class WebContext:
    date: int  # seconds since the epoch: SOURCE_DATE_EPOCH, or the newest source
    pages: Mapping[int, Mapping[str, int]] = field(
        default_factory=dict
    )  # volume -> anchor -> folio
    downloads: Downloads | None = None
    covers: Mapping[int, bytes] = field(default_factory=dict)  # volume -> thumbnail PNG


# -- what it gives back -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebFile:
    """One file of the site: bytes made here, or a file copied as it is."""

    path: str  # relative to the site's root, with '/'
    data: bytes | None = None
    source: Path | None = None
    searchable: bool = False  # an article page: what the search index reads


@dataclass(frozen=True, slots=True)
class SitePlan:
    files: tuple[WebFile, ...]

    def file(self, path: str) -> WebFile | None:
        return next((f for f in self.files if f.path == path), None)


# -- addresses ----------------------------------------------------------------------------


def volume_path(number: int) -> str:
    return f"{number}/{INDEX}"


def chapter_path(number: str) -> str:
    return f"{number}/{INDEX}"


def article_path(number: str) -> str:
    return f"{number}/{INDEX}"


def slug_path(article: Article) -> str:
    name = slugify(article.title, max_length=60, word_boundary=True) or "article"
    return f"articles/{article.number.replace('.', '-')}-{name}/{INDEX}"


def stage_path(number: int) -> str:
    return f"stage/{number}/{INDEX}"


def name_slug(text: str) -> str:
    """A readable, ASCII folder name for a tag or keyword (distinct names stay distinct)."""
    readable = slugify(text, max_length=50, word_boundary=True) or "x"
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"


def tag_path(tag: str) -> str:
    return f"tag/{name_slug(tag)}/{INDEX}"


def keyword_path(keyword: str) -> str:
    from ..backmatter import sort_key

    return f"keyword/{name_slug(sort_key(keyword))}/{INDEX}"


def relative(from_page: str, to: str) -> str:
    """The link from one file of the site to another, e.g. '../1.030106/index.html'."""
    base = posixpath.dirname(from_page) or "."
    return quote(posixpath.relpath(to, base))


def public_url(atlas: Atlas, path: str) -> str | None:
    """The page's canonical address, when atlas.yaml names where the site is published."""
    if atlas.url is None:
        return None
    return atlas.url + quote(path.removesuffix(INDEX))


# -- links inside bodies ------------------------------------------------------------------


@dataclass(slots=True)
class SiteLinks:
    """References become relative links to the target's page, across volumes too; images
    are copied under ``media/`` with their path in the content folder."""

    page: str  # the page the body is shown on
    root: Path  # the content folder
    images: dict[str, Path] = field(default_factory=dict)  # site path -> source

    def link(self, target: Target) -> Link:
        if target.kind == "article":
            return Link(relative(self.page, article_path(target.number)))
        if target.kind == "chapter":
            return Link(relative(self.page, chapter_path(target.number)))
        return Link(relative(self.page, volume_path(target.volume)))

    def image_src(self, path: Path) -> str:
        site_path = "media/" + path.resolve().relative_to(self.root.resolve()).as_posix()
        self.images[site_path] = path
        return relative(self.page, site_path)


# -- planning -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Neighbours:
    previous: Article | None
    next: Article | None


def plan_site(
    atlas: Atlas,
    indexes: Indexes,
    env: Environment,
    context: WebContext,
    diagnostics: Diagnostics,
) -> SitePlan:
    """Every file of the web edition. Bodies are rendered once, for their article's page."""
    planner = _Planner(atlas, indexes, env, context)
    article_links = SiteLinks(article_path("0.000000"), atlas.root)  # every article: depth 1
    bodies = render_articles(
        atlas.articles, atlas, indexes, env, article_links, diagnostics, heading_offset=0
    )
    if diagnostics.errors:
        return SitePlan(())
    files = planner.pages(bodies)
    files += [WebFile(p, source=s) for p, s in sorted(article_links.images.items())]
    return SitePlan(tuple(files))


class _Planner:
    def __init__(
        self, atlas: Atlas, indexes: Indexes, env: Environment, context: WebContext
    ) -> None:
        self.atlas = atlas
        self.indexes = indexes
        self.env = env
        self.context = context
        self.letters = keyword_letters(indexes, set(indexes.articles))
        self.when = dt.datetime.fromtimestamp(context.date, dt.UTC)

    def render(self, template: str, path: str, **data: Any) -> WebFile:
        page = {
            "path": path,
            "root": relative(path, INDEX).removesuffix(INDEX) or "./",
            "canonical": public_url(self.atlas, path),
            "link": lambda to: relative(path, to),
        }
        html = self.env.get_template(f"site/{template}").render(
            atlas=self.atlas, page=page, site=self, **data
        )
        return WebFile(path, html.encode(), searchable=template == "article.html.j2")

    # -- helpers the templates call ---------------------------------------------------

    def volume_path(self, number: int) -> str:
        return volume_path(number)

    def chapter_path(self, number: str) -> str:
        return chapter_path(number)

    def article_path(self, number: str) -> str:
        return article_path(number)

    def stage_path(self, number: int) -> str:
        return stage_path(number)

    def tag_path(self, tag: str) -> str:
        return tag_path(tag)

    def keyword_path(self, keyword: str) -> str:
        return keyword_path(keyword)

    def stage(self, number: int) -> Any:
        return self.indexes.stages.get(number)

    def count(self, stage: int) -> int:
        return len(self.indexes.relating_to(stage))

    def print_page(self, article: Article) -> int | None:
        return self.context.pages.get(article.volume, {}).get(article.anchor)

    def download(self, volume: int | None, format: str) -> Download | None:
        return self.context.downloads.of(volume, format) if self.context.downloads else None

    @property
    def downloads(self) -> Downloads | None:
        return self.context.downloads

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(sorted(self.indexes.by_tag, key=str.casefold))

    @property
    def keywords(self) -> Any:
        return self.letters

    def json_ld(self, data: Mapping[str, Any]) -> Markup:
        """schema.org metadata, safe inside <script>: no '<' survives as itself."""
        text = json.dumps({"@context": "https://schema.org", **_present(data)}, ensure_ascii=False)
        return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

    def filter_words(self, article: Article) -> Mapping[str, str]:
        """The data attributes the all-articles filter matches on."""
        from ..backmatter import sort_key

        return {
            "data-stages": " ".join(str(s) for s in article.stages),
            "data-tags": " ".join(article.tags),
            "data-keywords": "|".join(sort_key(k) for k in article.keywords),
        }

    # -- the pages ----------------------------------------------------------------------

    def pages(self, bodies: Mapping[str, RenderedArticle]) -> list[WebFile]:
        atlas = self.atlas
        files = [
            self.render("home.html.j2", INDEX),
            self.render("articles.html.j2", f"articles/{INDEX}"),
            self.render("stages.html.j2", f"stage/{INDEX}"),
            self.render("tags.html.j2", f"tag/{INDEX}"),
            self.render("keywords.html.j2", f"keyword/{INDEX}"),
            self.render("search.html.j2", f"search/{INDEX}"),
            self.render("downloads.html.j2", f"downloads/{INDEX}"),
            self.render("404.html.j2", "404.html"),
        ]
        for volume in atlas.volumes:
            files.append(self.render("volume.html.j2", volume_path(volume.number), volume=volume))
            for chapter in volume.chapters:
                files.append(
                    self.render(
                        "chapter.html.j2",
                        chapter_path(chapter.number),
                        chapter=chapter,
                        volume=volume,
                    )  # fmt: skip
                )
        ordered = atlas.articles
        for index, article in enumerate(ordered):
            neighbours = Neighbours(
                ordered[index - 1] if index else None,
                ordered[index + 1] if index + 1 < len(ordered) else None,
            )
            files.append(self._article(article, bodies[article.number], neighbours))
            files.append(
                self.render(
                    "redirect.html.j2",
                    slug_path(article),
                    to=article_path(article.number),
                    title=article.title,
                    target_url=public_url(atlas, article_path(article.number)),
                )  # fmt: skip
            )
        for stage in atlas.stages:
            files.append(self._stage(stage.number))
        for tag in self.tags:
            files.append(self._tag(tag))
        for letter in self.letters:
            for entry in letter.entries:
                files.append(
                    self.render("keyword.html.j2", keyword_path(entry.keyword), entry=entry)
                )
        files.append(WebFile(FEED, self._feed()))
        if atlas.url is not None:
            files.append(WebFile(SITEMAP, self._sitemap([f.path for f in files])))
        for number, png in sorted(self.context.covers.items()):
            files.append(WebFile(f"covers/volume-{number}.png", png))
        return files

    def _article(
        self, article: Article, rendered: RenderedArticle, neighbours: Neighbours
    ) -> WebFile:
        volume = self.atlas.volume(article.volume)
        chapter = self.indexes.chapters[article.chapter]
        section = next(s for s in chapter.sections if s.number == article.section)
        return self.render(
            "article.html.j2",
            article_path(article.number),
            article=article,
            rendered=rendered,
            volume=volume,
            chapter=chapter,
            section=section,
            neighbours=neighbours,
        )

    def _links_for(self, path: str) -> SiteLinks:
        return SiteLinks(path, self.atlas.root)

    def _stage(self, number: int) -> WebFile:
        """The stage index exactly as the books print it, then every article relating to it."""
        path = stage_path(number)
        stage = self.indexes.stages[number]
        described = self.indexes.articles.get(stage.article) if stage.article else None
        index = None
        if described is not None:
            index = stage_index_html(
                self.env, described, self.indexes, self._links_for(path), level=2
            )
        return self.render(
            "stage.html.j2",
            path,
            stage=stage,
            described=described,
            index=index,
            table=Markup(tag_table_html(self.env, stage.tag, self.indexes, self._links_for(path)))
            if index is None
            else None,
            related=self.indexes.relating_to(number),
        )

    def _tag(self, tag: str) -> WebFile:
        path = tag_path(tag)
        table = Markup(tag_table_html(self.env, tag, self.indexes, self._links_for(path)))
        stage = next((s for s in self.atlas.stages if s.tag == tag), None)
        return self.render("tag.html.j2", path, tag=tag, table=table, stage=stage)

    # -- feed and sitemap -------------------------------------------------------------

    def entry_id(self, article: Article) -> str:
        url = public_url(self.atlas, article_path(article.number))
        if url is not None:
            return url
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.atlas.identifier}#{article.number}')}"

    def _dated(self) -> list[Article]:
        """Newest first; undated articles last, by number."""
        return sorted(
            self.atlas.articles,
            key=lambda a: (a.date is None, -(a.date.toordinal() if a.date else 0), a.number),
        )

    def _feed(self) -> bytes:
        articles = self._dated()[:100]
        return (
            self.env.get_template("site/feed.xml.j2")
            .render(
                atlas=self.atlas,
                site=self,
                articles=articles,
                updated=_iso(self._updated(articles)),
                when=_iso_day,
                self_url=public_url(self.atlas, FEED),
                home=public_url(self.atlas, INDEX),
            )
            .encode()
        )

    def _updated(self, articles: Iterable[Article]) -> dt.datetime:
        dates = [a.date for a in articles if a.date is not None]
        if not dates:
            return self.when
        newest = max(dates)
        return dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)

    def _sitemap(self, paths: list[str]) -> bytes:
        modified: dict[str, str] = {}
        for article in self.atlas.articles:
            if article.date is not None:
                modified[article_path(article.number)] = article.date.isoformat()
        urls = [
            (public_url(self.atlas, p), modified.get(p))
            for p in sorted(paths)
            if p.endswith(INDEX) and not p.startswith("articles/") or p == f"articles/{INDEX}"
        ]
        return self.env.get_template("site/sitemap.xml.j2").render(urls=urls).encode()


def _present(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that have a value (schema.org has no use for nulls)."""
    kept: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            value = _present(value)
        if value not in (None, "", [], {}):
            kept[key] = value
    return kept


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_day(day: dt.date | None, fallback: str) -> str:
    return f"{day.isoformat()}T00:00:00Z" if day is not None else fallback


def read_assets(search_path: list[Path]) -> list[WebFile]:
    """The site's stylesheet (a writer may override it in ``_templates/site/``) and its two
    small scripts, which come from the project's templates only: content never adds code."""
    files = []
    for name in ASSETS:
        folders = search_path if name.endswith(".css") else search_path[-1:]
        source = next(f / "site" / name for f in folders if (f / "site" / name).is_file())
        files.append(WebFile(f"assets/{name}", source.read_bytes()))
    return files
