"""Hostile and broken input: nothing fetched, nothing active, nothing hangs, nothing lost."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from atlas_publish.context import BuildContext
from atlas_publish.errors import BuildError, ContentError, Diagnostics
from atlas_publish.outputs import atomic_path, output_lock, remove_stale_temporaries
from atlas_publish.pipeline import BuildOptions, build, check
from atlas_publish.render import environment, render_articles, templates_dir
from atlas_publish.resources import active_parts, check_template_overrides, where_refused

from .conftest import Tree, need

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _one_pixel_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _one_pixel_png()  # a 1x1 transparent PNG


class Links:
    def link(self, target: object) -> object:
        from atlas_publish.links import Link

        return Link("#x")

    def image_src(self, path: Path) -> str:
        return "images/" + path.name


def problems(tree: Tree, lenient: bool = False) -> list[str]:
    with pytest.raises(ContentError) as caught:
        check(tree.root, lenient=lenient)
    return [str(d) for d in caught.value.diagnostics]


def rendered(tree: Tree, number: str, lenient: bool = False) -> tuple[str, list[str]]:
    """The article's body HTML, and the warnings."""
    checked = check(tree.root, lenient=lenient)
    diagnostics = Diagnostics(lenient=lenient)
    bodies = render_articles([checked.indexes.articles[number]], checked.atlas, checked.indexes,
                             environment(checked.atlas), Links(), diagnostics)  # type: ignore[arg-type]  # fmt: skip
    return str(bodies[number].body), [str(d) for d in diagnostics.items]


# --- 1. nothing fetched from the network or outside the tree ----------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<img src="http://example.com/x.png" alt="x">',
        '<img src="https://example.com/x.png" alt="x">',
        '<img src="//example.com/x.png" alt="x">',
        '<img src="file:///etc/passwd" alt="x">',
        '<img src="/etc/passwd" alt="x">',
        '<img src="../../../outside.png" alt="x">',
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">',
        '<p>In a paragraph <img src="http://example.com/x.png"> inline.</p>',
    ],
)
def test_raw_html_images_from_outside_are_refused_with_their_line(
    small_tree: Tree, html: str
) -> None:
    path = small_tree.article("1.010103", f"First line.\n\n{html}\n")
    (message,) = problems(small_tree)
    assert message.startswith(f"{path}:8: error[E062]: image '"), message
    assert message.endswith("(or build with --lenient to leave it out)")


def test_markdown_image_from_the_network_is_refused(small_tree: Tree) -> None:
    path = small_tree.article("1.010103", "Text.\n\n![A chart](http://example.com/c.png)\n")
    assert problems(small_tree) == [
        f"{path}:8: error[E062]: image 'http://example.com/c.png' is not a file in the chapter: "
        "put the picture in the chapter's images/ folder and write images/NAME "
        "(or build with --lenient to leave it out)"
    ]


def test_lenient_leaves_refused_images_out_with_a_warning(small_tree: Tree) -> None:
    path = small_tree.article(
        "1.010103",
        'Text.\n\n<img src="http://example.com/x.png" alt="x">\n\n![y](../../../../y.png)\n',
    )
    html, warnings = rendered(small_tree, "1.010103", lenient=True)
    assert "<img" not in html and "example.com" not in html
    assert sorted(w.split(": warning")[0] for w in warnings) == [f"{path}:10", f"{path}:8"]
    assert all("warning[W062]" in w and w.endswith("(left out: --lenient)") for w in warnings)


def test_images_inside_the_tree_are_kept_from_raw_html_and_markdown(small_tree: Tree) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    (folder / "images").mkdir()
    (folder / "images" / "dot.png").write_bytes(PNG)
    small_tree.article(
        "1.010103",
        '<figure><img src="images/dot.png" alt="A dot"><figcaption>A dot</figcaption></figure>\n'
        "\n![Another dot](images/dot.png)\n",
    )
    html, warnings = rendered(small_tree, "1.010103")
    assert html.count('<img src="images/dot.png"') == 2
    assert warnings == []


def test_the_fetcher_refuses_the_network_and_files_outside(tmp_path: Path) -> None:
    from atlas_publish.fetcher import RestrictedFetcher

    root = tmp_path / "content"
    (root / "images").mkdir(parents=True)
    (root / "images" / "ok.png").write_bytes(PNG)
    (tmp_path / "secret.txt").write_text("secret")
    (root / "images" / "link.png").symlink_to(tmp_path / "secret.txt")
    fetcher = RestrictedFetcher([root, templates_dir()])
    for url in [
        "http://example.com/a.png",
        "https://example.com/a.css",
        "ftp://example.com/a",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://evil.example.com/etc/passwd",
        (root / "images" / ".." / ".." / "secret.txt").as_uri(),
        (root / "images" / "link.png").as_uri(),
    ]:
        with pytest.raises(ValueError, match="refused to fetch"):
            fetcher.fetch(url)
    assert fetcher.allows((root / "images" / "ok.png").as_uri())
    assert fetcher.allows((templates_dir() / "fonts" / "Inter-Regular.otf").as_uri())
    assert len(fetcher.refused) == 8


def test_template_overrides_are_checked_for_remote_and_outside_resources(small_tree: Tree) -> None:
    css = small_tree.root / "_templates" / "print" / "print.css"
    css.parent.mkdir(parents=True)
    css.write_text(
        "body { color: black; }\n"
        '@import "http://example.com/theme.css";\n'
        '@font-face { font-family: X; src: url("file:///etc/passwd"); }\n'
        "h1 { background: url(../../../outside.png); }\n"
        "h2 { background: url(images/inside.png); }\n"
    )
    (css.parent / "images").mkdir()
    (css.parent / "images" / "inside.png").write_bytes(PNG)
    found = problems(small_tree)
    assert [f.split(": error")[0] for f in found] == [f"{css}:2", f"{css}:3", f"{css}:4"]
    assert found[0] == (
        f"{css}:2: error[E062]: 'http://example.com/theme.css' is on the network or outside the "
        "content folder, and the build fetches nothing from there: copy the file into the "
        "content folder (or build with --lenient to leave it out)"
    )
    refused = ["http://example.com/theme.css", "file:///etc/passwd"]
    assert where_refused(refused, small_tree.root) == [
        f"{css}:3: 'file:///etc/passwd'",
        f"{css}:2: 'http://example.com/theme.css'",
    ]


def test_template_overrides_with_scripts_are_refused(small_tree: Tree) -> None:
    page = small_tree.root / "_templates" / "epub" / "chapter.xhtml.j2"
    page.parent.mkdir(parents=True)
    page.write_text('<html>\n<body onload="x()">\n<script src="a.js"></script>\n</body></html>\n')
    diagnostics = Diagnostics()
    check_template_overrides(small_tree.root, [small_tree.root, templates_dir()], diagnostics)
    assert [str(d).split(": ", 1)[0] for d in diagnostics.items] == [f"{page}:2", f"{page}:3"]
    assert "error[E063]: 'onload=' makes the page active" in str(diagnostics.items[0])


