"""The EPUB edition: one volume of the checked handbook planned as plain records.

``plan`` takes the handbook, the volume, the build's context and the print layout (for the
page list) and returns an ``EpubPlan``: documents in reading order (front matter, one
document per chapter, back matter), resources, navigation and metadata. Nothing here writes
a file: ``writers/epub.py`` hands the plan to ebooklib.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from markupsafe import Markup

from .. import pagebreaks
from ..content.files import inside
from ..content.load import VOLUME_DIR
from ..context import BuildContext
from ..errors import BuildError, Diagnostics
from ..indexes import Indexes
from ..links import Link, Target, other_volume_suffix
from ..markdown import RenderedBody, typographic
from ..model import Atlas, Chapter, Volume
from ..pagebreaks import PrintLayout, ReadingPoint
from ..render import (
    PlaceholderLinks,
    RenderedArticle,
    copyright_line,
    environment,
    finish_articles,
    render_shared,
    template_file,
)
from ..resources import stylesheet_remote_parts, unsafe_parts
from ..writers.cover import cover_alt, cover_png, shared_drawing
from .epub_backmatter import epub_back_matter

MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
HTML_PARSER = etree.HTMLParser(remove_comments=True, no_network=True, default_doctype=False)
COVER_IMAGE = "images/cover.png"
COVER_IMAGE_ID = "cover-image"
IMG = re.compile(r"<img\b[^>]*>")
ALT = re.compile(r'\balt="([^"]*)"')


def chapter_file(chapter: Chapter) -> str:
    return f"chapter-{chapter.number}.xhtml"


def image_name(path: Path, content_root: Path) -> str:
    """Images keep their place in the content tree, so two chapters' 'chart.png' never clash.

    A chapter's ``images/`` folder is left out of the name (``images/1-intro/03-stages/x.png``);
    any other place goes under ``images/other/``. So no two files share a name, and none takes
    the generated cover's (``images/cover.png``): no content folder is named ``other`` or
    ``cover.png`` at the top of the EPUB's images (volume folders begin with a digit)."""
    parts = path.relative_to(content_root).parts
    if len(parts) > 3 and parts[2] == "images" and VOLUME_DIR.match(parts[0]):
        return "images/" + "/".join(parts[:2] + parts[3:])
    return "images/other/" + "/".join(parts)


def page_marker(folio: int) -> Markup:
    """Where printed page ``folio`` begins: a page-break marker for reading systems."""
    return Markup(
        '<span epub:type="pagebreak" role="doc-pagebreak" id="page-{0}" aria-label="{0}"></span>'
    ).format(folio)


# lxml takes no prefixed attribute name on an element without namespaces: the attribute is
# set under this name and written as epub:type.
EPUB_TYPE = "data-atlas-epub-type"


def _notes_as_asides(section: etree._Element) -> None:
    """Each note of the list an <aside epub:type="footnote"> (what reading systems show as a
    pop-up and keep out of the reading flow), numbered as its call is."""
    for listing in section.findall("ol"):
        index = list(section).index(listing)
        section.remove(listing)
        for number, item in enumerate(listing.findall("li"), start=1):
            aside = etree.Element("aside")
            for name, value in (("id", item.get("id", "")), ("class", "footnote"),
                                (EPUB_TYPE, "footnote"), ("role", "doc-footnote")):  # fmt: skip
                aside.set(name, value)
            children = list(item)
            first = children[0] if children else None
            label = etree.Element("span")
            label.set("class", "footnote-number")
            label.text = f"{number}. "
            if first is not None and first.tag == "p":
                label.tail = first.text
                first.text = None
                first.insert(0, label)
            else:
                aside.append(label)
            aside.extend(children)
            aside.tail = "\n"
            section.insert(index, aside)
            index += 1


