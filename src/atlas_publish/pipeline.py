"""The one place that sequences the stages: load -> validate -> indexes -> render -> write.

load():  content tree -> Atlas + Indexes (no body rendered), for quick look-ups.
check(): load, then every body rendered once: Checked, or ContentError with every problem.
build(): check, then each output through the cache and, when changed, planned by its
         edition (editions/) and written by its writer (writers/) in worker processes
         (schedule.py). docs/architecture.md draws the stages.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .bodies import render_bodies
from .built import Built
from .codes import Code
from .content.load import load_atlas
from .context import BuildContext
from .errors import ContentError, Diagnostic, Diagnostics, SourceLocation
from .indexes import Indexes, build_indexes
from .links import Target
from .markdown import RenderedBody
from .memory import seldom_collected
from .model import Atlas
from .outputs import check_out_folder, output_lock, write_failure
from .progress import PlainProgress, Progress, label_of
from .resources import check_template_overrides
from .template_files import templates_dir

if TYPE_CHECKING:
    from .cache import Manifest
    from .schedule import Output

# The build's machinery (cache.py, schedule.py: the editions, their writers and the template
# engine) is imported by build() when it runs: `check` loads none of it.

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
    refers_to: Mapping[int, frozenset[Target]] = field(default_factory=dict)
    # article number -> its body, rendered once with placeholders (bodies.render_shared)
    bodies: Mapping[str, RenderedBody] = field(default_factory=dict)


def load(content: Path, strict: bool = False) -> tuple[Atlas, Indexes]:
    """The handbook's model and indexes, bodies not rendered: for quick look-ups (list,
    stats, preview); ``check`` does the rest."""
    diagnostics = Diagnostics(strict=strict)
    atlas = load_atlas(content, diagnostics)
    diagnostics.gate()
    if atlas is None:
        raise ContentError([Diagnostic(Code.E031, "no content", SourceLocation(content))])
    return atlas, build_indexes(atlas)


def check(
    content: Path, strict: bool = False, lenient: bool = False, jobs: int | None = None
) -> Checked:
    """Read and validate the whole content tree; raise ContentError listing every problem.

    ``jobs``: processes rendering the bodies (default: the number of cores)."""
    diagnostics = Diagnostics(strict=strict, lenient=lenient)
    checked = examine(content, diagnostics, jobs or os.cpu_count() or 1)
    diagnostics.gate()
    if checked is None:
        raise ContentError([Diagnostic(Code.E031, "no content", SourceLocation(content))])
    return checked


def examine(content: Path, diagnostics: Diagnostics, jobs: int = 1) -> Checked | None:
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
    # The editions finish these bodies (render.finish_articles) instead of rendering again.
    bodies, refers_to = render_bodies(atlas, indexes, diagnostics, jobs)
    warnings = tuple(d for d in diagnostics.sorted() if d.severity == "warning")
    return Checked(atlas, indexes, warnings, refers_to, bodies)


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


def build(
    options: BuildOptions, report: Report = lambda line: None, progress: Progress | None = None
) -> list[Built]:
    """Build what was asked, rebuilding only the outputs whose inputs changed (cache.py)."""
    progress = progress or PlainProgress(report, summary=False)
    check_out_folder(options.content, options.out)
    try:
        with output_lock(options.out, progress.note), seldom_collected():
            return _build(options, progress)
    except OSError as error:  # a read-only or full disk, here or in a worker
        raise write_failure(error, options.out) from None


def _build(options: BuildOptions, progress: Progress) -> list[Built]:
    """The stages, in order: (0) stop at once when no input changed; (1-3) load, index and
    check the content (``check``); (4-6) each output through the cache, the rest planned by
    its edition and written by its writer in worker processes (``schedule.py``)."""
    from .cache import KeyMaker, Manifest, input_stamp
    from .schedule import Scheduler, workers

    context = BuildContext(
        created=options.date,
        pdf_variant=options.pdf_variant,
        lenient=options.lenient,
        proof_warns=options.lenient or PROOF_FAULTS == "warn",
        print_ready=options.print_ready,
    )
    manifest = Manifest.load(options.out)
    settings = {
        "pdf_variant": options.pdf_variant,
        "created": options.date,
        "lenient": options.lenient,
        "print_ready": options.print_ready,
    }
    stamp = input_stamp(options.content, options.out, settings | {"strict": options.strict})
    # 0. No input changed since the last build: nothing read, nothing written.
    unchanged = _unchanged(manifest, options) if stamp == manifest.stamp else None
    if options.cache and unchanged is not None:
        for line in manifest.warnings:
            progress.note(line)
        for output in unchanged:
            progress.finish(label_of(output.volume, output.format), output)
        return unchanged
    renderer = bool({"pdf", "complete"} & set(options.formats))
    with workers(max(1, options.jobs), renderer) as pool:
        # 1-3. Load, index, check: every problem of the content, or nothing is built.
        started = time.perf_counter()
        checked = check(options.content, options.strict, options.lenient, options.jobs)
        for warning in checked.warnings:
            progress.note(str(warning))
        progress.note(
            f"checked {len(checked.atlas.articles)} articles in "
            f"{time.perf_counter() - started:.1f} s"
        )
        wanted = _outputs(options, select_volumes(checked.atlas, options.volumes))
        # 4-6. Each output through the cache; the others planned and written by the workers.
        scheduler = Scheduler(
            checked.atlas,
            checked.indexes,
            checked.refers_to,
            checked.bodies,
            context,
            options.out,
            manifest,
            KeyMaker.create(checked.atlas, settings),
            progress,
            options.cache,
        )
        manifest.stamp = ""  # until this build has finished
        manifest.current = set()
        results = scheduler.run(wanted, pool)
    manifest.stamp = stamp
    manifest.volumes = [v.number for v in checked.atlas.volumes]
    manifest.warnings = [str(w) for w in checked.warnings]
    manifest.save()
    return results


def _outputs(options: BuildOptions, volumes: Iterable[int]) -> list[Output]:
    """Every file the options ask for; volume PDFs made only for the complete edition are
    not listed among the results."""
    from .schedule import Output, print_ready_path

    wanted = []
    listed = "pdf" in options.formats
    for number in volumes:
        if "pdf" in options.formats or "complete" in options.formats:
            wanted.append(Output(number, "pdf", f"pdf/volume-{number}.pdf", listed))
            if options.print_ready:  # written with the volume's PDF, listed with it
                wanted.append(Output(number, "print-ready", print_ready_path(number), False))
        if "epub" in options.formats:
            wanted.append(Output(number, "epub", f"epub/volume-{number}.epub"))
    if "complete" in options.formats:
        wanted.append(Output(0, "complete", "pdf/complete.pdf"))
    return wanted


def _unchanged(manifest: Manifest, options: BuildOptions) -> list[Built] | None:
    """With unchanged inputs: the requested outputs as the cache recorded them, if all are there."""
    volumes = options.volumes or tuple(manifest.volumes)
    if not volumes or any(v not in manifest.volumes for v in volumes):
        return None
    built = []
    for output in _outputs(options, volumes):
        entry = manifest.outputs.get(output.relative)
        if entry is None or output.relative not in manifest.current:
            return None
        path = options.out / output.relative
        if not entry.matches(path):
            return None
        if output.listed:
            built.append(
                Built(output.volume, output.edition, path, entry.seconds, entry.pages, True)
            )
    return built


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
                    Code.E025,
                    f"there is no volume {n} (volumes: {', '.join(map(str, numbers))})",
                    SourceLocation(atlas.root),
                )
                for n in unknown
            ]
        )
    return sorted(set(requested))
