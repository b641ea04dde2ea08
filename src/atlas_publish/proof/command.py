"""``atlas-publish proof``: lay out the volumes as the build does and report every fault.

The layout is the PDF build's own (editions/print_parts.py, with the gate's faults returned instead of
raised); the PDFs go to a temporary folder inside OUT, for the checks of the written file, and
are removed: proof never replaces a built volume. The report is printed and kept in
OUT/proof.txt.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..outputs import atomic_write_bytes, output_lock
from .faults import Fault

REPORT = "proof.txt"


@dataclass(frozen=True, slots=True)
class ProofRun:
    volumes: tuple[int, ...]
    pages: dict[int, int]  # volume -> pages laid out
    faults: list[Fault]
    report: Path


def proof(
    content: Path,
    out: Path,
    volumes: Sequence[int] = (),
    jobs: int | None = None,
    note: Callable[[str], None] = lambda line: None,
    date: int | None = None,
    strict: bool = False,
) -> ProofRun:
    """Lay out and proof the volumes (all when ``volumes`` is empty); raise ContentError when
    the content does not check. ``date``: the edition's, as the build would print it."""
    from ..context import BuildContext
    from ..editions.print import PdfJob
    from ..editions.print_parts import render_volume_pdf
    from ..pipeline import check, select_volumes

    checked = check(content, strict)
    for warning in checked.warnings:
        note(str(warning))
    wanted = select_volumes(checked.atlas, volumes)
    created = date
    faults: list[Fault] = []
    pages: dict[int, int] = {}
    with output_lock(out, note):
        out.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.TemporaryDirectory(prefix=".proof-", dir=out) as scratch,
            ProcessPoolExecutor(max_workers=max(1, jobs or os.cpu_count() or 1)) as pool,
        ):
            jobs_by_volume = {
                n: PdfJob(
                    checked.atlas,
                    n,
                    Path(scratch) / f"volume-{n}.pdf",
                    BuildContext(created=created, proof_warns=True),
                )
                for n in wanted
            }
            futures = {n: pool.submit(render_volume_pdf, job) for n, job in jobs_by_volume.items()}
            for number, future in futures.items():
                result = future.result()
                pages[number] = result.page_count
                faults.extend(result.proof)
                note(
                    f"volume {number}: {result.page_count} pages, {len(result.proof)} fault(s); "
                    f"laid out and written in {result.seconds:.1f} s, of which the gate "
                    f"{result.proof_seconds:.1f} s"
                )
        report = out / REPORT
        atomic_write_bytes(report, "".join(f"{fault}\n" for fault in faults).encode())
    return ProofRun(tuple(wanted), pages, faults, report)
