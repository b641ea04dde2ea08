"""Article bodies: expressions in the sandbox, references, footnotes, headings, sanitizing."""

from __future__ import annotations

import pytest

from atlas_publish.errors import ContentError, Diagnostics
from atlas_publish.links import Link, Target
from atlas_publish.pipeline import check
from atlas_publish.render import environment, render_articles

from .conftest import Tree


class PlainLinks:
    def link(self, target: Target) -> Link:
        return Link(f"#{target.anchor}")

    def image_src(self, path: object) -> str:
        return "img.png"


def body_of(tree: Tree, number: str, **options: object) -> str:
    checked = check(tree.root)
    article = checked.indexes.articles[number]
    env = environment(checked.atlas)
    diagnostics = Diagnostics()
    rendered = render_articles([article], checked.atlas, checked.indexes, env, PlainLinks(),
                               diagnostics, **options)  # type: ignore[arg-type]  # fmt: skip
    assert not diagnostics.errors
    return str(rendered[number].body)


def error_of(tree: Tree) -> str:
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    (message,) = [str(d) for d in caught.value.diagnostics]
    return message


def test_counts_and_words(small_tree: Tree) -> None:
    small_tree.article(
        "1.010103",
        "{{ count() | words | capitalize }} articles; {{ count(stage=6) }} at stage 6; "
        '{{ count(tag="S6_Customers") }} tagged; {{ 23 | words }}.\n',
    )
    assert "<p>Four articles; 2 at stage&nbsp;6; 2 tagged; twenty-three.</p>" in body_of(
        small_tree, "1.010103"
    )


def test_tag_table_lists_tagged_articles_by_number(small_tree: Tree) -> None:
    small_tree.article("1.010103", 'Intro.\n\n{{ tag_table("S6_Customers") }}\n\nAfter.\n')
    html = body_of(small_tree, "1.010103")
    rows = html.split("<tbody>")[1]
    assert rows.index("1.010102") < rows.index("2.010101")
    assert '<th scope="col">Quick Summary</th>' in html
    assert "<p><table" not in html


def test_raw_keeps_literal_braces(small_tree: Tree) -> None:
    small_tree.article("1.010103", "Write {% raw %}{{ count() }}{% endraw %} for the total.\n")
    assert "Write {{ count() }} for the total." in body_of(small_tree, "1.010103")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{{ range(10) }}", "unknown function 'range'"),
        ("{{ ''.__class__ }}", "this expression is not allowed in an article"),
        ("{% for x in y %}{% endfor %}", "'{% for %}' is not allowed in an article"),
        ('{{ tag_table("S6_Custmers") }}', "unknown tag 'S6_Custmers': no article carries it; did you mean 'S6_Customers'?"),
        ("{{ count(stage=12) }}", "unknown stage 12 (stages: 6, 7)"),
        ("{{ 5 | upper }}", "unknown filter 'upper': only 'words' and 'capitalize'"),
        ("{{ count(", "broken expression"),
    ],
)  # fmt: skip
def test_anything_else_is_an_error_with_its_line(
    small_tree: Tree, expression: str, message: str
) -> None:
    path = small_tree.article("1.010103", f"Line one.\n\nThere: {expression}\n")
    error = error_of(small_tree)
    assert error.startswith(f"{path}:8: error[E050]: "), error
    assert message in error


def test_empty_reference_text_is_the_target_title(small_tree: Tree) -> None:
    html = body_of(small_tree, "1.010101")
    assert '<a href="#article-1.010102" class="xref">Has Some Customers</a>' in html
    assert '<a href="#chapter-1.01" class="xref">the chapter</a>' in html


def test_stage_article_gets_its_index(small_tree: Tree) -> None:
    checked = check(small_tree.root)
    env = environment(checked.atlas)
    article = checked.indexes.articles["1.010102"]
    rendered = render_articles([article], checked.atlas, checked.indexes, env, PlainLinks(),
                               Diagnostics())  # fmt: skip
    index = str(rendered["1.010102"].stage_index)
    assert "Two articles in the handbook relate to stage 6." in index
    assert 'Two of them are among <span class="tag">the Stage\u00a06 essentials</span>:' in index


def test_print_footnotes_are_inline(small_tree: Tree) -> None:
    html = body_of(small_tree, "1.010102", footnotes_inline=True)
    assert 'Customers arrive.<span class="footnote" data-note="1">A footnote.</span>' in html
    assert "footnotes-list" not in html


def test_a_note_is_called_by_its_number_in_the_article(small_tree: Tree) -> None:
    """A superscript "1", as a book prints it, not markdown-it's "[1]"."""
    html = body_of(small_tree, "1.010102")
    assert '<sup class="footnote-ref"><a href="#fn-1.010102-1" id="fnref-1.010102-1">1</a>' in html


def test_endnotes_have_unique_ids(small_tree: Tree) -> None:
    html = body_of(small_tree, "1.010102")
    assert 'id="fn-1.010102-1"' in html


def test_body_headings_sit_below_the_article_title(small_tree: Tree) -> None:
    small_tree.article("1.010103", "# Top\n\n## Part\n\n### Detail\n")
    html = body_of(small_tree, "1.010103", heading_offset=2)
    assert "<h4>Top</h4>" in html and "<h4>Part</h4>" in html and "<h5>Detail</h5>" in html


def test_raw_html_is_sanitized(small_tree: Tree) -> None:
    small_tree.article(
        "1.010103",
        '<script>alert(1)</script>\n\n<p onclick="x()">Hi <a href="javascript:x()">link</a></p>\n\n'
        '<iframe src="http://example.com"></iframe>\n\n<table><tr><td>kept</td></tr></table>\n',
    )
    html = body_of(small_tree, "1.010103")
    for bad in ("<script", "onclick", "javascript:", "<iframe", "alert(1)"):
        assert bad not in html
    assert "<td>kept</td>" in html


def test_typographic_quotes_and_dashes(small_tree: Tree) -> None:
    small_tree.article("1.010103", '"Quoted" and it\'s 1990--1995 --- done.\n')
    assert "“Quoted” and it’s 1990–1995 — done." in body_of(small_tree, "1.010103")
