"""The one place that sequences the stages: load -> validate -> indexes -> render -> write.

check(): content tree -> Atlas + Indexes, or ContentError with every problem found.
build(): check, then each volume to PDF and/or EPUB in worker processes.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import KeyMaker, Manifest, input_stamp
from .content.load import load_atlas
from .errors import ContentError, Diagnostic, Diagnostics, SourceLocation
from .indexes import Indexes, build_indexes
from .links import Link, Target
from .model import Atlas
from .outputs import check_out_folder, output_lock, write_failure
from .progress import PlainProgress, Progress, label_of
from .render import environment, render_articles, templates_dir
from .resources import check_template_overrides

# The proof gate's faults fail a volume ("fail"), or are printed as warnings ("warn", which
# --lenient also gives). The test suite sets "warn" for trees built to test other features.
PROOF_FAULTS = "fail"
FORMATS = ("pdf", "epub")  # "complete" (all volumes in one PDF) is asked for by name
Report = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Checked:
    atlas: Atlas
    indexes: Indexes
    warnings: tuple[Diagnostic, ...]
    # volume -> every target its bodies refer to (links, tag tables): what it shows of others
    uses: Mapping[int, frozenset[Target]] = field(default_factory=dict)


@dataclass(slots=True)
class _CheckLinks:
    """Links as ``check`` renders them; records every target, for the cache's keys."""

    used: set[Target] = field(default_factory=set)

    def link(self, target: Target) -> Link:
        self.used.add(target)
        return Link(f"#{target.anchor}")

    def image_src(self, path: Path) -> str:
        return path.as_posix()


def check(content: Path, strict: bool = False, lenient: bool = False) -> Checked:
    """Read and validate the whole content tree; raise ContentError listing every problem."""
    diagnostics = Diagnostics(strict=strict, lenient=lenient)
    checked = examine(content, diagnostics)
    diagnostics.gate()
    if checked is None:
        raise ContentError([Diagnostic("E031", "no content", SourceLocation(content))])
    return checked


def examine(content: Path, diagnostics: Diagnostics) -> Checked | None:
    """``check`` without the gate: what could be read, and every problem in ``diagnostics``.

    The live server shows a tree with errors as far as it can, with the same problems ``check``
    reports; None when there is no usable atlas.yaml.
    """
    atlas = load_atlas(content, diagnostics)
    if atlas is None:
        return None
    check_template_overrides(atlas.root, [atlas.root, templates_dir()], diagnostics)
    indexes = build_indexes(atlas)
    # Render every body once: broken references and expressions are content errors too.
    env = environment(atlas)
    uses = {}
    for volume in atlas.volumes:
        links = _CheckLinks()
        render_articles(volume.articles, atlas, indexes, env, links, diagnostics)
        uses[volume.number] = frozenset(links.used)
    warnings = tuple(d for d in diagnostics.sorted() if d.severity == "warning")
    return Checked(atlas, indexes, warnings, uses)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    content: Path = Path("content")
    out: Path = Path("build")
    formats: tuple[str, ...] = FORMATS
    volumes: tuple[int, ...] = ()  # empty: every volume
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    strict: bool = False
    lenient: bool = False  # refused resources are warnings, left out of the editions
    pdf_variant: str | None = "pdf/ua-1"
    # The edition's date (seconds since the epoch) on the copyright pages and in the metadata;
    # None: undated. The command line decides it once (dates.py), never the environment here.
    date: int | None = None
    cache: bool = True  # False: rebuild every output (the cache is still written)
    print_ready: bool = False  # also OUT/print-ready/volume-N.pdf: PDF/X-4 for the printer


@dataclass(frozen=True, slots=True)
class Built:
    volume: int  # 0: the complete edition
    format: str
    path: Path
    seconds: float
    pages: int | None = None
    cached: bool = False


