"""Read an export's bytes as text and recognise which kind of export it is, by its content."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from .legacy import ImportFailed, Kind

# An export carries markup around the text (a Word export's styles, a web page's layout): a
# little more than an article's own limit of 1 MB. The one limit of the importer.
MAX_EXPORT_BYTES = 4_000_000

FILE_NUMBER = re.compile(r"^\s*\**\s*File\s+No\.?\s*:?\s*\**\s*([1-9]\.\d{6})\b", re.I)
WEB_NUMBER = re.compile(r"^\s*Article\s+Number\s*:\s*([1-9]\.\d{6})\s*$", re.I)
HEADER_ROW = re.compile(r"^\s*\|\s*(Volume|Chapter|Section)\s*\|", re.I)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str  # line ends made '\n', BOM removed
    encoding: str  # as the report names it


def decode(data: bytes) -> Decoded:
    """UTF-8 (with or without BOM) strictly first, then UTF-16 with a BOM, then Windows-1252.

    Text in Windows-1252 with curly quotes or accents is never valid UTF-8, so trying UTF-8
    strictly first tells the two apart; a file that is neither is refused, not guessed at.
    """
    if len(data) > MAX_EXPORT_BYTES:
        raise ImportFailed(
            f"the file is {len(data):,} bytes: too large to be one article's export "
            f"(at most {MAX_EXPORT_BYTES:,})"
        )
    if data.startswith(codecs.BOM_UTF8):
        return Decoded(
            _normalise(_strict(data[3:], "utf-8", "not UTF-8, though it starts with a UTF-8 BOM")),
            "UTF-8 with BOM",
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(
            _normalise(_strict(data, "utf-16", "not UTF-16, though it starts with a UTF-16 BOM")),
            "UTF-16",
        )
    if b"\x00" in data:
        raise ImportFailed("this is a binary file, not a text export", 1)
    try:
        return Decoded(_normalise(data.decode("utf-8")), "UTF-8")
    except UnicodeDecodeError:
        pass
    return Decoded(
        _normalise(_strict(data, "cp1252", "neither UTF-8 nor Windows-1252")), "Windows-1252"
    )


def _strict(data: bytes, encoding: str, problem: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise ImportFailed(
            f"{problem} (byte 0x{data[exc.start]:02x}); "
            "save the export as UTF-8 and import it again",
            line,
        ) from None


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A form feed is a page break: it separates blocks like a blank line does.
    return text.replace("\f", "\n\n").removeprefix("\ufeff")


def detect_kind(text: str) -> Kind:
    """'word' for a word-processor export, 'web' for a web-page export; else ImportFailed."""
    lines = text.split("\n")
    if any(FILE_NUMBER.match(line) for line in lines):
        return "word"
    if any(WEB_NUMBER.match(line) for line in lines):
        return "web"
    if any(HEADER_ROW.match(line) for line in lines):
        raise ImportFailed(
            "a word-processor export without its 'File No. V.CCSSAA' line: "
            "add it below the title so the article has a number"
        )
    raise ImportFailed(
        "not an article export: it has neither a 'File No. V.CCSSAA' line "
        "(word-processor export) nor an 'Article Number : V.CCSSAA' line (web-page export)"
    )
