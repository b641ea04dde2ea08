"""The corpus of bad inputs in tests/bad_inputs/: each case gives exactly its expected messages.

A case is either
- ``NN-name.md``: an article, put into a small valid tree as ``1.010103-case.md``, with the
  expected diagnostics in ``NN-name.expected``; or
- ``NN-name/``: ``tree/`` (files laid over the small tree), optional ``setup`` (lines:
  ``sparse PATH SIZE``, ``fill PATH SIZE``, ``outside NAME``, ``symlink PATH NAME``,
  ``article MARKDOWN``, ``fifo PATH``, ``link PATH TARGET`` for a symbolic link to TARGET as
  written), and the expected diagnostics in ``expected``.

Expected lines are the diagnostics as printed, with the content folder written ``content``.
``ATLAS_REGEN_BAD_INPUTS=1 pytest tests/test_bad_inputs.py`` rewrites them (then review them).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from atlas_publish.errors import ContentError
from atlas_publish.pipeline import check

from .conftest import Tree

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.suffix == ".md" or p.is_dir())
ARTICLE = "1-volume-1/01-chapter-01/1.010103-case.md"
HEAD = '---\nnumber: "1.010103"\ntitle: A Case\nsummary: One bad input.\n---\n'


def expected_file(case: Path) -> Path:
    return case / "expected" if case.is_dir() else case.with_suffix(".expected")


def lay_out(case: Path, tree: Tree, outside: Path) -> None:
    root = tree.root
    if case.suffix == ".md":
        (root / ARTICLE).write_bytes(case.read_bytes())
        return
    if (case / "tree").is_dir():
        shutil.copytree(case / "tree", root, dirs_exist_ok=True)
    setup = case / "setup"
    for line in setup.read_text().splitlines() if setup.is_file() else []:
        command, _, rest = line.partition(" ")
        if command == "article":
            (root / ARTICLE).write_text(HEAD + rest + "\n")
            continue
        path, _, argument = rest.partition(" ")
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if command == "sparse":
            with open(target, "wb") as sparse:
                sparse.truncate(int(argument))
        elif command == "fill":
            filler = "All work and no play. " * (int(argument) // 22 + 1)
            target.write_text(HEAD + filler)
        elif command == "outside":
            outside.mkdir(exist_ok=True)
            (outside / path).write_text(HEAD + "A secret.\n")
        elif command == "symlink":
            target.symlink_to(outside / argument)
        elif command == "fifo":
            os.mkfifo(target)
        elif command == "link":
            target.symlink_to(argument)
        else:
            raise ValueError(f"{setup}: unknown setup line {line!r}")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bad_input_gives_its_exact_messages(
    case: Path, small_tree: Tree, tmp_path: Path, deadline: None
) -> None:
    lay_out(case, small_tree, tmp_path / "outside")
    try:
        found = check(small_tree.root).warnings
    except ContentError as error:
        found = tuple(error.diagnostics)
    lines = [str(d).replace(str(small_tree.root), "content") for d in found]
    expected = expected_file(case)
    if os.environ.get("ATLAS_REGEN_BAD_INPUTS"):
        expected.write_text("".join(f"{line}\n" for line in lines))
    assert lines == expected.read_text().splitlines()
    assert lines, "a bad input must give at least one message"
    for line in lines:
        assert line.startswith("content"), line  # names the file ...
        assert ": error[" in line or ": warning[" in line, line


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 85  # it only grows
    assert all(expected_file(case).is_file() for case in CASES)
