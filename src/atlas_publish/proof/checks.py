"""The proof gate's checks on the laid-out pages (pages.py): each yields its faults.

Lengths on WeasyPrint's boxes are CSS pixels (1/96 in); messages give points.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator

from ..codes import Code
from .faults import Fault
from .pages import Element, Line, PageView, Proofed

PT = 0.75  # points per CSS pixel
SHORT_PAGE = 0.20  # a body page may leave at most this much of its text block empty
OVERFULL = 1.0  # px of tolerance before a line counts as wider than its measure
MEASURE = (55, 75)  # characters per full body line, on average
KEEP_LINES = 3  # lines of text an opener, heading or lead-in keeps with it
# px: the white a page break absorbs before an article's opener, which a short page shows but
# the next page does not: the article's margin below the one before and the rule's padding.
BLOCK_GAP = 40.0
WHOLE_TABLE = 8  # body rows of a table the edition keeps on one page
MARGINS = 48.0  # px (0.5 in): margins above a block, dropped when it opens a page
LONE_WORD = 0.5  # of the measure: a mid-paragraph line this short with one word is a fault


def fault(proofed: Proofed, page: int | None, code: str, message: str) -> Fault:
    label = proofed.label(page) if page is not None else None
    return Fault(proofed.file, label, code, message)


def footnotes(proofed: Proofed) -> Iterator[Fault]:
    """P001: every footnote call has its note on the same page or the next."""
    calls: dict[Element, tuple[int, str]] = {}
    notes: dict[Element, int] = {}
    for page in proofed.pages:
        for element, printed in page.calls:
            calls.setdefault(element, (page.index, printed))
        for element in page.notes:
            notes.setdefault(element, page.index)
    for element, (article, n) in proofed.source.footnotes.items():
        if element not in calls:
            continue  # the text around the call is missing: P002 says so
        called, mark = calls[element]
        name = f"footnote {mark or n} of article {article}"
        at = notes.get(element)
        if at is None:
            yield fault(proofed, called, Code.P001, f"{name} is not printed")
        elif at > called + 1:
            yield fault(
                proofed,
                called,
                Code.P001,
                f"{name} is printed on p.{proofed.label(at)}, "
                "not on the page of its call or the next",
            )


_IGNORED = re.compile(r"[\s\u00ad\u2010\-]+")


def _normal(text: str) -> str:
    return _IGNORED.sub("", unicodedata.normalize("NFC", text)).casefold()


def missing_text(proofed: Proofed) -> Iterator[Fault]:
    """P002: every element of every article body prints all of its own text."""
    printed: dict[Element, list[str]] = defaultdict(list)
    where: dict[Element, int] = {}
    for page in proofed.pages:
        for box, zone in page.texts:
            if zone != "margin" and "::" not in (box.element_tag or ""):
                printed[box.element].append(box.text)
                where.setdefault(box.element, page.index)
    source = proofed.source
    for article, root in source.body_roots:
        first_page = next((where[e] for e in root.iter() if e in where), None)
        parents = {child: parent for parent in root.iter() for child in parent}
        missing: set[Element] = set()
        for element in root.iter():
            if element in source.in_note:
                continue  # P001 checks the notes
            if parents.get(element) in missing:
                missing.add(element)  # said with its parent: one fault, not a cascade
                continue
            own = (element.text or "") + "".join(child.tail or "" for child in element)
            wanted = _normal(own)
            if not wanted:
                continue
            laid_out = _normal("".join(printed.get(element, ())))
            if wanted in laid_out:
                continue
            missing.add(element)
            whole = " ".join("".join(element.itertext()).replace("\u00ad", "").split())
            shown = _first_missing(whole, laid_out) if laid_out else _words(whole)
            yield fault(
                proofed,
                where.get(element, first_page),
                Code.P002,
                f"text of article {article} is not printed: “{shown}”",
            )


def _words(text: str, count: int = 8) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _first_missing(text: str, laid_out: str) -> str:
    words = text.split()
    position = 0
    for index, word in enumerate(words):
        found = laid_out.find(_normal(word), position)
        if found < 0:
            snippet = " ".join(words[index : index + 8])
            return snippet + ("…" if index + 8 < len(words) else "")
        position = found + len(_normal(word))
    return " ".join(words[:8])


def _weight(line: Line) -> int:
    return 3 if line.kind == "image" else 1


def kept_with_text(proofed: Proofed) -> Iterator[Fault]:
    """P005: an opener, heading or table lead-in keeps three lines of its text on its page.

    A lead-in's own lines are text to the opener or heading above it, and a lead-in that
    breaks is judged where it ends (its last lines go overleaf with the table). An opener or
    heading followed by a whole paragraph of two lines, the break falling after it, is not
    stranded: the reader finishes a paragraph before turning the page."""
    source = proofed.source
    lines = proofed.flow
    lead_ins = {keeper for keeper in source.keepers if _local_tag(keeper) == "p"}
    # (keeper, page) -> index of its last line on that page (an opener may be split)
    last: dict[tuple[Element, int], int] = {}
    for index, line in enumerate(lines):
        keeper = source.keeper_of.get(line.element)
        if keeper is not None:
            last[keeper, line.page] = index
    for (keeper, page), index in last.items():
        split = (keeper, page + 1) in last
        if split and keeper in lead_ins:
            continue  # judged on the page where it ends
        article = source.article_of.get(keeper)
        following = 0
        counted: list[Line] = []
        goes_on = split  # the opener or heading itself is split
        for line in lines[index + 1 :]:
            if article is not None and source.article_of.get(line.element) != article:
                break
            if line.page != page:
                goes_on = True
                break
            other = source.keeper_of.get(line.element)
            if _is_marker(line):
                continue  # a list item's bullet is not a line of its text
            if other is None or (other in lead_ins and other is not keeper):
                following += _weight(line)
                counted.append(line)
        if goes_on and following < KEEP_LINES and not _whole_paragraph(proofed, counted, split):
            what = source.keepers[keeper]
            yield fault(
                proofed,
                page,
                Code.P005,
                f"{what} is followed on its page by {following} line(s) of its text; "
                f"the rest is overleaf",
            )


def _is_marker(line: Line) -> bool:
    return str(getattr(line.box, "element_tag", "") or "").endswith("::marker")


def _local_tag(element: Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _whole_paragraph(proofed: Proofed, counted: list[Line], split: bool) -> bool:
    """The lines after a keeper are one whole body paragraph (not a list item) of at least
    two lines, all on this page."""
    if split or len(counted) < 2 or any(line.kind != "line" for line in counted):
        return False
    element = counted[0].element
    if _local_tag(element) != "p" or element not in proofed.source.paragraphs:
        return False
    if any(line.element is not element for line in counted):
        return False
    ends_here = sum(1 for line in proofed.flow if line.element is element) == len(counted)
    return ends_here


def widows_and_orphans(proofed: Proofed) -> Iterator[Fault]:
    """P006: no body paragraph leaves one line alone at a page foot or head."""
    pages_of: dict[Element, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for line in proofed.flow:
        if line.kind == "line" and line.element in proofed.source.paragraphs:
            pages_of[line.element][line.page] += 1
    for element, counts in pages_of.items():
        if len(counts) < 2:
            continue
        article = proofed.source.article_of.get(element, "?")
        first, last = min(counts), max(counts)
        if counts[first] == 1:
            yield fault(
                proofed,
                first,
                Code.P006,
                f"orphan: a paragraph of article {article} leaves its first line alone "
                "at the foot of the page",
            )
        if counts[last] == 1:
            yield fault(
                proofed,
                last,
                Code.P006,
                f"widow: a paragraph of article {article} leaves its last line alone "
                "at the head of the page",
            )


def split_tables(proofed: Proofed) -> Iterator[Fault]:
    """P007: a table split over pages keeps at least two body rows on each."""
    rows: dict[Element, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for line in proofed.flow:
        table = proofed.source.table_of.get(line.element)
        if line.kind == "row" and table is not None:
            rows[table][line.page] += 1
    for table, counts in rows.items():
        if len(counts) < 2:
            continue
        article = proofed.source.article_of.get(table, "?")
        shares = "/".join(str(counts[p]) for p in sorted(counts))
        for page, count in sorted(counts.items()):
            if count == 1:
                yield fault(
                    proofed,
                    page,
                    Code.P007,
                    f"a table of article {article} is split leaving one row on this page "
                    f"(rows per page: {shares})",
                )


def overfull(proofed: Proofed) -> Iterator[Fault]:
    """P008: no line is wider than the block that sets its measure."""
    for page in proofed.pages:
        for line in page.lines:
            if line.kind != "line" or line.zone == "margin":
                continue
            texts = page.texts[line.first_text : line.end_text]
            if not texts:
                continue
            right = max(box.position_x + box.width for box, _ in texts)
            limit = line.container.content_box_x() + line.container.width
            if right > limit + OVERFULL:
                article = proofed.source.article_of.get(line.element)
                where = f" in article {article}" if article else ""
                text = " ".join(page.line_text(line).split())
                yield fault(
                    proofed,
                    page.index,
                    Code.P008,
                    f"a line{where} is {(right - limit) * PT:.1f} pt wider than its measure: "
                    f"“{text[-60:]}”",
                )


def short_pages(proofed: Proofed) -> Iterator[Fault]:
    """P009: a body page fills its text block, unless it ends a chapter or precedes a table
    or image that could not fit in the space left."""
    pages = proofed.pages
    for page in pages:
        if page.kind != "body" or page.blank or page.name in {"opener", "first-opener"}:
            continue
        following = pages[page.index + 1] if page.index + 1 < len(pages) else None
        if following is None or following.kind != "body" or following.blank:
            continue  # the last page of a chapter (a blank verso or an opener comes next)
        if following.name in {"opener", "first-opener"}:
            continue
        flow = [line for line in page.lines if line.zone == "flow"]
        if not flow:
            continue
        top = page.box.content_box_y()
        bottom = top + page.box.height - page.footnote_height
        used = max(line.box.position_y + line.box.margin_height() for line in flow)
        empty = bottom - used
        if empty <= SHORT_PAGE * page.box.height:
            continue
        if _could_not_fit(proofed, following, empty) or _kept_run_could_not_fit(
            proofed, following, empty
        ):
            continue
        yield fault(
            proofed,
            page.index,
            Code.P009,
            f"short page: {empty / page.box.height:.0%} of the text block is empty "
            f"({empty * PT / 72:.1f} in)",
        )


def _could_not_fit(proofed: Proofed, page: PageView, space: float) -> bool:
    """The next page opens with a table or picture (after its heading or lead-in, kept with
    it) that needs more than the space left before it: a short table whole, a long one's
    first two rows. Margins dropped at the head of a page are allowed for (MARGINS)."""
    flow = [line for line in page.lines if line.zone == "flow"]
    at = 0
    while (
        at < len(flow) and flow[at].kind == "line" and flow[at].element in proofed.source.keeper_of
    ):
        at += 1
    if at == len(flow) or flow[at].kind not in {"row", "image"}:
        return False
    first = flow[at]
    if first.kind == "image":
        bottom = first.box.position_y + first.box.margin_height()
    else:
        table = proofed.source.table_of.get(first.element)
        rows = [
            line
            for line in flow[at:]
            if line.kind == "row" and proofed.source.table_of.get(line.element) is table
        ]
        total = sum(1 for owner in proofed.source.table_of.values() if owner is table)
        kept = rows if total <= WHOLE_TABLE else rows[:2]
        bottom = max(line.box.position_y + line.box.margin_height() for line in kept)
    return bool(bottom - page.box.content_box_y() > space - MARGINS)


def _kept_run_could_not_fit(proofed: Proofed, page: PageView, space: float) -> bool:
    """The next page opens with an opener, heading or lead-in that must keep three lines of its
    text (P005), and those lines (with the notes they call, which print on their page) are
    taller than the space left before it: the white is the price of the keep, not avoidable."""
    flow = [line for line in page.lines if line.zone == "flow"]
    keeper_of = proofed.source.keeper_of
    # a section's title (a heading kept with what follows) may open the run
    headings = {"h1", "h2", "h3", "h4", "h5", "h6"}
    leading = 0
    while leading < len(flow) and str(flow[leading].element.tag).split("}")[-1] in headings:
        leading += 1
    if leading == len(flow) or (flow[leading].element not in keeper_of and not leading):
        return False
    called = {element for element, _ in page.calls}
    kept, text_lines, end = flow[0], 0, len(flow)
    for index, line in enumerate(flow):
        if _is_marker(line):
            continue  # a list item's bullet is not a line of its text
        if line.element in keeper_of or index < leading:
            kept = line
            continue
        text_lines += _weight(line)
        kept = line
        if text_lines >= KEEP_LINES:
            end = index + 1
            break
    # A paragraph that introduces what follows ("...their first customers:") comes with the
    # first two lines of it (a list item's orphans).
    for index, line in enumerate(flow[:end]):
        if line.kind == "line" and "".join(line.element.itertext()).rstrip().endswith(":"):
            after = [other for other in flow[index:] if other.element is not line.element][:2]
            if after and after[-1].box.position_y > kept.box.position_y:
                kept = after[-1]
    # A list after a heading or an opener keeps its first three items with it (print.css).
    kept = _first_items_kept(proofed, flow, end, kept)
    kept = _breakable(flow, end, kept)
    # A short table is kept whole: its rows on this page come with the run.
    table = proofed.source.table_of.get(kept.element) if kept.kind == "row" else None
    if table is not None:
        kept = [line for line in flow if proofed.source.table_of.get(line.element) is table][-1]
    # A paragraph among those lines that calls a note keeps its call's line with the note:
    # count the paragraph's lines on this page and the page's notes.
    notes = 0.0
    for line in flow[:end]:
        if called & set(line.element.iter()):
            kept = [other for other in flow if other.element is line.element][-1]
            notes = page.footnote_height
    # From the top of the page (the rule and padding above an opener come with it) and with
    # the space a block leaves below itself (an article's margin), which the short page shows.
    top = page.box.content_box_y()
    bottom = kept.box.position_y + kept.box.margin_height()
    opener = any(
        proofed.source.keepers[keeper_of[line.element]].startswith("the opener")
        for line in flow[:end]
        if line.element in keeper_of
    )
    return bool(bottom - top + notes + (BLOCK_GAP if opener else 0.0) > space)


def _first_items_kept(proofed: Proofed, flow: list[Line], end: int, kept: Line) -> Line:
    """A list after a heading, or opening an article's text after its opener, keeps its first
    three items together (print.css): when the run reaches into one, they come with it."""
    kept_items = proofed.source.kept_items
    for line in flow[:end]:
        if line.element not in kept_items or _is_marker(line):
            continue
        kept_list, _ = kept_items[line.element]
        items: list[Element] = []
        last = line
        for other in flow:
            owner = kept_items.get(other.element)
            if owner is None or owner[0] is not kept_list or _is_marker(other):
                continue
            if owner[1] not in items:
                if len(items) == 3:
                    break
                items.append(owner[1])
            last = other
        return last if last.box.position_y > kept.box.position_y else kept
    return kept


def _breakable(flow: list[Line], end: int, kept: Line) -> Line:
    """The run ends inside a paragraph, where the paragraph may not break: it keeps at least its
    orphans on this page and leaves at least its widows overleaf (print.css), else more of it
    comes with the run (a 4-line first paragraph with three lines kept and widows: 2 cannot
    break at all: it comes whole)."""
    if end == 0 or end > len(flow):
        return kept
    line = flow[end - 1]
    if line.kind != "line":
        return kept
    same = [other for other in flow if other.element is line.element]
    taken = next(at for at, other in enumerate(same) if other is line) + 1
    style = line.box.style
    if taken < int(style["orphans"]):
        taken = min(int(style["orphans"]), len(same))
    rest = same[taken:]
    if rest and rest[-1] is not flow[-1] and len(rest) < int(style["widows"]):
        taken = len(same)  # too little left for overleaf: the paragraph ends on this page
    last = same[taken - 1]
    return last if last.box.position_y > kept.box.position_y else kept


def measure(proofed: Proofed, claimed: tuple[int, int] = MEASURE) -> Iterator[Fault]:
    """P010: the average full line of body text is within the measure the stylesheet claims."""
    lines = [
        line
        for line in proofed.flow
        if line.kind == "line" and line.element in proofed.source.measured
    ]
    last_of: dict[Element, Line] = {}
    for line in lines:
        last_of[line.element] = line
    lengths = [
        len(" ".join(proofed.pages[line.page].line_text(line).split()))
        for line in lines
        if last_of[line.element] is not line
    ]
    if len(lengths) < 20:
        return  # too few full lines to judge
    average = sum(lengths) / len(lengths)
    low, high = claimed
    if not low <= average <= high:
        yield fault(
            proofed,
            None,
            Code.P010,
            f"body lines average {average:.0f} characters ({len(lengths)} full lines); "
            f"the measure is {low}-{high}",
        )


def page_count(proofed: Proofed) -> Iterator[Fault]:
    """P011: a book has an even number of pages (it ends on a verso); a part's count is not
    the book's."""
    count = len(proofed.pages)
    if proofed.whole_volume and count % 2:
        yield fault(
            proofed, None, Code.P011, f"{count} pages: a book ends on a left-hand page (even count)"
        )


