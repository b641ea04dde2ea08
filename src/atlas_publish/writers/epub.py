"""The EPUB edition: plan the package as plain records, then hand it to ebooklib.

Planning (documents, images, spine, navigation, metadata) is pure and testable;
``write_epub`` is the thin adapter at the end, followed by a re-zip that makes the file
reproducible. The plan reads in the order of the book: front matter (cover, title page,
copyright, contents), one document per chapter, then the back matter (articles by stage, by
tag, keyword index: ``backmatter_epub.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import tinyhtml5
from ebooklib import epub
from markupsafe import Markup

from .. import pagebreaks
from ..content.files import inside
from ..content.load import VOLUME_DIR
from ..errors import BuildError, Diagnostics
from ..indexes import build_indexes
from ..links import Link, Target, other_volume_suffix
from ..markdown import typographic
from ..model import Atlas, Chapter, Volume
from ..outputs import atomic_path
from ..render import RenderedArticle, environment, render_articles, templates_dir
from ..resources import active_parts
from .backmatter_epub import epub_back_matter
from .cover import cover_alt, cover_png

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
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


def _notes_as_asides(section: ElementTree.Element) -> None:
    """Each note of the list an <aside epub:type="footnote"> (what reading systems show as a
    pop-up and keep out of the reading flow), numbered as its call is."""
    for listing in section.findall("ol"):
        index = list(section).index(listing)
        section.remove(listing)
        for number, item in enumerate(listing.findall("li"), start=1):
            aside = ElementTree.Element(
                "aside",
                {"id": item.get("id", ""), "class": "footnote", "epub:type": "footnote",
                 "role": "doc-footnote"},
            )  # fmt: skip
            children = list(item)
            first = children[0] if children else None
            label = ElementTree.Element("span", {"class": "footnote-number"})
            label.text = f"{number}. "
            if first is not None and first.tag == "p":
                label.tail = first.text
                first.text = None
                first.insert(0, label)
            else:
                aside.append(label)
            aside.extend(children)
            section.insert(index, aside)
            index += 1


def xhtml_fragment(
    html: str, breaks: Mapping[int, Sequence[int]] | None = None, notes_label: str = "Notes"
) -> Markup:
    """An HTML fragment as well-formed XHTML, with the ARIA roles of notes for reading systems.

    ``breaks`` maps the index of a top-level element to the printed pages that begin inside
    it: their markers are put just before it (after the last element when it is missing).
    ``notes_label`` names the notes section: each landmark of a document needs its own name.
    """
    root = tinyhtml5.parse(f"<!DOCTYPE html><body>{html}</body>", namespace_html_elements=False)
    body = root.find("body")
    assert body is not None
    for element in list(body.iter()):
        classes = set((element.get("class") or "").split())
        if "footnotes" in classes and element.tag == "section":
            element.set("aria-label", notes_label)
            _notes_as_asides(element)
        elif "footnote-ref" in classes:
            # A superscript number that Apple Books, Kobo and others open as a pop-up note.
            for link in element.iter("a"):
                link.set("epub:type", "noteref")
                link.set("role", "doc-noteref")
                link.text = (link.text or "").strip("[]")
        elif "footnote-backref" in classes:
            element.set("role", "doc-backlink")
            element.set("aria-label", "Back to the text")
    children = list(body)
    before: dict[int, list[str]] = {}
    for index, folios in sorted((breaks or {}).items()):
        at = min(index, len(children))
        before.setdefault(at, []).extend(page_marker(f) for f in folios)
    text = (body.text or "").replace("&", "&amp;").replace("<", "&lt;")
    parts = [text]
    for index, child in enumerate(children):
        parts.extend(before.get(index, ()))
        parts.append(ElementTree.tostring(child, encoding="unicode"))
    parts.extend(before.get(len(children), ()))
    return Markup("".join(parts))


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


@dataclass(frozen=True, slots=True)
class EpubJob:
    atlas: Atlas
    volume: int
    target: Path
    pages: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    created: int | None = None


@dataclass(frozen=True, slots=True)
class EpubResult:
    volume: int
    path: Path
    seconds: float
    notes: tuple[str, ...] = ()  # what the pipeline should tell the writer


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
    breaks: dict[int, list[int]]
    item: dict[str, int] = field(default_factory=dict)  # anchor or section key -> item

    def __post_init__(self) -> None:
        self.item = {key: i for i, (_, key) in enumerate(pagebreaks.items(self.volume))}

    def at(self, key: str, part: int = 0) -> Markup:
        """The markers to put at the start of ``key`` (or of its body's part)."""
        if key not in self.item:
            return Markup("")
        folios = self.breaks.get(pagebreaks.point(self.item[key], part), ())
        return Markup("").join(page_marker(f) for f in folios)

    def body_breaks(self, anchor: str) -> dict[int, list[int]]:
        """Body block index -> folios, for the article ``anchor``."""
        if anchor not in self.item:
            return {}
        first = pagebreaks.point(self.item[anchor])
        return {
            at - first - 1: folios
            for at, folios in self.breaks.items()
            if first < at < first + pagebreaks.STAGE_INDEX
        }


def _as_xhtml(
    bodies: Mapping[str, RenderedArticle], marks: PageMarks
) -> dict[str, RenderedArticle]:
    anchors = {a.number: a.anchor for a in marks.volume.articles}
    return {
        number: RenderedArticle(
            body=xhtml_fragment(
                r.body, marks.body_breaks(anchors[number]), f"Notes to article {number}"
            ),
            stage_index=xhtml_fragment(r.stage_index) if r.stage_index else None,
            images=r.images,
        )
        for number, r in bodies.items()
    }


def plan_volume_epub(atlas: Atlas, volume: Volume, job: EpubJob) -> EpubPlan:
    indexes = build_indexes(atlas)
    env = environment(atlas)
    links = EpubLinks(volume, atlas.root)
    # check() refused what must be left out unless the build is --lenient: leave it out.
    diagnostics = Diagnostics(lenient=True)
    rendered = render_articles(volume.articles, atlas, indexes, env, links, diagnostics)
    if diagnostics.errors:
        raise BuildError("\n".join(str(d) for d in diagnostics.errors))
    marks = PageMarks(volume, pagebreaks.decode(job.pages, volume.number))
    bodies = _as_xhtml(rendered, marks)
    modified = (
        dt.datetime.fromtimestamp(job.created, dt.UTC)
        if job.created is not None
        else dt.datetime.now(dt.UTC).replace(microsecond=0)
    )
    identifier = volume_identifier(atlas, volume)
    files = {c.number: chapter_file(c) for c in volume.chapters}
    common = {
        "atlas": atlas,
        "volume": volume,
        "identifier": identifier,
        "edition_date": modified.strftime("%B %Y") if job.created is not None else None,
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
            bodies=bodies,
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
        active = active_parts(document.content)
        if active:
            raise BuildError(f"{document.file_name} would hold {', '.join(active)}")

    resources = [
        Resource(
            "style",
            "style/epub.css",
            "text/css",
            _stylesheet(atlas).read_bytes(),
        ),
        Resource(
            COVER_IMAGE_ID, COVER_IMAGE, "image/png", cover_png(atlas, volume), ("cover-image",)
        ),
    ]
    seen: dict[str, Path] = {COVER_IMAGE: Path("(the generated cover)")}
    for body in bodies.values():
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
    missing_alt = sum(images_without_alt(b.body) for b in bodies.values())
    metadata = _metadata(atlas, volume, len(seen) > 1, missing_alt, bool(page_list))
    if job.created is not None:  # the edition's date (never the clock: builds are reproducible)
        metadata.append(("DC", "date", modified.strftime("%Y-%m-%d"), {}))
    metadata += [("DC", "subject", subject, {}) for subject in _subjects(atlas, volume)]
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


def _stylesheet(atlas: Atlas) -> Path:
    override = atlas.root / "_templates" / "epub" / "epub.css"
    return override if override.is_file() else templates_dir() / "epub" / "epub.css"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _page_list(documents: Sequence[Document]) -> tuple[tuple[str, str], ...]:
    """Every printed page whose marker made it into a document, in page order."""
    found: dict[int, str] = {}
    for document in documents:
        for match in re.finditer(rb'id="page-(\d+)"', document.content):
            found.setdefault(int(match[1]), document.file_name)
    return tuple((str(f), f"{found[f]}#page-{f}") for f in sorted(found))


def _subjects(atlas: Atlas, volume: Volume) -> list[str]:
    """The volume's subjects as a reader sees them: the business stages its articles relate
    to, and the labels of its tags (never a tag's ID)."""
    indexes = build_indexes(atlas)
    stages = sorted({s for a in volume.articles for s in a.stages})
    subjects = [
        f"Stage {n}: {indexes.stages[n].name}".replace("\u00a0", " ")
        for n in stages
        if n in indexes.stages
    ]
    stage_tags = {s.tag for s in atlas.stages}
    tags = sorted({t for a in volume.articles for t in a.tags if t not in stage_tags})
    subjects += [indexes.tag_label(t) for t in tags]
    return subjects


def _metadata(
    atlas: Atlas, volume: Volume, has_images: bool, missing_alt: int, has_pages: bool
) -> list[tuple[str, str, str, dict[str, str]]]:
    """Descriptive and accessibility metadata (EPUB Accessibility 1.1), claiming only what holds."""
    description = (
        f"Volume {volume.number} of {atlas.title}: {volume.title}. "
        f"{_count(len(volume.articles), 'article')} in {_count(len(volume.chapters), 'chapter')}."
    )
    metadata: list[tuple[str, str, str, dict[str, str]]] = [
        ("DC", "description", description, {}),
        (
            "OPF",
            "meta",
            "aut",
            {"refines": "#creator", "property": "role", "scheme": "marc:relators"},
        ),
        ("OPF", "meta", atlas.title, {"property": "belongs-to-collection", "id": "collection"}),
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
    if atlas.rights:
        metadata.append(("DC", "rights", atlas.rights, {}))

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
        "the reader's own fonts, sizes and colours apply. "
        + (
            "Every image has a text alternative. "
            if alt_complete
            else f"{missing_alt} image(s) lack a text alternative. "
        )
        + (
            "Page-break markers and a page list give the print edition's page numbers. "
            if has_pages
            else "The print edition's page numbers are not included. "
        )
        + "No flashing, sound or motion hazards."
    )
    schema("accessibilitySummary", summary)
    if has_pages:
        name = print_edition_name(atlas, volume)
        metadata.append(("OPF", "meta", name, {"property": "pageBreakSource"}))
    return metadata


class _VerbatimHtml(epub.EpubHtml):  # type: ignore[misc]
    """A document written exactly as our templates made it (ebooklib would rebuild its head)."""

    def get_content(self, default: bytes | None = None) -> bytes:
        return bytes(self.content)


class _Writer(epub.EpubWriter):  # type: ignore[misc]
    """ebooklib's writer, with the package's language declared (xml:lang, which Ace asks for)."""

    def _write_opf_file(self, root: object) -> None:
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)  # type: ignore[attr-defined]
        super()._write_opf_file(root)


def _document_item(document: Document, language: str) -> _VerbatimHtml:
    item = _VerbatimHtml(
        uid=document.uid, file_name=document.file_name, title=document.title, lang=language
    )
    item.content = document.content
    item.properties = list(document.properties)
    return item


def write_epub(plan: EpubPlan, target: Path) -> None:
    book = epub.EpubBook()
    book.set_identifier(plan.identifier)
    book.set_title(plan.title)
    book.set_language(plan.language)
    for creator in plan.creators:
        book.add_author(creator)
    for namespace, name, value, attrs in plan.metadata:
        book.add_metadata(namespace, name, value, attrs)
    items = {}
    for document in plan.documents:
        item = _document_item(document, plan.language)
        book.add_item(item)
        items[document.file_name] = item
    for resource in plan.resources:
        resource_item = epub.EpubItem(
            uid=resource.uid,
            file_name=resource.file_name,
            media_type=resource.media_type,
            content=resource.content,
        )
        resource_item.properties = list(resource.properties)
        book.add_item(resource_item)
    # The NCX, for EPUB 2 reading systems, is ebooklib's; the nav document is ours (templates).
    book.toc = [
        (
            epub.Section(entry.title, entry.href),
            [epub.Link(c.href, c.title, f"toc-{i}-{j}") for j, c in enumerate(entry.children)],
        )
        if entry.children
        else epub.Link(entry.href, entry.title, f"toc-{i}")
        for i, entry in enumerate(plan.toc)
    ]
    book.add_item(epub.EpubNcx())
    book.add_item(_document_item(plan.nav, plan.language))
    book.spine = [items[d.file_name] for d in plan.documents]
    options = {
        "mtime": plan.modified,
        "raise_exceptions": True,
        "epub2_guide": False,
        "epub3_landmark": False,
        "epub3_pages": False,
        "play_order": {"enabled": True, "start_from": 1},
    }
    with atomic_path(target) as temporary:
        raw = temporary.with_suffix(".raw")
        try:
            writer = _Writer(str(raw), book, options)
            writer.process()
            writer.write()
            _rezip(raw, temporary)
        finally:
            raw.unlink(missing_ok=True)


def _rezip(source: Path, target: Path) -> None:
    """Fixed timestamps, sorted members, 'mimetype' first and stored: byte-identical builds."""
    with zipfile.ZipFile(source) as zin:
        members = {info.filename: zin.read(info.filename) for info in zin.infolist()}
    order = ["mimetype"] + sorted(name for name in members if name != "mimetype")
    with zipfile.ZipFile(target, "w") as zout:
        for name in order:
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.external_attr = 0o644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, members[name], compresslevel=9 if name != "mimetype" else None)


