"""Pictures in the content, checked before anything is laid out.

A picture is read as the renderers would read it, under limits: a regular file of at most
20 MB whose bytes are the format its name says (Pillow reads the header: an HTML page named
``.png`` is refused), of at most 25 million pixels (a small file can hold a huge picture that
takes gigabytes to decode), decoded to the end (truncated or corrupt data is found here, not
as "Failed to load image" in the middle of a build). An SVG is XML a reading system runs as a
document: no DOCTYPE or entities, nothing active (scripts, event handlers, ``javascript:``,
``foreignObject``) and no reference to anything outside itself.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import tinycss2

from .codes import Code
from .content.files import NotReadable, read_regular
from .cssurls import declarations_urls, stylesheet_urls, token_urls

MAX_IMAGE_BYTES = 20_000_000
MAX_IMAGE_PIXELS = 25_000_000  # 5000 x 5000: a full 6x9 in page at 300 dpi is 1800 x 2700
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP",
           ".svg": "SVG"}  # fmt: skip
SUFFIX_OF = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
SVG_NS = "{http://www.w3.org/2000/svg}"
ACTIVE_SVG = {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"}
ANIMATIONS = {"set", "animate", "animatetransform", "animatemotion"}
SCRIPT_URL = re.compile(r"^\s*(javascript|vbscript|data\s*:\s*text/html)\s*:?", re.IGNORECASE)
STYLESHEET_PI = re.compile(rb"<\?xml-stylesheet\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImageProblem:
    code: Code  # E061 broken or too big, E062 refers outside itself, E063 active
    message: str  # follows "image 'NAME' "


_checked: dict[tuple[str, int, int, int, int], ImageProblem | None] = {}


def image_problem(path: Path) -> ImageProblem | None:
    """What is wrong with the picture at ``path`` (an existing path), or None.

    Remembered by the file's identity, size and time: ``serve`` checks on every save."""
    try:
        status = os.stat(path)
    except OSError as error:
        return ImageProblem(Code.E061, f"cannot be read ({error.strerror})")
    key = (str(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
    if key not in _checked:
        _checked[key] = _problem(path)
    return _checked[key]


def _problem(path: Path) -> ImageProblem | None:
    expected = FORMATS.get(path.suffix.lower())
    if expected is None:
        return ImageProblem(
            Code.E061,
            f"is not a picture format both editions take ({', '.join(sorted(FORMATS))}); "
            "convert it to PNG or JPEG",
        )
    try:
        data = read_regular(path, MAX_IMAGE_BYTES, "picture")
    except NotReadable as error:
        if error.message.startswith("picture is ") and "over the limit" in error.message:
            return ImageProblem(
                Code.E061, f"is over {MAX_IMAGE_BYTES // 1_000_000} MB; make it smaller"
            )
        return ImageProblem(Code.E061, f"cannot be used: {error.message}")
    if not data:
        return ImageProblem(Code.E061, "is an empty file; put the picture itself there")
    if expected == "SVG":
        return svg_problem(data)
    return _raster_problem(data, expected)


def _raster_problem(data: bytes, expected: str) -> ImageProblem | None:
    # Pillow and defusedxml are imported when there is a picture to read (`check` of a tree
    # without pictures starts without them).
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                found = image.format or "?"
                width, height = image.size
                if found != expected:
                    rename = SUFFIX_OF.get(found)
                    advice = f"rename it to {rename}" if rename else "convert it"
                    return ImageProblem(
                        Code.E061,
                        f"is a {found} picture, not {expected} as its name says: {advice}",
                    )
                if width * height > MAX_IMAGE_PIXELS:
                    return _too_many_pixels(f"{width} x {height} pixels")
                if found == "PNG":
                    image.verify()  # every chunk and its checksum, without decoding the pixels
                else:
                    if found == "JPEG":
                        image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as bomb:
            count = re.search(r"\((\d+) pixels\)", str(bomb))  # Pillow's words: "(N pixels)"
            return _too_many_pixels(f"{int(count[1]):,} pixels" if count else "")
        except UnidentifiedImageError:
            what = "text or HTML" if _looks_like_text(data) else "no picture Pillow knows"
            return ImageProblem(
                Code.E061,
                f"is not a {expected} picture (the file holds {what}): export the picture again",
            )
        except (OSError, SyntaxError, ValueError) as error:
            return ImageProblem(Code.E061, f"is damaged ({error}): export the picture again")
    return None


def _too_many_pixels(size: str) -> ImageProblem:
    return ImageProblem(
        Code.E061,
        f"is {size + ', ' if size else ''}over the limit of {MAX_IMAGE_PIXELS:,} pixels: scale "
        "it down "
        "(a full page at 300 dpi is about 1800 x 2700)",
    )


def _looks_like_text(data: bytes) -> bool:
    head = data[:512]
    return (
        b"\0" not in head and sum(32 <= b < 127 or b in b"\t\r\n" for b in head) > len(head) * 0.9
    )


def svg_problem(data: bytes) -> ImageProblem | None:
    """What in an SVG is active or refers outside it, or makes it no SVG; None when clean."""
    if STYLESHEET_PI.search(data):
        return ImageProblem(Code.E062, "links a stylesheet (<?xml-stylesheet?>); delete that line")
    import defusedxml.ElementTree as SafeXml
    from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden

    try:
        root = SafeXml.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden):
        return ImageProblem(
            Code.E061, "has a DOCTYPE or entities, which a picture does not need: delete them"
        )
    except DefusedXmlException as error:
        return ImageProblem(Code.E061, f"is refused ({error}): save it again as plain SVG")
    except SafeXml.ParseError as error:
        return ImageProblem(Code.E061, f"is not well-formed XML ({error}): save it again as SVG")
    if root.tag != f"{SVG_NS}svg":
        return ImageProblem(Code.E061, "is not an SVG picture (its root is not <svg>)")
    for element in root.iter():
        problem = _svg_element_problem(element)
        if problem is not None:
            return problem
    return None


def _svg_element_problem(element: Element) -> ImageProblem | None:
    if not isinstance(element.tag, str):
        return None
    name = element.tag.rsplit("}", 1)[-1].lower()
    if name in ACTIVE_SVG:
        return _active(f"<{element.tag.rsplit('}', 1)[-1]}>")
    if name == "style":
        for url, _ in stylesheet_urls(element.text or ""):
            if not url.startswith("#"):
                return _outside(url)
    for attribute, value in element.attrib.items():
        local = attribute.rsplit("}", 1)[-1].lower()
        if local.startswith("on"):
            return _active(f"the attribute {local}=")
        if (
            name in ANIMATIONS
            and local == "attributename"
            and (value.lower().endswith("href") or value.lower().startswith("on"))
        ):
            return _active(f"<{name} attributeName='{value}'>")
        if local in ("href", "src") or (name in ANIMATIONS and local in ("to", "values", "from")):
            if SCRIPT_URL.match(value):
                return _active(f"a {value.strip()[:20]} link")
            if local in ("href", "src") and not value.strip().startswith("#"):
                return _outside(value)
        urls = (
            declarations_urls(value)
            if local == "style"
            else token_urls(tinycss2.parse_component_value_list(value), 1)
            if "(" in value
            else []
        )
        for url, _ in urls:
            if not url.startswith("#"):
                return _outside(url)
    return None


def _active(what: str) -> ImageProblem:
    return ImageProblem(
        Code.E063,
        f"holds {what}, which would run in a reading system; the editions hold nothing that "
        "runs: remove it from the SVG",
    )


def _outside(url: str) -> ImageProblem:
    shown = url if len(url) <= 60 else url[:57] + "..."
    return ImageProblem(
        Code.E062,
        f"refers to '{shown}' outside itself, which the build fetches nothing from: make the "
        "SVG self-contained (or export it as PNG)",
    )
