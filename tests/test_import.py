"""atlas-publish import: the older system's exports become articles that `check` accepts."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from atlas_publish.cli import main
from atlas_publish.errors import ContentError, display_path
from atlas_publish.importer import import_files
from atlas_publish.pipeline import check

from .conftest import Tree

SAMPLES = Path(__file__).parent / "data" / "legacy"
WORD = SAMPLES / "5.030302-unqualify-fast.md"
WEB = SAMPLES / "5.030304-tire-kickers.txt"

UNQUALIFY_FAST = """\
---
number: "5.030302"
title: Unqualify Fast
summary: Drop the opportunities that will never close before they eat the sales budget.
date: 2016-11-14
keywords: [Qualification, Pipeline, Focus]
stages: [6]
abstract: >-
  A sales pipeline full of hopeful names feels reassuring, but every name costs time. The fastest
  way to grow revenue is often to stop working on the prospects that were never going to buy, and to
  say so early, politely and on the record.
---
Most young companies count their pipeline the way a farmer counts seed: more is better. Yet a \
prospect who lacks budget, authority or a real problem consumes the same demonstrations, proposals \
and follow-up calls as one who will sign. The team feels busy while the forecast quietly slips.

The discipline is simple to state. At every stage of a sale, look for the reason the deal will not \
happen, and if you find it, leave. The article "[*Tire Kickers Can Cause Flats*](article:5.030304)" \
describes the most common case: interested individuals who have no way to buy. \
[Chapter 5.03](chapter:5.03) collects the related lessons on choosing customers.

Unqualifying is not rudeness. A clear "this is not a fit today" keeps the door open for the day the \
fit appears, and it frees the people who would have chased the deal to serve the customers who \
already pay.

| Article | Title | Quick Summary |
| --- | --- | --- |
| 5.030301 | Targeting Customers | Describe the ideal customer before the first call. |
| 5.030303 | Small Customers, Big Problems | A small buyer may not be able to support what it buys. |
| 5.030304 | Tire Kickers Can Cause Flats | Interest is not intent to buy. |
"""

TIRE_KICKERS = """\
---
number: "5.030304"
title: Tire Kickers Can Cause Flats
summary: Interest is not intent to buy.
---
Some visitors to a booth ask every question, take every brochure and promise to call back next \
week. They enjoy the conversation far more than they need the product. A young sales team, hungry \
for any sign of demand, writes their names at the top of the forecast.

The cost appears later. Each follow-up meeting, custom demonstration and draft proposal is taken \
from a customer who could have bought. When the quarter closes, the enthusiastic names have become \
silence.

