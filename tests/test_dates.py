"""The edition's date: decided once at the command line, the same for build and dist (issue 16)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from atlas_publish import cli
from atlas_publish.dates import DAY, BadSourceDate, edition_date

from .conftest import Tree

EPOCH = 1767225600  # 2026-01-01T00:00:00Z


def test_source_date_epoch_wins(tree: Tree) -> None:
    dated = edition_date(tree.root, {"SOURCE_DATE_EPOCH": "1767225601"})
    assert (dated.epoch, dated.source) == (1767225601, "SOURCE_DATE_EPOCH")
    with pytest.raises(BadSourceDate, match="SOURCE_DATE_EPOCH='yesterday' is not a date"):
        edition_date(tree.root, {"SOURCE_DATE_EPOCH": "yesterday"})


def test_outside_git_the_newest_file_dates_the_edition_by_day(tree: Tree) -> None:
    for path in tree.root.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    os.utime(tree.root / "atlas.yaml", (1_750_000_000, 1_750_000_000))
    dated = edition_date(tree.root, {})
    assert dated.epoch == 1_750_000_000 - 1_750_000_000 % DAY
    assert dated.source == "the newest file in the content"


def test_in_a_git_checkout_the_newest_commit_touching_the_content_dates_it(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    tree = Tree(repo / "content")
    (repo / "README").write_text("not content")

    def git(*args: str, when: int) -> None:
        stamp = f"@{when} +0000"
        env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", when=0)
    git("add", "content", when=0)
    ident = ["-c", "user.name=T", "-c", "user.email=t@example.org"]
    git(*ident, "commit", "-q", "-m", "content", when=1_750_000_000)
    git("add", "README", when=0)
    git(*ident, "commit", "-q", "-m", "not content", when=1_760_000_000)
    (tree.root / "atlas.yaml").write_text("edited, not committed")  # the mtime is now
    dated = edition_date(tree.root, {})
    assert dated.epoch == 1_750_000_000 - 1_750_000_000 % DAY
    assert dated.source == "the newest commit touching the content"


def test_a_bad_source_date_epoch_is_a_usage_error(
    small_tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2026-01-01")
    args = ["build", "--content", str(small_tree.root), "--out", str(tmp_path / "out")]
    assert cli.main(args) == 2
    assert not (tmp_path / "out").exists()


def test_only_the_command_line_reads_the_environment() -> None:
    """The date travels in the options (BuildOptions.date, DistOptions.date), not os.environ."""
    source = Path(cli.__file__).parent
    readers = sorted(
        p.name
        for p in source.rglob("*.py")
        if "SOURCE_DATE_EPOCH" in p.read_text() and "os.environ" in p.read_text()
    )
    assert readers == ["dates.py"]


@pytest.mark.slow
def test_pdf_after_dist_and_dist_after_pdf_lay_out_nothing_again(
    small_tree: Tree,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from atlas_publish.validate import epubcheck_available

    if not epubcheck_available():
        pytest.skip("EPUBCheck is not installed (run make setup)")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "out"
    common = ["--content", str(small_tree.root), "--out", str(out), "--jobs", "1"]
    assert cli.main(["dist", *common]) == 0
    newest = max(p.stat().st_mtime for p in small_tree.root.rglob("*") if p.is_file())
    day = dt.datetime.fromtimestamp(int(newest) - int(newest) % DAY, dt.UTC)
    dated = f"dating the edition {day.day} {day:%B %Y}: the newest file in the content"
    assert dated in capsys.readouterr().out
    pdfs = {p: p.stat().st_mtime_ns for p in (out / "pdf").glob("volume-*.pdf")}
    assert len(pdfs) == 2
    assert cli.main(["build", "--format", "pdf", "--quiet", *common]) == 0
    assert {p: p.stat().st_mtime_ns for p in pdfs} == pdfs  # nothing laid out again
    (out / "dist").rename(tmp_path / "first-dist")
    assert cli.main(["dist", *common]) == 0
    assert {p: p.stat().st_mtime_ns for p in pdfs} == pdfs
    for published in (tmp_path / "first-dist").iterdir():  # the same date: the same bytes
        assert (out / "dist" / published.name).read_bytes() == published.read_bytes()
