"""The renderer's only way to read a resource: local files inside allowed folders, nothing else.

No network, no file outside the content tree and the project's templates and fonts. A refused
URL is remembered so the pipeline can report it instead of letting WeasyPrint log and go on.
What could be refused is reported earlier, with its path:line, by ``check()``: bodies' images
in markdown.py, template overrides in resources.py.
"""

from __future__ import annotations

from pathlib import Path

from weasyprint.urls import URLFetcher

from .resources import allowed

REFUSED = "refused to fetch"


class RestrictedFetcher(URLFetcher):  # type: ignore[misc]
    def __init__(self, allowed_roots: list[Path]) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.allowed_roots = [root.resolve() for root in allowed_roots]
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> object:
        if not self.allows(url):
            self.refused.append(url)
            raise ValueError(f"{REFUSED} {url}: only files inside the content tree")
        return super().fetch(url, headers)

    def allows(self, url: str) -> bool:
        return allowed(url, self.allowed_roots)
