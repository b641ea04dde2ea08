"""What a build tells the person waiting: progress per file, then a summary table.

On a terminal, a rich progress display with one line per volume and edition; elsewhere (CI,
a pipe, ``--quiet``) one plain line per step. Both end with the same summary: volume, pages,
seconds, built or cached.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

from .built import Built

if TYPE_CHECKING:
    from rich.progress import TaskID


class Progress(Protocol):
    def note(self, line: str) -> None: ...

    def start(self, label: str) -> None: ...

    def finish(self, label: str, built: Built) -> None: ...

    def close(self, built: Sequence[Built]) -> None: ...


def label_of(volume: int, edition: str) -> str:
    if edition == "complete":
        return "complete edition PDF"
    return f"volume {volume} {'EPUB' if edition == 'epub' else 'PDF'}"


def describe(built: Built) -> str:
    pages = f", {built.pages} pages" if built.pages is not None else ""
    how = "cached" if built.cached else f"{built.seconds:.1f} s"
    return f"{label_of(built.volume, built.format)}: {built.path}{pages} ({how})"


def summary_rows(built: Sequence[Built]) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for b in sorted(built, key=lambda b: (b.volume == 0, b.volume, b.format != "pdf")):
        rows.append(
            (
                "all" if b.format == "complete" else str(b.volume),
                b.format.upper() if b.format != "complete" else "PDF",
                "" if b.pages is None else str(b.pages),
                "" if b.cached else f"{b.seconds:.1f}",
                "cached" if b.cached else "built",
            )
        )
    return rows


HEADER = ("volume", "edition", "pages", "seconds", "result")


class PlainProgress:
    """One line per step, through ``report`` (print by default)."""

    def __init__(self, report: Callable[[str], None], summary: bool = True) -> None:
        self.report = report
        self.summary = summary

    def note(self, line: str) -> None:
        self.report(line)

    def start(self, label: str) -> None:
        pass  # one line per finished step is enough for a log

    def finish(self, label: str, built: Built) -> None:
        self.report(describe(built))

    def close(self, built: Sequence[Built]) -> None:
        if not self.summary or not built:
            return
        rows = [HEADER, *summary_rows(built)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
        for row in rows:
            self.report(
                "  ".join(
                    c.rjust(w) if i in (2, 3) else c.ljust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )


class RichProgress:
    """A live display on a terminal: a spinner and elapsed time per file, a table at the end."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # Deferred: rich costs a tenth of a second to import, and logs and --quiet never
        # need it.
        from rich.console import Console
        from rich.progress import Progress as Bar
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream or sys.stdout)
        self.bar = Bar(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.started = time.perf_counter()
        self.bar.start()

    def note(self, line: str) -> None:
        self.bar.console.print(line, markup=False, highlight=False)

    def start(self, label: str) -> None:
        self.tasks[label] = self.bar.add_task(label, total=1)

    def finish(self, label: str, built: Built) -> None:
        task = self.tasks.get(label)
        if task is None:
            task = self.tasks[label] = self.bar.add_task(label, total=1)
        self.bar.update(task, completed=1, description=describe(built))

    def close(self, built: Sequence[Built]) -> None:
        from rich.table import Table

        self.bar.stop()
        if not built:
            return
        table = Table(*HEADER, title="Build summary")
        for row in summary_rows(built):
            table.add_row(*row)
        self.console.print(table)
