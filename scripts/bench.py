#!/usr/bin/env python3
"""`make bench`: how fast atlas-publish is on a generated 700-article handbook.

Prints, in one go, the median wall time of repeated runs of: a cold build of every volume
(PDF and EPUB, empty OUT), a no-op rebuild, a one-article edit, a chapter preview; the peak
memory of the largest process (a worker); the page layouts WeasyPrint made per printed page;
and, on the same tree, the naive way (one WeasyPrint document per volume with
target-counter(), one after another, no cache), the single-pass limit (every volume laid out
once with its true page numbers) and pandoc (to EPUB, and to PDF with --pdf-engine=weasyprint),
with the ratios against the targets of issue 14, from wall times and from CPU times.

Every command runs as its own process, as a writer would run it; times include Python's start.
Cold builds take minutes, so they are repeated only --cold-repeats times (default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PYTHON = sys.executable
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss  # KiB, of the largest descendant
print(f"{seconds} {peak} {code} {usage.ru_utime + usage.ru_stime}")
"""


CPU: dict[str, float] = {}  # CPU seconds of the last measured command, all processes
CPU_OF: dict[str, object] = {}  # CPU seconds of issue 14's steps (lists for repeated ones)


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MB) of the largest process the command started.

    The CPU seconds of all its processes go to CPU["last"]: on a shared machine wall times
    swing with the load, CPU times much less.
    """
    result = subprocess.run(
        [PYTHON, "-c", MEASURE, *command], env=env, capture_output=True, text=True, check=True
    )
    seconds, peak, code, cpu = result.stdout.split()
    CPU["last"] = float(cpu)
    if code != "0":
        raise SystemExit(f"failed ({code}): {' '.join(command)}\n{result.stderr}")
    return float(seconds), int(peak) / 1024


def cli(*args: str) -> list[str]:
    return [PYTHON, "-m", "atlas_publish.cli", *args]


def files(out: Path) -> dict[str, int]:
    return {
        str(p.relative_to(out)): p.stat().st_mtime_ns
        for p in out.rglob("*")
        # .cache is the build's bookkeeping; .lock holds the pid of the build running now
        if p.is_file() and ".cache" not in p.parts and p.name != ".lock"
    }


NAIVE = """
import sys, time
from pathlib import Path
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from atlas_publish.context import BuildContext
from atlas_publish.pipeline import check
from atlas_publish.editions.print import PrintLinks, print_volume
from atlas_publish.fetcher import RestrictedFetcher
from atlas_publish.render import templates_dir
content, out = Path(sys.argv[1]), Path(sys.argv[2])
checked = check(content)
atlas = checked.atlas
out.mkdir(parents=True, exist_ok=True)
for volume in atlas.volumes:
    links = PrintLinks(volume.number, atlas.root)
    planned = print_volume(atlas, checked.indexes, volume, links, BuildContext())
    fetcher = RestrictedFetcher([atlas.root, templates_dir()])
    fonts = FontConfiguration()
    sheets = [weasyprint.CSS(string=s.text, filename=s.path and str(s.path), url_fetcher=fetcher,
                             font_config=fonts) for s in planned.stylesheets]
    sheets.append(weasyprint.CSS(string=TARGET_COUNTER, font_config=fonts))
    weasyprint.HTML(string=planned.html, base_url=str(atlas.root) + "/", url_fetcher=fetcher).write_pdf(
        out / f"volume-{volume.number}.pdf", stylesheets=sheets, font_config=fonts, pdf_variant="pdf/ua-1")
"""
# The naive way numbers pages as WeasyPrint does by itself (and as the build did before it
# printed the numbers as text): target-counter(), resolved by laying pages out again.
TARGET_COUNTER = r"""
.toc a::after { content: leader(dotted) "\2009" target-counter(attr(href url), page);
  font: 8.5pt var(--display); color: var(--ink); }