def xhtml_fragment(
    html: str,
    breaks: Mapping[tuple[int, int], Sequence[int]] | None = None,
    notes_label: str = "Notes",
) -> Markup:
    """An HTML fragment as well-formed XHTML, with the ARIA roles of notes for reading systems.

    ``breaks`` maps (the index of a top-level element, row) to the printed pages that begin
    inside it: row 0, their markers are put just before the element (after the last element
    when it is missing); row j + 1, at the start of its j-th list item or table row
    (pagebreaks.block_rows), where a page begins inside a long list or table.
    ``notes_label`` names the notes section: each landmark of a document needs its own name.
    """
    # The fragment is the sanitizer's (html5ever's) serialization and our templates' output:
    # libxml2's HTML parser reads it as an HTML5 parser would, ten times faster. Inside a
    # <div>, so text at the top is not wrapped in an implied <p>.
    body = etree.fromstring(f"<html><body><div>{html}</div></body></html>", HTML_PARSER)[0][0]
    for element in list(body.iter()):
        classes = set((element.get("class") or "").split())
        if "footnotes" in classes and element.tag == "section":
            element.set("aria-label", notes_label)
            _notes_as_asides(element)
        elif "footnote-ref" in classes:
            # A superscript number that Apple Books, Kobo and others open as a pop-up note.
            for link in element.iter("a"):
                link.set(EPUB_TYPE, "noteref")
                link.set("role", "doc-noteref")
                link.text = (link.text or "").strip("[]")
        elif "footnote-backref" in classes:
            element.set("role", "doc-backlink")
            element.set("aria-label", "Back to the text")
    children = list(body)
    before: dict[int, list[str]] = {}
    for (index, row), folios in sorted((breaks or {}).items()):
        rows = pagebreaks.block_rows(children[index]) if row and index < len(children) else []
        if row and row <= len(rows):
            _mark_row(rows[row - 1], folios)
            continue
        at = min(index, len(children))
        before.setdefault(at, []).extend(page_marker(f) for f in folios)
    text = (body.text or "").replace("&", "&amp;").replace("<", "&lt;")
    parts = [text]
    for index, child in enumerate(children):
        parts.extend(before.get(index, ()))
        parts.append(
            etree.tostring(child, encoding="unicode", method="xml").replace(
                f"{EPUB_TYPE}=", "epub:type="
            )
        )
    parts.extend(before.get(len(children), ()))
    return Markup("".join(parts))


def _mark_row(row: Any, folios: Sequence[int]) -> None:
    """Page markers at the start of a list item, or of a table row's first cell."""
    if pagebreaks.tag_of(row) == "tr":
        cells = [cell for cell in row if pagebreaks.tag_of(cell) in {"td", "th"}]
        if not cells:
            return
        row = cells[0]
    for folio in reversed(folios):
        marker = etree.Element("span")
        marker.set(EPUB_TYPE, "pagebreak")
        marker.set("role", "doc-pagebreak")
        marker.set("id", f"page-{folio}")
        marker.set("aria-label", str(folio))
        marker.text = ""  # <span ...></span>, as page_marker writes it
        marker.tail, row.text = row.text, None
        row.insert(0, marker)


def images_without_alt(html: str) -> int:
    return sum(1 for tag in IMG.findall(html) if not (m := ALT.search(tag)) or not m[1].strip())


@dataclass(slots=True)
class EpubLinks:
    """Links in an EPUB volume: working links inside it; other volumes are named.

    A reference into another volume names that volume and the article (or chapter), never a
    print page: the reader of an ebook has no pages to turn to, and the text stays the same
    whether or not a print edition was laid out before.
    """

    volume: Volume
    content_root: Path

    def link(self, target: Target) -> Link:
        if target.volume != self.volume.number:
            return Link(None, other_volume_suffix(target))
        chapter = self._chapter_of(target)
        if chapter is None:  # the volume itself: its title page
            return Link("title.xhtml")
        return Link(f"{chapter_file(chapter)}#{target.anchor}")

    def _chapter_of(self, target: Target) -> Chapter | None:
        for chapter in self.volume.chapters:
            if target.kind == "chapter" and chapter.number == target.number:
                return chapter
            if target.kind == "article" and chapter.number == target.number[:4]:
                return chapter
        return None

    def image_src(self, path: Path) -> str:
        return image_name(path, self.content_root)


