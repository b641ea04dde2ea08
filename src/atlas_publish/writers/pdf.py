"""The print edition: one volume -> HTML (Jinja) -> WeasyPrint -> PDF, checked for completeness.

Runs in worker processes: a PdfJob goes in, a PdfResult (pages, where each article landed)
comes out. ``import weasyprint`` is slow, so only this module imports it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..editions.epub import volume_identifier
from ..errors import BuildError, Diagnostics
from ..fetcher import REFUSED, RestrictedFetcher
from ..indexes import Indexes, build_indexes
from ..links import Link, LinkStyle, Target, other_volume_suffix
from ..model import Atlas, Volume
from ..outputs import atomic_path
from ..pagebreaks import print_page_starts
from ..proof.faults import Fault
from ..render import environment, render_articles, template_file, templates_dir
from ..resources import unreported_refusals


@dataclass(frozen=True, slots=True)
class PdfJob:
    atlas: Atlas
    volume: int
    target: Path
    created: int | None = None  # the edition's date (BuildOptions.date); None: undated
    pdf_variant: str | None = "pdf/ua-1"
    lenient: bool = False  # proof faults are warnings, not a failed volume
    print_ready: Path | None = None  # also write the printer's PDF/X-4 here


@dataclass(frozen=True, slots=True)
class PdfResult:
    volume: int
    path: Path
    page_count: int
    folios: dict[str, int]  # anchor -> folio (arabic page number) in this volume
    seconds: float
    proof: tuple[Fault, ...] = ()  # the proof gate's faults (--lenient: not raised)
    notes: tuple[str, ...] = ()  # what the build summary tells the writer
    proof_seconds: float = 0.0  # what the gate took, of ``seconds``


@dataclass(slots=True)
class PrintLinks:
    """Links in a print volume: inside it, clickable with the page; elsewhere, named.

    Another volume is named with the article, never with a page: each volume is then laid out
    once, and an edit that moves pages in one volume rebuilds no other (README)."""

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


def volume_html(
    atlas: Atlas, volume: Volume, indexes: Indexes, links: LinkStyle, created: int | None
) -> str:
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
    when = dt.datetime.fromtimestamp(created, dt.UTC) if created is not None else None
    keywords = sorted({k for a in volume.articles for k in a.keywords})
    html = env.get_template("print/volume.html.j2").render(
        atlas=atlas,
        volume=volume,
        bodies=bodies,
        subject=f"Volume {volume.number}: {volume.title}",
        keywords=keywords,
        created=when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None,
        edition_date=when.strftime("%B %Y") if when else None,
        rights=copyright_line(atlas, when),
        identifier=volume_identifier(atlas, replace(volume, isbn=None)),
    )
    return short_tables(unhyphenated_last_words(html))


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


def copyright_line(atlas: Atlas, when: dt.datetime | None) -> str:
    """atlas.yaml's rights with the copyright sign ('Copyright © 2026 Jane Example. All rights
    reserved.'), or one made from the edition's year and the author."""
    rights = atlas.rights or f"Copyright {when.year if when else ''} {atlas.author}.".replace(
        "  ", " "
    )
    if "©" in rights:
        return rights
    if rights.lower().startswith("copyright "):
        return f"{rights[:9]} ©{rights[9:]}"
    return f"© {rights}"


# The last word of a paragraph (or list item) and what closes it: punctuation, closing tags.
LAST_WORD = re.compile(
    r"([^\W\d_][\w’'\u00ad-]{3,})((?:[^\w<>]|</(?:em|strong|a|i|b)>)*</(?:p|li)>)"
)


def unhyphenated_last_words(html: str) -> str:
    """A paragraph never ends on half a word ('fif-/teen.'): its last word is not hyphenated."""
    return LAST_WORD.sub(r'<span class="last-word">\1</span>\2', html)


def render_volume_pdf(job: PdfJob) -> PdfResult:
    """Render one volume to ``job.target``; raise BuildError when anything is missing."""
    import weasyprint  # slow import: only in the processes that render
    from weasyprint.text.fonts import FontConfiguration

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
    links = PrintLinks(volume.number, atlas.root)
    html = volume_html(atlas, volume, indexes, links, job.created)

    fetcher = RestrictedFetcher([atlas.root, templates_dir()])
    fonts = FontConfiguration()
    stylesheets = [
        weasyprint.CSS(string=page_css(atlas), font_config=fonts, url_fetcher=fetcher),
        weasyprint.CSS(filename=str(stylesheet(atlas)), font_config=fonts, url_fetcher=fetcher),
    ]
    problems = _capture_weasyprint_errors()
    try:
        laid_out = weasyprint.HTML(string=html, base_url=str(atlas.root) + "/", url_fetcher=fetcher)
        document = laid_out.render(font_config=fonts, stylesheets=stylesheets)
        folios = _folios(document, volume)
        # Where each printed page begins, for the EPUB's page list (see pagebreaks.py).
        folios.update(print_page_starts(laid_out.etree_element, document, volume))
        _check_complete(document, volume)
        _refuse_file_links(document, volume)
        body_pages = len(document.pages)
        document = _with_back_matter(document, atlas, indexes, volume, folios, fonts, fetcher)
        document = ending_on_a_verso(document, atlas, fonts, fetcher)
        unreported = unreported_refusals(fetcher.refused, atlas.root)
        if unreported:  # what check() reported was an error, or left out with --lenient
            raise BuildError(f"volume {volume.number}: refused to fetch " + ", ".join(unreported))
        with atomic_path(job.target) as temporary:
            first = (
                _anchor_pages(document).get(volume.chapters[0].anchor) if volume.chapters else None
            )
            document.write_pdf(
                temporary, pdf_variant=job.pdf_variant, finisher=page_labels(first or 0)
            )
            # Inside the block: a PDF WeasyPrint complained about never takes the good one's place.
            _raise_logged_errors(problems, volume)
            gate_started = time.perf_counter()
            proof = _proof(job, document, laid_out.etree_element, body_pages, temporary)
            gate_seconds = time.perf_counter() - gate_started
            if job.print_ready is not None:  # before the reader's file takes its name
                from .printready import write_print_ready

                write_print_ready(document, atlas, job.print_ready)
    finally:
        logging.getLogger("weasyprint").removeHandler(problems)
    return PdfResult(
        volume=volume.number,
        path=job.target,
        page_count=len(document.pages),
        folios=folios,
        seconds=time.perf_counter() - started,
        proof=proof,
        notes=notes,
        proof_seconds=gate_seconds,
    )


def _proof(
    job: PdfJob, document: Any, root: Any, body_pages: int, written: Path
) -> tuple[Fault, ...]:
    """The proof gate (proof/) on the laid-out pages and the written file: faults fail the
    volume before it takes its name; with --lenient they come back as warnings."""
    from ..proof import ProofError, page_labels, proof_layout, proof_pdf

    volume = job.atlas.volume(job.volume)
    name = job.target.name
    faults = proof_layout(document, root, job.atlas, volume, body_pages, name)
    faults += proof_pdf(written, page_labels(document, volume), name)
    if faults and not job.lenient:
        raise ProofError(faults)
    return tuple(faults)


def _with_back_matter(
    document: Any,
    atlas: Atlas,
    indexes: Indexes,
    volume: Volume,
    folios: dict[str, int],
    fonts: object,
    fetcher: RestrictedFetcher,
) -> Any:
    """The volume followed by its back matter, laid out with this layout's page numbers.

    Adds where the back matter's pages begin to ``folios`` (for the EPUB's page list)."""
    from .backmatter_pdf import (
        back_matter_page_starts,
        continuation_css,
        render_pages,
        volume_back_matter,
    )

    html = volume_back_matter(atlas, indexes, volume, folios)
    pages = document.pages
    first = _anchor_pages(document).get(volume.chapters[0].anchor) if volume.chapters else None
    if html is None or first is None:
        return document
    next_folio = len(pages) - first + 1
    css = continuation_css(len(pages), next_folio)
    root, appendix = render_pages(
        atlas, html, css, fonts, fetcher, page_css(atlas), stylesheet(atlas)
    )
    folios.update(back_matter_page_starts(root, appendix, volume, next_folio))
    return document.copy(pages + appendix.pages)


def page_labels(first_body_page: int, *, roman: bool = False, start: int = 1) -> Any:
    """A WeasyPrint finisher giving the PDF the printed folios as page labels: the front matter
    i, ii, iii..., the body (and the back matter after it) 1, 2, 3..., so a viewer's "page 18"
    is the page that prints 18."""
    import pydyf  # type: ignore[import-untyped]

    def finish(document: Any, pdf: Any) -> None:
        numbers: list[Any] = []
        if first_body_page > 0 or roman:
            numbers += [0, pydyf.Dictionary({"S": "/r"})]
        if not roman:
            numbers += [first_body_page, pydyf.Dictionary({"S": "/D", "St": start})]
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(numbers)})

    return finish


def ending_on_a_verso(document: Any, atlas: Atlas, fonts: object, fetcher: Any) -> Any:
    """A book ends on a left-hand page: an odd page count gets a blank page at the end."""
    if len(document.pages) % 2 == 0:
        return document
    import weasyprint

    blank = weasyprint.HTML(string="<html><body></body></html>", url_fetcher=fetcher).render(
        font_config=fonts,
        stylesheets=[weasyprint.CSS(string=page_css(atlas), font_config=fonts)],
    )
    return document.copy(document.pages + blank.pages[:1])


def stylesheet(atlas: Atlas) -> Path:
    return template_file(atlas.root, "print/print.css")


class _ErrorCollector(logging.Handler):
    """WeasyPrint logs missing resources instead of raising: collect them to fail loudly."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _raise_logged_errors(problems: _ErrorCollector, volume: Volume) -> None:
    messages = [m for m in problems.messages if REFUSED not in m]  # reported by check()
    if messages:
        raise BuildError(f"volume {volume.number}: WeasyPrint: " + "; ".join(messages))