a.xref-page::after { content: " (p.\00a0" target-counter(attr(href url), page) ")"; }
"""
NAIVE = NAIVE.replace("TARGET_COUNTER", repr(TARGET_COUNTER))


def pandoc_sources(content: Path, folder: Path) -> list[Path]:
    """One Markdown file per volume: the articles with their titles as headings."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for volume in sorted(p for p in content.iterdir() if p.is_dir() and p.name[0].isdigit()):
        parts = [f"% Volume {volume.name}\n"]
        for chapter in sorted(p for p in volume.iterdir() if p.is_dir()):
            parts.append(f"# Chapter {chapter.name}\n")
            for article in sorted(chapter.glob("*.md")):
                text = article.read_text()
                front, _, body = text.partition("\n---\n")
                title = re.search(r"^title: (.*)$", front, re.M)
                body = re.sub(r"\]\((article|chapter|volume):[^)]*\)", "]()", body)
                parts.append(f"## {title.group(1) if title else article.stem}\n\n{body}\n")
        source = folder / f"{volume.name}.md"
        source.write_text("\n".join(parts))
        sources.append(source)
    return sources


def run_pandoc(
    sources: list[Path], out: Path, suffix: str, extra: list[str], env: dict[str, str]
) -> float:
    """Wall seconds; pandoc's CPU seconds go to CPU["last"], as measure() does."""
    out.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    for source in sources:
        target = out / f"{source.stem}.{suffix}"
        subprocess.run(
            ["pandoc", str(source), "-o", str(target), "--metadata", "title=Volume", *extra],
            env=env,
            check=True,
            capture_output=True,
        )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = sum(getattr(after, f) - getattr(before, f) for f in ("ru_utime", "ru_stime"))
    return seconds


# Page layouts are counted in every process a command starts (the build's workers too): a
# sitecustomize on PYTHONPATH wraps WeasyPrint's remake_page, which lays out one page, and
# keeps each process's count in a file of its own.
COUNTER = """
import os, sys

_folder = os.environ.get("ATLAS_BENCH_LAYOUTS")


class _Counting:
    def find_spec(self, name, path=None, target=None):
        if name != "weasyprint.layout.page":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            original, count = module.remake_page, [0]

            def remake_page(*args, **kwargs):
                count[0] += 1
                with open(os.path.join(_folder, str(os.getpid())), "w") as file:
                    file.write(str(count[0]))
                return original(*args, **kwargs)

            module.remake_page = remake_page

        spec.loader.exec_module = exec_module
        return spec


if _folder:
    sys.meta_path.insert(0, _Counting())
"""


class LayoutCounter:
    """Counts WeasyPrint's page layouts in the commands run with ``env(...)``."""

    def __init__(self, work: Path) -> None:
        self.site = work / "site"
        self.folder = work / "layouts"
        self.site.mkdir(parents=True, exist_ok=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.site / "sitecustomize.py").write_text(COUNTER)

    def env(self, env: dict[str, str]) -> dict[str, str]:
        paths = [str(self.site), env.get("PYTHONPATH", "")]
        return env | {
            "PYTHONPATH": os.pathsep.join(filter(None, paths)),
            "ATLAS_BENCH_LAYOUTS": str(self.folder),
        }

    def take(self) -> int:
        """Page layouts since the last call, in all processes."""
        total = 0
        for file in self.folder.iterdir():
            total += int(file.read_text() or 0)
            file.unlink()
        return total


def edited_article(content: Path) -> Path:
    """The article the edit measures change: the first of chapter 5.02 as in the README's
    figures, or on a smaller tree the first article of its largest volume."""
    found = sorted(content.glob("5-*/02-*/*.md"))
    if found:
        return found[0]
    volumes = [v for v in content.iterdir() if v.is_dir() and v.name[0].isdigit()]
    largest = max(volumes, key=lambda v: len(list(v.glob("*/*.md"))))
    return sorted(largest.glob("*/*.md"))[0]