Ask early who will sign, what budget will pay, and what happens if nothing is bought at all. A \
prospect who cannot answer is a contact, not a customer.
"""


@pytest.fixture
def handbook(tree: Tree) -> Tree:
    """Volume 5, chapter 5.03 with sections 1 and 3, and the two articles the samples cite."""
    tree.volume(1, "Introduction")
    tree.article(
        "1.010102",
        "Stage six.\n",
        front='number: "1.010102"\ntitle: Has Some Customers\nsummary: Customers.\n'
        "stages: [6]\ntags: [S6_Customers]\n",
    )
    tree.volume(5, "Sales and Marketing", "sales-and-marketing")
    tree.chapter("5.03", "Customers", {1: "Finding Customers", 3: "Qualifying Opportunities"})
    tree.article(
        "5.030301",
        "Describe the customer.\n",
        front='number: "5.030301"\ntitle: Targeting Customers\n'
        "summary: Describe the ideal customer before the first call.\ntags: [S6_Customers]\n",
        slug="targeting-customers",
    )
    tree.article(
        "5.030303",
        "Small buyers.\n",
        front='number: "5.030303"\ntitle: Small Customers, Big Problems\n'
        "summary: A small buyer may not be able to support what it buys.\n",
        slug="small-customers-big-problems",
    )
    return tree


def chapter_folder(tree: Tree) -> Path:
    return tree.root / "5-sales-and-marketing" / "03-chapter-03"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def export(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "exports" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def word_export(number: str = "5.030305", title: str = "CLOSING THE QUARTER", **parts: str) -> str:
    volume, chapter, section = number[0], number[2:4], number[4:6]
    header = parts.get(
        "header",
        "| | | |\n|---|---|---|\n"
        f"| Volume | {volume} | {parts.get('volume', 'Sales and Marketing')} |\n"
        f"| Chapter | {chapter} | {parts.get('chapter', 'Customers')} |\n"
        f"| Section | {section} | {parts.get('section', 'Qualifying Opportunities')} |\n"
        f"| Key Word Tags | {parts.get('keywords', 'Forecast')} | |\n"
        f"| Stage | {parts.get('stage', '7 Has repeatable sales')} | |\n",
    )
    file_line = parts.get("file_line", f"File No. {number} | 2019-03-01")
    body = parts.get("body", "A quarter ends on a date, not when the work is done.")
    return (
        f"{header}\n{title}\n\n{file_line}\n\nQuick Summary: Close what can close.\n\n"
        f"Abstract:\n\nForecasts are promises.\n\n{body}\n"
    )


# --- the two samples -----------------------------------------------------------------------------


def test_both_samples_import_exactly_and_check_passes(handbook: Tree) -> None:
    result = import_files([WORD, WEB], handbook.root)

    assert [f.status for f in result.files] == ["imported", "imported"]
    assert not result.failed and not any(f.warnings for f in result.files)
    folder = chapter_folder(handbook)
    assert (folder / "5.030302-unqualify-fast.md").read_text() == UNQUALIFY_FAST
    assert (folder / "5.030304-tire-kickers-can-cause-flats.md").read_text() == TIRE_KICKERS
    checked = check(handbook.root)
    assert checked.indexes.articles["5.030302"].stages == (6,)
    assert checked.indexes.articles["5.030304"].title == "Tire Kickers Can Cause Flats"


def test_the_cli_reports_each_file_and_the_check(
    handbook: Tree, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(WORD), str(WEB), "--content", str(handbook.root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"imported {display_path(WORD)} -> ")
    assert out[0].endswith("(word-processor export: 5.030302 Unqualify Fast)")
    assert out[1].endswith("(web-page export: 5.030304 Tire Kickers Can Cause Flats)")
    assert out[2] == "2 imported, 0 skipped, 0 failed"
    assert out[3] == f"check: {handbook.root}: 5 articles; no errors"


# --- encodings -----------------------------------------------------------------------------------


def test_crlf_and_bom_import_the_same_article(handbook: Tree, tmp_path: Path) -> None:
    text = WORD.read_text().replace("\n", "\r\n")
    path = export(tmp_path, "crlf.md", text)
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    web = export(tmp_path, "crlf.txt", WEB.read_text().replace("\n", "\r\n"))

    result = import_files([path, web], handbook.root)

    assert "UTF-8 with BOM" in result.files[0].message
    folder = chapter_folder(handbook)
    assert (folder / "5.030302-unqualify-fast.md").read_bytes() == UNQUALIFY_FAST.encode()
    assert (folder / "5.030304-tire-kickers-can-cause-flats.md").read_text() == TIRE_KICKERS


def test_windows_1252_curly_quotes_become_utf8(handbook: Tree, tmp_path: Path) -> None:
    text = WORD.read_text().replace('"this is not a fit today"', "“this is not a fit today”")
    path = export(
        tmp_path, "cp1252.md", text.replace("Unqualifying", "Unqualifying—politely—"), "cp1252"
    )
    assert b"\x93this" in path.read_bytes()

    result = import_files([path, WEB], handbook.root)

    assert result.files[0].message.startswith("word-processor export, Windows-1252:")
    written = (chapter_folder(handbook) / "5.030302-unqualify-fast.md").read_text(encoding="utf-8")
    assert "A clear “this is not a fit today” keeps" in written
    assert "Unqualifying—politely— is not rudeness." in written
    check(handbook.root)


def test_bytes_that_are_no_known_encoding_fail(handbook: Tree, tmp_path: Path) -> None:
    path = export(tmp_path, "bad.md", "")
    path.write_bytes(word_export().encode() + b"\n\x81\x8d\n")
    result = import_files([path], handbook.root)
    assert result.failed
    assert "neither UTF-8 nor Windows-1252 (byte 0x81)" in result.files[0].message
    assert result.files[0].message.startswith(f"{path}:21: ")


# --- front matter --------------------------------------------------------------------------------


def test_an_export_without_a_date_has_no_date(handbook: Tree, tmp_path: Path) -> None:
    path = export(tmp_path, "nodate.md", word_export(file_line="File No. 5.030305"))
    result = import_files([path], handbook.root)
    assert not result.failed
    text = (chapter_folder(handbook) / "5.030305-closing-the-quarter.md").read_text()
    assert text == (
        "---\n"
        'number: "5.030305"\n'
        "title: Closing the Quarter\n"
        "summary: Close what can close.\n"
        "keywords: [Forecast]\n"
        "stages: [7]\n"
        "abstract: Forecasts are promises.\n"
        "---\n"
        "A quarter ends on a date, not when the work is done.\n"
    )
    check(handbook.root)


def test_titles_get_title_case_with_acronyms(handbook: Tree, tmp_path: Path) -> None:
    body = "Most teams run the ERP and the CRM side by side. The MVP came first."
    path = export(
        tmp_path,
        "t.md",
        word_export(title="WHY THE ERP IS NOT A CRM, AND SAAS FOR SMES", body=body),
    )
    result = import_files([path], handbook.root)
    assert result.files[0].message.endswith("Why the ERP Is Not a CRM, and SaaS for SMEs")


def test_a_stage_is_mapped_by_its_name_in_atlas_yaml(handbook: Tree, tmp_path: Path) -> None:
    path = export(tmp_path, "s.md", word_export(stage="7 has some customers; 9 Is mature"))
    result = import_files([path], handbook.root)
    text = (chapter_folder(handbook) / "5.030305-closing-the-quarter.md").read_text()
    assert "stages: [6]\n" in text
    warnings = result.files[0].warnings
    assert warnings == (
        f"{path}:7: warning: stage '7 has some customers' is stage 6 in atlas.yaml; used 6",
        f"{path}:7: warning: stage '9 Is mature' is not in atlas.yaml "
        "(stages: 6 Has some customers, 7 Has repeatable sales); left out",
    )
    check(handbook.root)


# --- placement -----------------------------------------------------------------------------------


def test_a_volume_not_in_the_tree_is_created_from_the_header(
    handbook: Tree, tmp_path: Path
) -> None:
    path = export(
        tmp_path,
        "v7.md",
        word_export(
            "7.020301", "HIRING THE FIRST CFO", volume="People & Organization",
            chapter="Culture: What You Tolerate", section="Finance People", stage="6",
        ),
    )  # fmt: skip
    result = import_files([path], handbook.root)

    volume = handbook.root / "7-people-organization"
    chapter = volume / "02-culture-what-you-tolerate"
    assert result.files[0].actions == (
        f"create {volume / 'volume.yaml'} (volume 7: People & Organization)",
        f"create {chapter / 'chapter.yaml'} (chapter 7.02: Culture: What You Tolerate)",
        f"add section 3 (Finance People) to {chapter / 'chapter.yaml'}",
    )
    assert (volume / "volume.yaml").read_text() == "number: 7\ntitle: People & Organization\n"
    assert (chapter / "chapter.yaml").read_text() == (
        'number: "7.02"\ntitle: "Culture: What You Tolerate"\nsections:\n  3: Finance People\n'
    )
    assert (
        (chapter / "7.020301-hiring-the-first-cfo.md")
        .read_text()
        .startswith('---\nnumber: "7.020301"\ntitle: Hiring the First CFO\n')
    )
    checked = check(handbook.root)
    assert checked.indexes.chapters["7.02"].title == "Culture: What You Tolerate"


def test_a_missing_section_is_added_to_chapter_yaml_keeping_its_text(
    handbook: Tree, tmp_path: Path
) -> None:
    chapter_yaml = chapter_folder(handbook) / "chapter.yaml"
    chapter_yaml.write_text(
        '# Customers, by Jane\nnumber: "5.03"\ntitle: Customers\nsections:\n'
        "    1: Finding Customers   # the first\n    3: Qualifying Opportunities\n"
    )
    path = export(tmp_path, "s2.md", word_export("5.030201", section="Keeping Customers"))
    import_files([path], handbook.root)
    assert chapter_yaml.read_text() == (
        '# Customers, by Jane\nnumber: "5.03"\ntitle: Customers\nsections:\n'
        "    1: Finding Customers   # the first\n    2: Keeping Customers\n"
        "    3: Qualifying Opportunities\n"
    )
    check(handbook.root)


def test_a_web_export_needs_its_chapter_in_the_tree(handbook: Tree, tmp_path: Path) -> None:
    text = WEB.read_text().replace("5.030304", "5.040101")
    path = export(tmp_path, "web.txt", text)
    before = snapshot(handbook.root)
    result = import_files([path], handbook.root)
    assert result.failed
    assert result.files[0].message == (
        f"{path}:12: chapter 5.04 is not in the content tree and this export does not name it: "
        "create 5-sales-and-marketing/04-<slug>/chapter.yaml first"
    )
    assert snapshot(handbook.root) == before


def test_a_web_export_may_use_a_chapter_created_by_a_word_export_of_the_same_run(
    handbook: Tree, tmp_path: Path
) -> None:
    web = export(tmp_path, "web.txt", WEB.read_text().replace("5.030304", "5.040102"))
    word = export(tmp_path, "w.md", word_export("5.040101", chapter="Channels", section="Partners"))
    result = import_files([web, word], handbook.root)
    assert [f.status for f in result.files] == ["imported", "imported"]
    check(handbook.root)


# --- what is not imported ------------------------------------------------------------------------


def test_an_export_that_is_not_an_article_fails_and_exits_1(
    handbook: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(tmp_path, "menu.txt", "Browse Select Read Download\n\nA pocket guide.\n")
    before = snapshot(handbook.root)
    assert main(["import", str(path), str(WEB), "--content", str(handbook.root)]) == 1
    out = capsys.readouterr().out
    assert (
        f"failed {path}: not an article export: it has neither a 'File No. V.CCSSAA' line "
        "(word-processor export) nor an 'Article Number : V.CCSSAA' line (web-page export)"
    ) in out
    assert "1 imported, 0 skipped, 1 failed" in out
    assert set(snapshot(handbook.root)) - set(before) == {
        "5-sales-and-marketing/03-chapter-03/5.030304-tire-kickers-can-cause-flats.md"
    }


def test_an_existing_article_is_skipped_without_force(handbook: Tree, tmp_path: Path) -> None:
    existing = handbook.article("5.030302", "Mine.\n", slug="my-own-name")
    before = snapshot(handbook.root)
    result = import_files([WORD], handbook.root)
    assert result.files[0].status == "skipped"
    assert result.files[0].message == (
        f"article 5.030302 exists as {existing}; --force replaces it"
    )
    assert not result.failed and snapshot(handbook.root) == before

    forced = import_files([WORD, WEB], handbook.root, force=True)
    assert forced.files[0].target == existing  # the writer's file name is kept
    assert existing.read_text() == UNQUALIFY_FAST
    check(handbook.root)


def test_dry_run_writes_nothing_and_says_what_it_would_do(
    tree: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree.volume(1, "Introduction")
    tree.article("1.010102", front='number: "1.010102"\ntitle: T\nsummary: S.\n')
    path = export(tmp_path, "v5.md", word_export())
    before = snapshot(tree.root)
    assert main(["import", str(path), "--content", str(tree.root), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert snapshot(tree.root) == before
    volume = tree.root / "5-sales-and-marketing"
    assert out == [
        f"would import {path} -> {volume}/03-customers/5.030305-closing-the-quarter.md "
        "(word-processor export: 5.030305 Closing the Quarter)",
        f"  would create {volume}/volume.yaml (volume 5: Sales and Marketing)",
        f"  would create {volume}/03-customers/chapter.yaml (chapter 5.03: Customers)",
        f"  would add section 3 (Qualifying Opportunities) to {volume}/03-customers/chapter.yaml",
        "1 to import, 0 skipped, 0 failed; dry run: nothing was written",
    ]


# --- the body ------------------------------------------------------------------------------------


def test_an_unmatched_lost_link_is_reported_and_check_names_it(
    handbook: Tree, tmp_path: Path
) -> None:
    body = "Intro.\n\nSee [*Targeting  customers!*](#) and\n[**The Lost Article**](#) too."
    path = export(tmp_path, "l.md", word_export(body=body))
    result = import_files([path], handbook.root)
    target = chapter_folder(handbook) / "5.030305-closing-the-quarter.md"
    lines = target.read_text().splitlines()
    assert lines[11] == "See [*Targeting  customers!*](article:5.030301) and"
    assert lines[12] == "[**The Lost Article**](article:?) too."
    assert result.files[0].warnings == (
        f'{target}:13: warning: link "The Lost Article" lost its target and no article has '
        "this title; write its number as [The Lost Article](article:N)",
    )
    with pytest.raises(ContentError) as error:
        check(handbook.root)
    assert [str(d.location) for d in error.value.diagnostics] == [f"{target}:13"]


def test_chapter_mentions_become_references(handbook: Tree, tmp_path: Path) -> None:
    handbook.chapter("5.01", "Marketing")
    body = (
        "Read chapter 5.03, then chapters 5.01 and 5.03; chapter 5.09 is not written yet.\n"
        "Section 5.0301 and [chapter 5.03](chapter:5.03) stay as they are."
    )
    path = export(tmp_path, "c.md", word_export(body=body))
    result = import_files([path], handbook.root)
    target = chapter_folder(handbook) / "5.030305-closing-the-quarter.md"
    assert target.read_text().endswith(
        "Read [chapter 5.03](chapter:5.03), then chapters [5.01](chapter:5.01) and "
        "[5.03](chapter:5.03); chapter 5.09 is not written yet.\n"
        "Section 5.0301 and [chapter 5.03](chapter:5.03) stay as they are.\n"
    )
    assert result.files[0].warnings == (
        f"{target}:10: warning: chapter 5.09 is mentioned but not in the content tree; "
        "left as text",
    )
    check(handbook.root)


def test_a_table_of_exactly_one_tags_articles_becomes_tag_table(
    handbook: Tree, tmp_path: Path
) -> None:
    body = (
        "The stage's articles:\n\n| Article | Title |\n|---|---|\n| 5.030301 | Targeting |\n\n"
        "| | |\n|---|---|\n| 1.010102 | Has Some Customers |\n\nAnd a table that is not:\n\n"
        "| Article | Title |\n|---|---|\n| 5.030301 | Targeting |\n"
    )
    path = export(tmp_path, "tt.md", word_export(body=body))
    import_files([path], handbook.root)
    text = (chapter_folder(handbook) / "5.030305-closing-the-quarter.md").read_text()
    assert text.endswith(
        "---\nThe stage's articles:\n\n"
        '{{ tag_table("S6_Customers") }}\n\n'
        "And a table that is not:\n\n| Article | Title |\n| --- | --- |\n| 5.030301 | Targeting |\n"
    )
    check(handbook.root)


def test_braces_stay_literal_and_web_text_stays_text(handbook: Tree, tmp_path: Path) -> None:
    web = (
        "PRICING FOR THE CFO\n\nQuick Summary: Prices {{ change }}.\n\n"
        "Use {{ price }} and {% if %} as written.\n\n"
        "•  first   point\n• second <b>point</b>\n\n# not a heading\n\n"
        "Article Number : 5.030306\n\nBrowse Select Read Download\n"
    )
    path = export(tmp_path, "p.txt", web)
    result = import_files([path], handbook.root)
    assert result.files[0].message == "web-page export: 5.030306 Pricing for the CFO"
    text = (chapter_folder(handbook) / "5.030306-pricing-for-the-cfo.md").read_text()
    assert text.endswith(
        "---\nUse {% raw %}{{{% endraw %} price }} and {% raw %}{%{% endraw %} if %} as written.\n\n"
        "- first point\n- second \\<b>point\\</b>\n\n\\# not a heading\n"
    )
    assert "summary: Prices {{ change }}.\n" in text
    checked = check(handbook.root)
    assert "Browse" not in checked.indexes.articles["5.030306"].body


def test_a_folder_imports_its_files_and_a_number_twice_fails(
    handbook: Tree, tmp_path: Path
) -> None:
    export(tmp_path, "a.md", word_export(title="**FIRST** *TAKE*", body="Body."))
    export(tmp_path, "b.md", word_export(title="SECOND TAKE"))
    export(tmp_path, "_draft.md", "ignored")
    result = import_files([tmp_path / "exports"], handbook.root)
    assert [(f.source.name, f.status) for f in result.files] == [
        ("a.md", "imported"),
        ("b.md", "failed"),
    ]
    assert result.files[0].message.endswith("5.030305 First Take")
    assert "article 5.030305 is also in" in result.files[1].message
    assert result.files[1].message.startswith(f"{tmp_path / 'exports' / 'b.md'}:11: ")


def test_a_stage_named_differently_falls_back_to_its_number(handbook: Tree, tmp_path: Path) -> None:
    path = export(tmp_path, "s.md", word_export(stage="7 Sells again and again"))
    result = import_files([path], handbook.root)
    text = (chapter_folder(handbook) / "5.030305-closing-the-quarter.md").read_text()
    assert "stages: [7]\n" in text
    assert result.files[0].warnings == (
        f"{path}:7: warning: stage '7 Sells again and again': atlas.yaml names stage 7 "
        "'Has repeatable sales'; used 7",
    )


def test_a_chapter_yaml_in_a_form_not_edited_fails_only_its_file(
    handbook: Tree, tmp_path: Path
) -> None:
    chapter_yaml = chapter_folder(handbook) / "chapter.yaml"
    chapter_yaml.write_text('number: "5.03"\ntitle: Customers\nsections: {1: A, 3: B}\n')
    path = export(tmp_path, "s2.md", word_export("5.030201", section="Keeping Customers"))
    result = import_files([path, WEB], handbook.root, dry_run=True)
    assert [f.status for f in result.files] == ["failed", "imported"]
    assert result.files[0].message == (
        f"{path}: {chapter_yaml} writes 'sections:' in a form the importer does not edit; "
        "add '2: Keeping Customers' under it by hand"
    )


def test_the_cli_names_what_the_writer_must_fix_and_exits_1(
    handbook: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(tmp_path, "l.md", word_export(body="See [*Nowhere*](#)."))
    assert main(["import", str(path), "--content", str(handbook.root)]) == 1
    captured = capsys.readouterr()
    target = chapter_folder(handbook) / "5.030305-closing-the-quarter.md"
    assert f'  {target}:10: warning: link "Nowhere" lost its target' in captured.out
    assert "1 imported, 0 skipped, 0 failed" in captured.out
    assert f"{target}:10: error[E040]: reference to article ?" in captured.err
    assert captured.err.endswith(f"check: 1 error(s) in {handbook.root} to fix\n")


def test_front_matter_text_is_plain(handbook: Tree, tmp_path: Path) -> None:
    text = word_export().replace(
        "Close what can close.", "Close *what* can close, see [**Targeting Customers**](#)."
    )
    import_files([export(tmp_path, "p.md", text)], handbook.root)
    written = (chapter_folder(handbook) / "5.030305-closing-the-quarter.md").read_text()
    assert "summary: Close what can close, see Targeting Customers.\n" in written


def test_an_export_without_blank_lines_between_its_head_lines(
    handbook: Tree, tmp_path: Path
) -> None:
    text = WORD.read_text()
    for label in ("UNQUALIFY", "File No", "Quick Summary", "Abstract"):
        text = text.replace(f"\n\n{label}", f"\n{label}")
    text = text.replace("Abstract:\n\n", "Abstract:\n")
    web = WEB.read_text().replace("Flats\n\nQuick", "Flats\nQuick")
    result = import_files(
        [export(tmp_path, "w.md", text), export(tmp_path, "w.txt", web)], handbook.root
    )
    assert not result.failed
    folder = chapter_folder(handbook)
    assert (folder / "5.030302-unqualify-fast.md").read_text() == UNQUALIFY_FAST
    assert (folder / "5.030304-tire-kickers-can-cause-flats.md").read_text() == TIRE_KICKERS