@dataclass(frozen=True, slots=True)
class Document:
    uid: str
    file_name: str
    title: str
    content: bytes
    properties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resource:
    uid: str
    file_name: str
    media_type: str
    content: bytes
    properties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TocEntry:
    title: str
    href: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class EpubPlan:
    identifier: str
    title: str
    language: str
    creators: tuple[str, ...]
    metadata: tuple[tuple[str, str, str, dict[str, str]], ...]  # (namespace, name, value, attrs)
    documents: tuple[Document, ...]  # in reading order; the nav document is not among them
    resources: tuple[Resource, ...]
    toc: tuple[TocEntry, ...]
    landmarks: tuple[tuple[str, str, str], ...]  # type, href, title
    page_list: tuple[tuple[str, str], ...]  # printed page label, href of its marker
    nav: Document
    modified: dt.datetime


def volume_identifier(atlas: Atlas, volume: Volume) -> str:
    if volume.isbn:
        return f"urn:isbn:{volume.isbn.replace('-', '').replace(' ', '')}"
    # A stable UUID per volume, derived from the handbook's identifier.
    base = atlas.identifier.removeprefix("urn:uuid:")
    try:
        namespace = uuid.UUID(base)
    except ValueError:
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, atlas.identifier)
    return f"urn:uuid:{uuid.uuid5(namespace, f'volume-{volume.number}')}"


def print_edition_name(atlas: Atlas, volume: Volume) -> str:
    """How the EPUB names the print edition its page numbers come from."""
    return (
        f"{atlas.title}, Volume {volume.number}: {volume.title}, print edition ({atlas.print.size})"
    )


@dataclass(slots=True)
class PageMarks:
    """The printed pages that begin at each reading point of a volume (see pagebreaks.py)."""

    volume: Volume
    breaks: Mapping[ReadingPoint, list[int]]  # reading point -> folios beginning inside it
    item: dict[str, int] = field(default_factory=dict)  # anchor or section key -> item

    def __post_init__(self) -> None:
        self.item = {key: i for i, (_, key) in enumerate(pagebreaks.items(self.volume))}

    def at(self, key: str, part: int = 0) -> Markup:
        """The markers to put at the start of ``key`` (or of its body's part)."""
        if key not in self.item:
            return Markup("")
        folios = self.breaks.get(ReadingPoint(self.item[key], part), ())
        return Markup("").join(page_marker(f) for f in folios)

    def body_breaks(self, anchor: str) -> dict[tuple[int, int], list[int]]:
        """(body block index, row) -> folios, for the article ``anchor`` (xhtml_fragment)."""
        return {
            (at.part - 1, at.row): folios
            for at, folios in self._inside(anchor)
            if 0 < at.part < pagebreaks.STAGE_INDEX
        }

    def stage_index_breaks(self, anchor: str) -> dict[tuple[int, int], list[int]]:
        """(0, row) -> folios of the pages that begin inside the stage index's table; those
        that begin at the index itself come before it (``at``)."""
        return {
            (0, at.row): folios
            for at, folios in self._inside(anchor)
            if at.part == pagebreaks.STAGE_INDEX and at.row
        }

    def _inside(self, anchor: str) -> list[tuple[ReadingPoint, list[int]]]:
        """The reading points of the article ``anchor`` where pages begin, with their folios."""
        item = self.item.get(anchor)
        return [(at, f) for at, f in self.breaks.items() if item is not None and at.item == item]


def _as_xhtml(
    bodies: Mapping[str, RenderedArticle], marks: PageMarks
) -> dict[str, RenderedArticle]:
    anchors = {a.number: a.anchor for a in marks.volume.articles}
    return {
        number: RenderedArticle(
            body=xhtml_fragment(
                r.body, marks.body_breaks(anchors[number]), f"Notes to article {number}"
            ),
            stage_index=(
                xhtml_fragment(r.stage_index, marks.stage_index_breaks(anchors[number]))
                if r.stage_index
                else None
            ),
            images=r.images,
        )
        for number, r in bodies.items()
    }


