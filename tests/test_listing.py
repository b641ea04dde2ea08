"""The editors' filter (`atlas-publish list`) and `atlas-publish stats` on small trees."""

from __future__ import annotations

import csv
import io
import json

import pytest

from atlas_publish.cli import main

from .conftest import Tree


@pytest.fixture
def tagged(tree: Tree) -> Tree:
    tree.volume(1, "Beginnings")
    tree.volume(2, "Endings")
    rows = [
        ("2.010101", "Closing Time", "[6, 7]", "[S6_Customers]", "[Scalability]"),
        ("1.010102", "Has Some Customers", "[6]", "[S6_Customers]", "[Scalability, Focus]"),
        ("1.010101", "Opening, Moves | Pipes", "[]", "[]", "[Focus]"),
        ("1.010103", "Repeat", "[7]", "[S7_Repeatable, S6_Custmers]", "[scalability]"),
    ]
    for number, title, stages, tags, keywords in rows:
        tree.article(number, "Text.\n", front=(
            f'number: "{number}"\ntitle: "{title}"\nsummary: About {number}, briefly.\n'
            f"stages: {stages}\ntags: {tags}\nkeywords: {keywords}\n"))  # fmt: skip
    return tree


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_by_tag_table(tagged: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--content", str(tagged.root), "--tag", "S6_Customers")
    assert code == 0
    assert out == (
        "Article   Title               Stages  Tags\n"
        "1.010102  Has Some Customers  6       S6_Customers\n"
        "2.010101  Closing Time        6,7     S6_Customers\n"
        "2 articles\n"
    )


def test_filters_combine_with_and(tagged: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(tagged.root)
    numbers = []
    for args in (["--stage", "6", "--volume", "1"], ["--keyword", "SCALABILITY"],
                 ["--keyword", "scalability", "--stage", "7"], ["--stage", "Has repeatable sales"],
                 ["--tag", "S6_Customers", "--tag", "S7_Repeatable"], []):  # fmt: skip
        code, out, _ = run(capsys, "list", "--content", root, "--format", "json", *args)
        assert code == 0
        numbers.append([item["number"] for item in json.loads(out)])
    assert numbers == [
        ["1.010102"],
        ["1.010102", "1.010103", "2.010101"],
        ["1.010103", "2.010101"],
        ["1.010103", "2.010101"],
        [],
        ["1.010101", "1.010102", "1.010103", "2.010101"],
    ]


def test_list_json_fields(tagged: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list", "--content", str(tagged.root), "--tag", "S7_Repeatable",
                    "--format", "json")  # fmt: skip
    assert json.loads(out) == [{
        "number": "1.010103", "title": "Repeat", "summary": "About 1.010103, briefly.",
        "volume": 1, "chapter": "1.01", "date": None, "stages": [7],
        "tags": ["S7_Repeatable", "S6_Custmers"], "keywords": ["scalability"],
    }]  # fmt: skip


def test_list_csv_and_markdown(tagged: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(tagged.root)
    _, out, _ = run(capsys, "list", "--content", root, "--volume", "1", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["number", "title", "summary", "volume", "chapter", "stages", "tags",
                       "keywords", "date"]  # fmt: skip
    assert rows[1][:8] == ["1.010101", "Opening, Moves | Pipes", "About 1.010101, briefly.",
                           "1", "1.01", "", "", "Focus"]  # fmt: skip
    assert all(len(row) == 9 for row in rows)
    assert rows[3][5:7] == ["7", "S7_Repeatable;S6_Custmers"]
    _, out, _ = run(capsys, "list", "--content", root, "--keyword", "focus", "--format", "markdown")
    assert out == (
        "| Article | Title | Quick Summary |\n"
        "| --- | --- | --- |\n"
        "| 1.010101 | Opening, Moves \\| Pipes | About 1.010101, briefly. |\n"
        "| 1.010102 | Has Some Customers | About 1.010102, briefly. |\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tag", "s6_customers"], "unknown tag 's6_customers': no article has it; did you mean 'S6_Customers'?"),
        (["--tag", "S7_Repeatible"], "did you mean 'S7_Repeatable'?"),
        (["--stage", "12"], "unknown stage '12': atlas.yaml has no such stage"),
        (["--stage", "has sme customers"], "did you mean 'Has some customers'?"),
        (["--keyword", "Scalabilty"], "unknown keyword 'Scalabilty': no article has it; did you mean 'Scalability'?"),
        (["--volume", "7"], "there is no volume 7 (volumes: 1, 2)"),
    ],
)  # fmt: skip
def test_unknown_filters_exit_1_with_a_suggestion(
    tagged: Tree, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "list", "--content", str(tagged.root), *args)
    assert code == 1 and out == ""
    assert message in err


def test_usage_errors_exit_2(tagged: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--volume", "x"], ["--format", "xml"]):
        with pytest.raises(SystemExit) as exited:
            main(["list", "--content", str(tagged.root), *args])
        assert exited.value.code == 2
    capsys.readouterr()


def test_content_errors_exit_1(tagged: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    tagged.article("1.010104", raw="---\ntitle: no number\n---\n")
    code, _, err = run(capsys, "list", "--content", str(tagged.root))
    assert code == 1 and "error[" in err


def test_stats(tagged: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stats", "--content", str(tagged.root))
    assert code == 0
    assert out == (
        "4 articles in 2 volumes and 2 chapters\n"
        "\n"
        "Articles per volume\n"
        "  1  Beginnings     3\n"
        "  2  Endings        1\n"
        "\n"
        "Articles per chapter\n"
        "  1.01  Chapter 1.01     3\n"
        "  2.01  Chapter 2.01     1\n"
        "\n"
        "Articles per stage (relate to it; carry its tag)\n"
        "  6  Has some customers       2  (2 carry S6_Customers)\n"
        "  7  Has repeatable sales     2  (1 carries S7_Repeatable)\n"
        "\n"
        "Articles per tag\n"
        "  S6_Custmers       1\n"
        "  S6_Customers      2\n"
        "  S7_Repeatable     1\n"
        "\n"
        "Articles with no stage: 1\n"
        "  1.010101  Opening, Moves | Pipes\n"
        "\n"
        "Tags used only once (likely typos): 2\n"
        "  S6_Custmers  in 1.010103  did you mean 'S6_Customers'?\n"
        "  S7_Repeatable  in 1.010103\n"
    )
    _, out, _ = run(capsys, "stats", "--content", str(tagged.root), "--format", "json")
    data = json.loads(out)
    assert data["stages"][1] == {"stage": 7, "name": "Has repeatable sales", "articles": 2,
                                 "tagged": 1}  # fmt: skip
    assert data["no_stage"] == ["1.010101"]
    assert [t["tag"] for t in data["tags_used_once"]] == ["S6_Custmers", "S7_Repeatable"]


def test_list_csv_neutralises_formulas(tree: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    """OWASP's CSV injection: a cell starting with = + - @ is read as text by spreadsheets."""
    tree.article("1.010102", "Text.\n", front=(
        'number: "1.010102"\ntitle: "=HYPERLINK(\\"http://evil.example/\\",\\"Click\\")"\n'
        'summary: "+1+cmd|\' /C calc\'!A0"\ntags: ["@SUM(A1)", "-2+3"]\n'
        'keywords: [Fine, "=1+1"]\n'))  # fmt: skip
    code, out, err = run(capsys, "list", "--content", str(tree.root), "--format", "csv")
    assert code == 0, err
    row = list(csv.reader(io.StringIO(out)))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example/","Click")'
    assert row[2] == "'+1+cmd|' /C calc'!A0"
    assert row[6] == "'@SUM(A1);'-2+3"
    assert row[7] == "Fine;'=1+1"
    _, out, _ = run(capsys, "list", "--content", str(tree.root), "--format", "json")
    assert json.loads(out)[0]["title"].startswith("=HYPERLINK")  # JSON keeps the data as is
