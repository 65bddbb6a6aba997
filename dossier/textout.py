"""Plain-text renderings shared by commands (the standard tree)."""

from __future__ import annotations

from dossier.cnformat import pts
from dossier.standard import Standard


def render_standard(standard: Standard) -> str:
    lines = [f"{standard.title}（共{pts(standard.total)}分）", ""]
    for p in standard.primary:
        lines.append(f"{p.code} {p.name}（{pts(p.points)}分）")
        for s in p.secondary:
            lines.append(f"  {s.code}. {s.name}（{pts(s.points)}分）")
            for t in s.tertiary:
                lines.append(f"    {t.code} {t.name}（{pts(t.points)}分） 责任科室：{'、'.join(t.departments)}")
                for c in t.criteria:
                    lines.append(f"      {c.code} {c.text}（{pts(c.points)}分）")
    lines.append("")
    lines.append("加分项：")
    for b in standard.bonus:
        lines.append(f"  {b.code} {b.name} 责任科室：{'、'.join(b.departments)}")
        lines.extend(f"      {r}" for r in b.rules)
    lines.append("扣分项：")
    for d in standard.deductions:
        lines.append(f"  {d.code} {d.name} 责任科室：{'、'.join(d.departments)}")
        lines.extend(f"      {r}" for r in d.rules)
    lines.append("")
    lines.append(standard.note)
    return "\n".join(lines)
