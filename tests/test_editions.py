"""End to end: real WeasyPrint PDFs and ebooklib EPUBs, checked with poppler, qpdf and EPUBCheck."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from atlas_publish.pipeline import BuildOptions, build
from atlas_publish.validate import epubcheck, epubcheck_available

from .conftest import Tree, need, run_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import Tree as T

    base = tmp_path_factory.mktemp("small")
    tree = T(base / "content")
    _fill(tree)
    build(BuildOptions(content=tree.root, out=base / "out", jobs=2))
    return base / "out"


def _fill(tree: Tree) -> None:
    tree.volume(1, "Beginnings")
    tree.volume(2, "Endings")
    tree.article("1.010101", "Read [](article:1.010102) now.\n\n" + "Filler text. " * 400,
                 title="Opening Moves")  # fmt: skip
    tree.article(
        "1.010102",
        "Customers arrive.[^1] See [closing](article:2.010101).\n\n[^1]: A footnote.\n",
        front='number: "1.010102"\ntitle: Has Some Customers\nsummary: Customers bring problems.\n'
        "stages: [6]\ntags: [S6_Customers]\n",
    )
    tree.article("2.010101", "Back to [](article:1.010101).\n", title="Closing Time",
                 front='number: "2.010101"\ntitle: Closing Time\nsummary: Endings.\n'
                 "tags: [S6_Customers]\n")  # fmt: skip


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page, whitespace collapsed."""
    need("pdftotext")
    text = run_text("pdftotext", str(pdf), "-")
    return [" ".join(page.split()) for page in text.split("\f")]


def test_pdf_holds_every_article_and_true_pages(built_small: Path) -> None:
    pages = pdf_pages(built_small / "pdf" / "volume-1.pdf")
    opener = next(i for i, page in enumerate(pages) if page.startswith("CHAPTER 1.01"))
    start = next(
        i for i, page in enumerate(pages) if "1.010102 Has Some Customers Customers bring" in page
    )
    folio = start - opener + 1
    text = " ".join(pages)
    assert f"Read Has Some Customers (p. {folio}) now." in text
    # the other volume is named with the article's number, never a page (see README)
    assert "See closing (Volume 2, article 2.010101)." in text


def test_pdf_is_sound(built_small: Path) -> None:
    need("qpdf", "pdffonts")
    for pdf in sorted((built_small / "pdf").glob("*.pdf")):
        run_text("qpdf", "--check", str(pdf))
        fonts = run_text("pdffonts", str(pdf)).splitlines()[2:]
        embedded = [re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", f) for f in fonts]
        assert fonts and all(m and m.group(1) == "yes" for m in embedded), fonts


def test_epub_passes_epubcheck(built_small: Path) -> None:
    if not epubcheck_available():
        pytest.skip("EPUBCheck needs Java (run make setup)")
    epubs = sorted((built_small / "epub").glob("*.epub"))
    assert [p.name for p in epubs] == ["volume-1.epub", "volume-2.epub"]
    assert epubcheck(epubs) == {p: [] for p in epubs}


def test_epub_package(built_small: Path) -> None:
    with zipfile.ZipFile(built_small / "epub" / "volume-1.epub") as epub:
        names = epub.namelist()
        assert names[0] == "mimetype"
        assert epub.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert "EPUB/nav.xhtml" in names and "EPUB/toc.ncx" in names
        chapter = epub.read("EPUB/chapter-1.01.xhtml").decode()
    assert 'href="chapter-1.01.xhtml#article-1.010102"' in chapter
    # an ebook names the other volume's article, not a print page
    assert "closing (Volume\u00a02, article\u00a02.010101)" in chapter  # no-break spaces


def test_no_partial_files_are_left(built_small: Path) -> None:
    leftovers = [p for p in built_small.rglob("*") if p.name.endswith((".part", ".raw"))]
    assert leftovers == []


def test_the_sample_handbook_builds_and_validates(tmp_path: Path) -> None:
    """The shipped content: nine PDFs and nine EPUBs, every EPUB clean in EPUBCheck."""
    built = build(BuildOptions(content=ROOT / "content", out=tmp_path, jobs=2))
    pdfs = sorted(b.path.name for b in built if b.format == "pdf")
    assert pdfs == [f"volume-{n}.pdf" for n in range(1, 10)]
    if epubcheck_available():
        epubs = [b.path for b in built if b.format == "epub"]
        assert len(epubs) == 9
        assert epubcheck(epubs) == {p: [] for p in epubs}