def read_cover(epub_path: Path) -> bytes:
    """The cover image of an EPUB, found as its package declares it (properties="cover-image")."""
    with zipfile.ZipFile(epub_path) as book:
        container = ElementTree.fromstring(book.read("META-INF/container.xml"))
        rootfile = container.find(".//{*}rootfile")
        assert rootfile is not None
        opf_path = rootfile.get("full-path", "")
        package = ElementTree.fromstring(book.read(opf_path))
        for item in package.iterfind(".//{*}manifest/{*}item"):
            if "cover-image" in (item.get("properties") or "").split():
                base = opf_path.rpartition("/")[0]
                href = item.get("href", "")
                return book.read(f"{base}/{href}" if base else href)
    raise KeyError(f"{epub_path}: no cover-image item")


def volume_cover_png(atlas: Atlas, volume_number: int) -> bytes:
    """The cover PNG of a volume, exactly as the EPUB carries it."""
    return cover_png(atlas, atlas.volume(volume_number))


def render_volume_epub(job: EpubJob) -> EpubResult:
    started = time.perf_counter()
    volume = job.atlas.volume(job.volume)
    plan = plan_volume_epub(job.atlas, volume, job)
    write_epub(plan, job.target)
    notes: tuple[str, ...] = ()
    if not plan.page_list:
        notes = (
            "no print page numbers in the EPUB (no print layout known: build the PDF first, "
            "e.g. --format all)",
        )
    return EpubResult(job.volume, job.target, time.perf_counter() - started, notes)
