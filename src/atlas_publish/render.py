"""The Jinja environment of the editions: templates, filters, and the generated tables.

Templates are looked up first in the content's own ``_templates/`` folder, then in the
project's ``templates/``, so a writer can override a single template.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from html import unescape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .backmatter import run_text, runs
from .bodies import REFERENCE_PLACEHOLDER, image_placeholder
from .bodies import PlaceholderLinks as PlaceholderLinks  # re-exported: the editions' import
from .bodies import render_shared as render_shared
from .codes import Code
from .errors import BuildError, Diagnostics, SourceLocation
from .expressions import words_filter
from .indexes import Indexes
from .links import NBSP, Link, LinkStyle, article_target, find_target, suffix_after
from .markdown import BodyContext, RenderedBody, insert_tag_tables, render_body, typographic
from .model import Article, Atlas
from .template_files import PACKAGE_DIR as PACKAGE_DIR  # re-exported, as before
from .template_files import template_file as template_file
from .template_files import template_search_path as template_search_path
from .template_files import templates_dir as templates_dir


class _Template(Template):
    """A template whose failures name the template's ``path:line``, never a traceback."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        try:
            return super().render(*args, **kwargs)
        except (TemplateError, RecursionError, ValueError) as error:
            raise BuildError(
                f"{_template_line(error)}: error[{Code.E066}]: {_reason(error)}"
            ) from None


def _template_line(error: BaseException) -> str:
    """The innermost template frame of a rendering failure (Jinja maps its frames to the
    template's file and line)."""
    where = getattr(error, "filename", None), getattr(error, "lineno", None)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith((".j2", ".html", ".xhtml")):
            where = frame.filename, frame.lineno
    return str(SourceLocation(Path(where[0] or "template"), where[1]))


def _reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "the template includes itself without end: remove the loop"
    message = getattr(error, "message", None) or str(error)
    return f"the template failed ({message}): fix it, or remove the override"


def environment(atlas: Atlas) -> Environment:
    """Templates are content too (a writer may override any): they render in Jinja's
    immutable sandbox, with none of Jinja's default globals (``cycler``, ``joiner``,
    ``range``, ``lipsum``...), only the data each render call passes in.

    One environment per content tree, language and set of overrides in a process, so each
    template is compiled once per build (Jinja reloads a template whose file changed; a new
    override makes a new environment)."""
    overrides = atlas.root / "_templates"
    present = tuple(sorted(str(p) for p in overrides.rglob("*"))) if overrides.is_dir() else ()
    return _environment(atlas.root, atlas.language, present)


