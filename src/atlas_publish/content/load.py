"""Load a content tree into the model, validating everything on the way.

Every problem is collected in ``diagnostics`` with its file and line; the caller gates on them.
The returned Atlas is built from what could be read, so that later checks (cross-references)
can still run and report in the same pass.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..codes import Code
from ..errors import Diagnostics
from ..model import (
    DEFAULT_PAGE_SIZE,
    Article,
    Atlas,
    Chapter,
    PrintSettings,
    Section,
    Stage,
    Volume,
)
from .files import inside, is_ignored, outside_message, read_text
from .frontmatter import FrontMatterMissing, split_front_matter
from .yamlsource import YamlMap, parse_mapping

VOLUME_DIR = re.compile(r"^([1-9])-([A-Za-z0-9][A-Za-z0-9-]*)$")
CHAPTER_DIR = re.compile(r"^(\d\d)-([A-Za-z0-9][A-Za-z0-9-]*)$")
ARTICLE_FILE = re.compile(r"^(\d\.\d{6})-([A-Za-z0-9][A-Za-z0-9-]*)\.md$")
ARTICLE_NUMBER = re.compile(r"^[1-9]\.\d{6}$")
CHAPTER_NUMBER = re.compile(r"^[1-9]\.\d\d$")

ATLAS_KEYS = {
    "title",
    "subtitle",
    "author",
    "publisher",
    "language",
    "rights",
    "identifier",
    "stages",
    "print",
    "tagline",
    "url",
}
STAGE_KEYS = {"name", "tag", "article"}
PRINT_KEYS = {"size", "bleed", "marks"}
VOLUME_KEYS = {"number", "title", "isbn"}
CHAPTER_KEYS = {"number", "title", "sections"}
ARTICLE_KEYS = {
    "number",
    "title",
    "summary",
    "abstract",
    "date",
    "keywords",
    "stages",
    "tags",
}
# Limits that keep a small file from costing without bound (a 20 KB list of 3,000 tags took
# over a minute and a gigabyte to lay out): far above what the handbook needs.
MAX_LENGTH = {"title": 300, "subtitle": 300, "summary": 1_000, "name": 300}
MAX_TEXT = 5_000  # any other text field (abstract, rights...)
MAX_WORD = 100  # one tag or keyword
MAX_ITEMS = {"tags": 30, "keywords": 50}  # per article
MAX_ARTICLES_PER_CHAPTER = 250
MAX_ARTICLES_PER_VOLUME = 1_000  # a volume is laid out as one document
# What no edition can show, and XML cannot hold: control characters, lone surrogates.
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
PAGE_SIZES = {"a4", "a5", "letter", "legal"}
CSS_LENGTH = r"\d+(\.\d+)?(in|mm|cm|pt|pc|px)"


def load_atlas(root: Path, diagnostics: Diagnostics) -> Atlas | None:
    """Read and validate the content tree under ``root``; None when it has no usable atlas.yaml."""
    root = root.absolute()
    if not root.is_dir():
        diagnostics.error(Code.E031, "content folder not found", root)
        return None
    header = _load_atlas_yaml(root / "atlas.yaml", root, diagnostics)
    if header is None:
        return None
    volumes = _load_volumes(root, diagnostics)
    atlas = Atlas(root=root, volumes=volumes, **header)
    _check_unique_numbers(atlas, diagnostics)
    _check_stage_references(atlas, root / "atlas.yaml", diagnostics)
    return atlas


# --- atlas.yaml --------------------------------------------------------------------------------


def _load_atlas_yaml(path: Path, root: Path, diagnostics: Diagnostics) -> dict[str, Any] | None:
    if not path.is_file():
        diagnostics.error(
            Code.E031,
            "atlas.yaml is missing: the content folder needs one (title, author...)",
            path,
        )
        return None
    text = read_text(path, root, diagnostics)
    data = parse_mapping(text, path, diagnostics) if text is not None else None
    if data is None:
        return None
    _reject_unknown_keys(data, ATLAS_KEYS, diagnostics)
    title = _required_text(data, "title", diagnostics)
    author = _required_text(data, "author", diagnostics)
    language = _required_text(data, "language", diagnostics)
    if language and not LANGUAGE_TAG.match(language):
        diagnostics.error(
            Code.E011,
            f"language '{language}' is not a BCP 47 tag such as 'en' or 'en-GB'",
            path,
            data.line_of("language"),
        )
    identifier = _optional_text(data, "identifier", diagnostics)
    if identifier is None:
        # A stable id derived from what identifies the work, so EPUBs keep their identity.
        identifier = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'atlas:{title}:{author}')}"
    return {
        "title": title or "Untitled",
        "subtitle": _optional_text(data, "subtitle", diagnostics),
        "author": author or "Unknown",
        "publisher": _optional_text(data, "publisher", diagnostics),
        "language": language or "en",
        "rights": _optional_text(data, "rights", diagnostics),
        "identifier": identifier,
        "stages": _load_stages(data, diagnostics),
        "print": _load_print(data, diagnostics),
        "tagline": _optional_text(data, "tagline", diagnostics),
        "url": _load_url(data, diagnostics),
    }


def _load_url(data: YamlMap, diagnostics: Diagnostics) -> str | None:
    """The web edition's address: absolute http(s), always ending in '/' (pages are under it)."""
    url = _optional_text(data, "url", diagnostics)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        diagnostics.error(
            Code.E011,
            f"url '{url}' must be the web edition's address, such as https://example.org/atlas/",
            data.path,
            data.line_of("url"),
        )
        return None
    return url if url.endswith("/") else url + "/"


