"""Article bodies: expressions -> Markdown -> sanitized HTML, references resolved through a LinkStyle.

One function, ``render_body``, used by every edition and by ``check`` (which renders everything
once so that every broken reference and expression is reported before anything is written).
"""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from .codes import Code
from .content.files import inside
from .errors import Diagnostics
from .expanded import MARK_CLOSE, MARK_OPEN, expand, table_marker
from .images import image_problem
from .indexes import Indexes
from .links import REFERENCE, LinkStyle, find_target, is_file_link, suffix_after
from .model import Article
from .rawhtml import first_deep_line, html_depth, read_raw_html

# Deeper lists, quotes or HTML elements are never meant, and WeasyPrint's layout recurses
# per level (a few hundred nested <div>s exhaust Python's stack).
MAX_NESTING = 20  # lists and quotes inside each other
MAX_HTML_DEPTH = 60  # elements inside each other in a body (a list level is two: ul, li)
# markdown-it spends time per '[' that grows with what follows it (a 100 KB run of '![' takes
# half a minute), and some inline rules grow with the square of a paragraph's length.
MAX_BRACKETS = 5_000  # '[' in one article
MAX_PARAGRAPH = 20_000  # characters in one paragraph (or table cell, or heading)

QUOTES = {
    "en": "“”‘’",
    "de": "„“‚‘",
    "fr": ["«\u00a0", "\u00a0»", "‹\u00a0", "\u00a0›"],
    "es": "«»“”",
    "it": "«»“”",
    "nl": "“”‘’",
    "pt": "«»“”",
    "ru": "«»„“",
    "sv": "””’’",
    "da": "»«›‹",
    "pl": "„”‚’",
    "zh": "“”‘’",
    "ja": "「」『』",
}


def typographic(text: str, language: str = "en") -> str:
    """Straight quotes and apostrophes of a short text (a title, a summary from YAML) as the
    language's typographic ones, as bodies get them from markdown-it's typographer."""
    if "'" not in text and '"' not in text:
        return text
    quotes = QUOTES.get(language.split("-")[0].lower(), QUOTES["en"])
    open2, close2, open1, close1 = quotes[0], quotes[1], quotes[2], quotes[3]
    text = re.sub(r"(?<=\w)'(?=\w)", "\u2019", text)  # Founder's, don't
    text = re.sub(r"(^|[\s(\[{\u2014\u2013-])'", lambda m: m.group(1) + open1, text)
    text = text.replace("'", close1)
    text = re.sub(r'(^|[\s(\[{\u2014\u2013-])"', lambda m: m.group(1) + open2, text)
    return text.replace('"', close2)


# What raw HTML in an article may keep: text, table, figure and image markup, nothing active.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "var",
    "wbr",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "span": {"data-note"},  # a print footnote's number in its article (_render_inline_footnote)
}
IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
TEXT_ALIGN = re.compile(r' style="text-align:(left|right|center)"')


@dataclass(frozen=True, slots=True)
class BodyContext:
    """What rendering a body needs: the whole handbook and the edition's way of linking."""

    indexes: Indexes
    language: str
    links: LinkStyle
    # tag -> the table's HTML, from the edition's templates; None: tables left as markers,
    # for an edition to put in its own (``insert_tag_tables``)
    tag_table: Callable[[str], str] | None
    footnotes_inline: bool = False  # print: footnote text at its call, floated to the page foot
    heading_offset: int = 2  # '## Heading' in a body becomes <h4> when the article title is <h3>


@dataclass(frozen=True, slots=True)
class RenderedBody:
    html: str
    images: tuple[Path, ...] = field(default=())
    tag_tables: tuple[str, ...] = ()  # the tags of the tables still to put in, by marker


def insert_tag_tables(html: str, tags: Sequence[str], tag_table: Callable[[str], str]) -> str:
    """Each tag table's marker replaced by the table (a marker alone is a paragraph)."""
    for index, tag in enumerate(tags):
        table = tag_table(tag)
        marker = table_marker(index)
        html = html.replace(f"<p>{marker}</p>", table).replace(marker, table)
    return html.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")


