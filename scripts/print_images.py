#!/usr/bin/env python3
"""The README's pictures of the print edition (docs/print-*.png), rendered from a build.

    .venv/bin/atlas-publish build --content content --out out --format pdf
    .venv/bin/python scripts/print_images.py out/pdf docs

Each picture is three pages side by side, found by the label a reader sees on them (the PDF's
page labels: "iii" in the front matter, "28" in the body), rendered by poppler's pdftoppm at
the same scale, on the grey of a light table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pikepdf
from PIL import Image

# picture -> (volume, page label) of its three pages
PICTURES = {
    "print-front-matter": [(1, "iii"), (1, "iv"), (1, "v")],
    "print-chapter": [(1, "9"), (1, "28"), (1, "29")],
    "print-details": [(6, "5"), (4, "4"), (9, "6")],
}
DPI = 60
GUTTER = 10
GREY = (128, 128, 128)


def page_index(pdf: Path, label: str) -> int:
    """The 1-based page number of the page labelled ``label``."""
    with pikepdf.open(pdf) as document:
        for index, page in enumerate(document.pages, start=1):
            if page.label == label:
                return index
    raise SystemExit(f"{pdf}: no page is labelled {label!r}")


def render(pdf: Path, index: int, folder: Path) -> Image.Image:
    stem = folder / f"{pdf.stem}-{index}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), "-f", str(index), "-l", str(index), "-singlefile",
         str(pdf), str(stem)],
        check=True,
    )  # fmt: skip
    return Image.open(f"{stem}.png").convert("RGB")


def picture(pdfs: Path, pages: list[tuple[int, str]], folder: Path) -> Image.Image:
    images = [
        render(pdfs / f"volume-{v}.pdf", page_index(pdfs / f"volume-{v}.pdf", label), folder)
        for v, label in pages
    ]
    width = sum(i.width for i in images) + GUTTER * (len(images) - 1)
    height = max(i.height for i in images)
    sheet = Image.new("RGB", (width, height), GREY)
    x = 0
    for image in images:
        sheet.paste(image, (x, 0))
        x += image.width + GUTTER
    return sheet


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdfs", type=Path, help="the build's pdf folder (OUT/pdf)")
    parser.add_argument("docs", type=Path, help="where the pictures go")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, pages in PICTURES.items():
            target = args.docs / f"{name}.png"
            picture(args.pdfs, pages, Path(folder)).save(target, optimize=True)
            print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
