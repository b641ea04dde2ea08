"""Page numbers in print are text guessed before layout (the last build's folios, or an
estimate) and checked after it (editions/print.py). These trees make the guess wrong: an edit
pushes a chapter onto new pages, an article moves across a page boundary, a number gains a
digit. Every printed number must still be the page its target starts on, read from the PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from atlas_publish.cache import Manifest
from atlas_publish.context import BuildContext
from atlas_publish.editions.print import PdfJob
from atlas_publish.editions.print_parts import render_volume_pdf
from atlas_publish.pipeline import BuildOptions, build, check

from .conftest import Tree, need, run_text

SENTENCE = "A sentence of ordinary length to fill the page with plain words. "
# The proof gate judges the design (its own tests); these trees judge the numbers only.
LENIENT = BuildContext(proof_warns=True)
ARTICLES = ("1.010101", "1.010102", "1.020101", "1.020102", "1.020103", "1.020104")


def _paragraphs(count: int) -> str:
    return "\n\n".join(SENTENCE * 12 for _ in range(count))


def _write(tree: Tree, extra: dict[str, int] | None = None) -> None:
    """A short chapter 1 and a chapter 2 whose articles sit just below folio 10, each article
    referring forward and back; ``extra`` adds paragraphs to articles."""
    extra = extra or {}
    for number in ARTICLES:
        others = [n for n in ARTICLES if n != number]
        refs = " ".join(f"[Ref to {n}](article:{n})." for n in others)
        body = f"{refs}\n\n{_paragraphs(2 + extra.get(number, 0))}\n\nSee [](chapter:1.02).\n"
        tree.article(number, body, title=f"Title {number}")


def _pages(pdf: Path) -> list[str]:
    need("pdftotext")
    return [" ".join(p.split()) for p in run_text("pdftotext", str(pdf), "-").split("\f")][:-1]


def _assert_numbers_true(pdf: Path) -> dict[str, int]:
    """Every contents entry and every '(p. N)' names the folio where its target starts;
    returns article -> folio."""
    text = _pages(pdf)
    opener = next(i for i, p in enumerate(text) if p.startswith("CHAPTER 1.01"))
    second = next(i for i, p in enumerate(text) if p.startswith("CHAPTER 1.02"))
    folios = {"chapter 1.02": second - opener + 1}
    for number in ARTICLES:
        start = next(
            i for i, p in enumerate(text)
            if f"{number} Title {number} The summary" in p and not p.startswith("Contents")
        )  # fmt: skip
        folios[number] = start - opener + 1
    contents = " ".join(p for p in text[:opener] if "Contents" in p or "Title 1.0" in p)
    for number in ARTICLES:
        listed = re.search(rf"Title {number} ?[.\s]+ ?(\d+)", contents)
        assert listed, contents
        assert int(listed.group(1)) == folios[number], (number, contents)
    body = " ".join(text[opener:])
    references = re.findall(r"Ref to (1\.\d{6}) \(p\. ?(\d+)\)", body)
    assert len(references) == len(ARTICLES) * (len(ARTICLES) - 1), body[:2000]
    for target, printed in references:
        assert int(printed) == folios[target], (target, printed, folios[target])
    for printed in re.findall(r"Chapter 1\.02 \(p\. ?(\d+)\)", body):
        assert int(printed) == folios["chapter 1.02"]
    return folios


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("numbers")
    tree = Tree(base / "content")
    tree.volume(1, "Beginnings")
    tree.chapter("1.01", "First Steps", {1: "Only Section"})
    tree.chapter("1.02", "Second Steps", {1: "Only Section"})
    _write(tree)
    build(BuildOptions(content=tree.root, out=base / "out", formats=("pdf",), jobs=1, lenient=True))
    return base


def _rebuild(first_build: Path, tmp_path: Path, extra: dict[str, int]) -> dict[str, int]:
    """Copy the first build (content and cache), edit, build again; the numbers are checked
    and the folios returned."""
    shutil.copytree(first_build, tmp_path / "b")
    tree = Tree.__new__(Tree)
    tree.root = tmp_path / "b" / "content"
    _write(tree, extra)
    build(
        BuildOptions(
            content=tree.root, out=tmp_path / "b" / "out", formats=("pdf",), jobs=1, lenient=True
        )
    )
    return _assert_numbers_true(tmp_path / "b" / "out" / "pdf" / "volume-1.pdf")


def test_first_build_prints_true_numbers(first_build: Path) -> None:
    folios = _assert_numbers_true(first_build / "out" / "pdf" / "volume-1.pdf")
    assert folios["1.020104"] < 10, folios  # the next tests push it past 9


def test_an_edit_that_pushes_a_chapter_onto_new_pages(first_build: Path, tmp_path: Path) -> None:
    before = _assert_numbers_true(first_build / "out" / "pdf" / "volume-1.pdf")
    after = _rebuild(first_build, tmp_path, {"1.010102": 8})
    assert after["chapter 1.02"] > before["chapter 1.02"]
    assert after["1.020104"] >= 10  # and its numbers gained a digit


def test_an_article_moving_across_a_page_boundary(first_build: Path, tmp_path: Path) -> None:
    before = _assert_numbers_true(first_build / "out" / "pdf" / "volume-1.pdf")
    after = _rebuild(first_build, tmp_path, {"1.020101": 5})
    assert after["1.020102"] > before["1.020102"]
    assert after["chapter 1.02"] == before["chapter 1.02"]


def test_a_wrong_guess_is_corrected(first_build: Path, tmp_path: Path) -> None:
    """The guess is checked against the layout. True numbers cost one layout; wrong numbers
    as wide as the true ones are corrected in the laid-out lines (each page laid out once);
    numbers of another width are laid out again. The PDFs print the same numbers.

    Each chapter is a part of its own: a guess moved as a whole (every folio 100 on) is moved
    back by where its chapter starts; a guess wrong inside a chapter is laid out again; a
    chapter that printed a later chapter's folio wrong as wide as the true one is held until
    that folio is known and corrected in place (each page laid out once); one digit for three
    is laid out again once that folio is known."""
    checked = check(first_build / "content")
    true = dict(Manifest.load(first_build / "out").outputs["pdf/volume-1.pdf"].folios)
    same_width = {a: f + 1 if f not in (9, 99) else f - 1 for a, f in true.items()}
    moved = {a: f + 100 for a, f in true.items()}
    wider = {a: f + 100 if a != "chapter-1.01" else f for a, f in true.items()}
    later = {a: f + 100 if "1.02" in a and a != "chapter-1.02" else f for a, f in true.items()}
    later_same = {
        a: f + 1 if "1.02" in a and a != "chapter-1.02" and f not in (9, 99) else f
        for a, f in true.items()
    }
    expected = _assert_numbers_true(first_build / "out" / "pdf" / "volume-1.pdf")
    once = 0  # the pages laid out when the guess is right: each once
    for name, guess, again in (
        ("right", true, False),
        ("same", same_width, False),
        ("moved", moved, False),
        ("wider", wider, True),
        ("later", later, True),
        ("later, as wide", later_same, False),
    ):
        target = tmp_path / f"{name}.pdf"
        result = render_volume_pdf(PdfJob(checked.atlas, 1, target, LENIENT, previous=guess))
        assert _assert_numbers_true(target) == expected, name
        once = once or result.layout.pages_laid_out
        assert (result.layout.pages_laid_out > once) == again, name


def test_a_chapter_too_big_to_hold_is_laid_out_again_and_written(
    first_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chapter printing a later chapter's folio, bigger than the pages a worker may hold
    (a 7,000-article handbook's chapters are 500 pages), is dropped after its layout; the next
    round lays it out with the folios just found and writes it, once: held again, it would be
    dropped again, round after round, until the build gave up."""
    import atlas_publish.editions.print_parts as print_parts

    checked = check(first_build / "content")
    true = dict(Manifest.load(first_build / "out").outputs["pdf/volume-1.pdf"].folios)
    expected = _assert_numbers_true(first_build / "out" / "pdf" / "volume-1.pdf")
    held = render_volume_pdf(PdfJob(checked.atlas, 1, tmp_path / "held.pdf", LENIENT, true))
    monkeypatch.setattr(print_parts, "HOLD_PAGES", 0)
    target = tmp_path / "dropped.pdf"
    result = render_volume_pdf(PdfJob(checked.atlas, 1, target, LENIENT, previous=true))
    assert _assert_numbers_true(target) == expected
    first_chapter = true["chapter-1.02"] - true["chapter-1.01"]  # its pages and a blank verso
    again = result.layout.pages_laid_out - held.layout.pages_laid_out
    assert 0 < again <= first_chapter, (again, first_chapter)