def previewed_chapter(content: Path, wanted: str) -> str:
    """``wanted`` (V.CC) when the tree has it, else its first chapter with articles."""
    chapters = sorted(
        f"{c.parent.name.split('-')[0]}.{c.name.split('-')[0]}"
        for c in content.glob("*/*")
        if c.is_dir() and any(c.glob("*.md"))
    )
    return wanted if wanted in chapters else chapters[0]


def pdf_pages(out: Path, relative: str | None = None) -> int:
    """PDF pages of the build in OUT (of one file, or all), from the build's manifest."""
    outputs = json.loads((out / ".cache" / "manifest.json").read_text())["outputs"]
    return sum(
        int(entry.get("pages") or 0)
        for name, entry in outputs.items()
        if name.endswith(".pdf") and (relative is None or name == relative)
    )


# The single-pass limit: every volume laid out once with its true page numbers (the cold
# build's folios) and written, one after another in one process; divided by the cores.
SINGLE_PASS = """
import json, sys
from pathlib import Path
from atlas_publish.editions.page_numbers import number_texts
from atlas_publish.editions.print import PrintLinks, print_volume
from atlas_publish.context import BuildContext
from atlas_publish.pipeline import check
from atlas_publish.render import templates_dir
from atlas_publish.writers.pdf import Typesetter
content, built, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
from atlas_publish.cache import Manifest
outputs = Manifest.load(built).outputs
checked = check(content)
atlas = checked.atlas
out.mkdir(parents=True, exist_ok=True)
for volume in atlas.volumes:
    folios = outputs[f"pdf/volume-{volume.number}.pdf"].folios
    links = PrintLinks(volume.number, atlas.root)
    planned = print_volume(atlas, checked.indexes, volume, links, BuildContext())
    typesetter = Typesetter([atlas.root, templates_dir()], atlas.root)
    layout = typesetter.lay_out(typesetter.parse(planned.html), planned.stylesheets,
                                number_texts({a: f for a, f in folios.items() if ":" not in a}))
    typesetter.write_part(layout, out / f"volume-{volume.number}.pdf", "pdf/ua-1", None)
"""


def single_pass_limit(content: Path, built: Path, work: Path, env: dict[str, str]) -> float:
    """Wall seconds to lay out and write every volume once, in one process."""
    seconds, _ = measure([PYTHON, "-c", SINGLE_PASS, str(content), str(built), str(work)], env)
    CPU_OF["single"] = CPU["last"]
    return seconds


def issue_14_targets(
    figures: dict[str, float | None], jobs: int, rewritten: set[str], only: set[str]
) -> None:
    """Every figure of issue 14 ("Lay out each page once") beside its target."""
    print("\nTargets (issue 14, lay out each page once):")

    def target(name: str, value: float | None, limit: float, unit: str = "x") -> None:
        if value is None:
            print(f"  {name:<48} not measured")
            return
        verdict = "met" if value <= limit else "NOT met"
        print(f"  {name:<48} {value:7.3f} {unit} (target <= {limit} {unit}): {verdict}")

    f = figures
    target("page layouts per printed page, cold build", f["cold_layouts"], 2.05, "")
    target("page layouts per printed page, after an edit", f["edit_layouts"], 1.1, "")
    naive, cold, single = f["naive"], f["cold"], f["single"]
    assert cold is not None
    target("cold / naive", cold / naive if naive else None, 0.35)
    target(f"cold / single-pass limit ({jobs} cores)", cold / single if single else None, 1.6)
    edit, preview, noop = f["edit"], f["preview"], f["noop"]
    target("one-article edit / cold", edit / cold if edit else None, 0.10)
    verdict = "met" if rewritten <= only else "NOT met"
    print(f"  {'edit rewrites only its volume':<48} {verdict} ({', '.join(sorted(rewritten))})")
    target("chapter preview / cold", preview / cold if preview else None, 0.03)
    target(
        "no-op / cold (as before: under a second, nothing written)",
        noop / cold if noop else None,
        0.03,
    )
    target("peak memory per worker, this tree", f["peak"], 250, "MB")
    small, large = f.get("peak_small"), f.get("peak_large")
    name = f"peak memory per worker at {f.get('large_articles') or 7000:,.0f} articles"
    if small and large:
        verdict = "met" if large <= FLAT * small else "NOT met"
        print(
            f"  {name:<48} {large:7.0f} MB against {small:.0f} MB for the same volume here "
            f"({large / small:.2f} x; flat: target <= {FLAT} x): {verdict}"
        )
    else:
        print(f"  {name:<48} not measured (--large 0)")
    cpu_ratios(jobs)


