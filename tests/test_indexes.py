"""Generated indexes: the stage index (golden HTML), tag tables, and the back matter of each
volume (by stage, by tag, keywords A-Z) as records, as HTML, and in the real PDF and EPUB."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from atlas_publish.backmatter import (
    Locator,
    build_back_matter,
    page_locators,
    runs,
    volume_page_locators,
)
from atlas_publish.context import BuildContext
from atlas_publish.editions import epub as epub_edition
from atlas_publish.editions.epub import EpubLinks
from atlas_publish.editions.print import PrintLinks
from atlas_publish.pipeline import BuildOptions, build, check
from atlas_publish.render import environment, page_runs, stage_index_html, tag_table_html
from atlas_publish.validate import epubcheck, epubcheck_available
from atlas_publish.writers.backmatter_pdf import continuation_css, volume_back_matter

from .conftest import Tree, golden_file, need, run_text, spine_of


def _front(number: str, title: str, stages: str = "[]", tags: str = "[]", keywords: str = "[]"):
    return (
        f'number: "{number}"\ntitle: {title}\nsummary: The summary of {number}.\n'
        f"stages: {stages}\ntags: {tags}\nkeywords: {keywords}\n"
    )


def _stage_index(tree: Tree, links: object | None = None) -> str:
    checked = check(tree.root)
    links = links or PrintLinks(1, tree.root)
    article = checked.indexes.articles["1.010102"]
    html = stage_index_html(environment(checked.atlas), article, checked.indexes, links, level=5)  # type: ignore[arg-type]
    assert html is not None
    return str(html)


def _sentences(html: str) -> str:
    paragraph = re.search(r"<p>(.*?)</p>", html, re.S)
    assert paragraph
    return re.sub(r"<[^>]+>", "", paragraph.group(1)).replace("\u00a0", " ")


# --- the stage index --------------------------------------------------------------------------


def test_stage_index_golden(small_tree: Tree) -> None:
    """The exact HTML of a stage index in print: same-volume rows link (and get their page from
    CSS), another volume's row names the volume."""
    small_tree.article("2.010102", "More.\n", front=_front("2.010102", "A <Bold> & Brave Move",
                                                           "[6]", "[S6_Customers]"))  # fmt: skip
    html = _stage_index(small_tree, PrintLinks(1, small_tree.root))
    golden_file("stage_index.html", html)


def test_twenty_three_of_them(tree: Tree) -> None:
    tree.volume(1)
    tree.volume(2)
    for n in range(1, 26):
        volume, article = (1, n) if n <= 12 else (2, n - 12)
        number = f"{volume}.0101{article:02d}"
        tags = "[S6_Customers]" if n != 2 and n <= 24 else "[]"
        tree.article(number, "Text.\n", front=_front(number, f"Article {n}", "[6]", tags))
    assert _sentences(_stage_index(tree)) == (
        "Twenty-five articles in the handbook relate to stage 6. "
        "Twenty-three of them are among the Stage 6 essentials:"
    )


@pytest.mark.parametrize(
    ("articles", "wording"),
    [
        ([("1.010102", "[6]", "[S6_Customers]")],
         "One article in the handbook relates to stage 6. One of them is among the Stage 6 essentials:"),
        ([("1.010102", "[6]", "[]")],
         "One article in the handbook relates to stage 6. None of them is among the Stage 6 essentials yet."),
        ([("1.010102", "[]", "[]")],
         "No article in the handbook relates to stage 6 yet. No article is among the Stage 6 essentials yet."),
        ([("1.010102", "[6]", "[S6_Customers]"), ("1.010103", "[7]", "[S6_Customers]")],
         "One article in the handbook relates to stage 6. Two articles are among the Stage 6 essentials:"),
    ],
)  # fmt: skip
def test_stage_index_wording(
    tree: Tree, articles: list[tuple[str, str, str]], wording: str
) -> None:
    tree.volume(1)
    for number, stages, tags in articles:
        tree.article(number, "Text.\n", front=_front(number, f"T {number}", stages, tags))
    html = _stage_index(tree)
    assert _sentences(html) == wording
    assert ("<table" in html) == wording.endswith(":")


