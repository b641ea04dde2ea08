"""Reading source files safely: size limit, inside the content tree, UTF-8 (BOM and CRLF fine)."""

from __future__ import annotations

from pathlib import Path

from ..codes import Code
from ..errors import Diagnostics

MAX_SOURCE_BYTES = 1_000_000  # an article over 1 MB is a mistake (a pasted export, a binary)


def is_ignored(path: Path) -> bool:
    """Names starting with '.' or '_' are the writer's own (drafts, editor files)."""
    return path.name.startswith((".", "_"))


def inside(path: Path, root: Path) -> bool:
    """True when ``path``, with symlinks followed, stays inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def read_text(path: Path, root: Path, diagnostics: Diagnostics) -> str | None:
    """The file's text with a BOM removed and line ends made '\\n'; None after reporting why not."""
    if not inside(path, root):
        diagnostics.error(
            Code.E003,
            "a symbolic link leads this file outside the content folder; copy the file in "
            "instead of linking to it",
            path,
        )
        return None
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            diagnostics.error(
                Code.E003,
                f"file is {size:,} bytes, over the limit of {MAX_SOURCE_BYTES:,}; "
                "split it into several articles",
                path,
            )
            return None
        data = path.read_bytes()
    except OSError as exc:
        diagnostics.error(Code.E003, f"cannot read the file: {exc.strerror}", path)
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
    return text.replace("\r\n", "\n").replace("\r", "\n")
