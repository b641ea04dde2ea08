"""Split an article file into its YAML front matter and its Markdown body."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Split:
    yaml_text: str
    yaml_first_line: int  # line number of the first YAML line in the file
    body: str
    body_first_line: int  # line number of the first body line in the file


class FrontMatterMissing(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def split_front_matter(text: str) -> Split:
    """``text`` starts with a '---' line, YAML, and a closing '---' (or '...') line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise FrontMatterMissing(
            "no front matter: start the file with a line '---', then number, title and "
            "summary, then another '---'",
            1,
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return Split(
                yaml_text="\n".join(lines[1:index]),
                yaml_first_line=2,
                body="\n".join(lines[index + 1 :]),
                body_first_line=index + 2,
            )
    raise FrontMatterMissing(
        "the front matter is not closed: add a line '---' after the last field", 1
    )