# Every template an EPUB volume renders (back matter: the document and its partial).
TEMPLATES = ("epub/front.xhtml.j2", "epub/chapter.xhtml.j2", "epub/backmatter.xhtml.j2",
             "partials/backmatter.html.j2", "epub/nav.xhtml.j2")  # fmt: skip


def prepare(atlas: Atlas) -> None:
    """What every volume's plan starts with: its templates compiled, the covers' shared
    drawing. Done in the build process before the first EPUB job is sent, so a worker forked
    after that inherits them; a worker started earlier (a build with PDFs) does it on its
    first volume."""
    env = environment(atlas)
    for name in TEMPLATES:
        env.get_template(name)
    shared_drawing(atlas)


def plan(
    atlas: Atlas,
    indexes: Indexes,
    number: int,
    context: BuildContext,
    layout: PrintLayout | None = None,
    bodies: Mapping[str, RenderedBody] | None = None,
) -> EpubPlan:
    """Volume ``number`` as an EPUB plan. ``layout`` is the print layout of that volume
    (pagebreaks.py), for the page list; without it the EPUB claims no print page numbers.
    ``bodies`` are the volume's bodies as ``check`` rendered them (the EPUB's Markdown
    options are the defaults): finished here with the EPUB's links, not rendered again."""
    volume = atlas.volume(number)
    env = environment(atlas)
    links = EpubLinks(volume, atlas.root)
    if bodies is None:  # planned on its own (no build): render them first
        # check() refused what must be left out unless the build is --lenient: leave it out.
        diagnostics = Diagnostics(lenient=True)
        bodies = render_shared(volume.articles, atlas, indexes, PlaceholderLinks(), diagnostics)
        if diagnostics.errors:
            raise BuildError("\n".join(str(d) for d in diagnostics.errors))
    rendered = finish_articles(volume.articles, bodies, atlas, indexes, env, links)
    marks = PageMarks(volume, layout.breaks() if layout else {})
    xhtml = _as_xhtml(rendered, marks)
    modified = (
        dt.datetime.fromtimestamp(context.created, dt.UTC)
        if context.created is not None
        else dt.datetime.now(dt.UTC).replace(microsecond=0)
    )
    identifier = volume_identifier(atlas, volume)
    rights = copyright_line(atlas, modified if context.created is not None else None)
    files = {c.number: chapter_file(c) for c in volume.chapters}
    common = {
        "atlas": atlas,
        "volume": volume,
        "identifier": identifier,
        "edition_date": modified.strftime("%B %Y") if context.created is not None else None,
        "rights": rights,
    }
    front = env.get_template("epub/front.xhtml.j2")

    def front_document(part: str, title: str, **extra: object) -> Document:
        html = front.render(part=part, title=title, **common, **extra)
        return Document(part, f"{part}.xhtml", title, html.encode())

    documents = [
        front_document("cover", "Cover", cover=COVER_IMAGE, cover_alt=cover_alt(atlas, volume)),
        front_document("title", "Title page"),
        front_document("copyright", "Copyright"),
        front_document("contents", "Contents", chapter_files=files),
    ]
    chapter_template = env.get_template("epub/chapter.xhtml.j2")
    for chapter in volume.chapters:
        html = chapter_template.render(
            atlas=atlas,
            chapter=chapter,
            bodies=xhtml,
            marks=marks,
            stage_part=pagebreaks.STAGE_INDEX,
        )
        documents.append(
            Document(
                f"chapter-{chapter.number.replace('.', '-')}",
                files[chapter.number],
                f"{chapter.number} {chapter.title}",
                html.encode(),
            )
        )
    # The back matter (articles by stage, by tag, keyword index): see backmatter_epub.py.
    back = epub_back_matter(atlas, indexes, volume, links, marks.at)
    documents += [Document(f"bm-{b.part}", b.file_name, b.title, b.content) for b in back]
    for document in documents:  # nothing active in an EPUB, whatever a template override says
        _refuse_active_or_remote(document.file_name, document.content)
    sheet = stylesheet(atlas)
    sheet_bytes = sheet.read_bytes()
    remote = _stylesheet_remote_parts(sheet_bytes)
    if remote:
        raise BuildError(
            f"not written: the EPUB stylesheet {sheet} would load {', '.join(remote)}; "
            "an EPUB loads nothing from outside itself: remove the url()"
        )

    resources = [
        Resource("style", "style/epub.css", "text/css", sheet_bytes),
        Resource(
            COVER_IMAGE_ID, COVER_IMAGE, "image/png", cover_png(atlas, volume), ("cover-image",)
        ),
    ]
    seen: dict[str, Path] = {COVER_IMAGE: Path("(the generated cover)")}
    for body in xhtml.values():
        for image in body.images:
            name = image_name(image, atlas.root)
            if seen.get(name, image) != image:  # image_name keeps names apart; never merge two
                raise BuildError(f"{image} and {seen[name]} would both be {name} in the EPUB")
            if name not in seen:
                if not inside(image, atlas.root):  # checked with the bodies; never embed it
                    raise BuildError(f"{image} is outside the content folder")
                seen[name] = image
                media_type = MEDIA_TYPES.get(image.suffix.lower(), "application/octet-stream")
                uid = f"img-{len(seen) - 1}"
                resources.append(Resource(uid, name, media_type, image.read_bytes()))

    toc = tuple(
        TocEntry(
            f"{c.number} {c.title}",
            f"{files[c.number]}#{c.anchor}",
            tuple(
                TocEntry(f"{a.number} {a.title}", f"{files[c.number]}#{a.anchor}")
                for a in c.articles
            ),
        )
        for c in volume.chapters
    ) + tuple(TocEntry(b.title, b.file_name) for b in back)
    first_chapter = files[volume.chapters[0].number] if volume.chapters else "contents.xhtml"
    landmarks = (
        ("cover", "cover.xhtml", "Cover"),
        ("titlepage", "title.xhtml", "Title page"),
        ("toc", "contents.xhtml", "Contents"),
        ("bodymatter", first_chapter, "Start of content"),
    ) + tuple((b.landmark, b.file_name, b.title) for b in back if b.landmark)
    page_list = _page_list(documents)
    title = typographic(f"{atlas.title}, Volume {volume.number}: {volume.title}", atlas.language)
    nav_html = env.get_template("epub/nav.xhtml.j2").render(
        atlas=atlas, title=title, toc=toc, landmarks=landmarks, page_list=page_list
    )
    nav = Document("nav", "nav.xhtml", "Contents", nav_html.encode(), ("nav",))
    missing_alt = sum(images_without_alt(b.body) for b in xhtml.values())
    metadata = _metadata(atlas, volume, len(seen) > 1, missing_alt, bool(page_list), rights)
    if context.created is not None:  # the edition's date (never the clock: reproducible)
        metadata.append(("DC", "date", modified.strftime("%Y-%m-%d"), {}))
    metadata += [("DC", "subject", subject, {}) for subject in _subjects(atlas, indexes, volume)]
    return EpubPlan(
        identifier=identifier,
        title=title,
        language=atlas.language,
        creators=(atlas.author,),
        metadata=tuple(metadata),
        documents=tuple(documents),
        resources=tuple(resources),
        toc=toc,
        landmarks=landmarks,
        page_list=page_list,
        nav=nav,
        modified=modified,
    )


