"""memory.py. in_child: a volume's parts are laid out in a forked child, so the memory the
layouts leave behind goes with it; what it returns, and how it fails, must be what the same
call made here would return or raise. seldom_collected: a build's collector thresholds."""

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


def test_a_build_collects_seldom_and_gives_the_thresholds_back() -> None:
    import gc

    from atlas_publish.memory import BUILD_THRESHOLDS, seldom_collected

    before = gc.get_threshold()
    with seldom_collected():
        assert gc.get_threshold() == BUILD_THRESHOLDS
        # a layout child inherits them, and frees the cycles its parts leave
        assert in_child(gc.get_threshold) == BUILD_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), seldom_collected():
        raise RuntimeError("a failed build")
    assert gc.get_threshold() == before
