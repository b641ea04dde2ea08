"""The web edition: `atlas-publish site` on the sample handbook and on small trees, opened in
chromium over a local http server (links, the tag filter, search, axe-core) and checked as
files (relative links, nothing from elsewhere, feeds, redirects, incremental, reproducible)."""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import tinyhtml5

from atlas_publish.cache import Manifest
from atlas_publish.cli import main
from atlas_publish.editions import web
from atlas_publish.errors import BuildError, ContentError
from atlas_publish.pagebreaks import PrintLayout
from atlas_publish.site import SiteOptions, build_site

from .conftest import CHROMIUM, CHROMIUM_FLAGS, Tree

SAMPLE = Path(__file__).resolve().parents[1] / "content"
EPOCH = 1767225600  # 2026-01-01


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample handbook's site, built once for the module."""
    out = tmp_path_factory.mktemp("site-out")
    build_site(SiteOptions(content=SAMPLE, out=out, date=EPOCH))
    return out / "site"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def http_site(sample_site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(sample_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "pagefind" not in p.parts)


def _parse(path: Path) -> ET.Element:
    return tinyhtml5.parse(path.read_bytes())  # type: ignore[no-any-return]


NS = "{http://www.w3.org/1999/xhtml}"


def test_the_sample_site_has_every_page(sample_site: Path) -> None:
    for relative in [
        "index.html",
        "1/index.html",
        "1.03/index.html",
        "1.030106/index.html",
        "articles/index.html",
        "stage/6/index.html",
        "tag/index.html",
        "keyword/index.html",
        "search/index.html",
        "downloads/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "assets/site.css",
        "pagefind/pagefind.js",
        "covers/volume-1.png",
    ]:
        assert (sample_site / relative).is_file(), relative
    home = (sample_site / "index.html").read_text()
    assert "A handy reference guide for executives" in home  # the tagline from atlas.yaml
    assert home.count('class="volume-card"') == 9
    assert 'href="1.03/index.html"' in home and 'href="stage/6/index.html"' in home
    article = (sample_site / "1.030106/index.html").read_text()
    assert 'rel="canonical" href="https://example.org/founders-atlas/1.030106/"' in article
    assert 'rel="next"' in article and 'rel="prev"' in article


def test_links_are_relative_and_lead_to_files(sample_site: Path) -> None:
    """Every href and src names a file of the site (so file:// works) or a fragment; nothing
    is loaded from elsewhere."""
    broken = []
    for page in _pages(sample_site):
        if page.name == "404.html":  # shown at any address: its links start at the site's path
            assert 'href="/founders-atlas/assets/site.css"' in page.read_text()
            continue
        root = _parse(page)
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None or value.startswith("#"):
                    continue
                if element.tag == f"{NS}link" and element.get("rel") == "canonical":
                    continue
                assert "//" not in value.split("#")[0], f"{page}: {value}"
                target = value.split("#")[0].split("?")[0]
                resolved = (page.parent / target).resolve()
                if not resolved.is_file():
                    broken.append(f"{page.relative_to(sample_site)}: {value}")
    assert not broken, broken[:10]


def test_references_across_volumes_are_links(sample_site: Path) -> None:
    html = (sample_site / "1.030106/index.html").read_text()
    hrefs = set(re.findall(r'href="(\.\./\d\.\d{6}/index\.html)"', html))
    assert any(not h.startswith("../1.") for h in hrefs), hrefs  # another volume's article
    assert "(Volume " not in html.split('class="article-body"')[1].split("</article>")[0]


def test_nothing_active_from_content_reaches_a_page(small_tree: Tree, tmp_path: Path) -> None:
    small_tree.article(
        "1.010103",
        '<script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">x</a>\n\n'
        "Text <b onmouseover=alert(3)>bold</b>.\n",
        title="Hostile",
    )
    build_site(SiteOptions(content=small_tree.root, out=tmp_path / "out", search=False))
    html = (tmp_path / "out/site/1.010103/index.html").read_text()
    assert "alert" not in html and "onclick" not in html and "onerror" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script type="application/ld+json">'], scripts


def test_an_override_with_a_script_is_refused(small_tree: Tree, tmp_path: Path) -> None:
    overrides = small_tree.root / "_templates" / "site"
    overrides.mkdir(parents=True)
    (overrides / "404.html.j2").write_text(
        '{% extends "site/base.html.j2" %}\n<script>x()</script>\n'
    )
    with pytest.raises(ContentError) as raised:
        build_site(SiteOptions(content=small_tree.root, out=tmp_path / "out", search=False))
    assert "error[E063]" in str(raised.value)
    assert not (tmp_path / "out/site").exists()


def test_the_last_guard_and_relative_links() -> None:
    assert web.active_parts('<script src="../assets/site.js"></script>') == []
    assert web.active_parts('<script type="application/ld+json">{}</script>') == []
    assert web.active_parts('<form class="search-form" action="../search/index.html">') == []
    assert web.active_parts("<script>x()</script>") == ["<script>"]
    assert web.active_parts('<script src="https://cdn.example/x.js"></script>') != []
    assert web.active_parts('<a href=" javascript:x()">') != []
    assert web.active_parts("<p onmouseover=x()>") != []
    assert (
        web.active_parts(
            '<meta http-equiv="refresh" content="0; url=../../1.030106/index.html">', redirect=True
        )
        == []
    )
    assert (
        web.active_parts(
            '<meta http-equiv="refresh" content="0; url=https://elsewhere/">', redirect=True
        )
        != []
    )
    assert (
        web.active_parts('<meta http-equiv="refresh" content="0; url=x">') != []
    )  # not a redirect page
    assert web.relative("stage/6/index.html", "1.030106/index.html") == "../../1.030106/index.html"
    assert web.relative("index.html", "1/index.html") == "1/index.html"
    assert web.relative("1.030106/index.html", "media/a b.png") == "../media/a%20b.png"


def test_stage_page_is_the_books_stage_index(sample_site: Path) -> None:
    html = (sample_site / "stage/6/index.html").read_text()
    assert "Articles for stage 6: Has some customers" in html
    assert re.search(
        r"Nineteen articles in the handbook relate|articles in the handbook relate", html
    )
    assert 'class="tag-table"' in html and "Stage\u00a06 essentials" in html


def test_feed_sitemap_and_metadata(sample_site: Path) -> None:
    feed = ET.parse(sample_site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert entries and all(e.find(f"{atom}id") is not None for e in entries)
    dates = [e.findtext(f"{atom}updated") for e in entries]
    assert dates == sorted(dates, reverse=True)
    sitemap = ET.parse(sample_site / "sitemap.xml").getroot()
    locs = [u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for u in sitemap]
    assert "https://example.org/founders-atlas/1.030106/" in locs
    html = (sample_site / "1.030106/index.html").read_text()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html)[1])  # type: ignore[index]
    assert data["@type"] == "Article" and data["identifier"] == "1.030106"
    assert '<meta property="og:type" content="article">' in html
    volume = (sample_site / "1/index.html").read_text()
    assert '"@type": "Book"' in volume