def build(
    options: BuildOptions, report: Report = lambda line: None, progress: Progress | None = None
) -> list[Built]:
    """Build what was asked, rebuilding only the outputs whose inputs changed (cache.py)."""
    progress = progress or PlainProgress(report, summary=False)
    check_out_folder(options.content, options.out)
    try:
        with output_lock(options.out, progress.note):
            return _build(options, progress)
    except OSError as error:  # a read-only or full disk, here or in a worker
        raise write_failure(error, options.out) from None


def _build(options: BuildOptions, progress: Progress) -> list[Built]:
    manifest = Manifest.load(options.out)
    settings = {
        "pdf_variant": options.pdf_variant,
        "created": options.date,
        "lenient": options.lenient,
        "print_ready": options.print_ready,
    }
    stamp = input_stamp(options.content, options.out, settings | {"strict": options.strict})
    if options.cache and stamp == manifest.stamp:
        unchanged = _unchanged(manifest, options)
        if unchanged is not None:  # nothing read, nothing written
            for line in manifest.warnings:
                progress.note(line)
            for output in unchanged:
                progress.finish(label_of(output.volume, output.format), output)
            return unchanged
    jobs = max(1, options.jobs)
    with ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent) as pool:
        if {"pdf", "complete"} & set(options.formats):
            # Workers start (small, before the content is loaded) and import WeasyPrint
            # while this process checks the content.
            for _ in range(jobs):
                pool.submit(_import_renderer)
        started = time.perf_counter()
        checked = check(options.content, options.strict, options.lenient)
        for warning in checked.warnings:
            progress.note(str(warning))
        wanted = select_volumes(checked.atlas, options.volumes)
        progress.note(
            f"checked {len(checked.atlas.articles)} articles in "
            f"{time.perf_counter() - started:.1f} s"
        )
        run = _Run(checked, options, manifest, KeyMaker.create(checked.atlas, settings), progress)
        manifest.stamp = ""  # until this build has finished
        manifest.current = set()
        try:
            results = run.execute(wanted, pool)
        except KeyboardInterrupt:
            _stop_workers()
            raise
    manifest.stamp = stamp
    manifest.volumes = [v.number for v in checked.atlas.volumes]
    manifest.warnings = [str(w) for w in checked.warnings]
    manifest.save()
    return results


def _in_worker(function: Callable[[Any], Any], job: object) -> Any:
    """Run one job, then hand the memory it freed back to the system.

    A worker lays out several volumes in turn; without this, each one starts from the last
    one's fragmented heap and the worker's peak grows (313 MB instead of 296 on 700 articles).
    """
    try:
        return function(job)
    finally:
        gc.collect()
        with contextlib.suppress(AttributeError, OSError):  # glibc only; elsewhere, no need
            ctypes.CDLL(None).malloc_trim(0)


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


def _outputs(options: BuildOptions, volumes: Iterable[int]) -> list[tuple[int, str, str]]:
    """(volume, edition, path relative to OUT) of every file the options ask for."""
    wanted = []
    for number in volumes:
        if "pdf" in options.formats or "complete" in options.formats:
            wanted.append((number, "pdf", f"pdf/volume-{number}.pdf"))
            if options.print_ready:
                wanted.append((number, "print-ready", print_ready_path(number)))
        if "epub" in options.formats:
            wanted.append((number, "epub", f"epub/volume-{number}.epub"))
    if "complete" in options.formats:
        wanted.append((0, "complete", "pdf/complete.pdf"))
    return wanted


def print_ready_path(number: int) -> str:
    """The printer's PDF/X-4 of a volume, relative to OUT, beside the reader's PDF/UA."""
    return f"print-ready/volume-{number}.pdf"


def _shown(options: BuildOptions, edition: str) -> bool:
    """Volume PDFs built only for the complete edition are not listed as results; the
    printer's file is written with its volume's PDF and listed with it."""
    if edition == "print-ready":
        return False
    return edition != "pdf" or "pdf" in options.formats


