"""build --print-ready: the printer's PDF/X-4 beside the reader's PDF/UA, with trim and bleed."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf

from atlas_publish.cli import main
from atlas_publish.pipeline import BuildOptions, build

from .conftest import Tree, need, run_text


def boxes(pdf: Path, page: int) -> dict[str, list[float]]:
    info = run_text("pdfinfo", "-box", "-f", str(page), "-l", str(page), str(pdf))
    found = re.findall(r"Page\s+\d+ (\w+Box):\s+([-\d. ]+)", info)
    return {name: [float(v) for v in values.split()] for name, values in found}


def test_print_ready_is_pdf_x4_with_trim_and_bleed(tree: Tree, tmp_path: Path) -> None:
    need("pdfinfo", "qpdf")
    with (tree.root / "atlas.yaml").open("a") as atlas:
        atlas.write("print:\n  size: 6in 9in\n  bleed: 3mm\n")
    tree.article("1.010101", "Some text for the printer.\n")
    tree.article("1.010102", "More text.\n")
    out = tmp_path / "out"
    assert main(["build", "--content", str(tree.root), "--out", str(out), "--format", "pdf",
                 "--print-ready", "--lenient", "--quiet"]) == 0  # fmt: skip
    reader, printer = out / "pdf" / "volume-1.pdf", out / "print-ready" / "volume-1.pdf"
    run_text("qpdf", "--check", str(printer))
    bleed = 3 / 25.4 * 72  # 8.5 pt
    found = boxes(printer, 3)
    assert found["TrimBox"] == [0.0, 0.0, 432.0, 648.0]  # 6 x 9 in
    assert found["BleedBox"] == [round(-bleed, 2), round(-bleed, 2),
                                 round(432 + bleed, 2), round(648 + bleed, 2)]  # fmt: skip
    with pikepdf.open(printer) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and intent.DestOutputProfile.N == 4  # CMYK
        assert pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
        assert str(pdf.pdf_version) >= "1.6"
    with pikepdf.open(reader) as pdf:  # the reader's file is still PDF/UA, with no intent
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert "/OutputIntents" not in pdf.Root


def test_print_ready_follows_the_cache(tree: Tree, tmp_path: Path) -> None:
    tree.article("1.010101", "Some text.\n")
    tree.article("1.010102", "More text.\n")
    out = tmp_path / "out"
    options = BuildOptions(tree.root, out, formats=("pdf",), jobs=1, print_ready=True)
    build(options)
    printer = out / "print-ready" / "volume-1.pdf"
    assert printer.exists()
    printer.unlink()
    [again] = build(options)
    assert not again.cached and printer.exists()  # a missing printer's file is rebuilt
    [cached] = build(options)
    assert cached.cached
