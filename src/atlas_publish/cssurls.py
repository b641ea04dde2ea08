"""Every address a stylesheet can make a renderer load, read with a CSS parser (tinycss2).

Matching text misses what CSS allows: escapes (``u\\72 l(...)`` is ``url(...)``), comments, an
``@import`` written ``@im\\port``. The parser decodes them as a browser would, so what it finds
is what a reading system or WeasyPrint would fetch: ``url()``, ``src()``, the strings of
``image-set()`` and ``@import``.
"""

from __future__ import annotations

from collections.abc import Iterable

import tinycss2
from tinycss2 import ast

# Functions whose string arguments are addresses.
URL_FUNCTIONS = {"url", "src"}
SET_FUNCTIONS = {"image-set", "-webkit-image-set"}


def stylesheet_urls(css: str, first_line: int = 1) -> list[tuple[str, int]]:
    """(address, line) of everything a stylesheet would load."""
    return token_urls(tinycss2.parse_stylesheet(css, skip_comments=True), first_line)


def declarations_urls(css: str, first_line: int = 1) -> list[tuple[str, int]]:
    """(address, line) in the declarations of a ``style=`` attribute."""
    return token_urls(tinycss2.parse_blocks_contents(css, skip_comments=True), first_line)


def token_urls(nodes: Iterable[ast.Node], first_line: int) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []

    def line(node: ast.Node) -> int:
        return first_line + (getattr(node, "source_line", 1) or 1) - 1

    def walk(tokens: Iterable[ast.Node] | None) -> None:
        for token in tokens or ():
            if isinstance(token, ast.URLToken):
                found.append((token.value, line(token)))
            elif isinstance(token, ast.FunctionBlock):
                if token.lower_name in URL_FUNCTIONS | SET_FUNCTIONS:
                    strings = [a for a in token.arguments if isinstance(a, ast.StringToken)]
                    if token.lower_name in URL_FUNCTIONS:
                        strings = strings[:1]
                    found.extend((s.value, line(s)) for s in strings)
                walk(token.arguments)
            elif isinstance(token, ast.AtRule):
                if token.lower_at_keyword == "import":
                    strings = [t for t in token.prelude if isinstance(t, ast.StringToken)]
                    found.extend((s.value, line(s)) for s in strings[:1])
                walk(token.prelude)
                walk(token.content)
            elif isinstance(token, ast.QualifiedRule):
                walk(token.prelude)
                walk(token.content)
            elif isinstance(token, ast.Declaration):
                walk(token.value)
            elif isinstance(token, (ast.CurlyBracketsBlock, ast.SquareBracketsBlock,
                                    ast.ParenthesesBlock)):  # fmt: skip
                walk(token.content)

    walk(nodes)
    return found
