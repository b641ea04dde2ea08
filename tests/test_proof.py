"""The proof gate: each check on a tiny tree built to trigger it, rendered by WeasyPrint.

A tree brings its own print stylesheet (the project's, with rules added) where the fault is
one of layout, so each test triggers its fault whatever the edition's stylesheet becomes.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from atlas_publish.context import BuildContext
from atlas_publish.editions.page_numbers import first_guess, lay_out_numbered
from atlas_publish.editions.print import (
    PdfJob,
    PrintLinks,
    chapter_volume,
    print_volume,
)
from atlas_publish.editions.print_parts import render_volume_pdf
from atlas_publish.pipeline import BuildOptions, build, check
from atlas_publish.proof import Fault, page_labels, proof_layout, proof_pdf
from atlas_publish.render import templates_dir
from atlas_publish.writers.pdf import Typesetter

from .conftest import Tree

ROOT = Path(__file__).resolve().parents[1]
LOREM = (
    "The founders met every week to read the numbers aloud, and each week the numbers said "
    "a little more than the week before about where the company was going next. "
)


ATLAS_YAML = """\
title: Proof Atlas
author: Tess Writer
language: en
stages:
  6:
    name: Has some customers
    tag: S6_Customers
  7:
    name: Has repeatable sales
    tag: S7_Repeatable
"""


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    made = Tree(tmp_path / "content")
    (made.root / "atlas.yaml").write_text(ATLAS_YAML)
    return made


def with_css(tree: Tree, extra: str) -> None:
    """The project's print stylesheet, with ``extra`` rules after it, as the tree's override."""
    templates = tree.root / "_templates"
    (templates / "print").mkdir(parents=True, exist_ok=True)
    shutil.copytree(templates_dir() / "fonts", templates / "fonts", dirs_exist_ok=True)
    base = (templates_dir() / "print" / "print.css").read_text()
    (templates / "print" / "print.css").write_text(base + "\n" + extra)


def proofed(tree: Tree, tmp_path: Path, volume: int = 1) -> list[Fault]:
    """Lay out a volume as the build does and return the gate's faults."""
    atlas = check(tree.root).atlas
    job = PdfJob(atlas, volume, tmp_path / f"volume-{volume}.pdf", BuildContext(proof_warns=True))
    return list(render_volume_pdf(job).proof)


def codes(faults: list[Fault]) -> set[str]:
    return {f.code for f in faults}


def only(faults: list[Fault], code: str) -> list[Fault]:
    return [f for f in faults if f.code == code]


def test_a_fault_is_one_line_with_file_folio_code_and_article() -> None:
    fault = Fault("volume-1.pdf", "18", "P001", "footnote 2 of article 1.030106 is not printed")
    assert str(fault) == (
        "volume-1.pdf p.18: error[P001]: footnote 2 of article 1.030106 is not printed"
    )
    assert str(fault.as_warning()).startswith("volume-1.pdf p.18: warning[P001]: ")
    assert str(Fault("volume-9.pdf", None, "P011", "21 pages")) == (
        "volume-9.pdf: error[P011]: 21 pages"
    )


def lay_out(tree: Tree) -> tuple[Any, Any, Any, Any]:
    """The volume laid out as the build lays it out, without the back matter: (WeasyPrint
    document, HTML tree, atlas, volume), for tests that take pages away."""
    checked = check(tree.root)
    atlas, volume = checked.atlas, checked.atlas.volume(1)
    links = PrintLinks(1, atlas.root)
    planned = print_volume(atlas, checked.indexes, volume, links, BuildContext())
    typesetter = Typesetter([atlas.root, templates_dir()], atlas.root)
    guess = first_guess(volume, {})
    layout = lay_out_numbered(
        typesetter, planned.volume, planned.html, planned.stylesheets, guess
    ).layout
    return layout.document, layout.root, atlas, volume


