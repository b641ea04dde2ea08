"""A print volume laid out as parts, each page set once, and joined into one PDF.

``render_volume_pdf`` lays out the parts ``plan_parts`` planned (``editions/print.py``), one
after another in a child of the volume's worker (``writers/pdf.py``), writes each as a PDF/UA
file of its own and frees it (a chapter that prints numbers of later chapters waits for them,
up to ``HOLD_PAGES`` pages), then the worker joins them into one tagged PDF
(``writers/join.py``): one structure tree, the outline, named destinations, page labels (front
matter i, ii..., body 1, 2...). ``write_chapter_pdf`` lays out one chapter for the preview.

**Memory.** The layouts' peak is one chapter's pages (about 0.5 MB a page with print.css, and
as much again for a moment while pydyf writes them) plus the pages held; the join's is every
page of the volume as pikepdf objects (about 0.2 MB a page: the structure tree has some 80
elements a page). The layouts run in a forked child (``memory.in_child``) because the memory
they free stays in CPython's arenas, which pikepdf's C++ objects cannot use: in one process
the two peaks added up.

**Why parts.** A laid-out WeasyPrint document cannot leave its process, and it holds every page
until it is written. A volume laid out as one document costs a whole volume's layout on one
core after a one-article edit, and its pages' memory; as parts, an edit lays out only that
chapter again (the parts' cache, ``partcache.py``, keys each part by what decides its pages),
and the front and back matter when what they print changed.

**Order.** Chapters first, each from the folio after the chapter before (counted exactly: the
pages before are laid out), opening on a right-hand page (an odd page count gets a blank verso
in the join, as the single document had), with a continuation stylesheet: the page counter
from its first folio, the volume title for the running heads, and CSS's footnote counter
after the notes of the chapters before (print.css numbers notes in their article, but a
writer's stylesheet that prints ``counter(footnote)`` counts through the volume, as one
document did). Then the back matter,
with the chapters' folios. The front matter last, when every folio it prints is known.

A chapter prints the true folios of the chapters before it. Of its own anchors and of later
chapters', it prints a guess: the previous build's folios (the cache), or an estimate from the
text's length on a first build, moved by how far the chapter's start is from its guess. After
its layout, every number of its own anchors is compared with the folio found: a wrong number as
wide as the true one is corrected in the laid-out line (``Layout.renumber``: nothing moves);
one of another width (9 against 10) lays the chapter out again with the numbers just found
(``lay_out_numbered``). A chapter that prints guessed folios of later chapters is held, laid
out and unwritten, until those chapters are laid out; its numbers are then corrected in place
the same way and it is written (``_settle``). So every page is laid out once, unless a true
number is not as wide as its guess, or more than ``HOLD_PAGES`` pages wait (the memory a worker
may spend on them): such a chapter is laid out again with the true numbers, and those after it
only if its page count changed (their keys change; the others come from the cache). Should
numbers still not settle (a number gaining a digit pushes its own target onto the next page,
back and forth), they are padded to one width with figure spaces, which no number change can move.
"""

from __future__ import annotations

import contextlib
import functools
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import pagebreaks
from ..codes import Code
from ..errors import BuildError
from ..indexes import Indexes, build_indexes
from ..links import LinkStyle
from ..markdown import typographic
from ..memory import in_child, release
from ..model import Atlas, Chapter, Volume
from ..outputs import atomic_path
from ..partcache import LaidOutPart, PartCache, part_key
from ..proof.faults import Fault
from ..proof.pages import roman
from ..render import (
    templates_dir,
)
from ..resources import unreported_refusals
from ..writers.backmatter_pdf import (
    BACK_MATTER_PARTS,
    continuation_css,
    volume_back_matter,
)
from ..writers.pdf import Layout, Stylesheet, Typesetter, normal, page_labels
from .page_numbers import (
    FIGURE_SPACE,
    anchors,
    first_guess,
    lay_out_numbered,
    number_texts,
)
from .print import (
    PageLayout,
    PdfJob,
    PdfResult,
    PlannedVolume,
    PrintPart,
    back_matter_stylesheets,
    chapter_volume,
    outside_anchors,
    part_css,
    plan_parts,
    printed,
    stylesheets,
)


