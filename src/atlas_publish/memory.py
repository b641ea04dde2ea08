"""A worker's memory: the largest stage's, not the sum of its stages.

CPython frees a laid-out document's pages when the last reference goes, but its allocator
keeps most of them (an arena of 1 MiB is returned only when every object in it is freed, and
WeasyPrint leaves long-lived objects scattered among the pages'), so after one big layout a
process holds hundreds of MB it cannot use for anything but more Python objects. pikepdf's
join allocates C++ objects and cannot use them: joined after the layouts, in one process, a
volume cost the layouts' memory plus the join's (904 MB for volume 9 of the 7,000-article
sample, 2,236 pages). ``in_child`` lays out in a forked child that takes that memory with it
when it ends; ``release`` gives back what can be given back between stages.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import TypeVar

from .errors import BuildError

T = TypeVar("T")


def release() -> None:
    """Collect cycles and return free memory to the system (glibc only; elsewhere, a collect)."""
    gc.collect()
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).malloc_trim(0)


# The collector's thresholds while a build lays out and renders (generations 0, 1, 2; Python's
# are 700, 10, 10). WeasyPrint makes millions of short-lived objects, a few of them in cycles:
# with Python's thresholds the collector ran 1,800 times while a 300-page volume of the
# 700-article sample was laid out, 17 times over the whole heap: 2.3-2.6 s of its 17 s of CPU.
# With these it runs about 14 times (1 s). Generations 1 and 2 still follow soon after the
# first (Python collects the whole heap only once it grew by a quarter), so the cycles a long
# chapter leaves do not pile up until ``release``. Against Python's thresholds: two volumes of
# the 700-article tree 0.93 x the CPU (farm-bench, 3 pairs), the largest process 192 MB instead
# of 180; volume 9 of the 7,000-article tree 252 s of CPU instead of 271 (one run each), 612 MB
# either way. (100_000, 50, 1_000) took 217 s there, but peaked at 663 MB.
BUILD_THRESHOLDS = (100_000, 2, 2)


@contextlib.contextmanager
def seldom_collected() -> Iterator[None]:
    """Collect cycles seldom inside the block (a build, a preview): see BUILD_THRESHOLDS.
    Processes forked inside it inherit the thresholds."""
    previous = gc.get_threshold()
    gc.set_threshold(*BUILD_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def in_child(function: Callable[[], T]) -> T:
    """``function()`` run in a forked child process, its result (or the exception it raised)
    sent back pickled; the child's memory is the system's again when it returns. Where fork is
    not available (not Linux or macOS), run here."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return function()
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_run_and_send, args=(function, writer, os.getpid()))
    child.start()
    writer.close()
    try:
        succeeded, value = reader.recv()
    except EOFError:  # killed (out of memory?) or crashed in WeasyPrint's C libraries
        child.join()
        raise BuildError(
            f"the layout process ended without a result (exit code {child.exitcode})"
        ) from None
    finally:
        reader.close()
    child.join()
    if not succeeded:
        raise value
    return value  # type: ignore[no-any-return]


def _run_and_send(function: Callable[[], object], writer: Connection, parent: int) -> None:
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above: nobody waits
        os._exit(1)
    # What the child inherited is not the layout's garbage: ``release`` need not walk it.
    gc.freeze()
    try:
        outcome: tuple[bool, object] = (True, function())
    except BaseException as error:  # noqa: BLE001  (every failure goes back to the parent)
        outcome = (False, error)
    try:
        writer.send(outcome)
    except (pickle.PicklingError, TypeError, AttributeError):  # an exception pickle refuses
        writer.send((False, BuildError(repr(outcome[1]))))
    writer.close()


def _die_with_parent() -> None:
    """A forked child is not told when its parent dies (the kernel's parent-death signal is not
    inherited): set it again, so a build stopped with Ctrl-C or kill leaves no layout running."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, 9)  # SIGKILL