def test_footnote_not_printed(tree: Tree, tmp_path: Path) -> None:
    # With no room at the page foot, WeasyPrint sets the note on the next page; without that
    # page (as when WeasyPrint lost the sample's note on p.18), the call has no note.
    tree.article("1.010101", "A claim.[^1]\n\n" + lines(20) + "[^1]: The note.\n")
    with_css(tree, GRID + "@page { @footnote { max-height: 0; } }")
    document, root, atlas, volume = lay_out(tree)
    called = next(i for i, p in enumerate(document.pages) if "A claim" in page_text(p))
    noted = next(i for i, p in enumerate(document.pages) if "The note." in page_text(p))
    assert noted == called + 1
    name = "volume-1.pdf"
    faults = proof_layout(document, root, atlas, volume, len(document.pages), name)
    assert not only(faults, "P001")  # the next page is allowed
    pages = [p for i, p in enumerate(document.pages) if i != noted]
    faults = proof_layout(document.copy(pages), root, atlas, volume, len(pages), name)
    [fault] = only(faults, "P001")
    assert fault.page == page_labels(document, volume)[called]
    assert fault.message == "footnote 1 of article 1.010101 is not printed"


def page_text(page: Any) -> str:
    from weasyprint.formatting_structure import boxes

    return " ".join(b.text for b in page._page_box.descendants() if isinstance(b, boxes.TextBox))


