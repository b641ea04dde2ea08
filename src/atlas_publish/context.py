"""What every edition of one build shares besides the handbook: fixed for the whole build.

Passed to the editions as an argument (never through the environment), so a worker process
builds exactly what its job says.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BuildContext:
    created: int | None = None  # the editions' date, seconds since the epoch; None: now
    pdf_variant: str | None = "pdf/ua-1"  # WeasyPrint's PDF variant; None: plain PDF
    lenient: bool = False  # refused resources are left out (warnings), not errors
    proof_warns: bool = False  # the proof gate's faults are warnings (--lenient), not failures
    print_ready: bool = False  # each volume PDF also as PDF/X-4 for the printer