def _capture_weasyprint_errors() -> _ErrorCollector:
    handler = _ErrorCollector()
    logging.getLogger("weasyprint").addHandler(handler)
    return handler


def _folios(document: object, volume: Volume) -> dict[str, int]:
    """Where each chapter and article starts, as the folio printed on that page."""
    wanted = {c.anchor for c in volume.chapters} | {a.anchor for a in volume.articles}
    located = {k: v for k, v in _anchor_pages(document).items() if k in wanted}
    first = located.get(volume.chapters[0].anchor) if volume.chapters else None
    if first is None:
        return {}
    return {anchor: index - first + 1 for anchor, index in located.items()}


def _anchor_pages(document: object) -> dict[str, int]:
    """The index of the page where each anchor (element id) starts."""
    where: dict[str, int] = {}
    for index, page in enumerate(document.pages):  # type: ignore[attr-defined]
        for anchor in page.anchors:
            where.setdefault(anchor, index)
    return where


def _page_text(page: object) -> str:
    from weasyprint.formatting_structure import boxes

    box = page._page_box  # type: ignore[attr-defined]
    words = [b.text for b in box.descendants() if isinstance(b, boxes.TextBox)]
    return _normal(" ".join(words))


_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _normal(text: str) -> str:
    # Titles are printed with typographic quotes; the model keeps them as written.
    text = text.replace("\u00ad", "").translate(_STRAIGHT)
    return re.sub(r"\s+", " ", text).strip().casefold()


