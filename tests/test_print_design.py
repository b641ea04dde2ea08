"""The print edition as its reader sees it: every note printed, bold in the bold face, the
measure, openers kept with their text, page labels, quotes and spaces. Checked on the PDFs
(pdftotext, pdffonts, the embedded fonts, the page labels), built from the sample handbook
and from tiny trees."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from atlas_publish.pipeline import BuildOptions, build

from .conftest import need, run_text

SAMPLE = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample handbook's volumes 1 and 9 as PDFs (untagged: quicker, same pages)."""
    out = tmp_path_factory.mktemp("sample")
    build(
        BuildOptions(
            content=SAMPLE, out=out, formats=("pdf",), volumes=(1, 9), jobs=2, pdf_variant=None
        )
    )
    return out / "pdf"


def text_pages(pdf: Path, layout: bool = False) -> list[str]:
    need("pdftotext")
    text = run_text("pdftotext", *(["-layout"] if layout else []), str(pdf), "-")
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def test_every_footnote_is_printed_at_its_call(sample: Path) -> None:
    """vol.1: the call "pay" ends a page inside a list item; its note went missing."""
    pages = [flat(p) for p in text_pages(sample / "volume-1.pdf")]
    notes = {
        "If an article is ever withdrawn": "number is retired",
        "A rough test we have found useful": "whether they fit",
    }
    for start, end in notes.items():
        at = [i for i, p in enumerate(pages) if start in p]
        assert at, f"note {start!r} is not printed"
        assert end in pages[at[0]] or end in pages[at[0] + 1]
        # numbered in its article, as in the EPUB and on the web (both are note 1 of theirs)
        assert f"1. {start}" in pages[at[0]]


def _embedded_fonts(pdf: Path) -> dict[str, TTFont]:
    fonts: dict[str, TTFont] = {}
    for page in PdfReader(pdf).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                name = str(descriptor["/FontName"]).split("+")[-1]
                for key in ("/FontFile2", "/FontFile3", "/FontFile"):
                    if key in descriptor and name not in fonts:
                        data = descriptor[key].get_object().get_data()
                        # a bare CFF program has no OS/2 table to read
                        with contextlib.suppress(Exception):
                            fonts[name] = TTFont(io.BytesIO(data))
    return fonts


def test_a_ligature_keeps_its_text(sample: Path) -> None:
    """'office' was extracted, searched and read aloud as 'o ce': a soft hyphen inside the ffi
    ligature left its glyph without text in the PDF."""
    text = flat(" ".join(text_pages(sample / "volume-1.pdf")))
    assert "office" in text
    assert not re.search(r"\b(o ce|di cult|e cient|su cient|di er|e ect|o er)", text)


def test_bold_prints_in_the_bold_face(sample: Path) -> None:
    """The file embedded as the bold text face is a bold font (it was the regular one)."""
    need("pdffonts")
    listed = run_text("pdffonts", str(sample / "volume-1.pdf"))
    assert "Atlas-Text-Bold" in listed
    fonts = _embedded_fonts(sample / "volume-1.pdf")
    assert fonts["Atlas-Text-Bold"]["OS/2"].usWeightClass == 700
    assert fonts["Atlas-Text"]["OS/2"].usWeightClass == 400
    assert fonts["Atlas-Text-Italic"]["post"].italicAngle != 0


