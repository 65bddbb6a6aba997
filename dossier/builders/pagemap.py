"""The page map: where every page of the binder goes, computed once, for both formats.

The PDF binder and the Word binder are laid out from this map: the table of contents,
the stamps on evidence pages, the bookmarks, the page labels and the Word binder's
static TOC page numbers are all read from it, so they cannot disagree. A volume is

    front matter  cover, score table (volume 1 only), table of contents   labels i, ii, …
    body          [volume 1: one summary page of the sections with nothing in them]
                  per tertiary indicator, then per bonus/deduction item (附加项):
                  a divider page, then its evidence items                labels 1, 2, …

Decisions:
- The TOC is the indicator tree walked in the standard's order: every primary,
  secondary, tertiary, every one of the criteria and every bonus/deduction item, and
  each evidence item. A criterion without evidence links to its tertiary's divider
  (whose table lists it) and reads "… 无佐证材料"; it is never left out.
- A section (tertiary or bonus/deduction item) with nothing claimed and no evidence has
  no divider: it is listed on one summary page at the start of the body (``SUMMARY``),
  where its TOC entries link.
- Running page numbers restart at 1 in every volume (each volume is bound and cited on
  its own, "第2册第15页"); evidence item numbers (``3.1.1-02``) are global.
- Front matter is numbered in roman numerals, so the length of the table of contents
  never shifts the body's numbers; the TOC is still paginated here, entry by entry, so
  the renderers draw each entry exactly where the map put it.
- An evidence item is never split across volumes; one longer than ``max_pages`` gets a
  volume of its own and the volume says so (``Volume.oversize``). A divider travels with
  the first item of its section. A volume's TOC lists the entries whose pages it holds,
  with their headings; a heading shown in an earlier volume reads "（续）".
- ``max_bytes`` is checked against an estimate: the converted PDFs' sizes plus a fixed
  allowance per volume for fonts and front matter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from dossier.builders import rows

# Allowance per volume (fonts, front matter, dividers) for the --max-mb estimate.
VOLUME_OVERHEAD_BYTES = 600_000
DIVIDER_BYTES = 8_000
SCORE_ROWS_PER_PAGE = 28  # rows of the score table per page, in both binders
SUMMARY_ROWS_PER_PAGE = 32  # rows of the summary page's table per page, in both binders

# TOC/bookmark levels
PRIMARY, SECONDARY, TERTIARY, CRITERION, ITEM = range(5)

# Block kinds
DIVIDER, ITEM_BLOCK, SUMMARY = "divider", "item", "summary"


def roman(n: int) -> str:
    """Lower-case roman numeral, as PDF page labels of style /r show it."""
    out = []
    for value, digits in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                          (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                          (4, "iv"), (1, "i")):
        count, n = divmod(n, value)
        out.append(digits * count)
    return "".join(out)


class Layout(Protocol):
    """What the renderer tells the map about page counts (see pdfkit.AuxDoc)."""

    def score_pages(self) -> int: ...

    def divider_pages(self, section: str) -> int: ...

    def summary_pages(self) -> int: ...

    def toc_entry_lines(self, level: int, text: str) -> int: ...

    def toc_capacity(self, toc_page: int) -> int: ...


class FixedLayout:
    """One page per part and one line per TOC entry: for tests and estimates."""

    def __init__(self, score: int = 1, divider: int = 1, toc_lines: int = 40, summary: int = 1):
        self._score, self._divider, self._lines = score, divider, toc_lines
        self._summary = summary

    def score_pages(self) -> int:
        return self._score

    def divider_pages(self, section: str) -> int:
        return self._divider

    def summary_pages(self) -> int:
        return self._summary

    def toc_entry_lines(self, level: int, text: str) -> int:
        return 1

    def toc_capacity(self, toc_page: int) -> int:
        return self._lines


def sections(standard) -> list[str]:
    """Body sections in binder order: the tertiaries, then the bonus and deduction items."""
    return [t.code for t in standard.tertiaries()] + [
        e.code for e in (*standard.bonus, *standard.deductions)]


def binder_items(project) -> list:
    """Every evidence item in binder order, those of the bonus/deduction items included."""
    return [it for code in sections(project.standard) for it in rows.section_items(project, code)]


def summary_sections(project, score) -> tuple[str, ...]:
    """Sections with nothing claimed and no evidence: listed on one summary page."""
    claimed = {s.code: s.claimed for s in score.tertiary}
    claimed.update({e.code: e.points for e in (*score.bonus_items, *score.deduction_items)})
    return tuple(code for code in sections(project.standard)
                 if not claimed.get(code) and not rows.section_items(project, code))


@dataclass(frozen=True)
class Block:
    """A run of body pages: a divider, one evidence item, or the summary page."""

    kind: str  # DIVIDER, ITEM_BLOCK, SUMMARY
    section: str  # tertiary or bonus/deduction code; "" for the summary
    item: Any  # dossier.project.EvidenceItem | None
    pages: int
    bytes: int
    first: int = 0  # running page number of the first page (1-based, per volume)
    index: int = 0  # 0-based page index in the volume's PDF

    @property
    def is_divider(self) -> bool:
        return self.kind == DIVIDER

    @property
    def is_summary(self) -> bool:
        return self.kind == SUMMARY

    def placed(self, first: int, index: int) -> Block:
        return Block(self.kind, self.section, self.item, self.pages, self.bytes, first, index)


@dataclass(frozen=True)
class TocEntry:
    level: int  # PRIMARY … ITEM
    key: str  # indicator code or item number
    text: str
    page: int  # running page number shown
    index: int  # 0-based page index the entry links to
    lines: int
    toc_page: int  # 0-based page within the TOC
    toc_line: int  # 0-based line on that TOC page
    block: int = 0  # position of the target block in ``Volume.blocks``


@dataclass(frozen=True)
class Stamp:
    """What is printed in the margin of one evidence page."""

    index: int
    number: str  # evidence item number
    page: int  # page within the item, 1-based
    of: int
    running: int


@dataclass
class Volume:
    number: int
    count: int
    has_score: bool
    blocks: list[Block]
    toc: list[TocEntry] = field(default_factory=list)
    toc_pages: int = 1
    score_pages: int = 0
    cover_pages: int = 1
    oversize: list[Any] = field(default_factory=list)  # items alone longer than max_pages

    @property
    def front_pages(self) -> int:
        return self.cover_pages + self.score_pages + self.toc_pages

    @property
    def body_pages(self) -> int:
        return sum(b.pages for b in self.blocks)

    @property
    def total_pages(self) -> int:
        return self.front_pages + self.body_pages

    @property
    def evidence_pages(self) -> int:
        return sum(b.pages for b in self.items())

    @property
    def item_count(self) -> int:
        return sum(1 for _ in self.items())

    @property
    def score_index(self) -> int:
        return self.cover_pages

    @property
    def toc_index(self) -> int:
        return self.cover_pages + self.score_pages

    def label(self, index: int) -> str:
        """The printed number of a page: roman in the front matter, arabic in the body."""
        if index < self.front_pages:
            return roman(index + 1)
        return str(index - self.front_pages + 1)

    def items(self) -> Iterator[Block]:
        return (b for b in self.blocks if b.item is not None)

    def stamps(self) -> Iterator[Stamp]:
        for b in self.items():
            for p in range(b.pages):
                yield Stamp(b.index + p, b.item.number, p + 1, b.pages, b.first + p)

    def range_text(self, standard) -> str:
        """What the volume holds, by code and name: "3.1 完成装备配备 至 4.2 服装配发及着装"
        or, within one section, its name and the first and last item numbers."""
        own = [b for b in self.blocks if not b.is_summary]
        if not own:
            return rows.EMPTY_SUMMARY_TITLE
        first, last = own[0].section, own[-1].section
        items = [b.item.number for b in self.items()]
        if first == last:
            span = f"（佐证 {items[0]} 至 {items[-1]}）" if len(items) > 1 else (
                f"（佐证 {items[0]}）" if items else "")
            return f"{section_name(standard, first)}{span}"
        return f"{section_name(standard, first)} 至 {section_name(standard, last)}"


@dataclass
class PageMap:
    volumes: list[Volume]

    @property
    def split(self) -> bool:
        return len(self.volumes) > 1

    @property
    def total_pages(self) -> int:
        return sum(v.total_pages for v in self.volumes)

    @property
    def item_count(self) -> int:
        return sum(v.item_count for v in self.volumes)

    @property
    def evidence_pages(self) -> int:
        return sum(v.evidence_pages for v in self.volumes)


def section_name(standard, code: str) -> str:
    if standard.has_tertiary(code):
        return rows.tertiary_label(standard.tertiary(code))
    return rows.extra_label(_extra(standard, code))


def _extra(standard, code: str):
    return next(e for e in (*standard.bonus, *standard.deductions) if e.code == code)


# -- the TOC tree -------------------------------------------------------------------------


@dataclass
class _Node:
    level: int
    key: str
    text: str
    target: Block | None = None  # the block this entry itself links to
    children: list[_Node] = field(default_factory=list)


def _tree(project, blocks: dict, summary: set[str]) -> list[_Node]:
    """The TOC tree over ``blocks`` ({(kind, section or item number): Block})."""
    standard = project.standard

    def home(code: str) -> Block:
        return blocks[(SUMMARY, "")] if code in summary else blocks[(DIVIDER, code)]

    def item_nodes(code: str) -> list[_Node]:
        return [_Node(ITEM, it.number, rows.item_label(it), blocks[(ITEM_BLOCK, it.number)])
                for it in project.items_for(code)]

    roots = []
    for p in standard.primary:
        pn = _Node(PRIMARY, p.code, rows.primary_heading(p))
        for s in p.secondary:
            sn = _Node(SECONDARY, s.code, rows.secondary_heading(s))
            for t in s.tertiary:
                tn = _Node(TERTIARY, t.code, rows.tertiary_heading(t), home(t.code),
                           item_nodes(t.code))
                for c in t.criteria:
                    items = item_nodes(c.code)
                    text = rows.criterion_heading(c)
                    cn = _Node(CRITERION, c.code, text if items else rows.no_evidence(text),
                               None if items else home(t.code), items)
                    tn.children.append(cn)
                sn.children.append(tn)
            pn.children.append(sn)
        roots.append(pn)
    extras = [e for e in (*standard.bonus, *standard.deductions)]
    if extras:
        root = _Node(PRIMARY, "+", rows.EXTRAS_TITLE)
        for e in extras:
            items = item_nodes(e.code)
            text = rows.extra_heading(e)
            root.children.append(_Node(TERTIARY, e.code, text if items else rows.no_evidence(text),
                                       home(e.code), items))
        roots.append(root)
    return roots


def _walk_touch(node: _Node, ancestors: tuple, touched: dict) -> None:
    chain = (*ancestors, node)
    if node.target is not None:
        touched.setdefault(id(node.target), []).extend(
            n for n in chain if n not in touched.get(id(node.target), []))
    for child in node.children:
        _walk_touch(child, chain, touched)


def _entries(node: _Node, inside: set[int], out: list) -> Block | None:
    """Append the entries of ``node``'s subtree whose pages are in ``inside`` (block ids);
    returns the block the node links to, None when nothing of it is inside."""
    position = len(out)
    out.append(None)  # the node's own entry, filled in below
    own = node.target if node.target is not None and id(node.target) in inside else None
    first_child = None
    for child in node.children:
        got = _entries(child, inside, out)
        first_child = first_child or got
    target = own or first_child
    if target is None:
        del out[position:]
        return None
    out[position] = (node, target)
    return target


# -- planning ---------------------------------------------------------------------------


def _units(project, pages_of: Callable[[Any], int], bytes_of: Callable[[Any], int],
           layout: Layout, summary: set[str]) -> tuple[list[list[Block]], dict]:
    """Units never split across volumes: [summary], [divider, first item], [item], [divider]."""
    units: list[list[Block]] = []
    blocks: dict = {}
    if summary:
        block = Block(SUMMARY, "", None, max(1, layout.summary_pages()), DIVIDER_BYTES)
        blocks[(SUMMARY, "")] = block
        units.append([block])
    for code in sections(project.standard):
        if code in summary:
            continue
        divider = Block(DIVIDER, code, None, max(1, layout.divider_pages(code)), DIVIDER_BYTES)
        blocks[(DIVIDER, code)] = divider
        items = [Block(ITEM_BLOCK, code, it, max(1, int(pages_of(it))), int(bytes_of(it)))
                 for it in rows.section_items(project, code)]
        blocks.update(((ITEM_BLOCK, b.item.number), b) for b in items)
        units.append([divider, *items[:1]])
        units.extend([b] for b in items[1:])
    return units, blocks


def _toc_pages_estimate(lines: int, layout: Layout) -> int:
    """TOC pages for ``lines`` lines, allowing for entries that do not split across pages."""
    first = layout.toc_capacity(0) - 2
    if lines <= first:
        return 1
    return 1 + math.ceil((lines - first) / max(1, layout.toc_capacity(1) - 2))


def plan(project, pages_of: Callable[[Any], int], layout: Layout, *,
         summary: tuple[str, ...] | frozenset[str] = (),
         max_pages: int | None = None, max_bytes: int | None = None,
         bytes_of: Callable[[Any], int] | None = None) -> PageMap:
    """Lay out the binder of ``project``: volumes, page numbers, TOC positions.

    ``summary``: the sections listed on the summary page (``summary_sections``).
    """
    bytes_of = bytes_of or (lambda item: 0)
    summary_set = set(summary)
    units, blocks = _units(project, pages_of, bytes_of, layout, summary_set)
    roots = _tree(project, blocks, summary_set)
    touched: dict[int, list[_Node]] = {}
    for root in roots:
        _walk_touch(root, (), touched)
    lines_of: dict[int, int] = {}

    def lines(node: _Node) -> int:
        if id(node) not in lines_of:
            lines_of[id(node)] = max(1, layout.toc_entry_lines(node.level, node.text))
        return lines_of[id(node)]

    score_pages = max(1, layout.score_pages())
    groups: list[list[Block]] = [[]]
    shown: set[int] = set()
    toc_lines = 0
    for unit in units:
        new = {id(n): n for b in unit for n in touched.get(id(b), []) if id(n) not in shown}
        added = sum(lines(n) for n in new.values())
        current = groups[-1]
        if current and (max_pages or max_bytes):
            front = 1 + (score_pages if len(groups) == 1 else 0) + _toc_pages_estimate(
                toc_lines + added, layout)
            pages = front + sum(b.pages for b in current + unit)
            size = sum(b.bytes for b in current + unit) + VOLUME_OVERHEAD_BYTES
            if (max_pages and pages > max_pages) or (max_bytes and size > max_bytes):
                groups.append([])
                shown, toc_lines = set(), 0
                new = {id(n): n for b in unit for n in touched.get(id(b), [])}
                added = sum(lines(n) for n in new.values())
        groups[-1].extend(unit)
        shown |= set(new)
        toc_lines += added

    volumes = []
    before: set[int] = set()
    for number, group in enumerate(groups, start=1):
        volume, listed = _volume(layout, roots, lines, number, len(groups), group,
                                 score_pages, before)
        if max_pages and volume.total_pages > max_pages:
            volume.oversize = [b.item for b in volume.items()
                               if b.pages + volume.front_pages > max_pages]
        volumes.append(volume)
        before |= listed
    return PageMap(volumes)


def _volume(layout: Layout, roots: list[_Node], lines: Callable[[_Node], int], number: int,
            count: int, group: list[Block], score_pages: int,
            before: set[int]) -> tuple[Volume, set[int]]:
    volume = Volume(number, count, has_score=number == 1, blocks=[],
                    score_pages=score_pages if number == 1 else 0)
    found: list = []
    inside = {id(b) for b in group}
    for root in roots:
        _entries(root, inside, found)
    toc_page = toc_line = 0
    paged = []
    for node, target in found:
        text = node.text + ("（续）" if id(node) in before and node.level < ITEM else "")
        n = lines(node) if text == node.text else max(1, layout.toc_entry_lines(node.level, text))
        if toc_line + n > layout.toc_capacity(toc_page) and toc_line > 0:
            toc_page, toc_line = toc_page + 1, 0
        paged.append((node, target, text, n, toc_page, toc_line))
        toc_line += n
    volume.toc_pages = toc_page + 1
    index, running = volume.front_pages, 1
    position: dict[int, int] = {}
    for b in group:
        position[id(b)] = len(volume.blocks)
        volume.blocks.append(b.placed(running, index))
        index += b.pages
        running += b.pages
    for node, target, text, n, page, line in paged:
        placed = volume.blocks[position[id(target)]]
        volume.toc.append(TocEntry(node.level, node.key, text, placed.first, placed.index, n,
                                   page, line, position[id(target)]))
    return volume, {id(node) for node, *_ in found}
