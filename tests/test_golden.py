"""Golden files: what the sample handbook's editions contain, byte for byte.

The print HTML of volume 1 (what WeasyPrint lays out) and, from volume 1's EPUB as written
by ebooklib and unpacked, the package document (OPF), the navigation document and the
chapter 1.03 document. Each is compared with its file in tests/golden/.

A deliberate change to a template, the Markdown or the EPUB plan changes these files: look at
the diff the failure prints, then refresh them all with one flag and commit them:

    ATLAS_REGEN_GOLDEN=1 .venv/bin/pytest -q tests/test_golden.py tests/test_indexes.py
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from atlas_publish.context import BuildContext
from atlas_publish.editions import epub as epub_edition
from atlas_publish.editions.print import PrintLinks, print_volume
from atlas_publish.pipeline import Checked, check
from atlas_publish.writers.epub import write_epub

from .conftest import golden_file

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
DATE = 1_700_000_000  # 2023-11-14: a fixed edition date, so the files do not change by day
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EPUB_MEMBERS = {
    "epub-volume-1-content.opf": "EPUB/content.opf",
    "epub-volume-1-nav.xhtml": "EPUB/nav.xhtml",
    "epub-volume-1-chapter-1.03.xhtml": "EPUB/chapter-1.03.xhtml",
}


@pytest.fixture(scope="module")
def sample() -> Checked:
    return check(CONTENT)


@pytest.fixture(scope="module")
def unpacked(sample: Checked, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Volume 1's EPUB, planned and written as a build does (no print layout: no page list)."""
    target = tmp_path_factory.mktemp("golden") / "volume-1.epub"
    plan = epub_edition.plan(sample.atlas, sample.indexes, 1, BuildContext(DATE))
    write_epub(plan, target)
    with zipfile.ZipFile(target) as book:
        return {name: book.read(name) for name in book.namelist()}


def test_print_html_of_volume_1(sample: Checked) -> None:
    links = PrintLinks(1, sample.atlas.root)
    context = BuildContext(created=DATE)
    html = print_volume(sample.atlas, sample.indexes, sample.atlas.volume(1), links, context).html
    assert str(sample.atlas.root) not in html  # no path of this machine in the edition
    golden_file("print-volume-1.html", html)


@pytest.mark.parametrize("name", sorted(EPUB_MEMBERS))
def test_epub_package_nav_and_chapter(unpacked: dict[str, bytes], name: str) -> None:
    data = unpacked[EPUB_MEMBERS[name]]
    ElementTree.fromstring(data)  # well-formed XML, whatever the golden file says
    golden_file(name, data.decode("utf-8"))


def test_epub_package_reads_in_book_order(unpacked: dict[str, bytes]) -> None:
    """The same package, read as a reading system reads it (parsed, not matched)."""
    package = ElementTree.fromstring(unpacked["EPUB/content.opf"])
    spine = [item.get("idref") for item in package.iterfind("opf:spine/opf:itemref", NS)]
    assert spine[:4] == ["cover", "title", "copyright", "contents"]
    assert spine[4:6] == ["chapter-1-01", "chapter-1-03"]
    manifest = {i.get("id"): i for i in package.iterfind("opf:manifest/opf:item", NS)}
    assert set(spine) <= set(manifest)
    assert manifest["cover-image"].get("properties") == "cover-image"
    assert manifest["nav"].get("properties") == "nav"
    metadata = package.find("opf:metadata", NS)
    assert metadata is not None
    modified = metadata.find("opf:meta[@property='dcterms:modified']", NS)
    assert modified is not None and modified.text == "2023-11-14T22:13:20Z"
    assert metadata.findtext("dc:language", namespaces=NS) == "en"
    nav = ElementTree.fromstring(unpacked["EPUB/nav.xhtml"])
    kinds = [n.get(f"{{{NS['epub']}}}type") for n in nav.iterfind(".//xhtml:body/xhtml:nav", NS)]
    assert kinds[:2] == ["toc", "landmarks"]
