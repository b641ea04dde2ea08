"""A generated handbook shaped like the real one, for benchmarks and scale tests.

Deterministic for a given (articles, seed): 9 volumes, 42 chapters, sections of a few articles,
bodies of 500-1000 words with paragraphs, lists, quotes, an occasional table, cross-references
within and across volumes, stages and tags.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

VOLUMES = [
    "Introduction and Overview",
    "Strategy",
    "Product and Engineering",
    "Quality and Operations",
    "Sales and Marketing",
    "Finance",
    "People and Organization",
    "Leadership",
    "Growth and Exit",
]
CHAPTERS_PER_VOLUME = [5, 5, 5, 5, 5, 5, 4, 4, 4]  # 42 chapters
STAGES = [
    ("Has an idea", "S1_Idea"),
    ("Has a team", "S2_Team"),
    ("Has a prototype", "S3_Prototype"),
    ("Has a product", "S4_Product"),
    ("Has a first sale", "S5_FirstSale"),
    ("Has some customers", "S6_Customers"),
    ("Has repeatable sales", "S7_Repeatable"),
    ("Is scaling", "S8_Scaling"),
    ("Is mature", "S9_Mature"),
]
NOUNS = [
    "customer",
    "team",
    "founder",
    "budget",
    "forecast",
    "pipeline",
    "product",
    "release",
    "market",
    "price",
    "contract",
    "board",
    "investor",
    "hire",
    "manager",
    "meeting",
    "decision",
    "plan",
    "roadmap",
    "defect",
    "process",
    "partner",
    "quarter",
    "runway",
    "margin",
    "segment",
    "support",
    "promise",
    "habit",
    "review",
    "metric",
    "owner",
    "risk",
]
VERBS = [
    "changes",
    "protects",
    "delays",
    "improves",
    "tests",
    "explains",
    "reveals",
    "costs",
    "shapes",
    "limits",
    "rewards",
    "follows",
    "supports",
    "weakens",
    "measures",
    "clarifies",
]
ADJECTIVES = [
    "small",
    "early",
    "honest",
    "careful",
    "busy",
    "clear",
    "costly",
    "quiet",
    "steady",
    "simple",
    "risky",
    "patient",
    "narrow",
    "practical",
    "useful",
    "young",
    "growing",
]
KEYWORDS = [
    "Scalability",
    "Interrupt Driven",
    "Focus",
    "Pricing",
    "Hiring",
    "Culture",
    "Cash",
    "Runway",
    "Quality",
    "Defects",
    "Pipeline",
    "Qualification",
    "Delegation",
    "Roadmap",
    "Competition",
    "Funding",
    "Support",
    "Metrics",
    "Risk",
    "Exit",
]
TITLE_WORDS = [
    "Honest Forecasts",
    "Small Teams",
    "First Customers",
    "Quiet Risks",
    "Clear Owners",
    "Steady Habits",
    "Costly Promises",
    "Narrow Segments",
    "Patient Capital",
    "Useful Metrics",
    "Early Hires",
    "Careful Pricing",
]


def generate_sample(out: Path, articles: int, seed: int = 1) -> None:
    """Write a content tree of ``articles`` articles under ``out`` (created if missing)."""
    rng = random.Random(seed)
    plan = _plan(articles, rng)
    numbers = [number for chapter in plan for number in chapter[3]]
    out.mkdir(parents=True, exist_ok=True)
    stage_articles = [n for n in numbers if n.startswith("1.03")][:9]
    atlas = {
        "title": "The Generated Atlas",
        "subtitle": "A sample handbook for benchmarks",
        "author": "Atlas Sample Generator",
        "publisher": "Example Press",
        "language": "en",
        "rights": "Generated text, free to use.",
        "identifier": "urn:uuid:7d9c2b8e-4f0a-4d3e-9b1c-5a6e8f2d1c30",
        "stages": {
            i + 1: {
                "name": name,
                "tag": tag,
                **({"article": stage_articles[i]} if i < len(stage_articles) else {}),
            }
            for i, (name, tag) in enumerate(STAGES)
        },
    }
    _write_yaml(out / "atlas.yaml", atlas)
    titles = {n: _title(rng, n) for n in numbers}
    for volume_index, title in enumerate(VOLUMES, start=1):
        volume_dir = out / f"{volume_index}-{_slug(title)}"
        _write_yaml(volume_dir / "volume.yaml", {"number": volume_index, "title": title})
    for volume_number, chapter, chapter_title, chapter_numbers in plan:
        volume_dir = out / f"{volume_number}-{_slug(VOLUMES[volume_number - 1])}"
        chapter_dir = volume_dir / f"{chapter}-{_slug(chapter_title)}"
        sections = sorted({int(n[4:6]) for n in chapter_numbers}) or [1]
        _write_yaml(
            chapter_dir / "chapter.yaml",
            {
                "number": f"{volume_number}.{chapter}",
                "title": chapter_title,
                "sections": {s: f"{chapter_title}, Part {s}" for s in sections},
            },
        )
        for number in chapter_numbers:
            stage_index = stage_articles.index(number) if number in stage_articles else None
            text = _article(rng, number, titles, numbers, stage_index)
            (chapter_dir / f"{number}-{_slug(titles[number])}.md").write_text(text)


def _plan(articles: int, rng: random.Random) -> list[tuple[int, str, str, list[str]]]:
    """(volume, CC, chapter title, article numbers) for the 42 chapters, articles spread evenly."""
    chapters = [
        (v, f"{c:02d}")
        for v, count in enumerate(CHAPTERS_PER_VOLUME, 1)
        for c in range(1, count + 1)
    ]
    # Chapter 1.03 holds the nine stage descriptions: it gets at least nine articles.
    share = [articles // len(chapters)] * len(chapters)
    for i in range(articles - sum(share)):
        share[i % len(chapters)] += 1
    stage_chapter = chapters.index((1, "03"))
    while share[stage_chapter] < 9:
        donor = max((i for i in range(len(share)) if i != stage_chapter), key=lambda i: share[i])
        share[donor] -= 1
        share[stage_chapter] += 1
    plan = []
    for (volume, chapter), count in zip(chapters, share, strict=True):
        numbers = []
        section, article = 1, 0
        for _ in range(count):
            article += 1
            if article > rng.randint(4, 8) and section < 99:  # numbers of two digits
                section, article = section + 1, 1
            numbers.append(f"{volume}.{chapter}{section:02d}{article:02d}")
        title = f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS).capitalize()}s"
        plan.append((volume, chapter, title, numbers))
    return plan


def _title(rng: random.Random, number: str) -> str:
    return f"{rng.choice(TITLE_WORDS)} and the {rng.choice(NOUNS).capitalize()} ({number})"


def _sentence(rng: random.Random) -> str:
    words = [
        f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(VERBS)} "
        f"the {rng.choice(NOUNS)}"
    ]
    if rng.random() < 0.5:
        words.append(f"when the {rng.choice(NOUNS)} is {rng.choice(ADJECTIVES)}")
    if rng.random() < 0.3:
        words.append(f"and every {rng.choice(NOUNS)} {rng.choice(VERBS)} with it")
    return " ".join(words) + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _article(
    rng: random.Random,
    number: str,
    titles: dict[str, str],
    numbers: list[str],
    stage_index: int | None,
) -> str:
    stages = [stage_index + 1] if stage_index is not None else []
    tags = [STAGES[stage_index][1]] if stage_index is not None else []
    if stage_index is None:
        stages = sorted(rng.sample(range(1, 10), rng.randint(0, 3)))
        if stages and rng.random() < 0.35:
            tags = [STAGES[rng.choice(stages) - 1][1]]
    front = {
        "number": number,
        "title": titles[number],
        "summary": _sentence(rng),
        "date": dt.date(rng.randint(2015, 2019), rng.randint(1, 12), rng.randint(1, 28)),
        "keywords": sorted(rng.sample(KEYWORDS, rng.randint(1, 3))),
        "stages": stages,
        "tags": tags,
    }
    same_volume = [n for n in numbers if n[0] == number[0] and n != number]
    other_volumes = [n for n in numbers if n[0] != number[0]]
    parts: list[str] = []
    target_words = rng.randint(500, 1000)
    words = 0
    heading = 0
    while words < target_words:
        roll = rng.random()
        if roll < 0.08:
            parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 5))))
        elif roll < 0.12:
            parts.append("\n".join(f"{i}. {_sentence(rng)}" for i in range(1, 4)))
        elif roll < 0.15:
            parts.append(f"> {_paragraph(rng, 2)}")
        elif roll < 0.17:
            rows = "\n".join(
                f"| {rng.choice(NOUNS)} | {rng.randint(1, 99)} | {_sentence(rng)} |"
                for _ in range(rng.randint(3, 7))
            )
            parts.append(f"| Item | Count | Note |\n| --- | ---: | --- |\n{rows}")
        elif roll < 0.22:
            heading += 1
            parts.append(f"## {rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)}s")
        else:
            text = _paragraph(rng, rng.randint(3, 6))
            if same_volume and rng.random() < 0.25:
                text += f" See [](article:{rng.choice(same_volume)})."
            if other_volumes and rng.random() < 0.15:
                text += f" Compare [the other view](article:{rng.choice(other_volumes)})."
            if rng.random() < 0.03:
                text += f" The whole of [chapter {number[:4]}](chapter:{number[:4]}) helps."
            parts.append(text)
        words += len(parts[-1].split())
    body = "\n\n".join(parts)
    return (
        "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n" + body + "\n"
    )


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def _write_yaml(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
