"""Import of both exports of the stage 6 article (issue 16): chapter mentions in the forms the
real articles use, the stage's static table, --force merging, the richer export preferred."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from atlas_publish.cli import main
from atlas_publish.errors import display_path
from atlas_publish.importer import import_files
from atlas_publish.pipeline import check

from .conftest import Tree

ROOT = Path(__file__).parent.parent
LEGACY = Path(__file__).parent / "data" / "legacy"
WORD = LEGACY / "1.030106-has-some-customers.md"
WEB = LEGACY / "1.030106-has-some-customers.txt"
STAGE_ARTICLE = "1-introduction-and-overview/03-business-stages/1.030106-has-some-customers.md"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """The sample handbook, whose atlas.yaml names 1.030106 as stage 6's article."""
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content", root)
    return root


def test_chapter_mentions_in_the_articles_own_forms_become_references(content: Path) -> None:
    (content / STAGE_ARTICLE).unlink()
    result = import_files([WORD], content)
    [report] = result.files
    text = report.target.read_text() if report.target else ""
    assert "An entire chapter, [4.02](chapter:4.02), includes" in text
    assert "The operations chapter, number [4.03](chapter:4.03), describes" in text
    assert '"[*A Simple Definition of a Defect*](article:4.020105)"' in text
    # A number it did not turn into a reference is named, at its line in the new article.
    line = text.splitlines().index(next(t for t in text.splitlines() if "9.010101" in t)) + 1
    assert report.warnings == (
        f"{report.target}:{line}: warning: article 9.010101 is mentioned as plain text; "
        "if it should link, write [](article:9.010101)",
    )
    check(content)


def test_the_stage_articles_static_table_gives_way_to_the_generated_one(content: Path) -> None:
    (content / STAGE_ARTICLE).unlink()
    [report] = import_files([WORD], content).files
    text = report.target.read_text() if report.target else ""
    assert "| Article |" not in text and "Articles for stage 6:" not in text
    assert text.rstrip().endswith("how many customers you will win next quarter.")
    assert report.actions == (
        "replace the export's table of 13 articles by the stage index the build generates "
        "(this is stage 6's article in atlas.yaml: the build adds 'Articles for stage 6: "
        "Has some customers')",
    )
    check(content)


def test_a_stage_like_article_that_atlas_yaml_does_not_name_keeps_its_table_and_says_why(
    content: Path,
) -> None:
    (content / STAGE_ARTICLE).unlink()
    atlas = content / "atlas.yaml"
    atlas.write_text(atlas.read_text().replace('article: "1.030106"', 'article: "1.030107"'))
    [report] = import_files([WORD], content).files
    text = report.target.read_text() if report.target else ""
    assert text.count("| 5.030301 |") == 1  # the table, joined across its page break, stays
    assert any(
        "this table of 13 articles stays as written: atlas.yaml names article 1.030107 for "
        "stage 6, so the build adds no stage index here; to have it generated instead, write "
        'article: "1.030106" under stage 6 in atlas.yaml and delete the table' in warning
        for warning in report.warnings
    )


def test_force_keeps_what_the_export_lacks_and_lists_every_change(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["import", str(WEB), "--content", str(content), "--force"]
    assert main([*args, "--dry-run"]) == 0
    dry = capsys.readouterr().out.splitlines()
    assert main(args) == 0
    done = capsys.readouterr().out.splitlines()
    # The dry run lists exactly what the run does.
    assert [line.replace("  would ", "  ") for line in dry[1:-1]] == done[1 : len(dry) - 1]
    changes = [line.strip() for line in done if line.startswith("  ") and "warning" not in line]
    assert "keep date: 2017-06-01 (the export has none)" in changes
    assert "keep keywords: [Scalability, Interrupt Driven] (the export has none)" in changes
    assert "keep stages: [6] (the export has none)" in changes
    assert "keep tags: [S6_Customers] (the export has none)" in changes
    assert any(c.startswith("remove paragraph ") and "## Typical problems" in c for c in changes)
    checked = check(content)
    article = checked.indexes.articles["1.030106"]
    assert article.tags == ("S6_Customers",) and article.stages == (6,)
    assert article.keywords == ("Scalability", "Interrupt Driven")


@pytest.mark.parametrize("order", [(WEB, WORD), (WORD, WEB)], ids=["web-first", "word-first"])
def test_both_exports_of_one_article_the_word_processor_one_wins_and_it_says_so(
    content: Path, order: tuple[Path, Path]
) -> None:
    (content / STAGE_ARTICLE).unlink()
    result = import_files(list(order), content)
    status = {f.source: f.status for f in result.files}
    assert status == {WORD: "imported", WEB: "skipped"}
    [skipped] = [f for f in result.files if f.source == WEB]
    assert skipped.message.startswith(f"article 1.030106 is also in {display_path(WORD)}")
    assert "a word-processor export: it is richer" in skipped.message
    assert not result.failed


def test_a_folder_of_existing_articles_without_force_skips_them_all_and_exits_0(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(LEGACY, exports)
    assert main(["import", str(exports), "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert "failed" not in out.replace("0 failed", "")
    assert out.count("skipped ") == 4
    assert out.splitlines()[-1] == "0 imported, 4 skipped, 0 failed"


def test_a_header_table_without_its_stage_row_warns(tree: Tree, tmp_path: Path) -> None:
    tree.volume(1, "Introduction and Overview")
    tree.chapter("1.03", "Business Stages", {1: "Business Stage Descriptions"})
    tree.article("1.030101", front='number: "1.030101"\ntitle: T\nsummary: S.\n')
    text = WORD.read_text().replace("| Stage | 6 Has some customers | |\n", "")
    export = tmp_path / "no-stage.md"
    export.write_text(text)
    [report] = import_files([export], tree.root).files
    assert report.status == "imported"
    assert (
        f"{export}:3: warning: the header table has no Stage row: the article gets no stage; "
        in (report.warnings[0])
    )
    assert "stages:" not in (report.target.read_text() if report.target else "")
