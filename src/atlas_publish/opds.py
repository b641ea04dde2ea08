"""The OPDS 1.2 acquisition feed of the dist folder, so reading apps can browse and download.

An OPDS catalog is an Atom feed (RFC 4287): one entry per volume, with acquisition links to
its EPUB and PDF, its cover and thumbnail, and a summary; then one entry for the complete
edition. Links are relative, so the folder can be served from anywhere (or read from disk).

The feed is a Jinja template (``dist/opds.xml.j2``), not an ElementTree: registering the
``dc`` prefix for DC Terms in ElementTree's process-wide table would change how WeasyPrint
writes the PDFs' XMP metadata in the same process (``dc:`` becomes ``ns3:``).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree as ET

from .errors import BuildError
from .publication import Cover, DistFile, Publication
from .render import environment

FEED_NAME = "opds.xml"
ACQUISITION_FEED = "application/atom+xml;profile=opds-catalog;kind=acquisition"


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    summary: str
    cover: Cover | None
    files: tuple[DistFile, ...]


def feed_entries(publication: Publication) -> list[Entry]:
    entries = [
        Entry(v.identifier, v.title, v.summary, v.cover, (v.epub, v.pdf))
        for v in publication.volumes
    ]
    if publication.complete is not None:
        entries.append(
            Entry(
                f"{publication.atlas.identifier}#complete",
                publication.complete.title,
                publication.complete_summary,
                None,
                (publication.complete,),
            )
        )
    return entries


def opds_feed(publication: Publication) -> bytes:
    """The feed as UTF-8 XML; the same publication gives the same bytes."""
    env = environment(publication.atlas)
    text = env.get_template("dist/opds.xml.j2").render(
        atlas=publication.atlas,
        updated=publication.updated_iso,
        entries=feed_entries(publication),
        feed=FEED_NAME,
        feed_type=ACQUISITION_FEED,
    )
    try:
        ET.fromstring(text.encode())
    except ET.ParseError as error:  # an override in content/_templates gone wrong
        raise BuildError(f"dist/opds.xml.j2 does not give well-formed XML: {error}") from error
    return text.encode() + b"\n"