def _load_stages(data: YamlMap, diagnostics: Diagnostics) -> tuple[Stage, ...]:
    raw = data.get("stages")
    if raw is None:
        return ()
    if not isinstance(raw, YamlMap):
        diagnostics.error(
            Code.E011,
            "stages must be a mapping: stage number -> name, tag, article",
            data.path,
            data.line_of("stages"),
        )
        return ()
    stages = []
    tags: dict[str, int] = {}
    for key, value in raw.items():
        line = raw.line_of(key)
        if not isinstance(key, int) or isinstance(key, bool) or key < 1:
            diagnostics.error(
                Code.E011, f"stage '{key}' must be a whole number such as 6", data.path, line
            )
            continue
        if not isinstance(value, YamlMap):
            diagnostics.error(
                Code.E011, f"stage {key} needs 'name:' and 'tag:' under it", data.path, line
            )
            continue
        _reject_unknown_keys(value, STAGE_KEYS, diagnostics)
        name = _required_text(value, "name", diagnostics)
        tag = _required_text(value, "tag", diagnostics)
        article = _number_text(value, "article", diagnostics)
        if article is not None and not ARTICLE_NUMBER.match(article):
            diagnostics.error(
                Code.E020,
                f"article '{article}' is not an article number V.CCSSAA such as 1.030106",
                data.path,
                value.line_of("article"),
            )
            article = None
        if tag:
            if tag in tags:
                diagnostics.error(
                    Code.E011, f"tag {tag} is already the tag of stage {tags[tag]}", data.path, line
                )
            tags[tag] = key
        article_line = value.line_of("article") if article else line
        stages.append(Stage(key, name or f"Stage {key}", tag or f"S{key}", article, article_line))
    return tuple(sorted(stages, key=lambda s: s.number))


def _load_print(data: YamlMap, diagnostics: Diagnostics) -> PrintSettings:
    raw = data.get("print")
    if raw is None:
        return PrintSettings()
    if not isinstance(raw, YamlMap):
        diagnostics.error(
            Code.E011,
            "print must be a mapping (size, bleed, marks)",
            data.path,
            data.line_of("print"),
        )
        return PrintSettings()
    _reject_unknown_keys(raw, PRINT_KEYS, diagnostics)
    size = _optional_text(raw, "size", diagnostics) or DEFAULT_PAGE_SIZE
    size_ok = size.lower() in PAGE_SIZES or re.fullmatch(f"{CSS_LENGTH} {CSS_LENGTH}", size)
    if not size_ok:
        diagnostics.error(
            Code.E011,
            f"print size '{size}' is not a page size: write e.g. '6in 9in', 'A4' or 'letter'",
            raw.path,
            raw.line_of("size"),
        )
        size = DEFAULT_PAGE_SIZE
    bleed = _optional_text(raw, "bleed", diagnostics)
    if bleed is not None and not re.fullmatch(CSS_LENGTH, bleed):
        diagnostics.error(
            Code.E011,
            f"bleed '{bleed}' is not a length such as 3mm",
            raw.path,
            raw.line_of("bleed"),
        )
        bleed = None
    marks = _optional_text(raw, "marks", diagnostics)
    if marks is not None and not set(marks.split()) <= {"crop", "cross"}:
        diagnostics.error(
            Code.E011,
            f"marks '{marks}' must be 'crop', 'cross' or 'crop cross'",
            raw.path,
            raw.line_of("marks"),
        )
        marks = None
    return PrintSettings(size=size, bleed=bleed, marks=marks)


