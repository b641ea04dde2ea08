"""The EPUB edition: plan the package as plain records, then hand it to ebooklib.

Planning (documents, images, spine, toc) is pure and testable; ``write_epub`` is the thin
adapter at the end, followed by a re-zip that makes the file reproducible.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import tinyhtml5
from ebooklib import epub
from markupsafe import Markup

from ..content.files import inside
from ..errors import BuildError, Diagnostics
from ..indexes import build_indexes
from ..links import Link, Target, other_volume_suffix
from ..model import Atlas, Chapter, Volume
from ..outputs import atomic_path
from ..render import RenderedArticle, environment, render_articles, templates_dir
from ..resources import active_parts

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


def chapter_file(chapter: Chapter) -> str:
    return f"chapter-{chapter.number}.xhtml"


def image_name(path: Path, content_root: Path) -> str:
    """Images keep their place in the content tree, so two chapters' 'chart.png' never clash."""
    return "images/" + path.relative_to(content_root).as_posix().replace("/images/", "/")


def xhtml_fragment(html: str) -> Markup:
    """An HTML fragment as well-formed XHTML, with the ARIA roles of notes for reading systems."""
    root = tinyhtml5.parse(f"<!DOCTYPE html><body>{html}</body>", namespace_html_elements=False)
    body = root.find("body")
    assert body is not None
    for element in body.iter():
        classes = set((element.get("class") or "").split())
        if "footnotes" in classes and element.tag == "section":
            element.set("role", "doc-endnotes")
        elif "footnote-ref" in classes:
            for link in element.iter("a"):
                link.set("role", "doc-noteref")
        elif "footnote-backref" in classes:
            element.set("role", "doc-backlink")
            element.set("aria-label", "Back to the text")
    text = (body.text or "").replace("&", "&amp;").replace("<", "&lt;")
    parts = [text] + [ElementTree.tostring(child, encoding="unicode") for child in body]
    return Markup("".join(parts))


def _as_xhtml(bodies: Mapping[str, RenderedArticle]) -> dict[str, RenderedArticle]:
    return {
        number: RenderedArticle(
            body=xhtml_fragment(r.body),
            stage_index=xhtml_fragment(r.stage_index) if r.stage_index else None,
            images=r.images,
        )
        for number, r in bodies.items()
    }


@dataclass(slots=True)
class EpubLinks:
    """Links in an EPUB volume: working links inside it; other volumes are named."""

    volume: Volume
    content_root: Path
    pages: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def link(self, target: Target) -> Link:
        if target.volume != self.volume.number:
            known = self.pages.get(target.anchor)
            page = known[1] if known and known[0] == target.volume else None
            return Link(None, other_volume_suffix(target, page))
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
class EpubPlan:
    identifier: str
    title: str
    language: str
    creators: tuple[str, ...]
    metadata: tuple[tuple[str, str, str, dict[str, str]], ...]  # (namespace, name, value, attrs)
    documents: tuple[Document, ...]  # in reading order
    resources: tuple[Resource, ...]
    toc: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # chapter title, href, articles
    landmarks: tuple[tuple[str, str, str], ...]  # type, href, title
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


