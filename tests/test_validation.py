"""One test per validation message: every problem is reported as path:line with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from atlas_publish.errors import ContentError
from atlas_publish.pipeline import check

from .conftest import Tree


def problems(tree: Tree) -> list[str]:
    with pytest.raises(ContentError) as caught:
        check(tree.root)
    return [str(d) for d in caught.value.diagnostics]


def only(tree: Tree) -> str:
    found = [p for p in problems(tree) if "error[" in p]
    assert len(found) == 1, found
    return found[0]


def where(path: Path, line: int | None = None) -> str:
    return f"{path}:{line}" if line else str(path)


def test_the_small_tree_is_valid(small_tree: Tree) -> None:
    checked = check(small_tree.root)
    assert [a.number for a in checked.atlas.articles] == ["1.010101", "1.010102", "2.010101"]
    assert checked.warnings == ()


def test_broken_yaml_names_the_line_of_the_fault(small_tree: Tree) -> None:
    path = small_tree.article(
        "1.010103", front='number: "1.010103"\ntitle: Fine\nsummary: [unclosed\n'
    )
    message = only(small_tree)
    assert message.startswith(where(path, 4)) or message.startswith(where(path, 5))
    assert "broken YAML" in message


def test_missing_front_matter(small_tree: Tree) -> None:
    path = small_tree.article("1.010103", raw="Just text, no front matter.\n")
    assert only(small_tree) == (
        f"{where(path, 1)}: error[E002]: no front matter: start the file with a line '---', "
        "then number, title and summary, then another '---'"
    )


def test_unclosed_front_matter(small_tree: Tree) -> None:
    path = small_tree.article("1.010103", raw='---\nnumber: "1.010103"\ntitle: T\n')
    assert "front matter is not closed" in only(small_tree)
    assert only(small_tree).startswith(where(path, 1))


@pytest.mark.parametrize("missing", ["title", "summary"])
def test_missing_required_field(small_tree: Tree, missing: str) -> None:
    fields = {"number": '"1.010103"', "title": "A Title", "summary": "A summary."}
    del fields[missing]
    front = "".join(f"{k}: {v}\n" for k, v in fields.items())
    path = small_tree.article("1.010103", front=front)
    assert only(small_tree) == (
        f"{where(path, 2)}: error[E010]: '{missing}' is required: add a line '{missing}: ...'"
    )


def test_missing_number(small_tree: Tree) -> None:
    path = small_tree.article("1.010103", front="title: T\nsummary: S\n")
    assert only(small_tree) == (
        f"{where(path, 2)}: error[E010]: 'number' is required (\"1.010103\" from the file name)"
    )


def test_unquoted_number_stays_as_typed(small_tree: Tree) -> None:
    small_tree.chapter("1.03", sections={1: "S"})
    small_tree.article("1.030100", front="number: 1.030100\ntitle: T\nsummary: S\n")
    articles = check(small_tree.root).atlas.articles
    assert "1.030100" in [a.number for a in articles]


def test_number_disagreeing_with_its_chapter_folder(small_tree: Tree) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    path = folder / "1.020101-misplaced.md"
    path.write_text('---\nnumber: "1.020101"\ntitle: T\nsummary: S\n---\nBody\n')
    assert only(small_tree) == (
        f"{where(path, 2)}: error[E020]: number 1.020101 belongs in chapter 1.02, but the file is "
        "in the folder of chapter 1.01; move the file or correct the number"
    )


def test_number_disagreeing_with_the_file_name(small_tree: Tree) -> None:
    path = small_tree.article(
        "1.010103", front='number: "1.010104"\ntitle: T\nsummary: S\n', slug="x"
    )
    assert only(small_tree) == (
        f"{where(path, 2)}: error[E020]: number 1.010104 disagrees with the file name (1.010103); "
        "rename the file or correct the number"
    )


def test_volume_number_disagreeing_with_folder(small_tree: Tree) -> None:
    path = small_tree.root / "2-volume-2" / "volume.yaml"
    path.write_text("number: 3\ntitle: Endings\n")
    assert only(small_tree) == (
        f"{where(path, 1)}: error[E020]: number 3 disagrees with the folder '2-volume-2' (volume 2)"
    )


def test_undeclared_section(small_tree: Tree) -> None:
    path = small_tree.article("1.010901")
    assert only(small_tree) == (
        f"{where(path, 2)}: error[E021]: section 09 is not declared in chapter.yaml "
        "(declared: 1, 2); add it under 'sections:'"
    )


def test_duplicate_numbers_name_both_files(small_tree: Tree) -> None:
    first = small_tree.root / "1-volume-1" / "01-chapter-01" / "1.010101-an-article.md"
    second = small_tree.article("1.010101", slug="again")
    message = only(small_tree)
    assert "error[E022]: duplicate article number 1.010101: also used by" in message
    assert where(first, 2) in message and where(second, 2) in message


def test_unknown_stage(small_tree: Tree) -> None:
    path = small_tree.article(
        "1.010103", front='number: "1.010103"\ntitle: T\nsummary: S\nstages: [6, 12]\n'
    )
    assert only(small_tree) == (
        f"{where(path, 5)}: error[E023]: unknown stage 12 (stages: 6, 7); use one of them, "
        "or add the stage to atlas.yaml"
    )


def test_stage_article_that_does_not_exist(small_tree: Tree) -> None:
    atlas = small_tree.root / "atlas.yaml"
    atlas.write_text(atlas.read_text().replace('"1.010102"', '"1.010199"'))
    assert only(small_tree) == (
        f"{where(atlas, 12)}: error[E024]: stage 6 names article 1.010199, which does not exist"
    )


def test_unknown_field_suggests_the_known_one(small_tree: Tree) -> None:
    path = small_tree.article(
        "1.010103", front='number: "1.010103"\ntitle: T\nsummary: S\ntag: [S6_Customers]\n'
    )
    assert (
        only(small_tree)
        == f"{where(path, 5)}: error[E012]: unknown field 'tag'; did you mean 'tags'?"
    )


def test_bad_date(small_tree: Tree) -> None:
    path = small_tree.article(
        "1.010103", front='number: "1.010103"\ntitle: T\nsummary: S\ndate: next spring\n'
    )
    assert only(small_tree) == (
        f"{where(path, 5)}: error[E011]: date 'next spring' is not a date: write it as YYYY-MM-DD"
    )


@pytest.mark.parametrize(
    ("reference", "kind", "number"),
    [("article:1.019999", "article", "1.019999"), ("chapter:1.07", "chapter", "1.07"),
     ("volume:8", "volume", "8")],
)  # fmt: skip
def test_reference_to_a_missing_target_names_its_line(
    small_tree: Tree, reference: str, kind: str, number: str
) -> None:
    path = small_tree.article(
        "1.010103", f"First line.\n\nSecond paragraph\nsee [x]({reference}).\n"
    )
    # front matter is lines 1-5; the body starts on line 6, the reference is on body line 4
    assert only(small_tree) == (
        f"{where(path, 9)}: error[E040]: reference to {kind} {number}, which does not exist; "
        "check the number"
    )


def test_bad_folder_names(small_tree: Tree) -> None:
    folder = small_tree.root / "volume-ten"
    folder.mkdir()
    assert only(small_tree).startswith(f"{where(folder)}: error[E030]: a volume folder is named")


def test_missing_chapter_yaml(small_tree: Tree) -> None:
    folder = small_tree.root / "2-volume-2" / "05-loose"
    folder.mkdir()
    assert only(small_tree) == (
        f"{where(folder)}: error[E031]: chapter.yaml is missing: add chapter.yaml with "
        "'number', 'title' and 'sections'"
    )


def test_invalid_utf8_names_the_line(small_tree: Tree) -> None:
    path = small_tree.article("1.010103")
    path.write_bytes(path.read_bytes() + b"ok line\ncaf\xe9\n")
    message = only(small_tree)
    assert message.startswith(f"{where(path, 7)}: error[E003]: not valid UTF-8 (byte 0xe9)")


def test_bom_and_crlf_are_fine(small_tree: Tree) -> None:
    path = small_tree.article("1.010103")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert "1.010103" in [a.number for a in check(small_tree.root).atlas.articles]


def test_ignored_names(small_tree: Tree) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    (folder / "_draft.md").write_text("not even front matter")
    (folder / ".1.010199-swap.md").write_text("editor file")
    (small_tree.root / "_notes").mkdir()
    check(small_tree.root)


def test_every_problem_is_reported_together(small_tree: Tree) -> None:
    small_tree.article("1.010103", raw="no front matter")
    small_tree.article("1.010104", "see [x](article:9.999999)\n")
    small_tree.article("1.010901")
    codes = sorted(p.split("error[")[1][:4] for p in problems(small_tree))
    assert codes == ["E002", "E021", "E040"]


def test_empty_volume_and_chapter_are_allowed(small_tree: Tree) -> None:
    small_tree.volume(3, "Later")
    small_tree.chapter("2.02", "Not Yet Written")
    atlas = check(small_tree.root).atlas
    assert [v.number for v in atlas.volumes] == [1, 2, 3]
    assert atlas.volume(2).chapters[1].articles == ()


def test_isbn_with_a_wrong_check_digit(small_tree: Tree) -> None:
    path = small_tree.root / "1-volume-1" / "volume.yaml"
    path.write_text(
        "number: 1\ntitle: Beginnings\nisbn:\n  print: 978-0-00-000000-2\n  epub: 978-0-00-000001-8\n"
    )
    assert only(small_tree) == (
        f"{where(path, 5)}: error[E011]: ISBN '978-0-00-000001-8' is not valid (its check digit "
        "is wrong): copy the number again from the ISBN agency's record"
    )


def test_isbn_per_format_and_a_single_one(small_tree: Tree) -> None:
    path = small_tree.root / "1-volume-1" / "volume.yaml"
    path.write_text(
        "number: 1\ntitle: Beginnings\nisbn:\n  print: 9780000000002\n  epub: 978-0-00-000001-9\n"
    )
    volume = check(small_tree.root).atlas.volume(1)
    assert volume.isbns == (("print", "978-0-00-000000-2"), ("epub", "978-0-00-000001-9"))
    assert volume.isbn == "978-0-00-000001-9"  # the EPUB's identifier
    path.write_text("number: 1\ntitle: Beginnings\nisbn: 978-0-00-000000-2\n")
    assert check(small_tree.root).atlas.volume(1).isbns == (("", "978-0-00-000000-2"),)
