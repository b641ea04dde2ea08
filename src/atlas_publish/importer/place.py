"""Where an article goes: ``<V>-<slug>/<CC>-<slug>/<number>-<slug>.md``, and the volume.yaml,
chapter.yaml and chapter sections it needs, created or added when the tree lacks them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from slugify import slugify

from ..content.files import is_ignored
from ..content.load import ARTICLE_FILE, CHAPTER_DIR, VOLUME_DIR
from ..errors import display_path
from .legacy import ImportFailed, Legacy
from .yamltext import add_sections, chapter_yaml, volume_yaml


def slug(title: str) -> str:
    return slugify(title, max_length=60, word_boundary=True) or "untitled"


@dataclass
class ChapterPlan:
    number: str  # "5.03"
    folder: Path
    title: str | None
    sections: dict[int, str]  # declared in chapter.yaml (or to be)
    yaml_exists: bool
    yaml_text: str = ""
    added: dict[int, str] = field(default_factory=dict)  # sections this import adds

    @property
    def yaml_path(self) -> Path:
        return self.folder / "chapter.yaml"


@dataclass
class VolumePlan:
    number: int
    folder: Path
    title: str | None
    yaml_exists: bool

    @property
    def yaml_path(self) -> Path:
        return self.folder / "volume.yaml"


@dataclass
class Layout:
    """The tree's volumes and chapters as they are, plus what this import adds to them."""

    root: Path
    volumes: dict[int, VolumePlan]
    chapters: dict[str, ChapterPlan]
    articles: dict[str, Path]  # number -> the file that holds it now

    @classmethod
    def read(cls, root: Path) -> Layout:
        volumes: dict[int, VolumePlan] = {}
        chapters: dict[str, ChapterPlan] = {}
        articles: dict[str, Path] = {}
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not is_ignored(p)):
            match = VOLUME_DIR.match(folder.name)
            if not match or int(match.group(1)) in volumes:
                continue
            number = int(match.group(1))
            volumes[number] = VolumePlan(number, folder, None, (folder / "volume.yaml").is_file())
            for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not is_ignored(p)):
                chapter_match = CHAPTER_DIR.match(sub.name)
                if not chapter_match:
                    continue
                chapter = f"{number}.{chapter_match.group(1)}"
                if chapter not in chapters:
                    chapters[chapter] = _read_chapter(chapter, sub)
                for file in sub.iterdir():
                    article = ARTICLE_FILE.match(file.name)
                    if article and not is_ignored(file):
                        articles.setdefault(article.group(1), file)
        return cls(root, volumes, chapters, articles)

    def place(self, legacy: Legacy, title: str) -> tuple[Path, list[str]]:
        """The article's path, and what must be created for it (described for the report).

        Raises ImportFailed, changing nothing, when the tree lacks a volume, chapter or
        section that the export does not name.
        """
        number, structure = legacy.number, legacy.structure
        volume = self.volumes.get(int(number[0]))
        if (volume is None or not volume.yaml_exists) and not structure.volume_title:
            raise ImportFailed(
                f"volume {number[0]} is not in the content tree and this export does not name "
                f"it: create {number[0]}-<slug>/volume.yaml first",
                legacy.number_line,
            )
        folder = (
            volume.folder
            if volume
            else self.root / f"{number[0]}-{slug(structure.volume_title or '')}"
        )
        chapter = self.chapters.get(number[:4])
        if (chapter is None or not chapter.yaml_exists) and not structure.chapter_title:
            raise ImportFailed(
                f"chapter {number[:4]} is not in the content tree and this export does not "
                f"name it: create {folder.name}/{number[2:4]}-<slug>/chapter.yaml first",
                legacy.number_line,
            )
        section = int(number[4:6])
        if (chapter is None or section not in chapter.sections) and not structure.section_title:
            where = display_path(chapter.yaml_path) if chapter else "chapter.yaml"
            raise ImportFailed(
                f"section {number[4:6]} is not declared in {where} and this export does not "
                "name it: add it under 'sections:' first",
                legacy.number_line,
            )
        if chapter is not None and chapter.yaml_text and section not in chapter.sections:
            # Try the edit now, so a chapter.yaml the importer cannot edit fails this file only.
            add_sections(
                chapter.yaml_text,
                chapter.added | {section: structure.section_title or ""},
                chapter.yaml_path,
            )
        actions: list[str] = []
        if volume is None or not volume.yaml_exists:
            volume = volume or VolumePlan(int(number[0]), folder, structure.volume_title, False)
            volume.title = structure.volume_title
            actions.append(
                f"create {display_path(volume.yaml_path)} (volume {number[0]}: {volume.title})"
            )
            volume.yaml_exists = True
            self.volumes[volume.number] = volume
        if chapter is None or not chapter.yaml_exists:
            chapter_folder = (
                chapter.folder
                if chapter
                else volume.folder / f"{number[2:4]}-{slug(structure.chapter_title or '')}"
            )
            chapter = chapter or ChapterPlan(number[:4], chapter_folder, None, {}, False)
            chapter.title = structure.chapter_title
            actions.append(
                f"create {display_path(chapter.yaml_path)} (chapter {number[:4]}: {chapter.title})"
            )
            chapter.yaml_exists = True
            chapter.yaml_text = ""  # written from the plan
            self.chapters[chapter.number] = chapter
        if section not in chapter.sections:
            title_of_section = structure.section_title or ""
            chapter.sections[section] = title_of_section
            chapter.added[section] = title_of_section
            actions.append(
                f"add section {section} ({title_of_section}) to {display_path(chapter.yaml_path)}"
            )
        existing = self.articles.get(number)
        path = existing or chapter.folder / f"{number}-{slug(title)}.md"
        self.articles[number] = path
        return path, actions

    def yaml_writes(self) -> list[tuple[Path, str]]:
        """The volume.yaml and chapter.yaml files to write, with their new text."""
        writes: list[tuple[Path, str]] = []
        for volume in self.volumes.values():
            if volume.title is not None and not volume.yaml_path.is_file():
                writes.append((volume.yaml_path, volume_yaml(volume.number, volume.title)))
        for chapter in self.chapters.values():
            if not chapter.added and chapter.yaml_text:
                continue
            if not chapter.yaml_text:
                if chapter.title is None:
                    continue
                text = chapter_yaml(chapter.number, chapter.title, chapter.sections)
            else:
                text = add_sections(chapter.yaml_text, chapter.added, chapter.yaml_path)
            writes.append((chapter.yaml_path, text))
        return writes


def _read_chapter(number: str, folder: Path) -> ChapterPlan:
    path = folder / "chapter.yaml"
    if not path.is_file():
        return ChapterPlan(number, folder, None, {}, False)
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        data = None
    sections: dict[int, str] = {}
    title = None
    if isinstance(data, dict):
        title = str(data.get("title") or "") or None
        raw = data.get("sections")
        if isinstance(raw, dict):
            sections = {k: str(v) for k, v in raw.items() if isinstance(k, int)}
    return ChapterPlan(number, folder, title, sections, True, text)
