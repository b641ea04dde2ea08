"""The command line: argument parsing, exit codes and all printing.

Exit codes: 0 success, then one per class of problem (codes.py): 1 content errors,
2 usage errors, 3 build failures.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .codes import EXIT, Kind, exit_code
from .dates import BadSourceDate, source_date_epoch
from .errors import BuildError, ContentError
from .outputs import write_failure

if TYPE_CHECKING:
    from .progress import Progress

# Each command imports what it runs inside its function (deliberately deferred): `list`,
# `check` and `--help` start without loading WeasyPrint, ebooklib or rich.
EXIT_OK = 0
EXIT_CONTENT, EXIT_USAGE, EXIT_BUILD = EXIT[Kind.CONTENT], EXIT[Kind.USAGE], EXIT[Kind.BUILD]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atlas-publish",
        description="Turn a handbook of Markdown articles into PDF and EPUB volumes and a "
        "static web edition.",
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="validate the content tree; write nothing")
    _content_option(check)

    build = commands.add_parser("build", help="build the PDF and/or EPUB volumes")
    _content_option(build)
    build.add_argument("--out", type=Path, default=Path("build"), help="output folder (build/)")
    build.add_argument(
        "--format",
        choices=["pdf", "epub", "all", "complete"],
        default="all",
        help="pdf, epub, all (both), or complete (every volume in one PDF)",
    )
    build.add_argument(
        "--volume",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="build only volume N (repeatable)",
    )
    build.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: the number of cores)",
    )
    build.add_argument(
        "--lenient",
        action="store_true",
        help="build without refused resources (remote images, files outside the content "
        "folder) and write volumes the proof gate faults, with a warning for each, instead "
        "of stopping",
    )
    build.add_argument(
        "--print-ready",
        action="store_true",
        help="also write OUT/print-ready/volume-N.pdf: PDF/X-4 with trim and bleed boxes, "
        "for the printer",
    )
    build.add_argument(
        "--quiet", action="store_true", help="plain lines instead of the live progress display"
    )
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="rebuild every file even if its inputs are unchanged",
    )

    proof = commands.add_parser(
        "proof",
        help="lay out the PDF volumes and report what a proofreader would (exit 1 on a fault)",
    )
    _content_option(proof)
    proof.add_argument(
        "--out", type=Path, default=Path("build"), help="output folder (build/): OUT/proof.txt"
    )
    proof.add_argument(
        "--volume", type=int, action="append", default=[], metavar="N", help="only volume N"
    )
    proof.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, metavar="N", help="worker processes"
    )

    preview = commands.add_parser(
        "preview", help="one chapter as PDF and HTML in build/preview/, in seconds"
    )
    preview.add_argument("chapter", metavar="V.CC", help="the chapter, e.g. 4.02")
    _content_option(preview)
    preview.add_argument("--out", type=Path, default=Path("build"), help="output folder (build/)")

    serve = commands.add_parser(
        "serve", help="the handbook as HTML on 127.0.0.1, reloading when a file is saved"
    )
    _content_option(serve)
    serve.add_argument("--port", type=int, default=8000, help="the port (8000)")
    serve.add_argument(
        "--out",
        type=Path,
        default=Path("build"),
        help="where the books were built, for the site's print pages and downloads (build/)",
    )

    dist = commands.add_parser(
        "dist", help="build, check and publish the downloadable volumes in OUT/dist"
    )
    _content_option(dist)
    dist.add_argument("--out", type=Path, default=Path("build"), help="output folder (build/)")
    dist.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: the number of cores)",
    )
    site = commands.add_parser(
        "site", help="the web edition: a static site in OUT/site, to browse, search and download"
    )
    _content_option(site)
    site.add_argument("--out", type=Path, default=Path("build"), help="output folder (build/)")
    site.add_argument(
        "--dist",
        action="store_true",
        help="publish the downloads first (as atlas-publish dist), to link them with their sizes",
    )
    site.add_argument(
        "--no-search", action="store_true", help="leave out the full-text search index"
    )
    _index_commands(commands)
    imports = commands.add_parser(
        "import", help="turn exports of the older system into articles in the content tree"
    )
    imports.add_argument("files", nargs="+", type=Path, metavar="FILE", help="export(s) or folders")
    imports.add_argument(
        "--content", type=Path, default=Path("content"), help="the content folder (content/)"
    )
    imports.add_argument(
        "--dry-run", action="store_true", help="say what would be done; write nothing"
    )
    imports.add_argument(
        "--force",
        action="store_true",
        help="update articles that exist: the export's fields and text replace theirs, fields "
        "the export lacks (tags...) are kept, and every change is listed",
    )

    sample = commands.add_parser("sample", help="generate a content tree shaped like the handbook")
    sample.add_argument(
        "--articles",
        type=int,
        required=True,
        metavar="N",
        help="how many articles (9 or more; the handbook has about 700)",
    )
    sample.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="the new content folder"
    )
    sample.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="a different S gives different text; the same S the same tree (1)",
    )
    return parser


class _VersionAction(argparse.Action):
    """argparse's "version" action, with the version looked up only when it is asked for:
    importing importlib.metadata would cost every command about 0.04 s of its start."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="show program's version number and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("atlas-publish")
    except PackageNotFoundError:  # run from a source tree that was never installed
        from . import __version__

        return __version__


