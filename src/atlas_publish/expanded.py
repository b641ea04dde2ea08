"""An article body with its expressions expanded, as the Markdown renderer takes it.

Most bodies hold no expression: they are taken as written, without loading Jinja's sandbox
(expressions.py), which ``check`` of a tree without expressions never needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import Diagnostics

if TYPE_CHECKING:
    from .indexes import Indexes
    from .model import Article

# Private-use characters cannot occur in a writer's text by accident and survive Markdown.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"


@dataclass(frozen=True, slots=True)
class Expanded:
    markdown: str
    tag_tables: tuple[str, ...]  # tags of the tables, by placeholder index


def has_expressions(body: str) -> bool:
    return "{{" in body or "{%" in body or "{#" in body


def table_marker(index: int) -> str:
    return f"{MARK_OPEN}{index}{MARK_CLOSE}"


def expand(
    article: Article, indexes: Indexes, language: str, diagnostics: Diagnostics
) -> Expanded | None:
    """The body with expressions evaluated (tag tables become markers); None after reporting
    a broken one."""
    if not has_expressions(article.body):
        return Expanded(article.body, ())
    from .expressions import expand_expressions

    return expand_expressions(article, indexes, language, diagnostics)
