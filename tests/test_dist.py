"""make dist end to end on a small tree: real WeasyPrint, ebooklib and EPUBCheck, no mocks.

Two dist runs of the same tree into fresh folders (for reproducibility); the other tests read
the first one. The gate tests break one volume for real (a template override) and check the
previous dist is left exactly as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree as ET

import pytest

from atlas_publish import cli
from atlas_publish.dist import (
    DistError,
    DistOptions,
    Publication,
    epub_cover,
    publish,
    recover,
    slug,
    staged_directory,
)
from atlas_publish.render import templates_dir
from atlas_publish.validate import epubcheck_available

from .conftest import CHROMIUM, CHROMIUM_FLAGS, Tree, need

EPOCH = 1767225600  # 2026-01-01T00:00:00Z
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/terms/}"
ACQUISITION = "http://opds-spec.org/acquisition"
FEED_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
EXPECTED = {
    "test-atlas-vol-1-beginnings.pdf",
    "test-atlas-vol-1-beginnings.epub",
    "test-atlas-vol-2-endings.pdf",
    "test-atlas-vol-2-endings.epub",
    "test-atlas-complete.pdf",
    "catalog.json",
    "opds.xml",
    "index.html",
    "SHA256SUMS",
}


def _fill(tree: Tree) -> None:
    tree.volume(1, "Beginnings", slug="beginnings")
    tree.volume(2, "Endings", slug="endings")
    tree.article("1.010101", "Read [](article:1.010102).\n", title="Opening Moves")
    tree.article(
        "1.010102",
        "Customers arrive. See [closing](article:2.010101).\n",
        front='number: "1.010102"\ntitle: Has Some Customers\nsummary: Customers bring problems.\n'
        "stages: [6]\ntags: [S6_Customers]\n",
    )
    tree.article("1.020101", "A second chapter.\n", title="Middle Game")
    tree.article("2.010101", "Back to [](article:1.010101).\n", title="Closing Time")
    # A volume without articles yet: not published.
    tree.volume(3, "Not Yet", slug="not-yet")
    tree.chapter("3.01", "Empty For Now")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


class Runs:
    """Two dist runs of one tree, each into a fresh output folder."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.content = base / "content"
        self.first = base / "first"
        self.second = base / "second"
        self.publication: Publication | None = None

    @property
    def dist(self) -> Path:
        return self.first / "dist"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    if not epubcheck_available():
        pytest.skip("EPUBCheck is not installed (run make setup)")
    runs = Runs(tmp_path_factory.mktemp("dist"))
    _fill(Tree(runs.content))
    runs.publication = publish(DistOptions(runs.content, runs.first, jobs=2, date=EPOCH))
    # The second run builds everything again from nothing; only EPUBCheck's verdicts on
    # the first run's EPUBs are carried over (by digest: changed bytes are checked again).
    (runs.second / ".cache").mkdir(parents=True)
    shutil.copy(runs.first / ".cache" / "epubcheck.json", runs.second / ".cache")
    publish(DistOptions(runs.content, runs.second, jobs=2, date=EPOCH))
    yield runs


def test_publishes_every_volume_with_articles_under_readers_names(runs: Runs) -> None:
    names = {p.name for p in runs.dist.iterdir()}
    covers = {n for n in names if re.search(r"-(cover|thumb)\.(png|jpg)$", n)}
    assert names - covers == EXPECTED  # volume 3 has no articles: not published
    assert all(n.startswith(("test-atlas-vol-1-beginnings-", "test-atlas-vol-2-endings-"))
               for n in covers)  # fmt: skip
    # nothing left beside it
    assert sorted(p.name for p in runs.first.iterdir() if p.name.startswith(".dist.")) == [
        ".dist.lock"
    ]


