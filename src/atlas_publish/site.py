"""``atlas-publish site``: the web edition in OUT/site, from the same content as the books.

check (the bodies rendered once, over the cores, as for the books) -> what the last builds
left (print page numbers, published downloads, covers) -> plan every page (editions/web.py) -> write the folder (writers/site.py). A run whose inputs
are unchanged since the last one (content, templates, code, options, the print page map and
the downloads) stops after comparing them and writes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import humanize

from .cache import Manifest, input_stamp
from .dates import edition_date
from .dist import CATALOG, DIST, DistOptions, publish
from .editions.web import (
    Download,
    Downloads,
    SitePlan,
    WebContext,
    WebFile,
    plan_site,
    read_assets,
)
from .model import Atlas
from .outputs import atomic_write_bytes, output_lock
from .pipeline import check
from .render import environment, template_search_path
from .writers.site import SiteWritten, write_site

SITE = "site"
STATE = "site.json"  # in OUT/.cache, beside the books' manifest
COVER_WIDTH = 320  # pixels: sharp at 160 CSS pixels on a 2x screen
Report = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SiteOptions:
    content: Path = Path("content")
    out: Path = Path("build")
    dist: bool = False  # publish the downloads first (make dist), to link them
    search: bool = True
    strict: bool = False
    # The edition's date (feed, sitemap); None: dated as build and dist date it (dates.py)
    date: int | None = None


@dataclass(frozen=True, slots=True)
class SiteResult:
    target: Path
    pages: int
    written: SiteWritten | None  # None: nothing had changed
    seconds: float


def build_site(options: SiteOptions, report: Report = lambda line: None) -> SiteResult:
    started = time.perf_counter()
    if options.date is None:
        options = replace(options, date=edition_date(options.content, {}).epoch)
    if options.dist:
        publish(DistOptions(content=options.content, out=options.out, date=options.date), report)
    target = options.out / SITE
    with output_lock(options.out, report):
        state_path = options.out / ".cache" / STATE
        stamp = _stamp(options)
        state = _read_state(state_path)
        if state.get("stamp") == stamp and _unchanged(target, state):
            pages = sum(1 for p in state["files"] if p.endswith(".html"))
            return SiteResult(target, pages, None, time.perf_counter() - started)
        checked = check(options.content, options.strict)  # bodies rendered over the cores
        for warning in checked.warnings:
            report(str(warning))
        atlas, indexes = checked.atlas, checked.indexes
        context = WebContext(
            date=options.date or 0,
            pages=print_pages(options.out, atlas),
            downloads=downloads(options.out / DIST),
            covers=covers(atlas, options.out / ".cache" / "covers"),
        )
        plan = plan_site(atlas, indexes, environment(atlas), context, checked.bodies)
        plan = SitePlan(plan.files + tuple(read_assets(template_search_path(atlas.root))))
        plan = SitePlan(plan.files + _download_files(context.downloads))
        written = write_site(plan.files, target, search=options.search)
        _save_state(state_path, stamp, target)
        pages = sum(1 for f in plan.files if f.path.endswith(".html"))
        return SiteResult(target, pages, written, time.perf_counter() - started)


def print_pages(out: Path, atlas: Atlas) -> dict[int, dict[str, int]]:
    """Where each article starts in print, from the last print build (build/.cache): only for
    a volume whose PDF is still the one that build wrote."""
    manifest = Manifest.load(out)
    pages = {}
    for volume in atlas.volumes:
        relative = f"pdf/volume-{volume.number}.pdf"
        entry = manifest.outputs.get(relative)
        if entry is not None and entry.matches(out / relative):
            pages[volume.number] = dict(entry.folios)
    return pages


def downloads(dist: Path) -> Downloads | None:
    """The published books, from dist's catalog.json (None when make dist has not run)."""
    try:
        catalog = json.loads((dist / CATALOG).read_text(encoding="utf-8"))
        entries = catalog["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    files = []
    for entry in entries:
        source = dist / str(entry["name"])
        if "/" in str(entry["name"]) or not source.is_file():
            return None  # a half-removed dist folder: link nothing rather than a missing file
        files.append(
            Download(
                name=str(entry["name"]),
                volume=entry.get("volume"),
                format=str(entry["format"]),
                bytes=int(entry["bytes"]),
                pages=entry.get("pages"),
                size=str(humanize.naturalsize(int(entry["bytes"]))),
                source=source,
            )
        )
    extras = []
    for name in ("SHA256SUMS", "opds.xml", "catalog.json"):
        path = dist / name
        if path.is_file():
            size = path.stat().st_size
            extras.append(
                Download(name, None, name, size, None, str(humanize.naturalsize(size)), path)
            )
    unlisted = []
    for volume in catalog.get("volumes") or []:
        cover = volume.get("cover") if isinstance(volume, dict) else None
        for name in (cover or {}).values() if isinstance(cover, dict) else ():
            path = dist / str(name)
            if str(name).endswith(".png") and "/" not in str(name) and path.is_file():
                size = path.stat().st_size
                unlisted.append(Download(str(name), None, "png", size, None, "", path))
    return Downloads(tuple(files), tuple(extras), tuple(unlisted))


def _download_files(found: Downloads | None) -> tuple[WebFile, ...]:
    if found is None:
        return ()
    every = found.files + found.extras + found.unlisted
    return tuple(WebFile(f"downloads/{d.name}", source=d.source) for d in every)


def covers(atlas: Atlas, cache: Path) -> dict[int, bytes]:
    """Each volume's EPUB cover, made small for the pages; drawn once, then kept in the cache
    under a hash of what the cover shows and of the code that draws it."""
    from PIL import Image

    from .cache import KeyMaker
    from .writers.epub import volume_cover_png

    code = KeyMaker.create(atlas, {}).common
    found = {}
    for volume in atlas.volumes:
        shown = [atlas.title, atlas.author, atlas.publisher, volume.number, volume.title, code]
        key = hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:20]
        path = cache / f"volume-{volume.number}-{key}.png"
        try:
            found[volume.number] = path.read_bytes()
            continue
        except OSError:
            pass
        with Image.open(io.BytesIO(volume_cover_png(atlas, volume.number))) as image:
            image.load()
            small = image.convert("RGB")
        small.thumbnail((COVER_WIDTH, COVER_WIDTH * 4), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
        found[volume.number] = buffer.getvalue()
        for stale in cache.glob(f"volume-{volume.number}-*.png"):
            stale.unlink(missing_ok=True)
        atomic_write_bytes(path, found[volume.number])
    return found


# -- the no-op check ----------------------------------------------------------------------


def _stamp(options: SiteOptions) -> str:
    """Everything the site shows: the sources (by size and time), the options, and what the
    books' builds left for it (the print page map and the published catalogue)."""
    extra = []
    for path in (options.out / ".cache" / "manifest.json", options.out / DIST / CATALOG):
        try:
            stat = path.stat()
            extra.append([str(path), stat.st_size, stat.st_mtime_ns])
        except OSError:
            extra.append([str(path), None])
    settings = {
        "site": [options.search, options.strict],
        "date": options.date,
        "also": extra,
    }
    return input_stamp(options.content, options.out, settings)


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _unchanged(target: Path, state: dict[str, Any]) -> bool:
    """Every file the last run wrote is still there as it was."""
    files = state.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for relative, (size, mtime) in files.items():
        try:
            stat = (target / relative).stat()
        except OSError:
            return False
        if stat.st_size != size or stat.st_mtime_ns != mtime:
            return False
    return True


def _save_state(path: Path, stamp: str, target: Path) -> None:
    files = {}
    for file in sorted(target.rglob("*")):
        if file.is_file():
            stat = file.stat()
            files[file.relative_to(target).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    atomic_write_bytes(path, json.dumps({"stamp": stamp, "files": files}).encode())
