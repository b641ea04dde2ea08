"""The web-page export: title line, 'Quick Summary: ...', the body as plain text,
'Article Number : N', then the site's navigation text (dropped)."""

from __future__ import annotations

import re

from .detect import WEB_NUMBER
from .legacy import Head, ImportFailed, Legacy, Note, Structure, blocks, is_labelled, split_block

BULLET = re.compile(r"^(\s*)[•◦▪·‣–*-]\s+")
NUMBERED = re.compile(r"^(\s*)(\d{1,3})[.)]\s+")
HTML_START = re.compile(r"<(?=[A-Za-z/!?])")


def parse_web(text: str) -> Legacy:
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if WEB_NUMBER.match(line))
    match = WEB_NUMBER.match(lines[at])
    assert match is not None
    found = blocks(lines[:at])
    if not found:
        raise ImportFailed("the title line is missing above 'Article Number'", at + 1)
    notes: list[Note] = []
    head = Head(notes=notes)
    split_block(found, 0, is_labelled)
    title = found[0].text
    index = 1
    while index < len(found):
        split_block(found, index, is_labelled)
        used = head.take(found[index], found[index + 1] if index + 1 < len(found) else None)
        if not used:
            break
        index += used
    if not head.summary:
        raise ImportFailed("no 'Quick Summary:' line: every article needs a summary")
    body_line = found[index].line if index < len(found) else at + 1
    return Legacy(
        kind="web",
        number=match.group(1),
        number_line=at + 1,
        title=title,
        summary=head.summary,
        date=head.date,
        keywords=head.keywords,
        stages=head.stages,
        abstract=head.abstract,
        body=tuple(plain_to_markdown(lines[body_line - 1 : at])),
        body_line=body_line,
        structure=Structure(),
        notes=tuple(notes),
    )


def plain_to_markdown(lines: list[str]) -> list[str]:
    """Plain text as Markdown that reads the same: bullets become '- ', a run of spaces one
    space, and what Markdown would take for markup at a line start (or raw HTML) is escaped."""
    out = []
    for raw in lines:
        line = raw.rstrip()
        bullet = BULLET.match(line)
        numbered = NUMBERED.match(line)
        if bullet:
            line = "- " + _words(line[bullet.end() :])
        elif numbered:
            line = f"{numbered.group(2)}. " + _words(line[numbered.end() :])
        else:
            line = _words(line)
            if line.startswith(("#", ">", "+ ")):
                line = "\\" + line
        out.append(HTML_START.sub("\\<", line))
    return out


def _words(text: str) -> str:
    return " ".join(text.split())
