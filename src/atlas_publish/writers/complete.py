"""The complete edition: the volume PDFs joined into one file with one outline.

Each volume keeps its own folios (so "Volume 4, p. 112" stays true); the outline reads
volume -> chapter -> article. Joining finished PDFs costs seconds, where laying out all
700 articles as one document takes minutes and over a gigabyte.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import NameObject, TextStringObject

from ..model import Atlas
from ..outputs import atomic_path


def join_volumes(atlas: Atlas, volume_pdfs: list[Path], target: Path, created: int | None) -> int:
    """Write ``target`` from the volume PDFs in order; return its page count."""
    writer = PdfWriter()
    for pdf in volume_pdfs:
        writer.append(str(pdf), import_outline=True)
    when = dt.datetime.fromtimestamp(created, dt.UTC) if created is not None else None
    metadata = {
        "/Title": f"{atlas.title}: The Complete Edition",
        "/Author": atlas.author,
        "/Subject": f"All {len(volume_pdfs)} volumes of {atlas.title}",
        "/Producer": "atlas-publish (WeasyPrint, pypdf)",
    }
    if when:
        stamp = when.strftime("D:%Y%m%d%H%M%SZ")
        metadata |= {"/CreationDate": stamp, "/ModDate": stamp}
    writer.add_metadata(metadata)
    writer._root_object[NameObject("/Lang")] = TextStringObject(atlas.language)
    writer.page_mode = "/UseOutlines"
    with atomic_path(target) as temporary:
        writer.write(str(temporary))
    return len(writer.pages)
