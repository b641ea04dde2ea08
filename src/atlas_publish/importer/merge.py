"""--force over an existing article: what the export lacks is kept, and every change is listed.

The export replaces the fields it carries and the body; a field it does not carry (the tags a
writer added by hand, or a web-page export's missing date, keywords, stages and abstract) keeps
the existing article's value. The report names every field kept or changed and every paragraph
added, removed or changed, so nothing is lost unseen; --dry-run prints the same list.
"""

from __future__ import annotations

import datetime as dt
from difflib import SequenceMatcher
from typing import Any

from ..model import Article

MERGED_FIELDS = ("title", "summary", "date", "keywords", "stages", "tags", "abstract")
SHOWN = 60  # characters of a paragraph shown in the report


def merge_fields(existing: Article, fields: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The export's fields over the existing article's, and the report's lines about them."""
    merged = dict(fields)
    changes: list[str] = []
    for key in MERGED_FIELDS:
        old = _value(getattr(existing, key))
        new = _value(fields.get(key))
        if new is None and old is not None:
            merged[key] = old
            changes.append(f"keep {key}: {_shown(old)} (the export has none)")
        elif new is not None and old != new:
            merged[key] = new
            was = _shown(old) if old is not None else "none"
            changes.append(f"change {key}: {was} -> {_shown(new)}")
    return merged, changes


def paragraph_changes(old_body: str, new_lines: list[str]) -> list[str]:
    """Every paragraph of the body added, removed or changed, numbered as in the new body."""
    old = _paragraphs(old_body)
    new = _paragraphs("\n".join(new_lines))
    changes: list[str] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = max(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            if i1 + k < i2 and j1 + k < j2:
                changes.append(f"change paragraph {j1 + k + 1}: {_quote(new[j1 + k])}")
            elif i1 + k < i2:
                changes.append(f"remove paragraph {i1 + k + 1} of the old: {_quote(old[i1 + k])}")
            else:
                changes.append(f"add paragraph {j1 + k + 1}: {_quote(new[j1 + k])}")
        if tag == "delete":
            changes += [
                f"remove paragraph {i + 1} of the old: {_quote(old[i])}" for i in range(i1, i2)
            ]
        if tag == "insert":
            changes += [f"add paragraph {j + 1}: {_quote(new[j])}" for j in range(j1, j2)]
    return changes


def _paragraphs(body: str) -> list[str]:
    blocks = [" ".join(block.split()) for block in body.split("\n\n")]
    return [block for block in blocks if block]


def _value(value: Any) -> Any:
    """None for what is not there; lists as tuples, so the two sides compare."""
    if value is None or value == "" or value == () or value == []:
        return None
    return tuple(value) if isinstance(value, list) else value


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return _quote(str(value))


def _quote(text: str) -> str:
    return f"'{text}'" if len(text) <= SHOWN else f"'{text[:SHOWN].rstrip()}…'"
