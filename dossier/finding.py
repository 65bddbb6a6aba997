"""A finding: one problem found in the user's input, as data (never an exception).

Its own module so that every judge (check, reportcheck, sheetimport, archive) can
return findings without importing ``check``, which gathers them all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    severity: str  # 'error' blocks, 'warning', 'info'
    kind: str
    code: str | None
    path: str | None  # relative to evidence/YYYY (or manifests/… for manifest problems)
    message: str
    department: str  # 责任科室, joined with 、; '' when no indicator is concerned

    def to_json(self) -> dict:
        return {"severity": self.severity, "kind": self.kind, "code": self.code,
                "path": self.path, "message": self.message, "department": self.department}