def test_the_measure_is_60_to_70_characters(sample: Path) -> None:
    """Full lines of body text (justified, so as long as the measure allows)."""
    lines = [
        line.strip()
        for page in text_pages(sample / "volume-1.pdf", layout=True)
        for line in page.splitlines()
        if len(line.strip()) > 40 and "  " not in line.strip()
    ]
    lines.sort(key=len)
    full = lines[len(lines) // 2 :]  # the longer half: lines set full width
    average = sum(map(len, full)) / len(full)
    assert 60 <= average <= 70, average


def test_a_book_ends_on_a_left_hand_page(sample: Path) -> None:
    for name in ("volume-1.pdf", "volume-9.pdf"):
        assert len(PdfReader(sample / name).pages) % 2 == 0, name


def test_an_empty_chapter_is_not_printed(sample: Path) -> None:
    """Chapter 9.03 has no article yet: neither its opener nor a contents line."""
    text = flat(" ".join(text_pages(sample / "volume-9.pdf")))
    assert "9.02" in text and "9.03" not in text
    assert "no articles yet" not in text


def test_references_say_their_locator_once_and_do_not_break(sample: Path) -> None:
    text = " ".join(text_pages(sample / "volume-1.pdf"))
    assert "chapter 4.02 (Volume 4)" in flat(text)
    assert "(Volume 4, chapter 4.02)" not in flat(text)
    assert not re.search(r"\(Volume\s*\n\s*\d", text)  # never "(Volume / 6)" over two lines
    assert not re.search(r"\bp\.\s*\n\s*\d", text)
    assert not re.search(r"\(Vol\S*[\u2010-]\s*\n", text)  # nor "(Vol-/ume 3, ...)"


def test_us_english_hyphenation_and_none_at_a_paragraph_end(sample: Path) -> None:
    text = "\n".join(text_pages(sample / "volume-1.pdf"))
    assert not re.search(r"art[\u00ad\u2010-]\s*\n\s*icle", text)  # British patterns
    assert not re.search(r"behavi[\u00ad\u2010-]\s*\n\s*or", text)
    # a hyphenated word whose second half ends its paragraph: "fif-" / "teen." + blank line
    assert not re.search(r"[\u00ad\u2010-]\n\w+[.!?]\n\n", text)


def test_page_labels_are_the_printed_folios(sample: Path) -> None:
    reader = PdfReader(sample / "volume-1.pdf")
    labels = reader.page_labels
    first = labels.index("1")
    assert labels[:first] == ["i", "ii", "iii", "iv", "v", "vi"][:first]
    pages = text_pages(sample / "volume-1.pdf")
    assert pages[first].split()[:2] == ["CHAPTER", "1.01"]
    # the page a viewer calls "18" prints 18
    at = labels.index("18")
    assert re.search(r"(^|\s)18(\s|$)", pages[at])


def test_no_raw_tag_id_and_no_straight_quote_reaches_the_reader(sample: Path) -> None:
    text = "\n".join(text_pages(sample / "volume-1.pdf"))
    assert not re.search(r"\bS\d_[A-Z]\w+", text)  # S6_Customers: the ID stays for editors
    assert "Founder’s Atlas" in text
    assert "'" not in text and '"' not in text


def test_the_copyright_page_keeps_the_title_with_its_subtitle(sample: Path) -> None:
    # WeasyPrint broke "The Founder’s Atlas: / A handbook..." after the italic title
    copyright_page = text_pages(sample / "volume-1.pdf", layout=True)[3]
    first_line = copyright_page.strip().splitlines()[0]
    assert first_line.startswith("The Founder’s Atlas: A handbook for"), first_line


def test_copyright_page(tmp_path: Path) -> None:
    """The (c) line, each format's ISBN (and then no other identifier), the impression line and
    the volume's own identifier."""
    from .conftest import Tree

    tree = Tree(tmp_path / "content")
    tree.volume(1, "Beginnings")
    (tree.root / "1-volume-1" / "volume.yaml").write_text(
        "number: 1\ntitle: Beginnings\nisbn:\n  print: 9780000000002\n  pdf: 978-0-00-000002-6\n"
    )
    tree.volume(2, "Endings")
    for number in ("1.010101", "1.010102", "2.010101"):
        tree.article(number, "Text.\n")
    build(BuildOptions(content=tree.root, out=tmp_path / "out", formats=("pdf",), jobs=1,
                       pdf_variant=None))  # fmt: skip
    pages = {n: flat(text_pages(tmp_path / "out" / "pdf" / f"volume-{n}.pdf")[3]) for n in (1, 2)}
    assert "©" in pages[1]
    assert "ISBN 978-0-00-000000-2 (print)" in pages[1]
    assert "ISBN 978-0-00-000002-6 (PDF)" in pages[1]
    assert "First edition. 10 9 8 7 6 5 4 3 2 1" in pages[1]
    assert "Identifier:" not in pages[1]  # its ISBNs identify it
    assert re.search(r"Identifier: urn:uuid:\S+", pages[2])


def test_the_complete_edition_is_an_edition(tmp_path: Path) -> None:
    """Its own title, copyright and contents pages, the volumes, the index with folios that
    continue the last volume's; tagged PDF/UA with XMP, page labels volume:page, even."""
    import pikepdf
    from pdfua import Severity, validate

    from .conftest import Tree

    tree = Tree(tmp_path / "content")
    tree.volume(1, "Beginnings")
    tree.volume(2, "Endings")
    for number in ("1.010101", "1.010102", "2.010101"):
        tree.article(number, "Text with a [reference](article:1.010101).\n")
    build(BuildOptions(content=tree.root, out=tmp_path / "out", formats=("complete",), jobs=2))
    pdf = tmp_path / "out" / "pdf" / "complete.pdf"
    need("pdfinfo")
    info = run_text("pdfinfo", str(pdf))
    assert "Tagged:          yes" in info
    pages = [flat(p) for p in text_pages(pdf)]
    assert len(pages) % 2 == 0
    assert "THE COMPLETE EDITION" in pages[2].upper() and "©" in pages[3]
    contents = next(p for p in pages if p.startswith("Contents of the Volumes"))
    assert re.search(r"1\.01 Chapter 1\.01 \.* ?1:1\b", contents), contents
    labels = PdfReader(pdf).page_labels
    assert labels[:2] == ["i", "ii"] and "1:1" in labels and "2:1" in labels
    index = next(i for i, p in enumerate(pages) if p.startswith("Articles by business stage"))
    last = max(int(x[2:]) for x in labels[:index] if x.startswith("2:") and x[2:].isdigit())
    # the index continues the last volume's folios (printed and labelled)
    assert labels[index] == f"2:{last + 1}" and pages[index].endswith(f" {last + 1}")
    with pikepdf.open(pdf) as opened:
        assert opened.open_metadata().get("pdfuaid:part") == "1"
        assert opened.Root.MarkInfo.Marked is True
    report = validate(str(pdf))
    assert [f for f in report.findings if f.severity >= Severity.ERROR] == []


def test_the_build_says_an_empty_chapter_is_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from atlas_publish.cli import main

    from .conftest import Tree

    tree = Tree(tmp_path / "content")
    tree.volume(1, "Beginnings")
    tree.chapter("1.02", "Nothing Yet")
    for number in ("1.010101", "1.010102"):
        tree.article(number, "Text.\n")
    out = tmp_path / "out"
    args = ["build", "--content", str(tree.root), "--out", str(out), "--format", "pdf"]
    assert main([*args, "--quiet", "--jobs", "1"]) == 0
    printed = capsys.readouterr()
    said = printed.out + printed.err
    assert "volume 1: chapter 1.02 has no articles: left out of the print edition" in said
    assert "Nothing Yet" not in flat(" ".join(text_pages(out / "pdf" / "volume-1.pdf")))
