"""The web edition on disk: a planned site written as one folder, whole or not at all.

The new folder is assembled beside OUT/site and swapped in (as dist does). A file whose bytes
are those of the published one is hard-linked from it, not written again, so an edit rewrites
only the pages it changes; the search index (Pagefind) is rebuilt only when an article page
changed. Files copied as they are (the downloads) are hard-linked from where they lie.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..dist import recover, staged_directory
from ..editions.web import WebFile
from ..errors import BuildError

SEARCH_FOLDER = "pagefind"


@dataclass(frozen=True, slots=True)
class SiteWritten:
    files: int  # in the site, the search index included
    written: int  # new or changed
    removed: int  # in the previous site, not in this one
    searched: bool  # the search index was rebuilt
    seconds: float


def write_site(files: Iterable[WebFile], target: Path, search: bool = True) -> SiteWritten:
    started = time.perf_counter()
    recover(target)
    files = list(files)
    written = 0
    changed_pages = False
    with staged_directory(target) as folder:
        for file in files:
            new = folder / file.path
            new.parent.mkdir(parents=True, exist_ok=True)
            old = target / file.path
            if _same(file, old):
                os.link(old, new)
                continue
            written += 1
            changed_pages |= file.searchable
            if file.data is not None:
                new.write_bytes(file.data)
            elif file.source is not None:
                _place(file.source, new)
        previous = {p.relative_to(target).as_posix() for p in _files(target)}
        planned = {f.path for f in files}
        removed = {p for p in previous - planned if not p.startswith(f"{SEARCH_FOLDER}/")}
        searchable_gone = any(p.endswith("index.html") and p.count("/") == 1 for p in removed)
        searched = False
        if search:
            old_index = target / SEARCH_FOLDER
            if changed_pages or searchable_gone or not old_index.is_dir():
                index_site(folder)
                searched = True
                _keep_unchanged(folder / SEARCH_FOLDER, old_index)
            else:
                for path in _files(old_index):
                    new = folder / path.relative_to(target)
                    new.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, new)
        total = sum(1 for _ in _files(folder))
    return SiteWritten(total, written, len(removed), searched, time.perf_counter() - started)


def _keep_unchanged(new_folder: Path, old_folder: Path) -> None:
    """Pagefind writes its whole index anew; the parts an edit did not change (most of its
    fragments) keep the published file, so they are not rewritten on the host either."""
    for new in _files(new_folder):
        old = old_folder / new.relative_to(new_folder)
        try:
            if old.is_file() and filecmp.cmp(new, old, shallow=False):
                new.unlink()
                os.link(old, new)
        except OSError:
            continue


def _same(file: WebFile, old: Path) -> bool:
    """The published file already has these bytes (then it is linked, not written)."""
    try:
        if not old.is_file() or old.is_symlink():
            return False
        if file.data is not None:
            return old.stat().st_size == len(file.data) and old.read_bytes() == file.data
        if file.source is not None:
            return filecmp.cmp(file.source, old, shallow=False)
    except OSError:
        return False
    return False


def _place(source: Path, new: Path) -> None:
    """A download is linked from dist (dist replaces its files, never rewrites them in place);
    anything else (an image a writer may edit in place) is copied."""
    if "/dist/" in source.as_posix():
        try:
            os.link(source, new)
            return
        except OSError:
            pass  # another file system
    shutil.copyfile(source, new)
    os.chmod(new, 0o644)


def _files(root: Path) -> Iterable[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


def index_site(folder: Path) -> None:
    """Pagefind reads the article pages (marked ``data-pagefind-body``) and writes its index
    into ``folder/pagefind``; it runs offline, from the ``pagefind[bin]`` package."""
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(folder),
        "--output-subdir",
        SEARCH_FOLDER,
        "--keep-index-url",
        "--silent",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BuildError(f"the search index could not be built: {error}") from error
    if result.returncode != 0 or not (folder / SEARCH_FOLDER / "pagefind.js").is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise BuildError(
            "the search index could not be built (Pagefind: "
            + (" / ".join(detail) or f"exit code {result.returncode}")
            + "); run make setup, which installs pagefind[bin]"
        )
