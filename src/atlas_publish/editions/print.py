"""The print edition's plan: a volume as HTML parts, with their stylesheets, before layout.

``plan_parts`` plans a volume: every body rendered for print once, then the HTML of its parts
from ``templates/print/volume.html.j2`` (``part``): the front matter (half title, title page,
copyright page, contents) and one document per chapter; the back matter's HTML needs the
chapters' folios, so it is planned once they are known. ``editions/print_parts.py`` lays the
parts out, holds, writes and joins them. ``print_volume`` plans a volume as one document (a
chapter's preview, the golden file, the benchmark's single-document yardsticks);
``PrintLinks`` is how a print volume links: inside it, to a page; elsewhere, by name.

**Page numbers are text, checked after layout.** The contents and the cross-references print
their target's page. WeasyPrint's ``target-counter()`` cannot know a forward target's page on
its first pass; when it learns it, the number's width changes its line, the page breaks move and
every following page is laid out again, round after round (3.6 layouts per page on a 167-page
volume). Instead, each link carries its number as text (``data-page``, printed by print.css in
tabular figures, so a number's width depends only on its count of digits). A link to another
part is written ``atlas-dest:ANCHOR`` and made a link to that named destination by the join.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from jinja2 import Environment

from ..context import BuildContext
from ..errors import BuildError, Diagnostics
from ..hyphenation import hyphenated
from ..indexes import Indexes
from ..links import Link, LinkStyle, Target, other_volume_suffix
from ..model import Atlas, Chapter, Volume
from ..proof.faults import Fault
from ..render import (
    RenderedArticle,
    copyright_line,
    environment,
    hyphenation_lang,
    render_articles,
    template_file,
)
from ..writers.backmatter_pdf import (
    BACK_MATTER_PARTS,
    backmatter_stylesheet,
    has_back_matter,
)
from ..writers.pdf import Stylesheet
from .epub import volume_identifier


@dataclass(frozen=True, slots=True)
class PrintVolume:
    """A print volume before layout: its HTML and its stylesheets, in cascade order."""

    volume: Volume
    html: str
    stylesheets: tuple[Stylesheet, ...]


@dataclass(frozen=True, slots=True)
class PageLayout:
    """Where a laid-out volume's pages fell."""

    page_count: int  # every page of the PDF, front and back matter included
    folios: Mapping[str, int]  # chapter or article anchor -> folio of the page it starts on
    page_starts: Mapping[str, int]  # pagebreaks' encoded entries: where each printed page begins
    passes: int  # how many times the volume's body was laid out
    pages_laid_out: int  # pages laid out in all, back matter included

    def page_map(self) -> dict[str, int]:
        """The map the build cache keeps and the EPUB writer reads (see pagebreaks.py)."""
        return dict(self.folios) | dict(self.page_starts)


@dataclass(frozen=True, slots=True)
class PdfJob:
    atlas: Atlas
    volume: int
    target: Path
    context: BuildContext = BuildContext()
    # anchor -> folio of the volume's last layout (the build cache): the first guess
    previous: Mapping[str, int] = field(default_factory=dict)
    print_ready: Path | None = None  # also write the printer's PDF/X-4 here
    parts: Path | None = None  # the parts' cache (OUT/.cache/parts); None: a temporary folder
    common: str = ""  # the build's shared key (code, templates, fonts, atlas.yaml, options)


@dataclass(frozen=True, slots=True)
class PdfResult:
    volume: int
    path: Path
    page_count: int
    folios: dict[str, int]  # layout.page_map(): what the build cache keeps
    seconds: float
    layout: PageLayout
    proof: tuple[Fault, ...] = ()  # the proof gate's faults (--lenient: not raised)
    notes: tuple[str, ...] = ()  # what the build summary tells the writer
    proof_seconds: float = 0.0  # what the gate took, of ``seconds``


