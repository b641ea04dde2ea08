"""The cover of each EPUB volume: a 1600x2560 PNG drawn with Pillow from the titles.

Byte-identical across builds: fixed fonts (the project's own, in templates/fonts), no text
chunks, no timestamps, a fixed compression level.

The cover has three colours (the volume's ground, white ink and a gold accent) and the
anti-aliased edges between the ground and each of them, so it is a palette PNG: 128 steps
from the ground to the ink, 128 to the accent. A step is under one level of 255 in every
channel, which no eye tells from an RGB drawing, and the PNG has a third of the bytes to
filter and compress (65 KB in 0.02 s instead of 125 KB in 0.07 s). Ink is drawn straight
into the palette indices (text drawn with index 127 on index 0 lands on the ink's steps);
gold text is drawn apart and its coverage mapped onto the accent's steps. What every
volume's cover shares (the frame, the handbook's title and subtitle, author, publisher) is
drawn once per process.
"""

from __future__ import annotations

import io
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

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
STEPS = 128  # palette entries from the ground to each colour
FULL_INK = STEPS - 1  # index 0 is the ground, 127 the ink
FULL_ACCENT = 2 * STEPS - 1  # 128 is the ground again, 255 the accent
# A gold text's coverage (0-255) as a palette index, and as the mask that pastes it.
ACCENT_INDEX = [0] + [STEPS + round(v * (STEPS - 1) / 255) for v in range(1, 256)]
COVERED = [0] + [255] * 255
MIDDLE = 1350  # the volume's number and title hang from here
BOTTOM = HEIGHT - 330  # the author and publisher


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
    leading: float,
) -> int:
    """Draw centred lines of ink from ``top``; return the y below the last one."""
    step = int(font.size * leading)
    for line in lines:
        draw.text((WIDTH // 2, top), line, font=font, fill=FULL_INK, anchor="ma")
        top += step
    return top


def _gold_text(image: Image.Image, top: int, text: str, font: ImageFont.FreeTypeFont) -> None:
    """A centred line of gold text hanging from ``top``: drawn on a band of its own, its
    coverage mapped onto the accent's steps and pasted where it covers anything."""
    size = int(font.size)
    pad = size // 2  # room for accents above and descenders below
    band = Image.new("L", (WIDTH, 3 * size), 0)
    ImageDraw.Draw(band).text((WIDTH // 2, pad), text, font=font, fill=255, anchor="ma")
    image.paste(band.point(ACCENT_INDEX), (0, top - pad), band.point(COVERED))


@lru_cache(maxsize=4)
def _shared(title: str, subtitle: str, author: str, publisher: str) -> Image.Image:
    """The palette indices of what every volume's cover shows; never drawn on (copy it)."""
    image = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    font, lines = _fitted(draw, title, "EBGaramond-Regular.ttf", 190, width, 3)
    y = _block(draw, 330, lines, font, 1.12)
    if subtitle:
        font, lines = _fitted(draw, subtitle, "EBGaramond-Italic.ttf", 70, width, 3)
        _block(draw, y + 50, lines, font, 1.3)
    draw.text((WIDTH // 2, BOTTOM - 20), author, font=_font("Inter-Regular.otf", 70),
              fill=FULL_INK, anchor="ma")  # fmt: skip
    if publisher:
        _gold_text(image, BOTTOM + 100, publisher, _font("Inter-Regular.otf", 52))
    draw.rectangle((MARGIN // 2, MARGIN // 2, WIDTH - MARGIN // 2, HEIGHT - MARGIN // 2),
                   outline=FULL_ACCENT, width=6)  # fmt: skip
    return image


@cache
def _palette(ground: str) -> list[int]:
    """Index i < 128: the ground blended i/127 towards the ink; 128 + i: towards the accent."""
    start = ImageColor.getrgb(ground)
    palette: list[int] = []
    for colour in (INK, ACCENT):
        end = ImageColor.getrgb(colour)
        for step in range(STEPS):
            palette += [
                round(a + (b - a) * step / (STEPS - 1)) for a, b in zip(start, end, strict=True)
            ]
    return palette


def shared_drawing(atlas: Atlas) -> Image.Image:
    """What every volume's cover of the handbook shows, drawn once per process."""
    return _shared(
        typographic(atlas.title, atlas.language),
        typographic(atlas.subtitle, atlas.language) if atlas.subtitle else "",
        atlas.author,
        atlas.publisher or "",
    )


def cover_png(atlas: Atlas, volume: Volume) -> bytes:
    """The volume's cover as PNG bytes: handbook title, volume number and title, author."""
    language = atlas.language
    image = shared_drawing(atlas).copy()
    draw = ImageDraw.Draw(image)
    draw.line((WIDTH // 2 - 160, MIDDLE - 140, WIDTH // 2 + 160, MIDDLE - 140),
              fill=FULL_ACCENT, width=5)  # fmt: skip
    _gold_text(image, MIDDLE - 80, f"VOLUME {volume.number}", _font("Inter-SemiBold.otf", 72))
    font, lines = _fitted(
        draw, typographic(volume.title, language), "Inter-SemiBold.otf", 130, WIDTH - 2 * MARGIN, 3
    )
    _block(draw, MIDDLE + 60, lines, font, 1.2)
    image.putpalette(_palette(GROUNDS[(volume.number - 1) % len(GROUNDS)]))
    out = io.BytesIO()
    # No text chunks, no time chunk: Pillow writes only what it is given.
    # zlib's default level: a sixth of the time of level 9, for a file 25% larger.
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def cover_alt(atlas: Atlas, volume: Volume) -> str:
    """The cover's text alternative: what is written on it."""
    return f"Cover: {atlas.title}, Volume {volume.number}: {volume.title}, by {atlas.author}"