@dataclass(slots=True)
class Laid:
    """A part laid out and not yet written: what writing it needs."""

    part: PrintPart
    sheets: tuple[Stylesheet, ...]
    first_folio: int
    outside: dict[str, str]  # the page numbers it prints of other parts' anchors
    labels: Any  # its ``page_labels`` finisher
    kind: str  # "front", "chapter", "back"
    layout: Layout
    folios: dict[str, int]  # anchor -> folio, for the anchors it starts
    passes: int
    pages_laid_out: int

    @property
    def page_count(self) -> int:
        return self.layout.page_count


@dataclass(slots=True)
class VolumeRun:
    """One volume's parts being laid out in this worker: the typesetter, the parts' cache and
    what has been laid out (the parts' keys this build uses, the layouts it took)."""

    job: PdfJob
    volume: Volume
    typesetter: Typesetter
    cache: PartCache
    common: str
    used: list[str] = field(default_factory=list)
    made: dict[str, LaidOutPart] = field(default_factory=dict)
    measured: int = 0  # pages laid out but not written (``drop``)

    def key(
        self,
        part: PrintPart,
        sheets: Sequence[Stylesheet],
        first_folio: int,
        outside: Mapping[str, str],
    ) -> str:
        """What decides the part's pages, hashed (partcache.py)."""
        variant = self.job.context.pdf_variant
        texts = [s.path.read_text(encoding="utf-8") if s.path else s.text for s in sheets]
        return part_key(
            self.common, _engine_version(), variant, self.job.print_ready is not None,
            part.html, texts, first_folio, sorted(outside.items()),
        )  # fmt: skip

    def part(
        self,
        part: PrintPart,
        sheets: tuple[Stylesheet, ...],
        first_folio: int,
        outside: Mapping[str, str],
        guess: Mapping[str, int],
        labels: Any,
        kind: str,
    ) -> LaidOutPart:
        """``part`` as the cache has it when nothing that decides its pages changed; else laid
        out and written."""
        key = self.key(part, sheets, first_folio, outside)
        found = self._cached(key)
        if found is not None:
            return found
        laid = self._lay_out(part, sheets, first_folio, outside, guess, labels, kind)
        made = self._write(laid, key)
        del laid
        release()  # the part's pages are freed before the next is laid out
        return made

    def hold(
        self,
        part: PrintPart,
        sheets: tuple[Stylesheet, ...],
        first_folio: int,
        outside: Mapping[str, str],
        guess: Mapping[str, int],
        labels: Any,
        kind: str,
    ) -> LaidOutPart | Laid:
        """``part`` as the cache has it; else laid out and kept unwritten (it prints guessed
        numbers) until ``finish`` is given the true ones."""
        found = self._cached(self.key(part, sheets, first_folio, outside))
        if found is not None:
            return found
        return self._lay_out(part, sheets, first_folio, outside, guess, labels, kind)

    def _cached(self, key: str) -> LaidOutPart | None:
        found = self.made.get(key) or self.cache.load(key)
        if found is not None:
            self.used.append(key)
        return found

    def finish(self, laid: Laid, numbers: Mapping[str, str]) -> LaidOutPart | None:
        """A held part written with the true ``numbers`` of other parts' anchors, corrected in
        its laid-out lines (nothing moves: ``Layout.renumber``); None when a number is not as
        wide as its guess (then the part must be laid out again)."""
        true = {a: numbers[a] for a in laid.outside}
        if not laid.layout.renumber(true):
            return None
        laid.outside = true
        key = self.key(laid.part, laid.sheets, laid.first_folio, true)
        return self._cached(key) or self._write(laid, key)

    def drop(self, laid: Laid) -> LaidOutPart:
        """A held part given up to free its pages: what its layout found is kept (its folios)
        and it is not written (its key is empty), so it is laid out again."""
        self.measured += laid.pages_laid_out
        printed = {a: n for a, n in laid.layout.printed.items() if a in laid.outside}
        return LaidOutPart(
            laid.part.name, "", Path(), laid.first_folio, laid.page_count, laid.folios, printed,
            (), (), laid.passes, laid.pages_laid_out,
        )  # fmt: skip

    def _lay_out(
        self,
        part: PrintPart,
        sheets: tuple[Stylesheet, ...],
        first_folio: int,
        outside: Mapping[str, str],
        guess: Mapping[str, int],
        labels: Any,
        kind: str,
    ) -> Laid:
        typesetter = self.typesetter
        if kind == "chapter":
            numbered = lay_out_numbered(
                typesetter, part.volume, part.html, sheets, guess, first_folio, outside
            )
            layout, passes, laid_out = numbered.layout, numbered.passes, numbered.pages_laid_out
            folios = numbered.folios
            _check_complete(layout, part.volume)
        else:
            layout = typesetter.lay_out(typesetter.parse(part.html), sheets, outside)
            passes, laid_out = 1, layout.page_count
            where = layout.anchor_pages()
            folios = {a: first_folio + where[a] for a, _ in BACK_MATTER_PARTS if a in where}
        return Laid(
            part, sheets, first_folio, dict(outside), labels, kind, layout, folios, passes, laid_out
        )

    def _write(self, laid: Laid, key: str) -> LaidOutPart:
        """Proof ``laid``, write its PDF into the cache and record it."""
        typesetter, layout, kind = self.typesetter, laid.layout, laid.kind
        if kind == "chapter":
            marks = layout.first_marks(pagebreaks.print_marks(layout.root, self.volume))
        elif kind == "back":
            marks = layout.first_marks(pagebreaks.back_matter_marks(layout.root, self.volume))
        else:
            marks = [None] * layout.page_count
        _refuse_file_links(layout, self.volume)
        unreported = unreported_refusals(typesetter.refused, self.job.atlas.root)
        if unreported:  # what check() reported was an error, or left out with --lenient
            raise BuildError(
                f"volume {self.volume.number}: refused to fetch " + ", ".join(unreported)
            )
        faults = self._proof(layout, laid.part, kind, laid.first_folio)
        pdf = self.cache.pdf(key)
        pdf.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(pdf) as temporary:
            typesetter.write_part(layout, temporary, self.job.context.pdf_variant, laid.labels)
            # a PDF WeasyPrint complained about never takes the good one's place
            messages = typesetter.engine_errors()
            if messages:
                raise BuildError(f"volume {self.volume.number}: WeasyPrint: " + "; ".join(messages))
        if self.job.print_ready is not None:  # the printer's part, PDF/X-4, from this layout
            from ..writers.printready import write_print_ready

            write_print_ready(
                layout.document, self.job.atlas, self.cache.pdf(key, "-x4"), laid.labels
            )
        printed = {a: n for a, n in layout.printed.items() if a in laid.outside}
        made = LaidOutPart(
            laid.part.name, key, pdf, laid.first_folio, layout.page_count, laid.folios, printed,
            tuple(marks), faults, laid.passes, laid.pages_laid_out,
        )  # fmt: skip
        self.cache.store(made)
        self.made[key] = made
        self.used.append(key)
        return made

    def _proof(
        self, layout: Layout, part: PrintPart, kind: str, first_folio: int
    ) -> tuple[Fault, ...]:
        """The proof gate on the part's laid-out pages, its faults' folios those the reader
        sees in the volume. The volume's own checks (an even page count, the PDF's labels)
        are made on the joined file."""
        from ..proof import page_labels as gate_labels
        from ..proof import proof_layout

        name = self.job.target.name
        found = proof_layout(
            layout.document, layout.root, self.job.atlas, part.volume, layout.page_count, name
        )
        gate = gate_labels(layout.document, part.volume)
        true = gate if kind == "front" else [str(first_folio + n) for n in range(len(gate))]
        folio = dict(zip(gate, true, strict=True))

        def in_volume(match: re.Match[str]) -> str:  # "printed on p.3" in a message
            return "p." + folio.get(match[1], match[1])

        return tuple(
            replace(
                f,
                page=folio.get(f.page, f.page) if f.page else None,
                message=PAGE_IN_MESSAGE.sub(in_volume, f.message),
            )
            for f in found
            if f.code != VOLUME_PAGE_COUNT
        )


