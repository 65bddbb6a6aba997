"""Text that staff typed, made fit to be set in an official document.

Notes come from YAML, from Excel cells (Alt+Enter puts a line break inside a cell) and
from Word: they carry line breaks, stray or full-width spaces, half-width punctuation
between Chinese characters and full-width digits. Set as they are, a line break inside
a justified paragraph spreads one line across the page. ``clean_text`` gives one
paragraph with the punctuation a Chinese document uses; it changes nothing else.
"""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\u0085]+|_x000[dD]_")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200b\ufeff]+")
# Half-width marks that become full-width next to Chinese text.
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_STOPS = "。．.；;，,、：:？?！!"


def is_cjk(ch: str) -> bool:
    """A Chinese character or a Chinese (full-width) punctuation mark."""
    if len(ch) != 1:
        return False
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
            or ch in "“”‘’…—")


def _halfwidth(ch: str) -> str:
    code = ord(ch)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)  # full-width digits and Latin letters
    return "%" if ch == "％" else ch


def _join(text: str, sep_pattern: re.Pattern) -> str:
    """Drop a break or space between Chinese text; keep one space between Latin words."""
    out = []
    pos = 0
    for m in sep_pattern.finditer(text):
        out.append(text[pos:m.start()])
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if before and after and not is_cjk(before) and not is_cjk(after):
            out.append(" ")
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _punctuation(text: str) -> str:
    chars = list(text)
    for i, ch in enumerate(chars):
        before = chars[i - 1] if i else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        near_cjk = is_cjk(before) or is_cjk(after)
        if ch in _FULL and near_cjk:
            chars[i] = _FULL[ch]
        elif ch in "(" and re.search(r"[\u3400-\u9fff]", text[i:text.find(")", i) + 1 or None]):
            chars[i] = "（"
        elif ch == "." and is_cjk(before) and (not after or is_cjk(after)):
            chars[i] = "。"
    text = "".join(chars)
    # A “)” whose “(” became “（” follows it.
    depth = 0
    out = []
    for ch in text:
        if ch == "（":
            depth += 1
        elif ch == ")" and depth:
            ch = "）"
        if ch == "）":
            depth = max(0, depth - 1)
        out.append(ch)
    return re.sub(r"([。；，、：？！])\1+", r"\1", "".join(out))


def clean_text(text: object) -> str:
    """One paragraph: no line breaks, no stray spaces, Chinese punctuation in Chinese text."""
    if text is None:
        return ""
    value = "".join(_halfwidth(ch) for ch in str(text))
    value = _join(value.strip(), _BREAKS)
    value = _punctuation(_join(value, _SPACES).strip())
    return _join(value, _SPACES)


def end_sentence(text: str) -> str:
    """End a sentence that staff left open with “。” (a trailing “，” or “；” becomes “。”).

    A text ending in “：” (“现将有关情况报告如下：”) is left as it is.
    """
    text = text.rstrip(" ，,、；;")
    return text if not text or text[-1] in "。！？…!?：" else text + "。"


def open_sentence(text: str) -> str:
    """A sentence without its final stop, to be joined into a longer one."""
    return text.rstrip(" " + _STOPS)
