"""The EPUB edition: real ebooklib EPUBs, their print page list checked against the real PDF,
and EPUBCheck on a small tree, the sample handbook and a generated 700-article tree."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from atlas_publish.context import BuildContext
from atlas_publish.editions import epub as epub_edition
from atlas_publish.pipeline import BuildOptions, build, check
from atlas_publish.sample import generate_sample
from atlas_publish.validate import epubcheck, epubcheck_available
from atlas_publish.writers.epub import read_cover, volume_cover_png

from .conftest import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    EPUB_TYPE,
    XML_LANG,
    XML_NS,
    Tree,
    nav_links,
    need,
    opf_metadata,
    run_text,
    spine_of,
    xml,
)

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
PARAGRAPH = "Some plain words follow in this sentence, and then some more of them. " * 7
CHINESE = "新市场不会因为你的产品好就马上接受你。"


def _fill(tree: Tree) -> None:
    tree.volume(1, "Beginnings")
    tree.volume(2, "Endings")
    chapter = tree.chapter("1.01")
    (chapter / "images").mkdir()
    Image.new("RGB", (120, 60), "#336699").save(chapter / "images" / "chart.png")
    body = "\n\n".join(f"Paragraph {i} begins here. {PARAGRAPH}" for i in range(1, 41))
    tree.article(
        "1.010101",
        "![A blue chart](images/chart.png)\n\n"
        "## A table\n\n| Stage | Meaning |\n| --- | --- |\n| 1 | Idea |\n| 2 | Team |\n\n"
        f"{body}\n\nA note.[^1]\n\n[^1]: The footnote.\n",
        title="Opening Moves",
    )
    tree.article(
        "1.010102",
        "Customers arrive. Read [](article:1.010101) and [closing](article:2.010101).\n\n"
        f'<blockquote lang="zh-Hans">\n<p>{CHINESE}</p>\n</blockquote>\n\n'
        "In English: a new market takes time.\n",
        front='number: "1.010102"\ntitle: Has Some Customers\nsummary: Customers bring problems.\n'
        "stages: [6]\ntags: [S6_Customers]\n",
    )
    tree.article("2.010101", "Back to [](article:1.010101).\n", title="Closing Time")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both editions of a small tree: the EPUB takes its page list from the PDF's layout."""
    base = tmp_path_factory.mktemp("epub")
    tree = Tree(base / "content")
    _fill(tree)
    build(BuildOptions(content=tree.root, out=base / "out", jobs=2, date=int(EPOCH)))
    return base


