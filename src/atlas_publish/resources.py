"""What a writer's template overrides make the renderer load, checked before anything renders.

Bodies cannot reach the fetcher with anything it would refuse: their images are checked when
they are rendered (markdown.py). What is left is the template overrides under
``content/_templates/``: ``check_template_overrides`` reads them, so a remote stylesheet, font
or picture there is reported with its ``path:line``, and so is anything active (a script).
Kept apart from fetcher.py, which imports WeasyPrint (slow), so ``check`` stays quick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from jinja2 import nodes
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .codes import Code
from .content.files import inside
from .errors import Diagnostics

OVERRIDES = "_templates"
TEMPLATE_SUFFIXES = {".css", ".j2", ".html", ".xhtml", ".htm"}

# Everything a stylesheet or a page can make the renderer load.
RESOURCE = re.compile(
    r"""url\(\s*(?P<q1>['"]?)(?P<css>[^'")]*?)(?P=q1)\s*\)"""
    r"""|@import\s+(?P<q2>['"])(?P<imp>[^'"]*)(?P=q2)"""
    r"""|\b(?:src|data|poster|srcset|xlink:href)\s*=\s*(?P<q3>['"])(?P<src>[^'"]*)(?P=q3)"""
    r"""|<link\b[^>]*?\bhref\s*=\s*(?P<q4>['"])(?P<link>[^'"]*)(?P=q4)""",
    re.IGNORECASE,
)
# Nothing active in a page, whoever wrote the template.
ACTIVE = re.compile(
    r"<\s*(script|iframe|object|embed|form|frame|frameset|base|meta\s[^>]*http-equiv)\b"
    r"|\son[a-z]+\s*=|javascript:",
    re.IGNORECASE,
)


def allowed(url: str, roots: list[Path]) -> bool:
    """A local file (file: URL) inside one of ``roots``, symlinks followed."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parts.path)).resolve()
    return any(path.is_relative_to(root.resolve()) for root in roots)


@dataclass(frozen=True, slots=True)
class Reference:
    """A resource named in a template override, and where."""

    path: Path
    line: int
    text: str  # as written
    url: str  # resolved: what the renderer would ask the fetcher for


def template_references(content_root: Path) -> list[Reference]:
    """Every literal resource address in the writer's template overrides."""
    root = content_root.absolute()
    found = []
    for path in sorted((root / OVERRIDES).rglob("*")):
        if path.suffix not in TEMPLATE_SUFFIXES or not path.is_file() or not inside(path, root):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        # A stylesheet's addresses are relative to itself; a page's to the content folder.
        base = path.as_uri() if path.suffix == ".css" else root.as_uri() + "/"
        for match in RESOURCE.finditer(text):
            written = next(g for g in (match["css"], match["imp"], match["src"], match["link"])
                           if g is not None).strip()  # fmt: skip
            if not written or "{{" in written or "{%" in written or written.startswith("#"):
                continue
            line = text.count("\n", 0, match.start()) + 1
            for candidate in written.split(",") if match["src"] is not None else [written]:
                address = candidate.strip().split(" ")[0]
                if address:
                    found.append(Reference(path, line, address, urljoin(base, address)))
    return found


def check_template_overrides(
    content_root: Path, allowed_roots: list[Path], diagnostics: Diagnostics
) -> None:
    """Report what a template override would make the renderer fetch from outside, or run."""
    for reference in template_references(content_root):
        if not allowed(reference.url, allowed_roots):
            diagnostics.refused(
                f"'{reference.text}' is on the network or outside the content folder, and the "
                "build fetches nothing from there: copy the file into the content folder",
                reference.path,
                reference.line,
            )
    for path in sorted((content_root / OVERRIDES).rglob("*")):
        if not inside(path, content_root):  # Jinja and WeasyPrint would read it all the same
            diagnostics.error(
                Code.E003,
                "a symbolic link leads this file outside the content folder; copy the file in "
                "instead of linking to it",
                path,
            )
            continue
        if path.suffix not in TEMPLATE_SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in ACTIVE.finditer(text):
            diagnostics.error(
                Code.E063,
                f"'{match.group(0).strip()}' makes the page active; the editions hold nothing "
                "that runs: remove it from the template",
                path,
                text.count("\n", 0, match.start()) + 1,
            )

        if path.suffix in {".j2", ".html", ".xhtml", ".htm"}:
            for line, message in template_code_faults(path, text):
                diagnostics.error(Code.E065, message, path, line)


def template_code_faults(path: Path, source: str) -> list[tuple[int, str]]:
    """What in a template override reaches past the data it is given, with its line.

    The sandbox refuses it at render time too; this names it at ``check``, before anything
    renders: a syntax error, a name starting with ``_`` (Python's internals), or a global
    function (Jinja's defaults are removed, so ``cycler`` and the like are unknown)."""
    try:
        tree = ImmutableSandboxedEnvironment().parse(source, name=path.name, filename=str(path))
    except TemplateError as error:
        line = getattr(error, "lineno", None) or 1
        return [(line, f"the template does not parse ({error.message}): fix its syntax")]
    names: dict[int, list[str]] = {}
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem):
            if not isinstance(node.arg, nodes.Const) or not isinstance(node.arg.value, str):
                continue
            name = node.arg.value
        elif isinstance(node, nodes.Filter):
            name = f"|{node.name}" if _names_attribute_at_run_time(node) else ""
        elif isinstance(node, nodes.Name):
            name = node.name if node.name in UNSAFE_NAMES else ""
        else:
            continue
        if name.startswith(("_", "|")) or name in UNSAFE_NAMES:
            names.setdefault(node.lineno, []).append(name)
    return [
        (
            line,
            f"{', '.join(repr(n) for n in dict.fromkeys(reversed(found)))} would reach "
            "into Python, which a template may not do: use only the data it is given",
        )  # fmt: skip
        for line, found in sorted(names.items())
    ]


# Jinja's default globals and names that lead from a template into Python.
UNSAFE_NAMES = frozenset(
    {"cycler", "joiner", "namespace", "lipsum", "range", "dict", "self", "config", "request"}
)
# Filters that take an attribute's name as an argument.
ATTRIBUTE_FILTERS = frozenset({"attr", "map", "selectattr", "rejectattr", "groupby", "sort",
                               "sum", "unique", "min", "max"})  # fmt: skip


def _names_attribute_at_run_time(node: nodes.Filter) -> bool:
    """An attribute filter given a built name, or a literal one that starts with ``_``."""
    if node.name not in ATTRIBUTE_FILTERS:
        return False
    for argument in [*node.args, *(k.value for k in node.kwargs)]:
        if not isinstance(argument, nodes.Const):
            return True
        if isinstance(argument.value, str) and any(
            part.startswith("_") for part in argument.value.split(".")
        ):
            return True
    return False


def unreported_refusals(urls: list[str], content_root: Path) -> list[str]:
    """Refused URLs that ``check`` did not see (a template builds them): each with its
    template line where one names it. The others were errors, or warnings with --lenient."""
    reported = {r.url for r in template_references(content_root)}
    return where_refused([u for u in urls if u not in reported], content_root)


def where_refused(urls: list[str], content_root: Path) -> list[str]:
    """Refused URLs as ``path:line: 'text'`` where a template override names them."""
    references = {r.url: r for r in template_references(content_root)}
    described = []
    for url in sorted(set(urls)):
        reference = references.get(url)
        if reference is None:
            described.append(url)
        else:
            described.append(f"{reference.path}:{reference.line}: '{reference.text}'")
    return described


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "cite"}
ACTIVE_ELEMENTS = {"script", "iframe", "object", "embed", "form", "frame", "frameset", "base"}


def active_parts(xhtml: bytes) -> list[str]:
    """What in a finished XHTML document could run: elements, event handlers, script links.

    The last guard of the EPUB edition (bodies are sanitized and templates checked before):
    a reading system must never find anything active in it.
    """
    try:
        root = ElementTree.fromstring(xhtml)
    except ElementTree.ParseError as exc:
        return [f"not well-formed XHTML ({exc})"]
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = element.tag.rsplit("}", 1)[-1].lower()
        if name in ACTIVE_ELEMENTS:
            found.append(f"<{name}>")
        if name == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                found.append(f"{local}= on <{name}>")
            elif local in URL_ATTRIBUTES and "".join(value.split()).lower().startswith(
                ("javascript:", "vbscript:")
            ):
                found.append(f"{local}='{value[:40]}' on <{name}>")
    return found