def cpu_ratios(jobs: int) -> None:
    """The same ratios from CPU seconds (all processes of each command), which swing far less
    than wall times on a shared machine. A parallel build's wall time is at best its CPU
    divided by the cores, so the cold build's CPU is divided by ``jobs`` where it is compared
    with a one-process step."""
    cold, naive, single = CPU_OF.get("cold"), CPU_OF.get("naive"), CPU_OF.get("single")
    edits, previews = CPU_OF.get("edits"), CPU_OF.get("previews")
    if not isinstance(cold, float):
        return
    share = cold / jobs
    print(f"\nFrom CPU seconds (cold build {cold:.0f} s of CPU, / {jobs} cores = {share:.0f} s):")

    def line(name: str, value: float, limit: float) -> None:
        verdict = "met" if value <= limit else "NOT met"
        print(f"  {name:<48} {value:7.3f} x (target <= {limit} x): {verdict}")

    if isinstance(naive, float):
        line("cold (CPU / cores) / naive (CPU)", share / naive, 0.35)
    if isinstance(single, float):
        line("cold / single-pass limit (both CPU)", cold / single, 1.6)
    if isinstance(edits, list) and edits:
        line("one-article edit (CPU) / cold (CPU / cores)", statistics.median(edits) / share, 0.10)
    if isinstance(previews, list) and previews:
        line(
            "chapter preview (CPU) / cold (CPU / cores)", statistics.median(previews) / share, 0.03
        )


def measure_check(content: Path, env: dict[str, str], repeats: int) -> list[float]:
    """`atlas-publish check` of the whole tree (load, validate, every body rendered once);
    the CPU seconds of each run, all its processes, go to CPU_OF["check"]."""
    times = []
    for _ in range(repeats):
        times.append(measure(cli("check", "--content", str(content)), env)[0])
        CPU_OF.setdefault("check", []).append(CPU["last"])  # type: ignore[union-attr]
    return times


def check_note() -> str:
    cpu = CPU_OF.get("check")
    assert isinstance(cpu, list)
    return f"CPU median {statistics.median(cpu):.2f} s (all processes)"


def measure_epubs(
    content: Path, out: Path, env: dict[str, str], jobs: int, repeats: int
) -> list[float]:
    """All nine EPUBs from scratch (`build --format epub --no-cache`, check included), as
    pandoc is measured: every volume, one command, no print layout."""
    times = []
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        command = ["build", "--content", str(content), "--out", str(out), "--format", "epub"]
        times.append(measure(cli(*command, "--no-cache", "--jobs", str(jobs), "--quiet"), env)[0])
        CPU_OF.setdefault("epubs", []).append(CPU["last"])  # type: ignore[union-attr]
    return times


def print_check_target(check: float, articles: int) -> None:
    # the target is set for 700 articles; starting Python and importing take ~0.1 s at any size
    verdict = ("met" if check <= 1.2 else "NOT met") if articles == 700 else "not judged"
    print(
        f"  {'check of every article':<40} {check:7.3f} s (target <= 1.2 s at 700): {verdict}"
        f"  ({check_note()}; load average {os.getloadavg()[0]:.1f})"
    )


