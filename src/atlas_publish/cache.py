"""The incremental build cache: which outputs are still true, and what the last build learned.

Two levels, both stored in ``OUT/.cache/manifest.json``:

- the *input stamp*: path, size and mtime of every file the build reads (content tree,
  templates, fonts, the package's own code) plus the options. When it is unchanged since the
  last successful build, nothing can have changed: a no-op build stops there, without reading
  a single article (about a second for 700 articles).
- a *key per output* (``pdf/volume-3.pdf``): a hash of exactly what that file shows: the bytes
  of its volume's sources, the titles and summaries it takes from other volumes (recorded while
  the references were resolved), the handbook-wide counts when it prints any, atlas.yaml, the
  templates, CSS and fonts, the code and the options. An output is rebuilt only when its key
  changed or the file on disk is not the one the cache wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .links import Target
from .model import Atlas, Volume
from .outputs import atomic_write_bytes
from .pagebreaks import PrintLayout
from .render import PACKAGE_DIR, templates_dir

MANIFEST_VERSION = 2  # 2: a PDF's layout as three typed maps (pagebreaks.PrintLayout)


def _walk(root: Path, skip: Path | None = None) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and here / d != skip)
        for name in sorted(files):
            yield here / name


def input_stamp(content: Path, out: Path, options: Mapping[str, object]) -> str:
    """Size and mtime of every input file, and the options: equal stamps, equal builds."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    skip = out.absolute()
    for root in (content.absolute(), templates_dir(), PACKAGE_DIR):
        for path in _walk(root, skip):
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _hash_files(paths: Iterable[Path], base: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(base).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyMaker:
    """Computes output keys for one checked atlas; the shared parts are hashed once."""

    atlas: Atlas
    common: str  # code, templates, fonts, atlas.yaml, options

    @classmethod
    def create(cls, atlas: Atlas, options: Mapping[str, object]) -> KeyMaker:
        root = atlas.root
        code = _hash_files((p for p in _walk(PACKAGE_DIR) if p.suffix == ".py"), PACKAGE_DIR)
        templates = _hash_files(_walk(templates_dir()), templates_dir())
        overrides = root / "_templates"
        local = _hash_files(_walk(overrides), overrides) if overrides.is_dir() else ""
        header = (root / "atlas.yaml").read_bytes().hex()
        return cls(atlas, _hash(__version__, code, templates, local, header, dict(options)))

    def volume_key(
        self, edition: str, volume: Volume, refers_to: Iterable[Target], extra: object = None
    ) -> str:
        """What ``edition``'s file of ``volume`` shows, hashed."""
        sources = _hash_files(_walk(volume.path), volume.path)
        outside = sorted(
            (t.kind, t.number, t.volume, t.title, self._summary(t))
            for t in refers_to
            if t.volume != volume.number
        )
        return _hash(edition, self.common, sources, outside, self._counts(volume), extra)

    def _summary(self, target: Target) -> str:
        if target.kind != "article":
            return ""
        volume = self.atlas.volume(target.volume)
        return next((a.summary for a in volume.articles if a.number == target.number), "")

    def _counts(self, volume: Volume) -> object:
        """Handbook-wide counts, for the volumes that print some (expressions, stage indexes)."""
        described = {s.article for s in self.atlas.stages}
        if not any("{{" in a.body or a.number in described for a in volume.articles):
            return None
        articles = self.atlas.articles
        return (
            len(articles),
            sorted((s, [a.number for a in articles if s in a.stages]) for s in range(1, 10)),
            sorted(
                {
                    t: [a.number for a in articles if t in a.tags] for a in articles for t in a.tags
                }.items()
            ),
        )


@dataclass(slots=True)
class Entry:
    key: str
    size: int
    mtime_ns: int
    pages: int | None = None
    seconds: float = 0.0
    layout: PrintLayout | None = None  # a volume PDF's layout, for the EPUB and the indexes

    @property
    def folios(self) -> Mapping[str, int]:
        """Anchor -> folio of a volume PDF's layout (empty for other files)."""
        return self.layout.folios if self.layout else {}

    def matches(self, path: Path, key: str | None = None) -> bool:
        """The file on disk is the one this entry recorded (and, given a key, still wanted)."""
        if key is not None and key != self.key:
            return False
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


@dataclass(slots=True)
class Manifest:
    """The cache's record; ``outputs`` is keyed by the path relative to OUT."""

    path: Path
    stamp: str = ""
    volumes: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, Entry] = field(default_factory=dict)
    current: set[str] = field(default_factory=set)  # outputs known true for ``stamp``

    @classmethod
    def load(cls, out: Path) -> Manifest:
        path = out / ".cache" / "manifest.json"
        try:
            data: Any = json.loads(path.read_text())
            if data.get("version") != MANIFEST_VERSION:
                return cls(path)
            return cls(
                path,
                str(data["stamp"]),
                [int(v) for v in data["volumes"]],
                [str(w) for w in data["warnings"]],
                {str(k): _entry(v) for k, v in data["outputs"].items()},
                {str(c) for c in data["current"]},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)  # no cache, or one we cannot read: build everything

    def record(self, out: Path, relative: str, key: str, **facts: Any) -> Entry:
        stat = (out / relative).stat()
        entry = Entry(key, stat.st_size, stat.st_mtime_ns, **facts)
        self.outputs[relative] = entry
        self.current.add(relative)
        return entry

    def save(self) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "stamp": self.stamp,
            "volumes": self.volumes,
            "warnings": self.warnings,
            "current": sorted(self.current),
            "outputs": {
                k: {
                    "key": e.key,
                    "size": e.size,
                    "mtime_ns": e.mtime_ns,
                    "pages": e.pages,
                    "seconds": e.seconds,
                    "layout": e.layout.as_json() if e.layout else None,
                }
                for k, e in sorted(self.outputs.items())
            },
        }
        raw = json.dumps(data, sort_keys=True, indent=0).encode()
        try:
            if self.path.read_bytes() == raw:
                return  # a no-op build writes nothing
        except OSError:
            pass
        atomic_write_bytes(self.path, raw)


def _entry(data: dict[str, Any]) -> Entry:
    layout = data.pop("layout", None)
    return Entry(**data, layout=PrintLayout.from_json(layout) if layout else None)
