"""``atlas-publish preview V.CC``: one chapter as PDF and HTML in a couple of seconds.

Only the chapter is rendered: the tree is loaded and validated (every file's front matter, so
a broken tree still says so), the chapter's bodies are rendered, and WeasyPrint lays out just
that chapter. References inside the chapter keep their page; references elsewhere are named
by volume and article, since their pages are not laid out. Folios start at 1 at the chapter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from .codes import Code
from .errors import BuildError, ContentError, Diagnostic, Diagnostics, SourceLocation
from .fetcher import RestrictedFetcher
from .indexes import Indexes
from .model import Atlas, Chapter
from .outputs import atomic_path, atomic_write_bytes, check_out_folder
from .pipeline import load  # the model without rendering every body (check does that)
from .render import template_file, templates_dir
from .webpage import ChapterLinks, render_chapter_page


@dataclass(frozen=True, slots=True)
class Preview:
    pdf: Path
    html: Path
    pages: int
    seconds: float


def find_chapter(atlas: Atlas, number: str) -> Chapter:
    """The chapter ``number``; ContentError when the tree has none (E026, a usage error: exit
    2, like a malformed number) or when it has no articles yet (E027, the content's state)."""
    chapter = next((c for c in atlas.chapters if c.number == number), None)
    if chapter is None:
        known = ", ".join(c.number for c in atlas.chapters)
        raise ContentError(
            [
                Diagnostic(
                    Code.E026,
                    f"there is no chapter {number} (chapters: {known})",
                    SourceLocation(atlas.root),
                )
            ]
        )
    if not chapter.articles:
        raise ContentError(
            [
                Diagnostic(
                    Code.E027,
                    f"chapter {number} has no articles yet: nothing to preview; add one, "
                    "or preview another chapter",
                    SourceLocation(chapter.path / "chapter.yaml"),
                )
            ]
        )
    return chapter


def preview_chapter(content: Path, out: Path, number: str, strict: bool = False) -> Preview:
    """Write ``out/preview/chapter-V.CC.pdf`` and ``.html``; raise ContentError on bad content.

    ``strict``: warnings (in the tree's files and the chapter's bodies) stop it as errors.
    """
    started = time.perf_counter()
    check_out_folder(content, out)
    atlas, indexes = load(content, strict)
    chapter = find_chapter(atlas, number)
    folder = out / "preview"
    diagnostics = Diagnostics(strict=strict)
    links = ChapterLinks(chapter)
    html = render_chapter_page(atlas, indexes, chapter, "print", links, diagnostics)
    sheet = template_file(atlas.root, "print/print.css")
    diagnostics.gate()
    assert html is not None
    pdf = folder / f"chapter-{number}.pdf"
    pages = _write_pdf(atlas, chapter, indexes, pdf)
    page = html.replace("</head>", f'<link rel="stylesheet" href="{sheet.as_uri()}">\n</head>', 1)
    target = folder / f"chapter-{number}.html"
    atomic_write_bytes(target, page.encode())
    return Preview(pdf, target, pages, time.perf_counter() - started)


def _write_pdf(atlas: Atlas, chapter: Chapter, indexes: Indexes, target: Path) -> int:
    """The chapter laid out as the print edition does (untagged: a preview is for the eye)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from .writers.pdf import page_css, stylesheet, volume_html

    volume = replace(atlas.volume(chapter.volume), chapters=(chapter,))
    html = volume_html(atlas, volume, indexes, ChapterLinks(chapter), None)
    fetcher = RestrictedFetcher([atlas.root, templates_dir()])
    fonts = FontConfiguration()
    stylesheets = [
        weasyprint.CSS(string=page_css(atlas), font_config=fonts, url_fetcher=fetcher),
        weasyprint.CSS(filename=str(stylesheet(atlas)), font_config=fonts, url_fetcher=fetcher),
    ]
    document = weasyprint.HTML(
        string=html, base_url=str(atlas.root) + "/", url_fetcher=fetcher
    ).render(font_config=fonts, stylesheets=stylesheets)
    if fetcher.refused:
        raise BuildError(f"refused to fetch {', '.join(sorted(set(fetcher.refused)))}")
    with atomic_path(target) as temporary:
        document.write_pdf(temporary)
    return len(document.pages)
