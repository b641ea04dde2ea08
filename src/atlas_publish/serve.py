"""``atlas-publish serve``: the handbook as HTML on 127.0.0.1, reloaded when a file is saved.

A watcher thread (watchfiles) reloads the content tree whenever a source or template is saved
and bumps a generation number. Every served page carries a tiny script that long-polls
``/_events?since=N`` and reloads the page when the generation moves on; the script is added
here, to served pages only, never to a built edition. A content error becomes the page
(``path:line: error[CODE]: message``) and the server keeps running.

Pages: the web edition (``atlas-publish site``) as it would be published, planned in memory
from the tree as last loaded (live_site.py): ``/`` is its home, ``/1.030106/`` an article.
For the books: ``/chapter/V.CC`` shows one chapter with the print stylesheet,
``/chapter/V.CC?style=epub`` with the EPUB one, and ``/_chapters`` lists them all.
"""

from __future__ import annotations

import errno
import json
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import watchfiles
from markupsafe import escape

from .codes import Code
from .errors import Diagnostic, Diagnostics, SourceLocation
from .indexes import Indexes
from .live_site import LiveSite, Served
from .model import Atlas, Chapter
from .pipeline import examine
from .render import template_search_path
from .webpage import SCREEN_CSS, STYLESHEETS, ChapterLinks, Style, error_page, render_chapter_page

POLL_SECONDS = 25.0
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def reload_script(generation: int) -> str:
    """Long-poll the server; reload when anything was saved since this page was made."""
    return (
        "<script>(function(){var g=" + str(generation) + ";function poll(){"
        "fetch('/_events?since='+g).then(function(r){return r.json()}).then(function(d){"
        "if(d.generation!==g){location.reload()}else{poll()}})"
        ".catch(function(){setTimeout(poll,1000)})}poll()})();</script>"
    )


@dataclass
class Handbook:
    """The content as last loaded, shared by the watcher and the request threads."""

    content: Path
    strict: bool = False  # warnings count and show as errors
    atlas: Atlas | None = None
    indexes: Indexes | None = None
    problems: list[Diagnostic] = field(default_factory=list)
    generation: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    site: LiveSite = field(default_factory=lambda: LiveSite(Path("build")))

    def reload(self) -> None:
        """Load and check the whole tree as ``check`` does; keep what could be read."""
        diagnostics = Diagnostics(strict=self.strict)
        try:
            checked = examine(self.content, diagnostics)
            atlas = checked.atlas if checked is not None else None
            indexes = checked.indexes if checked is not None else None
        except Exception as error:  # a half-saved file must not stop the server
            atlas, indexes = None, None
            diagnostics.error(Code.E000, f"could not read the tree: {error}", self.content)
        with self.changed:
            self.atlas = atlas
            self.indexes = indexes
            self.problems = diagnostics.sorted()
            self.generation += 1
            self.changed.notify_all()

    def wait(self, since: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.generation != since, timeout)
            return self.generation

    def watch(self, stop: threading.Event, report: Callable[[str], None]) -> None:
        paths = [p for p in [self.content, *template_search_path(self.content)] if p.exists()]
        for changes in watchfiles.watch(*paths, stop_event=stop, debounce=200, step=50):
            names = ", ".join(sorted({Path(p).name for _, p in changes}))
            self.reload()
            report(f"changed: {names}; {self.summary()}")

    def summary(self) -> str:
        """The problems counted as ``check`` counts them."""
        with self.changed:
            errors = sum(1 for p in self.problems if p.severity == "error")
            warnings = len(self.problems) - errors
        if not errors and not warnings:
            return "no problems"
        return f"{errors} error(s), {warnings} warning(s)"