def members(epub: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(epub) as book:
        return {name: book.read(name) for name in book.namelist()}


def text(data: bytes) -> str:
    return data.decode()


def test_package_order_cover_and_landmarks(built: Path) -> None:
    epub = built / "out" / "epub" / "volume-1.epub"
    files = members(epub)
    spine = spine_of(files["EPUB/content.opf"])
    assert spine == ["cover", "title", "copyright", "contents", "chapter-1-01",
                     "bm-stages", "bm-tags", "bm-keywords"]  # fmt: skip
    items = xml(files["EPUB/content.opf"]).iterfind("opf:manifest/opf:item", XML_NS)
    cover_item = next(i for i in items if i.get("id") == "cover-image")
    assert cover_item.get("href") == "images/cover.png"
    assert cover_item.get("properties") == "cover-image"
    cover = read_cover(epub)
    atlas = check(built / "content").atlas
    assert cover == volume_cover_png(atlas, 1) == files["EPUB/images/cover.png"]
    image = Image.open(io.BytesIO(cover))
    assert image.size == (1600, 2560) and image.info == {}  # no text or time chunks
    assert b"tIME" not in cover and b"tEXt" not in cover
    # Volume 1's ground, the gold frame and the white title, and only steps between the ground
    # and each of them: the anti-aliased edges, as an RGB drawing has them.
    ground, gold, white = (0x1F, 0x3A, 0x5F), (0xE8, 0xC8, 0x72), (0xFF, 0xFF, 0xFF)
    rgb = image.convert("RGB")
    assert rgb.getpixel((10, 10)) == rgb.getpixel((800, 1000)) == ground
    assert rgb.getpixel((75, 1280)) == rgb.getpixel((800, 2485)) == gold
    title = dict((c, n) for n, c in rgb.crop((150, 330, 1450, 560)).getcolors(1000) or [])
    assert title.get(white, 0) > 10_000  # "Test Atlas" at 190 px
    for colour in title:
        t = (colour[0] - ground[0]) / (white[0] - ground[0])
        expected = tuple(a + (b - a) * t for a, b in zip(ground, white, strict=True))
        assert max(abs(c - e) for c, e in zip(colour, expected, strict=True)) <= 2, colour
    cover_page = text(files["EPUB/cover.xhtml"])
    assert 'alt="Cover: Test Atlas, Volume 1: Volume 1 Title' not in cover_page
    assert 'alt="Cover: Test Atlas, Volume 1: Beginnings, by Tess Writer"' in cover_page
    nav = files["EPUB/nav.xhtml"]
    landmarks = [(kind, href) for kind, href, _ in nav_links(nav, "landmarks")]
    assert landmarks == [
        ("cover", "cover.xhtml"),
        ("titlepage", "title.xhtml"),
        ("toc", "contents.xhtml"),
        ("bodymatter", "chapter-1.01.xhtml"),
        ("backmatter", "by-stage.xhtml"),
        ("index", "keyword-index.xhtml"),
    ]
    assert nav_links(nav, "toc") and "toc.ncx" not in spine


def test_metadata(built: Path) -> None:
    opf = members(built / "out" / "epub" / "volume-1.epub")["EPUB/content.opf"]
    assert xml(opf).get(XML_LANG) == "en"
    metadata = opf_metadata(opf)
    found = {(tag, text, tuple(sorted(attrs.items()))) for tag, text, attrs in metadata}
    expected = [
        ("meta", "2026-01-01T00:00:00Z", {"property": "dcterms:modified"}),
        ("creator", "Tess Writer", {"id": "creator"}),
        ("meta", "aut", {"refines": "#creator", "property": "role", "scheme": "marc:relators"}),
        ("publisher", "Test Press", {}),
        ("rights", "Copyright © 2026 Tess Writer.", {}),
        ("language", "en", {}),
        ("title", "Test Atlas, Volume 1: Beginnings", {}),
        ("meta", "Test Atlas", {"property": "belongs-to-collection", "id": "collection"}),
        ("meta", "1", {"refines": "#collection", "property": "group-position"}),
        ("meta", "textual", {"property": "schema:accessModeSufficient"}),
        ("meta", "alternativeText", {"property": "schema:accessibilityFeature"}),
        ("meta", "printPageNumbers", {"property": "schema:accessibilityFeature"}),
        ("meta", "none", {"property": "schema:accessibilityHazard"}),
    ]
    for tag, value, attrs in expected:
        assert (tag, value, tuple(sorted(attrs.items()))) in found, (tag, value, attrs)
    by_property = {attrs.get("property"): text for _, text, attrs in metadata}
    description = next(text for tag, text, _ in metadata if tag == "description")
    assert description.startswith("Volume 1 of Test Atlas: Beginnings. 2 articles in 1 chapter.")
    assert by_property["pageBreakSource"].startswith(
        "Test Atlas, Volume 1: Beginnings, print edition"
    )
    assert by_property["schema:accessibilitySummary"]
    # nothing certifies conformance; we claim none
    assert "dcterms:conformsTo" not in {attrs.get("property") for _, _, attrs in metadata}


def _normal(value: str) -> str:
    value = value.replace("\u00ad", "").replace("\u2010\n", "").replace("-\n", "")
    return " ".join(value.split()).casefold()


def _after_marker(documents: dict[str, str], href: str, words: int = 3) -> str:
    name, _, anchor = href.partition("#")
    html = documents[f"EPUB/{name}"]
    rest = html[html.index(f'id="{anchor}"') :]
    plain = re.sub(r"<[^>]+>", " ", rest.split(">", 1)[1])
    return " ".join(_normal(plain).split()[:words])


def test_page_list_maps_to_the_printed_pages(built: Path) -> None:
    """Each page-list entry N sits before the text that begins printed page N (or runs onto it)."""
    need("pdftotext")
    out = built / "out"
    pdf_text = run_text("pdftotext", str(out / "pdf" / "volume-1.pdf"), "-").split("\f")[:-1]
    first = next(i for i, page in enumerate(pdf_text) if _normal(page).startswith("chapter 1.01"))
    printed = [_normal(page) for page in pdf_text[first:]]
    files = {k: v.decode() for k, v in members(out / "epub" / "volume-1.epub").items()
             if k.endswith(".xhtml")}  # fmt: skip
    page_list = [
        (href, label) for _, href, label in nav_links(files["EPUB/nav.xhtml"], "page-list")
    ]
    labels = [label for _, label in page_list]
    # the blank verso that ends an odd book has no text, so it may have no place in the EPUB
    ending = len(printed) - (
        0 if printed[-1].strip(" 0123456789") or labels[-1:] == [str(len(printed))] else 1
    )
    assert labels == [str(n) for n in range(1, ending + 1)]
    assert len(printed) >= 4
    for href, label in page_list:
        folio = int(label)
        start = _after_marker(files, href)
        where = printed[max(folio - 2, 0)] + " " + printed[folio - 1]
        if not printed[folio - 1] and folio < len(printed):  # a blank page: its text is next
            where += " " + printed[folio]
        assert start in where, (label, start, printed[folio - 1][:120])
        document = xml(files[f"EPUB/{href.split('#')[0]}"])
        marker = next(e for e in document.iter() if e.get("id") == f"page-{folio}")
        assert marker.tag == f"{{{XML_NS['xhtml']}}}span"
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == str(folio)
    body_markers = [h for h, _ in page_list if "Paragraph" in _after_marker(files, h, 1).title()]
    assert body_markers, "pages that begin inside an article body get their own markers"


def test_a_page_that_begins_inside_a_list_or_table_is_marked_there(
    small_tree: Tree, tmp_path: Path
) -> None:
    """Not a block early: at the list item or table row the printed page begins with (or
    inside), which the print layout says and the EPUB follows."""
    need("pdftotext")
    items = "".join(f"- Item {n} of a long list, which goes on for a while.\n" for n in range(60))
    rows = "".join(f"| Row {n} | A cell of the long table |\n" for n in range(70))
    small_tree.article(
        "1.010101", f"A list.\n\n{items}\nA table.\n\n| Row | Cell |\n|---|---|\n{rows}"
    )
    out = tmp_path / "out"
    build(BuildOptions(content=small_tree.root, out=out, jobs=1, date=int(EPOCH)))
    pdf_text = run_text("pdftotext", str(out / "pdf" / "volume-1.pdf"), "-").split("\f")[:-1]
    first = next(i for i, page in enumerate(pdf_text) if _normal(page).startswith("chapter 1.01"))
    printed = [_normal(page) for page in pdf_text[first:]]
    found = {"li": 0, "td": 0}
    for name, data in members(out / "epub" / "volume-1.epub").items():
        if not name.endswith(".xhtml") or name.endswith("nav.xhtml"):
            continue
        for parent in xml(data).iter():
            tag = parent.tag.split("}")[-1]
            for marker in parent:
                if tag in found and marker.get("role") == "doc-pagebreak":
                    found[tag] += 1
                    folio = int(marker.get("aria-label"))
                    words = " ".join(_normal("".join(parent.itertext())).split()[:3])
                    # the page begins with this item or row (after its running head and a
                    # repeated table head), or inside it: it began at the previous page's foot
                    top = " ".join(printed[folio - 1].split()[:12])
                    foot = " ".join(printed[folio - 2].split()[-25:])
                    assert words in top or words in foot, (folio, words, top)
    assert found["li"] and found["td"], found


def test_links_languages_and_stylesheet(built: Path) -> None:
    files = members(built / "out" / "epub" / "volume-1.epub")
    chapter = text(files["EPUB/chapter-1.01.xhtml"])
    assert 'href="chapter-1.01.xhtml#article-1.010101"' in chapter
    assert "closing (Volume\u00a02, article\u00a02.010101)" in chapter
    assert re.search(rf'<blockquote lang="zh-Hans">\s*<p>{CHINESE}</p>', chapter)
    # notes that Apple Books and Kobo open as pop-ups: a superscript number, an aside
    assert re.search(
        r'<sup class="footnote-ref"><a [^>]*epub:type="noteref" role="doc-noteref">1</a></sup>',
        chapter,
    )
    assert re.search(r'<aside [^>]*epub:type="footnote" role="doc-footnote">', chapter)
    assert "[1]" not in chapter
    assert '<img src="images/1-volume-1/01-chapter-01/chart.png" alt="A blue chart"' in chapter
    for name, data in files.items():
        if name.endswith(".xhtml"):
            root = xml(data)
            assert root.get("lang") == "en" and root.get(XML_LANG) == "en", name
            assert b"<script" not in data, name
    css = text(files["EPUB/style/epub.css"])
    assert not re.search(r"\d(px|pt|cm|mm|in)\b", css)
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # the comment says why, rules do it
    assert "opacity" not in rules and not re.search(r"#[0-9a-f]{3,6}\b|rgb|gr[ae]y", rules, re.I)
    assert "@page" not in css and "font-family" not in css


def test_reproducible(built: Path) -> None:
    """Two builds with one date and the same print layout are byte-identical."""
    again = built / "again"
    (again / ".cache").mkdir(parents=True)
    shutil.copy(built / "out" / ".cache" / "manifest.json", again / ".cache" / "manifest.json")
    build(
        BuildOptions(
            content=built / "content", out=again, formats=("epub",), jobs=1, date=int(EPOCH)
        )
    )
    for number in (1, 2):
        first = (built / "out" / "epub" / f"volume-{number}.epub").read_bytes()
        assert (again / "epub" / f"volume-{number}.epub").read_bytes() == first
    with zipfile.ZipFile(again / "epub" / "volume-1.epub") as book:
        infos = book.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    # Text is deflated; a picture, compressed already, is stored as it is.
    kinds = {i.filename: i.compress_type for i in infos}
    assert kinds["EPUB/images/cover.png"] == zipfile.ZIP_STORED
    assert kinds["EPUB/chapter-1.01.xhtml"] == kinds["EPUB/content.opf"] == zipfile.ZIP_DEFLATED


def test_without_a_print_layout_there_is_no_page_list(built: Path) -> None:
    lines: list[str] = []
    out = built / "epub-only"
    options = BuildOptions(
        content=built / "content", out=out, formats=("epub",), jobs=1, date=int(EPOCH)
    )
    build(options, lines.append)
    assert any("volume 1: no print page numbers in the EPUB" in line for line in lines)
    files = members(out / "epub" / "volume-1.epub")
    assert b"page-list" not in files["EPUB/nav.xhtml"]
    opf = files["EPUB/content.opf"]
    assert b"printPageNumbers" not in opf and b"pageBreakSource" not in opf
    assert b"doc-pagebreak" not in files["EPUB/chapter-1.01.xhtml"]


def test_an_image_without_alt_text(tree: Tree) -> None:
    tree.volume(1, "Beginnings")
    chapter = tree.chapter("1.01")
    (chapter / "images").mkdir()
    Image.new("RGB", (20, 20)).save(chapter / "images" / "dot.png")
    path = tree.article("1.010101", "Text.\n\n![](images/dot.png)\n")
    tree.article("1.010102")
    checked = check(tree.root)
    assert [str(w) for w in checked.warnings if w.code == "W061"] == [
        f"{path}:8: warning[W061]: image 'images/dot.png' has no alt text: describe it in the "
        "brackets, ![what it shows](images/dot.png)"
    ]
    atlas = checked.atlas
    plan = epub_edition.plan(atlas, checked.indexes, 1, BuildContext())
    features = [value for _, _, value, attrs in plan.metadata
                if attrs.get("property") == "schema:accessibilityFeature"]  # fmt: skip
    assert "alternativeText" not in features and "printPageNumbers" not in features
    sufficient = [value for _, _, value, attrs in plan.metadata
                  if attrs.get("property") == "schema:accessModeSufficient"]  # fmt: skip
    assert sufficient == ["textual,visual"]


def test_epubcheck_small_sample_and_700_articles(
    built: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Zero errors and zero warnings: the small tree (with its page list), the sample handbook
    and a generated 700-article tree (EPUB only), all in one EPUBCheck run."""
    if not epubcheck_available():
        pytest.skip("EPUBCheck needs Java (run make setup)")
    base = tmp_path_factory.mktemp("epubcheck")
    build(BuildOptions(content=ROOT / "content", out=base / "sample", formats=("epub",), jobs=2))
    generate_sample(base / "large", articles=700)
    build(BuildOptions(content=base / "large", out=base / "large-out", formats=("epub",), jobs=2))
    epubs = (
        sorted((built / "out" / "epub").glob("*.epub"))
        + sorted((base / "sample" / "epub").glob("*.epub"))
        + sorted((base / "large-out" / "epub").glob("*.epub"))
    )
    assert len(epubs) == 2 + 9 + 9
    # A broken copy in the same run: the batch runner reports what EPUBCheck finds.
    broken = base / "broken.epub"
    files = members(epubs[0])
    files["EPUB/nav.xhtml"] = files["EPUB/nav.xhtml"].replace(
        b'href="title.xhtml"', b'href="x.xhtml"'
    )
    with zipfile.ZipFile(broken, "w") as book:
        for name, data in files.items():
            book.writestr(
                name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            )
    results = epubcheck([*epubs, broken])
    assert any(m.severity == "ERROR" and m.code == "RSC-007" for m in results.pop(broken))
    problems = {str(path): [str(m) for m in found] for path, found in results.items() if found}
    assert problems == {}


def test_covers_drawn_in_any_order_are_the_same() -> None:
    """What the covers share is drawn once a process: no volume's cover shows another's."""
    from atlas_publish.content.load import load_atlas
    from atlas_publish.errors import Diagnostics
    from atlas_publish.writers import cover

    atlas = load_atlas(ROOT / "content", Diagnostics())
    assert atlas is not None
    one, two = atlas.volume(1), atlas.volume(2)
    cover._shared.cache_clear()
    first = cover.cover_png(atlas, two)
    cover.cover_png(atlas, one)
    assert cover.cover_png(atlas, two) == first
    cover._shared.cache_clear()
    assert cover.cover_png(atlas, two) == first != cover.cover_png(atlas, one)


def test_page_starts_round_trip_and_ignore_an_older_longer_layout() -> None:
    from atlas_publish import pagebreaks

    at = pagebreaks.point
    old = pagebreaks.encode(3, {1: at(0), 2: at(1, 1), 3: at(1, 2), 4: at(2)})
    new = pagebreaks.encode(3, {1: at(0), 2: at(1, 1, 3), 3: at(2, pagebreaks.STAGE_INDEX, 2)})
    pages = {**old, **new, "pagebreak:4:1": 0, "article-3.010101": 1}
    layout = pagebreaks.PrintLayout.from_page_map(3, pages)
    point = pagebreaks.ReadingPoint
    assert layout.folios == {"article-3.010101": 1} and layout.last_folio == 3
    assert layout.breaks() == {
        point(0, 0): [1],
        point(1, 1, 3): [2],  # inside body block 0, at its third list item or table row
        point(2, pagebreaks.STAGE_INDEX, 2): [3],  # at the stage index table's second row
    }
    assert pagebreaks.PrintLayout.from_json(layout.as_json()) == layout
    assert pagebreaks.PrintLayout.from_page_map(5, pages).breaks() == {}


def test_date_and_subjects(built: Path) -> None:
    opf = text(members(built / "out" / "epub" / "volume-1.epub")["EPUB/content.opf"])
    assert re.search(r"<dc:date>\d{4}-\d{2}-\d{2}</dc:date>", opf)
    assert "<dc:subject>Stage 6: Has some customers</dc:subject>" in opf
    assert "S6_Customers" not in opf  # a tag's ID is for editors


def test_the_title_page_is_centred_as_a_reader_sees_it(small_tree: Tree, tmp_path: Path) -> None:
    # h1-h6 are set left in epub.css: the title page's title must still be centred, as the
    # rest of the page is, in a browser engine like the reading systems'.
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (make setup)")
    out = tmp_path / "out"
    build(BuildOptions(content=small_tree.root, out=out, formats=("epub",), jobs=1))
    book = tmp_path / "book"
    with zipfile.ZipFile(next((out / "epub").glob("*.epub"))) as epub:
        epub.extractall(book)
    front = next(p for p in book.rglob("*.xhtml") if 'class="title-page"' in p.read_text())
    centres = """selector => {
        const element = document.querySelector(selector);
        const range = document.createRange();
        range.selectNodeContents(element);
        const text = range.getBoundingClientRect();
        const page = element.closest('.title-page').getBoundingClientRect();
        return [(text.left + text.right) / 2, (page.left + page.right) / 2];
    }"""
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 400, "height": 700})
        page.goto(front.as_uri())
        for selector in (".title-page h1", ".title-page .author"):
            text, whole = page.evaluate(centres, selector)
            assert abs(text - whole) < 2, (selector, text, whole)
        browser.close()


def test_metadata_and_copyright_in_typographic_quotes(small_tree: Tree, tmp_path: Path) -> None:
    # atlas.yaml is typed with straight apostrophes and no copyright sign: every place a
    # reader or a catalogue shows its text has the typographic ones, and the sign.
    yaml = small_tree.root / "atlas.yaml"
    yaml.write_text(
        yaml.read_text()
        .replace("title: Test Atlas", "title: The Founder's Atlas")
        .replace("rights: Copyright 2026 Tess Writer.", "rights: Copyright 2026 Tess Writer's.")
    )
    out = tmp_path / "out"
    build(BuildOptions(content=small_tree.root, out=out, formats=("epub", "complete"), jobs=1))
    with zipfile.ZipFile(out / "epub" / "volume-1.epub") as epub:
        opf = next(epub.read(n).decode() for n in epub.namelist() if n.endswith(".opf"))
        copyright_page = next(
            epub.read(n).decode() for n in epub.namelist() if n.endswith("copyright.xhtml")
        )
    shown = {
        (name, attributes.get("property", "")): value
        for name, value, attributes in opf_metadata(opf)
    }
    assert shown["meta", "belongs-to-collection"] == "The Founder’s Atlas"
    assert shown["meta", "pageBreakSource"].startswith("The Founder’s Atlas, Volume 1")
    assert shown["description", ""].startswith("Volume 1 of The Founder’s Atlas")
    assert shown["rights", ""] == "Copyright © 2026 Tess Writer’s."
    assert "'" not in "".join(value for value in shown.values())
    assert "<p>Copyright © 2026 Tess Writer’s.</p>" in copyright_page
    info = run_text("pdfinfo", str(out / "pdf" / "complete.pdf"))
    subject = next(line for line in info.splitlines() if line.startswith("Subject:"))
    assert subject.endswith("volumes of The Founder’s Atlas"), subject
