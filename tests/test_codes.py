"""The diagnostic catalogue: one place for every code, documented as it is."""

from __future__ import annotations

import re
from pathlib import Path

from atlas_publish import codes
from atlas_publish.codes import EXIT, Code, Kind, exit_code

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "atlas_publish"


def test_docs_are_the_catalogue() -> None:
    documented = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert documented == codes.markdown(), (
        "docs/diagnostics.md is out of date: python -m atlas_publish.codes > docs/diagnostics.md"
    )


def test_call_sites_name_the_catalogue_not_strings() -> None:
    literal = re.compile(r"""["'][EWP]\d{3}["']""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in SOURCE.rglob("*.py")
        if path.name != "codes.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert found == [], "use codes.Code.EXXX instead of a string"


def test_every_code_says_what_it_means_and_what_to_do() -> None:
    for code in Code:
        assert re.fullmatch(r"[EWP]\d{3}", code.value)
        assert code.meaning and code.action and code.kind in Kind


def test_every_class_has_its_own_exit_code() -> None:
    assert sorted(EXIT.values()) == [1, 2, 3]
    assert exit_code([Code.E011]) == 1
    assert exit_code([Code.E011, Code.E066]) == EXIT[Kind.BUILD]
