"""Scheduling: which output is made in which worker process, and in what order.

``pipeline.build`` hands this module the checked handbook and the outputs asked for; each
output goes through the cache (a filter: unchanged outputs are reported, not made), then to
a worker process as a job. A job is one edition of one volume: the edition plans it
(``editions/``), a writer writes it (``writers/``), and the worker returns a ``Made``.

A volume's EPUB waits for its PDF: the EPUB's page list takes the PDF's page numbers.
The longest volumes go first, so the last worker is not left with a long one.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import multiprocessing
import pickle
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .built import Built
from .cache import KeyMaker, Manifest
from .context import BuildContext
from .editions import epub as epub_edition
from .errors import BuildError
from .indexes import Indexes
from .links import Target
from .markdown import RenderedBody
from .memory import release
from .model import Atlas
from .pagebreaks import PrintLayout
from .progress import Progress, label_of
from .writers.epub import write_epub

NO_PAGE_LIST = (
    "no print page numbers in the EPUB (no print layout known: build the PDF first, "
    "e.g. --format all)"
)


def print_ready_path(number: int) -> str:
    """The printer's PDF/X-4 of a volume, relative to OUT, beside the reader's PDF/UA."""
    return f"print-ready/volume-{number}.pdf"


@dataclass(frozen=True, slots=True)
class Output:
    """One file a build is asked for."""

    volume: int  # 0: the complete edition
    edition: str  # "pdf", "epub", "complete", or "print-ready" (made with the volume's PDF)
    relative: str  # its path inside OUT
    listed: bool = True  # False: a volume PDF made only for the complete edition


@dataclass(frozen=True, slots=True)
class Made:
    """What a worker reports of the file it wrote."""

    path: Path
    seconds: float
    pages: int | None = None
    layout: PrintLayout | None = None  # a volume PDF's layout (pagebreaks.py)
    notes: tuple[str, ...] = ()  # what the writer of the content should be told
    warnings: tuple[str, ...] = ()  # diagnostics shown as they are (the proof gate's, lenient)


@dataclass(frozen=True, slots=True)
class Handbook:
    """The checked handbook and its indexes as one pickle, made once per build and sent with
    every EPUB job: a worker unpickles it once (0.03 s at 700 articles), not once a volume."""

    key: str  # unique to the build that made it
    data: bytes

    @classmethod
    def of(cls, atlas: Atlas, indexes: Indexes) -> Handbook:
        data = pickle.dumps((atlas, indexes), protocol=pickle.HIGHEST_PROTOCOL)
        handbook = cls(uuid.uuid4().hex, data)
        # A worker forked after this (the pool starts its processes at the first job) has
        # the handbook already and unpickles nothing.
        _HANDBOOK.clear()
        _HANDBOOK[handbook.key] = (atlas, indexes)
        return handbook

    def load(self) -> tuple[Atlas, Indexes]:
        if self.key not in _HANDBOOK:
            _HANDBOOK.clear()  # a worker keeps the last build's only
            _HANDBOOK[self.key] = pickle.loads(self.data)  # made by this build
        return _HANDBOOK[self.key]


_HANDBOOK: dict[str, tuple[Atlas, Indexes]] = {}  # Handbook.key -> the handbook, the last only


@dataclass(frozen=True, slots=True)
class EpubJob:
    handbook: Handbook
    volume: int
    target: Path
    context: BuildContext
    layout: PrintLayout | None = None  # the volume's print layout, for the page list
    bodies: Mapping[str, RenderedBody] = field(default_factory=dict)  # check's, shared


def make_epub(job: EpubJob) -> Made:
    """Plan the EPUB edition of one volume and write it (in a worker process)."""
    started = time.perf_counter()
    atlas, indexes = job.handbook.load()
    try:
        plan = epub_edition.plan(atlas, indexes, job.volume, job.context, job.layout, job.bodies)
    except BuildError as error:  # the plan refused something: name the file not written
        raise BuildError(f"{job.target}: {error}") from None
    write_epub(plan, job.target)
    notes = () if plan.page_list else (NO_PAGE_LIST,)
    return Made(job.target, time.perf_counter() - started, notes=notes)


def make_pdf(job: Any) -> Made:
    """Lay out one volume and write its PDF (in a worker process)."""
    # Deferred: the PDF writer imports WeasyPrint (half a second), which only workers need.
    from .editions.print_parts import render_volume_pdf

    result = render_volume_pdf(job)
    warnings = tuple(str(fault.as_warning()) for fault in result.proof)
    layout = PrintLayout.from_page_map(job.volume, result.folios)
    return Made(
        result.path,
        result.seconds,
        result.page_count,
        layout,
        notes=result.notes,  # e.g. a chapter without articles, left out of print
        warnings=warnings,
    )


@contextlib.contextmanager
def workers(jobs: int, renderer: bool) -> Iterator[ProcessPoolExecutor]:
    """The worker processes of one build; with ``renderer`` they import WeasyPrint at once,
    while the main process checks the content."""
    with ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent) as pool:
        if renderer:
            for _ in range(jobs):
                pool.submit(_import_renderer)
        yield pool


def _in_worker(function: Callable[[Any], Made], job: object) -> Made:
    """Run one job; after a layout, hand the memory it freed back to the system.

    A worker lays out several volumes in turn; without this, each one starts from the last
    one's fragmented heap and the worker's peak grows (313 MB instead of 296 on 700 articles).
    An EPUB leaves little behind: there a full collection over the handbook the worker holds
    costs more than it frees (0.02 s a volume, a fifth of the nine EPUBs' own time).
    """
    try:
        return function(job)
    finally:
        if function is not make_epub:
            release()


def _stop_workers() -> None:
    """Ctrl-C: stop laying out at once, and rename nothing more into place. A worker killed
    mid-write leaves a temporary file, which the next build removes (outputs.py)."""
    for child in multiprocessing.active_children():  # the pool's workers: nothing else
        child.kill()


def _die_with_parent() -> None:
    """A worker ends when the build process is killed (kill -9 leaves no orphans laying out
    volumes for nobody). Linux only; elsewhere workers end when they next look for work.

    A worker ignores Ctrl-C (the terminal sends it to every process of the build): the build
    process decides, and stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pr_set_pdeathsig = 1
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, 9)  # SIGKILL


