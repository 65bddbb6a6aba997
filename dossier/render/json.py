"""The JSON renderer: what ``--format json`` prints, for programs to read."""

from __future__ import annotations

import json


def json_text(data: object) -> str:
    """``data`` (the judge's ``to_json()``) as indented UTF-8 JSON, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, indent=2)
