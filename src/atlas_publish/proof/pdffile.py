"""Checks of the written PDF: what only the file shows (P012 page labels, P004 fonts that are
not embedded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..codes import Code
from .faults import Fault
from .pages import roman


def proof_pdf(pdf: Path | Any, labels: list[str], file: str) -> list[Fault]:
    """P012: the viewer's page labels are the printed folios (i, ii, ... then 1, 2, ...);
    P004: every font the pages use is embedded.

    ``pdf``: the written file, or the pikepdf document just saved as it (a volume joined from
    its parts), which saves opening the file again (a tenth of a second for 300 pages)."""
    import pikepdf

    if isinstance(pdf, pikepdf.Pdf):
        return _proof(pdf, labels, file)
    with pikepdf.open(pdf) as reader:
        return _proof(reader, labels, file)


def _proof(reader: Any, labels: list[str], file: str) -> list[Fault]:
    tree = reader.Root.get("/PageLabels")
    written = _labels(tree, len(reader.pages)) if tree is not None else None
    unembedded = _unembedded(reader, labels)
    faults = [
        Fault(file, page, Code.P004, f"the font {name} is not embedded in the PDF")
        for name, page in unembedded.items()
    ]
    return faults + _label_faults(written, labels, file)


def _label_faults(written: list[str] | None, labels: list[str], file: str) -> list[Fault]:
    if written is None:
        return [
            Fault(
                file,
                None,
                Code.P012,
                "the PDF has no page labels: a viewer's page numbers are not the printed folios",
            )
        ]
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


def _unembedded(reader: Any, labels: list[str]) -> dict[str, str | None]:
    """Fonts used on the pages without their program in the file: name -> first folio."""
    found: dict[str, str | None] = {}
    checked: set[tuple[int, int]] = set()
    for index, page in enumerate(reader.pages):
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            key = font.objgen
            if key in checked and key != (0, 0):
                continue
            checked.add(key)
            descendants = font.get("/DescendantFonts")
            described = descendants[0] if descendants is not None else font
            descriptor = described.get("/FontDescriptor")
            if str(font.get("/Subtype")) == "/Type3":
                continue  # glyphs drawn in the file itself
            if descriptor is None or not any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            ):
                name = str(font.get("/BaseFont", "?")).lstrip("/")
                found.setdefault(name, labels[index] if index < len(labels) else None)
    return found


def _labels(tree: Any, count: int) -> list[str]:
    """Every page's label from a /PageLabels number tree (ISO 32000-1, 12.4.2), read once:
    pypdf's page_labels walks the tree again for each page."""
    ranges: list[tuple[int, Any]] = []

    def collect(node: Any) -> None:
        nums = node.get("/Nums")
        if nums is not None:
            for at in range(0, len(nums) - 1, 2):
                ranges.append((int(nums[at]), nums[at + 1]))
        for kid in node.get("/Kids", ()):
            collect(kid)

    collect(tree)
    ranges.sort(key=lambda item: item[0])
    labels = [str(index + 1) for index in range(count)]
    for position, (start, label) in enumerate(ranges):
        end = ranges[position + 1][0] if position + 1 < len(ranges) else count
        style = str(label.get("/S", ""))
        prefix = str(label.get("/P", ""))
        first = int(label.get("/St", 1))
        for index in range(start, min(end, count)):
            labels[index] = prefix + _number(style, first + index - start)
    return labels


def _number(style: str, value: int) -> str:
    if style == "/D":
        return str(value)
    if style in {"/r", "/R"}:
        text = roman(value)
        return text if style == "/r" else text.upper()
    if style in {"/a", "/A"}:
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter if style == "/a" else letter.upper()
    return ""  # no style: the prefix alone