# --- volumes and chapters ----------------------------------------------------------------------


def _load_volumes(root: Path, diagnostics: Diagnostics) -> tuple[Volume, ...]:
    volumes = []
    for entry in sorted(root.iterdir()):
        if is_ignored(entry) or entry.name == "atlas.yaml":
            continue
        if _link_away(entry, root, diagnostics):
            continue
        match = VOLUME_DIR.match(entry.name)
        if not entry.is_dir():
            diagnostics.warning(
                Code.W001, "ignored: only atlas.yaml and volume folders belong here", entry
            )
            continue
        if not match:
            diagnostics.error(
                Code.E030,
                "a volume folder is named '<V>-<slug>' such as '1-introduction' "
                "(rename it, or start its name with '_' to have it ignored)",
                entry,
            )
            continue
        volume = _load_volume(entry, int(match.group(1)), match.group(2), root, diagnostics)
        if volume is not None:
            volumes.append(volume)
    numbers: dict[int, Path] = {}
    for volume in volumes:
        if volume.number in numbers:
            diagnostics.error(
                Code.E022,
                f"volume {volume.number} is also the folder {numbers[volume.number].name}",
                volume.path,
            )
        numbers[volume.number] = volume.path
    return tuple(sorted(volumes, key=lambda v: v.number))


def _link_away(entry: Path, root: Path, diagnostics: Diagnostics) -> bool:
    """A symbolic link in place of a volume or chapter folder that loops or leads outside the
    content folder: one E003 for the folder (not one per file in it, nor a silent W001)."""
    if not entry.is_symlink() or inside(entry, root):
        return False
    diagnostics.error(Code.E003, outside_message(entry, "folder"), entry)
    return True


def _load_volume(
    folder: Path, number: int, slug: str, root: Path, diagnostics: Diagnostics
) -> Volume | None:
    path = folder / "volume.yaml"
    meta = _load_folder_yaml(path, root, diagnostics, "volume.yaml with 'number' and 'title'")
    if meta is None:
        return None
    _reject_unknown_keys(meta, VOLUME_KEYS, diagnostics)
    declared = _number_text(meta, "number", diagnostics)
    if declared is None:
        diagnostics.error(Code.E010, "'number' is required (the volume number)", path, meta.line)
    elif declared != str(number):
        diagnostics.error(
            Code.E020,
            f"number {declared} disagrees with the folder '{folder.name}' (volume {number})",
            path,
            meta.line_of("number"),
        )
    title = _required_text(meta, "title", diagnostics) or f"Volume {number}"
    chapters = []
    for entry in sorted(folder.iterdir()):
        if is_ignored(entry) or entry.name == "volume.yaml":
            continue
        if _link_away(entry, root, diagnostics):
            continue
        if not entry.is_dir():
            diagnostics.warning(
                Code.W001, "ignored: only volume.yaml and chapter folders belong here", entry
            )
            continue
        match = CHAPTER_DIR.match(entry.name)
        if not match:
            diagnostics.error(
                Code.E030,
                "a chapter folder is named '<CC>-<slug>' such as '03-business-stages'",
                entry,
            )
            continue
        chapter = _load_chapter(
            entry, f"{number}.{match.group(1)}", match.group(2), root, diagnostics
        )
        if chapter is not None:
            chapters.append(chapter)
    total = 0
    for chapter in chapters:
        for article in chapter.articles:
            total += 1
            if total == MAX_ARTICLES_PER_VOLUME + 1:
                diagnostics.error(
                    Code.E032,
                    f"volume {number} holds more than {MAX_ARTICLES_PER_VOLUME:,} articles, the "
                    "limit for one volume (it is laid out as one document): move chapters to "
                    "another volume",
                    article.path,
                    article.line_of("number"),
                )
    isbns = _isbns(meta, diagnostics)
    formats = dict(isbns)
    return Volume(
        number=number,
        slug=slug,
        title=title,
        isbn=formats.get("epub", formats.get("")),
        chapters=tuple(chapters),
        path=folder,
        isbns=isbns,
    )