def test_templates_render_in_the_sandbox_with_no_way_into_python(small_tree: Tree) -> None:
    """Even a template that ``check`` never saw (built at run time) cannot reach Python."""
    env = environment(check(small_tree.root).atlas)
    assert not env.globals  # no cycler, joiner, range, lipsum, namespace
    for payload in (
        "{{ cycler.__init__.__globals__.os }}",
        "{{ atlas.__class__.__mro__ }}",
        "{{ atlas['__cl' ~ 'ass__'] }}",
        "{{ (atlas|attr('__cl' ~ 'ass__')).__init__ }}",
        "{{ [].append(1) }}",
    ):
        with pytest.raises(
            BuildError, match=r"error\[E066\]: the template failed \((access|.*unsafe|.*undefined)"
        ):
            env.from_string(payload).render(atlas=check(small_tree.root).atlas)


def test_a_template_payload_that_check_cannot_see_fails_the_build_at_its_line(
    small_tree: Tree, tmp_path: Path
) -> None:
    override = small_tree.root / "_templates" / "print" / "volume.html.j2"
    override.parent.mkdir(parents=True)
    text = (templates_dir() / "print" / "volume.html.j2").read_text()
    text = text.replace("<body>", "<body>{{ atlas['__cl' ~ 'ass__'] }}", 1)
    override.write_text(text)
    line = text[: text.index("__cl")].count("\n") + 1
    check(small_tree.root)  # a built name: only the sandbox sees it, at render time
    out = tmp_path / "out"
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content=small_tree.root, out=out, formats=("pdf",), jobs=1))
    assert f"volume.html.j2:{line}: error[E066]:" in str(caught.value)
    assert "unsafe" in str(caught.value)
    assert not list(out.glob("pdf/*.pdf"))


def test_an_override_that_ignores_the_part_fails_the_build(
    small_tree: Tree, tmp_path: Path
) -> None:
    """A volume is laid out a part at a time: an override of volume.html.j2 written for one
    document would print every chapter in every part (a volume of repeated chapters)."""
    small_tree.article("1.020101", "A second chapter.\n")
    override = small_tree.root / "_templates" / "print" / "volume.html.j2"
    override.parent.mkdir(parents=True)
    text = (templates_dir() / "print" / "volume.html.j2").read_text()
    loop = "{% for chapter in volume.chapters if part is none or chapter is sameas part %}"
    assert loop in text
    override.write_text(text.replace(loop, "{% for chapter in volume.chapters %}"))
    out = tmp_path / "out"
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content=small_tree.root, out=out, formats=("pdf",), jobs=1))
    assert "printed 1.01, 1.02 in the part of chapter 1.01" in str(caught.value)
    assert not (out / "pdf" / "volume-1.pdf").exists()


def test_a_template_override_linked_from_outside_is_refused(
    small_tree: Tree, tmp_path: Path
) -> None:
    """The template loader and the stylesheet reader do not go through the fetcher."""
    (tmp_path / "secret.css").write_text("body { color: red }\n")
    css = small_tree.root / "_templates" / "print" / "print.css"
    css.parent.mkdir(parents=True)
    css.symlink_to(tmp_path / "secret.css")
    assert problems(small_tree) == [
        f"{css}: error[E003]: a symbolic link leads this file outside the content folder; "
        "copy the file in instead of linking to it"
    ]


def test_a_pdf_never_fetches_a_refused_resource(small_tree: Tree, deadline: None) -> None:
    """WeasyPrint with the restricted fetcher: refused resources never reach the page."""
    import weasyprint

    from atlas_publish.fetcher import RestrictedFetcher

    fetcher = RestrictedFetcher([small_tree.root])
    html = (
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>text</p>'
    )
    document = weasyprint.HTML(
        string=html, base_url=str(small_tree.root) + "/", url_fetcher=fetcher
    ).render()
    assert len(document.pages) == 1
    assert sorted(fetcher.refused) == [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "http://127.0.0.1:9/x.png",
    ]


# --- 2. nothing active --------------------------------------------------------------------------

HOSTILE_HTML = [
    ("<script>alert(1)</script>", ["<script", "alert(1)"]),
    ('<iframe src="http://example.com"></iframe>', ["<iframe", "example.com"]),
    ('<object data="x.swf"></object>', ["<object", "x.swf"]),
    ('<embed src="x.swf">', ["<embed", "x.swf"]),
    ('<form action="http://evil"><input name="a"><button>Go</button></form>', ["<form", "<input", "<button", "evil"]),
    ('<p onclick="steal()">Hi</p>', ["onclick", "steal"]),
    ('<img src="images/dot.png" onerror="steal()" alt="d">', ["onerror", "steal"]),
    ('<a href="javascript:alert(1)">x</a>', ["javascript"]),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', ["javascript", "JaVaScRiPt"]),
    ('<link rel="stylesheet" href="http://evil/x.css">', ["<link", "evil"]),
    ("<style>@import url(http://evil/x.css); p { color: red }</style>", ["<style", "@import", "evil"]),
    ('<meta http-equiv="refresh" content="0;url=http://evil">', ["<meta", "refresh", "evil"]),
    ("<svg><script>alert(2)</script><circle onload=\"x()\"/></svg>", ["<svg", "<script", "alert", "onload"]),
    ('<math><mi xlink:href="javascript:x()">m</mi></math>', ["javascript", "xlink"]),
    ('<base href="http://evil/">', ["<base", "evil"]),
    ('<div style="background:url(http://evil/a.png)">styled</div>', ["style=", "evil"]),
    ('<a href="data:text/html,&lt;script&gt;x&lt;/script&gt;">d</a>', ["data:"]),
]  # fmt: skip


@pytest.mark.parametrize(("html", "gone"), HOSTILE_HTML, ids=[h[:24] for h, _ in HOSTILE_HTML])
def test_active_raw_html_is_removed(small_tree: Tree, html: str, gone: list[str]) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    (folder / "images").mkdir()
    (folder / "images" / "dot.png").write_bytes(PNG)
    small_tree.article("1.010103", f"Before.\n\n{html}\n\nAfter.\n")
    body, _ = rendered(small_tree, "1.010103")
    for trace in gone:
        assert trace.lower() not in body.lower(), body
    assert "<p>Before.</p>" in body and "<p>After.</p>" in body


def test_removed_markup_is_a_warning_with_its_line(small_tree: Tree) -> None:
    path = small_tree.article(
        "1.010103", 'Text.\n\n<script>alert(1)</script>\n\n<p onclick="x()">Hi</p>\n'
    )
    _, warnings = rendered(small_tree, "1.010103")
    assert warnings == [
        f"{path}:8: warning[W064]: raw HTML: <script> is removed, the editions hold nothing "
        "that runs or fetches; delete it",
        f"{path}:10: warning[W064]: raw HTML: the attribute onclick= of <p> is removed, the "
        "editions hold nothing that runs or fetches; delete it",
    ]


