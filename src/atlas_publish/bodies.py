"""Every article body rendered once per build, by ``check``, over the cores.

The costly part of a body (expressions, Markdown, sanitizing) is done here once, with
placeholders where an edition's choices go: references, image addresses and tag tables. An
edition whose Markdown options match (footnotes, heading levels) finishes these bodies with its
own LinkStyle (render.finish_articles) instead of rendering them again.

This module needs no template engine: ``check`` imports only what it runs.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Diagnostic, Diagnostics
from .indexes import Indexes
from .links import Link, Target, article_target
from .markdown import BodyContext, RenderedBody, render_body
from .model import Article, Atlas

REFERENCE_PLACEHOLDER = "#atlas-reference:"
IMAGE_PLACEHOLDER = "atlas-image-"


@dataclass(slots=True)
class PlaceholderLinks:
    """The LinkStyle of the shared rendering; records every target a volume's bodies show
    (links and tag-table rows), for the cache's keys."""

    used: set[Target] = field(default_factory=set)

    def link(self, target: Target) -> Link:
        self.used.add(target)
        return Link(f"{REFERENCE_PLACEHOLDER}{target.kind}:{target.number}")

    def image_src(self, path: Path) -> str:
        return image_placeholder(path)


def image_placeholder(path: Path) -> str:
    return IMAGE_PLACEHOLDER + hashlib.sha256(str(path).encode()).hexdigest()[:24]


def render_shared(
    articles: Iterable[Article],
    atlas: Atlas,
    indexes: Indexes,
    links: PlaceholderLinks,
    diagnostics: Diagnostics,
) -> dict[str, RenderedBody]:
    """Every body rendered once, with placeholders for what each edition decides."""
    context = BodyContext(indexes=indexes, language=atlas.language, links=links, tag_table=None)
    rendered = {}
    for article in articles:
        body = render_body(article, context, diagnostics)
        if body is not None:
            rendered[article.number] = body
            for tag in body.tag_tables:
                links.used.update(article_target(a) for a in indexes.tagged(tag))
    return rendered


PER_PROCESS = 100  # articles: with fewer each, starting processes costs more than it saves

Piece = tuple[int, int, int]  # volume number, and the range of its articles: start, stop
Rendered = tuple[dict[str, RenderedBody], dict[int, frozenset[Target]], list[Diagnostic]]


def render_bodies(
    atlas: Atlas, indexes: Indexes, diagnostics: Diagnostics, jobs: int = 1
) -> tuple[dict[str, RenderedBody], dict[int, frozenset[Target]]]:
    """Every body rendered once (render_shared), and what each volume refers to.

    With ``jobs`` > 1 and a large tree, the articles are shared out, by their text's length,
    among this process and up to ``jobs`` - 1 forked ones (one per PER_PROCESS articles at
    most), which inherit the model instead of receiving it; this process renders its share
    meanwhile (one process a core, none waiting). Only from a process with
    no other thread (forking one that has threads can copy a lock some thread holds): the live
    server renders in its own process, one volume after another.
    """
    numbers = [v.number for v in atlas.volumes]
    settings = (diagnostics.strict, diagnostics.lenient)
    count = min(jobs, len(atlas.articles) // PER_PROCESS)
    if count < 2 or threading.active_count() > 1 or not hasattr(os, "fork"):
        results = [_render(atlas, indexes, *settings, _shares(atlas, 1)[0])]
    else:
        import multiprocessing  # only when it is used
        from concurrent.futures import ProcessPoolExecutor

        own, *others = _shares(atlas, count)
        # The forked processes share the model's memory with this one until they write to
        # it: frozen, the collector leaves it alone (no copying of pages in the children,
        # and no walking through all of it here while the bodies are rendered).
        gc.freeze()
        try:
            with ProcessPoolExecutor(
                len(others),
                mp_context=multiprocessing.get_context("fork"),
                initializer=_adopt,
                initargs=(atlas, indexes, settings),
            ) as pool:
                futures = [pool.submit(_render_share, share) for share in others]
                results = [_render(atlas, indexes, *settings, own)]
                results += [future.result() for future in futures]
        finally:
            gc.unfreeze()
    bodies: dict[str, RenderedBody] = {}
    refers_to: dict[int, frozenset[Target]] = dict.fromkeys(numbers, frozenset())
    for found, refers, items in results:
        bodies |= found
        for number, targets in refers.items():
            refers_to[number] |= targets
        diagnostics.items.extend(items)
    return bodies, refers_to


def _shares(atlas: Atlas, count: int) -> list[list[Piece]]:
    """The articles in order, cut into ``count`` shares of about equal text."""
    total = max(1, sum(len(a.body) for a in atlas.articles))
    shares: list[list[Piece]] = [[] for _ in range(count)]
    done = 0
    for volume in atlas.volumes:
        for index, article in enumerate(volume.articles):
            share = shares[min(count - 1, done * count // total)]
            if share and share[-1][0] == volume.number:
                share[-1] = (volume.number, share[-1][1], index + 1)
            else:
                share.append((volume.number, index, index + 1))
            done += len(article.body)
    return shares


_ADOPTED: list[tuple[Atlas, Indexes, tuple[bool, bool]]] = []  # a render worker's handbook


def _adopt(atlas: Atlas, indexes: Indexes, settings: tuple[bool, bool]) -> None:
    _ADOPTED.append((atlas, indexes, settings))


def _render_share(pieces: list[Piece]) -> Rendered:
    atlas, indexes, (strict, lenient) = _ADOPTED[-1]
    return _render(atlas, indexes, strict, lenient, pieces)


def _render(
    atlas: Atlas, indexes: Indexes, strict: bool, lenient: bool, pieces: list[Piece]
) -> Rendered:
    diagnostics = Diagnostics(strict=strict, lenient=lenient)
    bodies: dict[str, RenderedBody] = {}
    refers_to: dict[int, frozenset[Target]] = {}
    for number, start, stop in pieces:
        links = PlaceholderLinks()
        articles = atlas.volume(number).articles[start:stop]
        bodies |= render_shared(articles, atlas, indexes, links, diagnostics)
        refers_to[number] = frozenset(links.used)
    return bodies, refers_to, diagnostics.items
