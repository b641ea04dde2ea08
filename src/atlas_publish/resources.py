"""What a writer's template overrides make the renderer load, checked before anything renders.

Bodies cannot reach the fetcher with anything it would refuse: their images are checked when
they are rendered (markdown.py). What is left is the template overrides under
``content/_templates/``: ``check_template_overrides`` reads them, so a remote stylesheet, font
or picture there is reported with its ``path:line``, and so is anything active (a script).
Kept apart from fetcher.py, which imports WeasyPrint (slow), so ``check`` stays quick.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from .codes import Code
from .content.files import inside, link_loop, outside_message
from .cssurls import declarations_urls, stylesheet_urls
from .errors import Diagnostics
from .images import FORMATS as IMAGE_FORMATS
from .images import image_problem
from .links import is_file_link
from .model import Article, Atlas, Chapter, Section, Volume

if TYPE_CHECKING:
    from jinja2 import nodes

# Jinja is imported by the functions that parse a template's code: `check` of a tree without
# template overrides starts without it.

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
FILE_LINK = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?P<q>['"])(?P<href>[^'"{]*)(?P=q)""", re.I)
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(?P<css>.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(
    r"""\bstyle\s*=\s*(?P<q>['"])(?P<css>.*?)(?P=q)""", re.IGNORECASE | re.DOTALL
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
    try:
        path = Path(unquote(parts.path)).resolve()
    except (RuntimeError, OSError, ValueError):  # a loop of symbolic links, a NUL byte
        return False
    return any(path.is_relative_to(root.resolve()) for root in roots)


@dataclass(frozen=True, slots=True)
class Reference:
    """A resource named in a template override, and where."""

    path: Path
    line: int
    text: str  # as written
    url: str  # resolved: what the renderer would ask the fetcher for


def template_references(content_root: Path) -> list[Reference]:
    """Every literal resource address in the writer's template overrides.

    A stylesheet is read with a CSS parser (escapes, comments and all: cssurls.py); a page's
    attributes by pattern, and its ``<style>`` elements and ``style=`` attributes as CSS."""
    root = content_root.absolute()
    found = []
    for path in sorted((root / OVERRIDES).rglob("*")):
        if path.suffix not in TEMPLATE_SUFFIXES or not path.is_file() or not inside(path, root):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        # A stylesheet's addresses are relative to itself; a page's to the content folder.
        base = path.as_uri() if path.suffix == ".css" else root.as_uri() + "/"
        written: list[tuple[str, int]] = []
        if path.suffix == ".css":
            written = stylesheet_urls(text)
        else:
            for match in RESOURCE.finditer(text):
                value = next(g for g in (match["css"], match["imp"], match["src"], match["link"])
                             if g is not None).strip()  # fmt: skip
                line = text.count("\n", 0, match.start()) + 1
                parts = value.split(",") if match["src"] is not None else [value]
                written += [(part.strip().split(" ")[0], line) for part in parts]
            for match in STYLE_ELEMENT.finditer(text):
                line = text.count("\n", 0, match.start("css")) + 1
                written += stylesheet_urls(match["css"], line)
            for match in STYLE_ATTRIBUTE.finditer(text):
                line = text.count("\n", 0, match.start("css")) + 1
                written += declarations_urls(match["css"], line)
        for address, line in dict.fromkeys(written):
            if not address or "{{" in address or "{%" in address or address.startswith("#"):
                continue
            found.append(Reference(path, line, address, urljoin(base, address)))
    return found


def check_template_overrides(
    content_root: Path, allowed_roots: list[Path], diagnostics: Diagnostics
) -> None:
    """Report what a template override would make the renderer fetch from outside, or run."""
    for reference in template_references(content_root):
        if reference.url.startswith("file:") and link_loop(_local_file(reference.url)):
            continue  # the loop itself is reported below, once
        epub_stylesheet = reference.path.suffix == ".css" and reference.path.parent.name == "epub"
        if epub_stylesheet:  # copied into the EPUB as it is: --lenient could not leave it out
            diagnostics.error(
                Code.E062,
                f"'{reference.text}': the EPUB's stylesheet loads no file, from the network or "
                "from the content folder (the EPUB carries only the articles' pictures, and the "
                "reader's own fonts apply): remove the url()",
                reference.path,
                reference.line,
            )
        elif not allowed(reference.url, allowed_roots):
            diagnostics.refused(
                f"'{reference.text}' is on the network or outside the content folder, and the "
                "build fetches nothing from there: copy the file into the content folder",
                reference.path,
                reference.line,
            )
        elif reference.path.suffix == ".css" and not _local_file(reference.url).is_file():
            missing = (
                f"'{reference.text}' does not exist (it is relative to the stylesheet's folder)"
            )
            if _local_file(reference.url).suffix.lower() in FONT_SUFFIXES:
                # WeasyPrint goes on with another font: the book is made, in the wrong face.
                diagnostics.warning(
                    Code.W061,
                    f"{missing}, so the print edition falls back to another font: copy the font "
                    "there (the project's fonts are in templates/fonts/)",
                    reference.path,
                    reference.line,
                )
            else:  # WeasyPrint fails the build on a missing picture
                diagnostics.error(Code.E061, f"{missing}; check the name", reference.path,
                                  reference.line)  # fmt: skip
        elif reference.path.suffix == ".css" and _local_file(reference.url).suffix.lower() in (
            IMAGE_SUFFIXES
        ):
            problem = image_problem(_local_file(reference.url))  # as an article's picture
            if problem is not None:
                diagnostics.error(problem.code, f"picture '{reference.text}' {problem.message}",
                                  reference.path, reference.line)  # fmt: skip
    for path in sorted((content_root / OVERRIDES).rglob("*")):
        if not inside(path, content_root):  # Jinja and WeasyPrint would read it all the same
            diagnostics.error(Code.E003, outside_message(path), path)
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
            original = allowed_roots[-1] / path.relative_to(content_root / OVERRIDES)
            given = _names_used(original) if original.is_file() else set()
            for line, message in template_name_faults(path, text, content_root, given):
                diagnostics.error(Code.E066, message, path, line)
            in_epub = "epub" in path.relative_to(content_root / OVERRIDES).parts
            for match in FILE_LINK.finditer(text):  # an EPUB's own documents link each other
                if not in_epub and is_file_link(match["href"]):
                    diagnostics.error(
                        Code.E041,
                        f"the link '{match['href'][:60]}' points to a file, which no edition "
                        "carries (the PDF would hold this computer's path): link a web page "
                        "with https://..., or remove the link",
                        path,
                        text.count("\n", 0, match.start()) + 1,
                    )
            for line, address in template_remote_strings(path, text):
                diagnostics.error(
                    Code.E062,
                    f"'{address[:60]}' in the template's code is an address elsewhere, which a "
                    "page could be made to load: write a link as plain HTML in the template",
                    path,
                    line,
                )


FONT_SUFFIXES = {".otf", ".ttf", ".woff", ".woff2"}
IMAGE_SUFFIXES = set(IMAGE_FORMATS)


def _local_file(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


REMOTE_TEXT = re.compile(r"^\s*(https?:|ftp:|file:|data:|//)", re.IGNORECASE)


def template_remote_strings(path: Path, source: str) -> list[tuple[int, str]]:
    """Text in a template's code that is an address elsewhere (``{{ 'http://...' }}``): a page
    could be made to load it, which ``check`` cannot follow; write links as HTML instead."""
    from jinja2 import nodes
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        tree = ImmutableSandboxedEnvironment().parse(source, name=path.name, filename=str(path))
    except TemplateError:
        return []  # template_code_faults reports it
    return [
        (node.lineno, node.value)
        for node in tree.find_all(nodes.Const)
        if isinstance(node.value, str) and REMOTE_TEXT.match(node.value)
    ]


# What the editions' templates are given under these names, whatever the template.
MODEL_NAMES: dict[str, type] = {
    "atlas": Atlas,
    "volume": Volume,
    "chapter": Chapter,
    "section": Section,
    "article": Article,
}


def _names_used(template: Path) -> set[str]:
    """The names a project template takes from its render call (what an override is given)."""
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        tree = ImmutableSandboxedEnvironment().parse(template.read_text(encoding="utf-8"))
    except (OSError, TemplateError):
        return set()
    return _free_names(tree)


def _free_names(tree: nodes.Template) -> set[str]:
    """Names a template reads but never sets (scopes aside: a close enough reading here)."""
    from jinja2 import nodes

    loaded: set[str] = set()
    bound: set[str] = set()
    for name in tree.find_all(nodes.Name):
        (loaded if name.ctx == "load" else bound).add(name.name)
    return loaded - bound


def template_name_faults(
    path: Path, source: str, root: Path, given: Set[str] = frozenset()
) -> list[tuple[int, str]]:
    """Mistakes that would only fail when the template renders: a field the model does not
    have (``atlas.titel``), a template that includes or extends itself, a name misspelt from
    one the project's own template uses (``atlass``, when the override's original uses
    ``atlas``: what it is given)."""
    from jinja2 import nodes
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    try:
        tree = ImmutableSandboxedEnvironment().parse(source, name=path.name, filename=str(path))
    except TemplateError:
        return []  # template_code_faults reports it
    faults = []
    free = _free_names(tree) - set(given)
    for name in tree.find_all(nodes.Name):
        if name.ctx != "load" or name.name not in free:
            continue
        guess = get_close_matches(name.name, sorted(given), n=1, cutoff=0.8)
        if guess:  # a name close to a given one is a typo; others may be given all the same
            faults.append((name.lineno, f"'{name.name}' is not given to this template: did "
                                        f"you mean '{guess[0]}'?"))  # fmt: skip
            free.discard(name.name)  # once, at its first use
    for node in tree.find_all(nodes.Getattr):
        if not isinstance(node.node, nodes.Name) or node.node.name not in MODEL_NAMES:
            continue
        known = [n for n in dir(MODEL_NAMES[node.node.name]) if not n.startswith("_")]
        if node.attr not in known:
            guess = get_close_matches(node.attr, known, n=1)
            hint = f": did you mean '{guess[0]}'?" if guess else f" (it has {', '.join(known)})"
            faults.append((node.lineno, f"{node.node.name} has no '{node.attr}'{hint}"))
    try:
        own = path.relative_to(root / OVERRIDES).as_posix()
    except ValueError:
        own = path.name
    for found in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)):
        template = getattr(found, "template", None)
        if isinstance(template, nodes.Const) and template.value == own:
            faults.append((found.lineno, f"the template uses itself ('{own}'), without end: "
                                         "remove that line"))  # fmt: skip
    return sorted(faults)


def template_code_faults(path: Path, source: str) -> list[tuple[int, str]]:
    """What in a template override reaches past the data it is given, with its line.

    The sandbox refuses it at render time too; this names it at ``check``, before anything
    renders: a syntax error, a name starting with ``_`` (Python's internals), or a global
    function (Jinja's defaults are removed, so ``cycler`` and the like are unknown)."""
    from jinja2 import nodes
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

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
    from jinja2 import nodes

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
    elements = _named_elements(xhtml)
    return [elements] if isinstance(elements, str) else _active(elements)


def unsafe_parts(xhtml: bytes) -> list[str]:
    """``active_parts`` and then ``remote_parts`` of one document, read once; only why it
    cannot be read when it cannot."""
    elements = _named_elements(xhtml)
    return [elements] if isinstance(elements, str) else _active(elements) + _remote(elements)


def _active(elements: list[tuple[str, ElementTree.Element]]) -> list[str]:
    found = []
    for name, element in elements:
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


def _named_elements(xhtml: bytes) -> list[tuple[str, ElementTree.Element]] | str:
    """Every element of a finished XHTML document with its local name in lower case, or why
    the document cannot be read."""
    try:
        root = ElementTree.fromstring(xhtml)
    except ElementTree.ParseError as exc:
        return f"not well-formed XHTML ({exc})"
    return [(element.tag.rsplit("}", 1)[-1].lower(), element) for element in root.iter()
            if isinstance(element.tag, str)]  # fmt: skip


SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*:|[/\\])", re.IGNORECASE)
LINK_SCHEMES = ("http:", "https:", "mailto:")
FETCHING_ATTRIBUTES = {"src", "srcset", "poster", "data", "background"}


