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
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment
from markupsafe import Markup
from slugify import slugify

from ..backmatter import keyword_letters
from ..errors import BuildError
from ..indexes import Indexes
from ..links import Link, Target
from ..markdown import RenderedBody
from ..model import Article, Atlas
from ..render import RenderedArticle, finish_articles, stage_index_html, tag_table_html

INDEX = "index.html"
# Project files only; site.css alone may be overridden by a writer (read_assets)
ASSETS = ("site.css", "site.js", "search.js", "favicon.svg")
FEED = "feed.xml"
SITEMAP = "sitemap.xml"
NOT_FOUND = "404.html"


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
    extras: tuple[Download, ...]  # SHA256SUMS, opds.xml, catalog.json: linked once
    unlisted: tuple[Download, ...] = ()  # the covers the OPDS feed names: copied, not linked

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


@functools.lru_cache(maxsize=65536)
def relative(from_page: str, to: str) -> str:
    """The link from one file of the site to another, e.g. '../1.030106/index.html'.

    Both are paths from the site's root; worked out on the strings (posixpath.relpath asks
    the system for the working folder on every call, and a site has a million links)."""
    base = from_page.split("/")[:-1]
    target = to.split("/")
    common = 0
    while common < min(len(base), len(target) - 1) and base[common] == target[common]:
        common += 1
    return quote("/".join([".."] * (len(base) - common) + target[common:]))


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
    shared: Mapping[str, RenderedBody],
) -> SitePlan:
    """Every file of the web edition, from the bodies ``check`` rendered once for every
    edition (``shared``): finished here with the site's links, images and tag tables."""
    planner = _Planner(atlas, indexes, env, context)
    article_links = SiteLinks(article_path("0.000000"), atlas.root)  # every article: depth 1
    finished = finish_articles(atlas.articles, shared, atlas, indexes, env, article_links)
    bodies = {
        number: replace(
            body,
            body=Markup(raise_headings(str(body.body))),
            stage_index=stage_index_html(
                env, indexes.articles[number], indexes, article_links, level=2
            ),
        )
        for number, body in finished.items()
    }
    files = planner._pages(bodies)
    files += [WebFile(p, source=s) for p, s in sorted(article_links.images.items())]
    return SitePlan(tuple(files))


