"""The preview server in a real browser (chromium driven by Playwright): save a file, see it."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from atlas_publish.serve import serve

from .conftest import CHROMIUM, CHROMIUM_FLAGS, Tree


@pytest.fixture
def server(small_tree: Tree) -> Iterator[str]:
    stop = threading.Event()
    ports: list[int] = []
    ready = threading.Event()

    def on_ready(port: int) -> None:
        ports.append(port)
        ready.set()

    thread = threading.Thread(
        target=serve, args=(small_tree.root, 0), kwargs={"ready": on_ready, "stop": stop}
    )
    thread.start()
    assert ready.wait(10)
    yield f"http://127.0.0.1:{ports[0]}"
    stop.set()
    thread.join(10)
    assert not thread.is_alive()


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode())


def test_pages_and_links_without_a_browser(server: str) -> None:
    index = fetch(server + "/_chapters")
    assert "Volume 1: Beginnings" in index and 'href="/chapter/1.01"' in index
    chapter = fetch(server + "/chapter/1.01")
    assert 'href="/templates/print/print.css"' in chapter
    assert "Opening Moves" in chapter and "/_events?since=" in chapter
    # another volume's article is a working link in the server
    assert 'href="/chapter/2.01#article-2.010101"' in chapter
    assert 'href="/templates/epub/epub.css"' in fetch(server + "/chapter/1.01?style=epub")
    assert fetch(server + "/templates/print/print.css").startswith("/*")
    with pytest.raises(urllib.error.HTTPError):
        fetch(server + "/templates/../pyproject.toml")


def test_a_saved_edit_and_an_error_show_in_the_browser(server: str, small_tree: Tree) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (make setup)")
    article = next(small_tree.root.glob("1-*/01-*/1.010101-*.md"))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(server + "/chapter/1.01")
        expect = playwright.expect
        expect(page.locator("h4.article-title").first).to_have_text("Opening Moves")

        article.write_text(article.read_text() + "\nA sentence saved just now.\n")
        expect(page.locator("body")).to_contain_text("A sentence saved just now.", timeout=15000)

        broken = article.read_text().replace("article:1.010102", "article:1.019999")
        article.write_text(broken)
        errors = page.locator("pre.atlas-errors")
        expect(errors).to_contain_text(":6: error[E040]", timeout=15000)
        expect(errors).to_contain_text("1.010101-an-article.md")

        article.write_text(broken.replace("article:1.019999", "article:1.010102"))
        expect(page.locator("pre.atlas-errors")).to_have_count(0, timeout=15000)
        expect(page.locator("body")).to_contain_text("A sentence saved just now.")
        browser.close()


def _raw_request(server: str, request: bytes) -> bytes:
    """Send ``request`` as it is (no client tidies it) and read the whole answer."""
    import socket

    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_malformed_requests_get_400_and_the_server_keeps_serving(server: str) -> None:
    host = server.removeprefix("http://").encode()
    for target in (b"/_events?since=abc", b"/chapter/1.01%00", b"/%00", b"/_events?since=1e999"):
        answer = _raw_request(
            server,
            b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n",
        )
        assert answer.startswith(b"HTTP/1.0 400 ") or answer.startswith(b"HTTP/1.1 400 "), answer
    assert "Volume 1" in fetch(server + "/")


def test_only_loopback_host_names_are_answered(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{int(port) + 1}", ""):
        header = f"Host: {host}\r\n" if host else ""
        answer = _raw_request(
            server, f"GET / HTTP/1.1\r\n{header}Connection: close\r\n\r\n".encode()
        )
        assert answer.split(b"\r\n", 1)[0].endswith(b"403 Forbidden"), (host, answer[:80])
        assert b"Volume 1" not in answer
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        answer = _raw_request(
            server, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        assert b" 200 OK" in answer.split(b"\r\n", 1)[0], host


def test_a_burst_of_connections_is_answered(server: str) -> None:
    import shutil
    import socket
    import subprocess

    port = int(server.rsplit(":", 1)[1])
    if shutil.which("ss"):  # the listening socket's backlog (Send-Q): 5 made a burst wait
        listening = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True,
                                   text=True, check=True).stdout.split()  # fmt: skip
        assert int(listening[2]) >= 128, listening
    connections = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(60)]
    try:
        request = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        for connection in connections:
            connection.sendall(request.encode())
        for connection in connections:
            assert connection.recv(12).startswith(b"HTTP/1."), "a connection was dropped"
    finally:
        for connection in connections:
            connection.close()


def test_the_web_edition_is_served(server: str, small_tree: Tree) -> None:
    """``/`` is the site as ``atlas-publish site`` writes it, with the reload script added."""
    home = fetch(server + "/")
    assert 'href="1/index.html"' in home and "/_events?since=" in home
    article = fetch(server + "/1.010102/")
    assert "Customers bring problems." in article and "/_events?since=" in article
    assert 'href="/chapter/1.01"' in article  # the books' preview of its chapter
    assert 'href="../2.010101/index.html"' in article  # another volume: a link
    assert fetch(server + "/assets/site.css").startswith("/*")
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(server + "/9.999999/")
    assert missing.value.code == 404
    search = fetch(server + "/pagefind/pagefind.js")
    assert "pagefind" in search.lower()
    path = next(small_tree.root.glob("1-*/01-*/1.010102-*.md"))
    path.write_text(path.read_text().replace("Customers arrive.", "Customers arrived today."))
    deadline = time.monotonic() + 15
    while "Customers arrived today." not in fetch(server + "/1.010102/"):
        assert time.monotonic() < deadline, "the saved edit never reached the served page"
        time.sleep(0.1)
