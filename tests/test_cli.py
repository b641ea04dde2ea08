"""The command line: exit codes, messages on stderr, and nothing written on errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from atlas_publish.cli import main

from .conftest import Tree


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atlas_publish.cli", *args], capture_output=True, text=True
    )


def test_check_passes_on_a_valid_tree(small_tree: Tree, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--content", str(small_tree.root)]) == 0
    assert "3 articles in 2 volumes and 2 chapters; no errors" in capsys.readouterr().out


def test_check_names_every_problem_and_exits_1(small_tree: Tree, tmp_path: Path) -> None:
    bad = small_tree.article("1.010103", "see [x](article:1.099999)\n")
    small_tree.article("1.010104", raw="no front matter\n")
    result = run("check", "--content", str(small_tree.root))
    assert result.returncode == 1
    assert f"{bad}:6: error[E040]" in result.stderr
    assert "error[E002]" in result.stderr
    assert "2 error(s); nothing was written." in result.stderr


def test_build_with_errors_writes_nothing(small_tree: Tree, tmp_path: Path) -> None:
    small_tree.article("1.010103", raw="no front matter\n")
    out = tmp_path / "out"
    assert main(["build", "--content", str(small_tree.root), "--out", str(out)]) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [["build", "--format", "docx"], ["frobnicate"], ["build", "--volume", "x"], []],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args).returncode == 2


def test_unknown_volume_is_a_usage_error(small_tree: Tree, tmp_path: Path) -> None:
    # like a chapter the tree lacks (preview 9.05): the command asks for what is not there
    result = run(
        "build", "--content", str(small_tree.root), "--out", str(tmp_path), "--volume", "7"
    )
    assert result.returncode == 2
    assert "there is no volume 7 (volumes: 1, 2)" in result.stderr


@pytest.mark.parametrize("command", ["check", "build", "sample"])
def test_help_on_every_command(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0 and "usage: atlas-publish" in result.stdout


def test_sample_is_valid_and_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert (
            main(["sample", "--articles", "60", "--out", str(tmp_path / name), "--seed", "3"]) == 0
        )
    files_a = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    assert files_a == files_b
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a
    )
    assert main(["check", "--content", str(tmp_path / "a")]) == 0
    assert len([f for f in files_a if f.suffix == ".md"]) == 60
    chapters = [f for f in files_a if f.name == "chapter.yaml"]
    assert len(chapters) == 42


@pytest.mark.parametrize(("command", "said"), [("check", "interrupted\n"), ("build", "finished")])
def test_ctrl_c_says_what_was_written_only_where_something_is(
    command: str, said: str, tree: Tree, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import atlas_publish.cli as cli

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, f"_{command}", interrupted)
    assert main([command, "--content", str(tree.root)]) == 130
    assert said in capsys.readouterr().err
