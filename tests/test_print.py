"""The print edition as a book designer checks it: contents, folios, running heads, outline,
metadata, trim size and bleed, on real PDFs of small trees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from atlas_publish.pipeline import BuildOptions, build

from .conftest import Tree, need, run_text


def _tree(root: Path, print_settings: str = "") -> Tree:
    tree = Tree(root)
    if print_settings:
        (root / "atlas.yaml").write_text((root / "atlas.yaml").read_text() + print_settings)
    tree.volume(1, "Beginnings")
    tree.chapter("1.01", "First Steps")
    tree.chapter("1.02", "Second Steps")
    filler = "A sentence of ordinary length to fill the page with text. " * 60
    for number in ("1.010101", "1.010102", "1.010201", "1.020101", "1.020102"):
        tree.article(number, f"{filler}\n\n{filler}\n", title=f"Title {number}")
    tree.article(
        "1.010103",
        "See [](article:1.020102).\n",
        front='number: "1.010103"\ntitle: Has Some Customers\nsummary: S.\nstages: [6]\n'
        "tags: [S6_Customers]\nkeywords: [Scalability, Focus]\n",
    )
    return tree


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("book")
    tree = _tree(base / "content")
    build(BuildOptions(content=tree.root, out=base / "out", formats=("pdf",), jobs=1))
    return base / "out" / "pdf" / "volume-1.pdf"


def pages(pdf: Path) -> list[str]:
    need("pdftotext")
    return [" ".join(p.split()) for p in run_text("pdftotext", str(pdf), "-").split("\f")][:-1]


def test_contents_pages_equal_the_folios_where_articles_start(book: Path) -> None:
    text = pages(book)
    first_opener = next(i for i, p in enumerate(text) if p.startswith("CHAPTER 1.01"))
    contents = next(p for p in text if p.startswith("Contents"))
    for number in ("1.010101", "1.010201", "1.020102"):
        listed = re.search(rf"Title {number} ?\.+ ?(\d+)", contents)
        assert listed, contents
        start = next(
            i for i, p in enumerate(text)
            if f"{number} Title {number} The summary" in p and not p.startswith("Contents")
        )  # fmt: skip
        assert int(listed.group(1)) == start - first_opener + 1


def test_running_heads_on_body_pages_and_none_on_openers(book: Path) -> None:
    text = pages(book)
    openers = [i for i, p in enumerate(text) if p.startswith("CHAPTER 1.0")]
    assert len(openers) == 2
    for i in openers:
        assert "BEGINNINGS" not in text[i]  # no running head on a chapter opener
        assert (i - openers[0]) % 2 == 0  # openers are right-hand pages
    body = [i for i in range(openers[0] + 1, len(text)) if i not in openers and text[i]]
    for i in body:
        folio = i - openers[0] + 1
        if folio % 2 == 0:  # left page: folio, then the volume title
            assert text[i].startswith(f"{folio} BEGINNINGS"), text[i][:60]
        else:  # right page: the chapter title, then the folio
            heads = "(FIRST|SECOND) STEPS|ARTICLES BY (BUSINESS STAGE|TAG)|INDEX OF KEYWORDS"
            # (pdftotext reads the two-column keyword index's folio last)
            # a back-matter part opens like a chapter: no running head, the folio at the foot
            opener = rf"(Articles by business stage|Articles by tag|Index of keywords) .* {folio}$"
            assert re.match(rf"({heads}) ({folio} |.* {folio}$)|{opener}", text[i]), text[i][:60]


def test_blank_pages_only_before_openers_and_carry_nothing(book: Path) -> None:
    text = pages(book)
    openers = {i for i, p in enumerate(text) if p.startswith("CHAPTER 1.0")}
    first = min(openers)
    blanks = [i for i in range(first, len(text)) if text[i] == ""]
    # a page with no text at all has no running head and no folio; it only ever precedes an
    # opener or the back matter
    # or a part of the back matter (each opens on a right-hand page), or ends the book on a
    # left-hand page
    parts = {i for i, p in enumerate(text) if re.match(r"(Articles by|Index of) ", p)}
    assert len(parts) == 3
    assert all(i + 1 in openers | parts or i == len(text) - 1 for i in blanks), blanks
    assert len(text) % 2 == 0


def test_outline_is_volume_chapter_article(book: Path) -> None:
    outline = PdfReader(book).outline
    assert outline[0].title == "Volume 1: Beginnings"
    children = outline[1]
    titles = [c.title for c in children if not isinstance(c, list)]
    assert titles == ["Contents", "1.01 First Steps", "1.02 Second Steps",
                      "Articles by business stage", "Articles by tag", "Index of keywords"]  # fmt: skip
    articles = [c.title for c in children[2]]
    assert articles[0] == "1.010101 Title 1.010101"


def test_metadata(book: Path) -> None:
    need("pdfinfo")
    info = run_text("pdfinfo", str(book))
    assert "Title:           Test Atlas, Volume 1: Beginnings" in info
    assert "Author:          Tess Writer" in info
    assert "Subject:         Volume 1: Beginnings" in info
    assert "Keywords:        Focus, Scalability" in info
    assert "Tagged:          yes" in info
    assert "Page size:       432 x 648 pts" in info  # 6 x 9 in
    catalog = PdfReader(book).trailer["/Root"]
    assert catalog["/Lang"] == "en-US"  # plain "en": US English hyphenation patterns


def test_every_font_is_embedded(book: Path) -> None:
    need("pdffonts", "qpdf")
    run_text("qpdf", "--check", str(book))
    rows = run_text("pdffonts", str(book)).splitlines()[2:]
    assert rows and all(re.search(r"\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", r) for r in rows)


@pytest.mark.parametrize(
    ("settings", "size"),
    [("print:\n  size: A4\n", "595.276 x 841.89 pts"),
     ("print:\n  size: letter\n", "612 x 792 pts"),
     ("print:\n  size: 6in 9in\n  bleed: 3mm\n  marks: crop\n", None)],
)  # fmt: skip
def test_trim_size_bleed_and_marks(tmp_path: Path, settings: str, size: str | None) -> None:
    need("pdfinfo")
    tree = _tree(tmp_path / "content", settings)
    build(BuildOptions(content=tree.root, out=tmp_path / "out", formats=("pdf",), jobs=1))
    info = run_text("pdfinfo", "-box", str(tmp_path / "out" / "pdf" / "volume-1.pdf"))
    if size:
        assert f"Page size:       {size}" in info
    else:
        width = float(re.search(r"Page size:\s+([\d.]+) x", info).group(1))  # type: ignore[union-attr]
        assert width > 432 + 2 * 8  # the sheet carries the bleed and room for the marks
        trim = re.search(r"TrimBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", info)
        assert trim and round(float(trim.group(3)) - float(trim.group(1))) == 432
