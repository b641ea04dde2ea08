#!/usr/bin/env python3
"""`make bench`: how fast atlas-publish is on a generated 700-article handbook.

Prints, in one go, the median wall time of repeated runs of: a cold build of every volume
(PDF and EPUB, empty OUT), a no-op rebuild, a one-article edit, a chapter preview; the peak
memory of the largest process (a worker); and, on the same tree, the naive way (one WeasyPrint
document per volume, one after another, no cache) and pandoc (to EPUB, and to PDF with
--pdf-engine=weasyprint), with the ratios against the targets of issue 6.

Every command runs as its own process, as a writer would run it; times include Python's start.
Cold builds take minutes, so they are repeated only --cold-repeats times (default 2).
"""

from __future__ import annotations

import argparse
import os
import re
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
from atlas_publish.pipeline import check
from atlas_publish.writers.pdf import PrintLinks, page_css, volume_html, stylesheet
from atlas_publish.fetcher import RestrictedFetcher
from atlas_publish.render import templates_dir
content, out = Path(sys.argv[1]), Path(sys.argv[2])
checked = check(content)
atlas = checked.atlas
out.mkdir(parents=True, exist_ok=True)
for volume in atlas.volumes:
    links = PrintLinks(volume.number, atlas.root)
    html = volume_html(atlas, volume, checked.indexes, links, None)
    fetcher = RestrictedFetcher([atlas.root, templates_dir()])
    fonts = FontConfiguration()
    sheets = [weasyprint.CSS(string=page_css(atlas), font_config=fonts),
              weasyprint.CSS(filename=str(stylesheet(atlas)), url_fetcher=fetcher, font_config=fonts)]
    weasyprint.HTML(string=html, base_url=str(atlas.root) + "/", url_fetcher=fetcher).write_pdf(
        out / f"volume-{volume.number}.pdf", stylesheets=sheets, font_config=fonts, pdf_variant="pdf/ua-1")
