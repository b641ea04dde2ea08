"""The print edition as its reader sees it: every note printed, bold in the bold face, the
measure, openers kept with their text, page labels, quotes and spaces. Checked on the PDFs
(pdftotext, pdffonts, the embedded fonts, the page labels), built from the sample handbook
and from tiny trees."""

from __future__ import annotations

import contextlib
import io
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
                        # A bare CFF program has no OS/2 table to read.
                        with contextlib.suppress(Exception):
                            fonts[name] = TTFont(io.BytesIO(data))
    return fonts


def test_bold_prints_in_the_bold_face(sample: Path) -> None:
    """The file embedded as the bold text face is a bold font (it was the regular one)."""
    need("pdffonts")
    listed = run_text("pdffonts", str(sample / "volume-1.pdf"))
    assert "Atlas-Text-Bold" in listed
    fonts = _embedded_fonts(sample / "volume-1.pdf")
    assert fonts["Atlas-Text-Bold"]["OS/2"].usWeightClass == 700
    assert fonts["Atlas-Text"]["OS/2"].usWeightClass == 400
    assert fonts["Atlas-Text-Italic"]["post"].italicAngle != 0
