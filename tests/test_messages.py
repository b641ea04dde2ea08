"""One mistake, one message, and the file's own fault first (issue 16)."""

from __future__ import annotations

import pytest

from atlas_publish.errors import ContentError
from atlas_publish.pipeline import check

from .conftest import Tree


def messages(tree: Tree) -> list[str]:
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    return [str(d).replace(str(tree.root), "content") for d in caught.value.diagnostics]


def test_a_broken_article_is_still_there_for_references_and_its_fault_comes_first(
    small_tree: Tree,
) -> None:
    # Volume 2's article has a typo in a field; volume 1 has a reference that is truly broken.
    small_tree.article(
        "2.010101",
        "Back to [](article:1.010101).\n",
        front='number: "2.010101"\ntitel: Closing Time\nsummary: Endings matter.\n',
    )
    small_tree.article("1.010103", "See [](article:9.999999).\n", slug="stray")
    found = messages(small_tree)
    assert found == [
        "content/2-volume-2/01-chapter-01/2.010101-an-article.md:3: error[E012]: "
        "unknown field 'titel'; did you mean 'title'?",
        "content/1-volume-1/01-chapter-01/1.010103-stray.md:6: error[E040]: "
        "reference to article 9.999999, which does not exist; check the number",
    ]


def test_broken_yaml_names_the_line_where_the_list_was_opened(small_tree: Tree) -> None:
    small_tree.article(
        "1.010103",
        front='number: "1.010103"\ntitle: T\nsummary: S.\nkeywords: [A, B\nstages: [6]\n',
    )
    [message] = messages(small_tree)
    assert message.startswith("content/1-volume-1/01-chapter-01/1.010103-an-article.md:5: ")
    assert "a '[' here is not closed with ']'" in message
