"""Titles: title case for the exports' UPPERCASE titles, and the form titles are matched in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from titlecase import titlecase  # type: ignore[import-untyped]

# Acronyms a handbook for executives uses; the tree's titles and the article's own body add more.
KNOWN_ACRONYMS = [
    "AI", "API", "B2B", "B2C", "CAC", "CEO", "CFO", "CIO", "CMO", "COO", "CRM", "CTO", "CV",
    "EBITDA", "ERP", "ESG", "EU", "GDPR", "HR", "IP", "IPO", "ISO", "KPI", "KPIs", "LTV", "M&A",
    "MBA", "MVP", "NDA", "NPS", "OKR", "OKRs", "P&L", "PR", "QA", "R&D", "ROI", "SaaS", "SEO",
    "SLA", "SLAs", "SME", "SMEs", "UK", "UN", "USA", "UX", "VAT", "VC", "VCs", "VP",
]  # fmt: skip
# Short words that are also acronyms: counted as acronyms only when the list above says so.
COMMON_WORDS = {
    "A", "AM", "AN", "AND", "AS", "AT", "BE", "BY", "DO", "GO", "I", "IF", "IN", "IS", "IT",
    "ME", "MY", "NO", "OF", "OK", "ON", "OR", "SO", "THE", "TO", "UP", "US", "WE",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z&]*[A-Za-z]|[A-Za-z]")
# Words in the exports' own text that are written in capitals: ERP, CRM... (not at a line start)
CAPITALS = re.compile(r"(?<![A-Za-z&])([A-Z][A-Z&]*[A-Z]s?)(?![A-Za-z&])")


def acronyms_in(texts: Iterable[str]) -> dict[str, str]:
    """UPPERCASE form -> how it is written, for acronyms found in mixed-case text."""
    found: dict[str, str] = {}
    for text in texts:
        if text.isupper():
            continue  # an all-capitals text tells nothing about which words are acronyms
        for word in CAPITALS.findall(text):
            if word.upper() not in COMMON_WORDS:
                found[word.upper()] = word
    return found


def known_acronyms() -> dict[str, str]:
    return {word.upper(): word for word in KNOWN_ACRONYMS}


def title_case(text: str, acronyms: dict[str, str]) -> str:
    """'WHY YOUR CRM IS NOT A STRATEGY' -> 'Why Your CRM Is Not a Strategy'.

    Only an all-capitals title is recased: a title in mixed case is the writer's choice.
    """
    text = " ".join(text.split())
    if not any(ch.isalpha() for ch in text) or not text.isupper():
        return text

    def keep_acronym(word: str, **_: Any) -> str | None:
        match = WORD.search(word)
        if match is None:
            return None
        written = acronyms.get(match.group(0).upper())
        if written is None or match.group(0).upper() != word.strip("()[]\"'“”‘’,.:;!?").upper():
            return None
        return word[: match.start()] + written + word[match.end() :]

    return str(titlecase(text.lower(), callback=keep_acronym))


def match_key(title: str) -> str:
    """A title as links are matched: case, accents, punctuation and emphasis marks ignored."""
    text = unicodedata.normalize("NFKD", title)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category.startswith(("L", "N")):
            kept.append(ch.lower())
        elif (
            category.startswith("Z")
            or ch.isspace()
            or category.startswith(("P", "S"))
            and ch not in "'’‘"
        ):
            kept.append(" ")
        # combining marks and apostrophes vanish: "Founder's" matches "Founders"
    return " ".join("".join(kept).split())