"""


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
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for source in sources:
        target = out / f"{source.stem}.{suffix}"
        subprocess.run(
            ["pandoc", str(source), "-o", str(target), "--metadata", "title=Volume", *extra],
            env=env,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def measure_check(content: Path, env: dict[str, str], repeats: int) -> list[float]:
    """`atlas-publish check` of the whole tree (load, validate, every body rendered once)."""
    return [measure(cli("check", "--content", str(content)), env)[0] for _ in range(repeats)]


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
    return times


def print_check_and_epub_targets(
    check: float, epubs: float, pandoc_epub: float | None, articles: int
) -> None:
    """Issue 14's targets for the work done once: check, and the nine EPUBs against pandoc."""
    print("\nTargets (issue 14, check and EPUB):")
    limit = 1.2 * articles / 700
    verdict = "met" if check <= limit else "NOT met"
    print(f"  {'check of every article':<40} {check:7.3f} s (target <= {limit:.1f} s): {verdict}")
    if pandoc_epub is None:
        print(f"  {'all EPUBs / pandoc EPUB':<40} not measured (no pandoc)")
        return
    ratio = epubs / pandoc_epub
    verdict = "met" if ratio <= 0.3 else "NOT met"
    print(
        f"  {'all EPUBs / pandoc EPUB':<40} {ratio:7.3f} x (target <= 0.3 x): {verdict}"
        f"  ({epubs:.1f} s against {pandoc_epub:.1f} s)"
    )


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
    cold = row("site, whole", cold_times, f"{pages} HTML files, search index; CPU {CPU['last']:.1f} s")
    noop_times = []
    for _ in range(repeats):
        before = files(out / "site")
        noop_times.append(measure(cli(*site), env)[0])
        assert files(out / "site") == before, "a no-op site run rewrote files"
    noop = row("site, no-op", noop_times, f"rewrote nothing; CPU {CPU['last']:.2f} s")
    article = sorted(content.glob("5-*/02-*/*.md"))[1]
    edit_times, rewritten = [], set()
    for i in range(repeats):
        article.write_text(article.read_text() + f"\nA paragraph for the site, number {i}.\n")
        before = files(out / "site")
        edit_times.append(measure(cli(*site), env)[0])
        after = files(out / "site")
        rewritten |= {k for k in after if after[k] != before.get(k) and not k.startswith("pagefind/")}
    row(
        "site, one-article edit",
        edit_times,
        f"CPU {CPU['last']:.1f} s; rewrote " + ", ".join(sorted(rewritten)),
    )
    return cold, noop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=700)
    parser.add_argument("--cold-repeats", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chapter", default="4.02")
    parser.add_argument("--work", type=Path, default=None, help="keep the trees here")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--no-pandoc", action="store_true")
    parser.add_argument("--no-site", action="store_true", help="leave out the web edition")
    parser.add_argument(
        "--site-only", action="store_true", help="only the web edition (no books: no page map)"
    )
    parser.add_argument(
        "--pandoc-pdf-volumes",
        type=int,
        default=9,
        metavar="N",
        help="pandoc to PDF for the first N volumes only (it takes as long as the naive way)",
    )
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = dict(os.environ)
    src = Path(__file__).resolve().parents[1] / "src"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env.pop("SOURCE_DATE_EPOCH", None)
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

    build = [
        "build",
        "--content",
        str(content),
        "--format",
        "all",
        "--jobs",
        str(args.jobs),
        "--quiet",
    ]
    out = work / "out"
    if args.site_only:
        site_figures(content, out, args.repeats, env, row)
        return 0
    cold_times, peaks = [], []
    for _ in range(args.cold_repeats):
        shutil.rmtree(out, ignore_errors=True)
        seconds, peak = measure(cli(*build, "--out", str(out)), env)
        cold_cpu = CPU["last"]
        cold_times.append(seconds)
        peaks.append(peak)
    pages = sum(
        int(m.group(1))
        for m in re.finditer(r'"pages": (\d+)', (out / ".cache" / "manifest.json").read_text())
    )
    cold = row(
        "cold build, all volumes (PDF+EPUB)",
        cold_times,
        f"{pages} PDF pages; CPU {cold_cpu:.0f} s (last run)",
    )
    peak = max(peaks)

    noop_times = []
    for _ in range(args.repeats):
        before = files(out)
        noop_times.append(measure(cli(*build, "--out", str(out)), env)[0])
        assert files(out) == before, "a no-op build rewrote files"
    noop = row("no-op rebuild", noop_times, "rewrote nothing")

    edit_times, rewritten = [], set()
    article = sorted((content).glob("5-*/02-*/*.md"))[0]
    for i in range(args.repeats):
        article.write_text(article.read_text() + f"\nAn edited paragraph, number {i}.\n")
        before = files(out)
        edit_times.append(measure(cli(*build, "--out", str(out)), env)[0])
        after = files(out)
        rewritten |= {k for k in after if after[k] != before.get(k)}
    edit = row("one-article edit (volume 5)", edit_times, "rewrote " + ", ".join(sorted(rewritten)))

    preview_times = []
    for _ in range(args.repeats):
        preview_times.append(
            measure(
                cli("preview", args.chapter, "--content", str(content), "--out", str(out)), env
            )[0]
        )
    preview = row(f"chapter preview {args.chapter}", preview_times)

    site_targets = None if args.no_site else site_figures(content, out, args.repeats, env, row)

    naive = None
    if not args.no_naive:
        seconds, naive_peak = measure([PYTHON, "-c", NAIVE, str(content), str(work / "naive")], env)
        naive = row(
            "naive: one document per volume",
            [seconds],
            f"sequential, no cache, PDF only; CPU {CPU['last']:.0f} s; peak {naive_peak:.0f} MB",
        )

    check = row("check, every article", measure_check(content, env, args.repeats))
    epubs = row(
        "all EPUBs (build --format epub)",
        measure_epubs(content, work / "epub-only", env, args.jobs, args.repeats),
        "check included; no print layout",
    )

    pandoc_epub = pandoc_pdf = None
    if not args.no_pandoc and shutil.which("pandoc"):
        sources = pandoc_sources(content, work / "pandoc")
        pandoc_epub = row(
            "pandoc to EPUB",
            [run_pandoc(sources, work / "pandoc-out", "epub", [], env)],
            "9 volumes",
        )
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
    print("\nTargets (issue 6):")

    def target(name: str, value: float | None, limit: float, unit: str = "x") -> None:
        if value is None:
            print(f"  {name:<40} not measured")
            return
        verdict = "met" if value <= limit else "NOT met"
        print(f"  {name:<40} {value:7.3f} {unit} (target <= {limit} {unit}): {verdict}")

    target("cold / naive", cold / naive if naive else None, 0.5)
    target("no-op / cold", noop / cold, 0.03)
    target("one-article edit / cold", edit / cold, 0.15)
    only = {"pdf/volume-5.pdf", "epub/volume-5.epub"}
    print(
        f"  {'edit rewrites only its volume':<40} {'met' if rewritten <= only else 'NOT met'} ({', '.join(sorted(rewritten))})"
    )
    target("chapter preview / cold", preview / cold, 0.05)
    target("peak memory per worker", peak, 300, "MB")
    if site_targets is not None:
        print("\nTargets (issue 18, the web edition):")
        site_cold, site_noop = site_targets
        target("site, whole (700 articles)", site_cold, 10.0, "s")
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
