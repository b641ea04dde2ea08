"""P003 and P004: every run of text is set in the face its CSS asks for.

Each run of glyphs is read from the Pango layout WeasyPrint draws (the same font object it
embeds in the PDF), and the face is judged by the font file's own tables (OS/2 weight and
italic bits, name), not by the name WeasyPrint gives it: a bold @font-face that was ignored
embeds a regular face under a bold name, and only the file says so.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..codes import Code
from .checks import fault
from .faults import Fault
from .pages import Proofed

# A run of these scripts may fall back to a CJK face named later in the font stack.
_CJK_RANGES = (
    (0x2E80, 0x9FFF),  # radicals, kana, CJK symbols and punctuation, ideographs
    (0xAC00, 0xD7AF),  # Hangul
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3FFFF),
)


def _cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


@dataclass(frozen=True, slots=True)
class Face:
    family: str  # the family WeasyPrint asked Pango for (the @font-face or system family)
    file_family: str  # the family the font file names itself
    bold: bool  # the file's weight is 600 or more
    italic: bool  # the file is an italic or oblique face


def faces(proofed: Proofed) -> Iterator[Fault]:
    from weasyprint.text.ffi import ffi, pango

    known: dict[Any, Face] = {}
    # Pango picks a face by the style and, for each character, by coverage: once a style's
    # characters were seen set in its first face, a text box made of them needs no shaping.
    seen: dict[tuple[Any, ...], tuple[set[str], list[tuple[str, str]]]] = {}
    keys: dict[int, tuple[Any, ...]] = {}  # id(style) -> key: the boxes of a run share a style
    for page in proofed.pages:
        reported: set[tuple[str, str]] = set()  # one fault per kind and face a page
        for box, _ in page.texts:
            style = box.style
            key = keys.get(id(style))
            if key is None:
                key = keys[id(style)] = (
                    tuple(style["font_family"]),
                    style["font_weight"],
                    style["font_style"],
                    style["font_stretch"],
                    style["lang"],
                    style["font_size"] < 1e-6,
                )
            if key[-1] or not box.text.strip():
                continue
            covered, verdict = seen.get(key, (set(), []))
            if key in seen and set(box.text) <= covered:
                problems = [(code, message, box.text) for code, message in verdict]
            else:
                problems = []
                for run_text, face, unknown in _runs(box, known, ffi, pango):
                    found = list(_judge(box, run_text, face, unknown))
                    problems.extend((code, message, run_text) for code, message in found)
                    primary = face.family.casefold() == style["font_family"][0].casefold()
                    if primary and not unknown:
                        covered.update(run_text)
                        if key not in seen:
                            verdict.extend(found)
                            seen[key] = (covered, verdict)
            for code, message, run_text in problems:
                if (code, message) in reported:
                    continue
                reported.add((code, message))
                article = proofed.source.article_of.get(box.element)
                where = f" in article {article}" if article else ""
                sample = " ".join(run_text.split())[:40]
                yield fault(proofed, page.index, code, f"{message}{where}: “{sample}”")


def _judge(box: Any, text: str, face: Face, unknown: bool) -> Iterator[tuple[str, str]]:
    if not text.strip():
        return
    style = box.style
    families = [f.casefold() for f in style["font_family"]]
    if unknown:
        yield Code.P004, "characters with no glyph in any font (.notdef)"
        return
    cjk = all(_cjk(c) or not c.isalnum() for c in text) and any(_cjk(c) for c in text)
    family = face.family.casefold()
    intended = family == families[0] or (cjk and family in families and "cjk" in family)
    if not intended:
        yield (
            Code.P004,
            f"set in the fallback font “{face.file_family}”, not “{style['font_family'][0]}”",
        )
        return
    wants_bold = style["font_weight"] >= 600
    if wants_bold != face.bold:
        asked = "bold" if wants_bold else "regular"
        got = "a bold" if face.bold else "a regular"
        yield Code.P003, f"{asked} text set in {got} face ({face.file_family})"
    wants_italic = style["font_style"] in {"italic", "oblique"}
    if wants_italic != face.italic and not cjk:
        asked = "italic" if wants_italic else "upright"
        got = "an italic" if face.italic else "an upright"
        yield Code.P003, f"{asked} text set in {got} face ({face.file_family})"


def _runs(
    box: Any, known: dict[Any, Face], ffi: Any, pango: Any
) -> Iterator[tuple[str, Face, bool]]:
    """(text, face, has .notdef glyphs) of each run of the text box's line, as drawn."""
    layout = box.pango_layout
    layout.reactivate(box.style)  # after layout WeasyPrint keeps only the text; drawing does this
    try:
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        line, _ = layout.get_first_line()
        data = layout.text.encode()
        runs = []
        run = line.runs
        while run != ffi.NULL:
            item = run.data
            run = run.next
            glyphs = item.glyphs
            unknown = any(
                glyphs.glyphs[i].glyph & 0x10000000 for i in range(glyphs.num_glyphs)
            )  # PANGO_GLYPH_UNKNOWN_FLAG
            start = item.item.offset
            text = data[start : start + item.item.length].decode(errors="replace")
            runs.append((text, _face(item.item.analysis.font, known, ffi, pango), unknown))
    finally:
        layout.deactivate()
    yield from runs


def _face(pango_font: Any, known: dict[Any, Face], ffi: Any, pango: Any) -> Face:
    from weasyprint.text.fonts import get_hb_object_data, get_pango_font_hb_face, get_pango_font_key

    key, description, _ = get_pango_font_key(pango_font)
    if key in known:
        return known[key]
    family = ffi.string(pango.pango_font_description_get_family(description)).decode()
    hb_face = get_pango_font_hb_face(pango_font)
    face = _read_face(family, get_hb_object_data(hb_face), _face_index(hb_face))
    known[key] = face
    return face


def _face_index(hb_face: Any) -> int:
    from weasyprint.text.ffi import harfbuzz

    return int(harfbuzz.hb_face_get_index(hb_face))


@lru_cache(maxsize=32)
def _read_face(family: str, data: bytes, index: int) -> Face:
    """The face as its file describes itself; kept for the process, as a volume laid out in
    parts proofs each part with the same few fonts."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), fontNumber=index, lazy=True)
    names = font["name"]
    file_family = str(names.getDebugName(16) or names.getDebugName(1) or family)
    os2 = font.get("OS/2")
    weight = os2.usWeightClass if os2 is not None else 400
    italic = bool(os2 is not None and os2.fsSelection & 0b1) or bool(font["head"].macStyle & 0b10)
    if "post" in font and font["post"].italicAngle != 0:
        italic = True
    subfamily = str(names.getDebugName(17) or names.getDebugName(2) or "")
    if not italic and ("italic" in subfamily.casefold() or "oblique" in subfamily.casefold()):
        italic = True
    return Face(family, file_family, weight >= 600, italic)
