"""The expressions an article body may use, evaluated in Jinja's sandbox.

Only ``tag_table("TAG")``, ``count()``, ``count(stage=N)``, ``count(tag="T")``, literals, and the
filters ``words`` and ``capitalize`` are allowed; the template is checked node by node before it
runs, so anything else is reported with its line instead of being executed.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable
from difflib import get_close_matches
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .codes import Code
from .errors import Diagnostics
from .expanded import Expanded, has_expressions, table_marker
from .indexes import Indexes
from .model import Article

MAX_NUMBER = 10**9
# Limits that keep a body's expressions from blowing up the output: each tag table can list
# every article of the handbook, and the expanded body must stay near the 1 MB source limit.
MAX_TAG_TABLES = 10
MAX_EXPRESSIONS = 2_000
MAX_OUTPUT_CHARS = 2_000_000
ALLOWED = '{{ tag_table("TAG") }}, {{ count() }}, {{ count(stage=N) }}, {{ count(tag="TAG") }}'


def expand_expressions(
    article: Article, indexes: Indexes, language: str, diagnostics: Diagnostics
) -> Expanded | None:
    """The body with expressions evaluated; tag tables become markers for the renderer."""
    if not has_expressions(article.body):
        return Expanded(article.body, ())
    env = _environment(language)
    try:
        tree = env.parse(article.body)
    except TemplateSyntaxError as exc:
        diagnostics.error(
            Code.E050,
            f"broken expression: {exc.message}; use {{% raw %}}...{{% endraw %}} for literal braces",
            article.path,
            article.body_line + (exc.lineno or 1) - 1,
        )
        return None
    except RecursionError:
        line = article.body_line + article.body[: article.body.find("{")].count("\n")
        diagnostics.error(Code.E050, TOO_DEEP, article.path, line)
        return None
    except ValueError:  # Python refuses to read an integer of thousands of digits
        long_number = LONG_NUMBER.search(article.body)
        at = long_number.start() if long_number else article.body.find("{")
        diagnostics.error(
            Code.E050,
            f"a number of thousands of digits in an expression; numbers there are at most "
            f"{MAX_NUMBER:,}",
            article.path,
            article.body_line + article.body[: max(at, 0)].count("\n"),
        )
        return None
    checker = _Checker(article, indexes, diagnostics)
    try:
        checker.check_template(tree)
    except RecursionError:
        line = article.body_line + article.body[: article.body.find("{")].count("\n")
        diagnostics.error(Code.E050, TOO_DEEP, article.path, line)
        return None
    if checker.failed:
        return None
    tables: list[str] = []

    def tag_table(tag: str) -> str:
        tables.append(tag)
        return table_marker(len(tables) - 1)

    def count(stage: int | None = None, tag: str | None = None) -> int:
        if stage is not None:
            return len(indexes.relating_to(stage))
        if tag is not None:
            return len(indexes.tagged(tag))
        return len(indexes.articles)

    try:
        text = env.from_string(tree).render(tag_table=tag_table, count=count)
    except (SecurityError, TemplateError, ValueError, OverflowError, RecursionError) as exc:
        line = article.body_line + _template_line(exc) - 1
        diagnostics.error(Code.E050, f"expression failed: {exc}", article.path, line)
        return None
    if len(text) > MAX_OUTPUT_CHARS:  # cannot happen with today's expressions; a last bound
        diagnostics.error(
            Code.E050,
            f"the expressions make the article over {MAX_OUTPUT_CHARS:,} characters; split it",
            article.path,
            article.body_line,
        )
        return None
    return Expanded(text, tuple(tables))


LONG_NUMBER = re.compile(r"\d{1000,}")


def _template_line(error: BaseException) -> int:
    """The body line (from 1) of the expression that failed: Jinja maps the frames of a
    rendering template to ``<template>`` and its lines."""
    line = getattr(error, "lineno", None) or 1
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == "<template>" and frame.lineno:
            line = frame.lineno
    return line


TOO_DEEP = "expression nested too deeply; write one function call or number per {{ }}"


@functools.lru_cache(maxsize=8)
def _environment(language: str) -> SandboxedEnvironment:
    """One per language and process: it holds no state of a render (filters only)."""
    env = SandboxedEnvironment(
        autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True
    )
    env.filters = {"words": words_filter(language), "capitalize": _capitalize}
    env.tests = {}
    env.globals = {}
    return env


def words_filter(language: str) -> Callable[[Any], str]:
    lang = language.split("-")[0].lower()

    def words(value: Any) -> str:
        from num2words import num2words  # slow to import: only for a body that uses 'words'

        number = int(value)
        if abs(number) > MAX_NUMBER:
            raise ValueError(f"{number} is too large to write in words")
        try:
            return str(num2words(number, lang=lang))
        except NotImplementedError:
            return str(num2words(number, lang="en"))

    return words


def _capitalize(value: Any) -> str:
    text = str(value)
    return text[:1].upper() + text[1:]


class _Checker:
    """Walks the parsed template and reports every node that is not an allowed expression."""

    def __init__(self, article: Article, indexes: Indexes, diagnostics: Diagnostics) -> None:
        self.article = article
        self.indexes = indexes
        self.diagnostics = diagnostics
        self.failed = False
        self.expressions = 0
        self.tag_tables = 0

    def fail(self, node: nodes.Node, message: str) -> None:
        self.failed = True
        line = self.article.body_line + (node.lineno or 1) - 1
        self.diagnostics.error(Code.E050, message, self.article.path, line)

    def check_template(self, tree: nodes.Template) -> None:
        for node in tree.body:
            if not isinstance(node, nodes.Output):
                self.fail(
                    node,
                    f"'{{% {type(node).__name__.lower()} %}}' is not allowed in an article; "
                    f"use {ALLOWED}, or {{% raw %}}...{{% endraw %}} for literal braces",
                )
                continue
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expressions += 1
                    if self.expressions > MAX_EXPRESSIONS:
                        self.fail(
                            child,
                            f"more than {MAX_EXPRESSIONS} expressions in one article; "
                            "split the article",
                        )
                        return
                    self.check_expression(child)

    def check_expression(self, node: nodes.Node) -> None:
        if isinstance(node, nodes.Const) and isinstance(node.value, (int, str)):
            return
        if isinstance(node, nodes.Filter):
            if node.name not in ("words", "capitalize"):
                self.fail(node, f"unknown filter '{node.name}': only 'words' and 'capitalize'")
            elif node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
                self.fail(node, f"the filter '{node.name}' takes no arguments")
            elif node.node is not None:
                if node.name == "words":
                    self.check_words(node, node.node)
                self.check_expression(node.node)
            return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
            if node.dyn_args or node.dyn_kwargs:
                self.fail(node, "write the arguments out, e.g. count(stage=6)")
            elif node.node.name == "tag_table":
                self.check_tag_table(node)
            elif node.node.name == "count":
                self.check_count(node)
            else:
                self.fail(node, f"unknown function '{node.node.name}': use {ALLOWED}")
            return
        self.fail(node, f"this expression is not allowed in an article; use {ALLOWED}")

    def check_words(self, node: nodes.Filter, value: nodes.Node) -> None:
        """'words' takes a whole number: a literal one, count(), or a filter of them."""
        if isinstance(value, nodes.Const):
            number = value.value
            if isinstance(number, bool) or not isinstance(number, int):
                self.fail(
                    node,
                    f"'words' writes out a whole number, not {number!r}: e.g. {{{{ 23 | words }}}}",
                )
            elif abs(number) > MAX_NUMBER:
                self.fail(
                    node, f"{number} is too large to write in words (the limit is {MAX_NUMBER:,})"
                )

    def check_tag_table(self, node: nodes.Call) -> None:
        self.tag_tables += 1
        if self.tag_tables > MAX_TAG_TABLES:
            if self.tag_tables > MAX_TAG_TABLES + 1:
                return  # reported once
            self.fail(
                node,
                f"more than {MAX_TAG_TABLES} tag tables in one article; "
                "split the article or combine the tags",
            )
            return
        if node.kwargs or len(node.args) != 1 or not _is_const(node.args[0], str):
            self.fail(node, 'write tag_table with one tag in quotes: tag_table("S6_Customers")')
            return
        self.check_tag(node, _const(node.args[0]))

    def check_count(self, node: nodes.Call) -> None:
        if node.args or len(node.kwargs) > 1:
            self.fail(node, 'write count(), count(stage=6) or count(tag="S6_Customers")')
            return
        for keyword in node.kwargs:
            if keyword.key == "stage" and _is_const(keyword.value, int):
                stage = _const(keyword.value)
                if stage not in self.indexes.stages:
                    known = ", ".join(str(s) for s in self.indexes.stages) or "none"
                    self.fail(node, f"unknown stage {stage} (stages: {known})")
            elif keyword.key == "tag" and _is_const(keyword.value, str):
                self.check_tag(node, _const(keyword.value))
            else:
                self.fail(node, 'write count(), count(stage=6) or count(tag="S6_Customers")')

    def check_tag(self, node: nodes.Node, tag: str) -> None:
        known = self.indexes.known_tags
        if tag not in known:
            guess = get_close_matches(tag, known, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else ""
            self.fail(node, f"unknown tag '{tag}': no article carries it{hint}")


def _is_const(node: nodes.Node, kind: type) -> bool:
    return (
        isinstance(node, nodes.Const)
        and isinstance(node.value, kind)
        and not isinstance(node.value, bool)
    )


def _const(node: nodes.Node) -> Any:
    assert isinstance(node, nodes.Const)
    return node.value
