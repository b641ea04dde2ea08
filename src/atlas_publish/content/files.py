"""Reading source files safely: regular files only, size limit enforced while reading, inside
the content tree, UTF-8 (BOM and CRLF fine)."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from ..codes import Code
from ..errors import Diagnostics

# Characters no edition can show and XML cannot hold (a decoded file has no lone surrogates).
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
MAX_SOURCE_BYTES = 1_000_000  # an article over 1 MB is a mistake (a pasted export, a binary)


class NotReadable(Exception):
    """A file that is not read: what it is and what to do, for the writer."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def is_ignored(path: Path) -> bool:
    """Names starting with '.' or '_' are the writer's own (drafts, editor files)."""
    return path.name.startswith((".", "_"))


def inside(path: Path, root: Path) -> bool:
    """True when ``path``, with symlinks followed, stays inside ``root`` (a loop never does)."""
    try:
        real, real_root = _real_path(path), _real_path(root)
    except (ValueError, OSError):  # a loop of symbolic links, a NUL byte
        return False
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _real_path(path: Path) -> str:
    """``path`` with every symbolic link followed, as ``Path.resolve()`` gives it, but as a
    string (``check`` asks this of every file); OSError for a loop, which realpath leaves."""
    real = os.path.realpath(path)
    try:
        os.stat(real)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise
    return real


def link_loop(path: Path) -> bool:
    """True when following ``path``'s symbolic links never ends."""
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return True
    except OSError as error:
        return error.errno == 40  # ELOOP
    return False


def outside_message(path: Path, what: str = "file") -> str:
    """Why a file (or folder) that is not inside the content folder is not read, and what to
    do."""
    if link_loop(path):
        return "symbolic links that point at each other (a loop); remove or fix the link"
    return (
        f"a symbolic link leads this {what} outside the content folder; copy the {what} in "
        "instead of linking to it"
    )


def read_regular(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or NotReadable.

    A FIFO, a device or a socket is refused before it is read (opening a FIFO does not wait
    for a writer: O_NONBLOCK), and the limit holds while reading, whatever the size says.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == 40:  # ELOOP
            raise NotReadable(outside_message(path)) from None
        raise NotReadable(f"cannot read the {what}: {error.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = (
                "a named pipe (FIFO)"
                if stat.S_ISFIFO(mode)
                else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket"
                if stat.S_ISSOCK(mode)
                else "not a regular file"
            )
            raise NotReadable(
                f"this is {kind}, not a regular file: only regular files are read; put the file itself here"
            )
        advice = "split it into several articles" if what == "file" else "make it smaller"
        declared = os.fstat(fd).st_size
        if declared > limit:
            raise NotReadable(
                f"{what} is {declared:,} bytes, over the limit of {limit:,}; {advice}"
            )
        os.set_blocking(fd, True)
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotReadable(f"{what} is over the limit of {limit:,} bytes; {advice}")
        return b"".join(chunks)
    except OSError as error:
        raise NotReadable(f"cannot read the {what}: {error.strerror}") from None
    finally:
        os.close(fd)


def read_text(path: Path, root: Path, diagnostics: Diagnostics) -> str | None:
    """The file's text with a BOM removed and line ends made '\\n'; None after reporting why not."""
    if not inside(path, root):
        diagnostics.error(Code.E003, outside_message(path), path)
        return None
    try:
        data = read_regular(path, MAX_SOURCE_BYTES)
    except NotReadable as error:
        diagnostics.error(Code.E003, error.message, path)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.error(
            Code.E003,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            path,
            line,
        )
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = UNSHOWABLE.search(text)
    if bad is not None:
        diagnostics.error(
            Code.E003,
            f"the control character U+{ord(bad[0]):04X} is in the text, and no edition can "
            "show it: delete it",
            path,
            text.count("\n", 0, bad.start()) + 1,
        )
        return None
    return text