def _refuse_file_links(document: Any, volume: Volume) -> None:
    """No link to a file of the machine that builds (``file:///home/...``): check() refuses
    them in bodies (E041); a template can still make one."""
    found = sorted(
        {target for page in document.pages for kind, target, *_ in page.links
         if kind == "external" and str(target).lower().startswith("file:")}
    )  # fmt: skip
    if found:
        raise BuildError(
            f"volume {volume.number}: the PDF would link to files of this computer "
            f"({', '.join(found[:3])}): link articles or web pages in the templates instead"
        )


def _check_complete(document: object, volume: Volume) -> None:
    """Every article's destination and title must be in the layout (WeasyPrint has lost pages)."""
    pages = document.pages  # type: ignore[attr-defined]
    where = _anchor_pages(document)
    texts: dict[int, str] = {}

    def text_of(at: int) -> str:
        if at not in texts:
            texts[at] = _page_text(pages[at]) if at < len(pages) else ""
        return texts[at]

    missing = []
    for article in volume.articles:
        at = where.get(article.anchor)
        if at is None:
            missing.append(f"{article.number} (no destination)")
        elif _normal(article.title) not in text_of(at) + " " + text_of(at + 1):
            missing.append(f"{article.number} (title not on its page)")
    if missing:
        raise BuildError(
            f"volume {volume.number}: the PDF lacks {len(missing)} article(s): "
            + ", ".join(missing)
        )
