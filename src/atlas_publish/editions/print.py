"""The print edition: a volume's HTML and stylesheets, laid out so every page is set once.

``print_volume`` plans a volume (the HTML of ``templates/print/volume.html.j2`` with the bodies
rendered for print, and its stylesheets); ``render_volume_pdf`` lays it out with WeasyPrint
(``writers/pdf.py``), appends the back matter and writes one PDF/UA document.

**Page numbers are text, checked after layout.** The contents and the cross-references print
their target's page. WeasyPrint's ``target-counter()`` cannot know a forward target's page on
its first pass; when it learns it, the number's width changes its line, the page breaks move and
every following page is laid out again, round after round (3.6 layouts per page on a 167-page
volume). Instead, each link carries its number as text (``data-page``, printed by print.css in
tabular figures, so a number's width depends only on its count of digits). The first guess is
the previous build's folios (the cache), or an estimate from the text's length on a first
build. After layout, every printed number is compared with its target's folio in that layout.
A wrong number as wide as the true one is corrected in the laid-out line (``Layout.renumber``):
nothing moves, so the check then holds. Only a number of another width (9 against 10) makes the
volume be laid out again, with the numbers just found, which then have their final widths: one
layout of each page after an edit, one or two on a first build. Should numbers still not settle
(a number gaining a digit pushes its own target onto the next page, back and forth), they are
padded to one width with figure spaces, which no number change can move.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment

from .. import pagebreaks
from ..context import BuildContext
from ..errors import BuildError, Diagnostics
from ..hyphenation import hyphenated
from ..indexes import Indexes, build_indexes
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
    templates_dir,
)
from ..resources import unreported_refusals
from ..writers.backmatter_pdf import (
    BACK_MATTER_PARTS,
    backmatter_stylesheet,
    continuation_css,
    has_back_matter,
    volume_back_matter,
)
from ..writers.pdf import Layout, Parsed, Stylesheet, Typesetter, normal
from .epub import volume_identifier

# Plain layouts before the numbers are padded to one width; padded ones after that. A volume
# needs two when the first guess is off, rarely three (a number near a page's foot).
PLAIN_PASSES = 3
PADDED_PASSES = 2
FIGURE_SPACE = "\u2007"  # as wide as a digit in tabular figures


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
    list the back matter laid out after it (``with_back_matter`` and there is some)."""
    env = environment(atlas)
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
    subject = subject or f"Volume {volume.number}: {volume.title}"
    back = BACK_MATTER_PARTS if with_back_matter and has_back_matter(indexes, volume) else ()
    html = volume_page(env, atlas, volume, bodies, subject, context.created, back)
    return PrintVolume(volume, html, stylesheets(atlas))


def volume_page(
    env: Environment,
    atlas: Atlas,
    volume: Volume,
    bodies: Mapping[str, RenderedArticle],
    subject: str,
    created: int | None,
    back_matter: Sequence[tuple[str, str]] = (),
) -> str:
    """``templates/print/volume.html.j2`` over rendered bodies: the print volume's HTML (and the
    print-styled chapter page the server and the preview show)."""
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


def anchors(volume: Volume) -> list[str]:
    """The anchors a print volume numbers, in reading order: its chapters and articles."""
    return [anchor for kind, anchor in pagebreaks.items(volume) if kind in ("chapter", "article")]


# A first build has no previous layout: the folios are estimated from the text's length.
# Measured on the 700-article sample (6 x 9 in, print.css): about 1,600 characters of Markdown
# per page, and an article's header, summary and abstract take about a fifth of a page.
CHARACTERS_PER_PAGE = 1600
ARTICLE_HEAD = 0.2


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


def folios_of(layout: Layout, volume: Volume) -> dict[str, int]:
    """Where each chapter and article starts in ``layout``, as the folio printed on that page
    (folio 1 is the first chapter's opener)."""
    where = layout.anchor_pages()
    first = where.get(volume.chapters[0].anchor) if volume.chapters else None
    if first is None:
        return {}
    return {anchor: where[anchor] - first + 1 for anchor in anchors(volume) if anchor in where}


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
    typesetter: Typesetter, planned: PrintVolume, guess: Mapping[str, int]
) -> Numbered:
    """Lay ``planned`` out until every printed page number is its target's folio."""
    parsed: Parsed = typesetter.parse(planned.html)
    numbers = number_texts(guess)
    laid_out = 0
    for attempt in range(1, PLAIN_PASSES + PADDED_PASSES + 1):
        layout = typesetter.lay_out(parsed, planned.stylesheets, numbers)
        laid_out += layout.page_count
        folios = folios_of(layout, planned.volume)
        wrong = wrong_numbers(layout, folios)
        if not wrong:
            return Numbered(layout, folios, attempt, laid_out)
        # Wrong numbers as wide as the true ones are corrected in place: no line moves.
        corrected = layout.renumber(number_texts({a: folios[a] for a in wrong}))
        if corrected and not wrong_numbers(layout, folios):
            return Numbered(layout, folios, attempt, laid_out)
        del layout  # free this layout's pages before the next is made
        width = len(str(max(folios.values(), default=1))) if attempt >= PLAIN_PASSES else 0
        numbers = number_texts(folios, width)
    shown = ", ".join(f"{a}: printed {p}, is {t}" for a, (p, t) in sorted(wrong.items())[:5])
    raise BuildError(
        f"volume {planned.volume.number}: page numbers did not settle after "
        f"{PLAIN_PASSES + PADDED_PASSES} layouts ({shown}); report this with the content"
    )