def test_tag_table_rows_by_number_print_and_epub(small_tree: Tree) -> None:
    small_tree.article("1.010100", "Zero.\n", front=_front("1.010100", "First", "[]", "[S6_Customers]"))  # fmt: skip
    checked = check(small_tree.root)
    env = environment(checked.atlas)
    rows = r'<td class="number">([\d.]+)</td>\s*<td class="title">(.*?)</td>'
    printed = tag_table_html(env, "S6_Customers", checked.indexes, PrintLinks(1, small_tree.root))
    assert re.findall(rows, printed) == [
        ("1.010100", '<a class="xref xref-page" href="#article-1.010100">First</a>'),
        ("1.010102", '<a class="xref xref-page" href="#article-1.010102">Has Some Customers</a>'),
        ("2.010101", "Closing Time (Volume\u00a02)"),  # the number has its own column
    ]
    volume = checked.atlas.volume(1)
    ebook = tag_table_html(env, "S6_Customers", checked.indexes,
                           EpubLinks(volume, small_tree.root))  # fmt: skip
    assert re.findall(rows, ebook)[1:] == [
        ("1.010102", '<a class="xref" href="chapter-1.01.xhtml#article-1.010102">Has Some Customers</a>'),
        ("2.010101", "Closing Time (Volume\u00a02)"),  # an ebook names no print page
    ]  # fmt: skip


# --- back matter records and locators ---------------------------------------------------------


def _indexed_tree(tree: Tree) -> Tree:
    tree.volume(1, "Beginnings")
    tree.volume(2, "Endings")
    rows = [
        ("1.010101", "[6]", "[S6_Customers]", "[Scalability, Focus]"),
        ("1.010102", "[6]", "[S6_Customers]", "[Scalability]"),
        ("1.010103", "[7]", "[S7_Repeatable]", "[scalability, Zebra, 3D printing]"),
        ("1.010104", "[]", "[]", "[Éclair]"),
        ("1.010105", "[6, 7]", "[S6_Customers, Misc]", "[Scalability]"),
        ("2.010101", "[6]", "[S6_Customers]", "[Scalability, Endgame]"),
    ]
    filler = "A sentence of ordinary length to fill the page with text. " * 40
    for number, stages, tags, keywords in rows:
        tree.article(number, f"{filler}\n", front=_front(number, f"Title {number}", stages, tags, keywords))  # fmt: skip
    return tree


def test_back_matter_of_a_volume(tree: Tree) -> None:
    checked = check(_indexed_tree(tree).root)
    matter = build_back_matter(checked.indexes, checked.atlas.volume(1).articles)
    assert [(g.heading, [a.number for a in g.articles], g.elsewhere) for g in matter.stages] == [
        ("Stage 6: Has some customers", ["1.010101", "1.010102", "1.010105"], 1),
        ("Stage 7: Has repeatable sales", ["1.010103", "1.010105"], 0),
    ]
    assert [(g.heading, [a.number for a in g.articles], g.elsewhere) for g in matter.tags] == [
        ("Misc", ["1.010105"], 0),  # the reader sees labels, never a stage tag's ID
        ("Stage\u00a06 essentials", ["1.010101", "1.010102", "1.010105"], 1),
        ("Stage\u00a07 essentials", ["1.010103"], 0),
    ]
    keywords = [(letter.letter, [(e.keyword, [a.number for a in e.articles]) for e in letter.entries])
                for letter in matter.keywords]  # fmt: skip
    assert keywords == [
        ("#", [("3D printing", ["1.010103"])]),
        ("E", [("Éclair", ["1.010104"])]),
        ("F", [("Focus", ["1.010101"])]),
        ("S", [("Scalability", ["1.010101", "1.010102", "1.010103", "1.010105"])]),
        ("Z", [("Zebra", ["1.010103"])]),
    ]  # 'scalability' is 'Scalability'; 'Endgame' is in volume 2 only


def test_runs_and_locators(small_tree: Tree) -> None:
    assert runs([17, 12, 15, 16, 12]) == [(12, 12), (15, 17)]
    assert page_runs([12, 15, 16, 17]) == "12, 15–17"
    checked = check(small_tree.root)
    articles = list(checked.indexes.articles.values())
    folios = {"article-1.010101": 3, "article-1.010102": 4, "article-2.010101": 9}
    assert page_locators(articles, folios) == (
        Locator("3–4", "article-1.010101"),
        Locator("9", "article-2.010101"),
    )
    where = {"article-1.010101": (1, 3), "article-1.010102": (1, 4), "article-2.010101": (2, 9)}
    texts = [(loc.lead, loc.text) for loc in volume_page_locators(articles, where)]
    assert texts == [("; ", "1:3–4"), ("; ", "2:9")]
    assert continuation_css(10, 5).startswith("html { break-before: right; } .bm-start")
    assert continuation_css(11, 6) == "html { break-before: left; } @page :first { counter-reset: page 6; }"  # fmt: skip