PAGE_IN_MESSAGE = re.compile(r"\bp\.(\w+)")


VOLUME_PAGE_COUNT = Code.P011  # an even page count: the joined volume's, not a part's


def render_volume_pdf(job: PdfJob) -> PdfResult:
    """Lay out one volume as parts and join them into ``job.target``; raise BuildError when
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
    plan = plan_parts(atlas, indexes, volume, job.context)
    typesetter = Typesetter([atlas.root, templates_dir()], atlas.root)
    with contextlib.ExitStack() as stack:
        folder = job.parts
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="atlas-parts-")))
        cache = PartCache(folder / f"volume-{volume.number}")
        run = VolumeRun(job, volume, typesetter, cache, job.common or _code_key())
        stack.enter_context(typesetter.session())

        lay_out = functools.partial(_lay_out_parts, run, plan, indexes, job.previous)
        # Laid out in a child process: the memory the layouts leave behind, which the join
        # could not use, goes with it (memory.py); the join then holds only its own objects.
        laid_out = in_child(lay_out) if LAY_OUT_IN_CHILD else lay_out()
        front, chapters, folios, back = (
            laid_out.front,
            laid_out.chapters,
            laid_out.folios,
            laid_out.back,
        )
        run.used, run.made, run.measured = laid_out.used, laid_out.made, laid_out.measured
        parts = [front, *chapters, *([back] if back else [])]
        del plan, lay_out, laid_out
        release()
        with atomic_path(job.target) as temporary:
            page_count, labels = _join(run, volume, parts, temporary, "")
            gate_started = time.perf_counter()
            faults = [fault for part in parts for fault in part.faults]
            faults += _proof_pdf(job, temporary, labels)
            if faults and not job.context.proof_warns:
                from ..proof import ProofError

                raise ProofError(faults)
            gate_seconds = time.perf_counter() - gate_started
            if job.print_ready is not None:  # before the reader's file takes its name
                with atomic_path(job.print_ready) as printer:
                    _join(run, volume, parts, printer, "-x4")
        if job.parts is not None:
            cache.keep_only(run.used)
    marks: list[int | None] = []  # per page from folio 1: the reading point it begins in
    body = [*chapters, *([back] if back else [])]
    for index, part in enumerate(body):
        # a blank verso begins where the next page does; the one that ends the book, nowhere
        blank = part.page_count % 2 if index < len(body) - 1 else 0
        marks += [*part.marks, *[None] * blank]
    layout = PageLayout(
        page_count=page_count,
        folios=folios,
        page_starts=pagebreaks.page_starts(volume.number, marks),
        passes=max((p.passes for p in run.made.values()), default=0),
        pages_laid_out=sum(p.pages_laid_out for p in run.made.values()) + run.measured,
    )
    return PdfResult(
        volume=volume.number,
        path=job.target,
        page_count=page_count,
        folios=layout.page_map(),
        seconds=time.perf_counter() - started,
        layout=layout,
        proof=tuple(faults),
        notes=notes,
        proof_seconds=gate_seconds,
    )


# False: the parts are laid out in the worker itself (memory.py says why they are not).
LAY_OUT_IN_CHILD = True


@dataclass(frozen=True, slots=True)
class LaidOut:
    """Every part of a volume laid out and written (or found in the cache), and what the
    volume's run recorded doing it."""

    front: LaidOutPart
    chapters: list[LaidOutPart]
    folios: dict[str, int]  # every chapter's and article's
    back: LaidOutPart | None
    used: list[str]  # VolumeRun's
    made: dict[str, LaidOutPart]
    measured: int


