"""The incremental build: outputs are rebuilt only when what they show has changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from atlas_publish.built import Built
from atlas_publish.pipeline import BuildOptions, build
from atlas_publish.render import templates_dir

from .conftest import Tree


def stamps(out: Path) -> dict[str, int]:
    """Every file's mtime, but the build lock's (each build writes its process id in it)."""
    return {
        str(p.relative_to(out)): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.is_file() and p.name != ".lock"
    }


def rebuilt(built: list[Built]) -> set[str]:
    return {f"{b.format}-{b.volume}" for b in built if not b.cached}


@pytest.fixture
def built_tree(small_tree: Tree, tmp_path: Path) -> tuple[Tree, BuildOptions]:
    options = BuildOptions(content=small_tree.root, out=tmp_path / "out", jobs=2, pdf_variant=None)
    first = build(options)
    assert rebuilt(first) == {"pdf-1", "pdf-2", "epub-1", "epub-2"}
    return small_tree, options


def test_a_no_op_build_writes_nothing(built_tree: tuple[Tree, BuildOptions]) -> None:
    _, options = built_tree
    before = stamps(options.out)
    again = build(options)
    assert rebuilt(again) == set() and len(again) == 4
    assert stamps(options.out) == before  # not even the cache's own files


def test_touching_a_file_checks_again_but_rebuilds_nothing(
    built_tree: tuple[Tree, BuildOptions],
) -> None:
    tree, options = built_tree
    article = next(tree.root.glob("2-*/01-*/2.010101-*.md"))
    article.write_text(article.read_text())  # same bytes, new mtime
    before = {k: v for k, v in stamps(options.out).items() if not k.startswith(".cache")}
    assert rebuilt(build(options)) == set()
    after = {k: v for k, v in stamps(options.out).items() if not k.startswith(".cache")}
    assert after == before


def test_an_article_edit_rebuilds_only_its_volume(built_tree: tuple[Tree, BuildOptions]) -> None:
    tree, options = built_tree
    article = next(tree.root.glob("2-*/01-*/2.010101-*.md"))
    article.write_text(article.read_text() + "\nA new closing paragraph.\n")
    before = stamps(options.out)
    assert rebuilt(build(options)) == {"pdf-2", "epub-2"}
    after = stamps(options.out)
    changed = {k for k in after if after[k] != before.get(k)}
    parts = {k for k in changed if k.startswith(".cache/parts/")}
    assert changed - parts == {"pdf/volume-2.pdf", "epub/volume-2.epub", ".cache/manifest.json"}
    # only the edited article's chapter is laid out again (its PDF and its record)
    assert len(parts) == 2 and all(k.startswith(".cache/parts/volume-2/") for k in parts), parts
    assert len(list((options.out / ".cache" / "parts" / "volume-2").glob("*.pdf"))) == len(
        [k for k in before if k.startswith(".cache/parts/volume-2/") and k.endswith(".pdf")]
    )  # the chapter's old part is gone: a volume keeps only its last build's parts


def test_a_title_edit_rebuilds_the_volumes_that_show_it(
    built_tree: tuple[Tree, BuildOptions],
) -> None:
    tree, options = built_tree
    article = next(tree.root.glob("2-*/01-*/2.010101-*.md"))
    article.write_text(article.read_text().replace("title: Closing Time", "title: Last Orders"))
    # volume 1 links to 2.010101 by its title: both volumes change
    assert rebuilt(build(options)) == {"pdf-1", "pdf-2", "epub-1", "epub-2"}


def test_a_template_edit_rebuilds_everything(built_tree: tuple[Tree, BuildOptions]) -> None:
    tree, options = built_tree
    override = tree.root / "_templates" / "print" / "print.css"
    override.parent.mkdir(parents=True)
    shutil.copy(templates_dir() / "print" / "print.css", override)
    with override.open("a") as css:
        css.write("\n.summary { font-style: italic; }\n")
    assert rebuilt(build(options)) == {"pdf-1", "pdf-2", "epub-1", "epub-2"}


def test_a_deleted_or_replaced_output_is_built_again(
    built_tree: tuple[Tree, BuildOptions],
) -> None:
    _, options = built_tree
    (options.out / "epub" / "volume-1.epub").unlink()
    (options.out / "pdf" / "volume-2.pdf").write_bytes(b"not the PDF the cache wrote")
    assert rebuilt(build(options)) == {"epub-1", "pdf-2"}
    assert (options.out / "pdf" / "volume-2.pdf").read_bytes().startswith(b"%PDF")


def test_no_cache_rebuilds_everything(built_tree: tuple[Tree, BuildOptions]) -> None:
    _, options = built_tree
    options = BuildOptions(
        content=options.content, out=options.out, jobs=2, pdf_variant=None, cache=False
    )
    assert rebuilt(build(options)) == {"pdf-1", "pdf-2", "epub-1", "epub-2"}


def test_the_command_line_reports_each_file_and_a_summary(
    built_tree: tuple[Tree, BuildOptions], capsys: pytest.CaptureFixture[str]
) -> None:
    from atlas_publish.cli import main

    tree, options = built_tree
    args = ["build", "--content", str(tree.root), "--out", str(options.out), "--quiet"]
    assert main([*args, "--jobs", "2"]) == 0  # tagged PDFs: other options than the fixture's
    capsys.readouterr()
    article = next(tree.root.glob("2-*/01-*/2.010101-*.md"))
    article.write_text(article.read_text() + "\nMore.\n")
    assert main([*args, "--jobs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("volume 2 PDF: ") and "pages (" in line for line in lines)
    assert any(line.startswith("volume 1 PDF: ") and line.endswith("(cached)") for line in lines)
    header = lines.index(next(line for line in lines if line.startswith("volume  edition")))
    summary = [line.split() for line in lines[header + 1 : header + 5]]
    assert [row[0] for row in summary] == ["1", "1", "2", "2"]
    assert [row[-1] for row in summary] == ["cached", "cached", "built", "built"]
    assert lines[-1].startswith("built 2 file(s), 2 unchanged, in ")