@functools.lru_cache(maxsize=8)
def _environment(root: Path, language: str, overrides: tuple[str, ...]) -> Environment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader([str(p) for p in template_search_path(root)]),
        autoescape=select_autoescape(["html", "xhtml", "j2", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Text from YAML (titles, summaries, names) gets the bodies' typographic quotes;
        # rendered HTML (Markup) is left as it is.
        finalize=lambda value: (
            typographic(value, language)
            if isinstance(value, str) and not isinstance(value, Markup)
            else value
        ),
    )
    env.globals.clear()
    env.template_class = _Template
    env.filters["words"] = words_filter(language)
    env.filters["page_runs"] = page_runs
    env.filters["hyphenation_lang"] = hyphenation_lang
    return env


def tag_table_html(env: Environment, tag: str, indexes: Indexes, links: LinkStyle) -> str:
    rows = [(a, _table_link(links.link(article_target(a)), a)) for a in indexes.tagged(tag)]
    return env.get_template("partials/tag_table.html.j2").render(
        tag=tag, label=indexes.tag_label(tag), rows=rows
    )


def _table_link(link: Link, article: Article) -> Link:
    """In a table the number has its own column: another volume's row reads '(Volume 4)', never '(Volume 4, article 4.020105)'."""
    label = f", {article_target(article).label.replace(' ', NBSP)})"
    if link.suffix.endswith(label):
        return replace(link, suffix=link.suffix.removesuffix(label) + ")")
    return link


def stage_index_html(
    env: Environment, article: Article, indexes: Indexes, links: LinkStyle, level: int = 4
) -> Markup | None:
    """The index appended to a stage's describing article, or None for other articles.

    ``level`` is its heading's level: the first level under the article's title, like the
    body's own headings."""
    stage = indexes.described_stage.get(article.number)
    if stage is None:
        return None
    related = indexes.relating_to(stage.number)
    tagged = indexes.tagged(stage.tag)
    html = env.get_template("partials/stage_index.html.j2").render(
        stage=stage,
        related=len(related),
        tagged=len(tagged),
        of_them={a.number for a in tagged} <= {a.number for a in related},
        label=indexes.tag_label(stage.tag),
        level=level,
        table=Markup(tag_table_html(env, stage.tag, indexes, links)),
    )
    return Markup(html)


@dataclass(frozen=True, slots=True)
class RenderedArticle:
    body: Markup
    stage_index: Markup | None
    images: tuple[Path, ...]


def render_articles(
    articles: Iterable[Article],
    atlas: Atlas,
    indexes: Indexes,
    env: Environment,
    links: LinkStyle,
    diagnostics: Diagnostics,
    *,
    footnotes_inline: bool = False,
    heading_offset: int = 2,
) -> dict[str, RenderedArticle]:
    """Every article's body as HTML for one edition, with the stage index where one belongs."""
    context = BodyContext(
        indexes=indexes,
        language=atlas.language,
        links=links,
        tag_table=lambda tag: tag_table_html(env, tag, indexes, links),
        footnotes_inline=footnotes_inline,
        heading_offset=heading_offset,
    )
    rendered = {}
    for article in articles:
        body = render_body(article, context, diagnostics)
        if body is not None:
            rendered[article.number] = RenderedArticle(
                body=Markup(body.html),
                stage_index=stage_index_html(
                    env, article, indexes, links, level=min(heading_offset + 2, 6)
                ),
                images=body.images,
            )
    return rendered


# -- bodies rendered once (bodies.py), finished per edition ----------------------------------

TAG = re.compile(r"<[^>]+>")
PLACED_LINK = re.compile(
    r'<a href="' + REFERENCE_PLACEHOLDER + r'(article|chapter|volume):([^"]*)" class="xref">'
    r"(.*?)</a>",
    re.S,
)


def finish_articles(
    articles: Iterable[Article],
    shared: Mapping[str, RenderedBody],
    atlas: Atlas,
    indexes: Indexes,
    env: Environment,
    links: LinkStyle,
) -> dict[str, RenderedArticle]:
    """The shared bodies with this edition's links, images and tag tables (as
    ``render_articles`` with the default Markdown options would give them)."""

    def finish_link(match: re.Match[str]) -> str:
        target = find_target(match[1], match[2], indexes)
        if target is None:  # not a placeholder of ours: a writer's own link, kept as written
            return match[0]
        link = links.link(target)
        inner = match[3]
        # As markdown.py does: the suffix less what the link's own text already says.
        said = suffix_after(unescape(TAG.sub("", inner)), target, link.suffix)
        if link.href is not None:
            inner = f'<a href="{escape(link.href)}" class="{escape(link.classes)}">{inner}</a>'
        return inner + str(escape(said)).replace(NBSP, "&nbsp;")  # as the sanitizer writes it

    finished = {}
    for article in articles:
        body = shared[article.number]
        html = PLACED_LINK.sub(finish_link, body.html)
        for image in body.images:
            html = html.replace(image_placeholder(image), str(escape(links.image_src(image))))
        html = insert_tag_tables(
            html, body.tag_tables, lambda tag: tag_table_html(env, tag, indexes, links)
        )
        finished[article.number] = RenderedArticle(
            body=Markup(html),
            stage_index=stage_index_html(env, article, indexes, links),
            images=body.images,
        )
    return finished


def copyright_line(atlas: Atlas, when: dt.datetime | None) -> str:
    """atlas.yaml's rights with the copyright sign ('Copyright © 2026 Jane Example. All rights
    reserved.') in typographic quotes, or one made from the edition's year and the author."""
    rights = atlas.rights or f"Copyright {when.year if when else ''} {atlas.author}.".replace(
        "  ", " "
    )
    if "©" not in rights:
        if rights.lower().startswith("copyright "):
            rights = f"{rights[:9]} ©{rights[9:]}"
        else:
            rights = f"© {rights}"
    return typographic(rights, atlas.language)


def hyphenation_lang(language: str) -> str:
    """The language of a print document, for its hyphenation patterns: plain English is US
    English (pyphen's 'en' would be British: 'art-icle', 'behavi-or'); en-GB stays British."""
    return "en-US" if language.lower() == "en" else language


def page_runs(pages: Iterable[int]) -> str:
    """Collapse page numbers into runs: [12, 15, 16, 17] -> '12, 15–17'."""
    return ", ".join(run_text(first, last) for first, last in runs(pages))