def print_check_and_epub_targets(
    check: float, epubs: float, pandoc_epub: float | None, articles: int
) -> None:
    """Issue 14's targets for the work done once: check, and the nine EPUBs against pandoc."""
    print("\nTargets (issue 14, check and EPUB):")
    print_check_target(check, articles)
    if pandoc_epub is None:
        print(f"  {'all EPUBs / pandoc EPUB':<40} not measured (no pandoc)")
        return
    ratio = epubs / pandoc_epub
    verdict = "met" if ratio <= 0.3 else "NOT met"
    print(
        f"  {'all EPUBs / pandoc EPUB':<40} {ratio:7.3f} x (target <= 0.3 x): {verdict}"
        f"  ({epubs:.1f} s against {pandoc_epub:.1f} s)"
    )
    ours, theirs = CPU_OF.get("epubs"), CPU_OF.get("pandoc_epub")
    if isinstance(ours, list) and isinstance(theirs, float) and theirs:
        # CPU seconds swing far less with the load of a shared machine than wall seconds
        cpu = statistics.median(ours)
        print(
            f"  {'  the same in CPU seconds':<40} {cpu / theirs:7.3f} x"
            f"  ({cpu:.1f} s against {theirs:.1f} s; load average {os.getloadavg()[0]:.1f})"
        )


def pandoc_epub_row(
    sources: list[Path],
    work: Path,
    env: dict[str, str],
    row: Callable[[str, list[float], str], float],
) -> float:
    """pandoc to EPUB, one volume after another; its CPU seconds to CPU_OF."""
    seconds = row(
        "pandoc to EPUB", [run_pandoc(sources, work / "pandoc-out", "epub", [], env)], "9 volumes"
    )
    CPU_OF["pandoc_epub"] = CPU["last"]
    return seconds


def site_figures(
    content: Path,
    out: Path,
    repeats: int,
    env: dict[str, str],
    row: Callable[[str, list[float], str], float],
) -> tuple[float, float]:
    """The web edition: whole (search index included), no-op, and one article edited."""
    site = ["site", "--content", str(content), "--out", str(out)]
    cold_times = []
    for _ in range(repeats):
        shutil.rmtree(out / "site", ignore_errors=True)
        (out / ".cache" / "site.json").unlink(missing_ok=True)
        cold_times.append(measure(cli(*site), env)[0])
    pages = sum(1 for _ in (out / "site").rglob("*.html"))
    cold = row(
        "site, whole", cold_times, f"{pages} HTML files, search index; CPU {CPU['last']:.1f} s"
    )
    noop_times = []
    for _ in range(repeats):
        before = files(out / "site")
        noop_times.append(measure(cli(*site), env)[0])
        assert files(out / "site") == before, "a no-op site run rewrote files"
    noop = row("site, no-op", noop_times, f"rewrote nothing; CPU {CPU['last']:.2f} s")
    article = edited_article(content)
    edit_times, rewritten = [], set()
    for i in range(repeats):
        article.write_text(article.read_text() + f"\nA paragraph for the site, number {i}.\n")
        before = files(out / "site")
        edit_times.append(measure(cli(*site), env)[0])
        after = files(out / "site")
        rewritten |= {
            k for k in after if after[k] != before.get(k) and not k.startswith("pagefind/")
        }
    row(
        "site, one-article edit",
        edit_times,
        f"CPU {CPU['last']:.1f} s; rewrote " + ", ".join(sorted(rewritten)),
    )
    return cold, noop