def _unchanged(manifest: Manifest, options: BuildOptions) -> list[Built] | None:
    """With unchanged inputs: the requested outputs as the cache recorded them, if all are there."""
    volumes = options.volumes or tuple(manifest.volumes)
    if not volumes or any(v not in manifest.volumes for v in volumes):
        return None
    built = []
    for number, edition, relative in _outputs(options, volumes):
        entry = manifest.outputs.get(relative)
        if entry is None or relative not in manifest.current:
            return None
        if not entry.matches(options.out / relative):
            return None
        if _shown(options, edition):
            built.append(
                Built(number, edition, options.out / relative, entry.seconds, entry.pages, True)
            )
    return built


class _Run:
    """One build's outputs: cached ones are reported, the others rendered in worker processes.

    A volume's EPUB waits for its PDF (the EPUB's page list takes the PDF's page numbers).
    """

    def __init__(
        self,
        checked: Checked,
        options: BuildOptions,
        manifest: Manifest,
        keys: KeyMaker,
        progress: Progress,
    ) -> None:
        self.checked = checked
        self.atlas = checked.atlas
        self.options = options
        self.manifest = manifest
        self.keys = keys
        self.progress = progress
        self.created = self.options.date
        self.built: list[Built] = []
        self.pdf_keys: dict[int, str] = {}
        self.folios: dict[int, dict[str, int]] = {}
        self.running: dict[Future[Any], tuple[int, str, str, str]] = {}

    def execute(self, wanted: list[int], pool: ProcessPoolExecutor) -> list[Built]:
        outputs = _outputs(self.options, wanted)
        editions = {edition for _, edition, _ in outputs}
        # Longest volumes (by text) first, so the last worker is not left with a long one.
        wanted = sorted(
            wanted, key=lambda n: -sum(len(a.body) for a in self.atlas.volume(n).articles)
        )
        self.pool = pool
        try:
            for number in wanted:
                if "pdf" in editions:
                    self._pdf(number)
            for number in wanted:
                if "epub" in editions and number not in self._pdf_pending():
                    self._epub(number)
            while self.running:
                done, _ = wait(self.running, return_when=FIRST_COMPLETED)
                for future in done:
                    self._finished(future, editions)
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                _stop_workers()  # a volume finishing after Ctrl-C is not written
            pool.shutdown(wait=True, cancel_futures=True)
            self.manifest.save()  # keep what did finish
            raise
        if "complete" in editions:
            self._complete(wanted)
        return self.built

    def _pdf_pending(self) -> set[int]:
        return {n for n, edition, _, _ in self.running.values() if edition == "pdf"}

    def _cached(self, number: int, edition: str, relative: str, key: str) -> bool:
        entry = self.manifest.outputs.get(relative)
        if not self.options.cache or entry is None:
            return False
        if not entry.matches(self.options.out / relative, key):
            return False
        if edition == "pdf" and self.options.print_ready:
            printer = self.manifest.outputs.get(print_ready_path(number))
            if printer is None or not printer.matches(
                self.options.out / print_ready_path(number), key
            ):
                return False
            self.manifest.current.add(print_ready_path(number))
        self.manifest.current.add(relative)
        if edition == "pdf":
            self.folios[number] = entry.folios
        if _shown(self.options, edition):
            built = Built(
                number, edition, self.options.out / relative, entry.seconds, entry.pages, True
            )
            self.built.append(built)
            self.progress.finish(label_of(number, edition), built)
        return True

    def _pdf(self, number: int) -> None:
        from .writers.pdf import PdfJob, render_volume_pdf

        volume = self.atlas.volume(number)
        key = self.keys.volume_key("pdf", volume, self.checked.uses.get(number, ()))
        self.pdf_keys[number] = key
        relative = f"pdf/volume-{number}.pdf"
        if self._cached(number, "pdf", relative, key):
            return
        job = PdfJob(
            self.atlas,
            number,
            self.options.out / relative,
            created=self.created,
            pdf_variant=self.options.pdf_variant,
            lenient=self.options.lenient or PROOF_FAULTS == "warn",
            print_ready=self.options.out / print_ready_path(number)
            if self.options.print_ready
            else None,
        )
        self._submit(render_volume_pdf, job, number, "pdf", relative, key)

    def _epub(self, number: int) -> None:
        from .writers.epub import EpubJob, render_volume_epub

        volume = self.atlas.volume(number)
        if number not in self.folios:  # PDF not asked for: its last layout, if still true
            pdf_key = self.keys.volume_key("pdf", volume, self.checked.uses.get(number, ()))
            entry = self.manifest.outputs.get(f"pdf/volume-{number}.pdf")
            self.folios[number] = entry.folios if entry and entry.key == pdf_key else {}
        folios = self.folios[number]
        key = self.keys.volume_key(
            "epub", volume, self.checked.uses.get(number, ()), sorted(folios.items())
        )
        relative = f"epub/volume-{number}.epub"
        if self._cached(number, "epub", relative, key):
            return
        pages = {anchor: (number, folio) for anchor, folio in folios.items()}
        job = EpubJob(self.atlas, number, self.options.out / relative, pages, self.created)
        self._submit(render_volume_epub, job, number, "epub", relative, key)

    def _submit(
        self,
        function: Callable[[Any], Any],
        job: object,
        number: int,
        edition: str,
        relative: str,
        key: str,
    ) -> None:
        self.progress.start(label_of(number, edition))
        future = self.pool.submit(_in_worker, function, job)
        self.running[future] = (number, edition, relative, key)

    def _finished(self, future: Future[Any], editions: set[str]) -> None:
        number, edition, relative, key = self.running.pop(future)
        result = future.result()  # a worker's BuildError is raised here
        pages = getattr(result, "page_count", None)
        folios = dict(getattr(result, "folios", {}))
        self.manifest.record(
            self.options.out, relative, key, pages=pages, seconds=result.seconds, folios=folios
        )
        if edition == "pdf" and self.options.print_ready:
            self.manifest.record(self.options.out, print_ready_path(number), key, pages=pages)
        self.manifest.save()
        if edition == "pdf":
            self.folios[number] = folios
        built = Built(number, edition, result.path, result.seconds, pages)
        if _shown(self.options, edition):
            self.built.append(built)
            self.progress.finish(label_of(number, edition), built)
        for fault in getattr(result, "proof", ()):  # the proof gate's faults (--lenient)
            self.progress.note(str(fault.as_warning()))
        for note in getattr(result, "notes", ()):  # what the EPUB writer tells the writer
            self.progress.note(f"volume {number}: {note}")
        if edition == "pdf" and "epub" in editions:
            self._epub(number)

    def _complete(self, wanted: list[int]) -> None:
        from .writers.complete import join_volumes

        relative = "pdf/complete.pdf"
        numbers = sorted(wanted)
        key = hashlib.sha256("".join(self.pdf_keys[n] for n in numbers).encode()).hexdigest()
        if self._cached(0, "complete", relative, key):
            return
        label = label_of(0, "complete")
        self.progress.start(label)
        started = time.perf_counter()
        target = self.options.out / relative
        paths = [self.options.out / f"pdf/volume-{n}.pdf" for n in numbers]
        pages = {
            anchor: (n, folio) for n in numbers for anchor, folio in self.folios.get(n, {}).items()
        }
        page_count = join_volumes(self.atlas, paths, target, self.created, pages)
        seconds = time.perf_counter() - started
        self.manifest.record(self.options.out, relative, key, pages=page_count, seconds=seconds)
        built = Built(0, "complete", target, seconds, page_count)
        self.built.append(built)
        self.progress.finish(label, built)


def select_volumes(atlas: Atlas, requested: Iterable[int]) -> list[int]:
    numbers = [v.number for v in atlas.volumes]
    requested = list(requested)
    if not requested:
        return numbers
    unknown = [n for n in requested if n not in numbers]
    if unknown:
        raise ContentError(
            [
                Diagnostic(
                    "E025",
                    f"there is no volume {n} (volumes: {', '.join(map(str, numbers))})",
                    SourceLocation(atlas.root),
                )
                for n in unknown
            ]
        )
    return sorted(set(requested))