def test_the_slug_address_redirects_without_a_script(sample_site: Path) -> None:
    redirect = next((sample_site / "articles").glob("1-030106-*/index.html"))
    html = redirect.read_text()
    assert '<meta http-equiv="refresh" content="0; url=../../1.030106/index.html">' in html
    assert "<script" not in html


def test_print_pages_and_downloads_are_linked(small_tree: Tree, tmp_path: Path) -> None:
    """With a print build's page map and a published dist folder, an article names its page
    and links the files, and the home page lists them with their sizes."""
    tree = small_tree
    out = tmp_path / "out"
    (out / ".cache").mkdir(parents=True)
    (out / "pdf").mkdir()
    pdf = out / "pdf/volume-1.pdf"
    pdf.write_bytes(b"%PDF-1.7 stand-in for the page map")
    manifest = Manifest.load(out)  # the print build's record, as the build writes it
    layout = PrintLayout(folios={"article-1.010101": 7}, last_folio=12)
    manifest.record(out, "pdf/volume-1.pdf", "k", pages=12, seconds=1.0, layout=layout)
    manifest.save()
    dist = out / "dist"
    dist.mkdir()
    (dist / "atlas-vol-1.pdf").write_bytes(b"p" * 2048)
    (dist / "atlas-vol-1.epub").write_bytes(b"e" * 1024)
    (dist / "SHA256SUMS").write_text("x\n")
    files = [
        {"name": "atlas-vol-1.pdf", "volume": 1, "format": "pdf", "bytes": 2048, "pages": 12},
        {"name": "atlas-vol-1.epub", "volume": 1, "format": "epub", "bytes": 1024, "pages": None},
    ]
    (dist / "catalog.json").write_text(json.dumps({"files": files}))
    build_site(SiteOptions(content=tree.root, out=out, search=False))
    article = (out / "site/1.010101/index.html").read_text()
    assert "In print: " in article and "Volume 1, p. 7</a>" in article
    assert 'href="../downloads/atlas-vol-1.pdf#nameddest=article-1.010101"' in article
    assert 'href="../downloads/atlas-vol-1.epub"' in article
    home = (out / "site/index.html").read_text()
    assert "2.0 kB, 12 pages" in home
    assert (out / "site/downloads/atlas-vol-1.pdf").read_bytes() == b"p" * 2048


