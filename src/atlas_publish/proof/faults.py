"""Proof faults: what the gate reports, one line each, and the catalogue of their codes.

A fault names the volume's file, the printed folio (as the reader reads it on the page), the
article where there is one, and a stable code: ``volume-1.pdf p.18: error[P001]: footnote 2
of article 1.030106 is not printed``. docs/proof.md explains each code and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import BuildError

# code -> (what it means, what to do). docs/proof.md says the same at length.
CATALOGUE: dict[str, tuple[str, str]] = {
    "P001": (
        "a footnote's text is not printed on the page of its call or the next one",
        "move the call, shorten the note, or make room at the page foot",
    ),
    "P002": (
        "text of an article is missing from the laid-out pages",
        "look at the page in the PDF; report the layout to the maintainers",
    ),
    "P003": (
        "a run of text is set in a face whose weight or style is not the one its CSS asks for",
        "give the bold or italic face its own @font-face rule that WeasyPrint loads",
    ),
    "P004": (
        "glyphs come from a font that was not asked for (fallback), or from no font",
        "use a face that has the characters, or name the fallback in the font stack",
    ),
    "P005": (
        "an article opener, heading or table lead-in has fewer than three lines of its text "
        "after it on its page",
        "keep it with its text (break-after: avoid, or a page break before it)",
    ),
    "P006": ("a widow or orphan: one line of a paragraph alone on a page", "widows/orphans: 2"),
    "P007": (
        "a table is split leaving one row on a page",
        "keep short tables together; never leave fewer than two rows either side",
    ),
    "P008": ("a line is wider than its measure (overfull)", "allow a break, or shorten the text"),
    "P009": (
        "a body page has more than a fifth of its text block empty",
        "let the next block split, or pull text back (an opener or table moved overleaf)",
    ),
    "P010": (
        "the average body line is outside the measure the stylesheet claims",
        "set the text block's width or the type size for 55-75 characters a line",
    ),
    "P011": ("the volume has an odd number of pages", "end the book on a left-hand page"),
    "P012": (
        "the PDF's page labels are missing or differ from the printed folios",
        "write /PageLabels: front matter i, ii, ...; the body 1, 2, ...",
    ),
    "P013": (
        "an internal tag ID is printed where a reader sees it",
        "print the stage's or tag's label; keep the ID for editors",
    ),
    "P014": (
        "a straight quote is printed outside code",
        "use typographic quotes (the Markdown typographer, or curly quotes in YAML text)",
    ),
    "P015": (
        "a line break a proofreader marks: hyphenation the handbook's language does not allow, "
        "a hyphenated last word, a hyphen in a table cell, a locator split from its number",
        "hyphenate with the handbook's language; no-break spaces in “Volume 6”, “p. 18”",
    ),
    "P016": (
        "a reference repeats itself: “chapter 4.02 (Volume 4, chapter 4.02)”",
        "print the locator once: add only what the link text does not say",
    ),
    "P017": (
        "the contents' page numbers end on more than one right edge",
        "set every entry's page number against the same right edge",
    ),
    "P018": ("an empty chapter is printed", "leave chapters without articles out of print"),
}


@dataclass(frozen=True, slots=True)
class Fault:
    file: str  # the volume's file name, e.g. volume-1.pdf
    page: str | None  # the printed folio, e.g. "18" or "iii"; None for the whole volume
    code: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file} p.{self.page}" if self.page else self.file
        return f"{where}: {self.severity}[{self.code}]: {self.message}"

    def as_warning(self) -> Fault:
        return replace(self, severity="warning")


class ProofError(BuildError):
    """The proof gate found faults in a volume: nothing was written."""

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        lines = "\n".join(str(f) for f in faults)
        super().__init__(
            f"{len(faults)} proof fault(s); the volume was not written "
            f"(build with --lenient to write it with warnings):\n{lines}"
        )

    def __reduce__(self) -> tuple[type[ProofError], tuple[list[Fault]]]:
        return ProofError, (self.faults,)  # raised in a worker, re-raised in the build