def test_print_back_matter_html_has_the_layouts_pages(tree: Tree) -> None:
    checked = check(_indexed_tree(tree).root)
    folios = {
        f"article-1.01010{n}": page for n, page in zip(range(1, 6), (2, 3, 4, 5, 7), strict=True)
    }
    html = volume_back_matter(checked.atlas, checked.indexes, checked.atlas.volume(1), folios)
    assert html is not None
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Stage 6: Has some customers 1.010101 Title 1.010101 2 1.010102 Title 1.010102 3 " \
           "1.010105 Title 1.010105 7 One more in other volumes." in text  # fmt: skip
    assert "Scalability 2–4 , 7" in text
    assert '<a href="#article-1.010101">2–4</a>, <a href="#article-1.010105">7</a>' in html


# --- the real files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("indexed")
    tree = _indexed_tree(Tree(base / "content"))
    build(BuildOptions(content=tree.root, out=base / "out", formats=("pdf", "epub", "complete"),
                       jobs=1))  # fmt: skip
    return base / "out"


def _pdf_pages(pdf: Path) -> list[str]:
    need("pdftotext")
    return [" ".join(p.split()) for p in run_text("pdftotext", str(pdf), "-").split("\f")][:-1]


def _start_folio(text: list[str], number: str) -> int:
    first_opener = next(i for i, p in enumerate(text) if p.startswith("CHAPTER"))
    start = next(i for i, p in enumerate(text) if f"{number} Title {number} The summary" in p)
    return start - first_opener + 1


def test_pdf_index_pages_are_where_the_articles_start(built: Path) -> None:
    text = _pdf_pages(built / "pdf" / "volume-1.pdf")
    folio = {n: _start_folio(text, n) for n in ("1.010101", "1.010103", "1.010104", "1.010105")}
    assert len(set(folio.values())) > 1
    stages = next(i for i, p in enumerate(text) if "Articles by business stage Each" in p)
    assert stages % 2 == 0  # a right-hand page (the first page of the file is one)
    listed = re.search(r"1\.010105 Title 1\.010105 \.+ (\d+)", text[stages])
    assert listed and int(listed.group(1)) == folio["1.010105"]
    keywords = next(p for p in text if "Index of keywords The articles" in p)
    # an opener, like a chapter's: no folio at the head, the folio at the foot
    assert not re.match(r"\d", keywords) and keywords.split()[-1].isdigit(), keywords
    assert re.search(rf"Éclair {folio['1.010104']}\b", keywords)
    assert re.search(rf"Zebra {folio['1.010103']}\b", keywords)
    # the locators end where the next word does (in the other column, or the next letter) or
    # the page's folio
    scalability = re.search(r"Scalability ([\d–, ]+?) (?=[^\d–, ]|\d+$)", keywords)
    assert scalability, keywords
    assert scalability.group(1).startswith(f"{folio['1.010101']}–")
    assert scalability.group(1).endswith(str(folio["1.010105"]))


def test_pdf_keyword_index_columns_start_at_one_height(built: Path) -> None:
    """The letters heading the two columns stand on one line (a margin above a letter that
    starts a column once set the right-hand one 10pt lower)."""
    pdf = built / "pdf" / "volume-1.pdf"
    page = 1 + next(i for i, p in enumerate(_pdf_pages(pdf)) if "Index of keywords The" in p)
    boxes = run_text("pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-")
    words = {
        m["word"]: (float(m["x"]), float(m["y"]))
        for m in re.finditer(
            r'xMin="(?P<x>[\d.]+)" yMin="(?P<y>[\d.]+)"[^>]*>(?P<word>[^<]+)<', boxes
        )
    }
    left, right = words["#"], words["S"]  # the first letter of each column (see the tree)
    assert right[0] > left[0] + 100
    assert abs(right[1] - left[1]) < 0.5, (left, right)


def test_pdf_contents_list_the_back_matter_with_its_pages(built: Path) -> None:
    pdf = built / "pdf" / "volume-1.pdf"
    text = _pdf_pages(pdf)
    labels = PdfReader(pdf).page_labels
    contents = next(p for p in text if p.startswith("Contents "))
    for title in ("Articles by business stage", "Articles by tag", "Index of keywords"):
        # an opener: the title at the head, the folio at the foot
        starts = next(i for i, p in enumerate(text) if p.startswith(f"{title} "))
        listed = re.search(rf"{title} \.+ (\d+)", contents)
        assert listed, contents
        assert listed.group(1) == labels[starts]  # the page that prints it, as the PDF says
        assert text[starts].endswith(f" {labels[starts]}")  # and as the page prints it