def test_incremental_noop_and_reproducible(small_tree: Tree, tmp_path: Path) -> None:
    tree = small_tree
    out = tmp_path / "out"
    options = SiteOptions(content=tree.root, out=out, date=EPOCH)
    first = build_site(options)
    assert first.written is not None and first.written.searched
    before = {p: p.stat().st_ino for p in (out / "site").rglob("*") if p.is_file()}
    again = build_site(options)
    assert again.written is None  # nothing changed: nothing read, nothing written
    path = next(tree.root.glob("1-*/01-*/1.010102-*.md"))
    path.write_text(path.read_text().replace("Customers arrive.", "Customers arrive, edited."))
    edited = build_site(options)
    assert edited.written is not None and edited.written.searched
    changed = {
        p.relative_to(out / "site").as_posix()
        for p in (out / "site").rglob("*")
        if p.is_file() and "pagefind" not in p.parts and p.stat().st_ino != before.get(p)
    }
    assert changed == {"1.010102/index.html"}, changed
    copy = tmp_path / "copy"
    shutil.copytree(tree.root, copy / "content")
    build_site(SiteOptions(content=copy / "content", out=copy / "out", date=EPOCH))
    ours = {
        p.relative_to(out / "site"): p.read_bytes()
        for p in (out / "site").rglob("*")
        if p.is_file()
    }
    theirs = {
        p.relative_to(copy / "out/site"): p.read_bytes()
        for p in (copy / "out/site").rglob("*")
        if p.is_file()
    }
    assert ours.keys() == theirs.keys()
    assert [k for k in ours if ours[k] != theirs[k]] == []


