"""Property-based tests: random and mutated content trees never crash the loader.

Whatever a tree holds, ``check`` either accepts it or raises ContentError, and every
diagnostic names a file of the tree, with a line inside that file when it is about a file's
content. Examples are few (the suite stays fast); hypothesis keeps failures it found.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from xml.etree import ElementTree

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from atlas_publish.errors import ContentError
from atlas_publish.pipeline import check

from .conftest import ATLAS_YAML

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI never fails by luck
)
CHAPTER = "1-volume-1/01-chapter-01"
ARTICLE = f"{CHAPTER}/1.010103-generated.md"
VALID_ARTICLE = (
    '---\nnumber: "1.010103"\ntitle: A Title\nsummary: A summary.\n'
    "date: 2024-05-01\nkeywords: [Scale]\nstages: [6]\ntags: [S6_Customers]\n---\n"
    'Text with a [reference](article:1.010101), {{ count() }} and {{ tag_table("S6_Customers") }}.\n'
    "\n- a list\n  - nested\n\n> a quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "A footnote.[^1]\n\n[^1]: The note.\n"
)
FILES = {
    "atlas.yaml": ATLAS_YAML.replace('"1.010102"', '"1.010101"'),
    "1-volume-1/volume.yaml": "number: 1\ntitle: Volume One\n",
    f"{CHAPTER}/chapter.yaml": 'number: "1.01"\ntitle: Chapter\nsections:\n  1: First\n',
    f"{CHAPTER}/1.010101-fixed.md": '---\nnumber: "1.010101"\ntitle: Fixed\nsummary: S.\n---\nBody.\n',
}


def check_tree(files: dict[str, bytes]) -> ContentError | None:
    """Write the tree, check it, and hold every diagnostic to the rules."""
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary) / "content"
        for name, data in {**{k: v.encode() for k, v in FILES.items()}, **files}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        try:
            check(root)
        except ContentError as error:
            assert error.diagnostics, "a ContentError names at least one problem"
            for diagnostic in error.diagnostics:
                path = diagnostic.location.path
                assert path == root or root in path.parents, diagnostic
                assert path.exists(), diagnostic
                if path.is_file() and diagnostic.code not in ("E003",):  # E003: unreadable
                    line = diagnostic.location.line
                    assert line is not None, f"no line: {diagnostic}"
                    lines = path.read_bytes().count(b"\n") + 1
                    assert 1 <= line <= lines + 1, f"line {line} of {lines}: {diagnostic}"
            return error
    return None


# --- front matter -------------------------------------------------------------------------------

KEYS = ["number", "title", "summary", "abstract", "date", "keywords", "stages", "tags",
        "tag", "Title", "", "number ", "- number", "? title", "<<"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from([
        '"1.010103"', "1.010103", "1.0101030", "1.01010", "2.010103", "1.010101", "6", "[6, 7]",
        "[6, 12]", "six", "[S6_Customers]", "S6_Customers", "2024-02-30", "2024-05-01", "'2024-05-01'",
        "[unclosed", "{a: b}", "{a: [", "- item", "&anchor x", "*anchor", "*undefined",
        "!!python/object/apply:os.system ['true']", "!!binary AAAA", "!!float nan", "~", "null",
        "true", "''", '"', "'", "|\n  block", ">\n  folded", "\t tab", "%YAML 1.1", "---", "...",
        "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]", "0x1F", "1e400", "-.inf", "2024-05-01 10:00:00",
    ]),
    st.text(max_size=30),
)  # fmt: skip
FRONT_LINE = st.one_of(
    st.tuples(st.sampled_from(KEYS), VALUES).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.text(max_size=20),
)


@SETTINGS
@given(st.lists(FRONT_LINE, max_size=10), st.booleans())
def test_random_front_matter_only_gives_content_errors(lines: list[str], closed: bool) -> None:
    text = "---\n" + "\n".join(lines) + ("\n---\nBody text.\n" if closed else "\n")
    check_tree({ARTICLE: text.encode("utf-8", "surrogatepass")})


# --- bodies -------------------------------------------------------------------------------------

PIECES = st.sampled_from([
    "word ", "\n", "\n\n", "> ", "- ", "1. ", "   ", "# ", "## ", "`", "```\n", "*", "_", "~~",
    "[", "]", "(", ")", "![", "](", "[](article:1.010101)", "[x](article:1.019999)", "[](chapter:1.01)",
    "[](volume:1)", "(article:", "{{", "}}", "{%", "%}", "{#", "#}", "{{ count() }}",
    '{{ tag_table("S6_Customers") }}', "{{ count(stage=6) | words }}", "{% raw %}", "{% endraw %}",
    "{{ ''.__class__ }}", "<div>", "</div>", "<script>", "</script>", '<img src="', '">', "<!--",
    "-->", "<", ">", "&", "&amp;", "&#0;", "|", "|---|", "[^1]", "[^1]: note", "\\", "\u0000",
    "\ue000", "\ue001", "\u202e", "中文", "images/x.png", "http://example.com/a.png", "../../x.png",
    "javascript:", " onerror=", "---", "***",
])  # fmt: skip


@SETTINGS
@given(st.lists(PIECES, max_size=40), st.text(max_size=20))
def test_random_bodies_only_give_content_errors(pieces: list[str], noise: str) -> None:
    head = '---\nnumber: "1.010103"\ntitle: T\nsummary: S\n---\n'
    check_tree({ARTICLE: (head + "".join(pieces) + noise).encode("utf-8", "surrogatepass")})


# --- mutated trees ------------------------------------------------------------------------------

MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace"]),
        st.integers(min_value=0, max_value=10_000),
        st.binary(min_size=1, max_size=4) | st.sampled_from([b"\n", b"---\n", b": ", b"\xff", b"\r"]),
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip


def mutate(data: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    for operation, position, chunk in mutations:
        at = position % (len(data) + 1)
        if operation == "insert":
            data = data[:at] + chunk + data[at:]
        elif operation == "delete":
            data = data[:at] + data[at + len(chunk) :]
        else:
            data = data[:at] + chunk + data[at + len(chunk) :]
    return data


@SETTINGS
@given(st.sampled_from([ARTICLE, *FILES]), MUTATIONS)
def test_mutated_trees_only_give_content_errors(
    name: str, mutations: list[tuple[str, int, bytes]]
) -> None:
    original = VALID_ARTICLE if name == ARTICLE else FILES[name]
    check_tree({ARTICLE: VALID_ARTICLE.encode(), name: mutate(original.encode(), mutations)})


def test_the_unmutated_tree_is_valid() -> None:
    assert check_tree({ARTICLE: VALID_ARTICLE.encode()}) is None  # mutations start from it


# --- raw HTML: nothing active survives ----------------------------------------------------------

TAGS = ["script", "iframe", "object", "embed", "form", "input", "button", "style", "link", "meta",
        "base", "svg", "math", "img", "a", "p", "div", "span", "table", "td", "figure", "template",
        "noscript", "textarea", "select", "video", "audio", "source", "frame", "applet"]  # fmt: skip
ATTRIBUTES = ["onclick", "onerror", "onload", "OnMouseOver", "href", "src", "style", "srcdoc",
              "formaction", "action", "xlink:href", "data", "lang", "class", "http-equiv"]  # fmt: skip
ATTRIBUTE_VALUES = ["javascript:alert(1)", " JaVaScRiPt:x()", "vbscript:x", "data:text/html,x",
                    "http://evil.example/x", "x()", "images/dot.png", "refresh", "zh", '"><script>x()</script>',
                    "&#106;avascript:x()", "java\tscript:x()"]  # fmt: skip
ELEMENT = st.builds(
    lambda tag, attributes, text, close: (
        f"<{tag}"
        + "".join(f' {name}="{value}"' for name, value in attributes)
        + f">{text}"
        + (f"</{tag}>" if close else "")
    ),
    st.sampled_from(TAGS),
    st.lists(st.tuples(st.sampled_from(ATTRIBUTES), st.sampled_from(ATTRIBUTE_VALUES)), max_size=3),
    st.sampled_from(["", "text", "alert(1)", "<!-- c -->", "<![CDATA[x]]>"]),
    st.booleans(),
)


@SETTINGS
@given(st.lists(ELEMENT, min_size=1, max_size=8), st.booleans())
def test_nothing_active_survives_raw_html(elements: list[str], as_block: bool) -> None:
    from atlas_publish.editions.epub import xhtml_fragment
    from atlas_publish.errors import Diagnostics
    from atlas_publish.links import Link
    from atlas_publish.render import environment, render_articles
    from atlas_publish.resources import URL_ATTRIBUTES, active_parts

    class Links:
        def link(self, target: object) -> Link:
            return Link("#x")

        def image_src(self, path: Path) -> str:
            return "images/dot.png"

    html = ("\n\n" if as_block else " ").join(elements)
    head = '---\nnumber: "1.010103"\ntitle: T\nsummary: S\n---\nText.\n\n'
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary) / "content"
        for name, data in {**FILES, ARTICLE: head + html + "\n"}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(data)
        (root / CHAPTER / "images").mkdir()
        Image.new("RGB", (2, 2)).save(root / CHAPTER / "images" / "dot.png")
        try:
            checked = check(root, lenient=True)
        except ContentError:
            return  # refused outright, with its messages: nothing rendered
        article = checked.indexes.articles["1.010103"]
        bodies = render_articles([article], checked.atlas, checked.indexes,
                                 environment(checked.atlas), Links(), Diagnostics(lenient=True))  # type: ignore[arg-type]  # fmt: skip
        body = str(bodies["1.010103"].body)
    page = f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{xhtml_fragment(body)}</body></html>'
    assert active_parts(page.encode()) == [], body
    for element in ElementTree.fromstring(page).iter():
        for name, value in element.attrib.items():  # text may say anything; addresses not
            if name in URL_ATTRIBUTES:
                assert "script" not in value.lower(), body
            if name == "src":
                assert value == "images/dot.png", body
