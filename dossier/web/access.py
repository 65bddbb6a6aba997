"""Who may do what: links with tokens, the Host header and CSRF tokens.

- The office link (管理员) gets a fresh token at every start, as Jupyter does; it may do
  everything. Department links (``--lan``) keep their tokens in
  ``build/.serve/links.json`` so that links handed out stay valid across restarts,
  until revoked (``dossier serve --revoke 法规科``); a running server re-reads the file,
  so a revocation takes effect at once.
- A request whose Host header is not one of the server's own addresses is refused:
  a web page elsewhere that points a DNS name at 127.0.0.1 (DNS rebinding) gets 403.
- Every state-changing request carries a CSRF token derived from the link's token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from dossier.errors import InputError
from dossier.web.journal import serve_dir

OFFICE = "管理员"
LINKS_NAME = "links.json"
COOKIE = "dossier_token"


@dataclass(frozen=True)
class Link:
    name: str  # 管理员, or the department (责任科室) the link belongs to
    token: str

    @property
    def office(self) -> bool:
        return self.name == OFFICE


def new_token() -> str:
    return secrets.token_urlsafe(24)


def all_departments(standard) -> list[str]:
    """Every 责任科室 named by the standard, in first-seen order."""
    seen: dict[str, None] = {}
    for t in standard.tertiaries():
        for name in t.departments:
            seen.setdefault(name, None)
        for c in t.criteria:
            for name in c.departments:
                seen.setdefault(name, None)
    for item in (*standard.bonus, *standard.deductions):
        for name in item.departments or ():
            seen.setdefault(name, None)
    return list(seen)


class LinkStore:
    """The office link (in memory) and the department links (on disk)."""

    def __init__(self, root: Path, office_token: str | None = None):
        self.path = serve_dir(root) / LINKS_NAME
        self.office = Link(OFFICE, office_token or new_token())
        self._lock = threading.Lock()
        self._cache: tuple[int, dict[str, str]] = (-1, {})

    def departments(self) -> dict[str, str]:
        """Department → token, re-read whenever the file changed (revocations)."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        with self._lock:
            if self._cache[0] != stamp:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._cache = (stamp, dict(data.get("departments", {})))
            return dict(self._cache[1])

    def find(self, token: str | None) -> Link | None:
        if not token:
            return None
        if hmac.compare_digest(token, self.office.token):
            return self.office
        for name, known in self.departments().items():
            if hmac.compare_digest(token, known):
                return Link(name, known)
        return None

    def ensure(self, names: list[str]) -> dict[str, str]:
        """Give every department a token (existing ones are kept) and save."""
        links = self.departments()
        for name in names:
            links.setdefault(name, new_token())
        self._save(links)
        return {name: links[name] for name in names}

    def revoke(self, name: str) -> None:
        links = self.departments()
        if name not in links:
            known = "、".join(links) or "（没有）"
            raise InputError(f"没有“{name}”的链接，无法吊销。已有链接的科室：{known}。",
                             hint="检查科室名称是否与评价标准中的责任科室一致。")
        del links[name]
        self._save(links)

    def _save(self, links: dict[str, str]) -> None:
        """Atomically, readable by the owner only (the tokens are passwords)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"departments": links}, fh, ensure_ascii=False, indent=2)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def csrf_token(secret: bytes, link: Link) -> str:
    return hmac.new(secret, link.token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, link: Link, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(presented, csrf_token(secret, link))


def host_allowed(host_header: str | None, allowed: frozenset[str]) -> bool:
    """The Host header names this server (address and port exactly)."""
    return bool(host_header) and host_header.strip().lower() in allowed


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    names = {host, "localhost", "127.0.0.1"} if host.startswith("127.") else {host}
    return frozenset(f"{name}:{port}".lower() for name in names)