def render_volume_pdf(job: PdfJob) -> PdfResult:
    """Lay out one volume and its back matter, write ``job.target``; raise BuildError when
    anything is missing."""
    started = time.perf_counter()
    atlas = job.atlas
    whole = atlas.volume(job.volume)
    volume = printed(whole)
    notes = tuple(
        f"chapter {c.number} has no articles: left out of the print edition"
        for c in whole.chapters
        if not c.articles
    )
    indexes = build_indexes(atlas)
    planned = print_volume(
        atlas, indexes, volume, PrintLinks(volume.number, atlas.root), job.context
    )
    typesetter = Typesetter([atlas.root, templates_dir()], atlas.root)
    with typesetter.session():
        numbered, back, laid_out = _lay_out(typesetter, atlas, indexes, planned, job.previous)
        body = numbered.layout
        _check_complete(body, volume)
        _refuse_file_links(body, volume)
        first = _first_body_page(body, volume)
        layouts = [body]
        marks: list[int | None] = []  # per printed page from folio 1: where it begins
        if first is not None:
            marks = body.first_marks(pagebreaks.print_marks(body.root, volume))[first:]
            if back is not None:
                marks += back.first_marks(pagebreaks.back_matter_marks(back.root, volume))
                layouts.append(back)
        if sum(part.page_count for part in layouts) % 2:  # a book ends on a left-hand page
            # the blank verso that ends the book has no place in the text: no page start
            layouts.append(typesetter.blank_page(stylesheets(atlas)[:1]))
        starts = pagebreaks.page_starts(volume.number, marks)
        unreported = unreported_refusals(typesetter.refused, atlas.root)
        if unreported:  # what check() reported was an error, or left out with --lenient
            raise BuildError(f"volume {volume.number}: refused to fetch " + ", ".join(unreported))
        variant = job.context.pdf_variant
        with typesetter.write(job.target, layouts, variant, first or 0) as (joined, written):
            # Inside the block: a PDF WeasyPrint complained about never takes the good one's place.
            messages = typesetter.engine_errors()
            if messages:
                raise BuildError(f"volume {volume.number}: WeasyPrint: " + "; ".join(messages))
            gate_started = time.perf_counter()
            proof = _proof(job, joined, body, written)
            gate_seconds = time.perf_counter() - gate_started
            if job.print_ready is not None:  # before the reader's file takes its name
                from ..writers.printready import write_print_ready

                write_print_ready(joined, atlas, job.print_ready)
    layout = PageLayout(
        page_count=sum(part.page_count for part in layouts),
        folios=numbered.folios,
        page_starts=starts,
        passes=numbered.passes,
        pages_laid_out=laid_out,
    )
    return PdfResult(
        volume=volume.number,
        path=job.target,
        page_count=layout.page_count,
        folios=layout.page_map(),
        seconds=time.perf_counter() - started,
        layout=layout,
        proof=proof,
        notes=notes,
        proof_seconds=gate_seconds,
    )


def _first_body_page(body: Layout, volume: Volume) -> int | None:
    """The index of the page that prints folio 1 (the first chapter's opener)."""
    return body.anchor_pages().get(volume.chapters[0].anchor) if volume.chapters else None


def _lay_out(
    typesetter: Typesetter,
    atlas: Atlas,
    indexes: Indexes,
    planned: PrintVolume,
    previous: Mapping[str, int],
) -> tuple[Numbered, Layout | None, int]:
    """The body laid out with true page numbers, then its back matter; and the pages laid out.

    The contents print the back matter's folios too, known only once it is laid out after the
    body: they are guessed first, then corrected in place (``Layout.renumber``) when as wide as
    guessed; only a number of another width lays the body out again."""
    volume = planned.volume
    guess = first_guess(volume, previous)
    guess |= back_matter_guess(volume, guess)
    laid_out = 0
    for _ in range(PLAIN_PASSES):
        numbered = lay_out_numbered(typesetter, planned, guess)
        laid_out += numbered.pages_laid_out
        body = numbered.layout
        first = _first_body_page(body, volume)
        if first is None:
            return numbered, None, laid_out
        back = _back_matter(typesetter, atlas, indexes, volume, numbered.folios, body, first)
        if back is None:
            return numbered, None, laid_out
        laid_out += back.page_count
        where = back.anchor_pages()
        after = body.page_count - first + 1  # the folio of the back matter's first page
        parts = {a: after + where[a] for a, _ in BACK_MATTER_PARTS if a in where}
        if body.renumber(number_texts(parts)):
            return numbered, back, laid_out
        guess = {**numbered.folios, **parts}
        del body, back, numbered  # free this layout's pages before the next is made
    raise BuildError(
        f"volume {volume.number}: the back matter's page numbers in the contents did not "
        f"settle after {PLAIN_PASSES} layouts; report this with the content"
    )