def _content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content", type=Path, default=Path("content"), help="the content folder (content/)"
    )
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "build":
            return _build(args)
        if args.command == "sample":
            return _sample(args)
        if args.command == "proof":
            return _proof(args)
        if args.command == "preview":
            return _preview(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "dist":
            return _dist(args)
        if args.command == "site":
            return _site(args)
        if args.command == "list":
            return _list(args)
        if args.command == "stats":
            return _stats(args)
        if args.command == "import":
            return _import(args)
    except ContentError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        count = sum(1 for d in error.diagnostics if d.severity == "error")
        print(f"{count} error(s); nothing was written.", file=sys.stderr)
        return exit_code([d.code for d in error.diagnostics if d.severity == "error"])
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return EXIT_BUILD
    except OSError as error:  # a disk that is full or read-only, a folder that is a file
        print(
            f"atlas-publish: {write_failure(error, Path(error.filename or '.'))}", file=sys.stderr
        )
        return EXIT_CONTENT
    except BadSourceDate as error:
        print(f"atlas-publish: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        writes = args.command not in {"check", "list", "stats"}  # these only read
        print(
            "interrupted"
            + ("; finished files are complete, unfinished ones were not written" if writes else ""),
            file=sys.stderr,
        )
        return 130
    return EXIT_USAGE


def _check(args: argparse.Namespace) -> int:
    from .pipeline import check

    started = time.perf_counter()
    checked = check(args.content, args.strict)
    for warning in checked.warnings:
        print(warning, file=sys.stderr)
    atlas = checked.atlas
    print(
        f"{args.content}: {len(atlas.articles)} articles in {len(atlas.volumes)} volumes and "
        f"{len(atlas.chapters)} chapters; no errors ({time.perf_counter() - started:.1f} s)"
    )
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    from .built import Built
    from .pipeline import FORMATS, BuildOptions, build

    formats = FORMATS if args.format == "all" else (args.format,)
    if args.format == "complete" and args.volume:
        print(
            "atlas-publish build: error: the complete edition holds every volume", file=sys.stderr
        )
        return EXIT_USAGE
    if args.jobs < 1:
        print("atlas-publish build: error: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    options = BuildOptions(
        content=args.content,
        out=args.out,
        formats=formats,
        volumes=tuple(args.volume),
        jobs=args.jobs,
        strict=args.strict,
        cache=not args.no_cache,
        lenient=args.lenient,
        print_ready=args.print_ready,
        date=_edition_date(args.content),
    )
    started = time.perf_counter()
    progress = _progress(args.quiet)
    built: list[Built] = []
    try:
        built = build(options, progress=progress)
    finally:
        progress.close(built)
    fresh = sum(1 for b in built if not b.cached)
    print(
        f"built {fresh} file(s), {len(built) - fresh} unchanged, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return EXIT_OK


def _edition_date(content: Path) -> int | None:
    """The date build and dist give an edition (dates.py); None when there is no content."""
    from .dates import edition_date

    return edition_date(content).epoch if content.is_dir() else None


def _proof(args: argparse.Namespace) -> int:
    from .proof.command import proof

    if args.jobs < 1:
        print("atlas-publish proof: error: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    run = proof(
        args.content,
        args.out,
        tuple(args.volume),
        args.jobs,
        note=lambda line: print(line, file=sys.stderr, flush=True),
        date=_edition_date(args.content),
        strict=args.strict,
    )
    for fault in run.faults:
        print(fault)
    pages = sum(run.pages.values())
    print(
        f"proofed {len(run.volumes)} volume(s), {pages} pages: {len(run.faults)} fault(s) "
        f"in {time.perf_counter() - started:.1f} s (report: {run.report})",
        file=sys.stderr,
    )
    return EXIT_CONTENT if run.faults else EXIT_OK


def _progress(quiet: bool) -> Progress:
    """A live display on a terminal; one plain line per step in logs and with --quiet."""
    from .progress import PlainProgress, RichProgress

    if sys.stdout.isatty() and not quiet:
        return RichProgress()
    return PlainProgress(lambda line: print(line, flush=True))


def _preview(args: argparse.Namespace) -> int:
    from .preview import preview_chapter

    if not re.fullmatch(r"[1-9]\.\d\d", args.chapter):
        print("atlas-publish preview: error: the chapter is V.CC, e.g. 4.02", file=sys.stderr)
        return EXIT_USAGE
    result = preview_chapter(args.content, args.out, args.chapter, args.strict)
    print(f"{result.pdf} ({result.pages} pages) and {result.html} in {result.seconds:.1f} s")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .serve import ServeError, serve

    if not 0 <= args.port <= 65535:
        print("atlas-publish serve: error: --port must be 0 to 65535", file=sys.stderr)
        return EXIT_USAGE
    try:
        serve(
            args.content,
            args.port,
            strict=args.strict,
            report=lambda line: print(line, flush=True),
            out=args.out,
        )
    except ServeError as error:
        print(f"atlas-publish serve: {error}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:  # Ctrl-C is how a writer stops the server: not an interruption
        print("stopped serving", flush=True)
    return EXIT_OK


def _dist(args: argparse.Namespace) -> int:
    from .dist import DistError, DistOptions, publish

    if args.jobs < 1:
        print("atlas-publish dist: error: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    folder = args.out / "dist"
    options = DistOptions(
        content=args.content,
        out=args.out,
        jobs=args.jobs,
        strict=args.strict,
        date=source_date_epoch(),  # None: dist dates the edition as build does, and says so
    )
    try:
        publication = publish(options, report=lambda line: print(line, flush=True))
    except DistError as error:
        print(f"atlas-publish dist: {error}", file=sys.stderr)
        print(f"nothing was published; {folder} is as it was.", file=sys.stderr)
        return EXIT_BUILD
    for path in sorted(folder.iterdir()):
        print(f"{path.stat().st_size:>12,}  {path.name}")
    complete = " and the complete edition" if publication.complete else ""
    print(
        f"published {len(publication.volumes)} volume(s){complete} to {folder} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return EXIT_OK


def _site(args: argparse.Namespace) -> int:
    from .site import SiteOptions, build_site

    options = SiteOptions(
        content=args.content,
        out=args.out,
        dist=args.dist,
        search=not args.no_search,
        strict=args.strict,
        date=_edition_date(args.content),
    )
    result = build_site(options, report=lambda line: print(line, flush=True))
    written = result.written
    if written is None:
        print(f"{result.target}: unchanged, {result.pages} pages ({result.seconds:.2f} s)")
        return EXIT_OK
    search = "search index rebuilt" if written.searched else "search index unchanged"
    print(
        f"{result.target}: {result.pages} pages, {written.files} files; {written.written} "
        f"written, {written.removed} removed; {search} ({result.seconds:.1f} s)"
    )
    print(f"open {(result.target / 'index.html').absolute().as_uri()}")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from .importer import import_files
    from .pipeline import check

    result = import_files(args.files, args.content, dry_run=args.dry_run, force=args.force)
    for line in result.lines():
        print(line)
    if not result.written:
        return EXIT_CONTENT if result.failed else EXIT_OK
    # What the writer must fix now, if anything: the same report as `check`.
    try:
        checked = check(args.content)
    except ContentError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic, file=sys.stderr)
        count = sum(1 for d in error.diagnostics if d.severity == "error")
        print(f"check: {count} error(s) in {args.content} to fix", file=sys.stderr)
        return EXIT_CONTENT
    for warning in checked.warnings:
        print(warning, file=sys.stderr)
    print(f"check: {args.content}: {len(checked.atlas.articles)} articles; no errors")
    return EXIT_CONTENT if result.failed else EXIT_OK


def _sample(args: argparse.Namespace) -> int:
    from .sample import generate_sample

    if args.articles < 9:
        print("atlas-publish sample: error: --articles must be 9 or more", file=sys.stderr)
        return EXIT_USAGE
    generate_sample(args.out, args.articles, args.seed)
    print(f"wrote a sample handbook of {args.articles} articles to {args.out}")
    return EXIT_OK


# --- list and stats: the editors' look-ups over the articles' metadata ------------------------


def _index_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = commands.add_parser(
        "list",
        help="the articles matching every filter given (tag, stage, keyword, volume), by number",
        description="Print the articles that match every filter given, by number. Filters "
        "combine with AND; repeat one to require several (--tag A --tag B). A tag, stage, "
        "keyword or volume that nothing has is an error naming the nearest known one.",
    )
    listing.add_argument(
        "--content", type=Path, default=Path("content"), help="the content folder (content/)"
    )
    listing.add_argument("--tag", action="append", default=[], metavar="T", help="carries tag T")
    listing.add_argument(
        "--stage",
        action="append",
        default=[],
        metavar="N",
        help="relates to stage N (a number, or the stage's name or tag)",
    )
    listing.add_argument(
        "--keyword", action="append", default=[], metavar="K", help="has keyword K (any case)"
    )
    listing.add_argument(
        "--volume", type=int, action="append", default=[], metavar="N", help="is in volume N"
    )
    listing.add_argument(
        "--format",
        choices=["table", "csv", "json", "markdown"],
        default="table",
        help="table (default), csv, json (a list of objects) or markdown (a table to paste)",
    )
    stats = commands.add_parser(
        "stats", help="articles per volume, chapter, stage and tag; what to look at"
    )
    stats.add_argument(
        "--content", type=Path, default=Path("content"), help="the content folder (content/)"
    )
    stats.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default, to read) or json (one object, for scripts)",
    )


def _list(args: argparse.Namespace) -> int:
    from .listing import Query, render, select
    from .pipeline import load

    _atlas, indexes = load(args.content)
    query = Query(tuple(args.tag), tuple(args.stage), tuple(args.keyword), tuple(args.volume))
    selection = select(indexes, query)
    for problem in selection.problems:
        print(f"atlas-publish list: {problem}", file=sys.stderr)
    if selection.problems:
        return EXIT_CONTENT
    sys.stdout.write(render(selection.articles, args.format))
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    from .pipeline import load
    from .stats import as_json, as_text, gather

    atlas, indexes = load(args.content)
    stats = gather(atlas, indexes)
    sys.stdout.write(as_json(stats) if args.format == "json" else as_text(stats))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
