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
