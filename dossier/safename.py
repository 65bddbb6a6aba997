"""Text that becomes a file name, and text that becomes document content.

File names: the same rules on Windows and Linux, so that an archive made on one
extracts on the other. A name component never contains a path separator, ``..``,
a character Windows reserves (``\\ / : * ? " < > |``), a glob bracket or a control
character — each reserved ASCII character becomes its full-width form, which reads
the same to a person —, never ends in a dot or space, is never a reserved device
name (CON, NUL, COM1 …), and is cut to a length limit (in UTF-8 bytes, since Linux
counts bytes and Chinese takes three).

Document text: control characters (pasted from Word or Excel) make XML invalid and
print as boxes; they are removed, line breaks kept.
"""

from __future__ import annotations

import re
import unicodedata

_FULL_WIDTH = str.maketrans({"/": "／", "\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂",
                             "<": "＜", ">": "＞", "|": "｜", "[": "［", "]": "］"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff]")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)
MAX_COMPONENT_BYTES = 180  # leaves room for "-2022-佐证材料汇编（第12册）.docx" within 255


def safe_component(text: str, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """``text`` as one safe file-name component (never empty, never a path)."""
    name = unicodedata.normalize("NFC", _CONTROL.sub("", str(text))).translate(_FULL_WIDTH)
    name = name.strip().strip(".").strip()
    if _RESERVED.match(name):
        name = "_" + name
    encoded = name.encode("utf-8")
    if len(encoded) > max_bytes:
        name = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(". ")
    return name or "_"


def clean_text(text: str) -> str:
    """Text for a document: no control characters; Windows and old Mac line breaks as \\n."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_CONTROL.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n"))