def test_sha256sums_verify_with_sha256sum(runs: Runs) -> None:
    need("sha256sum")
    listed = (runs.dist / "SHA256SUMS").read_text().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in listed) == sorted(
        p.name for p in runs.dist.iterdir() if p.name != "SHA256SUMS"
    )
    done = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"],
        cwd=runs.dist,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": OK") == len(listed)


def test_catalog_describes_every_file(runs: Runs) -> None:
    from pypdf import PdfReader

    catalog = json.loads((runs.dist / "catalog.json").read_text())
    assert catalog["handbook"]["title"] == "Test Atlas"
    assert catalog["handbook"]["modified"] == "2026-01-01T00:00:00Z"
    assert catalog["handbook"]["articles"] == 4
    assert [v["number"] for v in catalog["volumes"]] == [1, 2]
    assert [c["title"] for c in catalog["volumes"][0]["chapters"]] == [
        "Chapter 1.01",
        "Chapter 1.02",
    ]
    files = {f["name"]: f for f in catalog["files"]}
    assert set(files) == {n for n in EXPECTED if n.endswith((".pdf", ".epub"))}
    for name, entry in files.items():
        data = (runs.dist / name).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["modified"] == "2026-01-01T00:00:00Z"
        if entry["format"] == "pdf":
            assert entry["pages"] == len(PdfReader(runs.dist / name).pages) > 1
        else:
            assert entry["pages"] is None
    one = files["test-atlas-vol-1-beginnings.epub"]
    assert (one["volume"], one["format"], one["articles"]) == (1, "epub", 3)
    assert one["title"] == "Test Atlas, Volume 1: Beginnings"
    complete = files["test-atlas-complete.pdf"]
    assert (complete["volume"], complete["edition"], complete["articles"]) == (None, "complete", 4)
    # every volume's pages, then (since the generated indexes) the complete edition's own index
    assert complete["pages"] >= sum(
        files[f"test-atlas-vol-{n}.pdf"]["pages"] for n in ("1-beginnings", "2-endings")
    )


