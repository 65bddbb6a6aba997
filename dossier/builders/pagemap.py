"""The page map: where every page of the PDF binder goes, computed once.

The table of contents, the stamps on evidence pages, the bookmarks and the page labels
are all read from this map, so they cannot disagree. A volume is laid out as

    front matter  cover, score table (volume 1 only), table of contents   labels i, ii, …
    body          per tertiary indicator: a divider page, then its items   labels 1, 2, …

Decisions:
- Running page numbers restart at 1 in every volume (each volume is bound and cited on
  its own, "第2册第15页"); evidence item numbers (``3.1.1-02``) are global.
- Front matter is numbered in roman numerals, so the length of the table of contents
  never shifts the body's numbers; the TOC is still paginated here, entry by entry, so
  the renderer draws each entry exactly where the map put it.
- An evidence item is never split across volumes; one longer than ``max_pages`` gets a
  volume of its own. A divider travels with the first item of its indicator. A volume
  that starts inside an indicator shows its headings as "（续）".
- ``max_bytes`` is checked against an estimate: the converted PDFs' sizes plus a fixed
  allowance per volume for fonts and front matter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from dossier.cnformat import cn_number, pts

# Allowance per volume (fonts, front matter, dividers) for the --max-mb estimate.
VOLUME_OVERHEAD_BYTES = 600_000
DIVIDER_BYTES = 8_000


# TOC/bookmark levels
PRIMARY, SECONDARY, TERTIARY, CRITERION, ITEM = range(5)


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

    def divider_pages(self, tertiary_code: str) -> int: ...

    def toc_entry_lines(self, level: int, text: str) -> int: ...

    def toc_capacity(self, toc_page: int) -> int: ...


class FixedLayout:
    """One page per part and one line per TOC entry: for tests and estimates."""

    def __init__(self, score: int = 1, divider: int = 1, toc_lines: int = 40):
        self._score, self._divider, self._lines = score, divider, toc_lines

    def score_pages(self) -> int:
        return self._score

    def divider_pages(self, tertiary_code: str) -> int:
        return self._divider

    def toc_entry_lines(self, level: int, text: str) -> int:
        return 1

    def toc_capacity(self, toc_page: int) -> int:
        return self._lines


@dataclass(frozen=True)
class Block:
    """A run of body pages: a divider (``item`` None) or one evidence item."""

    tertiary: str
    criterion: str | None  # the item's criterion; None for dividers and tertiary-level items
    item: Any  # dossier.project.EvidenceItem | None
    pages: int
    bytes: int
    first: int = 0  # running page number of the first page (1-based, per volume)
    index: int = 0  # 0-based page index in the volume's PDF

    @property
    def is_divider(self) -> bool:
        return self.item is None


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


@dataclass
class PageMap:
    volumes: list[Volume]

    @property
    def split(self) -> bool:
        return len(self.volumes) > 1


# -- headings ---------------------------------------------------------------------------


def _heading_texts(standard) -> dict[tuple[int, str], str]:
    texts: dict[tuple[int, str], str] = {}
    for p in standard.primary:
        texts[(PRIMARY, p.code)] = (f"{cn_number(int(p.code))}、{p.name}"
                                    f"（{pts(p.points)}分）")
        for s in p.secondary:
            texts[(SECONDARY, s.code)] = f"（{cn_number(int(s.code))}）{s.name}（{pts(s.points)}分）"
            for t in s.tertiary:
                texts[(TERTIARY, t.code)] = f"{t.code} {t.name}（{pts(t.points)}分）"
                for c in t.criteria:
                    texts[(CRITERION, c.code)] = f"{c.code} {c.short}（{pts(c.points)}分）"
    return texts


def _path(standard, block: Block) -> list[tuple[int, str]]:
    """Heading path of a block: primary, secondary, tertiary[, criterion]."""
    t = block.tertiary
    path = [(PRIMARY, standard.primary_of(t).code), (SECONDARY, standard.secondary_of(t).code),
            (TERTIARY, t)]
    if block.criterion:
        path.append((CRITERION, block.criterion))
    return path


class _Toc:
    """The TOC of one volume, paginated entry by entry as blocks are added.

    ``before`` holds the headings shown in earlier volumes: shown again, they read "（续）".
    """

    def __init__(self, standard, layout: Layout, texts: dict, before: set):
        self.standard, self.layout, self.texts, self.before = standard, layout, texts, before
        self.entries: list[dict] = []
        self.prev: list[tuple[int, str]] = []
        self.seen: set[tuple[int, str]] = set()
        self.page = 0
        self.line = 0

    def copy(self) -> _Toc:
        other = _Toc(self.standard, self.layout, self.texts, self.before)
        other.prev, other.seen, other.page, other.line = self.prev, set(self.seen), self.page, self.line
        return other

    def add(self, block: Block) -> None:
        path = _path(self.standard, block)
        new = [head for depth, head in enumerate(path)
               if not (depth < len(self.prev) and self.prev[depth] == head)]
        entries = [{"level": h[0], "key": h[1], "block": block,
                    "text": self.texts[h] + ("（续）" if h in self.before else "")} for h in new]
        if block.item is not None:
            entries.append({"level": ITEM, "key": block.item.number, "block": block,
                            "text": f"{block.item.number} {block.item.title}"})
        for e in entries:
            n = max(1, self.layout.toc_entry_lines(e["level"], e["text"]))
            if self.line + n > self.layout.toc_capacity(self.page) and self.line > 0:
                self.page, self.line = self.page + 1, 0
            e.update(lines=n, toc_page=self.page, toc_line=self.line)
            self.line += n
            self.entries.append(e)
            self.seen.add((e["level"], e["key"]))
        self.prev = path

    @property
    def pages(self) -> int:
        return self.page + 1


# -- planning ---------------------------------------------------------------------------


def _blocks(project, pages_of: Callable[[Any], int], bytes_of: Callable[[Any], int],
            layout: Layout) -> list[list[Block]]:
    """Units that are never split across volumes: [divider, first item], [item], [divider]."""
    units: list[list[Block]] = []
    for t in project.standard.tertiaries():
        divider = Block(t.code, None, None, max(1, layout.divider_pages(t.code)), DIVIDER_BYTES)
        items = list(project.items_for(t.code))
        for c in t.criteria:
            items.extend(project.items_for(c.code))
        blocks = [Block(t.code, it.code if it.code != t.code else None, it,
                        max(1, int(pages_of(it))), int(bytes_of(it))) for it in items]
        if not blocks:
            units.append([divider])
            continue
        units.append([divider, blocks[0]])
        units.extend([b] for b in blocks[1:])
    return units


def plan(project, pages_of: Callable[[Any], int], layout: Layout, *,
         max_pages: int | None = None, max_bytes: int | None = None,
         bytes_of: Callable[[Any], int] | None = None) -> PageMap:
    """Lay out the binder of ``project``: volumes, page numbers, TOC positions."""
    bytes_of = bytes_of or (lambda item: 0)
    standard = project.standard
    texts = _heading_texts(standard)
    units = _blocks(project, pages_of, bytes_of, layout)
    score_pages = max(1, layout.score_pages())

    groups: list[list[Block]] = [[]]
    before: set = set()
    toc = _Toc(standard, layout, texts, before)
    for unit in units:
        current = groups[-1]
        if current and (max_pages or max_bytes):
            probe = toc.copy()
            for b in unit:
                probe.add(b)
            blocks = current + unit
            front = 1 + (score_pages if len(groups) == 1 else 0) + probe.pages
            pages = front + sum(b.pages for b in blocks)
            size = sum(b.bytes for b in blocks) + VOLUME_OVERHEAD_BYTES
            if (max_pages and pages > max_pages) or (max_bytes and size > max_bytes):
                before = before | toc.seen
                groups.append([])
                toc = _Toc(standard, layout, texts, before)
        groups[-1].extend(unit)
        for b in unit:
            toc.add(b)

    volumes = []
    before = set()
    for n, blocks in enumerate(groups, start=1):
        vol, toc = _volume(standard, layout, texts, n, len(groups), blocks, score_pages, before)
        volumes.append(vol)
        before = before | toc.seen
    return PageMap(volumes)


def _volume(standard, layout: Layout, texts: dict, number: int, count: int,
            blocks: list[Block], score_pages: int, before: set) -> tuple[Volume, _Toc]:
    toc = _Toc(standard, layout, texts, before)
    for b in blocks:
        toc.add(b)
    vol = Volume(number, count, has_score=number == 1, blocks=[], toc_pages=toc.pages,
                 score_pages=score_pages if number == 1 else 0)
    index, running = vol.front_pages, 1
    placed: dict[int, Block] = {}
    for b in blocks:
        placed[id(b)] = Block(b.tertiary, b.criterion, b.item, b.pages, b.bytes, running, index)
        vol.blocks.append(placed[id(b)])
        index += b.pages
        running += b.pages
    vol.toc = [TocEntry(e["level"], e["key"], e["text"], placed[id(e["block"])].first,
                        placed[id(e["block"])].index, e["lines"], e["toc_page"], e["toc_line"])
               for e in toc.entries]
    return vol, toc