def make_handler(handbook: Handbook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal shows what changed, not every request

        def do_GET(self) -> None:
            refusal = self._refusal()
            if refusal is not None:
                self._send(*refusal, "text/plain; charset=utf-8")
                return
            try:
                self._get()
            except ValueError as error:  # a malformed request: say so, keep serving
                self._send(400, f"bad request: {error}\n".encode(), "text/plain; charset=utf-8")

        def _refusal(self) -> tuple[int, bytes] | None:
            """Only requests to this server by its loopback name (a page elsewhere that points
            a name of its own at 127.0.0.1, DNS rebinding, gets nothing), and no NUL byte."""
            address = self.server.server_address
            port = address[1] if isinstance(address, tuple) else 0
            host = (self.headers.get("Host") or "").strip().lower()
            if host not in {f"{name}:{port}" for name in LOOPBACK_NAMES}:
                return 403, (
                    f"this server answers requests to http://127.0.0.1:{port}/ or "
                    f"http://localhost:{port}/ only\n"
                ).encode()
            if "\0" in unquote(self.path) or "%00" in self.path:
                return 400, b"bad request: a NUL byte in the address\n"
            return None

        def _get(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            path = unquote(url.path)
            if path == "/_events":
                since_text = query.get("since", ["0"])[0] or "0"
                if not since_text.isdigit() or len(since_text) > 18:
                    raise ValueError("since= takes the page's generation, a whole number")
                since = int(since_text)
                generation = handbook.wait(since, POLL_SECONDS)
                self._send(200, json.dumps({"generation": generation}).encode(), "application/json")
            elif path == "/_chapters":
                self._page(index_page(handbook))
            elif path.startswith("/chapter/") and path.count("/") == 2:
                style = query.get("style", ["print"])[0]
                chosen: Style = "epub" if style == "epub" else "print"
                self._page(chapter_page(handbook, path.removeprefix("/chapter/"), chosen))
            elif path.startswith("/templates/"):
                self._file(path.removeprefix("/templates/"), template_search_path(handbook.content))
            elif path.endswith("/style/epub.css"):  # the EPUB chapter's own relative link
                self._file("epub/epub.css", template_search_path(handbook.content))
            elif path.startswith("/content/") and Path(path).suffix.lower() in IMAGE_TYPES:
                self._file(path.removeprefix("/content/"), [handbook.content])
            else:
                self._site(path)

        def _site(self, path: str) -> None:
            served = site_file(handbook, path)
            self._send(served.status, served.body, served.kind)

        def _page(self, page: tuple[int, str]) -> None:
            status, html = page
            self._send(status, html.encode(), "text/html; charset=utf-8")

        def _file(self, relative: str, roots: list[Path]) -> None:
            for root in roots:
                base = root.resolve()
                try:
                    path = (base / relative).resolve()
                except RuntimeError:  # a loop of symbolic links: there is no such file
                    continue
                if path.is_relative_to(base) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    self._send(200, path.read_bytes(), kind)
                    return
            self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away (a reload): nothing to do

    return Handler


def site_file(handbook: Handbook, path: str) -> Served:
    """A file of the web edition; on its pages, the reload script and the books' previews."""
    atlas, indexes, problems, generation = _snapshot(handbook)
    script = reload_script(generation)
    errors = [p for p in problems if p.severity == "error"]
    if atlas is None or indexes is None or errors:
        shown = own_first(errors, _source_of(atlas, path)) if errors else problems
        page = error_page("The handbook has errors", shown, head=script)
        return Served(200, page.encode(), "text/html; charset=utf-8")
    try:
        found = handbook.site.get(atlas, indexes, generation, path)
    except Exception as error:  # a broken template: show it, keep serving
        broken = Diagnostic(Code.E000, f"could not render: {error}", SourceLocation(atlas.root))
        page = error_page("The site cannot be shown", [broken], head=script)
        return Served(200, page.encode(), "text/html; charset=utf-8")
    if isinstance(found, list):
        page = error_page("The handbook has errors", found, head=script)
        return Served(200, page.encode(), "text/html; charset=utf-8")
    served = found or handbook.site.not_found(atlas)
    if not served.kind.startswith("text/html"):
        return served
    html = served.body.decode()
    number = path.strip("/")
    chapter = number[:4] if number[:1].isdigit() and len(number) >= 4 else None
    if chapter is not None and chapter in indexes.chapters:
        bar = (
            f'<nav class="atlas-bar" aria-label="Preview"><span>Chapter {chapter} in the '
            f'books:</span> <a href="/chapter/{chapter}">print style</a> '
            f'<a href="/chapter/{chapter}?style=epub">EPUB style</a></nav>'
        )
        html = html.replace('<main id="main"', bar + '<main id="main"', 1)
    html = html.replace("</body>", script + "</body>", 1)
    return Served(served.status, html.encode(), served.kind)


def _snapshot(handbook: Handbook) -> tuple[Atlas | None, Indexes | None, list[Diagnostic], int]:
    with handbook.changed:
        return handbook.atlas, handbook.indexes, list(handbook.problems), handbook.generation


def index_page(handbook: Handbook) -> tuple[int, str]:
    atlas, _, problems, generation = _snapshot(handbook)
    script = reload_script(generation)
    errors = [p for p in problems if p.severity == "error"]
    if atlas is None or errors:
        return 200, error_page("The handbook has errors", errors or problems, head=script)
    items = []
    for volume in atlas.volumes:
        chapters = []
        for chapter in volume.chapters:
            articles = "".join(
                f'<li><a href="/chapter/{chapter.number}#{a.anchor}">{a.number} '
                f"{escape(a.title)}</a></li>"
                for a in chapter.articles
            )
            chapters.append(
                f'<li id="{chapter.anchor}"><a href="/chapter/{chapter.number}">'
                f"{chapter.number} {escape(chapter.title)}</a> "
                f'(<a href="/chapter/{chapter.number}?style=epub">EPUB style</a>)'
                f"<ol>{articles}</ol></li>"
            )
        items.append(
            f'<li id="{volume.anchor}"><strong>Volume {volume.number}: {escape(volume.title)}'
            f"</strong><ol>{''.join(chapters)}</ol></li>"
        )
    html = (
        f'<!DOCTYPE html>\n<html lang="{escape(atlas.language)}"><head><meta charset="utf-8">'
        f"<title>{escape(atlas.title)}</title>"
        f'<link rel="stylesheet" href="/templates/epub/epub.css">{SCREEN_CSS}{script}</head><body>'
        f'<h1>{escape(atlas.title)}</h1><ol class="atlas-index">{"".join(items)}</ol>'
        "</body></html>"
    )
    return 200, html


def chapter_page(handbook: Handbook, number: str, style: Style) -> tuple[int, str]:
    atlas, indexes, problems, generation = _snapshot(handbook)
    script = reload_script(generation)
    errors = [p for p in problems if p.severity == "error"]
    if atlas is None or indexes is None:
        return 200, error_page("The handbook has errors", errors or problems, head=script)
    chapter = next((c for c in atlas.chapters if c.number == number), None)
    if chapter is None:
        missing = Diagnostic(Code.E026, f"there is no chapter {number}", SourceLocation(atlas.root))
        return 404, error_page("No such chapter", [missing], head=script)
    diagnostics = Diagnostics(strict=handbook.strict)
    links = ChapterLinks(
        chapter,
        image_root=atlas.root,
        outside="/chapter/{chapter}#{anchor}",
        in_chapter_page=False,
    )
    head = f'<link rel="stylesheet" href="/templates/{STYLESHEETS[style]}">\n{script}'
    other = "epub" if style == "print" else "print"
    switch = "" if other == "print" else "?style=epub"
    bar = (
        f'<nav class="atlas-bar"><a href="/">{escape(atlas.title)}</a>'
        f"<span>Chapter {chapter.number}, {style} style</span>"
        f'<a href="/chapter/{chapter.number}{switch}">{other} style</a></nav>'
    )
    errors = own_first(errors, chapter)
    if errors:  # every fault of the tree, this chapter's first, above what can be shown
        listed = escape("\n".join(str(e) for e in errors))
        bar += f'<pre class="atlas-errors">{listed}</pre>'
    try:
        html = render_chapter_page(
            atlas, indexes, chapter, style, links, diagnostics, head=head, top=bar
        )
    except Exception as error:  # a broken template: show it, keep serving
        broken = Diagnostic(Code.E000, f"could not render: {error}", SourceLocation(chapter.path))
        return 200, error_page(f"Chapter {number} cannot be shown", [broken, *errors], head=script)
    if html is None:
        # The tree's check found the same problems: show each once, this chapter's first.
        shown = errors + [d for d in own_first(diagnostics.errors, chapter) if d not in errors]
        return 200, error_page(f"Chapter {number} has errors", shown, head=script)
    return 200, html


def own_first(problems: list[Diagnostic], source: Chapter | Path | None) -> list[Diagnostic]:
    """The problems in the page's own files (a chapter's folder, an article's file) first, then
    the rest, each in check's order."""
    if source is None:
        return problems
    where = source.path if isinstance(source, Chapter) else source
    own = [p for p in problems if p.location.path.is_relative_to(where)]
    return own + [p for p in problems if p not in own]


def _source_of(atlas: Atlas | None, path: str) -> Path | None:
    """The file or folder a web-edition page shows: '/4.020105/' an article, '/4.02/' a
    chapter, '/4/' a volume."""
    number = path.strip("/").split("/")[0]
    if atlas is None or not number[:1].isdigit():
        return None
    article = next((a for a in atlas.iter_articles() if a.number == number), None)
    if article is not None:
        return article.path
    chapter = next((c for c in atlas.chapters if c.number == number), None)
    if chapter is not None:
        return chapter.path
    volume = next((v for v in atlas.volumes if str(v.number) == number), None)
    return volume.path if volume is not None else None


def serve(
    content: Path,
    port: int = 8000,
    report: Callable[[str], None] = lambda line: None,
    strict: bool = False,
    ready: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    out: Path = Path("build"),
) -> None:
    """Serve until interrupted (or ``stop`` is set); only on the loopback interface.

    A busy port is not an error: the next free one of the following ``PORT_TRIES`` is taken,
    and the report says which. ServeError when none is free or the port cannot be used.
    """
    handbook = Handbook(content.absolute(), strict, site=LiveSite(out))
    server = _listen(port, make_handler(handbook), report)
    handbook.reload()
    report(f"checked {content}: {handbook.summary()}")
    stop = stop or threading.Event()
    watcher = threading.Thread(target=handbook.watch, args=(stop, report), daemon=True)
    watcher.start()
    server.daemon_threads = True
    report(f"serving {content} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    if ready is not None:
        ready(server.server_address[1])

    def stop_when_asked() -> None:
        stop.wait()
        server.shutdown()

    stopper = threading.Thread(target=stop_when_asked, daemon=True)
    stopper.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stop.set()
        server.server_close()


PORT_TRIES = 10
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class _Server(ThreadingHTTPServer):
    """A browser opens several connections at once on a reload: a backlog of 5 (the default)
    drops some of a burst; the long-polling reload script holds one open all the time."""

    request_queue_size = 128


class ServeError(Exception):
    """The server cannot listen: one line for the writer, with what to do."""


def _listen(
    port: int, handler: type[BaseHTTPRequestHandler], report: Callable[[str], None]
) -> ThreadingHTTPServer:
    """A server on ``port``, or on the next free port after it when it is busy."""
    tries = range(port, port + PORT_TRIES) if port else [0]
    for candidate in tries:
        try:
            server = _Server(("127.0.0.1", candidate), handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                continue
            if error.errno == errno.EACCES:
                raise ServeError(
                    f"port {candidate} needs administrator rights; use --port 8000 or another "
                    "port over 1023"
                ) from None
            raise ServeError(f"cannot listen on 127.0.0.1:{candidate}: {error.strerror}") from None
        if candidate != port:
            report(f"port {port} is in use (another server?); using port {candidate} instead")
        return server
    raise ServeError(
        f"ports {port}-{port + PORT_TRIES - 1} are all in use; stop the other server or "
        "choose a free port with --port N"
    )
