"""``dossier init``: the manifest and the evidence tree for a year.

Init never overwrites: it adds what is missing and reports what it added, so that
staff can run it again at any time (for example after deleting a folder by mistake).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from dossier.cnformat import cn_number as _cn_num
from dossier.cnformat import pts as _pts
from dossier.errors import InputError
from dossier.folders import (
    README_NAME,
    criterion_folder_name,
    existing_folders,
    extra_folder_name,
    extra_items,
    folder_code,
    safe_name,
    tertiary_folder_name,
)
from dossier.manifest import (
    BONUS_FIELDS,
    DEDUCTION_FIELDS,
    FACTS,
    UNIT_HINT,
    find_manifest,
    load_manifest,
    unit_problem,
)
from dossier.standard import (
    DEFAULT_STANDARD,
    Criterion,
    ExtraItem,
    Standard,
    Tertiary,
    load_standard,
)

__all__ = ["README_NAME", "existing_folders", "folder_code", "init_workspace", "safe_name"]

MAX_PATH = 120  # characters, from the workspace root


@dataclass
class InitResult:
    manifest: Path
    added: list[Path] = field(default_factory=list)


def _bom_text(lines: list[str]) -> bytes:
    """UTF-8 with BOM and CRLF, so Notepad on older Windows shows it correctly."""
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def criterion_readme(c: Criterion, standard: Standard) -> bytes:
    t = standard.tertiary(c.tertiary_code)
    lines = [
        f"评价标准 {c.code}（{_pts(c.points)}分）",
        "",
        f"所属指标：{standard.primary_of(c.code).name} / {standard.secondary_of(c.code).name} / "
        f"{t.code} {t.name}",
    ]
    if t.intro:
        lines.append(f"总要求：{t.intro}")
    lines += [
        f"评价标准：{c.text}",
        f"分值：{_pts(c.points)}分",
        f"责任科室：{'、'.join(c.departments)}",
        f"常用佐证材料：{c.hint}",
    ]
    if c.code in standard.fact_rules:
        lines.append("说明：本项有系统数据的，以系统数据为准（在清单 facts 中填写）。")
    lines += ["", "请把证明本项的文件（PDF、照片、Word、Excel等）直接放在本文件夹中。",
              "文件名写清内容和日期，如“2022年执法检查计划.pdf”。不要放草稿和无关文件。"]
    return _bom_text(lines)


def tertiary_readme(t: Tertiary, standard: Standard) -> bytes:
    lines = [f"三级指标 {t.code} {t.name}（{_pts(t.points)}分）", "",
             f"所属指标：{standard.primary_of(t.code).name} / {standard.secondary_of(t.code).name}",
             f"责任科室：{'、'.join(t.departments)}"]
    if t.intro:
        lines.append(f"总要求：{t.intro}")
    lines += ["", "评价标准："]
    for c in t.criteria:
        lines.append(f"  {c.code} {c.text}（{_pts(c.points)}分）")
    lines += ["", "每条评价标准有自己的子文件夹，请把文件放入对应的子文件夹。",
              "直接放在本文件夹中的文件会编入汇编，但不计入任何一条评价标准。"]
    return _bom_text(lines)


def extra_readme(item: ExtraItem, standard: Standard) -> bytes:
    bonus = item in standard.bonus
    kind = "加分项" if bonus else "扣分项"
    lines = [f"{kind} {item.code} {item.name}", ""]
    if item.departments:
        lines.append(f"责任科室：{'、'.join(item.departments)}")
    lines += [f"规则：{rule}" for rule in item.rules]
    if bonus:
        lines += ["", "在清单 bonus 中申报本项加分的，请把证明文件（表彰文件、获奖证书、保险合同和缴费凭证等）",
                  "放在本文件夹中。申报了加分但没有佐证材料的，这部分加分有被扣除的风险。"]
    else:
        lines += ["", "在清单 deductions 中填写了本项扣分的，请把相应的通报、约谈或处分文件放在本文件夹中；",
                  "没有扣分情形的，本文件夹留空即可。"]
    return _bom_text(lines)


def year_readme(standard: Standard, year: int, unit: str) -> bytes:
    lines = [f"{unit} {year}年度规范化建设佐证材料", "", f"评价标准：{standard.title}",
             "", "每个三级指标一个文件夹，每条评价标准一个子文件夹；加分项、扣分项（B1、D1 …）也各有一个文件夹。",
             "文件夹名开头的编号（如 1.1.1）不能改，编号后面的文字可以改。",
             "把文件放入对应文件夹后，运行 dossier check 查看还缺什么。", "",
             standard.note]
    return _bom_text(lines)


def _write_new(path: Path, data: bytes, added: list[Path]) -> None:
    if path.exists():
        return
    path.write_bytes(data)
    added.append(path)


def _mkdir(path: Path, added: list[Path]) -> None:
    if path.is_dir():
        return
    path.mkdir(parents=True)
    added.append(path)


def init_workspace(root: Path, year: int, unit: str | None = None, from_year: int | None = None,
                   standard_id: str = DEFAULT_STANDARD) -> InitResult:
    """Write ``manifests/YEAR.yaml`` and ``evidence/YEAR/…`` where missing."""
    root = Path(root)
    previous = None
    if from_year is not None:
        previous = load_manifest(find_manifest(root, from_year))
        standard_id = previous.standard
        unit = unit or previous.unit
    if not unit:
        raise InputError("请用 --unit 指定单位全称。", hint="例如：dossier init --year 2023 --unit "
                         "泉州市某某生态环境保护综合行政执法大队")
    if problem := unit_problem(unit):
        raise InputError(problem, hint=UNIT_HINT)
    standard = load_standard(standard_id)
    added: list[Path] = []
    manifest_dir = root / "manifests"
    _mkdir(manifest_dir, added)
    schema_src = Path(__file__).parent / "schema" / "manifest.schema.json"
    _write_new(manifest_dir / "manifest.schema.json", schema_src.read_bytes(), added)
    manifest_path = manifest_dir / f"{year}.yaml"
    if not manifest_path.exists():
        text = render_manifest(standard, year, unit, previous)
        manifest_path.write_text(text, encoding="utf-8")
        added.append(manifest_path)

    evidence = root / "evidence" / str(year)
    names = existing_folders(evidence)
    if from_year is not None:
        for code, name in existing_folders(root / "evidence" / str(from_year)).items():
            names.setdefault(code, name)
    _mkdir(evidence, added)
    _write_new(evidence / README_NAME, year_readme(standard, year, unit), added)
    for t in standard.tertiaries():
        tdir = evidence / names.get(t.code, tertiary_folder_name(t))
        _mkdir(tdir, added)
        _write_new(tdir / README_NAME, tertiary_readme(t, standard), added)
        for c in t.criteria:
            cdir = tdir / names.get(c.code, criterion_folder_name(c))
            rel = cdir.relative_to(root) / README_NAME
            if len(str(rel)) >= MAX_PATH:  # keep paths short for Windows
                cdir = tdir / f"{c.code} {safe_name(c.short, 10)}"
            _mkdir(cdir, added)
            _write_new(cdir / README_NAME, criterion_readme(c, standard), added)
    for item in extra_items(standard):
        xdir = evidence / names.get(item.code, extra_folder_name(item))
        _mkdir(xdir, added)
        _write_new(xdir / README_NAME, extra_readme(item, standard), added)
    return InitResult(manifest=manifest_path, added=added)


# -- the manifest text ------------------------------------------------------

def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render_manifest(standard: Standard, year: int, unit: str, previous=None) -> str:
    """The commented manifest that ``init`` writes (claims empty, facts listed)."""
    out = [
        f"# {unit} {year}年度 规范化建设自评清单",
        "# 这是唯一需要手工填写的文件。# 号后面是说明，不影响内容。",
        "# 填完后运行：dossier check（查缺漏）、dossier score（算分）、dossier build（生成材料）。",
        "# yaml-language-server: $schema=manifest.schema.json",
        f"standard: {standard.id}        # 评价标准：{standard.short_title}",
        f"unit: {_q(unit)}",
        f"year: {year}",
        "date:                  # 成文日期，如 2022-12-20；不填则为当年12月31日",
        "",
        "# 自评：每条评价标准填写自评得分（points）和自评说明（note），例如：",
        "#   \"1.1.1\": {points: 1, note: 已健全党支部委员会，全年召开组织生活会4次}",
        "#   \"1.1.2\": 1                 只填分数",
        "#   \"3.1.1\": {points: 0}       未达到，填0分，不需要佐证材料",
        "# 留空表示尚未填报。",
        "claims:",
    ]
    notes = {}
    if previous is not None:
        notes = {code: c.note for code, c in previous.claims.items() if c.note}
    for p in standard.primary:
        out.append(f"  # {_cn_num(int(p.code))}、{p.name}（{_pts(p.points)}分）")
        for s in p.secondary:
            for t in s.tertiary:
                out.append(f"  # {t.code} {t.name}（{_pts(t.points)}分） 责任科室：{'、'.join(t.departments)}")
                for c in t.criteria:
                    head = f"  \"{c.code}\":"
                    if c.code in notes:
                        head += f" {{note: {_q(notes[c.code])}}}"
                    out.append(f"{head}   # {c.text}（{_pts(c.points)}分）")
    out += [
        "",
        "# 佐证材料：默认按文件夹对应（evidence/年度/编号 名称/）。需要时可在这里指定",
        "# 其他位置的文件、题名和顺序（路径相对于 evidence/年度/），例如：",
        "#   \"1.1.1\":",
        "#     - {file: 党建/支部委员会名单.pdf, title: 支部委员会名单}",
    ]
    if previous is not None and previous.evidence:
        out.append("evidence:")
        for code, items in previous.evidence.items():
            out.append(f"  \"{code}\":")
            for it in items:
                title = f", title: {_q(it.title)}" if it.title else ""
                out.append(f"    - {{file: {_q(it.file)}{title}}}")
    else:
        out.append("evidence: {}")
    out += ["", "# 不计入的文件（通配符，相对于 evidence/年度/），如草稿："]
    excl = list(previous.exclude) if previous is not None else []
    out.append("exclude: [" + ", ".join(_q(x) for x in excl) + "]")
    out += ["", "# 系统数据（以系统数据为准）：填写后由数据决定对应评价标准的得分；不填则按自评。",
            "facts:"]
    for key, (_kind, meaning) in FACTS.items():
        out.append(f"  {key}:{' ' * (28 - len(key))}# {meaning}")
    out += ["", "# 加分项", "bonus:",
            "  B1: {" + ", ".join(f"{k}: {'false' if v is bool else 0}"
                                  for k, v in BONUS_FIELDS['B1'].items()) + "}",
            "      # 大练兵成绩：全国集体、全国个人人次、全省集体、全省个人人次（已计入全国的不再计入全省）",
            "  B2: false            # 为本单位人员购买第三方意外保险", "", "# 扣分项",
            "deductions:",
            "  D1: {" + ", ".join(f"{k}: false" for k in DEDUCTION_FIELDS['D1']) + "}",
            "      # 违规违纪：本单位或领导班子成员受处分（扣5分）；在编人员受处分（扣2分）",
            "  D2: {provincial: 0, city: 0}   # 稽查中被通报批评或约谈的次数：省级每次扣2分，市级每次扣1分",
            "", "# 年度工作进展和总结报告：不填的部分由工具根据数据起草，请审阅。", "report:"]
    rep = dict(previous.report) if previous is not None else {}
    defaults = [("recipient", "主送机关，如 泉州市生态环境局"),
                ("doc_number", "发文字号，如 晋环执〔2022〕12号；填写后报告带版头"),
                ("signer", "签发人（上行文）"), ("date", "成文日期，如 2022-12-10；不填时用上面的 date:，都不填为当年12月10日"),
                ("opening", "开头语"), ("summary", "一、基本情况"),
                ("work", "二、主要工作及成效，按一级指标编号分项，如 \"1\": 文字"),
                ("highlights", "工作亮点（列表）"), ("problems", "存在的问题和不足（列表）"),
                ("plans", "下一步工作计划（列表）"), ("copy_to", "抄送机关（列表）")]
    for key, meaning in defaults:
        value = rep.get(key) if key in ("recipient", "copy_to") else None
        text = "" if value is None else " " + json.dumps(value, ensure_ascii=False)
        out.append(f"  {key}:{text}{' ' * max(1, 14 - len(key) - len(text))}# {meaning}")
    return "\n".join(out) + "\n"