def plan_volume_epub(atlas: Atlas, volume: Volume, job: EpubJob) -> EpubPlan:
    indexes = build_indexes(atlas)
    env = environment(atlas)
    links = EpubLinks(volume, atlas.root, job.pages)
    # check() refused what must be left out unless the build is --lenient: leave it out.
    diagnostics = Diagnostics(lenient=True)
    bodies = render_articles(volume.articles, atlas, indexes, env, links, diagnostics)
    if diagnostics.errors:
        raise BuildError("\n".join(str(d) for d in diagnostics.errors))
    bodies = _as_xhtml(bodies)
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
    documents = [
        Document(
            "title",
            "title.xhtml",
            "Title page",
            front.render(part="title", title="Title page", **common).encode(),
        ),
        Document(
            "copyright",
            "copyright.xhtml",
            "Copyright",
            front.render(part="copyright", title="Copyright", **common).encode(),
        ),
        Document(
            "contents",
            "contents.xhtml",
            "Contents",
            front.render(part="contents", title="Contents", chapter_files=files, **common).encode(),
        ),
    ]
    chapter_template = env.get_template("epub/chapter.xhtml.j2")
    for chapter in volume.chapters:
        html = chapter_template.render(atlas=atlas, chapter=chapter, bodies=bodies, page_breaks={})
        documents.append(
            Document(
                f"chapter-{chapter.number.replace('.', '-')}",
                files[chapter.number],
                f"{chapter.number} {chapter.title}",
                html.encode(),
            )
        )
    for document in documents:  # nothing active in an EPUB, whatever a template override says
        active = active_parts(document.content)
        if active:
            raise BuildError(f"{document.file_name} would hold {', '.join(active)}")
    resources = [
        Resource(
            "style",
            "style/epub.css",
            "text/css",
            (templates_dir() / "epub" / "epub.css").read_bytes(),
        ),
    ]
    seen: set[str] = set()
    for rendered in bodies.values():
        for image in rendered.images:
            name = image_name(image, atlas.root)
            if name not in seen:
                if not inside(image, atlas.root):  # checked with the bodies; never embed it
                    raise BuildError(f"{image} is outside the content folder")
                seen.add(name)
                media_type = MEDIA_TYPES.get(image.suffix.lower(), "application/octet-stream")
                uid = f"img-{len(seen)}"
                resources.append(Resource(uid, name, media_type, image.read_bytes()))
    toc = tuple(
        (
            f"{c.number} {c.title}",
            files[c.number],
            tuple((f"{a.number} {a.title}", f"{files[c.number]}#{a.anchor}") for a in c.articles),
        )
        for c in volume.chapters
    )
    first_chapter = files[volume.chapters[0].number] if volume.chapters else "contents.xhtml"
    landmarks = (
        ("titlepage", "title.xhtml", "Title page"),
        ("toc", "contents.xhtml", "Contents"),
        ("bodymatter", first_chapter, "Start of content"),
    )
    title = f"{atlas.title}, Volume {volume.number}: {volume.title}"
    description = (
        f"Volume {volume.number} of {atlas.title}: {volume.title}. "
        f"{len(volume.articles)} articles in {len(volume.chapters)} chapters."
    )
    metadata: list[tuple[str, str, str, dict[str, str]]] = [
        ("DC", "description", description, {}),
        ("OPF", "meta", atlas.title, {"property": "belongs-to-collection", "id": "collection"}),
        ("OPF", "meta", "series", {"refines": "#collection", "property": "collection-type"}),
        (
            "OPF",
            "meta",
            str(volume.number),
            {"refines": "#collection", "property": "group-position"},
        ),
    ]
    if atlas.publisher:
        metadata.append(("DC", "publisher", atlas.publisher, {}))
    if atlas.rights:
        metadata.append(("DC", "rights", atlas.rights, {}))
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
        modified=modified,
    )


class _VerbatimHtml(epub.EpubHtml):  # type: ignore[misc]
    """A document written exactly as our templates made it (ebooklib would rebuild its head)."""

    def get_content(self, default: bytes | None = None) -> bytes:
        return bytes(self.content)


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
        item = _VerbatimHtml(
            uid=document.uid,
            file_name=document.file_name,
            title=document.title,
            lang=plan.language,
        )
        item.content = document.content
        item.properties = list(document.properties)
        book.add_item(item)
        items[document.file_name] = item
    for resource in plan.resources:
        book.add_item(
            epub.EpubItem(
                uid=resource.uid,
                file_name=resource.file_name,
                media_type=resource.media_type,
                content=resource.content,
            )
        )
    book.toc = [
        (
            epub.Section(title, href),
            [epub.Link(h, t, f"toc-{i}-{j}") for j, (t, h) in enumerate(arts)],
        )
        if arts
        else epub.Link(href, title, f"toc-{i}")
        for i, (title, href, arts) in enumerate(plan.toc)
    ]
    book.guide = [
        {"type": kind, "href": href, "title": title} for kind, href, title in plan.landmarks
    ]
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(file_name="nav.xhtml", title="Contents")
    book.add_item(nav)
    book.spine = [items[d.file_name] for d in plan.documents]
    options = {
        "mtime": plan.modified,
        "raise_exceptions": True,
        "epub2_guide": False,
        "epub3_landmark": True,
        "landmark_title": "Landmarks",
        "epub3_pages": True,
        "pages_title": "Pages",
        "play_order": {"enabled": True, "start_from": 1},
    }
    with atomic_path(target) as temporary:
        raw = temporary.with_suffix(".raw")
        try:
            epub.write_epub(str(raw), book, options)
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


def render_volume_epub(job: EpubJob) -> EpubResult:
    started = time.perf_counter()
    volume = job.atlas.volume(job.volume)
    plan = plan_volume_epub(job.atlas, volume, job)
    write_epub(plan, job.target)
    return EpubResult(job.volume, job.target, time.perf_counter() - started)