def test_text_table_figure_image_and_language_markup_stays(small_tree: Tree) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    (folder / "images").mkdir()
    (folder / "images" / "dot.png").write_bytes(PNG)
    kept = [
        '<p lang="zh">中文</p>',
        '<span lang="fr" dir="ltr">bonjour</span>',
        '<figure><img src="images/dot.png" alt="A dot" width="10"><figcaption>Cap</figcaption></figure>',
        '<table><thead><tr><th scope="col">H</th></tr></thead><tbody><tr><td colspan="2">C</td></tr></tbody></table>',
        "<dl><dt>T</dt><dd>D</dd></dl>",
        '<abbr title="Software as a Service">SaaS</abbr> <sup>1</sup> <sub>2</sub> <mark>m</mark>',
        '<a href="https://example.com/">a link</a>',
    ]  # fmt: skip
    small_tree.article("1.010103", "\n\n".join(kept) + "\n")
    body, warnings = rendered(small_tree, "1.010103")
    for html in kept:
        assert html in body, html
    assert warnings == []


def test_nothing_active_in_a_built_epub(small_tree: Tree, tmp_path: Path, deadline: None) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    (folder / "images").mkdir()
    (folder / "images" / "dot.png").write_bytes(PNG)
    (tmp_path / "outside.png").write_bytes(PNG)
    (folder / "images" / "escape.png").symlink_to(tmp_path / "outside.png")
    hostile = "\n\n".join(h for h, _ in HOSTILE_HTML)
    small_tree.article(
        "1.010103",
        f"{hostile}\n\n![A dot](images/dot.png)\n\n"
        '<img src="images/escape.png" alt="e">\n\n<img src="http://example.com/r.png">\n',
    )
    out = tmp_path / "out"
    build(
        BuildOptions(content=small_tree.root, out=out, formats=("epub",), volumes=(1,), jobs=1,
                     lenient=True)
    )  # fmt: skip
    with zipfile.ZipFile(out / "epub" / "volume-1.epub") as epub:
        names = epub.namelist()
        for name in names:
            if name.endswith((".xhtml", ".html")):
                data = epub.read(name)
                assert active_parts(data) == [], name
                assert b"<script" not in data.lower() and b"javascript:" not in data.lower()
        images = [n for n in names if "/images/" in n]
    assert sorted(images) == [
        "EPUB/images/1-volume-1/01-chapter-01/dot.png",
        "EPUB/images/cover.png",  # generated by the writer
    ]


def test_active_parts_finds_what_runs() -> None:
    page = (
        b'<html xmlns="http://www.w3.org/1999/xhtml"><body onload="x()"><script>1</script>'
        b'<a href="javascript:x()">a</a><iframe/></body></html>'
    )
    assert active_parts(page) == [
        "onload= on <body>",
        "<script>",
        "href='javascript:x()' on <a>",
        "<iframe>",
    ]


# --- 3. the sandbox -----------------------------------------------------------------------------

ALLOWED = '{{ tag_table("TAG") }}, {{ count() }}, {{ count(stage=N) }}, {{ count(tag="TAG") }}'
NOT_ALLOWED = f"this expression is not allowed in an article; use {ALLOWED}"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{{ ''.__class__ }}", NOT_ALLOWED),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", NOT_ALLOWED),
        ("{{ cycler.__init__.__globals__.os }}", NOT_ALLOWED),
        ("{{ lipsum }}", NOT_ALLOWED),
        ("{{ lipsum.__globals__ }}", NOT_ALLOWED),
        ("{{ config }}", NOT_ALLOWED),
        ("{{ self._TemplateReference__context }}", NOT_ALLOWED),
        ("{{ count.__globals__ }}", NOT_ALLOWED),
        ("{{ range(10**9) }}", f"unknown function 'range': use {ALLOWED}"),
        ("{{ 'x' * 10**9 }}", NOT_ALLOWED),
        ("{{ 10**10**10 }}", NOT_ALLOWED),
        ("{{ 'a' ~ 'b' }}", NOT_ALLOWED),
        ("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
         f"'{{% for %}}' is not allowed in an article; use {ALLOWED}, or {{% raw %}}...{{% endraw %}} for literal braces"),
        ("{% set x = 'x' * 1000 %}", f"'{{% assign %}}' is not allowed in an article; use {ALLOWED}, or {{% raw %}}...{{% endraw %}} for literal braces"),
        ("{% macro m() %}{{ m() }}{% endmacro %}", f"'{{% macro %}}' is not allowed in an article; use {ALLOWED}, or {{% raw %}}...{{% endraw %}} for literal braces"),
        ("{{ count() | attr('__class__') }}", "unknown filter 'attr': only 'words' and 'capitalize'"),
        ("{{ 'abc' | words }}", "'words' writes out a whole number, not 'abc': e.g. {{ 23 | words }}"),
        ("{{ 99999999999999999999 | words }}", "99999999999999999999 is too large to write in words (the limit is 1,000,000,000)"),
        ("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", "expression nested too deeply; write one function call or number per {{ }}"),
        ("{{ 1" + " | words" * 3000 + " }}", "expression nested too deeply; write one function call or number per {{ }}"),
    ],
)  # fmt: skip
def test_sandbox_escapes_and_unbounded_expressions_are_errors_with_their_line(
    small_tree: Tree, expression: str, message: str, deadline: None
) -> None:
    path = small_tree.article("1.010103", f"Line one.\n\nThere: {expression}\n")
    assert problems(small_tree) == [f"{path}:8: error[E050]: {message}"]


def test_tag_tables_are_bounded(small_tree: Tree, deadline: None) -> None:
    body = "Intro.\n\n" + '{{ tag_table("S6_Customers") }}\n\n' * 100
    path = small_tree.article("1.010103", body)
    assert problems(small_tree) == [
        f"{path}:28: error[E050]: more than 10 tag tables in one article; split the article "
        "or combine the tags"
    ]


def test_expressions_are_bounded(small_tree: Tree, deadline: None) -> None:
    path = small_tree.article("1.010103", "Intro.\n\n" + "{{ count() }} " * 3000 + "\n")
    assert problems(small_tree) == [
        f"{path}:8: error[E050]: more than 2000 expressions in one article; split the article"
    ]


# --- 4. limits ----------------------------------------------------------------------------------


def test_an_article_over_1_mb_is_refused(small_tree: Tree, deadline: None) -> None:
    path = small_tree.article("1.010103", "word " * 210_000)
    size = path.stat().st_size
    assert problems(small_tree) == [
        f"{path}: error[E003]: file is {size:,} bytes, over the limit of 1,000,000; "
        "split it into several articles"
    ]