def test_a_failed_run_leaves_the_site_as_it_was(
    small_tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder is swapped in whole: a run that fails after writing pages (here the search
    indexer) leaves the published site untouched and nothing beside it."""
    import atlas_publish.writers.site as writer

    out = tmp_path / "out"
    build_site(SiteOptions(content=small_tree.root, out=out, date=EPOCH))
    before = {p: p.read_bytes() for p in (out / "site").rglob("*") if p.is_file()}
    path = next(small_tree.root.glob("1-*/01-*/1.010102-*.md"))
    path.write_text(path.read_text().replace("Customers arrive.", "Customers left."))

    def broken(folder: Path) -> None:
        raise BuildError("the search index could not be built (a test)")

    monkeypatch.setattr(writer, "index_site", broken)
    with pytest.raises(BuildError):
        build_site(SiteOptions(content=small_tree.root, out=out, date=EPOCH))
    after = {p: p.read_bytes() for p in (out / "site").rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".site")) == []


def test_content_errors_write_nothing(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", "See [](article:1.019999).\n")
    with pytest.raises(ContentError):
        build_site(SiteOptions(content=tree.root, out=tmp_path / "out"))
    assert not (tmp_path / "out/site").exists()


def test_cli(small_tree: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["site", "--content", str(small_tree.root), "--out", str(out), "--no-search"]
    assert main(args) == 0
    assert "written" in capsys.readouterr().out
    assert main(args) == 0
    assert "unchanged" in capsys.readouterr().out


# -- in a browser -------------------------------------------------------------------------


def _browser(playwright: object) -> object:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (make setup)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)  # type: ignore[attr-defined]


@pytest.mark.slow  # chromium
def test_follow_links_filter_and_search(http_site: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    expect = playwright.expect
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(http_site)
        page.get_by_role("link", name=re.compile("Business Stages")).first.click()
        expect(page.locator("h1")).to_have_text("Business Stages")
        page.get_by_role("link", name=re.compile("Has Some Customers")).first.click()
        expect(page.locator("h1")).to_contain_text("Has Some Customers")
        page.get_by_role("link", name=re.compile("Stage.6 essentials")).first.click()
        expect(page.locator("h1")).to_have_text(re.compile("Stage.6 essentials"))
        page.get_by_role("link", name=re.compile("Filter all articles")).click()
        expect(page.locator("#filter-count")).to_contain_text("match")
        visible = page.locator("#all-articles > li:visible")
        tagged = visible.count()
        assert 0 < tagged < page.locator("#all-articles > li").count()
        page.select_option("#filter-tag", "")
        page.select_option("#filter-stage", "6")
        expect(page.locator("#filter-count")).to_contain_text("match")
        page.goto(http_site + "search/index.html?q=customers")
        first = page.locator("#search-results > li").first
        expect(first).to_be_visible(timeout=15000)
        numbers = page.locator("#search-results .number").all_text_contents()[:3]
        assert "1.030106" in numbers, numbers
        first.locator("a").click()
        expect(page.locator(".article-number")).to_be_visible()
        browser.close()  # type: ignore[attr-defined]


@pytest.mark.slow  # chromium
def test_keyboard_skip_link_and_focus(http_site: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(http_site + "1.030106/index.html")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        assert focused == "Skip to the content"
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        browser.close()  # type: ignore[attr-defined]


@pytest.mark.slow  # chromium
def test_the_filter_works_from_a_file(sample_site: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto((sample_site / "articles/index.html").as_uri() + "?tag=S6_Customers")
        playwright.expect(page.locator("#filter-count")).to_contain_text("match")
        page.goto((sample_site / "search/index.html").as_uri())
        playwright.expect(page.locator("#search-offline")).to_be_visible()
        # Without JavaScript: no form, every article in a plain list
        quiet = browser.new_page(java_script_enabled=False)  # type: ignore[attr-defined]
        quiet.goto((sample_site / "articles/index.html").as_uri() + "?tag=S6_Customers")
        playwright.expect(quiet.locator("#filter")).to_be_hidden()
        assert quiet.locator("#all-articles > li:visible").count() == 49
        browser.close()  # type: ignore[attr-defined]


AXE_PAGES = [
    "index.html",
    "1/index.html",
    "1.03/index.html",
    "4.020106/index.html",  # a table and a footnote
    "9.010102/index.html",  # the passage in Chinese
    "stage/6/index.html",
    "search/index.html?q=customers",
    "articles/index.html?tag=S6_Customers",
]


@pytest.mark.slow  # chromium
def test_axe_finds_no_violation(http_site: str) -> None:
    """axe-core (axe-playwright-python) on the pages a reader sees, light and dark."""
    playwright = pytest.importorskip("playwright.sync_api")
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    found = []
    with playwright.sync_playwright() as p:
        browser = _browser(p)
        # Dark mode changes only colours: three pages show every colour the sheet has.
        for scheme, paths in (("light", AXE_PAGES), ("dark", AXE_PAGES[::3])):
            page = browser.new_page(color_scheme=scheme)  # type: ignore[attr-defined]
            for path in paths:
                page.goto(http_site + path)
                if "search" in path:
                    playwright.expect(page.locator("#search-results > li").first).to_be_visible(
                        timeout=15000
                    )
                results = axe_module.Axe().run(page)
                assert results.response["passes"], "axe-core did not run"
                for violation in results.response["violations"]:
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    found.append((scheme, path, violation["id"], targets))
            page.close()
        # On a phone: a wide table scrolls inside the column, the filter stacks
        page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
        # nothing a page asks for is missing (the browser asks for an icon too)
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        for path in ("index.html", "4.020106/index.html", "articles/index.html"):
            page.goto(http_site + path)
            page.wait_for_load_state("networkidle")
            results = axe_module.Axe().run(page)
            for violation in results.response["violations"]:
                targets = [n["target"] for n in violation["nodes"]][:3]
                found.append(("phone", path, violation["id"], targets))
            if path.startswith("4."):
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"the page is {width} px wide on a 390 px phone"
            if path.startswith("articles"):
                # one field a row: a stage's name is read whole ("6: Has some c" was cut)
                narrow = page.evaluate(
                    """() => { const row = document.querySelector('.filter-fields')
                        .getBoundingClientRect().width;
                      return [...document.querySelectorAll('.filter select')]
                        .filter(s => s.getBoundingClientRect().width < 0.9 * row).length; }"""
                )
                assert narrow == 0, f"{narrow} filter fields share a row on a phone"
        browser.close()  # type: ignore[attr-defined]
    assert missing == []
    assert found == []