def _lay_out_parts(
    run: VolumeRun, plan: PlannedVolume, indexes: Indexes, previous: Mapping[str, int]
) -> LaidOut:
    """The chapters, then the back matter with their folios, then the front matter with
    every folio it prints."""
    chapters, folios = _chapters(run, plan, previous)
    back = _back_matter(run, plan, indexes, folios, chapters)
    contents = folios | (dict(back.folios) if back else {})
    front = run.part(
        plan.front,
        stylesheets(run.job.atlas),
        1,
        number_texts({a: contents[a] for a in outside_anchors(plan.front.html, contents)}),
        {},
        page_labels(0, roman=True),
        "front",
    )
    return LaidOut(front, chapters, folios, back, run.used, run.made, run.measured)


def _engine_version() -> str:
    import weasyprint

    return str(weasyprint.__version__)


def _code_key() -> str:
    """The package's code, hashed, when the build gives no shared key (a direct call)."""
    from ..cache import _hash_files, _walk
    from ..render import PACKAGE_DIR

    return _hash_files((p for p in _walk(PACKAGE_DIR) if p.suffix == ".py"), PACKAGE_DIR)


# Rounds of laying the chapters out before the page numbers printed across parts are padded
# to one width; padded ones after that.
PLAIN_ROUNDS = 3
PADDED_ROUNDS = 2