def _import_renderer() -> None:
    import weasyprint  # noqa: F401  (slow: done once per worker, ahead of the first volume)


class Scheduler:
    """One build's outputs: each goes through the cache, the rest are made by workers."""

    def __init__(
        self,
        atlas: Atlas,
        indexes: Indexes,
        refers_to: Mapping[int, frozenset[Target]],
        bodies: Mapping[str, RenderedBody],
        context: BuildContext,
        out: Path,
        manifest: Manifest,
        keys: KeyMaker,
        progress: Progress,
        use_cache: bool,
    ) -> None:
        self.atlas = atlas
        self.indexes = indexes
        self.refers_to = refers_to
        self.bodies = bodies
        self.context = context
        self.out = out
        self.manifest = manifest
        self.keys = keys
        self.progress = progress
        self.use_cache = use_cache
        self.built: list[Built] = []
        self.pdf_keys: dict[int, str] = {}
        self.layouts: dict[int, PrintLayout | None] = {}  # volume -> its print layout
        self.running: dict[Future[Made], tuple[Output, str]] = {}
        self.pending_epubs: dict[int, Output] = {}
        self.handbook: Handbook | None = None  # made for the first EPUB job

    def run(self, outputs: list[Output], pool: ProcessPoolExecutor) -> list[Built]:
        self.pool = pool
        by_length = sorted(
            (o for o in outputs if o.edition in ("pdf", "epub")),
            key=lambda o: -sum(len(a.body) for a in self.atlas.volume(o.volume).articles),
        )
        try:
            for output in by_length:
                if output.edition == "pdf":
                    self._pdf(output)
            for output in by_length:
                if output.edition == "epub":
                    if self._pdf_running(output.volume):
                        self.pending_epubs[output.volume] = output
                    else:
                        self._epub(output)
            while self.running:
                done, _ = wait(self.running, return_when=FIRST_COMPLETED)
                for future in done:
                    self._finished(future)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                _stop_workers()  # a volume finishing after Ctrl-C is not written
            pool.shutdown(wait=True, cancel_futures=True)
            self.manifest.save()  # keep what did finish
            raise
        for output in outputs:
            if output.edition == "complete":
                self._complete(output, [o.volume for o in by_length if o.edition == "pdf"])
        return self.built

    def _pdf_running(self, number: int) -> bool:
        return any(o.volume == number and o.edition == "pdf" for o, _ in self.running.values())

    def _cached(self, output: Output, key: str) -> bool:
        """The cache as a filter: True (and reported) when the file on disk is still right."""
        entry = self.manifest.outputs.get(output.relative)
        if not self.use_cache or entry is None:
            return False
        if not entry.matches(self.out / output.relative, key):
            return False
        if output.edition == "pdf" and self.context.print_ready:  # and its printer's file
            printer = self.manifest.outputs.get(print_ready_path(output.volume))
            if printer is None or not printer.matches(
                self.out / print_ready_path(output.volume), key
            ):
                return False
            self.manifest.current.add(print_ready_path(output.volume))
        self.manifest.current.add(output.relative)
        if output.edition == "pdf":
            self.layouts[output.volume] = entry.layout
        self._report(output, Built(*self._where(output), entry.seconds, entry.pages, True))
        return True

    def _where(self, output: Output) -> tuple[int, str, Path]:
        return output.volume, output.edition, self.out / output.relative

    def _report(self, output: Output, built: Built) -> None:
        if output.listed:
            self.built.append(built)
            self.progress.finish(label_of(output.volume, output.edition), built)

    def _pdf_key(self, number: int) -> str:
        volume = self.atlas.volume(number)
        return self.keys.volume_key("pdf", volume, self.refers_to.get(number, frozenset()))

    def _pdf(self, output: Output) -> None:
        from .editions.print import PdfJob  # deferred with the PDF writer (see make_pdf)

        key = self.pdf_keys[output.volume] = self._pdf_key(output.volume)
        if self._cached(output, key):
            return
        entry = self.manifest.outputs.get(output.relative)
        job = PdfJob(
            self.atlas,
            output.volume,
            self.out / output.relative,
            self.context,
            # the last layout's folios: the first guess of the page numbers (editions/print_parts.py)
            previous=entry.folios if entry else {},
            print_ready=self.out / print_ready_path(output.volume)
            if self.context.print_ready
            else None,
            # each chapter laid out and written on its own, kept for the next build
            parts=self.out / ".cache" / "parts" if self.use_cache else None,
            common=self.keys.common,
        )
        self._submit(make_pdf, job, output, key)

    def _epub(self, output: Output) -> None:
        number = output.volume
        if number not in self.layouts:  # PDF not asked for: its last layout, if still true
            entry = self.manifest.outputs.get(f"pdf/volume-{number}.pdf")
            still_true = entry is not None and entry.key == self._pdf_key(number)
            self.layouts[number] = entry.layout if entry and still_true else None
        layout = self.layouts[number]
        volume = self.atlas.volume(number)
        shown = self.refers_to.get(number, frozenset())
        key = self.keys.volume_key("epub", volume, shown, layout.as_json() if layout else None)
        if self._cached(output, key):
            return
        target = self.out / output.relative
        bodies = {a.number: self.bodies[a.number] for a in volume.articles}
        if self.handbook is None:  # the first EPUB job: what every one of them needs
            self.handbook = Handbook.of(self.atlas, self.indexes)
            epub_edition.prepare(self.atlas)
        job = EpubJob(self.handbook, number, target, self.context, layout, bodies)
        self._submit(make_epub, job, output, key)

    def _submit(
        self, function: Callable[[Any], Made], job: object, output: Output, key: str
    ) -> None:
        self.progress.start(label_of(output.volume, output.edition))
        future = self.pool.submit(_in_worker, function, job)
        self.running[future] = (output, key)

    def _finished(self, future: Future[Made]) -> None:
        output, key = self.running.pop(future)
        made = future.result()  # a worker's BuildError is raised here
        self.manifest.record(
            self.out,
            output.relative,
            key,
            pages=made.pages,
            seconds=made.seconds,
            layout=made.layout,
        )
        if output.edition == "pdf" and self.context.print_ready:
            printer = print_ready_path(output.volume)
            self.manifest.record(self.out, printer, key, pages=made.pages)
        self.manifest.save()
        if output.edition == "pdf":
            self.layouts[output.volume] = made.layout
        self._report(
            output, Built(output.volume, output.edition, made.path, made.seconds, made.pages)
        )
        for warning in made.warnings:
            self.progress.note(warning)
        for note in made.notes:
            self.progress.note(f"volume {output.volume}: {note}")
        waiting = self.pending_epubs.pop(output.volume, None)
        if output.edition == "pdf" and waiting is not None:
            self._epub(waiting)

    def _complete(self, output: Output, numbers: list[int]) -> None:
        # Deferred: joining imports pypdf, and the back matter WeasyPrint (see make_pdf).
        from .writers.complete import join_volumes

        numbers = sorted(numbers)
        key = hashlib.sha256("".join(self.pdf_keys[n] for n in numbers).encode()).hexdigest()
        if self._cached(output, key):
            return
        label = label_of(0, "complete")
        self.progress.start(label)
        started = time.perf_counter()
        target = self.out / output.relative
        paths = [self.out / f"pdf/volume-{n}.pdf" for n in numbers]
        pages = {
            anchor: (n, folio)
            for n in numbers
            if (layout := self.layouts.get(n))
            for anchor, folio in layout.folios.items()
        }
        page_count = join_volumes(self.atlas, paths, target, self.context.created, pages)
        seconds = time.perf_counter() - started
        self.manifest.record(self.out, output.relative, key, pages=page_count, seconds=seconds)
        self._report(output, Built(0, "complete", target, seconds, page_count))