def tag_ids(proofed: Proofed) -> Iterator[Fault]:
    """P013: no internal tag ID in text a reader sees."""
    if not proofed.tag_ids:
        return
    pattern = re.compile(
        r"(?<![\w])(" + "|".join(map(re.escape, sorted(proofed.tag_ids))) + r")(?![\w])"
    )
    for page in proofed.pages:
        found: dict[str, str | None] = {}
        if not pattern.search("\n".join(box.text.replace("\u00ad", "") for box, _ in page.texts)):
            continue  # most pages print none: one search a page, then box by box
        for box, _ in page.texts:
            if box.element in proofed.source.code:
                continue
            for match in pattern.finditer(box.text.replace("\u00ad", "")):
                found.setdefault(match.group(1), proofed.source.article_of.get(box.element))
        for tag, article in found.items():
            where = f" (article {article})" if article else ""
            yield fault(proofed, page.index, Code.P013, f"the tag ID “{tag}” is printed{where}")


def straight_quotes(proofed: Proofed) -> Iterator[Fault]:
    """P014: no straight quote outside code."""
    for page in proofed.pages:
        printed = "".join(box.text for box, _ in page.texts)
        if "'" not in printed and '"' not in printed:
            continue  # one look a page, then box by box
        for box, _ in page.texts:
            text = box.text.replace("\u00ad", "")
            if ("'" not in text and '"' not in text) or box.element in proofed.source.code:
                continue
            at = min(i for i in (text.find("'"), text.find('"')) if i >= 0)
            context = " ".join(text[max(0, at - 25) : at + 25].split())
            article = proofed.source.article_of.get(box.element)
            where = f" in article {article}" if article else ""
            yield fault(proofed, page.index, Code.P014, f"straight quote{where}: “{context}”")
            break  # one a page is enough to find them