def volume_only(
    content: Path, out: Path, number: int, env: dict[str, str], counter: LayoutCounter
) -> float:
    """A cold build of one volume's PDF with one worker: the peak memory of the largest
    process (the worker laying the volume out, part after part), its pages and layouts."""
    shutil.rmtree(out, ignore_errors=True)
    counter.take()
    build = ["build", "--content", str(content), "--out", str(out), "--format", "pdf"]
    build += ["--volume", str(number), "--jobs", "1", "--quiet", "--lenient"]
    seconds, peak = measure(cli(*build), env)
    layouts = counter.take()
    pages = pdf_pages(out, f"pdf/volume-{number}.pdf")
    chapters = len(list(content.glob(f"{number}-*/*/chapter.yaml")))
    articles = len(list(content.glob(f"{number}-*/*/*.md")))
    print(
        f"  volume {number}: {articles} articles in {chapters} chapters, {pages} pages; "
        f"cold PDF build {seconds:.1f} s wall, {CPU['last']:.0f} s CPU; "
        f"{layouts / pages:.2f} page layouts per page; "
        f"peak memory of the largest process {peak:.0f} MB",
        flush=True,
    )
    return peak


# "Flat per worker": a volume's worker at ten times the articles peaks at most this much above
# the same volume's at 700 (the allocator's and the tree's own growth).
FLAT = 1.25