def test_opds_feed_is_valid_atom_with_acquisition_links(runs: Runs) -> None:
    raw = (runs.dist / "opds.xml").read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert b'xmlns="http://www.w3.org/2005/Atom"' in raw
    assert b'xmlns:dc="http://purl.org/dc/terms/"' in raw
    feed = ET.fromstring(raw)  # well-formed
    assert feed.tag == f"{ATOM}feed"

    def text(element: ET.Element, name: str) -> str:
        found = element.find(name)
        assert found is not None and found.text, f"{name} missing"
        return found.text

    assert text(feed, f"{ATOM}id") == "urn:uuid:0b0e8a52-3d9f-4a51-9a43-7c7f3a0c2b11"
    assert text(feed, f"{ATOM}title") == "Test Atlas"
    assert text(feed, f"{ATOM}updated") == "2026-01-01T00:00:00Z"
    assert text(feed, f"{ATOM}author/{ATOM}name") == "Tess Writer"
    rels = {link.get("rel"): link for link in feed.findall(f"{ATOM}link")}
    for rel in ("self", "start"):
        assert rels[rel].get("href") == "opds.xml"
        assert rels[rel].get("type") == FEED_TYPE

    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3  # one per volume with articles, then the complete edition
    ids = [text(e, f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 3 and all(i.startswith("urn:") for i in ids)
    for entry in entries:
        assert text(entry, f"{ATOM}updated") == "2026-01-01T00:00:00Z"
        assert text(entry, f"{ATOM}title")
        assert text(entry, f"{ATOM}summary")
        assert text(entry, f"{DC}language") == "en"
        for link in entry.findall(f"{ATOM}link"):
            href = link.get("href") or ""
            assert "/" not in href and (runs.dist / href).is_file(), href
    volume_one = entries[0]
    assert text(volume_one, f"{ATOM}title") == "Test Atlas, Volume 1: Beginnings"
    assert "3 articles in 2 chapters" in text(volume_one, f"{ATOM}summary")
    acquisitions = {
        link.get("type"): link
        for link in volume_one.findall(f"{ATOM}link")
        if link.get("rel") == ACQUISITION
    }
    assert acquisitions["application/epub+zip"].get("href") == "test-atlas-vol-1-beginnings.epub"
    assert acquisitions["application/pdf"].get("href") == "test-atlas-vol-1-beginnings.pdf"
    size = (runs.dist / "test-atlas-vol-1-beginnings.epub").stat().st_size
    assert acquisitions["application/epub+zip"].get("length") == str(size)
    # The cover comes from the EPUB (its cover-image item) when it has one.
    images = {
        link.get("rel"): link.get("href")
        for link in volume_one.findall(f"{ATOM}link")
        if "image" in (link.get("rel") or "")
    }
    if epub_cover(runs.dist / "test-atlas-vol-1-beginnings.epub") is None:
        assert images == {}
    else:
        assert set(images) == {"http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail"}


def test_two_runs_give_byte_identical_files(runs: Runs) -> None:
    first, second = _digests(runs.dist), _digests(runs.second / "dist")
    assert first == second
    assert len(first) >= len(EXPECTED)


def test_download_page_in_a_phone_sized_browser(runs: Runs, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    html = (runs.dist / "index.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no external assets
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.goto((runs.dist / "index.html").as_uri())
            urls = page.eval_on_selector_all(
                "a[href], img[src], link[href], script[src]",
                "els => els.map(e => e.href || e.src)",
            )
            covers = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
            width = page.evaluate("document.documentElement.scrollWidth")
            headings = page.eval_on_selector_all("h3", "els => els.map(e => e.innerText)")
            page.click("#volume-1 summary")
            chapters = page.inner_text("#volume-1 details")
            shot = tmp_path / "phone.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert problems == []
    # Each cover the EPUBs have is shown (and loads); without one, a drawn stand-in.
    thumbs = sorted(runs.dist.glob("*-thumb.png"))
    assert len(covers) == len(thumbs) and all(w > 0 for w in covers)
    if not thumbs:
        assert html.count('class="blank"') == 2
    assert width <= 390  # nothing wider than the phone
    assert [h.split("\n")[-1] for h in headings] == ["Beginnings", "Endings"]
    assert "Chapter 1.02" in chapters
    files = set()
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme == "data":
            continue  # inline (the empty favicon): nothing to fetch
        assert parsed.scheme == "file", url
        path = Path(unquote(parsed.path))
        assert path.parent == runs.dist and path.is_file(), url
        files.add(path.name)
    assert files >= EXPECTED - {"index.html"}
    assert shot.stat().st_size > 10_000


def _copy_content(runs: Runs, where: Path) -> Path:
    content = where / "content"
    shutil.copytree(runs.content, content)
    return content


def _previous_dist(runs: Runs, where: Path) -> Path:
    """An output folder holding the first run's dist and caches."""
    out = where / "out"
    shutil.copytree(runs.first, out)
    return out


def test_epubcheck_gate_names_the_volume_and_keeps_the_previous_dist(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    content = _copy_content(runs, tmp_path)
    out = _previous_dist(runs, tmp_path)
    before = _digests(out / "dist")
    # A link to an anchor the document lacks, in volume 2 only: EPUBCheck reports RSC-012
    # (check refuses a link to a file, E041, before anything is built).
    chapter = (templates_dir() / "epub" / "chapter.xhtml.j2").read_text()
    broken = chapter.replace(
        "</body>",
        '{% if chapter.volume == 2 %}<p><a href="#nowhere">x</a></p>{% endif %}</body>',
    )
    assert broken != chapter
    (content / "_templates" / "epub").mkdir(parents=True)
    (content / "_templates" / "epub" / "chapter.xhtml.j2").write_text(broken)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))

    code = cli.main(["dist", "--content", str(content), "--out", str(out), "--jobs", "2"])

    assert code == 3  # a build failure (codes.EXIT), not a content error
    error = capsys.readouterr().err
    assert "refusing to publish" in error and "volume 2 EPUB" in error and "EPUBCheck" in error
    assert "volume 1" not in error
    assert _digests(out / "dist") == before
    assert not list(out.glob(".dist.new-*")) and not list(out.glob(".dist.old-*"))


def test_pdf_completeness_gate_names_the_volume_and_keeps_the_previous_dist(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = _copy_content(runs, tmp_path)
    out = _previous_dist(runs, tmp_path)
    before = _digests(out / "dist")
    # A style that hides one article of volume 2: its title never reaches the page.
    css = (templates_dir() / "print" / "print.css").read_text()
    (content / "_templates" / "print").mkdir(parents=True)
    (content / "_templates" / "print" / "print.css").write_text(
        css + '\n[id="article-2.010101"] .article-title { display: none; }\n'
    )
    with pytest.raises(DistError, match=r"refusing to publish: volume 2: the PDF lacks 1 article"):
        publish(DistOptions(content, out, jobs=2, date=EPOCH))

    assert _digests(out / "dist") == before
    assert not list(out.glob(".dist.new-*"))


# -- the parts, without a build ------------------------------------------------------------


def test_an_interrupted_assembly_leaves_the_previous_folder(tmp_path: Path) -> None:
    target = tmp_path / "dist"
    target.mkdir()
    (target / "old.pdf").write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), staged_directory(target) as folder:
        (folder / "new.pdf").write_bytes(b"half")
        raise KeyboardInterrupt
    assert [p.name for p in target.iterdir()] == ["old.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]

    with staged_directory(target) as folder:
        (folder / "new.pdf").write_bytes(b"new")
    assert [p.name for p in target.iterdir()] == ["new.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_an_interruption_between_the_renames_puts_the_old_folder_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import atlas_publish.dist as dist

    target = tmp_path / "dist"
    target.mkdir()
    (target / "old.pdf").write_bytes(b"old")
    real_rename = dist.os.rename

    def rename(source: Path, destination: Path) -> None:
        if Path(source).name.startswith(".dist.new-"):
            raise KeyboardInterrupt  # after the old folder went aside, before the new came in
        real_rename(source, destination)

    monkeypatch.setattr(dist.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt), staged_directory(target) as folder:
        (folder / "new.pdf").write_bytes(b"new")
    assert [p.name for p in target.iterdir()] == ["old.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_recover_undoes_a_run_killed_between_the_renames(tmp_path: Path) -> None:
    target = tmp_path / "dist"
    old = tmp_path / ".dist.old-x1"
    old.mkdir()
    (old / "previous.pdf").write_bytes(b"previous")
    (tmp_path / ".dist.new-y2").mkdir()  # the new folder, never renamed in
    recover(target)
    assert [p.name for p in target.iterdir()] == ["previous.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_nothing_to_publish_is_an_error(tree: Tree, tmp_path: Path) -> None:
    tree.volume(1, "Empty")
    tree.chapter("1.01")
    text = (tree.root / "atlas.yaml").read_text()
    (tree.root / "atlas.yaml").write_text(text.split("stages:")[0])
    with pytest.raises(DistError, match="no volume has articles"):
        publish(DistOptions(tree.root, tmp_path / "out", jobs=1))
    assert not (tmp_path / "out" / "dist").exists()


def test_names_are_ascii_slugs() -> None:
    assert slug("The Founder's Atlas", "x") == "the-founders-atlas"
    assert slug("Économie & Ça: l\u2019été", "x") == "economie-ca-lete"
    assert slug("!!!", "fallback") == "fallback"


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (width, height), (35, 57, 91)).save(data, format="PNG")
    return data.getvalue()


def _epub_with_cover(path: Path, cover: bytes) -> None:
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="EPUB/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        "<metadata/><manifest>"
        '<item id="c" href="images/cover.png" media-type="image/png" properties="cover-image"/>'
        "</manifest></package>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", container)
        archive.writestr("EPUB/content.opf", opf)
        archive.writestr("EPUB/images/cover.png", cover)


def test_cover_is_taken_from_the_epubs_cover_image_item(tmp_path: Path) -> None:
    from atlas_publish.dist import _publish_cover

    cover = _png(1600, 2560)
    epub = tmp_path / "book.epub"
    _epub_with_cover(epub, cover)
    assert epub_cover(epub) == (cover, "image/png")
    published = _publish_cover(epub, tmp_path, "atlas-vol-1-x")
    assert published is not None
    assert (tmp_path / published.name).read_bytes() == cover
    assert (published.width, published.height) == (320, 512)
    assert (tmp_path / published.thumbnail).is_file()


def test_an_epub_without_a_cover_has_none(tmp_path: Path) -> None:
    epub = tmp_path / "book.epub"
    _epub_with_cover(epub, _png(10, 16))
    with zipfile.ZipFile(epub) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["EPUB/content.opf"] = members["EPUB/content.opf"].replace(
        b' properties="cover-image"', b""
    )
    with zipfile.ZipFile(epub, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    assert epub_cover(epub) is None


def test_one_dist_run_at_a_time(tree: Tree, tmp_path: Path) -> None:
    from atlas_publish.dist import _lock

    out = tmp_path / "out"
    out.mkdir()
    with _lock(out), pytest.raises(DistError, match="another dist run"):
        publish(DistOptions(tree.root, out, jobs=1))


def test_without_source_date_epoch_the_newest_source_dates_the_edition(tmp_path: Path) -> None:
    import os

    from atlas_publish.dates import newest_source

    (tmp_path / "a.md").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("b")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_text("ignored")
    os.utime(tmp_path / "a.md", (1_700_000_000, 1_700_000_000))
    os.utime(tmp_path / "sub" / "b.yaml", (1_750_000_000, 1_750_000_000))
    os.utime(tmp_path / ".git" / "index", (1_800_000_000, 1_800_000_000))
    assert newest_source(tmp_path) == 1_750_000_000


def test_feed_and_page_escape_what_the_writer_typed(tree: Tree) -> None:
    import datetime as dt

    from atlas_publish.dist import DistFile, DistVolume, index_html
    from atlas_publish.opds import opds_feed
    from atlas_publish.pipeline import check

    text = (tree.root / "atlas.yaml").read_text().split("stages:")[0]
    (tree.root / "atlas.yaml").write_text(
        text.replace("title: Test Atlas", "title: 'Tom & Jerry''s <Atlas>'")
    )
    tree.volume(1, "Cats & <Mice>")
    tree.article("1.010101", title="One")
    atlas = check(tree.root).atlas
    volume = atlas.volumes[0]

    def file(format: str, volume_number: int | None) -> DistFile:
        return DistFile(f"x.{format}", volume_number, format, atlas.title, 10, "0" * 64, None, 1)

    publication = Publication(
        atlas=atlas,
        slug="tom-jerrys-atlas",
        updated=dt.datetime.fromtimestamp(EPOCH, dt.UTC),
        volumes=(
            DistVolume(
                volume, "urn:x", "Cats & <Mice>", "A & B", file("pdf", 1), file("epub", 1), None
            ),
        ),
        complete=file("pdf", None),
    )
    feed = ET.fromstring(opds_feed(publication))
    # escaped, and in typographic quotes like every text a reader sees
    assert feed.findtext(f"{ATOM}title") == "Tom & Jerry\u2019s <Atlas>"
    assert feed.findtext(f"{ATOM}entry/{ATOM}summary") == "A & B"
    page = index_html(publication)
    assert "Tom &amp; Jerry\u2019s &lt;Atlas&gt;" in page and "<Atlas>" not in page
    assert "Cats &amp; &lt;Mice&gt;" in page