def _chapters(
    run: VolumeRun, plan: PlannedVolume, previous: Mapping[str, int]
) -> tuple[list[LaidOutPart], dict[str, int]]:
    """The chapters laid out one after another, each from the folio after the one before (a
    chapter opens on a right-hand page), until every page number a chapter prints of another
    chapter's anchor is that anchor's folio; return the parts and every anchor's folio.

    A chapter prints the true folios of the chapters before it; of its own anchors, those its
    layout finds (``lay_out_numbered``); of later chapters', a guess: the previous build's
    folios, else the estimate, moved by how far this chapter's start is from its guess. Such a
    chapter is held in memory, laid out and unwritten, until the chapters it refers to are laid
    out; then its numbers are corrected in place (``VolumeRun.finish``: a number as wide as its
    guess moves nothing) and it is written. So each page is laid out once, but where a true
    number is wider or narrower than its guess (9 against 10), or when more than ``HOLD_PAGES``
    are held (the oldest held is dropped, to be laid out again): those chapters are laid out
    again with the true numbers, and those after them only if their page counts changed (their
    keys change; the others come from the cache)."""
    volume = plan.volume
    guess = first_guess(volume, previous)
    width = 0
    # Chapters dropped while held (HOLD_PAGES): from the next round on they are laid out with
    # the numbers the round before found and written at once; held again, one bigger than
    # HOLD_PAGES would be dropped again, round after round.
    dropped: set[str] = set()
    for attempt in range(1, PLAIN_ROUNDS + PADDED_ROUNDS + 1):
        parts: list[LaidOutPart | Laid] = []
        known: dict[str, int] = {}
        folio, notes, moved = 1, 0, False
        for part in plan.chapters:
            chapter = part.volume.chapters[0]
            start = guess.get(chapter.anchor, folio)
            # an estimate is stretched as the chapters laid out so far ran longer or shorter
            scale = 1.0 if previous else _density(plan, guess, known)
            at = {a: known.get(a, folio + round((guess.get(a, 1) - start) * scale)) for a in guess}
            outside = outside_anchors(part.html, at)
            sheets = (*stylesheets(run.job.atlas), Stylesheet(text=part_css(folio, notes)))
            numbers = number_texts({a: at[a] for a in outside}, width)
            own = {a: at[a] for a in anchors(part.volume)}
            labels = page_labels(0, start=folio)
            laid: LaidOutPart | Laid
            if part.name not in dropped and any(a not in known for a in outside):
                # it prints guesses: held till they are known
                laid = run.hold(part, sheets, folio, numbers, own, labels, "chapter")
            else:
                laid = run.part(part, sheets, folio, numbers, own, labels, "chapter")
            parts.append(laid)
            known |= laid.folios
            folio += laid.page_count + laid.page_count % 2  # the next opens on a right-hand page
            notes += part.notes
            # parts holds it now: _settle may drop it, and its pages must not stay alive here
            # while the next chapter is laid out
            del laid
            moved |= _settle(run, parts, known, width)
        wrong = [
            (p.name, a, n) for p in parts if isinstance(p, LaidOutPart) for a, n in p.printed.items()
            if n.strip(FIGURE_SPACE) != str(known.get(a))
        ]  # fmt: skip
        done = [p for p in parts if isinstance(p, LaidOutPart) and p.key]
        if not wrong and not moved and len(done) == len(parts):  # every part written
            return done, known
        dropped |= {p.name for p in parts if isinstance(p, LaidOutPart) and not p.key}
        guess = {**guess, **known}
        if attempt >= PLAIN_ROUNDS:
            width = len(str(max(known.values(), default=1)))
    shown = ", ".join(f"{name}: {a} printed {n}" for name, a, n in wrong[:5])
    raise BuildError(
        f"volume {volume.number}: page numbers across chapters did not settle after "
        f"{PLAIN_ROUNDS + PADDED_ROUNDS} rounds ({shown}); report this with the content"
    )


def _density(plan: PlannedVolume, estimate: Mapping[str, int], known: Mapping[str, int]) -> float:
    """How much longer the chapters laid out so far are than estimated (1.0: as estimated): a
    handbook's pages hold more or less text than ``CHARACTERS_PER_PAGE``, and a number that
    gains a digit on its way from estimate to page costs its chapter a second layout."""
    true = guessed = 0
    for part in plan.chapters:
        chapter = part.volume.chapters[0]
        last = chapter.articles[-1].anchor if chapter.articles else chapter.anchor
        if last not in known or chapter.anchor not in known:
            break
        true += known[last] - known[chapter.anchor]
        guessed += estimate[last] - estimate[chapter.anchor]
    return true / guessed if true and guessed else 1.0


# At most this many laid-out pages are held in a worker waiting for the folios of later
# chapters (about 0.5 MB a page with print.css, measured on chapters of 50 and 550 pages):
# beyond it the oldest held chapter is dropped and laid out again once the numbers are known.
HOLD_PAGES = 400