def render_body(
    article: Article, context: BodyContext, diagnostics: Diagnostics
) -> RenderedBody | None:
    expanded = expand(article, context.indexes, context.language, diagnostics)
    if expanded is None:
        return None
    env: dict[str, object] = {
        "docId": article.number,
        "atlas_article": article,
        "atlas_context": context,
        "atlas_diagnostics": diagnostics,
        "atlas_images": [],
        "atlas_image_srcs": set(),  # addresses of Markdown images, checked
        "atlas_raw_images": {},  # raw HTML <img> src -> its checked address, or None
        "atlas_link_hrefs": set(),  # hrefs the edition's LinkStyle gave references
    }
    if expanded.markdown.count("[") > MAX_BRACKETS:
        at = -1
        for _ in range(MAX_BRACKETS + 1):
            at = expanded.markdown.index("[", at + 1)
        diagnostics.error(
            Code.E060,
            f"more than {MAX_BRACKETS:,} '[' in one article: split the article, or write \\[ "
            "for a bracket that starts no link",
            article.path,
            article.body_line + expanded.markdown.count("\n", 0, at),
        )
        return None
    parser = _parser(context.language, context.footnotes_inline, context.heading_offset)
    tokens = parser.parse(expanded.markdown, env)
    if env.get("atlas_too_long"):
        return None
    _check_raw_html(tokens, env)
    too_deep = _too_deep(tokens)
    if too_deep is not None:
        diagnostics.error(
            Code.E060,
            f"lists or quotes nested more than {MAX_NESTING} deep; flatten them",
            article.path,
            article.body_line + too_deep,
        )
        return None
    html = parser.renderer.render(tokens, parser.options, env)
    html = TEXT_ALIGN.sub(r' class="align-\1"', html)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
        attribute_filter=_raw_html_images(env),
    )
    html = IMAGE_WITHOUT_SOURCE.sub("", html)  # refused images are left out, not left broken
    if html_depth(html) > MAX_HTML_DEPTH:
        diagnostics.error(
            Code.E060,
            f"HTML elements nested more than {MAX_HTML_DEPTH} deep; flatten them",
            article.path,
            article.body_line + first_deep_line(article.body, MAX_HTML_DEPTH - MAX_NESTING),
        )
        return None
    images = env["atlas_images"]
    assert isinstance(images, list)
    if context.tag_table is None:
        return RenderedBody(html, tuple(images), expanded.tag_tables)
    return RenderedBody(
        insert_tag_tables(html, expanded.tag_tables, context.tag_table), tuple(images)
    )


CONTAINERS = {
    f"{name}_{end}"
    for name in ("blockquote", "bullet_list", "ordered_list")
    for end in ("open", "close")
}


def _too_deep(tokens: Sequence[Token]) -> int | None:
    """The body line (from 0) where quotes and lists nest deeper than MAX_NESTING, or None."""
    depth = 0
    for token in tokens:
        if token.type in CONTAINERS:
            depth += token.nesting
            if depth > MAX_NESTING:
                return token.map[0] if token.map else 0
    return None


_PARSERS: dict[tuple[str, bool, int], MarkdownIt] = {}


def _parser(language: str, footnotes_inline: bool, heading_offset: int) -> MarkdownIt:
    key = (language.split("-")[0].lower(), footnotes_inline, heading_offset)
    if key not in _PARSERS:
        md = MarkdownIt(
            "commonmark",
            {
                "html": True,
                "typographer": True,
                "quotes": QUOTES.get(key[0], QUOTES["en"]),
                # markdown-it silently drops what nests deeper than this (20 by default);
                # above MAX_NESTING (a list level is two: list, item), so that _too_deep
                # reports it instead of text being lost.
                "maxNesting": 2 * MAX_NESTING + 10,
            },
        )
        md.enable(["table", "replacements", "smartquotes", "strikethrough"])
        md.core.ruler.at("normalize", _normalize)
        md.use(footnote_plugin)
        md.add_render_rule("footnote_caption", _footnote_caption)
        md.core.ruler.before("inline", "atlas_paragraph_limit", _limit_paragraphs)
        # After inline parsing, before the footnote plugin moves its tokens to the end.
        md.core.ruler.after("inline", "atlas_references", _resolve_references)
        md.core.ruler.push("atlas_headings", _heading_shifter(heading_offset))
        md.core.ruler.push("atlas_no_break", _no_break_spaces)
        if footnotes_inline:
            md.core.ruler.push("atlas_inline_footnotes", _inline_footnotes)
            md.add_render_rule("atlas_footnote", _render_inline_footnote)
        _PARSERS[key] = md
    return _PARSERS[key]


