"""``preview V.CC``: one chapter as PDF and HTML, references resolved or named."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_publish.cli import main

from .conftest import Tree, need, run_text


def test_a_chapter_preview_is_a_pdf_and_an_html_page(small_tree: Tree, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["preview", "1.01", "--content", str(small_tree.root), "--out", str(out)]) == 0
    pdf, html = out / "preview" / "chapter-1.01.pdf", out / "preview" / "chapter-1.01.html"
    assert sorted(p.name for p in (out / "preview").iterdir()) == [html.name, pdf.name]
    need("pdftotext")
    # words hyphenated at a line end ("Vol-/ume", with U+2010) are joined again
    text = " ".join(run_text("pdftotext", str(pdf), "-").replace("\u2010\n", "").split())
    # inside the chapter: the page; outside: volume and article, never a page it cannot know
    assert "Read Has Some Customers (p. 2) and the chapter (p. 1)." in text
    assert "See Endings (Volume 2) and closing (Volume 2, article 2.010101)." in text
    page = html.read_text().replace("\u00ad", "")  # the print edition's soft hyphens
    assert "Opening Moves" in page and "print/print.css" in page
    assert "closing (Volume&nbsp;2, article&nbsp;2.010101)" in page
    assert "_events" not in page and "<script" not in page  # the reload script is the server's


def test_only_the_chapter_is_laid_out(small_tree: Tree, tmp_path: Path) -> None:
    small_tree.article("1.020101", "Elsewhere in volume 1.\n", title="Another Chapter")
    out = tmp_path / "out"
    assert main(["preview", "1.02", "--content", str(small_tree.root), "--out", str(out)]) == 0
    need("pdftotext")
    text = run_text("pdftotext", str(out / "preview" / "chapter-1.02.pdf"), "-")
    assert "Another Chapter" in text and "Opening Moves" not in text


def test_unknown_or_malformed_chapters(
    small_tree: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(small_tree.root)
    # A chapter the tree does not have is a usage error, like a malformed one (issue 16).
    assert main(["preview", "1.07", "--content", root, "--out", str(tmp_path)]) == 2
    assert f"{small_tree.root}: error[E026]: there is no chapter 1.07 (chapters: 1.01, 2.01)" in (
        capsys.readouterr().err
    )
    assert main(["preview", "1.7", "--content", root, "--out", str(tmp_path)]) == 2
    assert main(["preview", "99.99", "--content", root, "--out", str(tmp_path)]) == 2
    # A chapter that exists without articles is the content's state: exit 1, named.
    small_tree.chapter("1.02")
    assert main(["preview", "1.02", "--content", root, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "chapter.yaml: error[E027]: chapter 1.02 has no articles yet" in err
    assert not (tmp_path / "preview").exists()


def test_content_errors_stop_the_preview(small_tree: Tree, tmp_path: Path) -> None:
    bad = small_tree.article("1.010103", "see [x](article:1.099999)\n")
    out = tmp_path / "out"
    assert main(["preview", "1.01", "--content", str(small_tree.root), "--out", str(out)]) == 1
    assert not out.exists()
    assert bad.exists()
