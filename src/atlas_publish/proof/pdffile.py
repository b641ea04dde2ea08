"""Checks of the written PDF: what only the file shows (P012, page labels)."""

from __future__ import annotations

from pathlib import Path

from ..codes import Code
from .faults import Fault


def proof_pdf(pdf: Path, labels: list[str], file: str) -> list[Fault]:
    """P012: the viewer's page labels are the printed folios (i, ii, ... then 1, 2, ...)."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    if "/PageLabels" not in reader.root_object:
        return [
            Fault(
                file,
                None,
                Code.P012,
                "the PDF has no page labels: a viewer's page numbers are not the printed folios",
            )
        ]
    written = list(reader.page_labels)
    for index, (wanted, label) in enumerate(zip(labels, written, strict=False)):
        if wanted != label:
            return [
                Fault(
                    file,
                    wanted,
                    Code.P012,
                    f"the PDF labels this page “{label}” (page {index + 1} of the file)",
                )
            ]
    return []