def _normalize(state: StateCore) -> None:
    """markdown-it's first rule (CR LF and CR become LF, NUL becomes U+FFFD), done with
    str.replace rather than its regular expression over every line end: the same text."""
    state.src = state.src.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")


# A word that names a number stays on the line of its number: "Volume 6", "p. 18",
# "chapter 4.02", "stage 6".
NO_BREAK = re.compile(
    r"\b((?:[Vv]olumes?|[Cc]hapters?|[Aa]rticles?|[Ss]tages?|[Ss]ections?|[Pp]ages?|"
    r"Vol\.|p\.|pp\.|No\.|no\.) )(?=\d)"
)


# Every match has a space before a digit: a text without one is left at once (most are).
SPACE_DIGIT = re.compile(r" \d")


def _no_break_spaces(state: StateCore) -> None:
    for block in state.tokens:
        for token in block.children or []:
            if token.type == "text" and SPACE_DIGIT.search(token.content):
                token.content = NO_BREAK.sub(_no_break, token.content)


def _no_break(match: re.Match[str]) -> str:
    return match.group(1)[:-1] + "\u00a0"


def _limit_paragraphs(state: StateCore) -> None:
    """Refuse a paragraph too long to parse its inline markup in reasonable time."""
    article = state.env["atlas_article"]
    diagnostics: Diagnostics = state.env["atlas_diagnostics"]
    for token in state.tokens:
        if token.type == "inline" and len(token.content) > MAX_PARAGRAPH:
            diagnostics.error(
                Code.E060,
                f"a paragraph of over {MAX_PARAGRAPH:,} characters; break it up with blank lines",
                article.path,
                article.body_line + (token.map[0] if token.map else 0),
            )
            token.content = ""  # not parsed: the article is refused
            state.env["atlas_too_long"] = True


def _resolve_references(state: StateCore) -> None:
    article = state.env["atlas_article"]
    context: BodyContext = state.env["atlas_context"]
    diagnostics: Diagnostics = state.env["atlas_diagnostics"]
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        if "[" not in block.content and "<" not in block.content:
            continue  # no link or image: they are written with '[' (or '<' for an autolink)
        cursor = 0
        first_line = article.body_line + (block.map[0] if block.map else 0)
        result: list[Token] = []
        children = block.children
        index = 0
        while index < len(children):
            token = children[index]
            if token.type == "image":
                cursor = _check_image(token, block, cursor, first_line, state.env)
            if token.type != "link_open":
                result.append(token)
                index += 1
                continue
            close = _matching_close(children, index)
            href = str(token.attrGet("href") or "")
            match = REFERENCE.match(href)
            if not match:
                if is_file_link(href):
                    position = block.content.find(f"]({href}", cursor)
                    cursor = max(cursor, position + 1)
                    line = first_line + block.content[: max(position, 0)].count("\n")
                    _report_file_link(href, article, line, diagnostics)
                    result.extend(children[index + 1 : close])  # the text stays, unlinked
                else:
                    result.extend(children[index : close + 1])
                index = close + 1
                continue
            kind, number = match.groups()
            position = block.content.find(f"({kind}:{number}", cursor)
            cursor = max(cursor, position + 1)
            line = first_line + block.content[: max(position, 0)].count("\n")
            inner = children[index + 1 : close]
            target = find_target(kind, number, context.indexes)
            if target is None:
                diagnostics.error(
                    Code.E040,
                    f"reference to {kind} {number or '(empty)'}, which does not exist; "
                    "check the number",
                    article.path,
                    line,
                )
                result.extend(inner)
                index = close + 1
                continue
            if not any(t.content for t in inner):
                text = Token("text", "", 0)
                text.content = typographic(target.title, context.language)
                inner = [text]
            link = context.links.link(target)
            if link.href is not None:
                token.attrs = {"href": link.href, "class": link.classes}
                state.env["atlas_link_hrefs"].add(link.href)  # the edition's own: kept
                result.extend([token, *inner, children[close]])
            else:
                result.extend(inner)
            said = suffix_after("".join(t.content for t in inner), target, link.suffix)
            if said:
                suffix = Token("text", "", 0)
                suffix.content = said
                result.append(suffix)
            index = close + 1
        block.children = result


