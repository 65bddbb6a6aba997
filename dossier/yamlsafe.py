"""Reading YAML that staff typed: bounded, alias-free, and diagnosed in Chinese.

A manifest is written by hand in Notepad or WPS, often with a Chinese input method
switched on. The parser's own messages (``mapping values are not allowed here``)
help nobody, so before parsing the text is linted line by line for the mistakes
people actually make — a full-width colon or comma, a tab, a code entered twice,
an unclosed quote — and every one found is reported at once with its line and
the exact fix. Anchors and aliases are refused before anything is built, so a
"billion laughs" file fails in milliseconds instead of filling memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 2_000_000  # a year's manifest is a few tens of KB

_KEY = r'(?:"[^"]*"|\'[^\']*\'|[^\s:：#"\'\[\]{},][^:：#]*?)'
# Only names and codes count as keys here: a list item such as "- 王科长：同意" is valid text.
_FULLWIDTH_COLON = re.compile(r'^(\s*)("[\w.]+"|\'[\w.]+\'|[A-Za-z_]\w*|\d+(?:\.\d+)*|[BD]\d+)\s*：')
_KEY_LINE = re.compile(rf"^(\s*)({_KEY})\s*:(?:\s|$)")
_CN_COMMA_IN_FLOW = re.compile(r"[，、]\s*(points|note|file|title|national_\w+|provincial_\w+|"
                               r"unit_or_leadership|staff|provincial|city)\s*[:：]")


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str
    hint: str
    column: int | None = None


def lint(text: str) -> list[Problem]:
    """Every typing mistake found in ``text``, in line order."""
    problems: list[Problem] = []
    stack: list[tuple[int, str]] = []  # (indent, key) of the open mappings
    seen: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        if not body.strip():
            continue
        lead = raw[: len(raw) - len(raw.lstrip())]
        if "\t" in lead:
            problems.append(Problem(number, "行首用了制表符（Tab）缩进，YAML 只能用空格缩进。",
                                    "把该行开头的 Tab 换成空格，与上下行对齐。"))
            continue
        if m := _FULLWIDTH_COLON.match(body):
            key = m.group(2).strip()
            problems.append(Problem(number, f"“{key}”后面用了中文冒号“：”。",
                                    f"改成英文冒号加一个空格，如 {key}: 值（切换到英文输入法再输入）。"))
            continue
        if _CN_COMMA_IN_FLOW.search(body) and ("{" in body or "[" in body):
            problems.append(Problem(number, "花括号或方括号里的各项之间用了中文逗号“，”或顿号“、”。",
                                    "各项之间改用英文逗号加空格，如 {points: 1, note: 说明}；"
                                    "说明文字里的中文逗号可以保留。"))
            continue
        if _unclosed_quote(body):
            problems.append(Problem(number, "引号没有成对：开头有引号，结尾缺少对应的引号。",
                                    "在值的末尾补上同样的引号，或去掉开头的引号。"))
            continue
        if m := _KEY_LINE.match(body):
            indent, key = len(m.group(1)), m.group(2).strip().strip("\"'")
            while stack and stack[-1][0] >= indent:
                stack.pop()
            path = tuple(k for _, k in stack) + (key,)
            if path in seen:
                where = "、".join(path[:-1])
                problems.append(Problem(
                    number, f"“{key}”重复出现：第{seen[path]}行已经写过"
                    + (f"（在 {where} 下）" if where else "") + "。",
                    f"保留一处：把第{seen[path]}行和第{number}行的内容合并后删去其中一行。"))
            else:
                seen[path] = number
            stack.append((indent, key))
    return problems


def _unclosed_quote(body: str) -> bool:
    """A line with an odd number of ASCII double quotes, or a '…-quoted value left open.

    Chinese text quotes with “ ” and ‘ ’, so an odd count of ASCII quotes is a typo.
    """
    if body.replace('\\"', "").count('"') % 2:
        return True
    m = re.search(r":\s+'(.*)$", body)
    return bool(m) and "'" not in m.group(1).replace("''", "")


def aliases(text: str) -> list[Problem]:
    """Anchors and aliases, found by the scanner alone (nothing is built)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.tokens import AliasToken, AnchorToken

    found = []
    try:
        for token in YAML(typ="rt").scan(text):
            if isinstance(token, (AnchorToken, AliasToken)):
                line = token.start_mark.line + 1
                if not found or found[-1].line != line:
                    found.append(Problem(line, "用了 YAML 的锚点或引用（& 或 *），清单中不允许使用。",
                                         "把引用处改成实际的内容；以 & 或 * 开头的文字请加引号。"))
    except YAMLError:
        pass  # a syntax error: the parser reports it with its line
    return found


_PARSER_TEXTS = (
    ("found character '\\t'", "用了制表符（Tab）。", "把 Tab 换成空格。"),
    ("mapping values are not allowed", "这一行的冒号位置不对：值里面含有“: ”或缩进不一致。",
     "如果值里本来就有冒号，请给整个值加英文引号；否则检查缩进。"),
    ("could not find expected ':'", "缺少英文冒号“:”，或上一行的引号没有成对。",
     "写成“名称: 值”的形式（冒号后有一个空格）。"),
    ("expected <block end>", "缩进不一致：同一级的各行应左对齐。", "让这一行与同级的行对齐（用空格）。"),
    ("while scanning a quoted scalar", "引号没有成对。", "在值的末尾补上同样的引号。"),
    ("found duplicate key", "同一项重复出现。", "删去重复的一处。"),
    ("while parsing a flow", "花括号或方括号没有成对，或其中的逗号不是英文逗号。",
     "检查 { } 和 [ ] 是否成对，各项之间用英文逗号加空格。"),
    ("found undefined alias", "用了 YAML 的引用（*），清单中不允许使用。", "把引用改成实际的内容。"),
)


def explain(problem_text: str) -> tuple[str, str]:
    """The parser's English problem as a Chinese message and fix (never the English)."""
    for needle, message, hint in _PARSER_TEXTS:
        if needle in problem_text:
            return message, hint
    return ("格式不正确。", "检查该行的缩进（只用空格）、冒号（英文冒号后加空格）和引号是否成对；"
            "编号请加引号，如 \"1.1.1\"。")
