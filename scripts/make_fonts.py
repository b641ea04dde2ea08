"""Make the static EB Garamond faces in templates/fonts/ from the variable EB Garamond.

The text faces are instances of Octavio Pardo's EB Garamond (SIL OFL 1.1), the variable font
published on PyPI as ``fontpkg-eb-garamond``: Regular and Bold, Italic and Bold Italic. (The
older "EB Garamond 12 Bold" had 127 glyphs, no accented letters and no curly quotes, so the
font matcher never chose it for English text and bold printed in the regular face.)

    .venv/bin/pip install fontpkg-eb-garamond
    .venv/bin/python scripts/make_fonts.py            # or: scripts/make_fonts.py DIR_WITH_TTFS

Static faces, not the variable font: every PDF viewer and printer takes them, and each
``@font-face`` names the one file of its weight.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

FONTS = Path(__file__).resolve().parents[1] / "templates" / "fonts"
FACES = {  # output file: (variable font, weight, style name)
    "EBGaramond-Regular.ttf": ("EBGaramond[wght].ttf", 400, "Regular"),
    "EBGaramond-Bold.ttf": ("EBGaramond[wght].ttf", 700, "Bold"),
    "EBGaramond-Italic.ttf": ("EBGaramond-Italic[wght].ttf", 400, "Italic"),
    "EBGaramond-BoldItalic.ttf": ("EBGaramond-Italic[wght].ttf", 700, "Bold Italic"),
}


def source_dir() -> Path:
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    import fontpkg_eb_garamond  # type: ignore[import-not-found]

    return Path(fontpkg_eb_garamond.__file__).parent / "files"


def main() -> None:
    source = source_dir()
    for name, (variable, weight, style) in FACES.items():
        font = TTFont(source / variable)
        static = instancer.instantiateVariableFont(font, {"wght": weight})
        _rename(static, style, weight)
        static.save(FONTS / name)
        print(f"{FONTS / name}: weight {weight}")
    license_text = source.parent / "LICENSE"
    if license_text.is_file():
        (FONTS / "LICENSE-EBGaramond.txt").write_text(license_text.read_text())


def _rename(font: TTFont, style: str, weight: int) -> None:
    """Family 'EB Garamond', the style of the instance, its weight and italic bits."""
    names = font["name"]
    postscript = f"EBGaramond-{style.replace(' ', '')}"
    ribbi = style in ("Regular", "Bold", "Italic", "Bold Italic")
    for record in list(names.names):
        if record.nameID in (16, 17, 25):  # typographic names and the variations prefix
            names.removeNames(nameID=record.nameID)
    names.setName("EB Garamond", 1, 3, 1, 0x409)
    names.setName(style if ribbi else "Regular", 2, 3, 1, 0x409)
    names.setName(f"EB Garamond {style}", 4, 3, 1, 0x409)
    names.setName(postscript, 6, 3, 1, 0x409)
    os2 = font["OS/2"]
    os2.usWeightClass = weight
    italic = "Italic" in style
    os2.fsSelection = (os2.fsSelection & ~0b1100001) | (
        (1 if italic else 0)
        | (0b100000 if weight >= 700 else 0)
        | (0 if italic or weight >= 700 else 0b1000000)
    )
    font["head"].macStyle = (1 if weight >= 700 else 0) | (2 if italic else 0)


if __name__ == "__main__":
    main()