def _settle(
    run: VolumeRun, parts: list[LaidOutPart | Laid], known: Mapping[str, int], width: int
) -> bool:
    """Write every held chapter whose numbers are all known now, and drop the oldest held
    while more than HOLD_PAGES are held. True when a chapter laid out again (a true number not
    as wide as its guess) changed where its pages fall: the chapters after it started wrong."""
    moved = freed = False
    for index, laid in enumerate(parts):
        if not isinstance(laid, Laid) or any(a not in known for a in laid.outside):
            continue
        freed = True
        numbers = number_texts({a: known[a] for a in laid.outside}, width)
        written = run.finish(laid, numbers)
        if written is None:  # a number of another width: the lines change
            own, count = dict(laid.folios), laid.page_count
            part, sheets, first, labels = laid.part, laid.sheets, laid.first_folio, laid.labels
            parts[index] = run.drop(laid)  # its pages freed before the next layout
            del laid
            release()
            written = run.part(part, sheets, first, numbers, own, labels, "chapter")
            moved |= written.page_count != count or dict(written.folios) != own
        else:
            del laid  # written: its pages are freed with the next release()
        parts[index] = written
    held = [p for p in parts if isinstance(p, Laid)]
    while sum(p.page_count for p in held) > HOLD_PAGES:
        oldest = held.pop(0)
        parts[next(i for i, p in enumerate(parts) if p is oldest)] = run.drop(oldest)
        del oldest
        freed = True
    del held
    if freed:
        release()  # the pages of what was written or dropped, before the next layout
    return moved


def _back_matter(
    run: VolumeRun,
    plan: PlannedVolume,
    indexes: Indexes,
    folios: Mapping[str, int],
    chapters: Sequence[LaidOutPart],
) -> LaidOutPart | None:
    """The back matter laid out with the chapters' folios (it comes after them, so it moves no
    page it refers to), on the right-hand page after the last chapter."""
    if not plan.back_matter:
        return None
    html = volume_back_matter(run.job.atlas, indexes, plan.volume, folios)
    if html is None:
        return None
    last = chapters[-1] if chapters else None
    folio = last.first_folio + last.page_count + last.page_count % 2 if last else 1
    sheets = back_matter_stylesheets(run.job.atlas, continuation_css(0, folio))
    part = PrintPart("back", plan.volume, html)
    return run.part(part, sheets, folio, {}, {}, page_labels(0, start=folio), "back")


def _join(
    run: VolumeRun, volume: Volume, parts: Sequence[LaidOutPart], target: Path, suffix: str
) -> tuple[int, list[str]]:
    """Join the parts' PDFs (``suffix``: which of them: "-x4" the printer's) into ``target``:
    the front matter padded to an even count and each chapter to one, so every part opens on
    a right-hand page. Return the page count and each page's label."""
    from ..writers.join import Part, join

    joined_parts = [
        Part(run.cache.pdf(p.key, suffix), nested=index > 0, blank_after=p.page_count % 2 == 1)
        for index, p in enumerate(parts)
    ]
    title = f"{run.job.atlas.title}, Volume {volume.number}: {volume.title}"
    joined = join(joined_parts, typographic(title, run.job.atlas.language), metadata_from=0)
    labels: list[str] = []
    for index, part in enumerate(parts):
        count = part.page_count + part.page_count % 2
        if index == 0:
            labels += [roman(n + 1) for n in range(count)]
        else:
            labels += [str(part.first_folio + n) for n in range(count)]
    joined.save(target)
    return len(joined.pdf.pages), labels


def _proof_pdf(job: PdfJob, written: Path, labels: list[str]) -> list[Fault]:
    """The gate's checks of the written file (page labels, embedded fonts)."""
    from ..proof import proof_pdf

    return proof_pdf(written, labels, job.target.name)


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
        guess = first_guess(planned.volume, shifted)
        numbered = lay_out_numbered(
            typesetter, planned.volume, planned.html, planned.stylesheets, guess
        )
        if typesetter.refused:
            raise BuildError(f"refused to fetch {', '.join(sorted(set(typesetter.refused)))}")
        # one part, joined: its links to other chapters are named destinations it lacks,
        # which the join leaves without a target
        from ..writers.join import Part, join

        with tempfile.TemporaryDirectory(prefix="atlas-preview-") as folder:
            part = Path(folder) / "chapter.pdf"
            typesetter.write_part(numbered.layout, part, None, None)
            joined = join([Part(part)], planned.volume.title, metadata_from=0, even=False)
            with atomic_path(target) as temporary:
                joined.save(temporary)
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
