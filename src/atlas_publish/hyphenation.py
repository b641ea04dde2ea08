"""Hyphenation of the print edition's body text, decided at build time.

Every word of running text gets its soft hyphens (U+00AD) from the handbook language's
dictionary, and print.css sets ``hyphens: manual``, so WeasyPrint breaks words only there. The
last word of a paragraph or list item gets none: a paragraph never ends on half a word
('fif-/teen.'). Marking that word with an inline box styled ``hyphens: manual`` instead made
WeasyPrint's line breaking leave a word alone on a line in mid-paragraph. Headings, code,
tables and footnotes are left as written; an element in another language takes its own
patterns.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache, partial
from typing import Any

SOFT_HYPHEN = "\u00ad"
# WeasyPrint's ``hyphenate-limit-chars: auto``: words of 5+ letters, 2 before and 2 after.
SHORTEST = 5
# Elements whose text is never hyphenated (their CSS says ``hyphens: none`` or ``manual``).
UNHYPHENATED = frozenset(
    {"code", "pre", "kbd", "samp", "table", "script", "style", "title", "head", "svg", "math"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w:-]*)([^>]*?)(/?)\s*>", re.S)
LANG = re.compile(r"""\blang\s*=\s*["']?([\w-]+)""")
# The running text: article bodies. Titles, labels and contents entries are never hyphenated
# (and a soft hyphen would take letter-spacing in a spaced-out label: "CHAP TER").
BODY_CLASS = re.compile(r"""\bclass\s*=\s*["'](?:[^"']*\s)?article-body[\s"']""")
# Footnotes are not hyphenated either (set ragged, small, at the page foot).
UNHYPHENATED_CLASS = re.compile(r"""\bclass\s*=\s*["'](?:[^"']*\s)?footnote[\s"']""")
# The last word of a paragraph (or list item) and what closes it: punctuation, closing tags.
LAST_WORD = re.compile(
    r"([^\W\d_][\w’'\u00ad-]{3,})((?:[^\w<>]|</(?:em|strong|a|i|b|span)>)*</(?:p|li)>)"
)
KEEP_OPEN, KEEP_CLOSE = "\ue000", "\ue001"  # private-use marks around a last word
KEPT = re.compile(f"{KEEP_OPEN}([^{KEEP_CLOSE}]*){KEEP_CLOSE}")
# A word of letters only: not a run of letters inside an identifier (S6_Customers, v2beta),
# nor a word tied to its neighbour by a no-break space: "Volume 6", "chapter 4.02" are
# locators, set whole ("(Vol-/ume 6" helps no reader find it).
NO_BREAK = "(?:\u00a0|&nbsp;|&#160;|&#xa0;)"
WORD = re.compile(
    f"{KEEP_OPEN}[^{KEEP_CLOSE}]*{KEEP_CLOSE}"
    f"|(?<!\\w)(?<!\u00a0)(?<!&nbsp;)(?<!&#160;)(?<!&#xa0;)[^\\W\\d_]{{{SHORTEST},}}"
    f"(?!\\w)(?!{NO_BREAK})"
)


def patterns_for(language: str) -> str | None:
    """The hyphenation dictionary for a language: plain "en" is US English (pyphen's own "en" is
    British, which breaks "art-icle"); None when pyphen has none."""
    import pyphen

    tag = language.replace("-", "_")
    if tag.lower() in {"en", "en_us"}:
        return "en_US"
    found = pyphen.language_fallback(tag)
    return str(found) if found else None


@cache
def dictionary(name: str) -> Any:
    import pyphen

    return pyphen.Pyphen(lang=name, left=2, right=2)


def hyphenated(html: str, language: str) -> str:
    """``html`` with soft hyphens in the words of its running text (article bodies, in
    ``language`` or an element's own ``lang``), except each paragraph's last word."""
    marked = LAST_WORD.sub(f"{KEEP_OPEN}\\1{KEEP_CLOSE}\\2", html)
    out: list[str] = []
    # Open elements: (name, hyphenation dictionary or None where text stays as written).
    stack: list[tuple[str, str | None]] = [("", None)]
    body = patterns_for(language)
    for part in TAG.split(marked):
        if not part:
            continue
        if part.startswith("<"):
            out.append(part)
            _follow(part, stack, body)
        elif stack[-1][1] is None:
            out.append(part)
        else:
            out.append(WORD.sub(partial(_soft, name=stack[-1][1]), part))
    return KEPT.sub(r"\1", "".join(out))


def _soft(match: re.Match[str], name: str) -> str:
    word = match[0]
    return word if word.startswith(KEEP_OPEN) else _inserted(word, name)


# A soft hyphen between the letters of a ligature ("of-fice", "dif-fi-cult"): the shaper still
# joins them into one glyph (a soft hyphen is invisible), and WeasyPrint then gives that glyph
# no text in the PDF, so "office" is read, searched and copied as "o ce". No break there.
IN_LIGATURE = re.compile(f"(?<=f){SOFT_HYPHEN}(?=[fil])")


@lru_cache(maxsize=1 << 16)  # a handbook repeats its words: each is hyphenated once
def _inserted(word: str, name: str) -> str:
    return IN_LIGATURE.sub("", str(dictionary(name).inserted(word, hyphen=SOFT_HYPHEN)))


def _follow(tag: str, stack: list[tuple[str, str | None]], body: str | None) -> None:
    match = TAG_NAME.match(tag)
    if match is None:
        return  # a comment, a doctype
    closing, name, attributes, self_closing = match.groups()
    name = name.lower()
    if closing:
        for depth in range(len(stack) - 1, 0, -1):
            if stack[depth][0] == name:
                del stack[depth:]
                break
        return
    if name in VOID or self_closing:
        return
    patterns = stack[-1][1]
    if BODY_CLASS.search(attributes):
        patterns = body
    lang = LANG.search(attributes)
    if lang and patterns is not None:
        patterns = patterns_for(lang[1])
    if name in UNHYPHENATED or UNHYPHENATED_CLASS.search(attributes):
        patterns = None
    stack.append((name, patterns))