def remote_parts(xhtml: bytes) -> list[str]:
    """What in a finished XHTML document would load something from outside the book, or link
    to a file of the machine that built it: the last guard of the EPUB edition (templates are
    checked before, but one can build an address at run time)."""
    elements = _named_elements(xhtml)
    return [elements] if isinstance(elements, str) else _remote(elements)


def _remote(elements: list[tuple[str, ElementTree.Element]]) -> list[str]:
    found = []
    for name, element in elements:
        addresses: list[str] = []
        if name == "style":
            addresses += [u for u, _ in stylesheet_urls(element.text or "")]
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local == "style":
                addresses += [u for u, _ in declarations_urls(value)]
            elif local == "srcset":
                addresses += [part.strip().split(" ")[0] for part in value.split(",")]
            elif local in FETCHING_ATTRIBUTES or (local == "href" and name != "a"):
                addresses.append(value)
            elif (
                local == "href"
                and SCHEME.match(value)
                and not value.strip().lower().startswith(LINK_SCHEMES)
            ):
                found.append(f"a link to '{value[:60]}' on <a>")
        found += [f"'{a[:60]}' on <{name}>" for a in addresses if SCHEME.match(a) and a.strip()]
    return found


def stylesheet_remote_parts(css: str) -> list[str]:
    """Every address a finished EPUB stylesheet would load (it may load none)."""
    return [f"'{url[:60]}' (line {line})" for url, line in stylesheet_urls(css)
            if not url.startswith("#")]  # fmt: skip
