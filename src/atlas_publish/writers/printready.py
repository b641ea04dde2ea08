"""The printer's file: a laid-out volume written again as PDF/X-4 (WeasyPrint's ``pdf/x-4``).

It is the same layout as the reader's PDF/UA file, so the pages, trim and bleed are the ones
``print:`` in atlas.yaml sets (``size``, ``bleed``, ``marks``): each page carries a TrimBox (the
trimmed page) and a BleedBox (up to 10 pt of the bleed around it). PDF/X needs an output
intent, the printing condition the colours are meant for: a CMYK ICC profile, from
``content/_templates/print/output-intent.icc`` when the writer's printer supplies one, else
Ghostscript's generic CMYK profile (Debian's libgs-common, installed by make setup).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import BuildError
from ..model import Atlas
from ..outputs import atomic_path

SYSTEM_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
OVERRIDE = Path("_templates") / "print" / "output-intent.icc"


def output_profile(atlas: Atlas) -> Path:
    override = atlas.root / OVERRIDE
    if override.is_file():
        return override
    if SYSTEM_PROFILE.is_file():
        return SYSTEM_PROFILE
    raise BuildError(
        f"a print-ready PDF/X-4 needs a CMYK output profile: put the printer's at "
        f"{override}, or install Ghostscript's (apt-get install libgs-common)"
    )


def write_print_ready(document: Any, atlas: Atlas, target: Path, finisher: Any = None) -> None:
    """Write ``document`` to ``target`` as PDF/X-4 with the output intent's profile
    (``finisher``: WeasyPrint's, e.g. the page labels)."""
    from weasyprint.css import ColorProfile

    profile = output_profile(atlas)
    with profile.open("rb") as data:
        intent = ColorProfile(data, profile.name, "relative-colorimetric", ["c", "m", "y", "k"])
    document.color_profiles["device-cmyk"] = intent
    try:
        with atomic_path(target) as temporary:
            document.write_pdf(temporary, pdf_variant="pdf/x-4", finisher=finisher)
    finally:
        del document.color_profiles["device-cmyk"]
