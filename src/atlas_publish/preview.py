"""``atlas-publish preview V.CC``: one chapter as PDF and HTML in a couple of seconds.

Only the chapter is rendered: the tree is loaded and validated (every file's front matter, so
a broken tree still says so), the chapter's bodies are rendered, and WeasyPrint lays out just
that chapter. References inside the chapter keep their page; references elsewhere are named
by volume and article, since their pages are not laid out. Folios start at 1 at the chapter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .cache import Manifest
from .codes import Code
from .editions.print import print_stylesheet
from .editions.print_parts import write_chapter_pdf
from .errors import ContentError, Diagnostic, Diagnostics, SourceLocation
from .memory import seldom_collected
from .model import Atlas, Chapter
from .outputs import atomic_write_bytes, check_out_folder
from .pipeline import load  # the model without rendering every body (check does that)
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
    with seldom_collected():
        return _preview_chapter(content, out, number, strict)


def _preview_chapter(content: Path, out: Path, number: str, strict: bool) -> Preview:
    started = time.perf_counter()
    check_out_folder(content, out)
    atlas, indexes = load(content, strict)
    chapter = find_chapter(atlas, number)
    folder = out / "preview"
    diagnostics = Diagnostics(strict=strict)
    links = ChapterLinks(chapter)
    html = render_chapter_page(atlas, indexes, chapter, "print", links, diagnostics)
    stylesheet = print_stylesheet(atlas)
    diagnostics.gate()
    assert html is not None
    pdf = folder / f"chapter-{number}.pdf"
    previous = Manifest.load(out).outputs.get(f"pdf/volume-{chapter.volume}.pdf")
    pages = write_chapter_pdf(
        atlas, indexes, chapter, links, pdf, previous.folios if previous else {}
    )
    page = html.replace(
        "</head>", f'<link rel="stylesheet" href="{stylesheet.as_uri()}">\n</head>', 1
    )
    target = folder / f"chapter-{number}.html"
    atomic_write_bytes(target, page.encode())
    return Preview(pdf, target, pages, time.perf_counter() - started)
