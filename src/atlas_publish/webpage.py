"""One chapter as an HTML page, in the print or the EPUB edition's markup and stylesheet.

Shared by ``preview`` (a file beside the chapter's PDF) and ``serve`` (pages in a browser).
The page is the edition's own template, so what the browser shows is what the book prints:
the print volume template with only this chapter in it, or the EPUB chapter document. The
caller adds what only it needs (stylesheet links, a navigation bar, the reload script).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from markupsafe import Markup, escape

from . import pagebreaks
from .editions.epub import PageMarks
from .errors import Diagnostic, Diagnostics
from .indexes import Indexes
from .links import Link, LinkStyle, Target, other_volume_suffix
from .model import Atlas, Chapter
from .render import environment, render_articles

Style = Literal["print", "epub"]
STYLES: tuple[Style, ...] = ("print", "epub")
STYLESHEETS: Mapping[Style, str] = {"print": "print/print.css", "epub": "epub/epub.css"}

# Only on screens: a readable column; the print sheet's page furniture means nothing here.
SCREEN_CSS = """<style>
@media screen {
  body { max-width: 40em; margin: 0 auto; padding: 0 1.2em 4em; }
  .atlas-bar { font: 14px/1.4 sans-serif; padding: 0.6em 0; border-bottom: 1px solid #ccc;
               margin-bottom: 1.5em; display: flex; gap: 1em; flex-wrap: wrap; }
  .atlas-bar a { text-decoration: underline; }
  .half-title, .title-page, .copyright-page { display: none; }
  .atlas-errors { font: 14px/1.5 monospace; background: #fff0f0; border: 1px solid #c00;
                  padding: 0.8em 1em; white-space: pre-wrap; }
}
</style>"""


@dataclass(slots=True)
class ChapterLinks:
    """Links of a one-chapter page: inside the chapter they work; outside, ``outside`` decides.

    With ``outside`` None (the preview) targets elsewhere are named by volume and article,
    so a preview never claims a page it does not know.
    """

    chapter: Chapter
    image_root: Path | None = None  # None: file URIs; else images as URLs under /content/
    outside: str | None = None  # e.g. "/chapter/{chapter}#{anchor}" in the server
    in_chapter_page: bool = True

    def link(self, target: Target) -> Link:
        if self._inside(target):
            paged = target.kind != "volume" and self.in_chapter_page
            return Link(f"#{target.anchor}", classes="xref xref-page" if paged else "xref")
        if self.outside is not None:
            chapter = target.number[:4] if target.kind != "volume" else ""
            href = self.outside.format(chapter=chapter, anchor=target.anchor)
            if target.kind == "volume":
                href = f"/#{target.anchor}"
            return Link(href)
        return Link(None, other_volume_suffix(target))

    def _inside(self, target: Target) -> bool:
        if target.kind == "volume":
            return False
        return target.number[:4] == self.chapter.number

    def image_src(self, path: Path) -> str:
        if self.image_root is None:
            return path.resolve().as_uri()
        return "/content/" + path.relative_to(self.image_root).as_posix()


def render_chapter_page(
    atlas: Atlas,
    indexes: Indexes,
    chapter: Chapter,
    style: Style,
    links: LinkStyle,
    diagnostics: Diagnostics,
    *,
    head: str = "",
    top: str = "",
) -> str | None:
    """The chapter as a complete HTML page; None (and ``diagnostics``) when a body fails."""
    env = environment(atlas)
    print_style = style == "print"
    bodies = render_articles(
        chapter.articles,
        atlas,
        indexes,
        env,
        links,
        diagnostics,
        heading_offset=3 if print_style else 2,
    )
    if diagnostics.errors:
        return None
    volume = atlas.volume(chapter.volume)
    if print_style:
        from .editions.print import volume_page

        alone = dataclasses.replace(volume, chapters=(chapter,))
        subject = f"Chapter {chapter.number}: {chapter.title}"
        html = volume_page(env, atlas, alone, bodies, subject, None)
    else:
        html = env.get_template("epub/chapter.xhtml.j2").render(
            atlas=atlas,
            chapter=chapter,
            bodies=bodies,
            marks=PageMarks(volume, {}),  # a screen has no print pages to mark
            stage_part=pagebreaks.STAGE_INDEX,
        )
        html = re.sub(r"^<\?xml[^>]*>\s*", "", html)  # an HTML page, not an XML document
    return add_to_page(html, head=head + SCREEN_CSS, top=top)


def add_to_page(html: str, *, head: str = "", top: str = "") -> str:
    """Put ``head`` at the end of <head> and ``top`` at the start of <body>."""
    html = html.replace("</head>", head + "\n</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + top, html, count=1)


def error_page(title: str, problems: list[Diagnostic], *, head: str = "") -> str:
    """The problems as ``path:line: error[CODE]: message`` lines, in a page of their own."""
    lines = "\n".join(str(p) for p in problems)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
        f"{escape(title)}</title>{Markup(SCREEN_CSS)}{Markup(head)}</head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<pre class="atlas-errors">{escape(lines)}</pre>'
        "<p>Save the file again to see the page.</p></body></html>"
    )