def large_tree_peak(
    work: Path, small: Path, articles: int, number: int, env: dict[str, str], counter: LayoutCounter
) -> tuple[float, float]:
    """Volume ``number``'s worker peak on this tree and on a generated tree of ``articles``
    articles (one worker, PDF only, cold): whether a worker's memory stays flat as the
    handbook grows."""
    print(f"\n  volume {number} alone, one worker, on this tree and on {articles:,} articles:")
    peak_small = volume_only(small, work / "volume-small", number, env, counter)
    large = work / f"content-{articles}"
    subprocess.run(
        cli("sample", "--articles", str(articles), "--out", str(large)),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    peak_large = volume_only(large, work / "volume-large", number, env, counter)
    return peak_small, peak_large


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=700)
    parser.add_argument("--cold-repeats", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chapter", default="4.02")
    parser.add_argument(
        "--check-epub-only",
        action="store_true",
        help="only check, the nine EPUBs and pandoc to EPUB (no PDF: half a minute)",
    )
    parser.add_argument("--work", type=Path, default=None, help="keep the trees here")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--no-pandoc", action="store_true")
    parser.add_argument("--no-site", action="store_true", help="leave out the web edition")
    parser.add_argument(
        "--site-only", action="store_true", help="only the web edition (no books: no page map)"
    )
    parser.add_argument(
        "--check-only", action="store_true", help="only `check` (use --repeats 5 or more)"
    )
    parser.add_argument(
        "--pandoc-pdf-volumes",
        type=int,
        default=9,
        metavar="N",
        help="pandoc to PDF for the first N volumes only (it takes as long as the naive way)",
    )
    parser.add_argument(
        "--large",
        type=int,
        default=7000,
        metavar="N",
        help="also build one volume of an N-article tree and compare its worker's peak memory "
        "with the same volume's here (0: not; it takes about five minutes)",
    )
    parser.add_argument("--large-volume", type=int, default=9, metavar="V", help=argparse.SUPPRESS)
    parser.add_argument(
        "--volume-only",
        type=int,
        default=None,
        metavar="N",
        help="only a cold build of volume N's PDF, one worker: its peak memory and layouts "
        "(with --articles 7000: is the worker's peak flat?)",
    )
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ)
    src = Path(__file__).resolve().parents[1] / "src"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env.pop("SOURCE_DATE_EPOCH", None)
    counter = LayoutCounter(work)
    env = counter.env(env)
    content = work / "content"
    subprocess.run(
        cli("sample", "--articles", str(args.articles), "--out", str(content)),
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(
        f"atlas-publish bench: {args.articles} articles, {args.jobs} jobs, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; tree in {work}",
        flush=True,
    )

    rows: list[tuple[str, float, str]] = []

    def row(name: str, values: list[float], note: str = "") -> float:
        median = statistics.median(values)
        shown = ", ".join(f"{v:.2f}" for v in values)
        rows.append((name, median, note))
        print(
            f"  {name:<34} median {median:8.2f} s   runs: {shown}{'   ' + note if note else ''}",
            flush=True,
        )
        return median

    if args.check_epub_only:  # what the nine EPUBs are measured against, in half a minute
        check = row("check, every article", measure_check(content, env, args.repeats), check_note())
        epubs = row(
            "all EPUBs (build --format epub)",
            measure_epubs(content, work / "epub-only", env, args.jobs, args.repeats),
            "check included; no print layout",
        )
        pandoc_epub = None
        if shutil.which("pandoc") and not args.no_pandoc:
            sources = pandoc_sources(content, work / "pandoc")
            pandoc_epub = pandoc_epub_row(sources, work, env, row)
        print_check_and_epub_targets(check, epubs, pandoc_epub, args.articles)
        return 0

    build = [
        "build",
        "--content",
        str(content),
        "--format",
        "all",
        "--jobs",
        str(args.jobs),
        "--quiet",
        # The proof gate runs and is timed; its faults on the generated text (a design matter,
        # `atlas-publish proof`) are warnings here, so a fault does not stop the measurement.
        "--lenient",
    ]
    out = work / "out"
    if args.check_only:
        check = row("check, every article", measure_check(content, env, args.repeats), check_note())
        print("\nTarget (issue 14, check):")
        print_check_target(check, args.articles)
        return 0
    if args.site_only:
        site_figures(content, out, args.repeats, env, row)
        return 0
    if args.volume_only is not None:
        volume_only(content, out, args.volume_only, env, counter)
        return 0
    cold_times, peaks = [], []
    for _ in range(args.cold_repeats):
        shutil.rmtree(out, ignore_errors=True)
        counter.take()
        seconds, peak = measure(cli(*build, "--out", str(out)), env)
        cold_layouts = counter.take()
        cold_cpu = CPU["last"]
        CPU_OF["cold"] = cold_cpu
        cold_times.append(seconds)
        peaks.append(peak)
    pages = pdf_pages(out)
    cold = row(
        "cold build, all volumes (PDF+EPUB)",
        cold_times,
        f"{pages} PDF pages; CPU {cold_cpu:.0f} s (last run); "
        f"{cold_layouts} page layouts ({cold_layouts / pages:.2f} per page)",
    )
    peak = max(peaks)

    noop_times = []
    for _ in range(args.repeats):
        before = files(out)
        noop_times.append(measure(cli(*build, "--out", str(out)), env)[0])
        assert files(out) == before, "a no-op build rewrote files"
    noop = row("no-op rebuild", noop_times, "rewrote nothing")

    edit_times, rewritten, edit_layouts = [], set(), []
    article = edited_article(content)
    volume = article.parent.parent.name.split("-")[0]
    for i in range(args.repeats):
        article.write_text(article.read_text() + f"\nAn edited paragraph, number {i}.\n")
        before = files(out)
        counter.take()
        edit_times.append(measure(cli(*build, "--out", str(out)), env)[0])
        CPU_OF.setdefault("edits", []).append(CPU["last"])  # type: ignore[union-attr]
        edit_layouts.append(counter.take() / pdf_pages(out, f"pdf/volume-{volume}.pdf"))
        after = files(out)
        rewritten |= {k for k in after if after[k] != before.get(k)}
    edit = row(
        f"one-article edit (volume {volume})",
        edit_times,
        "rewrote "
        + ", ".join(sorted(rewritten))
        + "; page layouts per page "
        + ", ".join(f"{x:.2f}" for x in edit_layouts),
    )

    chapter = previewed_chapter(content, args.chapter)
    preview_times = []
    for _ in range(args.repeats):
        preview_times.append(
            measure(cli("preview", chapter, "--content", str(content), "--out", str(out)), env)[0]
        )
        CPU_OF.setdefault("previews", []).append(CPU["last"])  # type: ignore[union-attr]
    preview = row(f"chapter preview {chapter}", preview_times)

    site_targets = None if args.no_site else site_figures(content, out, args.repeats, env, row)

    naive = None
    if not args.no_naive:
        seconds, naive_peak = measure([PYTHON, "-c", NAIVE, str(content), str(work / "naive")], env)
        CPU_OF["naive"] = CPU["last"]
        naive = row(
            "naive: one document per volume",
            [seconds],
            f"sequential, no cache, PDF only; CPU {CPU['last']:.0f} s; peak {naive_peak:.0f} MB; "
            f"{counter.take() / pages:.2f} page layouts per page",
        )
    counter.take()
    single_wall = single_pass_limit(content, out, work / "single", env)
    single = row(
        f"single-pass limit ({args.jobs} cores)",
        [single_wall / args.jobs],
        f"every volume laid out once and written: {single_wall:.1f} s in one process, "
        f"{counter.take() / pages:.2f} layouts per page, divided by {args.jobs}",
    )

    check = row("check, every article", measure_check(content, env, args.repeats), check_note())
    epubs = row(
        "all EPUBs (build --format epub)",
        measure_epubs(content, work / "epub-only", env, args.jobs, args.repeats),
        "check included; no print layout",
    )

    pandoc_epub = pandoc_pdf = None
    if not args.no_pandoc and shutil.which("pandoc"):
        sources = pandoc_sources(content, work / "pandoc")
        pandoc_epub = pandoc_epub_row(sources, work, env, row)
        if shutil.which("weasyprint", path=env.get("PATH")) and args.pandoc_pdf_volumes > 0:
            some = sources[: args.pandoc_pdf_volumes]
            seconds = run_pandoc(some, work / "pandoc-out", "pdf", ["--pdf-engine=weasyprint"], env)
            if len(some) == len(sources):
                pandoc_pdf = row("pandoc to PDF (weasyprint)", [seconds], "9 volumes")
            else:
                row(
                    f"pandoc to PDF (weasyprint), {len(some)} of {len(sources)} volumes",
                    [seconds],
                    "not comparable with the cold build",
                )
    elif not args.no_pandoc:
        print("  pandoc is not installed: no comparison (make bench installs it as root)")

    print(f"\n  peak memory of the largest process (a worker): {peak:.0f} MB")
    peak_small = peak_large = None
    if args.large:
        peak_small, peak_large = large_tree_peak(
            work, content, args.large, args.large_volume, env, counter
        )
    issue_14_targets(
        {
            "peak_small": peak_small,
            "peak_large": peak_large,
            "large_articles": args.large,
            "cold": cold,
            "naive": naive,
            "single": single,
            "edit": edit,
            "preview": preview,
            "noop": noop,
            "peak": peak,
            "cold_layouts": cold_layouts / pages,
            "edit_layouts": max(edit_layouts),
        },
        args.jobs,
        rewritten,
        {f"pdf/volume-{volume}.pdf", f"epub/volume-{volume}.epub"},
    )
    if site_targets is not None:

        def target(name: str, value: float, limit: float, unit: str = "x") -> None:
            verdict = "met" if value <= limit else "NOT met"
            print(f"  {name:<40} {value:7.3f} {unit} (target <= {limit} {unit}): {verdict}")

        print("\nTargets (issue 18, the web edition):")
        site_cold, site_noop = site_targets
        target(f"site, whole ({args.articles} articles)", site_cold, 10.0, "s")
        target("site, no-op", site_noop, 1.0, "s")
    print_check_and_epub_targets(check, epubs, pandoc_epub, args.articles)
    if pandoc_epub or pandoc_pdf:
        print("\nAgainst pandoc (same tree, one file per volume, sequential):")
        if pandoc_epub:
            print(
                f"  pandoc EPUB {pandoc_epub:.1f} s; atlas-publish cold (PDF+EPUB) / pandoc EPUB = {cold / pandoc_epub:.2f}"
            )
        if pandoc_pdf:
            print(
                f"  pandoc PDF {pandoc_pdf:.1f} s; atlas-publish cold (PDF+EPUB) / pandoc PDF = {cold / pandoc_pdf:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
