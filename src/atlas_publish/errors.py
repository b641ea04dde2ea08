"""Diagnostics: every problem in the content is reported as ``path:line: severity[CODE]: message``.

Problems are collected, not raised one at a time, so a writer sees everything that is wrong
in one run. The pipeline stops at gates between stages when errors were collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .codes import Code


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class SourceLocation:
    path: Path
    line: int | None = None

    def __str__(self) -> str:
        shown = display_path(self.path)
        return f"{shown}:{self.line}" if self.line else shown


def display_path(path: Path) -> str:
    """A path as the writer would type it: relative to the working folder when inside it."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: Code  # from the catalogue (codes.py)
    message: str
    location: SourceLocation
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}[{self.code}]: {self.message}"


@dataclass
class Diagnostics:
    """Collects diagnostics of one run; ``strict`` turns warnings into errors.

    ``lenient`` turns refused resources (remote images, files outside the content tree) into
    warnings: the build goes on without them.
    """

    items: list[Diagnostic] = field(default_factory=list)
    strict: bool = False
    lenient: bool = False

    def error(self, code: Code, message: str, path: Path, line: int | None = None) -> None:
        self.items.append(Diagnostic(code, message, SourceLocation(path, line)))

    def warning(self, code: Code, message: str, path: Path, line: int | None = None) -> None:
        severity = Severity.ERROR if self.strict else Severity.WARNING
        self.items.append(Diagnostic(code, message, SourceLocation(path, line), severity))

    def refused(self, message: str, path: Path, line: int | None = None) -> None:
        """A resource the renderer must not fetch: an error, or a warning when lenient."""
        if self.lenient:
            self.warning(Code.W062, f"{message} (left out: --lenient)", path, line)
        else:
            self.error(
                Code.E062, f"{message} (or build with --lenient to leave it out)", path, line
            )

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def sorted(self) -> list[Diagnostic]:
        """Faults in the files themselves first (YAML, fields, names), then the rest, by path.

        A broken front matter is the cause a writer must see first; a body's reference or
        expression error comes after every file's own fault.
        """
        return sorted(self.items, key=sort_key)

    def gate(self) -> None:
        """Stop the pipeline when errors were collected."""
        if self.errors:
            raise ContentError(self.sorted())


def sort_key(diagnostic: Diagnostic) -> tuple[bool, Path, int, str]:
    location = diagnostic.location
    in_source = diagnostic.code[1:] < "040"  # E001-E031: reading files, YAML and fields
    return (not in_source, location.path, location.line or 0, diagnostic.code)


class ContentError(Exception):
    """The content has errors; ``diagnostics`` holds every one of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class BuildError(Exception):
    """A build could not finish for a reason that is not the content's (a renderer failure)."""