ISBN_FORMATS = ("print", "pdf", "epub")


def _isbns(meta: YamlMap, diagnostics: Diagnostics) -> tuple[tuple[str, str], ...]:
    """volume.yaml's `isbn`: one ISBN for the volume, or one per format (print, pdf, epub),
    each checked with its check digit and written with its hyphens."""
    raw = meta.get("isbn")
    if raw is None:
        return ()
    if isinstance(raw, YamlMap):
        _reject_unknown_keys(raw, set(ISBN_FORMATS), diagnostics)
        entries = [(f, raw, f) for f in ISBN_FORMATS if raw.get(f) is not None]
    else:
        entries = [("", meta, "isbn")]
    # python-stdnum is slow to import, and most trees have no ISBN yet
    from stdnum import isbn
    from stdnum.exceptions import InvalidChecksum, ValidationError

    found = []
    for form, holder, key in entries:
        text = _optional_text(holder, key, diagnostics)
        if text is None:
            continue
        try:
            number = isbn.validate(text)
        except ValidationError as error:
            what = "check digit" if isinstance(error, InvalidChecksum) else "form"
            diagnostics.error(
                Code.E011,
                f"ISBN '{text}' is not valid (its {what} is wrong): copy the number again "
                "from the ISBN agency's record",
                holder.path,
                holder.line_of(key),
            )
            continue
        found.append((form, isbn.format(number)))
    return tuple(found)


def _load_chapter(
    folder: Path, number: str, slug: str, root: Path, diagnostics: Diagnostics
) -> Chapter | None:
    path = folder / "chapter.yaml"
    meta = _load_folder_yaml(
        path, root, diagnostics, "chapter.yaml with 'number', 'title' and 'sections'"
    )
    if meta is None:
        return None
    _reject_unknown_keys(meta, CHAPTER_KEYS, diagnostics)
    declared = _number_text(meta, "number", diagnostics)
    if declared is None:
        diagnostics.error(
            Code.E010, f"'number' is required (the chapter number, \"{number}\")", path, meta.line
        )
    elif declared != number:
        diagnostics.error(
            Code.E020,
            f"number {declared} disagrees with its folders (chapter {number})",
            path,
            meta.line_of("number"),
        )
    title = _required_text(meta, "title", diagnostics) or f"Chapter {number}"
    section_titles = _load_sections(meta, diagnostics)
    articles: dict[int, list[Article]] = {n: [] for n in section_titles}
    undeclared: dict[int, str] = {}
    count = 0
    for entry in sorted(folder.iterdir()):
        if is_ignored(entry) or entry.name == "chapter.yaml":
            continue
        if entry.is_dir():
            if entry.name != "images":
                diagnostics.warning(
                    Code.W001, "ignored: a chapter holds articles and an 'images' folder", entry
                )
            continue
        if entry.suffix != ".md":
            diagnostics.warning(Code.W001, "ignored: articles are '.md' files", entry)
            continue
        article = _load_article(entry, number, root, diagnostics)
        if article is None:
            continue
        if article.section not in section_titles:
            if article.summary:  # a stand-in (_stand_in): its file's own fault is the message
                declared_list = ", ".join(str(s) for s in section_titles) or "none"
                diagnostics.error(
                    Code.E021,
                    f"section {article.section:02d} is not declared in {path.name} "
                    f"(declared: {declared_list}); add it under 'sections:'",
                    entry,
                    article.line_of("number"),
                )
            # The article still exists for the references to it, in a stand-in section.
            undeclared.setdefault(article.section, f"Section {article.section:02d}")
            articles.setdefault(article.section, [])
        articles[article.section].append(article)
        count += 1
        if count == MAX_ARTICLES_PER_CHAPTER + 1:
            diagnostics.error(
                Code.E032,
                f"chapter {number} holds more than {MAX_ARTICLES_PER_CHAPTER} articles, the "
                "limit for one chapter: split it into two chapters",
                entry,
                article.line_of("number"),
            )
    titles = section_titles | undeclared
    sections = tuple(
        Section(n, titles[n], tuple(sorted(articles[n], key=lambda a: a.number)))
        for n in sorted(titles)
    )
    return Chapter(number=number, slug=slug, title=title, sections=sections, path=folder)