@dataclass(slots=True)
class PrintLinks:
    """Links in a print volume: inside it, clickable with the page; elsewhere, named.

    Another volume is named with the article, never with a page: each volume is then laid out
    on its own, and an edit that moves pages in one volume rebuilds no other (README)."""

    volume: int
    content_root: Path

    def link(self, target: Target) -> Link:
        if target.volume == self.volume:
            paged = target.kind != "volume"
            return Link(f"#{target.anchor}", classes="xref xref-page" if paged else "xref")
        return Link(None, other_volume_suffix(target))

    def image_src(self, path: Path) -> str:
        return path.relative_to(self.content_root).as_posix()


# The text block's width: about 65 characters of the 11 pt text face a line (Bringhurst's
# 45-75, a book's 60-70), whatever the trim size.
MEASURE_PT = 272.0
NAMED_SIZES_PT = {"a4": 595.28, "a5": 419.53, "letter": 612.0, "legal": 612.0}
UNITS_PT = {"in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "pt": 1.0, "pc": 12.0, "px": 0.75}


def page_width_pt(size: str) -> float:
    """The trim width of a CSS page size ('6in 9in', 'A4', 'letter')."""
    named = NAMED_SIZES_PT.get(size.strip().lower())
    if named is not None:
        return named
    match = re.match(r"\s*([\d.]+)\s*([a-z]+)", size)
    if match is None or match.group(2) not in UNITS_PT:
        return 432.0
    return float(match.group(1)) * UNITS_PT[match.group(2)]


def printed(volume: Volume) -> Volume:
    """The volume as printed: a chapter with no articles yet is left out (the EPUB keeps it)."""
    return replace(volume, chapters=tuple(c for c in volume.chapters if c.articles))


def page_css(atlas: Atlas) -> str:
    """The page size, bleed and marks from atlas.yaml, and margins for the measure.

    The white left beside the text block is shared 3 : 4 between the inner margin (at least
    0.75 in, for the binding) and the outer one; the foot is larger than the head."""
    rules = [f"size: {atlas.print.size};"]
    if atlas.print.bleed:
        rules.append(f"bleed: {atlas.print.bleed};")
    if atlas.print.marks:
        rules.append(f"marks: {atlas.print.marks};")
    white = max(page_width_pt(atlas.print.size) - MEASURE_PT, 108.0)
    inner = max(54.0, white * 3 / 7)
    outer = white - inner
    head, foot = inner * 0.9, outer * 0.9
    rules.append(f"margin: {head:.1f}pt {outer:.1f}pt {foot:.1f}pt {inner:.1f}pt;")
    left = f"@page :left {{ margin-left: {outer:.1f}pt; margin-right: {inner:.1f}pt; }}"
    return "@page { " + " ".join(rules) + " } " + left


def print_stylesheet(atlas: Atlas) -> Path:
    """print.css, or the writer's own in ``content/_templates/print/``."""
    return template_file(atlas.root, "print/print.css")


def stylesheets(atlas: Atlas) -> tuple[Stylesheet, ...]:
    return (Stylesheet(text=page_css(atlas)), Stylesheet(path=print_stylesheet(atlas)))


def back_matter_stylesheets(atlas: Atlas, continuation: str) -> tuple[Stylesheet, ...]:
    """The back matter's: the volume's, backmatter.css, and how it continues the volume."""
    return (
        *stylesheets(atlas),
        Stylesheet(path=backmatter_stylesheet(atlas)),
        Stylesheet(text=continuation),
    )


# The complete edition's index: a document of its own, after the joined volumes.
COMPLETE_INDEX_CSS = "html { break-before: right; } .bm-start { display: none; }"


def print_volume(
    atlas: Atlas,
    indexes: Indexes,
    volume: Volume,
    links: LinkStyle,
    context: BuildContext,
    subject: str | None = None,
    with_back_matter: bool = True,
) -> PrintVolume:
    """The volume's HTML (every body rendered for print) and its stylesheets; its contents
    list the back matter laid out after it (``with_back_matter`` and there is some). The build
    lays a volume out as parts (``plan_parts``); this whole HTML is the golden file's, and the
    bench's single-document comparison."""
    env = environment(atlas)
    bodies = print_bodies(atlas, indexes, volume, links, env)
    subject = subject or f"Volume {volume.number}: {volume.title}"
    back = BACK_MATTER_PARTS if with_back_matter and has_back_matter(indexes, volume) else ()
    html = volume_page(env, atlas, volume, bodies, subject, context.created, back)
    return PrintVolume(volume, html, stylesheets(atlas))


def print_bodies(
    atlas: Atlas, indexes: Indexes, volume: Volume, links: LinkStyle, env: Environment
) -> dict[str, RenderedArticle]:
    """Every article body of the volume rendered for print: notes at their call, headings one
    level lower than the EPUB's."""
    # check() refused what must be left out unless the build is --lenient: leave it out.
    diagnostics = Diagnostics(lenient=True)
    bodies = render_articles(
        volume.articles,
        atlas,
        indexes,
        env,
        links,
        diagnostics,
        footnotes_inline=True,
        heading_offset=3,
    )
    if diagnostics.errors:  # the pipeline checked the content first; this is a bug
        raise BuildError("\n".join(str(d) for d in diagnostics.errors))
    return bodies


def volume_page(
    env: Environment,
    atlas: Atlas,
    volume: Volume,
    bodies: Mapping[str, RenderedArticle],
    subject: str,
    created: int | None,
    back_matter: Sequence[tuple[str, str]] = (),
    part: str | Chapter | None = None,
) -> str:
    """``templates/print/volume.html.j2`` over rendered bodies: the print volume's HTML (and the
    print-styled chapter page the server and the preview show); with ``part``, only that part
    of it: "front" (half title to contents) or a chapter."""
    when = dt.datetime.fromtimestamp(created, dt.UTC) if created is not None else None
    html = env.get_template("print/volume.html.j2").render(
        atlas=atlas,
        volume=volume,
        bodies=bodies,
        subject=subject,
        keywords=sorted({k for a in volume.articles for k in a.keywords}),
        created=when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None,
        edition_date=when.strftime("%B %Y") if when else None,
        rights=copyright_line(atlas, when),
        identifier=volume_identifier(atlas, replace(volume, isbn=None)),
        back_matter=back_matter,  # (anchor, title) of each part, for the contents
        part=part,
    )
    return short_tables(hyphenated(html, hyphenation_lang(atlas.language)))


TABLE = re.compile(r"<table(?P<attributes>[^>]*)>(?P<inside>.*?)</table>", re.S)
SHORT_TABLE = 8  # body rows: a table this short is kept on one page
SHORT_TAG_TABLE = 3


def short_tables(html: str) -> str:
    """Mark tables of up to SHORT_TABLE body rows (print.css keeps them whole)."""

    def mark(match: re.Match[str]) -> str:
        body = match["inside"].split("</thead>")[-1]
        # a tag table's rows (title and summary in narrow columns) are tall
        most = SHORT_TAG_TABLE if "tag-table" in match["attributes"] else SHORT_TABLE
        if body.count("<tr") > most:
            return match[0]
        attributes = match["attributes"]
        if 'class="' in attributes:
            attributes = attributes.replace('class="', 'class="short ', 1)
        else:
            attributes += ' class="short"'
        return f"<table{attributes}>{match['inside']}</table>"

    return TABLE.sub(mark, html)


def chapter_volume(
    atlas: Atlas, indexes: Indexes, chapter: Chapter, links: LinkStyle
) -> PrintVolume:
    """One chapter set as its volume would be (the preview), its folios starting at 1."""
    volume = replace(atlas.volume(chapter.volume), chapters=(chapter,))
    subject = f"Chapter {chapter.number}: {chapter.title}"
    context = BuildContext(pdf_variant=None)
    return print_volume(atlas, indexes, volume, links, context, subject, with_back_matter=False)


@dataclass(frozen=True, slots=True)
class PrintPart:
    """One document of a print volume: laid out, written and cached on its own (see the
    module's doc). The back matter's HTML needs the chapters' folios: it is planned last."""

    name: str  # "front", "chapter 1.03", "back"
    volume: Volume  # what it sets: the volume (front and back matter), or one chapter of it
    html: str
    notes: int = 0  # the footnotes it calls: the next chapter's footnote counter starts after


@dataclass(frozen=True, slots=True)
class PlannedVolume:
    volume: Volume  # as printed (chapters without articles left out)
    front: PrintPart
    chapters: tuple[PrintPart, ...]
    back_matter: bool  # whether it ends with back matter (its HTML needs the folios)


FOOTNOTE = re.compile(r'class="(?:[^"]*\s)?footnote(?:\s[^"]*)?"')


def plan_parts(
    atlas: Atlas, indexes: Indexes, volume: Volume, context: BuildContext
) -> PlannedVolume:
    """The volume's parts: every body rendered for print once, then the front matter's HTML and
    each chapter's, from the same template (``part``)."""
    env = environment(atlas)
    bodies = print_bodies(atlas, indexes, volume, PrintLinks(volume.number, atlas.root), env)
    subject = f"Volume {volume.number}: {volume.title}"
    back = has_back_matter(indexes, volume)
    listed = BACK_MATTER_PARTS if back else ()

    def page(part: str | Chapter) -> str:
        return volume_page(env, atlas, volume, bodies, subject, context.created, listed, part)

    chapters = []
    for chapter in volume.chapters:
        html = page(chapter)
        _only_its_part(html, volume, chapter)
        alone = replace(volume, chapters=(chapter,))
        chapters.append(
            PrintPart(f"chapter {chapter.number}", alone, html, len(FOOTNOTE.findall(html)))
        )
    front = page("front")
    _only_its_part(front, volume, None)
    return PlannedVolume(volume, PrintPart("front", volume, front), tuple(chapters), back)


def _only_its_part(html: str, volume: Volume, chapter: Chapter | None) -> None:
    """A part prints its own chapter (or, the front matter, none): a writer's own
    ``volume.html.j2`` that ignores ``part`` would print every chapter in every part."""
    printed = [c for c in volume.chapters if f'id="{c.anchor}"' in html]
    expected = [chapter] if chapter is not None else []
    if printed == expected:
        return
    name = f"the part of chapter {chapter.number}" if chapter else "the front matter's part"
    found = ", ".join(c.number for c in printed) or "no chapter"
    raise BuildError(
        f"volume {volume.number}: print/volume.html.j2 printed {found} in {name}: a volume "
        "is laid out one part at a time, so the template prints only the part it is given "
        '(`part`: "front" or one chapter); see the project\'s templates/print/volume.html.j2'
    )


def part_css(first_folio: int, notes_before: int) -> str:
    """How a chapter continues the volume: its folios from ``first_folio``, the running head's
    volume title (the title page sets it), and the footnote counter after the ``notes_before``
    of the chapters before it (for a stylesheet that numbers notes with ``counter(footnote)``
    through the volume; print.css prints each note's number in its article)."""
    return (
        f"@page :first {{ counter-reset: page {first_folio}; }} "
        f"html {{ counter-reset: footnote {notes_before}; }} "
        "main.body { string-set: volume attr(data-volume); }"
    )


HREF = re.compile(r'href="#([^"]+)"')
ID = re.compile(r'\sid="([^"]+)"')


def outside_anchors(html: str, numbered: Mapping[str, object]) -> list[str]:
    """The anchors of ``numbered`` that the part's links name and the part does not hold."""
    own = set(ID.findall(html))
    return sorted({a for a in HREF.findall(html) if a in numbered and a not in own})