class _Planner:
    def __init__(
        self, atlas: Atlas, indexes: Indexes, env: Environment, context: WebContext
    ) -> None:
        self._atlas = atlas
        self._indexes = indexes
        self._env = env
        self._context = context
        self._letters = keyword_letters(indexes, set(indexes.articles))
        self._when = dt.datetime.fromtimestamp(context.date, dt.UTC)

    def _render(self, template: str, path: str, **data: Any) -> WebFile:
        page = {
            "path": path,
            "root": relative(path, INDEX).removesuffix(INDEX) or "./",
            "canonical": public_url(self._atlas, path),
            "link": lambda to: relative(path, to),
        }
        if path == NOT_FOUND and self._atlas.url is not None:
            # A host shows this page at any missing address, however deep: its links start
            # from the site's own path on the host (/atlas/...), not from where it lies.
            base = urlsplit(self._atlas.url).path
            page |= {"root": base, "link": lambda to: base + quote(to)}
        html = self._env.get_template(f"site/{template}").render(
            atlas=self._atlas, page=page, site=self, **data
        )
        html = scrollable_tables(html)
        active = active_parts(html, redirect=template == "redirect.html.j2")
        if active:
            raise BuildError(
                f"{path}: the page would hold something active ({', '.join(active[:3])}); "
                "the web edition runs only its own two scripts: remove it from the template"
            )
        return WebFile(path, html.encode(), searchable=template == "article.html.j2")

    # -- what the templates may call (``site.``): the planner's own state is private, so
    # a template, whoever wrote it, reaches only these ---------------------------------

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
        return self._indexes.stages.get(number)

    def count(self, stage: int) -> int:
        return len(self._indexes.relating_to(stage))

    def print_page(self, article: Article) -> int | None:
        return self._context.pages.get(article.volume, {}).get(article.anchor)

    def download(self, volume: int | None, format: str) -> Download | None:
        return self._context.downloads.of(volume, format) if self._context.downloads else None

    def tag_label(self, tag: str) -> str:
        """A tag as readers see it, as in the books: 'Stage 6 essentials', 'Interrupt Driven'."""
        return self._indexes.tag_label(tag)

    def tagged_count(self, tag: str) -> int:
        return len(self._indexes.tagged(tag))

    def has_cover(self, volume: int) -> bool:
        return volume in self._context.covers

    @property
    def downloads(self) -> Downloads | None:
        return self._context.downloads

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(sorted(self._indexes.by_tag, key=str.casefold))

    @property
    def keywords(self) -> Any:
        return self._letters

    def json_ld(self, data: Mapping[str, Any]) -> Markup:
        """schema.org metadata, safe inside <script>: no '<' survives as itself."""
        text = json.dumps({"@context": "https://schema.org", **_present(data)}, ensure_ascii=False)
        return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))

    def filter_words(self, article: Article) -> Mapping[str, str]:
        """The data attributes the all-articles filter matches on."""
        from ..backmatter import sort_key

        return {
            "data-stages": " ".join(str(s) for s in article.stages),
            "data-tags": "|".join(article.tags),  # a tag may hold a space
            "data-keywords": "|".join(sort_key(k) for k in article.keywords),
        }

    # -- the pages ----------------------------------------------------------------------

    def _pages(self, bodies: Mapping[str, RenderedArticle]) -> list[WebFile]:
        atlas = self._atlas
        files = [
            self._render("home.html.j2", INDEX),
            self._render("articles.html.j2", f"articles/{INDEX}"),
            self._render("stages.html.j2", f"stage/{INDEX}"),
            self._render("tags.html.j2", f"tag/{INDEX}"),
            self._render("keywords.html.j2", f"keyword/{INDEX}"),
            self._render("search.html.j2", f"search/{INDEX}"),
            self._render("downloads.html.j2", f"downloads/{INDEX}"),
            self._render("404.html.j2", NOT_FOUND),
        ]
        for volume in atlas.volumes:
            files.append(self._render("volume.html.j2", volume_path(volume.number), volume=volume))
            for chapter in volume.chapters:
                files.append(
                    self._render(
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
                self._render(
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
        for letter in self._letters:
            for entry in letter.entries:
                files.append(
                    self._render("keyword.html.j2", keyword_path(entry.keyword), entry=entry)
                )
        files.append(WebFile(FEED, self._feed()))
        if atlas.url is not None:
            files.append(WebFile(SITEMAP, self._sitemap([f.path for f in files])))
        for number, png in sorted(self._context.covers.items()):
            files.append(WebFile(f"covers/volume-{number}.png", png))
        return files

    def _article(
        self, article: Article, rendered: RenderedArticle, neighbours: Neighbours
    ) -> WebFile:
        volume = self._atlas.volume(article.volume)
        chapter = self._indexes.chapters[article.chapter]
        section = next(s for s in chapter.sections if s.number == article.section)
        return self._render(
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
        return SiteLinks(path, self._atlas.root)

    def _stage(self, number: int) -> WebFile:
        """The stage index exactly as the books print it, then every article relating to it."""
        path = stage_path(number)
        stage = self._indexes.stages[number]
        described = self._indexes.articles.get(stage.article) if stage.article else None
        index = None
        if described is not None:
            index = stage_index_html(
                self._env, described, self._indexes, self._links_for(path), level=2
            )
        return self._render(
            "stage.html.j2",
            path,
            stage=stage,
            described=described,
            index=index,
            table=Markup(tag_table_html(self._env, stage.tag, self._indexes, self._links_for(path)))
            if index is None
            else None,
            related=self._indexes.relating_to(number),
        )

    def _tag(self, tag: str) -> WebFile:
        path = tag_path(tag)
        table = Markup(tag_table_html(self._env, tag, self._indexes, self._links_for(path)))
        stage = next((s for s in self._atlas.stages if s.tag == tag), None)
        return self._render("tag.html.j2", path, tag=tag, table=table, stage=stage)

    # -- feed and sitemap -------------------------------------------------------------

    def entry_id(self, article: Article) -> str:
        url = public_url(self._atlas, article_path(article.number))
        if url is not None:
            return url
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self._atlas.identifier}#{article.number}')}"

    def _dated(self) -> list[Article]:
        """The articles that carry a date, newest first (an undated article has no place in a
        feed by date: it is in the site, the sitemap and the lists)."""
        dated = [a for a in self._atlas.articles if a.date is not None]
        return sorted(dated, key=lambda a: (-(a.date.toordinal() if a.date else 0), a.number))

    def _feed(self) -> bytes:
        articles = self._dated()[:100]
        return (
            self._env.get_template("site/feed.xml.j2")
            .render(
                atlas=self._atlas,
                site=self,
                articles=articles,
                updated=_iso(self._updated(articles)),
                when=_iso_day,
                self_url=public_url(self._atlas, FEED),
                home=public_url(self._atlas, INDEX),
            )
            .encode()
        )

    def _updated(self, articles: Iterable[Article]) -> dt.datetime:
        dates = [a.date for a in articles if a.date is not None]
        if not dates:
            return self._when
        newest = max(dates)
        return dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)

    def _sitemap(self, paths: list[str]) -> bytes:
        modified: dict[str, str] = {}
        for article in self._atlas.articles:
            if article.date is not None:
                modified[article_path(article.number)] = article.date.isoformat()
        urls = [
            (public_url(self._atlas, p), modified.get(p))
            for p in sorted(paths)
            if p.endswith(INDEX) and not p.startswith("articles/") or p == f"articles/{INDEX}"
        ]
        return self._env.get_template("site/sitemap.xml.j2").render(urls=urls).encode()


_BODY_HEADING = re.compile(r"<(/?)h([3-6])(?=[\s>])")


def raise_headings(html: str) -> str:
    """A shared body's headings sit under an EPUB article's <h3> title ('##' is <h4>); on
    the site the article's title is the page's <h1>, so they move up two levels."""
    return _BODY_HEADING.sub(lambda m: f"<{m[1]}h{max(2, int(m[2]) - 2)}", html)


def scrollable_tables(html: str) -> str:
    """A table wider than a phone scrolls sideways inside its own box, which the keyboard can
    reach and a screen reader names (WCAG: a scrolling region must be focusable)."""
    html = re.sub(
        r"<table\b",
        '<div class="table-scroll" role="region" tabindex="0" aria-label="Table">\n<table',
        html,
    )
    return html.replace("</table>", "</table>\n</div>")


_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTRIBUTE = re.compile(r"""([^\s=/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_OWN_SCRIPT = re.compile(r"^(\.\./)*assets/(site|search)\.js$")
_ACTIVE = {"iframe", "object", "embed", "frame", "frameset", "base", "applet"}


def active_parts(html: str, redirect: bool = False) -> list[str]:
    """What in a finished page could run, beyond the edition's own: its two scripts, its
    JSON-LD, its search forms, and a redirect page's refresh to a page of the site.

    The last guard (bodies are sanitized and template overrides checked before): whatever a
    template does, nothing else that runs or reaches elsewhere gets into the site."""
    found = []
    for match in _TAG.finditer(html):
        name = match[1].lower()
        attributes = {
            a[1].lower(): (a[2] or "").strip("\"'") for a in _ATTRIBUTE.finditer(match[2])
        }
        if name in _ACTIVE:
            found.append(f"<{name}>")
        elif name == "script":
            src = attributes.get("src")
            if src is None and attributes.get("type") != "application/ld+json":
                found.append("<script>")
            elif src is not None and not _OWN_SCRIPT.match(src):
                found.append(f"<script src={src}>")
        elif name == "form" and not {"search-form", "filter"} & set(
            attributes.get("class", "").split()
        ):
            found.append("<form>")
        elif name == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            target = attributes.get("content", "").partition("url=")[2]
            if not redirect or ":" in target or target.startswith("/"):
                found.append("<meta http-equiv=refresh>")
        for attribute, value in attributes.items():
            if attribute.startswith("on"):
                found.append(f"{attribute}= on <{name}>")
            elif "".join(value.split()).lower().startswith(("javascript:", "vbscript:")):
                found.append(f"{attribute}={value[:30]} on <{name}>")
    return found


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
    """The site's stylesheet (a writer may override it in ``_templates/site/``), its two small
    scripts and its icon, which come from the project's templates only: content never adds
    code (an SVG can carry script)."""
    files = []
    for name in ASSETS:
        folders = search_path if name.endswith(".css") else search_path[-1:]
        source = next(f / "site" / name for f in folders if (f / "site" / name).is_file())
        files.append(WebFile(f"assets/{name}", source.read_bytes()))
    return files
