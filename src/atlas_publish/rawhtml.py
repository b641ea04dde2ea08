"""Reading the raw HTML a writer put in an article, before the sanitizer (nh3) cleans it.

The sanitizer removes what is active and drops addresses it does not like without a word;
reading the HTML first lets the writer be told, with the line: images are checked like
Markdown images, and whatever is removed (a script, an event handler) is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import accumulate

# Removed with a warning: what would run, fetch, or send something in a reader's hands.
ACTIVE_ELEMENTS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "link",
    "style",
    "meta",
    "base",
}
SCRIPT_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
VOID_ELEMENTS = {"br", "hr", "img", "wbr", "input", "link", "meta", "base", "embed", "source"}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")


@dataclass
class RawHtml:
    images: list[tuple[str, int]] = field(default_factory=list)  # (src, line from 0)
    removed: list[tuple[str, int]] = field(default_factory=list)  # (what, line from 0)
    links: list[tuple[str, int]] = field(default_factory=list)  # (href of <a>, line from 0)
    # What the sanitizer drops that is harmless but not kept (video, style=, srcset=...).
    dropped: list[tuple[str, int]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self, tags: Set[str], attributes: Mapping[str, Set[str]]) -> None:
        super().__init__(convert_charrefs=True)
        self.found = RawHtml()
        self.tags = tags
        self.attributes = attributes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0] - 1
        if tag in ACTIVE_ELEMENTS:
            self.found.removed.append((f"<{tag}>", line))
        elif self.tags and tag not in self.tags:
            self.found.dropped.append((f"<{tag}>", line))
        kept = self.attributes.get("*", set()) | self.attributes.get(tag, set())
        for name, value in attrs:
            if self.tags and tag in self.tags and not name.startswith("on") and name not in kept:
                self.found.dropped.append((f"the attribute {name}= of <{tag}>", line))
            if tag == "a" and name == "href":
                self.found.links.append((value or "", line))
            if tag == "img" and name == "src":
                self.found.images.append((value or "", line))
            elif name.startswith("on"):
                self.found.removed.append((f"the attribute {name}= of <{tag}>", line))
            elif name in ("href", "src", "action", "formaction", "xlink:href") and SCRIPT_URL.match(
                value or ""
            ):
                self.found.removed.append((f"the {name}='{(value or '')[:30]}' of <{tag}>", line))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def read_raw_html(
    html: str, tags: Set[str] = frozenset(), attributes: Mapping[str, Set[str]] | None = None
) -> RawHtml:
    """What raw HTML holds; with the sanitizer's ``tags`` and ``attributes``, also what it
    will drop that is not active."""
    reader = _Reader(tags, attributes or {})
    reader.feed(html)
    reader.close()
    return reader.found


def html_depth(html: str) -> int:
    """How deeply elements nest in sanitized HTML (well-formed: nh3 serialized it)."""
    steps = [
        -1 if closing else 1
        for closing, name, self_closing in TAG.findall(html)
        if not self_closing and name.lower() not in VOID_ELEMENTS
    ]
    return max(0, max(accumulate(steps), default=0))


def first_deep_line(text: str, limit: int) -> int:
    """The line (from 0) where raw HTML first opens more than ``limit`` elements."""
    depth = 0
    for match in TAG.finditer(text):
        closing, name, self_closing = match.groups()
        if name.lower() in VOID_ELEMENTS or self_closing:
            continue
        depth += -1 if closing else 1
        if depth > limit:
            return text.count("\n", 0, match.start())
    return 0
