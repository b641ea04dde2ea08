"""The one place that sequences the stages: load -> validate -> indexes -> render -> write.

check(): content tree -> Atlas + Indexes, or ContentError with every problem found.
build(): check, then each volume to PDF and/or EPUB in worker processes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .content.load import load_atlas
from .errors import ContentError, Diagnostic, Diagnostics, SourceLocation
from .indexes import Indexes, build_indexes
from .links import Link, Target
from .model import Atlas
from .outputs import atomic_write_bytes, output_lock, source_date
from .render import environment, render_articles, templates_dir
from .resources import check_template_overrides

FORMATS = ("pdf", "epub")  # "complete" (all volumes in one PDF) is asked for by name
Report = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Checked:
    atlas: Atlas
    indexes: Indexes
    warnings: tuple[Diagnostic, ...]


@dataclass(slots=True)
class _CheckLinks:
    """Links as ``check`` renders them: it only needs every reference resolved once."""

    def link(self, target: Target) -> Link:
        return Link(f"#{target.anchor}")

    def image_src(self, path: Path) -> str:
        return path.as_posix()


def check(content: Path, strict: bool = False, lenient: bool = False) -> Checked:
    """Read and validate the whole content tree; raise ContentError listing every problem."""
    diagnostics = Diagnostics(strict=strict, lenient=lenient)
    atlas = load_atlas(content, diagnostics)
    if atlas is None:
        diagnostics.gate()
        raise ContentError([Diagnostic("E031", "no content", SourceLocation(content))])
    check_template_overrides(atlas.root, [atlas.root, templates_dir()], diagnostics)
    indexes = build_indexes(atlas)
    # Render every body once: broken references and expressions are content errors too.
    render_articles(
        atlas.iter_articles(), atlas, indexes, environment(atlas), _CheckLinks(), diagnostics
    )
    diagnostics.gate()
    return Checked(atlas, indexes, tuple(diagnostics.sorted()))


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


@dataclass(frozen=True, slots=True)
class Built:
    volume: int
    format: str
    path: Path
    seconds: float
    pages: int | None = None


def build(options: BuildOptions, report: Report = lambda line: None) -> list[Built]:
    with output_lock(options.out, report):
        return _build(options, report)


def _build(options: BuildOptions, report: Report) -> list[Built]:
    started = time.perf_counter()
    checked = check(options.content, options.strict, options.lenient)
    for warning in checked.warnings:
        report(str(warning))
    atlas = checked.atlas
    wanted = _select_volumes(atlas, options.volumes)
    report(f"checked {len(atlas.articles)} articles in {time.perf_counter() - started:.1f} s")
    created = source_date()
    built: list[Built] = []
    pages_file = options.out / ".cache" / "pages.json"
    pages = _read_pages(pages_file)
    with ProcessPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        epub_futures: dict[int, Future[object]] = {}
        if "pdf" in options.formats or "complete" in options.formats:
            volume_pdfs = _build_pdfs(atlas, wanted, options, pages, created, pool, report)
            atomic_write_bytes(pages_file, json.dumps(pages, sort_keys=True).encode())
            if "pdf" in options.formats:
                built += volume_pdfs
            if "complete" in options.formats:
                built.append(
                    _join_complete(atlas, volume_pdfs, options.out, created, report, pages)
                )
        if "epub" in options.formats:
            from .writers.epub import EpubJob, EpubResult, render_volume_epub

            for number in wanted:
                job = EpubJob(
                    atlas,
                    number,
                    options.out / "epub" / f"volume-{number}.epub",
                    _as_pages(pages),
                    created,
                )
                epub_futures[number] = pool.submit(render_volume_epub, job)
            for number, future in epub_futures.items():
                result = future.result()
                assert isinstance(result, EpubResult)
                report(f"volume {number}: EPUB {result.path} ({result.seconds:.1f} s)")
                for note in result.notes:
                    report(f"volume {number}: {note}")
                built.append(Built(number, "epub", result.path, result.seconds))
    return built


def _build_pdfs(
    atlas: Atlas,
    wanted: list[int],
    options: BuildOptions,
    pages: dict[str, list[int]],
    created: int | None,
    pool: ProcessPoolExecutor,
    report: Report,
) -> list[Built]:
    """Render the volumes; re-render those whose cross-volume page numbers turned out wrong."""
    from .writers.pdf import PdfJob, PdfResult, render_volume_pdf

    results: dict[int, PdfResult] = {}
    todo = list(wanted)
    for _round in range(3):
        futures = {
            number: pool.submit(
                render_volume_pdf,
                PdfJob(
                    atlas,
                    number,
                    options.out / "pdf" / f"volume-{number}.pdf",
                    _as_pages(pages),
                    created=created,
                    pending=frozenset(wanted),
                    pdf_variant=options.pdf_variant,
                ),
            )
            for number in todo
        }
        for number, future in futures.items():
            result = future.result()
            results[number] = result
            for anchor, folio in result.folios.items():
                pages[anchor] = [number, folio]
            report(
                f"volume {number}: PDF {result.path}, {result.page_count} pages "
                f"({result.seconds:.1f} s)"
            )
        # A volume that printed another volume's page must match that volume's new layout.
        todo = [
            number
            for number, result in results.items()
            if any(_page(pages, anchor) != page for anchor, page in result.used_pages.items())
        ]
        if not todo:
            break
        report(f"page numbers of other volumes changed: laying out volume(s) {todo} again")
    return [Built(n, "pdf", r.path, r.seconds, r.page_count) for n, r in sorted(results.items())]


def _join_complete(
    atlas: Atlas,
    volume_pdfs: list[Built],
    out: Path,
    created: int | None,
    report: Report,
    pages: Mapping[str, list[int]],
) -> Built:
    from .writers.complete import join_volumes

    started = time.perf_counter()
    target = out / "pdf" / "complete.pdf"
    paths = [b.path for b in volume_pdfs]
    page_count = join_volumes(atlas, paths, target, created, _as_pages(pages))
    seconds = time.perf_counter() - started
    report(f"complete edition: PDF {target}, {page_count} pages ({seconds:.1f} s)")
    return Built(0, "complete", target, seconds, page_count)


def _page(pages: Mapping[str, list[int]], anchor: str) -> int | None:
    entry = pages.get(anchor)
    return entry[1] if entry else None


def _as_pages(pages: Mapping[str, list[int]]) -> dict[str, tuple[int, int]]:
    return {anchor: (entry[0], entry[1]) for anchor, entry in pages.items()}


def _read_pages(path: Path) -> dict[str, list[int]]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return (
        {str(k): [int(v[0]), int(v[1])] for k, v in data.items()} if isinstance(data, dict) else {}
    )


def _select_volumes(atlas: Atlas, requested: Iterable[int]) -> list[int]:
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
