"""Make LibreOffice's PDF independent of the batch it was converted in.

LibreOffice embeds CFF fonts (Noto CJK) as Type 1 programs and numbers them with a
``/UniqueID`` counter that runs per *process*: the same spreadsheet converted third in a
batch gets other IDs, hence other bytes, than converted alone. The ID appears twice per
font: in the clear-text part and, eexec-encrypted, in the private dictionary. This module
renumbers them per document (4100001, 4100002 … in order of first appearance), which is
what a file converted on its own gets — so outputs do not depend on the CPU count, the
batch composition or what was cached before. Cheaper than one soffice process per file
(measured: 2 s of start-up per file).
"""

from __future__ import annotations

import re

import pikepdf

FIRST_ID = 4100001
_R_EEXEC, _C1, _C2 = 55665, 52845, 22719
_UNIQUE = re.compile(rb"/UniqueID (\d+) def")


def _decrypt(data: bytes) -> bytes:
    r, out = _R_EEXEC, bytearray()
    for c in data:
        out.append(c ^ (r >> 8))
        r = ((c + r) * _C1 + _C2) & 0xFFFF
    return bytes(out)


def _encrypt(data: bytes) -> bytes:
    r, out = _R_EEXEC, bytearray()
    for p in data:
        c = p ^ (r >> 8)
        out.append(c)
        r = ((c + r) * _C1 + _C2) & 0xFFFF
    return bytes(out)


def _font_programs(pdf: pikepdf.Pdf) -> list[tuple[pikepdf.Stream, bytes, int, int]]:
    """Type 1 font programs with a /UniqueID: (stream, data, clear length, encrypted length)."""
    found = []
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or "/Length1" not in obj or "/Length2" not in obj:
            continue
        try:
            data = obj.read_bytes()
            n1, n2 = int(obj.Length1), int(obj.Length2)
        except (pikepdf.PdfError, ValueError, TypeError):
            continue
        if _UNIQUE.search(data[:n1]):
            found.append((obj, data, n1, n2))
    return found


def renumber(pdf: pikepdf.Pdf) -> int:
    """Renumber the Type 1 fonts' /UniqueID in ``pdf`` (open, modified in place).

    Every font program is written back (so that all are compressed alike, whatever
    their IDs were); only IDs other than 4100001, 4100002 … (a file that was not first
    in its batch) cost an eexec decryption. Returns how many programs were rewritten.
    """
    programs = _font_programs(pdf)
    ids: dict[bytes, bytes] = {}
    for _, data, n1, _ in programs:
        for old in _UNIQUE.findall(data[:n1]):
            ids.setdefault(old, str(FIRST_ID + len(ids)).encode())
    if all(old == new for old, new in ids.items()):
        for obj, data, _, _ in programs:
            obj.write(data)
        return len(programs)

    def new_id(match: re.Match) -> bytes:
        return b"/UniqueID " + ids.get(match.group(1), match.group(1)) + b" def"

    for obj, data, n1, n2 in programs:
        clear, secret, rest = data[:n1], data[n1:n1 + n2], data[n1 + n2:]
        clear = _UNIQUE.sub(new_id, clear)
        plain = _decrypt(secret)
        if _UNIQUE.search(plain):
            secret = _encrypt(_UNIQUE.sub(new_id, plain))
        obj.write(clear + secret + rest)
        obj.Length1, obj.Length2 = len(clear), len(secret)
    return len(programs)
