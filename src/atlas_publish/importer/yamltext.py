"""YAML written the way a writer would write it by hand: plain where plain is safe, quoted
where needed, long text folded; every text is read back to prove it means what was meant."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path
from typing import Any

import yaml

from ..errors import display_path
from .legacy import ImportFailed

WIDTH = 100


def _loads(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def scalar(key: str, value: str, indent: str = "") -> str:
    """``key: value`` as one line, or folded over several when it is long."""
    line = f"{indent}{key}: {value}"
    if _loads(f"k: {value}") == {"k": value} and "\n" not in value and len(line) <= WIDTH:
        return line
    if len(line) <= WIDTH or "\n" in value:
        return f"{indent}{key}: {quoted(value)}"
    # Folded: a writer can edit the paragraph as wrapped text. Safe for any text that has no
    # line breaks and no leading or trailing spaces; checked below anyway.
    wrapped = textwrap.wrap(value, WIDTH - len(indent) - 2, break_long_words=False)
    folded = f"{indent}{key}: >-\n" + "".join(f"{indent}  {part}\n" for part in wrapped)
    if _loads("k: >-\n" + "".join(f"  {part}\n" for part in wrapped)) == {"k": value}:
        return folded.rstrip("\n")
    return f"{indent}{key}: {quoted(value)}"


def quoted(value: str) -> str:
    """A double-quoted YAML string (JSON's escapes are YAML's)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def flow_item(value: str) -> str:
    if _loads(f"[{value}]") == [value]:
        return value
    return quoted(value)


def front_matter(fields: dict[str, Any]) -> str:
    """The front matter block of an article, '---' lines included."""
    lines = ["---"]
    for key, value in fields.items():
        if value is None or value == () or value == []:
            continue
        if key == "number":
            lines.append(f'number: "{value}"')
        elif isinstance(value, dt.date):
            lines.append(f"{key}: {value.isoformat()}")
        elif isinstance(value, (list, tuple)):
            items = (str(v) if isinstance(v, int) else flow_item(str(v)) for v in value)
            lines.append(f"{key}: [{', '.join(items)}]")
        else:
            lines.append(scalar(key, str(value)))
    lines.append("---")
    text = "\n".join(lines) + "\n"
    expected = {
        k: (list(v) if isinstance(v, tuple) else v)
        for k, v in fields.items()
        if v is not None and v != () and v != []
    }
    if _loads(text.removeprefix("---\n").removesuffix("---\n")) != expected:
        raise ImportFailed(f"internal error: the front matter would not read back as {expected}")
    return text


def volume_yaml(number: int, title: str) -> str:
    return f"number: {number}\n{scalar('title', title)}\n"


def chapter_yaml(number: str, title: str, sections: dict[int, str]) -> str:
    lines = [f'number: "{number}"', scalar("title", title), "sections:"]
    lines += [scalar(str(n), sections[n], "  ") for n in sorted(sections)]
    return "\n".join(lines) + "\n"


SECTIONS_KEY = re.compile(r"^sections\s*:\s*(#.*)?$")
SECTION_LINE = re.compile(r"^(\s+)(\d+)\s*:")


def add_sections(text: str, added: dict[int, str], path: Path) -> str:
    """chapter.yaml with new 'N: Title' lines under 'sections:', in number order, the rest of
    the writer's text (comments, order, quoting) untouched."""
    before = _loads(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    start = next((i for i, line in enumerate(lines) if SECTIONS_KEY.match(line)), None)
    if start is None:
        if isinstance(before, dict) and "sections" in before and before["sections"] is not None:
            raise ImportFailed(
                f"{display_path(path)} writes 'sections:' in a form the importer does not edit; add "
                + ", ".join(f"'{n}: {t}'" for n, t in sorted(added.items()))
                + " under it by hand"
            )
        lines.append("sections:")
        start = len(lines) - 1
    end = start + 1
    indent = "  "
    entries: list[tuple[int, int]] = []  # (section, line index)
    while end < len(lines) and (not lines[end].strip() or lines[end][:1] in " \t#"):
        match = SECTION_LINE.match(lines[end])
        if match:
            indent = match.group(1)
            entries.append((int(match.group(2)), end))
        end += 1
    for section, title in sorted(added.items()):
        new = scalar(str(section), title, indent)
        later = [i for n, i in entries if n > section]
        at = later[0] if later else (entries[-1][1] + 1 if entries else start + 1)
        lines.insert(at, new)
        entries = [(n, i + 1 if i >= at else i) for n, i in entries] + [(section, at)]
        entries.sort(key=lambda e: e[1])
    result = "\n".join(lines) + "\n"
    after = _loads(result)
    old_sections = before.get("sections") if isinstance(before, dict) else None
    expected = dict(old_sections or {}) | added
    if not isinstance(after, dict) or after.get("sections") != expected:
        raise ImportFailed(
            f"could not add section(s) {', '.join(map(str, added))} to {display_path(path)} safely; "
            "add them under 'sections:' by hand"
        )
    return result