def _refuse_active_or_remote(file_name: str, content: bytes) -> None:
    """The last guard: an EPUB holds nothing that runs and loads nothing from elsewhere."""
    found = unsafe_parts(content)
    if found:
        raise BuildError(
            f"not written: {file_name} would hold {', '.join(dict.fromkeys(found))}; "
            "it comes from a template (an override under _templates/epub/ if there is one): "
            "fix the template"
        )


@lru_cache(maxsize=4)
def _stylesheet_remote_parts(css: bytes) -> list[str]:
    """The stylesheet is the same for every volume a worker writes: parsed once."""
    return stylesheet_remote_parts(css.decode("utf-8", errors="replace"))


def stylesheet(atlas: Atlas) -> Path:
    return template_file(atlas.root, "epub/epub.css")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _page_list(documents: Sequence[Document]) -> tuple[tuple[str, str], ...]:
    """Every printed page whose marker made it into a document, in page order."""
    found: dict[int, str] = {}
    for document in documents:
        for match in re.finditer(rb'id="page-(\d+)"', document.content):
            found.setdefault(int(match[1]), document.file_name)
    return tuple((str(f), f"{found[f]}#page-{f}") for f in sorted(found))


def _subjects(atlas: Atlas, indexes: Indexes, volume: Volume) -> list[str]:
    """The volume's subjects as a reader sees them: the business stages its articles relate
    to, and the labels of its other tags (never a tag's ID)."""
    stages = sorted({s for a in volume.articles for s in a.stages})
    subjects = [f"Stage {n}: {indexes.stages[n].name}" for n in stages if n in indexes.stages]
    stage_tags = {s.tag for s in atlas.stages}
    tags = sorted({t for a in volume.articles for t in a.tags if t not in stage_tags})
    return subjects + [indexes.tag_label(t) for t in tags]