def _load_sections(meta: YamlMap, diagnostics: Diagnostics) -> dict[int, str]:
    raw = meta.get("sections")
    if raw is None:
        return {}
    if not isinstance(raw, YamlMap):
        diagnostics.error(
            Code.E011,
            "sections must be lines 'number: title', e.g. '1: Business Stage Descriptions'",
            meta.path,
            meta.line_of("sections"),
        )
        return {}
    sections = {}
    for key, value in raw.items():
        if not isinstance(key, int) or isinstance(key, bool) or not 1 <= key <= 99:
            diagnostics.error(
                Code.E011,
                f"section '{key}' must be a number from 1 to 99",
                meta.path,
                raw.lines[key],
            )
        elif not isinstance(value, str) or not value.strip():
            diagnostics.error(Code.E011, f"section {key} needs a title", meta.path, raw.lines[key])
        elif not _showable(value, f"section {key}", raw, key, diagnostics):
            pass
        elif len(value) > MAX_LENGTH["title"]:
            diagnostics.error(
                Code.E011,
                f"section {key}'s title is {len(value):,} characters long, over the limit of "
                f"{MAX_LENGTH['title']}: shorten it",
                meta.path,
                raw.lines[key],
            )
        else:
            sections[key] = value.strip()
    return sections


def _load_folder_yaml(
    path: Path, root: Path, diagnostics: Diagnostics, what: str
) -> YamlMap | None:
    if not path.is_file():
        diagnostics.error(Code.E031, f"{path.name} is missing: add {what}", path.parent)
        return None
    text = read_text(path, root, diagnostics)
    return parse_mapping(text, path, diagnostics) if text is not None else None


# --- articles ----------------------------------------------------------------------------------


def _load_article(path: Path, chapter: str, root: Path, diagnostics: Diagnostics) -> Article | None:
    """The article in ``path``; with broken front matter, a stand-in for what could be read.

    An article whose front matter is broken still exists: its number is known from the file
    name, so references to it resolve and its own fault is the only message about it.
    """
    match = ARTICLE_FILE.match(path.name)
    if not match:
        diagnostics.error(
            Code.E030,
            "an article file is named '<number>-<slug>.md' such as '1.030106-has-some-customers.md'",
            path,
        )
        return None
    named = match.group(1)  # the number the file name gives
    text = read_text(path, root, diagnostics)
    if text is None:
        return _stand_in(path, named, match.group(2), chapter)
    try:
        split = split_front_matter(text)
    except FrontMatterMissing as exc:
        diagnostics.error(Code.E002, exc.message, path, exc.line)
        return _stand_in(path, named, match.group(2), chapter)
    data = parse_mapping(split.yaml_text, path, diagnostics, split.yaml_first_line)
    if data is None:
        return _stand_in(path, named, match.group(2), chapter, split.body, split.body_first_line)
    misspelt = _reject_unknown_keys(data, ARTICLE_KEYS, diagnostics)
    number = _number_text(data, "number", diagnostics)
    # A required field written with a typo is one fault, reported as the typo (E012) only.
    title = _required_text(data, "title", diagnostics, quiet="title" in misspelt)
    summary = _required_text(data, "summary", diagnostics, quiet="summary" in misspelt)
    if number is None:
        if "number" not in misspelt:
            diagnostics.error(
                Code.E010, f"'number' is required (\"{named}\" from the file name)", path, data.line
            )
        number = named
    elif not ARTICLE_NUMBER.match(number):
        diagnostics.error(
            Code.E020,
            f"number '{number}' is not V.CCSSAA (e.g. \"1.030106\"); write it as the file "
            "name begins",
            path,
            data.line_of("number"),
        )
        number = named
    elif number[:4] != chapter:
        diagnostics.error(
            Code.E020,
            f"number {number} belongs in chapter {number[:4]}, but the file is in the folder "
            f"of chapter {chapter}; move the file or correct the number",
            path,
            data.line_of("number"),
        )
        number = named
    elif number != named:
        diagnostics.error(
            Code.E020,
            f"number {number} disagrees with the file name ({named}); rename the file "
            "or correct the number",
            path,
            data.line_of("number"),
        )
    if number[:4] != chapter:
        return None  # neither the front matter nor the file name fits this folder
    return Article(
        number=number,
        slug=match.group(2),
        title=title or _title_from_slug(match.group(2)),
        summary=summary or "",
        abstract=_optional_text(data, "abstract", diagnostics),
        date=_date(data, diagnostics),
        keywords=_text_list(data, "keywords", diagnostics),
        stages=_stage_list(data, diagnostics),
        tags=_text_list(data, "tags", diagnostics),
        body=split.body,
        path=path,
        body_line=split.body_first_line,
        lines=tuple((str(k), v) for k, v in data.lines.items()),
    )