def back_matter_guess(volume: Volume, guess: Mapping[str, int]) -> dict[str, int]:
    """Where the back matter's parts would start: after the last article's estimated end.
    Only the numbers' widths matter: the laid-out back matter corrects them in place."""
    if not volume.articles:
        return {}
    last = volume.articles[-1]
    pages = ARTICLE_HEAD + len(last.body) / CHARACTERS_PER_PAGE
    start = guess.get(last.anchor, 1) + math.ceil(pages) + 1
    return {anchor: start + n for n, (anchor, _) in enumerate(BACK_MATTER_PARTS)}


def _proof(job: PdfJob, document: Any, body: Layout, written: Path) -> tuple[Fault, ...]:
    """The proof gate (proof/) on the laid-out pages and the written file: faults fail the
    volume before it takes its name; with --lenient they come back as warnings."""
    from ..proof import ProofError, page_labels, proof_layout, proof_pdf

    volume = job.atlas.volume(job.volume)
    name = job.target.name
    faults = proof_layout(document, body.root, job.atlas, volume, body.page_count, name)
    faults += proof_pdf(written, page_labels(document, volume), name)
    if faults and not job.context.proof_warns:
        raise ProofError(faults)
    return tuple(faults)


def _back_matter(
    typesetter: Typesetter,
    atlas: Atlas,
    indexes: Indexes,
    volume: Volume,
    folios: Mapping[str, int],
    body: Layout,
    first: int,
) -> Layout | None:
    """The back matter laid out with the body's folios; it comes after the last article, so it
    moves no page it refers to. Its folios continue the body's, on a right-hand page."""
    html = volume_back_matter(atlas, indexes, volume, folios)
    if html is None:
        return None
    continuation = continuation_css(body.page_count, body.page_count - first + 1)
    sheets = back_matter_stylesheets(atlas, continuation)
    return typesetter.lay_out(typesetter.parse(html), sheets)


def write_chapter_pdf(
    atlas: Atlas,
    indexes: Indexes,
    chapter: Chapter,
    links: LinkStyle,
    target: Path,
    previous: Mapping[str, int],
) -> int:
    """One chapter as an untagged PDF (a preview is for the eye); its page count.

    ``previous``: the volume's folios from the last build, if any, for the first guess."""
    planned = chapter_volume(atlas, indexes, chapter, links)
    opener = previous.get(chapter.anchor)
    shifted = {a: f - opener + 1 for a, f in previous.items() if opener and f >= opener}
    typesetter = Typesetter([atlas.root, templates_dir()], atlas.root)
    with typesetter.session():
        numbered = lay_out_numbered(typesetter, planned, first_guess(planned.volume, shifted))
        if typesetter.refused:
            raise BuildError(f"refused to fetch {', '.join(sorted(set(typesetter.refused)))}")
        with typesetter.write(target, [numbered.layout], None):
            pass
    return numbered.layout.page_count


def _refuse_file_links(layout: Layout, volume: Volume) -> None:
    """No link to a file of the machine that builds (``file:///home/...``): check() refuses
    them in bodies (E041); a template can still make one."""
    found = sorted(t for t in layout.external_links() if t.lower().startswith("file:"))
    if found:
        raise BuildError(
            f"volume {volume.number}: the PDF would link to files of this computer "
            f"({', '.join(found[:3])}): link articles or web pages in the templates instead"
        )


def _check_complete(layout: Layout, volume: Volume) -> None:
    """Every article's destination and title must be in the layout (WeasyPrint has lost pages)."""
    where = layout.anchor_pages()
    texts: dict[int, str] = {}

    def text_of(at: int) -> str:
        if at not in texts:
            texts[at] = layout.page_text(at)
        return texts[at]

    missing = []
    for article in volume.articles:
        at = where.get(article.anchor)
        if at is None:
            missing.append(f"{article.number} (no destination)")
        elif normal(article.title) not in text_of(at) + " " + text_of(at + 1):
            missing.append(f"{article.number} (title not on its page)")
    if missing:
        raise BuildError(
            f"volume {volume.number}: the PDF lacks {len(missing)} article(s): "
            + ", ".join(missing)
        )