def test_complete_edition_contents_list_the_index_to_all_volumes(built: Path) -> None:
    complete = built / "pdf" / "complete.pdf"
    reader = PdfReader(complete)
    text = _pdf_pages(complete)
    contents = " ".join(p for p in text[:8] if "Contents of the Volumes" in p or "2.01" in p)
    listed = re.search(r"Index to all volumes \.+ (\d+:\d+)", contents)
    assert listed, contents
    starts = next(i for i, p in enumerate(text) if "Articles by business stage Each" in p and
                  "the handbook" in p)  # fmt: skip
    assert listed.group(1) == reader.page_labels[starts]
    # the entry links to that page
    front = [a.get_object() for p in reader.pages[:8] for a in p.get("/Annots") or []]
    dest = next(a["/Dest"] for a in front if str(a.get("/Dest")) == "complete-index")
    assert reader.get_destination_page_number(reader.named_destinations[str(dest)]) == starts


def test_pdf_back_matter_is_in_the_outline(built: Path) -> None:
    outline = PdfReader(built / "pdf" / "volume-1.pdf").outline
    titles = [item.title for item in outline[1] if not isinstance(item, list)]
    assert titles[-3:] == ["Articles by business stage", "Articles by tag", "Index of keywords"]


def test_complete_edition_index_has_volume_page_locators(built: Path) -> None:
    complete = built / "pdf" / "complete.pdf"
    reader = PdfReader(complete)
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [
        "Contents", "Volume 1: Beginnings", "Volume 2: Endings", "Index to all volumes",
    ]  # fmt: skip
    text = _pdf_pages(complete)
    one = _start_folio(_pdf_pages(built / "pdf" / "volume-1.pdf"), "1.010105")
    two = _start_folio(_pdf_pages(built / "pdf" / "volume-2.pdf"), "2.010101")
    index = " ".join(text[-6:])
    assert re.search(rf"2\.010101 Title 2\.010101 \.+ 2:{two}\b", index), index
    assert re.search(rf"1\.010105 Title 1\.010105 \.+ 1:{one}\b", index)
    assert re.search(rf"Scalability 1:[\d–, ]+; 2:{two}\b", index)
    assert f"Endgame 2:{two}" in index
    # the index links to the articles: named destinations of the joined volumes
    index_pages = reader.pages[-4:]
    dests = [a.get_object().get("/Dest") for p in index_pages for a in p.get("/Annots") or []]
    assert "article-2.010101" in dests
    assert all(d in reader.named_destinations for d in dests)


def test_epub_back_matter_documents(built: Path) -> None:
    epub = built / "epub" / "volume-1.epub"
    with zipfile.ZipFile(epub) as book:
        nav = book.read("EPUB/nav.xhtml").decode()
        keywords = book.read("EPUB/keyword-index.xhtml").decode()
        spine = book.read("EPUB/content.opf").decode()
    for name, title in [("by-stage.xhtml", "Articles by business stage"),
                        ("by-tag.xhtml", "Articles by tag"),
                        ("keyword-index.xhtml", "Index of keywords")]:  # fmt: skip
        assert f'<a href="{name}">{title}</a>' in nav
        assert f'href="{name}"' in spine
    order = spine_of(spine)
    assert order[-3:] == ["bm-stages", "bm-tags", "bm-keywords"]
    assert '<a epub:type="index" href="keyword-index.xhtml">Index of keywords</a>' in nav
    assert 'epub:type="index" role="doc-index"' in keywords
    assert (
        '<span class="bm-term">Scalability</span> <span class="bm-locators">'
        '<a href="chapter-1.01.xhtml#article-1.010101" title="Title 1.010101">1.010101</a>, '
        in keywords
    )
    if epubcheck_available():
        epubs = sorted((built / "epub").glob("*.epub"))
        assert epubcheck(epubs) == {p: [] for p in epubs}


@pytest.mark.parametrize("with_article", [False, True])
def test_nothing_to_index_no_back_matter(small_tree: Tree, with_article: bool) -> None:
    """A volume without articles, or whose articles have no stage, tag or keyword."""
    small_tree.volume(3, "Later")
    if with_article:
        small_tree.article("3.010101", "Plain.\n")
    checked = check(small_tree.root)
    volume = checked.atlas.volume(3)
    assert volume_back_matter(checked.atlas, checked.indexes, volume, {}) is None
    plan = epub_edition.plan(checked.atlas, checked.indexes, 3, BuildContext())
    assert not [d for d in plan.documents if d.uid.startswith("bm-")]
