"""Chinese line breaking for everything dossier draws (GB/T 15834-2011, W3C clreq).

Between two Chinese characters a line may break anywhere, except that:

- no line starts with closing punctuation (，。、；：？！）》」』】〕… and their half-width forms),
- no line ends with opening punctuation (（《「『【〔 …),
- a number stays with its unit (``24次``, ``7.5分``, ``2022年``) and a Latin word or a code
  (``1.1.1-01``, ``IMG_0001``) is never split,
- 破折号 —— and 省略号 …… are not split.

The text is cut into *segments* that may not be broken inside, and lines are filled
greedily with whole segments; only a segment wider than a whole line is cut by character.
``break_lines`` takes any measure (fpdf2's ``get_string_width``, or a character count), so
the binder's pages and the report's title break by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Characters that must not start a line (GB/T 15834 §5.1.8 and clreq "行首禁则").
NO_START = frozenset("，。、；：？！）》」』】〕〉］｝’”…—·‥～％‰℃,.;:?!)]}>%/")
# Characters that must not end a line (clreq "行尾禁则").
NO_END = frozenset("（《「『【〔〈［｛‘“([{<")

# A Latin word, a number or a code: letters, digits and the joiners inside them.
_WORD = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ][0-9A-Za-z０-９Ａ-Ｚａ-ｚ.\-_/:+#&@'’]*")
_NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def segments(text: str) -> list[str]:
    """``text`` cut into the pieces a line may break between (spaces are their own piece)."""
    atoms: list[str] = []
    i = 0
    while i < len(text):
        match = _WORD.match(text, i)
        if match:
            word = match.group()
            # "7.5分。" — a trailing joiner belongs to the text, not the number.
            while len(word) > 1 and word[-1] in ".-_/:+#&@'’":
                word = word[:-1]
            end = i + len(word)
            # a number keeps its unit: 24次, 7.5分, 2022年
            if _NUMBER.fullmatch(word) and end < len(text) and _CJK.match(text[end]):
                end += 1
            atoms.append(text[i:end])
            i = end
        else:
            atoms.append(text[i])
            i += 1
    pieces: list[str] = []
    for atom in atoms:
        glue_back = pieces and not pieces[-1].isspace() and not atom.isspace() and (
            atom[0] in NO_START or pieces[-1][-1] in NO_END)
        if glue_back:
            pieces[-1] += atom
        else:
            pieces.append(atom)
    return pieces


def break_lines(text: str, width: float, measure: Callable[[str], float] = len) -> list[str]:
    """Lines of ``text`` no wider than ``width`` by ``measure``, broken by the rules above.

    A newline in ``text`` always breaks; a space where a line breaks is dropped. Only a
    segment wider than ``width`` by itself is cut by character.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_fill(segments(paragraph), width, measure))
    return lines


def _fill(pieces: list[str], width: float, measure: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if not line and piece.isspace() and lines:
            continue  # no line starts with the space it was broken at
        if measure(line + piece) <= width or not line.strip():
            line += piece
        elif piece.isspace():
            lines.append(line)
            line = ""
            continue
        else:
            lines.append(line.rstrip())
            line = piece
        while measure(line) > width and len(line) > 1:  # one segment wider than a line
            cut = _cut(line, width, measure)
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line.rstrip() if lines else line)
    return lines


def _cut(line: str, width: float, measure: Callable[[str], float]) -> int:
    """Longest prefix of ``line`` that fits (at least one character)."""
    cut = 1
    while cut < len(line) and measure(line[:cut + 1]) <= width:
        cut += 1
    return cut


# Where a title reads well when broken: after the issuing unit, before 关于, after 关于…的.
_TITLE_BREAK_AFTER = ("大队", "支队", "中队", "总队", "局", "厅", "委员会", "中心", "政府", "年度", "保护",
                      "关于", "机构")
_TITLE_BREAK_BEFORE = ("关于", "的报告", "的通知", "的请示", "的函", "工作情况", "情况", "报告",
                       "自评")


def balanced_lines(text: str, lines: int = 2, measure: Callable[[str], float] = len,
                   width: float | None = None) -> list[str]:
    """``text`` in ``lines`` lines of near-even width, broken where the title reads well.

    For a title (GB/T 9704: 回行时词意完整、排列对称): the breaks are legal break points
    (``segments``), preferring the end of the issuing unit, 关于, 年度 and the start of
    报告/情况; ``width`` (if given) caps every line. Returns fewer lines if the text is short.
    """
    pieces = segments(text)
    if lines <= 1 or len(pieces) <= 1:
        return [text]
    if width is not None and measure(text) <= width:
        return [text]
    bounds = [sum(len(p) for p in pieces[:k]) for k in range(1, len(pieces))]
    total = measure(text)
    best: tuple[float, list[int]] | None = None
    for cuts in _combinations(bounds, lines - 1):
        parts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        widths = [measure(p.strip()) for p in parts]
        if width is not None and max(widths) > width:
            continue
        cost = max(widths) - total / lines
        cost -= sum(_title_bonus(text, c) for c in cuts) * total / (lines * 8)
        if best is None or cost < best[0]:
            best = (cost, list(cuts))
    if best is None:  # nothing fits within width in that many lines: fill greedily
        return break_lines(text, width or total / lines, measure)
    cuts = best[1]
    return [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _title_bonus(text: str, cut: int) -> float:
    before, after = text[:cut], text[cut:]
    return float(any(before.endswith(w) for w in _TITLE_BREAK_AFTER) or
                 any(after.startswith(w) for w in _TITLE_BREAK_BEFORE))


def _combinations(bounds: list[int], k: int):
    if k == 0:
        yield []
        return
    for i, b in enumerate(bounds):
        for rest in _combinations(bounds[i + 1:], k - 1):
            yield [b, *rest]


def prebroken(text: str, width: float, measure: Callable[[str], float]) -> str:
    """``text`` with a newline at every break ``break_lines`` makes.

    For writers that break Chinese anywhere (fpdf2's ``multi_cell`` and table cells): given
    the lines ready-made, they keep them. Pass the text width, less the cell's padding.
    """
    return "\n".join(break_lines(text, width, measure))