def test_footnote_printed_is_clean(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", "A claim worth a note.[^1] More text.\n\n[^1]: The note itself.\n")
    faults = proofed(tree, tmp_path)
    assert not only(faults, "P001") and not only(faults, "P002")


def test_text_missing_from_the_pages(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", "Before the quote.\n\n> Words that vanish from print.\n\nAfter.\n")
    with_css(tree, ".article-body blockquote { display: none; }")
    [fault] = only(proofed(tree, tmp_path), "P002")
    assert fault.message == (
        "text of article 1.010101 is not printed: “Words that vanish from print.”"
    )


def test_bold_set_in_a_regular_face(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", "Plain words and **words that must be bold** in one line.\n")
    with_css(
        tree,
        '@font-face { font-family: "Regular Only"; src: url(../fonts/EBGaramond-Regular.ttf); }'
        '\nstrong { font-family: "Regular Only"; }',
    )
    [fault] = only(proofed(tree, tmp_path), "P003")
    assert "bold text set in a regular face" in fault.message
    assert "article 1.010101" in fault.message and "words that must be bold" in fault.message


def test_fallback_font_but_not_for_chinese(tree: Tree, tmp_path: Path) -> None:
    tree.article(
        "1.010101",
        'A snowman ☃ in the text.\n\nA passage in Chinese: <span lang="zh">我们的客户</span>.\n',
    )
    faults = only(proofed(tree, tmp_path), "P004")
    assert [f.page for f in faults] == ["2"]
    assert "☃" in faults[0].message and "我" not in faults[0].message


def test_opener_heading_and_lead_in_kept_with_their_text(tree: Tree, tmp_path: Path) -> None:
    body = (
        f"{LOREM * 3}\n\n# A heading\n\n{LOREM * 3}\n\nThe table reads:\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\n" + LOREM * 3 + "\n"
    )
    tree.article("1.010101", body)
    with_css(
        tree,
        ".article-header, .article-body h5, .article-body p:has(+ table) { break-after: page; }",
    )
    faults = only(proofed(tree, tmp_path), "P005")
    messages = [f.message for f in faults]
    assert messages == [
        "section heading “First Section” is followed on its page by 0 line(s) of its text; "
        "the rest is overleaf",
        "the opener of article 1.010101 is followed on its page by 0 line(s) of its text; "
        "the rest is overleaf",
        "the heading “A heading” in article 1.010101 is followed on its page by 0 line(s) "
        "of its text; the rest is overleaf",
        "the lead-in to a table in article 1.010101 is followed on its page by 0 line(s) "
        "of its text; the rest is overleaf",
    ]


# A grid: 8 lines of 24 px to a page; the article's opener takes 2 of them, nothing else is
# on the body pages, so a paragraph of N short lines (hard breaks) takes exactly N lines.
GRID = """
@page { size: 4in 3in; margin-top: 48px; margin-bottom: 48px; }
html { line-height: 24px; }
.section-title { display: none; }
.chapter-opener { padding-top: 0; }
.article-header { height: 48px; overflow: hidden; margin: 0; padding: 0; }
.article, .article-body, .article-body p, .article-body table, .article-body h5,
.article-body ul, .article-body li { margin: 0; padding: 0; border: 0; line-height: 24px; }
.article-body p { orphans: 1; widows: 1; text-indent: 0; }
.article-body td, .article-body th { padding: 0; border: 0; line-height: 24px; }
"""


def lines(count: int, word: str = "line") -> str:
    return "\\\n".join(f"{word} {n}" for n in range(1, count + 1)) + "\n\n"


def test_widow_and_orphan(tree: Tree, tmp_path: Path) -> None:
    # Page 2: the opener, 5 lines, the first line of a 3-line paragraph (an orphan); page 3:
    # its last 2 lines, 6 of a 7-line paragraph; page 4: that paragraph's last line (a widow).
    tree.article("1.010101", lines(5) + lines(3, "orphan") + lines(7, "widow"))
    with_css(tree, GRID)
    faults = only(proofed(tree, tmp_path), "P006")
    assert [(f.page, f.message.split(":")[0]) for f in faults] == [
        ("2", "orphan"),
        ("4", "widow"),
    ]


def test_table_split_leaving_one_row(tree: Tree, tmp_path: Path) -> None:
    # Page 2: the opener, 4 lines, the header and one row; page 3: the header again, 4 rows.
    rows = "".join(f"| {n} | row {n} |\n" for n in range(1, 6))
    tree.article("1.010101", lines(4) + "| n | what |\n|---|---|\n" + rows)
    with_css(  # a table allowed to break anywhere
        tree,
        GRID + "table { break-inside: auto !important; } tr { break-before: auto !important; }",
    )
    [fault] = only(proofed(tree, tmp_path), "P007")
    assert fault.page == "2"
    assert fault.message == (
        "a table of article 1.010101 is split leaving one row on this page (rows per page: 1/4)"
    )


def test_overfull_line(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", f"A name: `{'x' * 120}` that cannot break.\n")
    [fault] = only(proofed(tree, tmp_path), "P008")
    assert fault.page == "2" and "wider than its measure" in fault.message


def test_short_page_unless_a_table_could_not_fit(tree: Tree, tmp_path: Path) -> None:
    # A page of 12 lines. Page 2: the opener and 2 lines; the heading is pushed overleaf,
    # though it and the three lines it keeps would fit in the 8 left.
    tree.article("1.010101", lines(2) + "# Overleaf\n\n" + lines(14))
    with_css(tree, GRID + "@page { size: 4in 4in; } h5 { break-before: page; }")
    [fault] = only(proofed(tree, tmp_path), "P009")
    assert fault.page == "2" and fault.message.startswith("short page: 67% of the text block")


def test_no_short_page_before_a_table_that_could_not_fit(tree: Tree, tmp_path: Path) -> None:
    # The opener and 3 lines; a lead-in and a table kept together that need 8: overleaf.
    rows = "".join(f"| {n} | row {n} |\n" for n in range(1, 7))
    table = "The table:\n\n| n | what |\n|---|---|\n" + rows
    tree.article("1.010101", lines(3) + table + "\n" + lines(2))
    with_css(tree, GRID + ".article-body table { break-inside: avoid; }")
    assert not only(proofed(tree, tmp_path), "P009")


def test_no_short_page_before_a_heading_kept_with_its_table(tree: Tree, tmp_path: Path) -> None:
    # The opener and 3 lines; a heading, its lead-in and a 4-row table kept together need 7.
    rows = "".join(f"| {n} | row {n} |\n" for n in range(1, 5))
    body = lines(3) + "# Stage\n\nThe articles:\n\n| n | what |\n|---|---|\n" + rows
    tree.article("1.010101", body + "\n" + lines(4))
    keep = (
        ".article-body h5, .article-body p:has(+ table) { break-after: avoid; }"
        " .article-body table { break-inside: avoid; }"
    )
    with_css(tree, GRID + keep)
    faults = proofed(tree, tmp_path)
    assert not only(faults, "P009")
    assert not only(faults, "P005")  # the heading and lead-in went overleaf with the table


def test_a_lead_in_that_breaks_is_judged_where_it_ends(tree: Tree, tmp_path: Path) -> None:
    # Page 2: the opener and 6 lines of an 8-line lead-in; page 3: its last 2 lines with the
    # table. The opener keeps 6 lines of its text; the lead-in ends with its table.
    rows = "".join(f"| {n} | row {n} |\n" for n in range(1, 4))
    tree.article("1.010101", lines(8) + "| n | what |\n|---|---|\n" + rows + "\n" + lines(2))
    with_css(tree, GRID + ".article-body table { break-inside: avoid; }")
    assert not only(proofed(tree, tmp_path), "P005")


def test_an_opener_followed_by_a_whole_short_paragraph(tree: Tree, tmp_path: Path) -> None:
    # Page 2: the opener and a whole 2-line paragraph; a lead-in and a 6-row table kept
    # together (8 lines) go overleaf. The reader finishes the paragraph: nothing is stranded.
    rows = "".join(f"| {n} | row {n} |\n" for n in range(1, 7))
    table = "The table:\n\n| n | what |\n|---|---|\n" + rows
    tree.article("1.010101", lines(2) + table + "\n" + lines(2))
    keep = ".article-body p:has(+ table) { break-after: avoid; } table { break-inside: avoid; }"
    with_css(tree, GRID + keep)
    assert not only(proofed(tree, tmp_path), "P005")


@pytest.mark.parametrize(
    ("body", "css", "what"),
    [
        # the opener, then 2 lines of an 8-line paragraph, the rest overleaf
        (
            lines(8),
            ".article-header { height: 144px !important; } p { orphans: 1 !important; }",
            "the opener of article 1.010101",
        ),
        # 3 lines, a heading and two one-line list items, the rest of the list overleaf
        (
            lines(3) + "# Items\n\n" + "".join(f"- item {n}\n" for n in range(1, 9)),
            "li { break-after: auto !important; }",
            "the heading “Items” in article 1.010101",
        ),
    ],
)
def test_two_lines_that_do_not_end_a_paragraph_strand_what_they_follow(
    tree: Tree, tmp_path: Path, body: str, css: str, what: str
) -> None:
    tree.article("1.010101", body)
    with_css(tree, GRID + css)
    messages = [f.message for f in only(proofed(tree, tmp_path), "P005")]
    assert f"{what} is followed on its page by 2 line(s) of its text; the rest is overleaf" in (
        messages
    )


# Two articles on the grid, the second's opener followed by nothing but space for it.
TWO_ARTICLES = GRID + ".article + .article { border: 0; padding: 0; }"


def items(count: int, lines_each: int = 1) -> str:
    return "".join(
        "- " + "\\\n  ".join(f"item {n} line {m}" for m in range(1, lines_each + 1)) + "\n"
        for n in range(1, count + 1)
    )


@pytest.mark.parametrize(
    ("first", "listed", "css", "wanted"),
    [
        # A 12-line page. Page 2: the first article's opener and 1 line, the second's opener: its
        # list's first three items of 3 lines (print.css keeps them together) need 9 lines
        # with it, more than the 8 left, so they go overleaf and leave page 2 short: the
        # price of the keep, not a fault (three lines of text alone would have fitted).
        (lines(1), items(6, 3), "@page { size: 4in 4in; }", []),
        # The second opener and three one-line items would fit in the 8 left: a break forced
        # before them is a short page the gate reports.
        (
            lines(2),
            items(6),
            "@page { size: 4in 4in; } .article + .article { break-before: page; }",
            ["P009"],
        ),
        # An 8-line page, without the keep: the opener is left at the foot with one item
        # (as article 2.050205 was, in volume 2 of the 700-article handbook).
        (lines(3), items(6), ".article-body li { break-after: auto !important; }", ["P005"]),
    ],
    ids=["kept-overleaf", "forced-break", "not-kept"],
)
def test_a_list_that_opens_an_article_keeps_three_items_with_the_opener(
    tree: Tree, tmp_path: Path, first: str, listed: str, css: str, wanted: list[str]
) -> None:
    tree.article("1.010101", first)
    tree.article("1.010102", listed, slug="second")
    with_css(tree, TWO_ARTICLES + css)
    faults = [f for f in proofed(tree, tmp_path) if f.code in {"P005", "P009"}]
    assert [f.code for f in faults] == wanted
    assert all(f.page == "2" for f in faults)
    if wanted == ["P005"]:
        assert faults[0].message.startswith(
            "the opener of article 1.010102 is followed on its page by 1 line(s) of its text"
        )


@pytest.mark.parametrize(
    ("body", "css"),
    [
        # The second opener and three lines of its 4-line paragraph would fit, but the
        # paragraph cannot break there (orphans 3, widows 2): it needs all four lines.
        (lines(4) + lines(4), ".article-body > p:first-child { orphans: 3; widows: 2; }"),
        # Two one-line paragraphs kept with the third, whose first line alone would be an
        # orphan (orphans 2): the run needs its second line too.
        (
            lines(1) + lines(1) + lines(4),
            ".article-body p { break-after: avoid; orphans: 2; widows: 2; }",
        ),
    ],
    ids=["widows", "orphans"],
)
def test_a_paragraph_that_cannot_break_moves_with_its_opener(
    tree: Tree, tmp_path: Path, body: str, css: str
) -> None:
    # Lines of 48 px, 10 to a page; openers 98 px. Page 2: the first article's opener and 2
    # lines leave 286 px. The second opener and three lines would fit (242 px, with 40 for the
    # white above an opener), but the paragraph cannot break after the third: with four, the
    # run is 290 px and goes overleaf, leaving page 2 short; the gate counts the fourth line.
    tree.article("1.010101", lines(2))
    tree.article("1.010102", body, slug="second")
    big = (
        "@page { size: 4in 6in; } html, .article-body p { line-height: 48px; }"
        " .article-header { height: 98px; }"
    )
    with_css(tree, TWO_ARTICLES + big + css)
    faults = [f for f in proofed(tree, tmp_path) if f.code in {"P005", "P009"}]
    assert faults == []


def test_a_chapter_laid_out_on_its_own_is_proofed_with_its_folios(tree: Tree) -> None:
    # A volume laid out as parts (one document per chapter) proofs each part with the folio
    # its first page prints: chapter 1.02 laid out alone, its opener printed as p.7. Its
    # article's first page is short (the heading forced overleaf): a body page, judged; its
    # tag ID is on p.8; its odd page count is not the book's.
    tree.article("1.010101", lines(2))
    body = "Articles tagged S6_Customers come first.\n\n" + lines(1) + "# Overleaf\n\n"
    tree.article("1.020101", body + lines(8))
    with_css(tree, GRID + "@page { size: 4in 4in; } h5 { break-before: page; }")
    checked = check(tree.root)
    atlas = checked.atlas
    chapter = atlas.volume(1).chapters[1]
    planned = chapter_volume(atlas, checked.indexes, chapter, PrintLinks(1, atlas.root))
    typesetter = Typesetter([atlas.root, templates_dir()], atlas.root)
    with typesetter.session():
        guess = first_guess(planned.volume, {})
        layout = lay_out_numbered(
            typesetter, planned.volume, planned.html, planned.stylesheets, guess
        ).layout
        pages = layout.document.pages
        opener = next(i for i, page in enumerate(pages) if chapter.anchor in page.anchors)
        document = layout.document.copy(pages[opener:])  # the chapter's pages alone
        assert len(document.pages) % 2 == 1
        faults = proof_layout(
            document,
            layout.root,
            atlas,
            planned.volume,
            len(document.pages),
            "volume-1.pdf",
            first_folio=7,
        )
    assert page_labels(document, planned.volume, 7)[:3] == ["7", "8", "9"]
    judged = [(f.code, f.page) for f in faults if f.code in {"P009", "P011", "P013"}]
    assert judged == [("P009", "8"), ("P013", "8")]


def test_measure_outside_the_claimed_range(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", (LOREM * 6 + "\n\n") * 4)
    with_css(tree, "html { font-size: 6pt; }")
    [fault] = only(proofed(tree, tmp_path), "P010")
    assert fault.page is None and "the measure is 55-75" in fault.message


def test_odd_page_count(tree: Tree) -> None:
    tree.article("1.010101", lines(3))
    document, root, atlas, volume = lay_out(tree)
    pages = document.pages if len(document.pages) % 2 else document.pages[:-1]
    odd = document.copy(pages)
    faults = proof_layout(odd, root, atlas, volume, len(pages), "volume-1.pdf")
    [fault] = only(faults, "P011")
    assert str(fault) == (
        f"volume-1.pdf: error[P011]: {len(pages)} pages: a book ends on a left-hand page "
        "(even count)"
    )
    assert page_labels(odd, volume)[:2] == ["i", "ii"]


def test_page_labels(tmp_path: Path) -> None:
    import weasyprint
    from pypdf import PdfReader, PdfWriter

    html = "<p>one</p><p style='break-before: page'>two</p><p style='break-before: page'>3</p>"
    plain = tmp_path / "plain.pdf"
    weasyprint.HTML(string=html).write_pdf(plain)
    wanted = ["i", "1", "2"]
    [fault] = proof_pdf(plain, wanted, "volume-1.pdf")  # and WeasyPrint embedded its fonts
    assert fault.code == "P012" and fault.page is None and "no page labels" in fault.message

    def labelled(name: str, arabic_from: int) -> Path:
        writer = PdfWriter(clone_from=plain)
        writer.set_page_label(0, arabic_from - 1, style="/r")
        writer.set_page_label(arabic_from, 2, style="/D")
        path = tmp_path / name
        writer.write(path)
        assert PdfReader(path).page_labels
        return path

    assert proof_pdf(labelled("right.pdf", 1), wanted, "volume-1.pdf") == []
    [fault] = proof_pdf(labelled("wrong.pdf", 2), wanted, "volume-1.pdf")
    assert str(fault) == (
        "volume-1.pdf p.1: error[P012]: the PDF labels this page “ii” (page 2 of the file)"
    )
    import pikepdf

    with pikepdf.open(tmp_path / "wrong.pdf") as joined:  # a file just saved, still open
        assert proof_pdf(joined, wanted, "volume-1.pdf") == [fault]


def test_a_font_not_embedded(tmp_path: Path) -> None:
    import pikepdf

    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    helvetica = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
    )
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pdf.make_indirect(helvetica)))
    path = tmp_path / "bare.pdf"
    pdf.save(path)
    faults = proof_pdf(path, ["1"], "volume-1.pdf")
    assert [str(f) for f in faults if f.code == "P004"] == [
        "volume-1.pdf p.1: error[P004]: the font Helvetica is not embedded in the PDF"
    ]


def test_tag_ids_and_straight_quotes_outside_code(tree: Tree, tmp_path: Path) -> None:
    tree.article(
        "1.010101",
        "Articles tagged S6_Customers come first. It\\'s plain.\n\n"
        "In code both are fine: `S7_Repeatable` and `it's`.\n",
    )
    faults = proofed(tree, tmp_path)
    [tag] = only(faults, "P013")
    assert tag.message == "the tag ID “S6_Customers” is printed (article 1.010101)"
    quotes = [f for f in only(faults, "P014") if f.page == "2"]
    assert len(quotes) == 1 and "It's" in quotes[0].message


def test_hyphenation_of_another_language_and_a_split_locator(tree: Tree, tmp_path: Path) -> None:
    # A passage marked British English is hyphenated with British patterns ("art-icles"),
    # which the handbook's US English does not allow; a hard break leaves "Volume" alone.
    words = " ".join(["articles"] * 40)
    tree.article(
        "1.010101",
        f'<p lang="en-GB">{words}</p>\n\nSee the last Volume\\\n6 of the set.\n',
    )
    with_css(tree, ".article-body p:first-child { width: 0.3in; hyphens: auto; }")
    faults = only(proofed(tree, tmp_path), "P015")
    messages = {f.message for f in faults}
    assert "“art-/icles” is not a break of en_US hyphenation in article 1.010101" in messages
    assert "“Volume / 6” is split over two lines in article 1.010101 (a no-break space)" in messages


def test_a_word_alone_on_a_line_in_mid_paragraph(tree: Tree, tmp_path: Path) -> None:
    # A name in code too wide for what "And" leaves of the first line (but not for a line of
    # its own) drops to the next line and leaves "And" alone, the paragraph going on below.
    name = "x" * 48
    tree.article("1.010101", f"And `{name}` is the name the paragraph goes on to explain.\n")
    [fault] = only(proofed(tree, tmp_path), "P019")
    assert fault.page == "2"
    assert fault.message == (
        f"a word alone on a line in mid-paragraph in article 1.010101: “And / {name}…”"
    )


def test_a_reference_that_repeats_itself(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", "As chapter 4.02 (Volume 4, chapter 4.02) says, and Volume 9.\n")
    [fault] = only(proofed(tree, tmp_path), "P016")
    assert fault.message == (
        "a reference repeats itself in article 1.010101: “chapter 4.02 (Volume 4, chapter 4.02)”"
    )


def test_contents_numbers_on_one_right_edge(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", "Text.\n")
    tree.article("1.010102", "More.\n")
    assert not only(proofed(tree, tmp_path), "P017")
    with_css(tree, ".toc-articles a { margin-right: 0.6in; }")  # the articles' stop short
    [fault] = only(proofed(tree, tmp_path), "P017")
    assert fault.page is not None and fault.message.startswith(
        "the contents' page numbers end on more than one right edge (43.2 pt apart"
    )


def test_an_empty_chapter_printed(tree: Tree) -> None:
    # The edition leaves chapters without articles out; the gate holds it to that. Chapter
    # 1.02 is laid out with its article, then judged as the model of a volume where it has
    # none: its opener is printed, so it is an empty chapter in print.
    tree.article("1.010101", "Text.\n")
    tree.article("1.020101", "More text.\n")
    document, root, atlas, volume = lay_out(tree)
    first, second = volume.chapters
    emptied = replace(volume, chapters=(first, replace(second, sections=())))
    faults = proof_layout(document, root, atlas, emptied, len(document.pages), "volume-1.pdf")
    [fault] = only(faults, "P018")
    assert fault.message == "chapter 1.02 has no articles and is printed"
    assert not only(proof_layout(document, root, atlas, volume, len(document.pages), "v"), "P018")


@pytest.mark.proof
def test_a_fault_fails_the_build_and_nothing_is_written(tree: Tree, tmp_path: Path) -> None:
    from atlas_publish.proof import ProofError

    tree.article("1.010101", "Articles tagged S6_Customers come first.\n")
    out = tmp_path / "out"
    with pytest.raises(ProofError) as raised:
        build(BuildOptions(content=tree.root, out=out, formats=("pdf",), jobs=1))
    assert "volume-1.pdf p.2: error[P013]: the tag ID “S6_Customers” is printed" in str(
        raised.value
    )
    assert not (out / "pdf" / "volume-1.pdf").exists()
    assert not list((out / "pdf").glob(".*.part"))
    notes: list[str] = []
    build(
        BuildOptions(content=tree.root, out=out, formats=("pdf",), jobs=1, lenient=True),
        notes.append,
    )
    assert (out / "pdf" / "volume-1.pdf").exists()
    assert any("volume-1.pdf p.2: warning[P013]" in line for line in notes)


GENERATED_ARTICLES = 350
GENERATED_VOLUMES = (3, 9)


@pytest.mark.proof
def test_the_sample_handbook_passes_the_proof_gate(tmp_path: Path) -> None:
    from atlas_publish.proof.command import proof

    run = proof(ROOT / "content", tmp_path, jobs=2)
    assert [str(f) for f in run.faults] == []


@pytest.mark.proof
def test_a_generated_handbook_passes_the_proof_gate(tmp_path: Path) -> None:
    # GENERATED_VOLUMES of a GENERATED_ARTICLES-article tree: the smallest that showed P005's
    # false faults (a lead-in broken over the page, an opener with a whole 2-line paragraph)
    # before the check judged them as a reader does; 700 articles take minutes per volume.
    from atlas_publish.proof.command import proof
    from atlas_publish.sample import generate_sample

    generate_sample(tmp_path / "content", articles=GENERATED_ARTICLES)
    run = proof(tmp_path / "content", tmp_path / "out", volumes=GENERATED_VOLUMES, jobs=2)
    assert [str(f) for f in run.faults] == []


def test_the_proof_command_reports_and_exits_1(
    tree: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from atlas_publish.cli import main

    tree.article("1.010101", "Articles tagged S6_Customers come first.\n")
    out = tmp_path / "out"
    args = ["proof", "--content", str(tree.root), "--out", str(out), "--jobs", "1"]
    assert main([*args, "--volume", "1"]) == 1
    printed = capsys.readouterr()
    line = "volume-1.pdf p.2: error[P013]: the tag ID “S6_Customers” is printed (article 1.010101)"
    assert line in printed.out.splitlines()
    assert line in (out / "proof.txt").read_text().splitlines()
    assert "proofed 1 volume(s)" in printed.err
    assert not (out / "pdf").exists()  # proof writes no volume
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["proof.txt"]
    assert main([*args, "--volume", "7"]) != 0  # no such volume


def test_a_fault_in_a_later_chapter_names_its_folio_in_the_volume(
    tree: Tree, tmp_path: Path
) -> None:
    """The gate reads each chapter as it is laid out (a part of its own, its pages counted
    from 1): its faults name the folio the reader sees in the volume."""
    tree.article("1.010101", lines(30))
    tree.article("1.020101", "It\\'s plain.\n")
    atlas = check(tree.root).atlas
    job = PdfJob(atlas, 1, tmp_path / "volume-1.pdf", BuildContext(proof_warns=True))
    result = render_volume_pdf(job)
    folio = result.layout.folios["article-1.020101"]
    assert folio > 3  # chapter 1.01 filled pages before it
    quotes = only(list(result.proof), "P014")
    assert [f.page for f in quotes] == [str(folio)], quotes
