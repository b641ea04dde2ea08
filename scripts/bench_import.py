"""Benchmark and round trip of `atlas-publish import` at the handbook's scale.

Generates a sample handbook, writes a word-processor export (CRLF, UPPERCASE title, header
table, references turned into lost links '[*Title*](#)') for every article, imports them all
into a tree holding only part of the structure, and prints the time and every front matter or
reference that did not come back as it was.

    PYTHONPATH=src python scripts/bench_import.py [--articles 700]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from atlas_publish.content.load import load_atlas
from atlas_publish.errors import Diagnostics
from atlas_publish.importer import import_files
from atlas_publish.model import Atlas
from atlas_publish.pipeline import check
from atlas_publish.sample import generate_sample


def write_exports(atlas: Atlas, out: Path) -> int:
    titles = {a.number: a.title for a in atlas.iter_articles()}
    stages = {s.number: s.name for s in atlas.stages}
    count = 0
    for volume in atlas.volumes:
        for chapter in volume.chapters:
            for section in chapter.sections:
                for a in section.articles:
                    body = re.sub(
                        r"\[\]\(article:([\d.]+)\)",
                        lambda m: f"[*{titles[m.group(1)]}*](#)",
                        a.body,
                    )
                    body = re.sub(
                        r"\[([^\]]*)\]\(chapter:([\d.]+)\)",
                        lambda m: m.group(1) or f"chapter {m.group(2)}",
                        body,
                    )
                    stage = ", ".join(f"{n} {stages[n]}" for n in a.stages)
                    text = (
                        "\n| | | |\n|---|---|---|\n"
                        f"| Volume | {volume.number} | {volume.title} |\n"
                        f"| Chapter | {chapter.number[2:]} | {chapter.title} |\n"
                        f"| Section | {section.number:02d} | {section.title} |\n"
                        f"| Key Word Tags | {', '.join(a.keywords)} | |\n"
                        f"| Stage | {stage} | |\n\n"
                        f"{a.title.upper()}\n\nFile No. {a.number} | {a.date or ''}\n\n"
                        f"Quick Summary: {a.summary}\n\n{body}"
                    )
                    (out / f"{a.number}.md").write_bytes(text.replace("\n", "\r\n").encode())
                    count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=700)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        generate_sample(base / "original", args.articles)
        original = load_atlas(base / "original", Diagnostics())
        assert original is not None
        (base / "exports").mkdir()
        count = write_exports(original, base / "exports")
        tree = base / "tree"
        shutil.copytree(base / "original", tree)
        for article in tree.glob("*/*/*.md"):
            article.unlink()
        for volume in sorted(tree.glob("[5-9]-*")):
            shutil.rmtree(volume)  # half the volumes must be created from the header tables

        started = time.perf_counter()
        result = import_files([base / "exports"], tree)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        checked = check(tree)
        check_seconds = time.perf_counter() - started

        differences = 0
        for before in original.iter_articles():
            after = checked.indexes.articles[before.number]
            for field in ("title", "summary", "date", "keywords", "stages"):
                if getattr(before, field) != getattr(after, field):
                    differences += 1
                    print(f"{before.number} {field}: {getattr(before, field)!r} -> "
                          f"{getattr(after, field)!r}")  # fmt: skip
            refs = re.compile(r"\(article:([\d.?]+)\)")
            if refs.findall(before.body) != refs.findall(after.body):
                differences += 1
                print(f"{before.number}: references differ")
        warnings = sum(len(f.warnings) for f in result.files)
        print(
            f"{count} exports: {result.count('imported')} imported, {result.count('failed')} "
            f"failed, {warnings} warnings in {seconds:.2f} s "
            f"({1000 * seconds / max(count, 1):.1f} ms per export); check {check_seconds:.2f} s; "
            f"{differences} round-trip differences"
        )
        return 1 if differences or result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
