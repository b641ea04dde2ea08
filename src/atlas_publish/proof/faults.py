"""Proof faults: what the gate reports, one line each, and the catalogue of their codes.

A fault names the volume's file, the printed folio (as the reader reads it on the page), the
article where there is one, and a stable code: ``volume-1.pdf p.18: error[P001]: footnote 1
of article 1.030106 is not printed``. docs/proof.md explains each code and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..codes import Code
from ..errors import BuildError

# code -> (what it means, what to do): the P codes of the one catalogue (codes.py).
CATALOGUE: dict[str, tuple[str, str]] = {
    code.value: (code.meaning, code.action) for code in Code if code.value.startswith("P")
}


@dataclass(frozen=True, slots=True)
class Fault:
    file: str  # the volume's file name, e.g. volume-1.pdf
    page: str | None  # the printed folio, e.g. "18" or "iii"; None for the whole volume
    code: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file} p.{self.page}" if self.page else self.file
        return f"{where}: {self.severity}[{self.code}]: {self.message}"

    def as_warning(self) -> Fault:
        return replace(self, severity="warning")


class ProofError(BuildError):
    """The proof gate found faults in a volume: nothing was written."""

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        lines = "\n".join(str(f) for f in faults)
        super().__init__(
            f"{len(faults)} proof fault(s); the volume was not written "
            f"(build with --lenient to write it with warnings):\n{lines}"
        )

    def __reduce__(self) -> tuple[type[ProofError], tuple[list[Fault]]]:
        return ProofError, (self.faults,)  # raised in a worker, re-raised in the build