def test_an_image_over_20_mb_is_refused(small_tree: Tree, deadline: None) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01" / "images"
    folder.mkdir()
    with open(folder / "huge.png", "wb") as huge:
        huge.truncate(20_000_001)  # sparse: no 20 MB written
    path = small_tree.article("1.010103", "Text.\n\n![Huge](images/huge.png)\n")
    assert problems(small_tree) == [
        f"{path}:8: error[E061]: image 'images/huge.png' is over 20 MB; make it smaller"
    ]


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        (">" * 10_000 + " deep\n", 6, "lists or quotes"),
        ("".join("> " * i + "q\n" for i in range(1, 60)), 26, "lists or quotes"),
        ("".join("  " * i + "- x\n" for i in range(400)), 26, "lists or quotes"),
        ("".join(" " * (3 * i) + "1. x\n" for i in range(300)), 26, "lists or quotes"),
        ("Text.\n\n" + "<div>" * 10_000 + "x" + "</div>" * 10_000 + "\n", 8, "HTML elements"),
        ("Text.\n\n<div>\n" + "<span>" * 5_000 + "x\n</div>\n", 9, "HTML elements"),
    ],
    ids=["quotes-10000", "quotes-by-line", "bullets", "numbered", "divs-10000", "spans"],
)
def test_deep_nesting_is_refused_quickly(
    small_tree: Tree, body: str, line: int, what: str, deadline: None
) -> None:
    path = small_tree.article("1.010103", body)
    limit = 20 if what == "lists or quotes" else 60
    assert problems(small_tree) == [
        f"{path}:{line}: error[E060]: {what} nested more than {limit} deep; flatten them"
    ]


def test_nesting_within_the_limit_keeps_all_text(small_tree: Tree) -> None:
    small_tree.article("1.010103", "".join("  " * i + f"- level {i}\n" for i in range(20)))
    body, _ = rendered(small_tree, "1.010103")
    assert "level 19" in body  # markdown-it's default limit silently dropped it from level 10


def test_deeply_nested_yaml_is_an_error(small_tree: Tree, deadline: None) -> None:
    path = small_tree.article(
        "1.010103",
        front='number: "1.010103"\ntitle: T\nsummary: S\nkeywords: '
        + "[" * 3000
        + "]" * 3000
        + "\n",
    )
    assert problems(small_tree) == [
        f"{path}:2: error[E001]: YAML nested too deeply; write plain 'key: value' lines"
    ]


def test_yaml_alias_bombs_are_bounded(small_tree: Tree, deadline: None) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]  # fmt: skip
    path = small_tree.article("1.010103", front="\n".join(lines) + "\n")
    found = problems(small_tree)
    assert found[0].startswith(f"{path}:")
    assert "too much YAML (over 20000 values)" in found[0]


# --- 5. files -----------------------------------------------------------------------------------


def test_a_symlink_leaving_the_tree_is_refused(small_tree: Tree, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text('---\nnumber: "1.010103"\ntitle: T\nsummary: S\n---\nsecret\n')
    link = small_tree.root / "1-volume-1" / "01-chapter-01" / "1.010103-linked.md"
    link.symlink_to(outside)
    assert problems(small_tree) == [
        f"{link}: error[E003]: a symbolic link leads this file outside the content folder; "
        "copy the file in instead of linking to it"
    ]


def test_a_symlinked_folder_leaving_the_tree_is_refused(small_tree: Tree, tmp_path: Path) -> None:
    chapter = small_tree.chapter("1.02")
    small_tree.article("1.020101")
    outside = tmp_path / "elsewhere"
    chapter.rename(outside)
    chapter.symlink_to(outside)
    assert problems(small_tree) == [
        f"{chapter}: error[E003]: a symbolic link leads this folder outside the "
        "content folder; copy the folder in instead of linking to it"
    ]


def test_a_volume_folder_that_is_a_loop_of_links_is_one_error(small_tree: Tree) -> None:
    # a loop is no folder: it was ignored with a warning (W001), its volume silently gone
    loop = small_tree.root / "7-volume-7"
    loop.symlink_to(loop)
    assert problems(small_tree) == [
        f"{loop}: error[E003]: symbolic links that point at each other (a loop); "
        "remove or fix the link"
    ]


def test_a_symlinked_image_leaving_the_tree_is_refused(small_tree: Tree, tmp_path: Path) -> None:
    (tmp_path / "outside.png").write_bytes(PNG)
    folder = small_tree.root / "1-volume-1" / "01-chapter-01" / "images"
    folder.mkdir()
    (folder / "pic.png").symlink_to(tmp_path / "outside.png")
    path = small_tree.article("1.010103", "![Pic](images/pic.png)\n")
    assert problems(small_tree) == [
        f"{path}:6: error[E062]: image 'images/pic.png' is outside the content folder; copy it "
        "into the chapter's images/ folder (or build with --lenient to leave it out)"
    ]


def test_a_symlink_inside_the_tree_is_fine(small_tree: Tree) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    (folder / "images").mkdir()
    (folder / "images" / "real.png").write_bytes(PNG)
    (folder / "images" / "alias.png").symlink_to(folder / "images" / "real.png")
    small_tree.article("1.010103", "![Alias](images/alias.png)\n")
    check(small_tree.root)


def test_invalid_utf8_in_front_matter_and_body_names_the_line(small_tree: Tree) -> None:
    path = small_tree.article("1.010103")
    path.write_bytes(b'---\nnumber: "1.010103"\ntitle: Caf\xe9\nsummary: S\n---\nBody\n')
    assert problems(small_tree) == [
        f"{path}:3: error[E003]: not valid UTF-8 (byte 0xe9); save the file as UTF-8"
    ]


def test_bom_and_crlf_keep_line_numbers(small_tree: Tree) -> None:
    path = small_tree.article("1.010103", "Line one.\n\nSee [x](article:1.019999).\n")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert problems(small_tree) == [
        f"{path}:8: error[E040]: reference to article 1.019999, which does not exist; "
        "check the number"
    ]


def test_old_mac_line_ends_are_fine(small_tree: Tree) -> None:
    path = small_tree.article("1.010103", "Line one.\n")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    assert "1.010103" in [a.number for a in check(small_tree.root).atlas.articles]


# --- 6. atomic outputs and the lock -------------------------------------------------------------


def test_a_failed_write_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "volume-1.pdf"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("renderer died")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["volume-1.pdf"]


def test_stale_temporaries_are_removed_under_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "pdf").mkdir(parents=True)
    stale = [
        out / "pdf" / ".volume-1.pdf.ab12cd_9.part",
        out / "epub" / ".volume-2.epub.x1y2z3w4.raw",
    ]
    (out / "epub").mkdir()
    for path in stale:
        path.write_bytes(b"half")
    kept = [out / "pdf" / "volume-1.pdf", out / "pdf" / ".notes.txt"]
    for path in kept:
        path.write_bytes(b"x")
    with output_lock(out):
        pass
    assert all(not p.exists() for p in stale) and all(p.exists() for p in kept)
    assert remove_stale_temporaries(out) == []


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_lock(out), output_lock(out), output_lock(out / "."):
        assert (out / ".lock").read_text().strip() == str(os.getpid())


