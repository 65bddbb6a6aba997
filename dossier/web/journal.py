"""Every write through the web page is logged: who (which link), when, what.

One JSON object per line in ``build/.serve/操作记录.jsonl``, appended (a log is never
rewritten); the office can open it in any text editor.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

LOG_NAME = "操作记录.jsonl"
_lock = threading.Lock()


def serve_dir(root: Path) -> Path:
    """Where the web page keeps its own state (links, log); never under evidence/."""
    return Path(root) / "build" / ".serve"


def log_path(root: Path) -> Path:
    return serve_dir(root) / LOG_NAME


def record(root: Path, who: str, action: str, target: str, detail: str = "",
           client: str = "") -> None:
    """Append one entry; ``who`` is the link's name (管理员 or a department)."""
    entry = {"time": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "who": who,
             "client": client, "action": action, "target": target, "detail": detail}
    path = log_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def read(root: Path, limit: int = 50) -> list[dict]:
    """The newest entries first."""
    path = log_path(root)
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(line) for line in reversed(lines) if line.strip()]
