"""One import run: read every export, plan where each goes, convert, then write (or, with
--dry-run, only say what would be written). Per file: imported, skipped or failed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..content.files import NotReadable, is_ignored, read_regular
from ..content.load import load_atlas
from ..errors import Diagnostics, display_path
from ..model import Article, Atlas, Stage
from ..outputs import atomic_write_bytes
from .body import article_tables, convert_body, drop_article_tables
from .detect import MAX_EXPORT_BYTES, decode, detect_kind
from .legacy import KIND_NAMES, ImportFailed, Legacy, plain
from .merge import merge_fields, paragraph_changes
from .place import Layout
from .references import Targets, resolve_references
from .titles import acronyms_in, known_acronyms, match_key, title_case
from .webexport import parse_web
from .wordexport import parse_word
from .yamltext import front_matter

Status = Literal["imported", "skipped", "failed"]


@dataclass(frozen=True, slots=True)
class FileReport:
    source: Path
    status: Status
    message: str
    target: Path | None = None
    actions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # 'path:line: message'


@dataclass(frozen=True, slots=True)
class ImportResult:
    files: tuple[FileReport, ...]
    dry_run: bool
    written: tuple[Path, ...]

    @property
    def failed(self) -> bool:
        return any(f.status == "failed" for f in self.files)

    def count(self, status: Status) -> int:
        return sum(1 for f in self.files if f.status == status)

    def lines(self) -> list[str]:
        would = "would " if self.dry_run else ""
        out: list[str] = []
        for report in self.files:
            source = display_path(report.source)
            if report.status == "imported":
                verb = "would import" if self.dry_run else "imported"
                out.append(
                    f"{verb} {source} -> {display_path(report.target or Path())} ({report.message})"
                )
            elif report.status == "skipped":
                out.append(f"skipped {source}: {report.message}")
            else:
                out.append(f"failed {report.message}")
            out += [f"  {would}{action}" for action in report.actions]
            out += [f"  {warning}" for warning in report.warnings]
        total = (
            f"{self.count('imported')} {'to import' if self.dry_run else 'imported'}, "
            f"{self.count('skipped')} skipped, {self.count('failed')} failed"
        )
        out.append(total + ("; dry run: nothing was written" if self.dry_run else ""))
        return out


@dataclass
class _Planned:
    source: Path
    legacy: Legacy
    encoding: str
    title: str
    stages: tuple[int, ...]
    notes: list[str] = field(default_factory=list)
    target: Path | None = None
    actions: list[str] = field(default_factory=list)
    text: str = ""
    stage: Stage | None = None  # the stage whose article (atlas.yaml) this is
    titled: Stage | None = None  # a stage this article's title names ('Stage 6: Has Some...')
    existing: Article | None = None  # the article --force replaces: merged, not dropped


def import_files(
    sources: Sequence[Path], content: Path, *, dry_run: bool = False, force: bool = False
) -> ImportResult:
    files = list(_expand(sources))
    if not (content / "atlas.yaml").is_file():
        why = f"{display_path(content)} is not a content tree (no atlas.yaml); give --content DIR"
        return ImportResult(
            tuple(FileReport(f, "failed", f"{display_path(f)}: {why}") for f in files), dry_run, ()
        )
    reports: dict[Path, FileReport] = {}
    atlas = load_atlas(content, Diagnostics())  # the tree as it is; its own errors are check's
    layout = Layout.read(content)
    planned = _read_all(files, atlas, layout, force, reports)
    placed = _place_all(planned, layout, reports)
    targets, tagged = _targets(atlas, layout, placed)
    converted: list[_Planned] = []
    for item in placed:
        try:
            _convert(item, targets, tagged)
        except ImportFailed as failure:
            reports[item.source] = _failed(item.source, failure)
            continue
        converted.append(item)
    written = [] if dry_run else _write(layout, converted, reports)
    for item in converted:
        if item.source not in reports:
            reports[item.source] = _imported(item)
    return ImportResult(tuple(reports[f] for f in files if f in reports), dry_run, tuple(written))


def _read_all(
    files: list[Path],
    atlas: Atlas | None,
    layout: Layout,
    force: bool,
    reports: dict[Path, FileReport],
) -> list[_Planned]:
    """Parse every export; skip the ones whose article exists (or that a richer export of the
    same article replaces), fail the unreadable ones."""
    acronyms = known_acronyms() | acronyms_in(a.title for a in _articles(atlas))
    planned: list[_Planned] = []
    read: list[tuple[Path, Legacy, str]] = []
    for source in files:
        try:
            legacy, encoding = _read(source)
        except ImportFailed as failure:
            reports[source] = _failed(source, failure)
            continue
        read.append((source, legacy, encoding))
    chosen: dict[str, tuple[Path, Legacy]] = {}
    for source, legacy, _ in read:
        existing = layout.articles.get(legacy.number)
        if existing is not None and not force:
            reports[source] = FileReport(
                source,
                "skipped",
                f"article {legacy.number} exists as {display_path(existing)}; --force replaces it",
            )
            continue
        other = chosen.get(legacy.number)
        if other is None:
            chosen[legacy.number] = (source, legacy)
        elif other[1].kind == legacy.kind:
            reports[source] = _failed(
                source,
                ImportFailed(
                    f"article {legacy.number} is also in {display_path(other[0])}, "
                    "imported in this run; import one of them",
                    legacy.number_line,
                ),
            )
        else:  # a word-processor and a web-page export of one article: the richer one wins
            word, web = (source, other[0]) if legacy.kind == "word" else (other[0], source)
            chosen[legacy.number] = (word, legacy if legacy.kind == "word" else other[1])
            reports[web] = FileReport(
                web,
                "skipped",
                f"article {legacy.number} is also in {display_path(word)}, a word-processor "
                "export: it is richer (header table, date, keywords, stage, abstract, the whole "
                "body), so it is the one imported",
            )
    for source, legacy, encoding in read:
        if chosen.get(legacy.number, (None,))[0] != source:
            continue
        own = acronyms | acronyms_in([*legacy.body, legacy.summary, legacy.abstract or ""])
        item = _Planned(source, legacy, encoding, title_case(plain(legacy.title), own), ())
        item.stages = _stages(legacy, atlas, item.notes, source)
        item.stage = next((s for s in _stages_of(atlas) if s.article == legacy.number), None)
        item.existing = next(
            (a for a in _articles(atlas) if a.number == legacy.number and force), None
        )
        item.titled = next(
            (s for s in _stages_of(atlas) if match_key(s.name) in match_key(item.title)), None
        )
        item.notes += [_at(source, note.line, note.message) for note in legacy.notes]
        planned.append(item)
    return planned


def _place_all(
    planned: list[_Planned], layout: Layout, reports: dict[Path, FileReport]
) -> list[_Planned]:
    # Word-processor exports first: their header tables may create what web exports need.
    placed: list[_Planned] = []
    for item in sorted(planned, key=lambda p: p.legacy.kind != "word"):
        try:
            item.target, item.actions = layout.place(item.legacy, item.title)
        except ImportFailed as failure:
            reports[item.source] = _failed(item.source, failure)
            continue
        placed.append(item)
    return placed


def _targets(
    atlas: Atlas | None, layout: Layout, placed: list[_Planned]
) -> tuple[Targets, dict[str, frozenset[str]]]:
    """What lost links and chapter mentions may point at, and each tag's articles, counting
    the articles of this run (and not the old versions of those it replaces)."""
    replaced = {item.legacy.number for item in placed}
    kept = [a for a in _articles(atlas) if a.number not in replaced]
    titles: dict[str, tuple[str, ...]] = {}
    for number, title in [(a.number, a.title) for a in kept] + [
        (p.legacy.number, p.title) for p in placed
    ]:
        key = match_key(title)
        titles[key] = (*titles.get(key, ()), number)
    tagged: dict[str, set[str]] = {}
    for article in kept:
        for tag in article.tags:
            tagged.setdefault(tag, set()).add(article.number)
    chapters = {n for n, c in layout.chapters.items() if c.yaml_exists}
    articles = {a.number for a in kept} | replaced
    return Targets(titles, chapters, articles), {tag: frozenset(n) for tag, n in tagged.items()}


def _write(layout: Layout, items: list[_Planned], reports: dict[Path, FileReport]) -> list[Path]:
    """volume.yaml and chapter.yaml first, then the articles; each file atomically."""
    written: list[Path] = []
    if not items:
        return written
    try:
        for path, text in layout.yaml_writes():
            atomic_write_bytes(path, text.encode("utf-8"))
            written.append(path)
    except (OSError, ImportFailed) as error:
        why = error.message if isinstance(error, ImportFailed) else str(error)
        for item in items:
            reports[item.source] = _failed(item.source, ImportFailed(f"not written: {why}"))
        return written
    for item in items:
        assert item.target is not None
        try:
            atomic_write_bytes(item.target, item.text.encode("utf-8"))
        except OSError as error:
            reports[item.source] = _failed(item.source, ImportFailed(f"not written: {error}"))
            continue
        written.append(item.target)
    return written


def _imported(item: _Planned) -> FileReport:
    legacy = item.legacy
    extra = "" if item.encoding == "UTF-8" else f", {item.encoding}"
    return FileReport(
        item.source,
        "imported",
        f"{KIND_NAMES[legacy.kind]}{extra}: {legacy.number} {item.title}",
        item.target,
        tuple(item.actions),
        tuple(item.notes),
    )


def _read(source: Path) -> tuple[Legacy, str]:
    try:
        data = read_regular(source, MAX_EXPORT_BYTES)
    except NotReadable as error:
        raise ImportFailed(error.message) from None
    decoded = decode(data)
    kind = detect_kind(decoded.text)
    legacy = parse_word(decoded.text) if kind == "word" else parse_web(decoded.text)
    return legacy, decoded.encoding


def _convert(item: _Planned, targets: Targets, tagged: dict[str, frozenset[str]]) -> None:
    legacy = item.legacy
    fields: dict[str, Any] = {
        "number": legacy.number,
        "title": item.title,
        "summary": plain(legacy.summary),
        "date": legacy.date,
        "keywords": legacy.keywords,
        "stages": item.stages,
        "tags": (),  # the exports carry none; an existing article's are kept
        "abstract": plain(legacy.abstract) if legacy.abstract else None,
    }
    if item.existing is not None:
        fields, changes = merge_fields(item.existing, fields)
        item.actions += changes
    head = front_matter(fields)
    lines = convert_body(list(legacy.body), tagged)
    first_body_line = head.count("\n") + 1
    assert item.target is not None
    tables = article_tables(lines)
    if tables and item.stage is not None:
        # The build ends a stage's article with its stage index, always complete: the export's
        # copy of it would be a second table, with other counts.
        lines = drop_article_tables(lines)
        listed = " and ".join(f"{t.articles} articles" for t in tables)
        s = item.stage
        item.actions.append(
            f"replace the export's table of {listed} by the stage index the build generates "
            f"(this is stage {s.number}'s article in atlas.yaml: the build adds "
            f"'Articles for stage {s.number}: {s.name}')"
        )
    elif item.titled is not None:  # it reads like a stage's article, but atlas.yaml disagrees
        s = item.titled
        named = f"names article {s.article}" if s.article else "names no article"
        for table in tables:
            item.notes.append(
                _at(
                    item.target,
                    first_body_line + table.index,
                    f"this table of {table.articles} articles stays as written: atlas.yaml "
                    f"{named} for stage {s.number}, so the build adds no stage index here; "
                    f'to have it generated instead, write article: "{legacy.number}" under '
                    f"stage {s.number} in atlas.yaml and delete the table",
                )
            )
    body, notes = resolve_references(lines, targets)
    if item.existing is not None:
        changed = paragraph_changes(item.existing.body, body)
        item.actions += changed
        if len(item.actions) == 0:
            item.actions.append("change nothing: the export says what the article says")
    item.notes += [_at(item.target, first_body_line + n.index, n.message) for n in notes]
    item.text = head + "\n".join(body) + "\n"


def _stages(legacy: Legacy, atlas: Atlas | None, notes: list[str], source: Path) -> tuple[int, ...]:
    """'6 Has some customers' -> 6, by the stage's name in atlas.yaml (or its number)."""
    stages = atlas.stages if atlas else ()
    by_name = {match_key(s.name): s.number for s in stages}
    names = {s.number: s.name for s in stages}
    found: list[int] = []
    for text, line in legacy.stages:
        words = text.split(maxsplit=1)
        number = int(words[0]) if words and words[0].isdigit() else None
        name = (words[1] if len(words) > 1 else "") if number is not None else text
        stage = by_name.get(match_key(name)) if name else None
        if stage is None and number in names:
            stage = number
            if name:
                notes.append(
                    _at(
                        source,
                        line,
                        f"stage '{text}': atlas.yaml names stage {number} "
                        f"'{names[number]}'; used {number}",
                    )
                )
        if stage is None:
            listed = ", ".join(f"{s.number} {s.name}" for s in stages) or "none"
            notes.append(
                _at(
                    source,
                    line,
                    f"stage '{text}' is not in atlas.yaml (stages: {listed}); left out",
                )
            )
            continue
        if number is not None and number != stage:
            notes.append(
                _at(source, line, f"stage '{text}' is stage {stage} in atlas.yaml; used {stage}")
            )
        if stage not in found:
            found.append(stage)
    return tuple(sorted(found))


def _stages_of(atlas: Atlas | None) -> tuple[Stage, ...]:
    return atlas.stages if atlas else ()


def _articles(atlas: Atlas | None) -> list[Article]:
    return list(atlas.iter_articles()) if atlas else []


def _at(path: Path, line: int | None, message: str) -> str:
    where = display_path(path) + (f":{line}" if line else "")
    return f"{where}: warning: {message}"


def _failed(source: Path, failure: ImportFailed) -> FileReport:
    where = display_path(source) + (f":{failure.line}" if failure.line else "")
    return FileReport(source, "failed", f"{where}: {failure.message}")


def _expand(sources: Iterable[Path]) -> Iterable[Path]:
    """Files as given; a folder stands for the files in it (names starting '.' or '_' skipped)."""
    for source in sources:
        if source.is_dir():
            yield from sorted(
                p
                for p in source.rglob("*")
                if p.is_file()
                and not any(is_ignored(Path(part)) for part in p.relative_to(source).parts)
            )
        else:
            yield source