def lone_words(proofed: Proofed) -> Iterator[Fault]:
    """P019: no line of a paragraph or list item but its last holds one short word: the line
    breaking left a word alone where the text goes on ("And" / the rest of the paragraph). A
    word that short always fits on the line before, justified or ragged."""
    lines = [line for line in proofed.flow if line.kind == "line"]
    last_of: dict[Element, Line] = {}
    for line in lines:
        last_of[line.element] = line
    has_break: dict[Element, bool] = {}
    for position, line in enumerate(lines):
        if last_of[line.element] is line or line.element.tag not in {"p", "li"}:
            continue
        broken = has_break.get(line.element)
        if broken is None:
            broken = has_break[line.element] = line.element.find(".//br") is not None
        if broken:
            continue  # a line broken on purpose
        page = proofed.pages[line.page]
        texts = [
            box
            for box, _ in page.texts[line.first_text : line.end_text]
            if not (box.element_tag or "").endswith("::marker")
        ]
        words = "".join(box.text for box in texts).split()
        if len(words) != 1 or not texts:
            continue
        width = max(b.position_x + b.width for b in texts) - min(b.position_x for b in texts)
        if width < LONE_WORD * line.container.width:
            article = proofed.source.article_of.get(line.element)
            where = f" in article {article}" if article else ""
            after = lines[position + 1]  # a line that is not its paragraph's last has one
            following = " ".join(proofed.pages[after.page].line_text(after).split()[:4])
            yield fault(
                proofed,
                page.index,
                Code.P019,
                f"a word alone on a line in mid-paragraph{where}: “{words[0]} / {following}…”",
            )
