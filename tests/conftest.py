"""Small content trees built inside the tests."""

from __future__ import annotations

import difflib
import os
import shutil
import signal
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

ATLAS_YAML = """\
title: Test Atlas
subtitle: A tiny handbook
author: Tess Writer
publisher: Test Press
language: en
rights: Copyright 2026 Tess Writer.
identifier: urn:uuid:0b0e8a52-3d9f-4a51-9a43-7c7f3a0c2b11
stages:
  6:
    name: Has some customers
    tag: S6_Customers
    article: "1.010102"
  7:
    name: Has repeatable sales
    tag: S7_Repeatable
"""


class Tree:
    """A content tree under construction: volumes, chapters and articles with sensible defaults."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        (root / "atlas.yaml").write_text(ATLAS_YAML)

    def volume(self, number: int, title: str = "", slug: str = "") -> Path:
        folder = self.root / f"{number}-{slug or f'volume-{number}'}"
        folder.mkdir(exist_ok=True)
        (folder / "volume.yaml").write_text(
            f"number: {number}\ntitle: {title or f'Volume {number} Title'}\n"
        )
        return folder

    def chapter(self, number: str, title: str = "", sections: dict[int, str] | None = None) -> Path:
        volume = int(number[0])
        matches = list(self.root.glob(f"{volume}-*"))
        folder = (
            matches[0] if matches else self.volume(volume)
        ) / f"{number[2:]}-chapter-{number[2:]}"
        folder.mkdir(exist_ok=True)
        sections = sections or {1: "First Section", 2: "Second Section"}
        lines = "".join(f"  {k}: {v}\n" for k, v in sections.items())
        (folder / "chapter.yaml").write_text(
            f'number: "{number}"\ntitle: {title or f"Chapter {number}"}\nsections:\n{lines}'
        )
        return folder

    def article(
        self,
        number: str,
        body: str = "Some text.",
        *,
        title: str = "",
        front: str = "",
        raw: str | None = None,
        slug: str = "an-article",
    ) -> Path:
        matches = list(self.root.glob(f"{number[0]}-*/{number[2:4]}-*"))
        folder = matches[0] if matches else self.chapter(number[:4])
        path = folder / f"{number}-{slug}.md"
        if raw is not None:
            path.write_text(raw)
            return path
        front = front or (
            f'number: "{number}"\ntitle: {title or f"Article {number}"}\n'
            f"summary: The summary of {number}.\n"
        )
        path.write_text(f"---\n{front}---\n{textwrap.dedent(body)}")
        return path


@pytest.fixture(scope="session", autouse=True)
def _proof_faults_as_warnings() -> Iterator[None]:
    """Trees built to test caching, links or the EPUB are not typeset to a proofreader's
    standard: their builds print the proof gate's faults as warnings (as --lenient does).
    Tests marked ``proof`` (tests/test_proof.py) run the gate as a build does by default."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("atlas_publish.pipeline.PROOF_FAULTS", "warn")
        yield


@pytest.fixture(autouse=True)
def _proof_faults_fail(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("proof") is not None:
        monkeypatch.setattr("atlas_publish.pipeline.PROOF_FAULTS", "fail")


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path / "content")


@pytest.fixture
def small_tree(tree: Tree) -> Tree:
    """Two volumes, three articles, a stage article, references of every kind."""
    tree.volume(1, "Beginnings")
    tree.volume(2, "Endings")
    tree.article(
        "1.010101",
        "Read [](article:1.010102) and [the chapter](chapter:1.01).\n",
        title="Opening Moves",
    )
    tree.article(
        "1.010102",
        "Customers arrive.[^1] See [](volume:2) and [closing](article:2.010101).\n\n"
        "[^1]: A footnote.\n",
        title="Has Some Customers",
        front='number: "1.010102"\ntitle: Has Some Customers\nsummary: Customers bring problems.\n'
        "stages: [6]\ntags: [S6_Customers]\nkeywords: [Scalability]\n",
    )
    tree.article(
        "2.010101",
        "Back to [](article:1.010101).\n",
        title="Closing Time",
        front='number: "2.010101"\ntitle: Closing Time\nsummary: Endings matter.\n'
        "stages: [6, 7]\ntags: [S6_Customers]\n",
    )
    return tree


