"""The one-page 报送单: what the county stamps and sends through the official channel.

It names the archive and its SM3 fingerprint, so that the city bureau can tell, with
``dossier verify ARCHIVE --expect FINGERPRINT``, that the archive it received is the one
the county declared (the archive cannot carry its own fingerprint). Written beside the
archive as ``<unit>-YYYY-报送单.docx``, byte-identical for the same archive and date.
"""

from __future__ import annotations

from pathlib import Path

from dossier.cnformat import cn_date
from dossier.cnformat import pts as _pts

FORM_SUFFIX = "报送单.docx"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"


def grouped(fingerprint: str, size: int = 8) -> str:
    """``6f1c0a9b 3e…`` — easier to read aloud and to compare; verify ignores the spaces."""
    return " ".join(fingerprint[i:i + size] for i in range(0, len(fingerprint), size))


def form_path(project) -> Path:
    return project.build_dir / project.output_name(FORM_SUFFIX)


def write_submission_form(project, result, score) -> Path:
    """Write the 报送单 for a packed archive (``dossier.pack.PackResult``) and return its path."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    from dossier.builders.docxkit import save_deterministic, set_run_font

    manifest = project.manifest
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_run_font(title.add_run(f"{manifest.year}年度规范化建设自评材料报送单"), TITLE_FONT, 22)
    rows = [("报送单位", manifest.unit), ("评估年度", f"{manifest.year}年度"),
            ("归档包", result.path.name),
            ("文件大小", f"{result.size} 字节（约 {result.size / 1e6:.1f} MB）"),
            ("佐证材料", f"{result.items} 件（随包原件 {result.originals} 个）"),
            ("自评总分", f"{_pts(score.total)} 分（{score.grade}）"),
            ("SM3 指纹", grouped(result.sm3)), ("SHA-256", grouped(result.sha256)),
            ("报送日期", cn_date(manifest.date)), ("经办人及电话", ""), ("单位（盖章）", "")]
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.autofit = False
    widths = (Mm(38), Mm(118))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for (label, value), row in zip(rows, table.rows, strict=True):
        for cell, text, width in zip(row.cells, (label, value), widths, strict=True):
            cell.width = width
            digits = label in ("SM3 指纹", "SHA-256") and cell is row.cells[1]
            set_run_font(cell.paragraphs[0].add_run(text), BODY_FONT, 12 if digits else 14,
                         bold=cell is row.cells[0], latin="Courier New" if digits else None)
        if label == "单位（盖章）":
            row.height = Mm(40)
    note = document.add_paragraph()
    note.paragraph_format.space_before = Pt(12)
    set_run_font(note.add_run(
        "说明：SM3 指纹由归档包的全部内容算出，内容改动一个字节指纹就会不同。市局收到归档包后运行 "
        "dossier verify 归档包 --expect 指纹，核对收到的就是本单所列的归档包。"), BODY_FONT, 12)
    return save_deterministic(document, form_path(project), manifest.date)