def _metadata(
    atlas: Atlas,
    volume: Volume,
    has_images: bool,
    missing_alt: int,
    has_pages: bool,
    rights: str,
) -> list[tuple[str, str, str, dict[str, str]]]:
    """Descriptive and accessibility metadata (EPUB Accessibility 1.1), claiming only what holds."""
    description = typographic(
        f"Volume {volume.number} of {atlas.title}: {volume.title}. "
        f"{_count(len(volume.articles), 'article')} in {_count(len(volume.chapters), 'chapter')}.",
        atlas.language,
    )
    series = typographic(atlas.title, atlas.language)
    metadata: list[tuple[str, str, str, dict[str, str]]] = [
        ("DC", "description", description, {}),
        (
            "OPF",
            "meta",
            "aut",
            {"refines": "#creator", "property": "role", "scheme": "marc:relators"},
        ),
        ("OPF", "meta", series, {"property": "belongs-to-collection", "id": "collection"}),
        ("OPF", "meta", "series", {"refines": "#collection", "property": "collection-type"}),
        (
            "OPF",
            "meta",
            str(volume.number),
            {"refines": "#collection", "property": "group-position"},
        ),
        # For EPUB 2 reading systems, which do not know properties="cover-image".
        ("OPF", "meta", "", {"name": "cover", "content": COVER_IMAGE_ID}),
    ]
    if atlas.publisher:
        metadata.append(("DC", "publisher", atlas.publisher, {}))
    metadata.append(("DC", "rights", rights, {}))  # as the copyright page prints it

    def schema(name: str, value: str) -> None:
        metadata.append(("OPF", "meta", value, {"property": f"schema:{name}"}))

    alt_complete = missing_alt == 0
    # The cover is an image too, and it has its text alternative.
    schema("accessMode", "textual")
    schema("accessMode", "visual")
    if alt_complete:
        schema("accessModeSufficient", "textual")
    schema("accessModeSufficient", "textual,visual")
    features = [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "displayTransformability",
    ]
    if alt_complete:
        features.append("alternativeText")
    if has_pages:
        features.append("printPageNumbers")
        features.append("pageNavigation")
    for feature in features:
        schema("accessibilityFeature", feature)
    schema("accessibilityHazard", "none")
    summary = (
        "Text with headings, a table of contents, landmarks and a logical reading order; "
        "the reader’s own fonts, sizes and colours apply. "
        + (
            "Every image has a text alternative. "
            if alt_complete
            else f"{missing_alt} image(s) lack a text alternative. "
        )
        + (
            "Page-break markers and a page list give the print edition’s page numbers. "
            if has_pages
            else "The print edition’s page numbers are not included. "
        )
        + "No flashing, sound or motion hazards."
    )
    schema("accessibilitySummary", summary)
    if has_pages:
        name = typographic(print_edition_name(atlas, volume), atlas.language)
        metadata.append(("OPF", "meta", name, {"property": "pageBreakSource"}))
    return metadata