HOLD = """
import sys, time
from pathlib import Path
from atlas_publish.outputs import output_lock
with output_lock(Path(sys.argv[1]), lambda line: print(line, flush=True)):
    print("holding", flush=True)
    if sys.argv[2] == "until-told":  # held until a line comes on stdin: no race with a clock
        sys.stdin.readline()
    else:
        time.sleep(float(sys.argv[2]))
print("released", flush=True)
"""


def _holder(out: Path, seconds: float | str) -> subprocess.Popen[str]:
    holder = subprocess.Popen([PYTHON, "-c", HOLD, str(out), str(seconds)], env=ENV,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _holder(out, "until-told")
    second = subprocess.Popen([PYTHON, "-c", HOLD, str(out), "0"], env=ENV,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert second.stdout is not None
    waiting = second.stdout.readline()  # blocks until the second build says it waits
    first_output = first.communicate("go\n", timeout=60)[0]
    rest = second.communicate(timeout=60)[0]
    assert [waiting.rstrip("\n"), *rest.splitlines()] == [
        f"waiting for another build into {out} (pid {first.pid})…",
        "holding",
        "released",
    ]
    assert first_output.strip() == "released"


def test_a_second_build_gives_up_after_the_timeout(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _holder(out, 30)
    try:
        with pytest.raises(BuildError) as caught, output_lock(out, timeout=0.5):
            pass
        assert str(caught.value) == (
            f"another build into {out} (pid {first.pid}) is still running after 0 s; wait for "
            "it to finish, or build into another --out folder"
        )
    finally:
        first.kill()
        first.wait()
    with output_lock(out):  # a killed holder releases the lock
        pass


def test_build_takes_the_lock(small_tree: Tree, tmp_path: Path, deadline: None) -> None:
    out = tmp_path / "out"
    first = _holder(out, "until-told")
    lines: list[str] = []

    def report(line: str) -> None:
        lines.append(line)
        if line.startswith("waiting for another build"):  # now let the first one finish
            assert first.stdin is not None
            first.stdin.write("go\n")
            first.stdin.flush()

    build(BuildOptions(content=small_tree.root, out=out, formats=("epub",), volumes=(2,), jobs=1),
          report=report)  # fmt: skip
    first.wait(timeout=60)
    assert lines[0] == f"waiting for another build into {out} (pid {first.pid})…"
    assert (out / "epub" / "volume-2.epub").is_file()


def test_a_build_with_content_errors_leaves_no_folder(small_tree: Tree, tmp_path: Path) -> None:
    small_tree.article("1.010103", raw="no front matter\n")
    with pytest.raises(ContentError):
        build(BuildOptions(content=small_tree.root, out=tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def _complete(path: Path) -> bool:
    if path.suffix == ".pdf":
        result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True)
        return result.returncode == 0
    if path.suffix == ".epub":
        try:
            with zipfile.ZipFile(path) as epub:
                return epub.testzip() is None and epub.namelist()[0] == "mimetype"
        except zipfile.BadZipFile:
            return False
    return path.suffix == ".json"


def session_members(session: int) -> list[int]:
    """Live processes (zombies left out) of a session, from /proc."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session and fields[0] != "Z":  # state, ppid, pgrp, session
                found.append(int(stat_file.parent.name))
    return found


def _gone(session: int, timeout: float = 30.0) -> bool:
    """Whether every process of ``session`` ends within ``timeout`` (polled, for a busy machine)."""
    deadline = time.monotonic() + timeout
    while session_members(session):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_killed_builds_leave_previous_or_new_complete_files(
    small_tree: Tree, tmp_path: Path
) -> None:
    """kill -9 at several moments: each output is the old or the new complete file."""
    need("qpdf")
    out = tmp_path / "out"
    command = [
        PYTHON,
        "-m",
        "atlas_publish.cli",
        "build",
        "--content",
        str(small_tree.root),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--lenient",
    ]  # fmt: skip  (proof faults of a tiny tree)
    subprocess.run(command, env=ENV, check=True, capture_output=True, timeout=300)
    previous = {
        p: p.read_bytes()
        for p in out.rglob("*.*")
        if p.is_file() and p.suffix in (".pdf", ".epub") and ".cache" not in p.parts
    }  # the outputs, not the print parts the cache keeps
    assert len(previous) == 4  # two volumes, two formats
    small_tree.article("1.010103", "A new article changes every volume-1 file.\n")
    for delay in (0.3, 1.5, 3.0, 5.0):
        build_process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        time.sleep(delay)
        os.killpg(build_process.pid, signal.SIGKILL)  # the build and its workers, as a whole
        build_process.wait()
        for path in out.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                assert _complete(path), f"{path} is incomplete after kill -9 at {delay} s"
    # Only the main process killed: its orphaned workers must not keep the next build waiting.
    orphaning = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip

    def alive() -> list[str]:
        """The session's processes that still run: zombies (dead, not yet reaped by PID 1 on
        a busy machine) are not running anything."""
        listed = subprocess.run(["ps", "-o", "pid=,stat=", "-s", str(orphaning.pid)],
                                capture_output=True, text=True).stdout  # fmt: skip
        return [line for line in listed.splitlines() if not line.split()[1].startswith("Z")]

    started = time.monotonic()  # the kill comes once the workers run (or after 60 s)
    while len(alive()) < 2 and orphaning.poll() is None and time.monotonic() - started < 60:
        time.sleep(0.05)
    orphaning.kill()
    orphaning.wait()
    deadline = time.monotonic() + 30
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive() == [], "workers outlived the killed build"  # PR_SET_PDEATHSIG
    try:
        finished = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(orphaning.pid, signal.SIGKILL)  # the orphans, if any are left
    assert finished.returncode == 0, finished.stderr
    assert "waiting for another build" not in finished.stdout
    leftovers = [p for p in out.rglob(".*") if p.name != ".lock" and p.name != ".cache"]
    assert leftovers == []  # the next build removed what killed builds left
    for path in previous:
        assert _complete(path)


def test_lenient_build_leaves_refused_resources_out(
    small_tree: Tree, tmp_path: Path, capsys: pytest.CaptureFixture[str], deadline: None
) -> None:
    """Without --lenient a refused resource stops the build; with it, the PDF is built."""
    from atlas_publish.cli import main

    need("qpdf")
    css = small_tree.root / "_templates" / "print" / "print.css"
    css.parent.mkdir(parents=True)
    project_css = (templates_dir() / "print" / "print.css").read_text()
    css.write_text(
        '@import "http://127.0.0.1:9/theme.css";\n'
        + project_css.replace("url(../fonts/", f"url({templates_dir().as_uri()}/fonts/")
        + "\nh1 { background: url(file:///etc/passwd); }\n"
    )
    article = small_tree.article("1.010103", '<img src="http://127.0.0.1:9/x.png" alt="x">\n')
    out = tmp_path / "out"
    args = ["build", "--content", str(small_tree.root), "--out", str(out), "--format", "pdf",
            "--volume", "1", "--jobs", "1"]  # fmt: skip
    assert main(args) == 1
    refused = [line for line in capsys.readouterr().err.splitlines() if "[E062]" in line]
    assert [line.split(": error")[0] for line in refused] == [
        f"{article}:6",
        f"{css}:1",
        f"{css}:{project_css.count(chr(10)) + 3}",
    ]
    assert not out.exists()
    assert main([*args, "--lenient"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert sum("warning[W062]" in line for line in printed) == 3
    result = subprocess.run(["qpdf", "--check", str(out / "pdf" / "volume-1.pdf")])
    assert result.returncode == 0


@pytest.mark.parametrize(
    ("unit", "paragraph", "size"),
    [("![", 4_000, 990_000), ("[^", 4_000, 990_000), ("[", 19_000, 990_000),
     ("[x](", 19_000, 990_000), ("*a**", 19_000, 100_000), ("_a ", 19_000, 100_000),
     ("|a|b|\n|-|-|\n", 0, 100_000), ("<a ", 19_000, 100_000), ("&", 19_000, 100_000)],
)  # fmt: skip
def test_pathological_articles_finish(
    small_tree: Tree, unit: str, paragraph: int, size: int, deadline: None
) -> None:
    """What markdown-it is slowest on: an answer, quickly. Runs of '[' are refused (their cost
    grows with what follows); dense markup is linear but slow (about 20 us a character, a
    hundred times prose), so it is tried at 100 KB, not at the 1 MB limit."""
    chunk = unit * (paragraph // len(unit)) + "\n\n" if paragraph else unit
    body = chunk * (size // len(chunk))
    small_tree.article("1.010103", body)
    try:
        check(small_tree.root)
    except ContentError as error:
        assert all(d.location.line for d in error.diagnostics)


# --- issue 17: special files, size while reading -------------------------------------------


def test_a_device_as_an_article_is_refused_unread(small_tree: Tree, deadline: None) -> None:
    if os.geteuid() != 0:
        pytest.skip("mknod needs root (CI runs as root)")
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    os.mknod(folder / "1.010104-zero.md", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    assert problems(small_tree) == [
        f"{folder / '1.010104-zero.md'}: error[E003]: this is a device, not a regular file: "
        "only regular files are read; put the file itself here"
    ]


def test_import_refuses_fifos_and_devices_unread(
    small_tree: Tree, tmp_path: Path, deadline: None
) -> None:
    from atlas_publish.importer import import_files

    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    result = import_files([fifo, Path("/dev/zero")], small_tree.root, dry_run=True)
    assert [f.status for f in result.files] == ["failed", "failed"]
    assert "named pipe (FIFO)" in result.files[0].message
    assert "a device" in result.files[1].message


def test_the_size_limit_holds_while_reading(tmp_path: Path) -> None:
    from atlas_publish.content.files import NotReadable, read_regular

    path = tmp_path / "a.md"
    path.write_bytes(b"x" * 101)
    assert read_regular(path, 101) == b"x" * 101
    with pytest.raises(NotReadable, match="over the limit of 100"):
        read_regular(path, 100)


def test_the_lock_follows_no_symlink_and_truncates_no_other_file(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lock").symlink_to(victim)
    with pytest.raises(BuildError, match="is a symbolic link"), output_lock(out):
        pass
    assert victim.read_text() == "precious\n"
    (out / ".lock").unlink()
    os.link(victim, out / ".lock")  # a hard link: the same file under the lock's name
    with pytest.raises(BuildError, match="not a lock file"), output_lock(out):
        pass
    assert victim.read_text() == "precious\n"
    (out / ".lock").unlink()
    (out / ".lock").write_text("notes of mine\n")
    with pytest.raises(BuildError, match="not a lock file"), output_lock(out):
        pass
    assert (out / ".lock").read_text() == "notes of mine\n"
    (out / ".lock").write_text("12345\n")  # a previous build's: taken over
    with output_lock(out):
        assert (out / ".lock").read_text() == f"{os.getpid()}\n"


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (4, 4)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_epub_image_names_never_collide(small_tree: Tree, tmp_path: Path, deadline: None) -> None:
    """A picture named like the generated cover, and one name in two folders of a chapter."""
    folder = small_tree.root / "1-volume-1" / "01-chapter-01"
    (folder / "images").mkdir()
    red, green, blue = _png((255, 0, 0)), _png((0, 255, 0)), _png((0, 0, 255))
    (small_tree.root / "cover.png").write_bytes(red)
    (folder / "images" / "a.png").write_bytes(green)
    (folder / "a.png").write_bytes(blue)
    small_tree.article(
        "1.010103",
        "![Red](../../cover.png)\n\n![Green](images/a.png)\n\n![Blue](a.png)\n",
    )
    out = tmp_path / "out"
    build(BuildOptions(content=small_tree.root, out=out, formats=("epub",), volumes=(1,), jobs=1))
    from atlas_publish.writers.epub import read_cover

    with zipfile.ZipFile(out / "epub" / "volume-1.epub") as epub:
        chapter = epub.read("EPUB/chapter-1.01.xhtml").decode()
        sources = re.findall(r'<img src="([^"]+)"', chapter)
        assert len(set(sources)) == 3, sources
        assert [epub.read(f"EPUB/{s}") for s in sources] == [red, green, blue]
        assert len(epub.namelist()) == len(set(epub.namelist()))
    assert read_cover(out / "epub" / "volume-1.epub") not in (red, green, blue)


def test_a_pdf_weasyprint_complained_about_never_replaces_the_good_one(
    small_tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deadline: None
) -> None:
    import logging

    from atlas_publish.editions import print_parts as edition
    from atlas_publish.editions.print import PdfJob

    atlas = check(small_tree.root).atlas
    target = tmp_path / "volume-2.pdf"
    untagged = BuildContext(pdf_variant=None, proof_warns=True)
    edition.render_volume_pdf(PdfJob(atlas, 2, target, untagged))
    good = target.read_bytes()
    complete = edition._check_complete

    def complaining(layout: object, volume: object) -> None:
        logging.getLogger("weasyprint").error("Failed to load image at 'x.png'")
        complete(layout, volume)  # type: ignore[arg-type]

    monkeypatch.setattr(edition, "_check_complete", complaining)
    with pytest.raises(BuildError, match="Failed to load image"):
        edition.render_volume_pdf(PdfJob(atlas, 2, target, untagged))
    assert target.read_bytes() == good
    assert not list(tmp_path.glob(".volume-2.pdf.*"))  # no temporary left


def test_a_picture_broken_after_check_fails_the_writer_and_keeps_the_pdf(
    small_tree: Tree, tmp_path: Path, deadline: None
) -> None:
    from atlas_publish.editions.print import PdfJob
    from atlas_publish.editions.print_parts import render_volume_pdf

    folder = small_tree.root / "2-volume-2" / "01-chapter-01" / "images"
    folder.mkdir()
    (folder / "dot.png").write_bytes(_png((9, 9, 9)))
    small_tree.article("2.010102", "![A dot](images/dot.png)\n")
    atlas = check(small_tree.root).atlas
    target = tmp_path / "volume-2.pdf"
    untagged = BuildContext(pdf_variant=None, proof_warns=True)
    render_volume_pdf(PdfJob(atlas, 2, target, untagged))
    good = target.read_bytes()
    (folder / "dot.png").write_bytes(os.urandom(5000))
    with pytest.raises(BuildError, match=r"image 'images/dot.png' is not a PNG picture"):
        render_volume_pdf(PdfJob(atlas, 2, target, untagged))
    assert target.read_bytes() == good


def test_svg_that_is_clean_passes(small_tree: Tree) -> None:
    folder = small_tree.root / "1-volume-1" / "01-chapter-01" / "images"
    folder.mkdir()
    (folder / "ok.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10" height="10"><defs><linearGradient id="g"/></defs>'
        '<rect width="10" height="10" style="fill: url(#g)"/><use xlink:href="#g"/></svg>'
    )
    small_tree.article("1.010103", "![Fine](images/ok.svg)\n")
    assert check(small_tree.root).warnings == ()


def test_a_volume_over_its_article_limit_is_refused_once(
    small_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atlas_publish.content import load

    monkeypatch.setattr(load, "MAX_ARTICLES_PER_VOLUME", 2)
    path = small_tree.article("1.010103")
    small_tree.article("1.010104")
    assert problems(small_tree) == [
        f"{path}:2: error[E032]: volume 1 holds more than 2 articles, the limit for one volume "
        "(it is laid out as one document): move chapters to another volume"
    ]


def test_a_huge_picture_is_refused_quickly_and_quietly(
    small_tree: Tree, capfd: pytest.CaptureFixture[str], deadline: None
) -> None:
    """A 13000 x 13000 PNG of 20 KB: refused from its header, no Pillow warning on stderr."""
    from PIL import Image

    folder = small_tree.root / "1-volume-1" / "01-chapter-01" / "images"
    folder.mkdir()
    Image.new("1", (6000, 6000)).save(folder / "big.png")
    path = small_tree.article("1.010103", "![Big](images/big.png)\n")
    assert problems(small_tree) == [
        f"{path}:6: error[E061]: image 'images/big.png' is 6000 x 6000 pixels, over the limit "
        "of 25,000,000 pixels: scale it down (a full page at 300 dpi is about 1800 x 2700)"
    ]
    assert "DecompressionBomb" not in capfd.readouterr().err


def test_an_address_built_at_run_time_never_reaches_an_epub(
    small_tree: Tree, tmp_path: Path, deadline: None
) -> None:
    """check cannot follow 'ht' ~ 'tp://...'; the finished document is looked at before writing."""
    override = small_tree.root / "_templates" / "epub" / "chapter.xhtml.j2"
    override.parent.mkdir(parents=True)
    override.write_text(
        (templates_dir() / "epub" / "chapter.xhtml.j2")
        .read_text()
        .replace(
            '<body epub:type="bodymatter">',
            "<body epub:type=\"bodymatter\">\n<img src=\"{{ 'ht' ~ 'tp://127.0.0.1:8765/p.png' }}\" "
            "alt=\"\"/><a href=\"{{ 'fi' ~ 'le:///etc/passwd' }}\">x</a>",
        )
    )
    check(small_tree.root)  # nothing to see in the template's text
    out = tmp_path / "out"
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content=small_tree.root, out=out, formats=("epub",), volumes=(1,),
                           jobs=1))  # fmt: skip
    message = str(caught.value)
    assert message.startswith(f"{out / 'epub' / 'volume-1.epub'}: not written: chapter-1.01.xhtml")
    assert "'http://127.0.0.1:8765/p.png' on <img>" in message
    assert "a link to 'file:///etc/passwd' on <a>" in message
    assert not (out / "epub" / "volume-1.epub").exists()


def test_remote_parts_finds_every_way_out() -> None:
    from atlas_publish.resources import remote_parts, stylesheet_remote_parts

    page = (
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:svg="http://www.w3.org/2000/svg">'
        "<head><style>p { background: u\\72 l(//evil.example/a) }</style></head><body>"
        '<img src="images/ok.png" srcset="ok.png 1x, https://evil.example/b.png 2x" alt=""/>'
        '<p style="background-image: url(&quot;http://evil.example/c&quot;)">x</p>'
        '<video poster="/etc/d.png"/><svg:svg><svg:image href="file:///e.png"/></svg:svg>'
        '<a href="https://fine.example/">fine</a><a href="mailto:a@b.c">fine</a>'
        '<a href="chapter-1.01.xhtml#x">fine</a><a href="file:///home/me/f.html">f</a>'
        "</body></html>"
    )
    assert remote_parts(page.encode()) == [
        "'//evil.example/a' on <style>",
        "'https://evil.example/b.png' on <img>",
        "'http://evil.example/c' on <p>",
        "'/etc/d.png' on <video>",
        "'file:///e.png' on <image>",
        "a link to 'file:///home/me/f.html' on <a>",
    ]
    assert stylesheet_remote_parts("a { b: url(#x) }\n@import 'x.css';") == ["'x.css' (line 2)"]


def test_no_pdf_link_names_a_file_of_the_build_machine(
    small_tree: Tree, tmp_path: Path, deadline: None
) -> None:
    from pypdf import PdfReader

    small_tree.article("1.010103", "[web](https://example.com/) and [](article:1.010101).\n")
    out = tmp_path / "out"
    build(BuildOptions(content=small_tree.root, out=out, formats=("pdf",), volumes=(1,), jobs=1,
                       pdf_variant=None, lenient=True))  # fmt: skip
    uris = []
    for page in PdfReader(out / "pdf" / "volume-1.pdf").pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
    assert uris == ["https://example.com/"]


def test_an_expression_failing_as_it_runs_names_its_own_line(
    small_tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atlas_publish.indexes import Indexes

    relating_to = Indexes.relating_to

    def broken(self: Indexes, stage: int) -> object:
        if stage == 7:  # stage 6's index is written by the stage article; 7 has none
            raise ValueError("no such stage")
        return relating_to(self, stage)

    monkeypatch.setattr(Indexes, "relating_to", broken)
    path = small_tree.article("1.010103", "One.\n\nTwo.\n\nThree: {{ count(stage=7) }}.\n")
    assert problems(small_tree) == [f"{path}:10: error[E050]: expression failed: no such stage"]


def test_an_out_folder_that_is_a_file_or_inside_the_content_is_refused(
    small_tree: Tree, tmp_path: Path
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    with pytest.raises(BuildError, match=r"--out .*afile is a file, not a folder"):
        build(BuildOptions(content=small_tree.root, out=afile, formats=("epub",)))
    assert afile.read_text() == "mine\n"
    inner = small_tree.root / "build"
    with pytest.raises(BuildError, match="is inside the content folder"):
        build(BuildOptions(content=small_tree.root, out=inner, formats=("epub",)))
    assert not inner.exists()


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        (errno.EROFS, "build into a folder you can write to (--out DIR)"),
        (errno.ENOSPC, "free some space, or build into another --out folder"),
    ],
)
def test_a_disk_that_refuses_writes_is_one_line_naming_the_output(
    small_tree: Tree, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, advice: str
) -> None:
    from atlas_publish.writers import epub

    def refusing(target: Path) -> object:
        raise OSError(code, os.strerror(code), str(target))

    monkeypatch.setattr(epub, "atomic_path", refusing)  # forked workers inherit it
    out = tmp_path / "out"
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(content=small_tree.root, out=out, formats=("epub",), volumes=(1,),
                           jobs=1))  # fmt: skip
    target = out / "epub" / "volume-1.epub"
    assert str(caught.value) == (
        f"{target}: cannot write ({os.strerror(code)}): {advice}; finished files are complete, "
        "unfinished ones were not written"
    )


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _wait_for(condition: object, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("how", ["kill", "interrupt"])
def test_epubcheck_dies_with_its_parent_and_leaves_no_temporaries(
    small_tree: Tree, tmp_path: Path, how: str
) -> None:
    from atlas_publish.validate import epubcheck_available, remove_stale_work

    if not epubcheck_available():
        pytest.skip("EPUBCheck needs Java (run make setup)")
    out = tmp_path / "out"
    build(BuildOptions(content=small_tree.root, out=out, formats=("epub",), jobs=1))
    work = tmp_path / "work"
    books = [str(p) for p in sorted((out / "epub").glob("*.epub"))] * 4  # a run of some seconds
    script = (
        "import sys; from pathlib import Path; from atlas_publish.validate import epubcheck\n"
        "epubcheck([Path(p) for p in sys.argv[2:]], jobs=2, work=Path(sys.argv[1]))\n"
    )
    checker = subprocess.Popen([PYTHON, "-c", script, str(work), *books], env=ENV,
                               start_new_session=True, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        assert _wait_for(lambda: any("EpubCheckBatch" in _cmdline(p)
                                     for p in session_members(checker.pid))), "Java never started"  # fmt: skip
        javas = [p for p in session_members(checker.pid) if "EpubCheckBatch" in _cmdline(p)]
        if how == "kill":
            checker.kill()  # the Python process only: Java must follow it
        else:
            checker.send_signal(signal.SIGINT)
        checker.wait(timeout=60)
        assert _gone(checker.pid), "Java outlived the process that started it"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(checker.pid, signal.SIGKILL)
    if how == "interrupt":
        assert list(work.iterdir()) == []  # cleaned on the way out
    else:
        remove_stale_work(work)  # what dist does before its next run
        assert list(work.iterdir()) == []
    for java in javas:  # no performance-data file of Java's left in /tmp
        assert not list(Path(tempfile.gettempdir()).glob(f"hsperfdata_*/{java}"))


def _outputs_now(out: Path) -> dict[str, int]:
    """Each finished output's name and inode: a rename onto a name changes its inode."""
    return {
        str(p.relative_to(out)): p.stat().st_ino
        for p in out.rglob("*")
        if p.is_file() and p.suffix in (".pdf", ".epub") and not p.name.startswith(".")
    }


@pytest.mark.parametrize("to", ["group", "build"])
def test_ctrl_c_stops_the_build_promptly_and_writes_nothing_after_it(
    small_tree: Tree, tmp_path: Path, to: str
) -> None:
    """SIGINT to the whole group (Ctrl-C in a terminal) or to the build process alone."""
    # layouts of some seconds: a volume is laid out in a child of its worker (memory.py), and
    # the test waits for a process to have used a second of CPU
    for number in ("1.010103", "1.010104", "2.010102", "2.010103"):
        small_tree.article(number, "\n\n".join(["A paragraph of text. " * 40] * 150))
    out = tmp_path / "out"
    command = [PYTHON, "-m", "atlas_publish.cli", "build", "--content", str(small_tree.root),
               "--out", str(out), "--jobs", "2", "--lenient", "--quiet"]  # fmt: skip
    build_process = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        # Workers are laying out when they have a volume's temporary file or used CPU for a
        # while; waiting for their first lines of output is enough here: the check is done.
        assert _wait_for(lambda: len(session_members(build_process.pid)) >= 3), "no workers"
        assert _wait_for(lambda: _workers_busy(build_process.pid)), "workers never laid out"
        before = _outputs_now(out)
        if to == "group":
            os.killpg(build_process.pid, signal.SIGINT)
        else:
            build_process.send_signal(signal.SIGINT)
        _, stderr = build_process.communicate(timeout=120)
        assert _gone(build_process.pid), "a worker outlived the interrupted build"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build_process.pid, signal.SIGKILL)
    assert build_process.returncode == 130, stderr
    assert stderr.strip().endswith(
        "interrupted; finished files are complete, unfinished ones were not written"
    ), stderr
    assert "Traceback" not in stderr
    assert _outputs_now(out) == before  # nothing renamed into place after the signal
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".pdf", ".epub"):
            assert _complete(path)


def _workers_busy(session: int) -> bool:
    """Whether a process of the session other than its leader has used a second of CPU."""
    for pid in session_members(session):
        if pid == session:
            continue
        with contextlib.suppress(OSError):
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            if (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") >= 1.0:
                return True
    return False


def test_a_template_link_to_a_file_never_reaches_the_pdf(
    small_tree: Tree, tmp_path: Path, deadline: None
) -> None:
    override = small_tree.root / "_templates" / "print" / "volume.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text(
        (templates_dir() / "print" / "volume.html.j2")
        .read_text()
        .replace("<body>", '<body><a href="notes/draft.html">Draft</a>', 1)
    )
    assert problems(small_tree) == [
        f"{override}:14: error[E041]: the link 'notes/draft.html' points to a file, which no "
        "edition carries (the PDF would hold this computer's path): link a web page with "
        "https://..., or remove the link"
    ]
    override.write_text(  # built at run time: check cannot see it; the writer does
        override.read_text().replace('"notes/draft.html"', "\"{{ 'notes/' ~ 'draft.html' }}\"")
    )
    out = tmp_path / "out"
    with pytest.raises(BuildError, match=r"the PDF would link to files of this computer \(file://"):
        build(BuildOptions(content=small_tree.root, out=out, formats=("pdf",), volumes=(1,),
                           jobs=1, lenient=True))  # fmt: skip
    assert not (out / "pdf" / "volume-1.pdf").exists()
