"""Hyphenation decided at build time: soft hyphens in running text, none in a paragraph's last
word, in code, headings or tables; the laid-out pages break words only there."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from atlas_publish.context import BuildContext
from atlas_publish.editions.print import PdfJob
from atlas_publish.editions.print_parts import render_volume_pdf
from atlas_publish.hyphenation import SOFT_HYPHEN, hyphenated
from atlas_publish.pipeline import check

from .conftest import Tree
from .test_proof import ATLAS_YAML, with_css

S = SOFT_HYPHEN


def test_soft_hyphens_in_running_text_but_not_in_a_last_word() -> None:
    html = (
        '<p class="chapter-label">Chapter</p><div class="article-body">'
        "<p>The organization <em>manages</em> responsibilities.</p>"
        "<li>Understanding <strong>everything</strong></li>"
        "<h2>Organization</h2><p>Run <code>organization</code> <a href='x'>wonderfully</a></p>"
        "<table><tr><td>organization</td></tr></table>"
        '<p>Notes<span class="footnote">organization</span> everywhere</p></div>'
    )
    assert hyphenated(html, "en-US") == (
        '<p class="chapter-label">Chapter</p><div class="article-body">'
        f"<p>The or{S}ga{S}ni{S}za{S}tion <em>man{S}ages</em> responsibilities.</p>"
        f"<li>Un{S}der{S}stand{S}ing <strong>everything</strong></li>"
        "<h2>Organization</h2><p>Run <code>organization</code> <a href='x'>wonderfully</a></p>"
        "<table><tr><td>organization</td></tr></table>"
        '<p>Notes<span class="footnote">organization</span> everywhere</p></div>'
    )


def test_a_locator_tied_by_a_no_break_space_is_set_whole() -> None:
    # "(Vol-/ume 3, article 3.020101)" was printed in five volumes of the sample
    html = (
        '<div class="article-body"><p>As Oxygen (Volume&nbsp;3, article\u00a03.020101) '
        "and management remain.</p></div>"
    )
    assert hyphenated(html, "en") == (
        f'<div class="article-body"><p>As Oxy{S}gen (Volume&nbsp;3, article\u00a03.020101) '
        f"and man{S}age{S}ment remain.</p></div>"
    )


def test_no_break_inside_a_ligature() -> None:
    html = '<div class="article-body"><p>Our office is difficult and waffles remain.</p></div>'
    assert hyphenated(html, "en") == (
        f'<div class="article-body"><p>Our office is diffi{S}cult and waffles remain.</p></div>'
    )


def test_a_passage_in_another_language_takes_its_patterns() -> None:
    def body(html: str) -> str:
        return f'<div class="article-body">{html}</div>'

    assert hyphenated(body('<p lang="en-GB">articles here</p>'), "en-US") == body(
        f'<p lang="en-GB">art{S}icles here</p>'
    )
    assert hyphenated(body("<p>articles here</p>"), "en") == body(f"<p>ar{S}ti{S}cles here</p>")


@pytest.mark.slow  # a PDF layout
def test_a_narrow_paragraph_hyphenates_all_but_its_last_word(tmp_path: Path) -> None:
    tree = Tree(tmp_path / "content")
    (tree.root / "atlas.yaml").write_text(ATLAS_YAML)
    words = "organization responsibilities understanding communication " * 6
    tree.article("1.010101", words + "responsibilities.\n")
    with_css(tree, ".article-body p { width: 1.3in; }")
    atlas = check(tree.root).atlas
    out = tmp_path / "volume-1.pdf"
    result = render_volume_pdf(PdfJob(atlas, 1, out, BuildContext()))
    assert not result.proof
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body = lines[lines.index("The summary of 1.010101.") + 1 :]
    assert sum(line.endswith("\u2010") for line in body) >= 3  # words are hyphenated
    assert body[-1] == "responsibilities." or body[-1].endswith(" responsibilities.")
    assert S not in text
