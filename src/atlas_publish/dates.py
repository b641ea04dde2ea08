"""The edition's date: one value, decided once at the command line and carried in the options.

``build`` and ``dist`` date an edition the same way, so the one never lays out what the other
built (the date is printed on every volume's copyright page, and so is in the cache's keys):
``SOURCE_DATE_EPOCH`` when set; else, in a git checkout, the newest commit that touched the
content folder; else the newest file in it. A derived date is the start of that day (UTC): an
edition is dated by day, so saving a file again the same day rebuilds only its volume.
Never the clock: the same sources give the same date.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DAY = 86_400


@dataclass(frozen=True, slots=True)
class EditionDate:
    epoch: int  # seconds since 1970-01-01 UTC
    source: str  # where it came from, for the report


class BadSourceDate(ValueError):
    """SOURCE_DATE_EPOCH is set to something that is not a whole number of seconds."""


def source_date_epoch(environ: Mapping[str, str] = os.environ) -> int | None:
    """SOURCE_DATE_EPOCH, or None when unset or empty."""
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise BadSourceDate(
            f"SOURCE_DATE_EPOCH={value!r} is not a date: give seconds since 1970-01-01 UTC, "
            "e.g. $(git log -1 --format=%ct)"
        )
    return int(value)


def edition_date(content: Path, environ: Mapping[str, str] = os.environ) -> EditionDate:
    """The date of the edition built from ``content`` (see the module's docstring)."""
    given = source_date_epoch(environ)
    if given is not None:
        return EditionDate(given, "SOURCE_DATE_EPOCH")
    committed = last_commit(content)
    if committed is not None:
        return EditionDate(committed - committed % DAY, "the newest commit touching the content")
    newest = newest_source(content)
    return EditionDate(newest - newest % DAY, "the newest file in the content")


def last_commit(content: Path) -> int | None:
    """The time of the newest commit touching ``content``; None outside a git checkout or
    when no commit touched it (then its files date it)."""
    folder = content.resolve()
    try:
        log = subprocess.run(
            ["git", "log", "-1", "--format=%ct", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):  # no git, or no such folder
        return None
    stamp = log.stdout.strip()
    return int(stamp) if log.returncode == 0 and stamp.isdigit() else None


def newest_source(root: Path) -> int:
    """The modification time of the newest content file (hidden files aside)."""
    times = [
        p.stat().st_mtime
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return int(max(times, default=0))
