"""The web edition as ``serve`` shows it: the very files ``atlas-publish site`` writes, planned
in memory from the tree as last loaded, so what a writer previews is what is published.

Planned on the first request after a save (not at every save), and the search index on the
first search after one, in a temporary folder with the same Pagefind run as the build.
"""

from __future__ import annotations

import mimetypes
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .dist import DIST
from .editions.web import INDEX, NOT_FOUND, SitePlan, WebContext, WebFile, plan_site, read_assets
from .errors import Diagnostic, Diagnostics
from .indexes import Indexes
from .model import Atlas
from .render import PlaceholderLinks, environment, render_shared, template_search_path


@dataclass(frozen=True, slots=True)
class Served:
    status: int
    body: bytes
    kind: str


def site_path(url_path: str) -> str:
    """'/' -> 'index.html', '/1.030106/' -> '1.030106/index.html', '/assets/site.css' as is."""
    relative = url_path.lstrip("/")
    if relative == "" or relative.endswith("/"):
        relative += INDEX
    return relative


@dataclass
class LiveSite:
    out: Path  # where the books' builds left the page map and dist
    date: int = 0
    _generation: int = -1
    _files: dict[str, WebFile] = field(default_factory=dict)
    _problems: list[Diagnostic] = field(default_factory=list)
    _search: dict[str, bytes] | None = None
    _covers: dict[tuple[str, int, str], bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(
        self, atlas: Atlas, indexes: Indexes, generation: int, url_path: str
    ) -> Served | list[Diagnostic] | None:
        """The file at ``url_path``; the problems when the site cannot be planned; None when
        the site has no such file."""
        with self._lock:
            if generation != self._generation:
                self._plan(atlas, indexes)
                self._generation = generation
                self._search = None
            if self._problems:
                return list(self._problems)
            relative = site_path(url_path)
            if relative.startswith("pagefind/"):
                if self._search is None:
                    self._search = _search_index(self._files.values())
                data = self._search.get(relative)
                return Served(200, data, _kind(relative)) if data is not None else None
            file = self._files.get(relative)
        if file is None:
            return None
        body = file.data if file.data is not None else _read(file.source)
        return Served(200, body, _kind(relative)) if body is not None else None

    def not_found(self, atlas: Atlas) -> Served:
        """The site's 404 page; its links start at the site's path on its host, which is
        ``/`` here."""
        file = self._files.get(NOT_FOUND)
        if file is None or file.data is None:
            return Served(404, b"not found", "text/plain")
        body = file.data
        if atlas.url is not None:
            base = urlsplit(atlas.url).path
            body = body.replace(f'="{base}'.encode(), b'="/')
        return Served(404, body, "text/html; charset=utf-8")

    def _plan(self, atlas: Atlas, indexes: Indexes) -> None:
        from .site import downloads, print_pages

        diagnostics = Diagnostics()
        context = WebContext(
            date=self.date,
            pages=print_pages(self.out, atlas),
            downloads=downloads(self.out / DIST),
            covers=self._covers_for(atlas),
        )
        shared = render_shared(atlas.articles, atlas, indexes, PlaceholderLinks(), diagnostics)
        plan = plan_site(atlas, indexes, environment(atlas), context, shared)
        plan = SitePlan(plan.files + tuple(read_assets(template_search_path(atlas.root))))
        files = {f.path: f for f in plan.files}
        if context.downloads is not None:
            for download in (
                context.downloads.files + context.downloads.extras + context.downloads.unlisted
            ):
                path = f"downloads/{download.name}"
                files[path] = WebFile(path, source=download.source)
        self._files = files
        self._problems = diagnostics.errors

    def _covers_for(self, atlas: Atlas) -> dict[int, bytes]:
        """Covers drawn once per title (drawing one takes a quarter of a second)."""
        from .site import covers

        found = {}
        missing = []
        for volume in atlas.volumes:
            key = (atlas.title, volume.number, volume.title)
            if key in self._covers:
                found[volume.number] = self._covers[key]
            else:
                missing.append(volume.number)
        if missing:
            with tempfile.TemporaryDirectory(prefix="atlas-covers-") as folder:
                drawn = covers(atlas, Path(folder))
            for volume in atlas.volumes:
                self._covers[(atlas.title, volume.number, volume.title)] = drawn[volume.number]
            found = {v.number: drawn[v.number] for v in atlas.volumes}
        return found


def _search_index(files: object) -> dict[str, bytes]:
    from .writers.site import SEARCH_FOLDER, index_site

    with tempfile.TemporaryDirectory(prefix="atlas-search-") as folder:
        root = Path(folder)
        for file in files:  # type: ignore[attr-defined]
            if file.searchable and file.data is not None:
                target = root / file.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(file.data)
        index_site(root)
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in (root / SEARCH_FOLDER).rglob("*")
            if p.is_file()
        }


def _read(source: Path | None) -> bytes | None:
    try:
        return source.read_bytes() if source is not None else None
    except OSError:
        return None


def _kind(path: str) -> str:
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return (
        kind + "; charset=utf-8"
        if kind.startswith("text/") or kind.endswith("javascript")
        else kind
    )