def _report_file_link(href: str, article: Article, line: int, diagnostics: Diagnostics) -> None:
    shown = href if len(href) <= 60 else href[:57] + "..."
    diagnostics.error(
        Code.E041,
        f"the link '{shown}' points to a file, which no edition carries (the PDF would hold "
        "this computer's path): link an article with article:NUMBER, or a web page with "
        "https://...",
        article.path,
        line,
    )


def _heading_shifter(offset: int) -> Callable[[StateCore], None]:
    """Body headings sit below the article title: '#' and '##' become the first level under it."""

    def shift(state: StateCore) -> None:
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                level = max(int(token.tag[1]), 2) + offset
                token.tag = f"h{min(level, 6)}"

    return shift


def _matching_close(children: list[Token], open_index: int) -> int:
    level = 0
    for index in range(open_index, len(children)):
        if children[index].type == "link_open":
            level += 1
        elif children[index].type == "link_close":
            level -= 1
            if level == 0:
                return index
    return len(children) - 1


def _check_image(
    token: Token, block: Token, cursor: int, first_line: int, env: MutableMapping[str, Any]
) -> int:
    src = str(token.attrGet("src") or "")
    position = block.content.find(f"]({src}", cursor) if src else -1
    line = first_line + block.content[: max(position, 0)].count("\n")
    new_src = _resolve_image(src, token.content, line, env)
    token.attrSet("src", new_src or "")
    if new_src:
        env["atlas_image_srcs"].add(new_src)
    return max(cursor, position + 1)


def _check_raw_html(tokens: Sequence[Token], env: MutableMapping[str, Any]) -> None:
    """Check each <img> written in raw HTML like a Markdown image, before the sanitizer runs,
    and warn of what the sanitizer will remove (it drops file: and data: images silently)."""
    article = env["atlas_article"]
    assert isinstance(article, Article)
    diagnostics = env["atlas_diagnostics"]
    assert isinstance(diagnostics, Diagnostics)
    resolved: dict[str, str | None] = env["atlas_raw_images"]
    pieces: list[tuple[str, int]] = []
    for token in tokens:
        first = token.map[0] if token.map else 0
        if token.type == "html_block":
            pieces.append((token.content, first))
        for child in token.children or []:
            if child.type == "html_inline":
                before = token.content.find(child.content)
                pieces.append((child.content, first + token.content.count("\n", 0, max(before, 0))))
    for html, first in pieces:
        found = read_raw_html(html, ALLOWED_TAGS, ALLOWED_ATTRIBUTES)
        for src, offset in found.images:
            if src not in resolved:
                line = article.body_line + first + offset
                resolved[src] = _resolve_image(src, None, line, env)
        for href, offset in found.links:
            if is_file_link(href):
                _report_file_link(href, article, article.body_line + first + offset, diagnostics)
        for what, offset in found.dropped:
            diagnostics.warning(
                Code.W064,
                f"raw HTML: {what} is removed, the editions keep text, tables, figures, pictures "
                "and lang, and their stylesheets decide the look; delete it"
                + (" (a picture: ![what it shows](images/NAME))" if what.startswith("<") else ""),
                article.path,
                article.body_line + first + offset,
            )
        for what, offset in found.removed:
            diagnostics.warning(
                Code.W064,
                f"raw HTML: {what} is removed, the editions hold nothing that runs or fetches; "
                "delete it",
                article.path,
                article.body_line + first + offset,
            )


def _raw_html_images(env: MutableMapping[str, Any]) -> Callable[[str, str, str], str | None]:
    """nh3's attribute filter: an <img> keeps the address checked for it, or loses its src."""
    checked: set[str] = env["atlas_image_srcs"]
    resolved: dict[str, str | None] = env["atlas_raw_images"]
    ours: set[str] = env["atlas_link_hrefs"]  # references resolved by the edition's LinkStyle

    def rewrite(element: str, attribute: str, value: str) -> str | None:
        if element == "a" and attribute == "href" and is_file_link(value) and value not in ours:
            return None  # reported by _check_raw_html
        if element != "img" or attribute != "src":
            return value
        return value if value in checked else resolved.get(value)

    return rewrite


