"""The proof gate: what a proofreader checks, on the laid-out pages of a print volume.

``proof_layout`` reads WeasyPrint's pages (line boxes, text boxes, footnote areas, the faces
of every run) and ``proof_pdf`` the written file (page labels); each fault is one line with the
volume's file, the printed folio, the article and a code (faults.py, docs/proof.md). The PDF
writer runs both at the end of every volume; ``atlas-publish proof`` runs them on their own.
"""

from __future__ import annotations

import gc
from typing import Any

from ..model import Atlas, Volume
from . import checks
from .breaks import breaks
from .contents import contents_edges, empty_chapters
from .faces import faces
from .faults import CATALOGUE, Fault, ProofError
from .pages import Proofed, page_labels, read_pages, read_source
from .pdffile import proof_pdf
from .references import repeated_references

__all__ = ["CATALOGUE", "Fault", "ProofError", "proof_layout", "proof_pdf", "page_labels"]

LAYOUT_CHECKS = (
    checks.footnotes,
    checks.missing_text,
    faces,
    checks.kept_with_text,
    checks.widows_and_orphans,
    checks.split_tables,
    checks.overfull,
    checks.short_pages,
    checks.measure,
    checks.page_count,
    checks.tag_ids,
    checks.straight_quotes,
    breaks,
    checks.lone_words,
    repeated_references,
    contents_edges,
    empty_chapters,
)


def tag_ids(atlas: Atlas) -> frozenset[str]:
    """The tags a reader must never see as they are written: IDs like S6_Customers."""
    tags = {stage.tag for stage in atlas.stages if stage.tag}
    tags |= {tag for article in atlas.articles for tag in article.tags}
    return frozenset(t for t in tags if "_" in t or any(c.isdigit() for c in t))


def proof_layout(
    document: Any,
    root: Any,
    atlas: Atlas,
    volume: Volume,
    body_pages: int,
    file: str,
    *,
    first_folio: int | None = None,
) -> list[Fault]:
    """Every fault on the laid-out pages of a volume, or of a part of one.

    ``document`` is the volume's WeasyPrint document (its back matter appended), ``root`` the
    volume's HTML tree, ``body_pages`` the number of pages before the back matter.

    A part of a volume laid out as its own document (a chapter, the back matter) is proofed
    with ``first_folio``, the folio its first page prints: its faults name the folios the
    reader sees in the volume, and what only the whole volume shows (its page count) is left
    to the volume. ``volume`` is then what the part holds (its chapters and articles), and
    ``body_pages`` its pages before any back matter (0 for the back matter itself)."""
    # The gate makes many small objects beside a laid-out volume of millions: without this,
    # each collection of the oldest generation walks all of WeasyPrint's boxes (a third of
    # the gate's time on a 200-page volume). Nothing the gate makes holds a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        proofed = Proofed(
            file,
            volume,
            read_pages(document, volume, body_pages, first_folio),
            read_source(root, volume),
            tag_ids(atlas),
            atlas.language,
            whole_volume=first_folio is None,
        )
        found: list[Fault] = []
        seen: set[Fault] = set()
        for check in LAYOUT_CHECKS:
            for fault in check(proofed):
                if fault not in seen:  # the same fault twice on a page is one line
                    seen.add(fault)
                    found.append(fault)
    finally:
        if collecting:
            gc.enable()
    # A proofreader's report reads page by page; what concerns the whole volume comes last.
    order = {page.label: page.index for page in proofed.pages}
    found.sort(key=lambda f: order.get(f.page, len(order)) if f.page else len(order))
    return found
