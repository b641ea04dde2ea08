"""The catalogue of diagnostic codes: each code, what it means, what to do, and its class.

Every problem atlas-publish reports carries one of these codes (``path:line: error[E011]:
...``); call sites name the member (``Code.E011``), never a string. The class decides the
exit code of a command that stops on it (``EXIT``). ``docs/diagnostics.md`` is generated
from this table (``python -m atlas_publish.codes > docs/diagnostics.md``) and a test keeps
the two equal.

Adding a code is one line in ``Code``: ``E0NN = "E0NN", CONTENT, "meaning", "what to do"``.
Codes starting with ``E`` are errors, ``W`` warnings (errors under ``--strict``), ``P`` the
proof of a finished edition.
"""

from __future__ import annotations

import sys
from enum import StrEnum


class Kind(StrEnum):
    CONTENT = "content error"  # the writer fixes a file of the content tree
    BUILD = "build failure"  # the content is valid, but an edition could not be made
    USAGE = "usage"  # the command line asks for something that is not there


EXIT = {Kind.CONTENT: 1, Kind.USAGE: 2, Kind.BUILD: 3}

CONTENT, BUILD, USAGE = Kind.CONTENT, Kind.BUILD, Kind.USAGE


class Code(StrEnum):
    """A diagnostic code; its value is the code as printed, e.g. ``"E011"``."""

    kind: Kind
    meaning: str
    action: str

    def __new__(cls, code: str, kind: Kind, meaning: str, action: str) -> Code:
        member = str.__new__(cls, code)
        member._value_ = code
        member.kind = kind
        member.meaning = meaning
        member.action = action
        return member

    # fmt: off
    E000 = "E000", CONTENT, "the content tree could not be read or shown while serving it", "read the message; fix the file it names and save again"  # noqa: E501
    E001 = "E001", CONTENT, "broken YAML in a front matter or a .yaml file", "check the indentation; quote values that contain ': ' or start with a special character"  # noqa: E501
    E002 = "E002", CONTENT, "an article has no front matter, or it is not closed", "start the article with a '---' line, the fields, and another '---' line"  # noqa: E501
    E003 = "E003", CONTENT, "a file cannot be read: unreadable, too large, not UTF-8, holding control characters, not a regular file (a FIFO, a device), a loop of links, or a link leading outside the content folder", "save it as UTF-8, split it, or copy the file in instead of linking to it"  # noqa: E501
    E010 = "E010", CONTENT, "a required field is missing", "add the field the message names (number, title, summary)"  # noqa: E501
    E011 = "E011", CONTENT, "a field has a value of the wrong kind or form", "write the value as the message shows (a date as YYYY-MM-DD, a list of words...)"  # noqa: E501
    E012 = "E012", CONTENT, "an unknown field", "correct the field's name (the message suggests one) or remove it"  # noqa: E501
    E020 = "E020", CONTENT, "a number is not V.CCSSAA, or disagrees with its folder or file name", "correct the number, or rename or move the file"  # noqa: E501
    E021 = "E021", CONTENT, "an article's section is not declared in its chapter.yaml", "add the section under 'sections:' in chapter.yaml"  # noqa: E501
    E022 = "E022", CONTENT, "two volumes or articles have the same number", "give one of them another number"  # noqa: E501
    E023 = "E023", CONTENT, "an article relates to a stage atlas.yaml does not define", "use a stage of atlas.yaml, or add the stage there"  # noqa: E501
    E024 = "E024", CONTENT, "a stage in atlas.yaml names an article that does not exist", "correct the stage's 'article:' number"  # noqa: E501
    E025 = "E025", USAGE, "a volume asked for (--volume) is not in the content", "ask for one of the volumes the message lists"  # noqa: E501
    E026 = "E026", USAGE, "a chapter asked for (preview, serve) is not in the content", "ask for one of the chapters the message lists"  # noqa: E501
    E027 = "E027", CONTENT, "a chapter asked for (preview) has no articles yet", "add an article to it, or preview another chapter"  # noqa: E501
    E030 = "E030", CONTENT, "a folder or file is not named as the content format asks", "rename it as the message shows, or start its name with '_' to have it ignored"  # noqa: E501
    E031 = "E031", CONTENT, "a required file or folder is missing (the content folder, atlas.yaml, volume.yaml, chapter.yaml)", "create it; see docs/content-format.md"  # noqa: E501
    E032 = "E032", CONTENT, "a volume or chapter holds more articles than one can", "move chapters to another volume, or split the chapter in two"  # noqa: E501
    E040 = "E040", CONTENT, "a reference to an article, chapter or volume that does not exist", "check the number in the reference"  # noqa: E501
    E041 = "E041", CONTENT, "a link points to a file, which no edition carries", "link an article with article:NUMBER, or a web page with https://..."  # noqa: E501
    E050 = "E050", CONTENT, "an expression is broken or uses something not allowed", "use only the documented functions and filters; {% raw %}...{% endraw %} for literal braces"  # noqa: E501
    E060 = "E060", CONTENT, "an article passes a limit (nesting, paragraph length, brackets)", "flatten or split what the message names"  # noqa: E501
    E061 = "E061", CONTENT, "an image is missing or cannot be used: not the format its name says, empty or damaged, over 20 MB or 25 million pixels, an SVG with a DOCTYPE", "put a working PNG, JPEG, GIF, WebP or SVG file in the chapter's images/ folder and write its path"  # noqa: E501
    E062 = "E062", CONTENT, "a resource the editions must not fetch (remote, or outside the content folder)", "copy the file into the content folder, or build with --lenient to leave it out"  # noqa: E501
    E063 = "E063", CONTENT, "a template override or an SVG holds something active (a script, an event handler, a javascript: link, a foreignObject)", "remove it: the editions hold nothing that runs"  # noqa: E501
    E065 = "E065", CONTENT, "a template override does not parse, or reaches into Python's internals", "fix the template, or remove the override"  # noqa: E501
    E066 = "E066", BUILD, "a template fails, or would fail, as an edition renders (a field the model lacks, a misspelt name, a template that includes itself)", "fix the template at the line named, or remove the override"  # noqa: E501
    W001 = "W001", CONTENT, "a file or folder that does not belong in the content tree is ignored", "move it out, or start its name with '_' or '.'"  # noqa: E501
    W061 = "W061", CONTENT, "an image has no alt text", "describe the image in the brackets: ![what it shows](images/NAME)"  # noqa: E501
    W062 = "W062", CONTENT, "a refused resource was left out of the editions (--lenient)", "copy the file into the content folder to have it shown"  # noqa: E501
    W064 = "W064", CONTENT, "raw HTML was removed: what runs or fetches, or what the editions do not keep (style=, srcset=, video)", "delete it from the article"  # noqa: E501
    P001 = "P001", BUILD, "a footnote's text is not printed on the page of its call or the next one", "move the call, shorten the note, or make room at the page foot"  # noqa: E501
    P002 = "P002", BUILD, "text of an article is missing from the laid-out pages", "look at the page in the PDF; report the layout to the maintainers"  # noqa: E501
    P003 = "P003", BUILD, "a run of text is set in a face whose weight or style is not the one its CSS asks for", "give the bold or italic face its own @font-face rule that WeasyPrint loads"  # noqa: E501
    P004 = "P004", BUILD, "glyphs come from a font that was not asked for (fallback), or from no font", "use a face that has the characters, or name the fallback in the font stack"  # noqa: E501
    P005 = "P005", BUILD, "an article opener, heading or table lead-in has fewer than three lines of its text after it on its page", "keep it with its text (break-after: avoid, or a page break before it)"  # noqa: E501
    P006 = "P006", BUILD, "a widow or orphan: one line of a paragraph alone on a page", "widows/orphans: 2"  # noqa: E501
    P007 = "P007", BUILD, "a table is split leaving one row on a page", "keep short tables together; never leave fewer than two rows either side"  # noqa: E501
    P008 = "P008", BUILD, "a line is wider than its measure (overfull)", "allow a break, or shorten the text"  # noqa: E501
    P009 = "P009", BUILD, "a body page has more than a fifth of its text block empty", "let the next block split, or pull text back (an opener or table moved overleaf)"  # noqa: E501
    P010 = "P010", BUILD, "the average body line is outside the measure the stylesheet claims", "set the text block's width or the type size for 55-75 characters a line"  # noqa: E501
    P011 = "P011", BUILD, "the volume has an odd number of pages", "end the book on a left-hand page"  # noqa: E501
    P012 = "P012", BUILD, "the PDF's page labels are missing or differ from the printed folios", "write /PageLabels: front matter i, ii, ...; the body 1, 2, ..."  # noqa: E501
    P013 = "P013", BUILD, "an internal tag ID is printed where a reader sees it", "print the stage's or tag's label; keep the ID for editors"  # noqa: E501
    P014 = "P014", BUILD, "a straight quote is printed outside code", "use typographic quotes (the Markdown typographer, or curly quotes in YAML text)"  # noqa: E501
    P015 = "P015", BUILD, "a line break a proofreader marks: hyphenation the handbook's language does not allow, a hyphenated last word, a hyphen in a table cell, a locator split from its number", "hyphenate with the handbook's language; no-break spaces in “Volume 6”, “p. 18”"  # noqa: E501
    P016 = "P016", BUILD, "a reference repeats itself: “chapter 4.02 (Volume 4, chapter 4.02)”", "print the locator once: add only what the link text does not say"  # noqa: E501
    P017 = "P017", BUILD, "the contents' page numbers end on more than one right edge", "set every entry's page number against the same right edge"  # noqa: E501
    P018 = "P018", BUILD, "an empty chapter is printed", "leave chapters without articles out of print"  # noqa: E501
    P019 = "P019", BUILD, "a word alone on a short line in the middle of a paragraph or list item", "look at the page: a word too long for the rest of the line (code, a URL) or an inline box around a word"  # noqa: E501
    # fmt: on


