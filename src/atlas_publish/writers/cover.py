"""The cover of each EPUB volume: a 1600x2560 PNG drawn with Pillow from the titles.

Byte-identical across builds: fixed fonts (the project's own, in templates/fonts), no text
chunks, no timestamps, a fixed compression level.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..markdown import typographic
from ..model import Atlas, Volume
from ..render import templates_dir

WIDTH, HEIGHT = 1600, 2560
MARGIN = 150
# One dark ground per volume (cycling), each with white text well above WCAG AA contrast.
GROUNDS = ("#1f3a5f", "#5b2333", "#23493a", "#4a3466", "#6b3e1f", "#2f4858", "#5e3a4f",
           "#3b4a1f", "#3d3d5c")  # fmt: skip
INK = "#ffffff"
ACCENT = "#e8c872"


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_fonts_dir() / name), size)


def _fonts_dir() -> Path:
    return templates_dir() / "fonts"


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Balanced lines: the narrowest measure that keeps the greedy line count, so the last line
    is never one word left alone."""
    lines = _greedy(draw, text, font, width)
    low, high = width // 2, width
    while len(lines) > 1 and high - low > 4:
        middle = (low + high) // 2
        if len(_greedy(draw, text, font, middle)) == len(lines):
            high = middle
        else:
            low = middle
    return _greedy(draw, text, font, high) if len(lines) > 1 else lines


def _greedy(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fitted(
    draw: ImageDraw.ImageDraw, text: str, name: str, size: int, width: int, max_lines: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size (down from ``size``) at which ``text`` fits in ``max_lines`` lines."""
    while True:
        font = _font(name, size)
        lines = _wrap(draw, text, font, width)
        widest = max((draw.textlength(line, font=font) for line in lines), default=0)
        if (len(lines) <= max_lines and widest <= width) or size <= 40:
            return font, lines
        size -= 8


def _block(
    draw: ImageDraw.ImageDraw,
    top: int,
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    fill: str,
    leading: float,
) -> int:
    """Draw centred lines from ``top``; return the y below the last one."""
    step = int(font.size * leading)
    for line in lines:
        draw.text((WIDTH // 2, top), line, font=font, fill=fill, anchor="ma")
        top += step
    return top


def cover_png(atlas: Atlas, volume: Volume) -> bytes:
    """The volume's cover as PNG bytes: handbook title, volume number and title, author."""
    ground = GROUNDS[(volume.number - 1) % len(GROUNDS)]
    image = Image.new("RGB", (WIDTH, HEIGHT), ground)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    draw.rectangle((MARGIN // 2, MARGIN // 2, WIDTH - MARGIN // 2, HEIGHT - MARGIN // 2),
                   outline=ACCENT, width=6)  # fmt: skip

    font, lines = _fitted(
        draw, typographic(atlas.title, atlas.language), "EBGaramond-Regular.ttf", 190, width, 3
    )
    y = _block(draw, 330, lines, font, INK, 1.12)
    if atlas.subtitle:
        font, lines = _fitted(
            draw, typographic(atlas.subtitle, atlas.language), "EBGaramond-Italic.ttf", 70, width, 3
        )
        y = _block(draw, y + 50, lines, font, INK, 1.3)

    middle = 1350
    draw.line(
        (WIDTH // 2 - 160, middle - 140, WIDTH // 2 + 160, middle - 140), fill=ACCENT, width=5
    )
    label = _font("Inter-SemiBold.otf", 72)
    draw.text((WIDTH // 2, middle - 80), f"VOLUME {volume.number}", font=label, fill=ACCENT,
              anchor="ma")  # fmt: skip
    font, lines = _fitted(
        draw, typographic(volume.title, atlas.language), "Inter-SemiBold.otf", 130, width, 3
    )
    _block(draw, middle + 60, lines, font, INK, 1.2)

    author = _font("Inter-Regular.otf", 70)
    bottom = HEIGHT - 330
    if atlas.publisher:
        draw.text((WIDTH // 2, bottom + 100), atlas.publisher, font=_font("Inter-Regular.otf", 52),
                  fill=ACCENT, anchor="ma")  # fmt: skip
    draw.text((WIDTH // 2, bottom - 20), atlas.author, font=author, fill=INK, anchor="ma")

    out = io.BytesIO()
    # No text chunks, no time chunk: Pillow writes only what it is given.
    # zlib's default level: a third of the time of level 9, for a file 2% larger.
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def cover_alt(atlas: Atlas, volume: Volume) -> str:
    """The cover's text alternative: what is written on it."""
    return f"Cover: {atlas.title}, Volume {volume.number}: {volume.title}, by {atlas.author}"
