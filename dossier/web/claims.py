"""Editing one claim (自评得分 and 自评说明) from the web form.

The edited manifest is written to a scratch copy under the manifest's own name and
loaded with the manifest loader (so the form is validated exactly as ``check`` would
validate the file, with the loader's own messages); only then is it written into place,
atomically. Before every write the
current file is copied to ``build/YYYY/备份/`` (where ``sheet --import`` keeps its own). The page carries the hash of the
manifest it was rendered from; when the file changed on disk since (edited in a text
editor, ``sheet --import``, another browser), the save is refused, never merged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from dossier.errors import InputError
from dossier.fsutil import write_bytes_atomic
from dossier.manifest import dump_like, load_manifest, read_yaml

_lock = threading.Lock()


class ManifestChanged(Exception):
    """The manifest on disk is not the one the page was rendered from."""


@dataclass(frozen=True)
class Saved:
    backup: Path
    digest: str  # of the manifest as now written


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_claim(path: Path, standard, code: str, points: str, note: str,
               expected_digest: str, backup_dir: Path) -> Saved:
    """Set ``claims[code]`` to the form's values; raises InputError (loader) or ManifestChanged."""
    path = Path(path)
    with _lock:
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != expected_digest:
            raise ManifestChanged(path.name)
        data = read_yaml(path)
        if data.get("claims") is None:
            data["claims"] = CommentedMap()
        _set_claim(data["claims"], standard, code, _scalar(points), note.strip())
        body = dump_like(data, raw)
        _validate(path, body, standard)
        backup = _back_up(path, raw, backup_dir)
        write_bytes_atomic(path, body)
        return Saved(backup, hashlib.sha256(body).hexdigest())


def _validate(path: Path, body: bytes, standard) -> None:
    """Load the edited text under the manifest's own name: the loader is the validator."""
    with tempfile.TemporaryDirectory(prefix="dossier-claim-") as scratch:
        probe = Path(scratch) / path.name
        probe.write_bytes(body)
        try:
            load_manifest(probe, standard)
        except InputError as exc:  # every mistake the loader found, naming the real file
            raise InputError(exc.render().replace(str(probe), str(path))) from None


def backups(path: Path, backup_dir: Path) -> list[Path]:
    """The web page's backups of a manifest, oldest first."""
    return sorted(Path(backup_dir).glob(f"{Path(path).stem}（网页修改前*）{Path(path).suffix}"))


def _scalar(text: str):
    """The form's points as YAML would read them: a number, empty, or text the loader refuses."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    return int(number) if number == number.to_integral_value() else float(text)


def _set_claim(claims, standard, code: str, points, note: str) -> None:
    """Edit in place, so the entry keeps its position, flow style and end-of-line comment."""
    keys = {str(k).strip(): k for k in claims}
    key = keys.get(code)
    if key is None:
        order = [c.code for c in standard.criteria()]
        before = [k for k in keys if k in order and order.index(k) < order.index(code)]
        position = list(claims).index(keys[max(before, key=order.index)]) + 1 if before else 0
        key = DoubleQuotedScalarString(code)
        claims.insert(position, key, None)
    current = claims[key]
    if isinstance(current, dict):
        for name, value in (("points", points), ("note", note or None)):
            if value is None:
                current.pop(name, None)
            else:
                current[name] = value
        claims[key] = current if current else None
    elif note:
        value = CommentedMap()
        if points is not None:
            value["points"] = points
        value["note"] = note
        value.fa.set_flow_style()
        claims[key] = value
    else:
        claims[key] = points


def _back_up(path: Path, raw: bytes, folder: Path) -> Path:
    """Beside ``sheet --import``'s backups (build/YYYY/备份/), named for the web page."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}（网页修改前{stamp}）{path.suffix}"
    with target.open("xb") as fh:
        fh.write(raw)
    return target
