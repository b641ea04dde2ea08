"""The OPDS 1.2 acquisition feed of the dist folder, so reading apps can browse and download.

An OPDS catalog is an Atom feed (RFC 4287): one entry per volume, with acquisition links to
its EPUB and PDF, its cover and thumbnail, and a summary; then one entry for the complete
edition. Links are relative, so the folder can be served from anywhere (or read from disk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from .dist import DistFile, Publication

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
XML = "http://www.w3.org/XML/1998/namespace"
ACQUISITION_FEED = "application/atom+xml;profile=opds-catalog;kind=acquisition"
REL_ACQUISITION = "http://opds-spec.org/acquisition"
REL_IMAGE = "http://opds-spec.org/image"
REL_THUMBNAIL = "http://opds-spec.org/image/thumbnail"
FEED_NAME = "opds.xml"

ET.register_namespace("", ATOM)
ET.register_namespace("dc", DC)
ET.register_namespace("opds", OPDS)


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, name, attrs)
    if text is not None:
        element.text = text
    return element


def _atom(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def opds_feed(publication: Publication) -> bytes:
    """The feed as UTF-8 XML; the same publication gives the same bytes."""
    atlas = publication.atlas
    updated = publication.updated_iso
    feed = ET.Element(_atom("feed"), {f"{{{XML}}}lang": atlas.language})
    _sub(feed, _atom("id"), atlas.identifier)
    _sub(feed, _atom("title"), atlas.title)
    if atlas.subtitle:
        _sub(feed, _atom("subtitle"), atlas.subtitle)
    _sub(feed, _atom("updated"), updated)
    _author(feed, atlas.author)
    for rel in ("self", "start"):
        _sub(feed, _atom("link"), rel=rel, href=FEED_NAME, type=ACQUISITION_FEED)
    _sub(feed, _atom("link"), rel="alternate", href="index.html", type="text/html")

    for item in publication.volumes:
        entry = _entry(feed, item.identifier, item.title, publication)
        _sub(entry, _atom("summary"), item.summary, type="text")
        if item.cover is not None:
            _sub(
                entry,
                _atom("link"),
                rel=REL_IMAGE,
                href=item.cover.name,
                type=item.cover.media_type,
            )
            _sub(
                entry,
                _atom("link"),
                rel=REL_THUMBNAIL,
                href=item.cover.thumbnail,
                type=item.cover.thumbnail_type,
            )
        for file in (item.epub, item.pdf):
            _acquisition(entry, file)
        _sub(entry, f"{{{DC}}}identifier", item.identifier)
    if publication.complete is not None:
        complete = publication.complete
        entry = _entry(feed, f"{atlas.identifier}#complete", complete.title, publication)
        _sub(entry, _atom("summary"), publication.complete_summary, type="text")
        _acquisition(entry, complete)

    ET.indent(feed, space="  ")
    text = ET.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{text}\n'.encode()


def _author(parent: ET.Element, name: str) -> None:
    author = _sub(parent, _atom("author"))
    _sub(author, _atom("name"), name)


def _entry(feed: ET.Element, identifier: str, title: str, publication: Publication) -> ET.Element:
    atlas = publication.atlas
    entry = _sub(feed, _atom("entry"))
    _sub(entry, _atom("id"), identifier)
    _sub(entry, _atom("title"), title)
    _sub(entry, _atom("updated"), publication.updated_iso)
    _author(entry, atlas.author)
    _sub(entry, f"{{{DC}}}language", atlas.language)
    if atlas.publisher:
        _sub(entry, f"{{{DC}}}publisher", atlas.publisher)
    _sub(entry, f"{{{DC}}}issued", publication.updated_iso[:10])
    if atlas.rights:
        _sub(entry, _atom("rights"), atlas.rights)
    return entry


def _acquisition(entry: ET.Element, file: DistFile) -> None:
    _sub(
        entry,
        _atom("link"),
        rel=REL_ACQUISITION,
        href=file.name,
        type=file.media_type,
        length=str(file.bytes),
        title=file.format.upper(),
    )
