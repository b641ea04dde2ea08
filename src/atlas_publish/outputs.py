"""Writing outputs atomically: a finished file appears under its name, or nothing changes.

One build at a time writes into an output folder: ``output_lock`` serialises them, and the
build that holds the lock removes temporary files that a killed build left behind.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .dates import source_date_epoch
from .errors import BuildError

LOCK_NAME = ".lock"
LOCK_TIMEOUT = 3600.0  # seconds a second build waits before giving up
# What atomic_path names its temporaries (".raw": what the EPUB writer left beside them once).
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.(part|raw)$")

_held: dict[Path, int] = {}  # output folders this process holds the lock of -> depth


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        with open(temporary, "rb") as written:  # on disk before it takes the finished name
            os.fsync(written.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


@contextmanager
def output_lock(
    out: Path, report: Callable[[str], None] = lambda line: None, timeout: float = LOCK_TIMEOUT
) -> Iterator[None]:
    """Hold ``out/.lock`` while building into ``out``; wait for another build holding it.

    Reentrant within a process (``dist`` builds while holding the lock). The lock is a POSIX
    record lock (lockf), which the system releases when the build's process dies, however it
    dies; unlike an flock it is not inherited by the worker processes, so a worker orphaned by
    a killed build cannot keep the next build waiting. A build that wrote nothing (content
    errors) leaves no folder behind: it removes the folder it created.
    """
    key = out.resolve()
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    created = not out.exists()
    fd = _acquire(out, report, timeout)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        remove_stale_temporaries(out)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
            if created and [p.name for p in out.iterdir()] == [LOCK_NAME]:
                (out / LOCK_NAME).unlink()  # a waiting build notices and locks the new file
                out.rmdir()
    finally:
        os.close(fd)  # releases the lock


def _acquire(out: Path, report: Callable[[str], None], timeout: float) -> int:
    """An open descriptor of ``out/.lock``, locked; the file may be replaced while waiting."""
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        out.mkdir(parents=True, exist_ok=True)
        path = out / LOCK_NAME
        fd = _open_lock(path)
        try:
            while True:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except (BlockingIOError, PermissionError):  # EAGAIN or EACCES: held
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    if not waiting:
                        report(f"waiting for another build into {out} (pid {holder})…")
                        waiting = True
                    if time.monotonic() >= deadline:
                        raise BuildError(
                            f"another build into {out} (pid {holder}) is still running after "
                            f"{timeout:.0f} s; wait for it to finish, or build into another "
                            "--out folder"
                        ) from None
                    time.sleep(0.2)
            try:
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    return fd
            except FileNotFoundError:
                pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed the file it had locked: lock the new one


PID_TEXT = re.compile(rb"^\d*\n?$")


def _open_lock(path: Path) -> int:
    """``path`` opened for locking: never through a symbolic link, and never a file that is
    not a lock file (another file, or a hard link to one), whose content writing the pid
    would destroy."""
    flags = os.O_RDWR | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags | os.O_CREAT, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise BuildError(
                f"{path} is a symbolic link; the build writes its process id there and "
                "follows no link: remove it"
            ) from None
        raise BuildError(f"{path}: cannot open the lock file ({error.strerror})") from None
    status = os.fstat(fd)
    if (
        not stat.S_ISREG(status.st_mode)
        or status.st_nlink > 1
        or status.st_size > 32
        or not PID_TEXT.match(os.pread(fd, 33, 0))
    ):
        os.close(fd)
        raise BuildError(
            f"{path} is not a lock file of atlas-publish (it holds something else, or is "
            "linked to another file); move it away, or build into another --out folder"
        )
    return fd


def remove_stale_temporaries(out: Path) -> list[Path]:
    """Temporary files of builds that were killed; only safe while holding the lock."""
    removed = []
    for path in out.rglob(".*"):
        if TEMPORARY.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def source_date() -> int | None:
    """SOURCE_DATE_EPOCH; None when unset. For the command line only: a build takes its date
    from its options (BuildOptions.date), never from the environment (see dates.py)."""
    return source_date_epoch()


def check_out_folder(content: Path, out: Path) -> None:
    """Refuse an output folder the build cannot or must not write into, before anything is
    written: a file, or a folder inside the content (its outputs would be read as content)."""
    if out.exists() and not out.is_dir():
        raise BuildError(f"--out {out} is a file, not a folder: give a folder (e.g. build/)")
    try:
        inside_content = out.resolve().is_relative_to(content.resolve())
    except (RuntimeError, OSError):
        inside_content = False
    if inside_content and content.is_dir():
        raise BuildError(
            f"--out {out} is inside the content folder {content}, where the build would read "
            "its own outputs as content: build into a folder outside it (the default is build/)"
        )


def write_failure(error: OSError, out: Path) -> BuildError:
    """An output that could not be written, as one line: the path, why, and what to do."""
    where = error.filename or out
    reason = error.strerror or str(error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some space, or build into another --out folder"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = "build into a folder you can write to (--out DIR)"
    elif error.errno in (errno.ENOTDIR, errno.EEXIST):
        advice = "a file stands where the build needs a folder: move it, or use another --out"
    else:
        advice = "check the output folder, or build into another --out folder"
    return BuildError(
        f"{where}: cannot write ({reason}): {advice}; finished files are complete, unfinished "
        "ones were not written"
    )