def _stand_in(
    path: Path, number: str, slug: str, chapter: str, body: str = "", body_line: int = 1
) -> Article | None:
    """What is known of an article whose front matter cannot be read: its file name."""
    if number[:4] != chapter:
        return None
    return Article(
        number=number,
        slug=slug,
        title=_title_from_slug(slug),
        summary="",
        abstract=None,
        date=None,
        keywords=(),
        stages=(),
        tags=(),
        body=body,
        path=path,
        body_line=body_line,
    )


def _title_from_slug(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def _date(data: YamlMap, diagnostics: Diagnostics) -> dt.date | None:
    value = data.get("date")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    diagnostics.error(
        Code.E011,
        f"date '{value}' is not a date: write it as YYYY-MM-DD",
        data.path,
        data.line_of("date"),
    )
    return None


def _stage_list(data: YamlMap, diagnostics: Diagnostics) -> tuple[int, ...]:
    value = data.get("stages")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    stages = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int):
            diagnostics.error(
                Code.E011,
                f"stage '{item}' must be a stage number; write e.g. 'stages: [5, 6]'",
                data.path,
                data.line_of("stages"),
            )
        elif item not in stages:
            stages.append(item)
    return tuple(sorted(stages))


def _text_list(data: YamlMap, key: str, diagnostics: Diagnostics) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    result: list[str] = []
    seen: set[str] = set()  # a list would make many items cost their square
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item):
            diagnostics.error(
                Code.E011,
                f"{key} must be a list of words, e.g. '{key}: [Scalability, Interrupt Driven]'",
                data.path,
                data.line_of(key),
            )
            continue
        text = str(item).strip()
        if not _showable(text, f"{key} '{text[:40]}'", data, key, diagnostics):
            continue
        if len(text) > MAX_WORD:
            diagnostics.error(
                Code.E011,
                f"{key} '{text[:40]}...' is {len(text):,} characters long, over the limit of "
                f"{MAX_WORD}: a tag or keyword is a word or a few",
                data.path,
                data.line_of(key),
            )
            continue
        if text and text not in seen:
            seen.add(text)
            result.append(text)
    limit = MAX_ITEMS.get(key)
    if limit is not None and len(result) > limit:
        diagnostics.error(
            Code.E011,
            f"{len(result):,} {key}, over the limit of {limit} for one article: keep the ones "
            "that matter",
            data.path,
            data.line_of(key),
        )
        return tuple(result[:limit])
    return tuple(result)


# --- field helpers -----------------------------------------------------------------------------


