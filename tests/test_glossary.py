"""One word per idea in everything a person reads: the glossary of dossier.outputs holds."""

from __future__ import annotations

import re
from pathlib import Path

from dossier import outputs

PACKAGE = Path(__file__).resolve().parent.parent / "dossier"


def test_no_output_or_message_uses_a_word_the_glossary_avoids():
    # 复核评分表 is the city reviewer's own sheet, not the county's 自评得分表
    patterns = {word: re.compile(r"(?<!复核)" + re.escape(word)) for word in outputs.AVOID}
    offences = []
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.j2"), *PACKAGE.rglob("*.html")]):
        if path.name == "outputs.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            offences += [f"{path.relative_to(PACKAGE)}:{number}: {word} → {outputs.AVOID[word]}"
                         for word, pattern in patterns.items() if pattern.search(line)]
    assert offences == []