def _resolve_image(
    src: str, alt: str | None, line: int, env: MutableMapping[str, Any]
) -> str | None:
    """The image's address in the edition, or None after reporting why it cannot be used.

    ``alt`` is None for raw HTML, whose alt attribute the sanitizer's filter cannot see here.
    """
    article = env["atlas_article"]
    assert isinstance(article, Article)
    context = env["atlas_context"]
    assert isinstance(context, BodyContext)
    diagnostics = env["atlas_diagnostics"]
    assert isinstance(diagnostics, Diagnostics)
    shown = src if len(src) <= 80 else src[:77] + "..."
    if not src.strip():
        diagnostics.error(
            Code.E061, "image without a file name: write images/NAME", article.path, line
        )
        return None
    if ":" in src.split("/")[0] or src.startswith(("/", "\\")):
        # Remote, data:, file: and absolute paths: the renderer fetches nothing of the kind.
        diagnostics.refused(
            f"image '{shown}' is not a file in the chapter: put the picture in the "
            "chapter's images/ folder and write images/NAME",
            article.path,
            line,
        )
        return None
    try:
        path = (article.path.parent / unquote(src.split("#")[0].split("?")[0])).resolve()
    except (RuntimeError, OSError):  # RuntimeError: a loop of symbolic links (Python 3.11)
        diagnostics.error(
            Code.E061,
            f"image '{shown}' is a loop of symbolic links; fix the link",
            article.path,
            line,
        )
        return None
    root = article.path.parents[2]
    if not inside(path, root):
        diagnostics.refused(
            f"image '{shown}' is outside the content folder; copy it into the chapter's "
            "images/ folder",
            article.path,
            line,
        )
        return None
    if not path.exists():
        diagnostics.error(
            Code.E061,
            f"image '{shown}' does not exist; check the name (it is relative to the article's "
            "folder)",
            article.path,
            line,
        )
        return None
    problem = image_problem(path)
    if problem is not None:
        if problem.code == Code.E062:
            diagnostics.refused(f"image '{shown}' {problem.message}", article.path, line)
        else:
            diagnostics.error(
                problem.code, f"image '{shown}' {problem.message}", article.path, line
            )
        return None
    if alt is not None and not alt.strip():
        diagnostics.warning(
            Code.W061,
            f"image '{src}' has no alt text: describe it in the brackets, ![what it shows]({src})",
            article.path,
            line,
        )
    images = env["atlas_images"]
    assert isinstance(images, list)
    images.append(path)
    return context.links.image_src(path)


# --- footnotes ---------------------------------------------------------------------------------


def _footnote_caption(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict[str, object]
) -> str:
    """A note's call as a book prints it, a superscript number: "1", not markdown-it's "[1]"."""
    return str(tokens[idx].meta["id"] + 1)


def _inline_footnotes(state: StateCore) -> None:
    """Move each footnote's text to its call, where CSS ``float: footnote`` sets it on the page."""
    notes: dict[int, list[Token]] = {}
    kept: list[Token] = []
    current: int | None = None
    for token in state.tokens:
        if token.type == "footnote_block_open" or token.type == "footnote_block_close":
            continue
        if token.type == "footnote_open":
            current = token.meta["id"]
            notes[current] = []
            continue
        if token.type == "footnote_close":
            current = None
            continue
        if current is not None:
            if token.type == "inline":
                notes[current].extend(token.children or [])
            continue
        kept.append(token)
    for token in kept:
        for child in token.children or []:
            if child.type == "footnote_ref":
                child.type = "atlas_footnote"
                child.children = [
                    t for t in notes.get(child.meta["id"], []) if t.type != "footnote_anchor"
                ]
    state.tokens = kept


def _render_inline_footnote(
    self: object, tokens: Sequence[Token], idx: int, options: object, env: dict[str, object]
) -> str:
    """The note's text at its call, with its number in the article: notes are numbered per
    article in every edition (print.css prints ``data-note`` as the call and the marker)."""
    renderer = self
    inner = renderer.renderInline(tokens[idx].children or [], options, env)  # type: ignore[attr-defined]
    return f'<span class="footnote" data-note="{tokens[idx].meta["id"] + 1}">{inner}</span>'