def exit_code(codes: list[Code] | tuple[Code, ...]) -> int:
    """The exit code of a command stopped by these diagnostics: the gravest class wins."""
    kinds = {code.kind for code in codes}
    for kind in (Kind.BUILD, Kind.USAGE, Kind.CONTENT):
        if kind in kinds:
            return EXIT[kind]
    return EXIT[Kind.CONTENT]


def markdown() -> str:
    """docs/diagnostics.md: the catalogue as the writer reads it."""
    lines = [
        "# Diagnostic codes",
        "",
        "<!-- Generated from src/atlas_publish/codes.py by "
        "`python -m atlas_publish.codes > docs/diagnostics.md`; edit the catalogue, "
        "not this file. -->",
        "",
        "Every problem is printed as `path:line: error[CODE]: message` (or `warning[CODE]`).",
        "Warnings become errors with `--strict`. A command that stops on a problem exits with",
        "the code of the problem's class:",
        "",
        "| class | exit code | what it means |",
        "| --- | --- | --- |",
        f"| {Kind.CONTENT} | {EXIT[Kind.CONTENT]} | a file of the content tree needs fixing |",
        f"| {Kind.USAGE} | {EXIT[Kind.USAGE]} | the command line asks for something that is not there |",  # noqa: E501
        f"| {Kind.BUILD} | {EXIT[Kind.BUILD]} | the content is valid, an edition could not be made |",  # noqa: E501
        "",
        "| code | class | meaning | what to do |",
        "| --- | --- | --- | --- |",
    ]
    for code in Code:
        action = code.action.replace("|", "\\|")
        lines.append(f"| {code.value} | {code.kind} | {code.meaning} | {action} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
