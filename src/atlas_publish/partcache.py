"""The print parts' cache: each part of a print volume (front matter, a chapter, back matter) as
it was laid out and written, under ``OUT/.cache/parts/volume-N/``.

A part's key hashes everything that decides its pages: its HTML, its stylesheets (the page
counter and the footnote count it starts from among them), the page numbers it prints of
anchors in other parts, the PDF variant, WeasyPrint's version and the build's shared key (the
code, templates, fonts, atlas.yaml). A part whose key is unchanged is not laid out again: its
PDF is joined as it is, with what its layout found (folios, page starts, proof faults). After a
volume is written, the parts it did not use are removed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .outputs import atomic_write_bytes
from .proof.faults import Fault

CACHE_VERSION = 1


@dataclass(frozen=True, slots=True)
class LaidOutPart:
    """A part as laid out and written: what the volume needs of it without laying it out."""

    name: str  # "front", "chapter 1.03", "back"
    key: str
    pdf: Path
    first_folio: int  # its first page's folio (front matter: 1, roman)
    page_count: int
    folios: Mapping[str, int]  # anchor -> folio, for the anchors it starts
    printed: Mapping[str, str]  # anchor in another part -> the page number it prints
    marks: tuple[int | None, ...]  # per page, the reading point its text begins in
    faults: tuple[Fault, ...]  # the proof gate's, page labels as printed in the volume
    passes: int = 0  # layouts it took in this build; 0: from the cache
    pages_laid_out: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "name": self.name,
            "first_folio": self.first_folio,
            "page_count": self.page_count,
            "folios": dict(self.folios),
            "printed": dict(self.printed),
            "marks": list(self.marks),
            "faults": [asdict(fault) for fault in self.faults],
        }


def part_key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PartCache:
    folder: Path  # OUT/.cache/parts/volume-N

    def pdf(self, key: str, suffix: str = "") -> Path:
        return self.folder / f"{key[:32]}{suffix}.pdf"

    def load(self, key: str) -> LaidOutPart | None:
        """The part stored under ``key``, when its record and its PDF are there."""
        record = self.folder / f"{key[:32]}.json"
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        pdf = self.pdf(key)
        if data.get("version") != CACHE_VERSION or not pdf.is_file():
            return None
        return LaidOutPart(
            name=data["name"],
            key=key,
            pdf=pdf,
            first_folio=data["first_folio"],
            page_count=data["page_count"],
            folios=data["folios"],
            printed=data["printed"],
            marks=tuple(data["marks"]),
            faults=tuple(Fault(**fault) for fault in data["faults"]),
        )

    def store(self, part: LaidOutPart) -> None:
        """Record ``part``, whose PDF is already written: written last, so a record always
        names a whole PDF."""
        data = json.dumps(part.as_json(), sort_keys=True).encode()
        atomic_write_bytes(self.folder / f"{part.key[:32]}.json", data)

    def keep_only(self, keys: Iterable[str]) -> None:
        """Remove every part but these (a volume keeps only the parts of its last build)."""
        kept = {key[:32] for key in keys}
        for path in self.folder.glob("*"):
            if path.name.split(".", 1)[0].split("-", 1)[0] not in kept:
                path.unlink(missing_ok=True)