def _required_text(
    data: YamlMap, key: str, diagnostics: Diagnostics, quiet: bool = False
) -> str | None:
    """The text of ``key``; E010 when it is missing, unless ``quiet`` (already reported)."""
    if key not in data or data.get(key) is None or str(data.get(key)).strip() == "":
        if not quiet:
            diagnostics.error(
                Code.E010,
                f"'{key}' is required: add a line '{key}: ...'",
                data.path,
                data.line_of(key),
            )
        return None
    return _optional_text(data, key, diagnostics)


def _optional_text(data: YamlMap, key: str, diagnostics: Diagnostics) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (YamlMap, list)):
        diagnostics.error(
            Code.E011,
            f"'{key}' must be text, not a list or mapping; put the text in quotes",
            data.path,
            data.line_of(key),
        )
        return None
    raw = data.raw.get(key)
    text = raw if raw is not None and not isinstance(value, str) else str(value)
    if not _showable(text, f"'{key}'", data, key, diagnostics):
        return None
    limit = MAX_LENGTH.get(key, MAX_TEXT)
    if len(text) > limit:
        diagnostics.error(
            Code.E011,
            f"'{key}' is {len(text):,} characters long, over the limit of {limit:,}: shorten it",
            data.path,
            data.line_of(key),
        )
        return None
    return text.strip() or None


def _showable(text: str, what: str, data: YamlMap, key: Any, diagnostics: Diagnostics) -> bool:
    """False after reporting a character no edition can show (a control character, half of
    a surrogate pair: YAML's "\\x07" or "\\ud800" escapes make them)."""
    bad = UNSHOWABLE.search(text)
    if bad is None:
        return True
    diagnostics.error(
        Code.E011,
        f"{what} holds the character U+{ord(bad[0]):04X}, which no edition can show: delete it",
        data.path,
        data.line_of(key),
    )
    return False


def _number_text(data: YamlMap, key: str, diagnostics: Diagnostics) -> str | None:
    """A number exactly as typed: never read through an int or a float."""
    if data.get(key) is None:
        return None
    raw = data.raw.get(key)
    if raw is None:
        diagnostics.error(Code.E011, f"'{key}' must be a number", data.path, data.line_of(key))
        return None
    return raw.strip()


def _reject_unknown_keys(data: YamlMap, known: set[str], diagnostics: Diagnostics) -> set[str]:
    """Report unknown fields; return the known fields they were probably meant to be."""
    meant = set()
    for key in data:
        if key not in known:
            guess = get_close_matches(str(key), sorted(known), n=1)
            hint = (
                f"; did you mean '{guess[0]}'?"
                if guess
                else f" (known: {', '.join(sorted(known))})"
            )
            diagnostics.error(
                Code.E012, f"unknown field '{key}'{hint}", data.path, data.line_of(key)
            )
            if guess and guess[0] not in data:
                meant.add(guess[0])
    return meant


# --- whole-tree checks -------------------------------------------------------------------------


def _check_unique_numbers(atlas: Atlas, diagnostics: Diagnostics) -> None:
    seen: dict[str, Article] = {}
    for article in atlas.iter_articles():
        first = seen.get(article.number)
        if first is not None:
            diagnostics.error(
                Code.E022,
                f"duplicate article number {article.number}: also used by "
                f"{first.path}:{first.line_of('number')}; give one of them another number",
                article.path,
                article.line_of("number"),
            )
        else:
            seen[article.number] = article


def _check_stage_references(atlas: Atlas, atlas_yaml: Path, diagnostics: Diagnostics) -> None:
    known = {stage.number for stage in atlas.stages}
    numbers = {a.number for a in atlas.iter_articles()}
    for stage in atlas.stages:
        if stage.article is not None and stage.article not in numbers:
            diagnostics.error(
                Code.E024,
                f"stage {stage.number} names article {stage.article}, which does not exist",
                atlas_yaml,
                stage.line,
            )
    for article in atlas.iter_articles():
        for number in article.stages:
            if number not in known:
                listed = ", ".join(str(n) for n in sorted(known)) or "none declared in atlas.yaml"
                diagnostics.error(
                    Code.E023,
                    f"unknown stage {number} (stages: {listed}); use one of them, or add "
                    "the stage to atlas.yaml",
                    article.path,
                    article.line_of("stages"),
                )