def need(*tools: str) -> None:
    """Skip a test when a system tool is missing (``make test`` installs them)."""
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (run make setup)")


GOLDEN = Path(__file__).parent / "golden"
REGENERATE_GOLDEN = "ATLAS_REGEN_GOLDEN"  # =1: write every golden file from this run


def golden_file(name: str, actual: str) -> None:
    """``actual`` equals tests/golden/NAME; with ATLAS_REGEN_GOLDEN=1 it becomes the file."""
    path = GOLDEN / name
    if os.environ.get(REGENERATE_GOLDEN) == "1":
        path.write_text(actual, encoding="utf-8")
        return
    refresh = f"if the change is meant: {REGENERATE_GOLDEN}=1 pytest tests/test_golden.py"
    if not path.exists():
        pytest.fail(f"no golden file {path.name}; {refresh}")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "golden/" + name, "this run", lineterm=""
        )
        shown = "\n".join(list(diff)[:80])
        pytest.fail(f"{name} differs from its golden file ({refresh}):\n{shown}")


XML_NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EPUB_TYPE = f"{{{XML_NS['epub']}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def xml(data: bytes | str) -> ElementTree.Element:
    """A document of the EPUB, parsed: asserts read the XML as a reading system does."""
    return ElementTree.fromstring(data.encode() if isinstance(data, str) else data)


def spine_of(opf: bytes | str) -> list[str]:
    return [str(i.get("idref")) for i in xml(opf).iterfind("opf:spine/opf:itemref", XML_NS)]


def opf_metadata(opf: bytes | str) -> list[tuple[str, str, dict[str, str]]]:
    """(tag without namespace, text, attributes) of each element of the package's metadata."""
    found = xml(opf).find("opf:metadata", XML_NS)
    assert found is not None
    return [(e.tag.rpartition("}")[2], e.text or "", dict(e.attrib)) for e in found]


def nav_links(nav: bytes | str, kind: str) -> list[tuple[str, str, str]]:
    """(epub:type of the link, href, text) of each link of the nav element of ``kind``."""
    for element in xml(nav).iterfind(".//xhtml:nav", XML_NS):
        if element.get(EPUB_TYPE) == kind:
            return [
                (a.get(EPUB_TYPE) or "", a.get("href") or "", "".join(a.itertext()))
                for a in element.iterfind(".//xhtml:a", XML_NS)
            ]
    raise AssertionError(f"no nav of type {kind}")


def run_text(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail (instead of hanging the suite) when a test takes over 20 s: SIGALRM raises."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("took over 20 s: this input hangs the check or the build")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Debian's chromium for the browser tests, with no calls home: this machine's network is closed.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Tests that build editions (WeasyPrint layouts, EPUBCheck) take most of the suite's minutes.
# They are marked slow: `make test-fast` (pytest -m "not slow") leaves them out, in about a
# minute; `make test` and CI run everything. A new test that lays out a PDF or runs EPUBCheck
# belongs here (its module, when every test in it builds) or gets @pytest.mark.slow.
SLOW_MODULES = {
    "test_cache.py",  # each test builds a small tree, both editions
    "test_dist.py",  # publishes twice, EPUBCheck
    "test_editions.py",  # the sample handbook, both editions, EPUBCheck
    "test_epub.py",  # EPUBCheck on the sample handbook and 700 articles
    "test_indexes.py",  # back matter in both editions
    "test_print.py",  # PDF layouts in several trim sizes
    "test_print_design.py",  # PDF layouts of the sample handbook
    "test_pdfua.py",  # PDF/UA checks of built volumes
    "test_print_ready.py",  # PDF/X-4 builds
    "test_proof.py",  # a PDF layout per test, and the sample handbook's proof
    "test_site.py",  # web editions of the sample handbook, browser and axe checks
}
SLOW_TESTS = {
    "test_killed_builds_leave_previous_or_new_complete_files",  # several builds, killed
    "test_lenient_build_leaves_refused_resources_out",
    "test_a_chapter_preview_is_a_pdf_and_an_html_page",
    "test_only_the_chapter_is_laid_out",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = getattr(item, "originalname", item.name)
        if item.path.name in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
