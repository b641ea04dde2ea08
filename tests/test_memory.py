"""memory.in_child: a volume's parts are laid out in a forked child, so the memory the
layouts leave behind goes with it (memory.py). What it returns, and how it fails, must be
what the same call made here would return or raise."""

from __future__ import annotations

import os
import signal

import pytest

from atlas_publish.errors import BuildError
from atlas_publish.memory import in_child


def test_the_result_comes_back_from_another_process() -> None:
    parent = os.getpid()
    child, value = in_child(lambda: (os.getpid(), {"folios": [1, 3, 5]}))
    assert child != parent
    assert value == {"folios": [1, 3, 5]}


def test_an_error_is_raised_here_as_it_was_raised_there() -> None:
    def fail() -> None:
        raise BuildError("volume 9: page numbers did not settle")

    with pytest.raises(BuildError, match="did not settle"):
        in_child(fail)


def test_a_child_that_dies_is_a_build_error_not_a_hang() -> None:
    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(BuildError, match="ended without a result"):
        in_child(die)
