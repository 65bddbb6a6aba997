"""Tool probes with the real programs: found, version, works; and what doctor, check and
build do when one is missing (PATH without qpdf; a LibreOffice installation without
Impress; a LibreOffice that cannot start). No mocks: fake installations are real
programs and folders that wrap the real soffice."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from dossier.tools import libreoffice, probes
from tests import factories

from .conftest import run_dossier

pytestmark = pytest.mark.slow


def _path_without(tmp_path: Path, *names: str) -> str:
    """A PATH with every program of the current one except ``names``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for entry in os.environ["PATH"].split(os.pathsep):
        if not Path(entry).is_dir():
            continue
        for program in Path(entry).iterdir():
            if program.name not in names and not (folder / program.name).exists():
                (folder / program.name).symlink_to(program)
    return str(folder)


def _libreoffice_without(tmp_path: Path, component: str) -> Path:
    """An installation layout (program/, share/.registry/) that lacks one component's
    configuration, as Debian has it without libreoffice-impress; soffice is the real one."""
    real = libreoffice.find_soffice().resolve()
    root = tmp_path / "libreoffice"
    registry = root / "share" / ".registry"
    registry.mkdir(parents=True)
    for xcd in (real.parent.parent / "share" / ".registry").glob("*.xcd"):
        if xcd.stem != component:
            (registry / xcd.name).symlink_to(xcd)
    exe = root / "program" / "soffice"
    exe.parent.mkdir()
    exe.write_text(f'#!/bin/sh\nexec "{real}" "$@"\n')
    exe.chmod(0o755)
    return exe


def _unstartable_soffice(tmp_path: Path) -> Path:
    """Answers --version like the real one, but every conversion fails at start-up."""
    exe = tmp_path / "broken" / "soffice"
    exe.parent.mkdir()
    exe.write_text('#!/bin/sh\ncase "$1" in --version) exec '
                   f'"{libreoffice.find_soffice()}" --version;; esac\n'
                   'echo "soffice.bin: cannot open display" >&2\nexit 1\n')
    exe.chmod(0o755)
    return exe


@pytest.fixture
def office_workspace(empty_workspace):
    """A workspace whose 1.1.1 folder has a Word document, a presentation and a PDF."""
    folder = next((empty_workspace / "evidence" / "2022").glob("1.1 */1.1.1 *"))
    factories.docx(folder / "支部委员会会议记录.docx", ["支部委员会会议记录"])
    factories.odp(folder / "党课课件.odp", "党课课件：规范化建设")
    factories.pdf(folder / "名单.pdf")
    return empty_workspace


def _cache_entries(root: Path, stem: str) -> list[Path]:
    return sorted((root / "build" / ".cache" / "convert").glob(f"{stem}*.json"))


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_probe_finds_its_program_with_a_version_and_it_works():
    found = {p.name: p for p in probes.all_probes(exercise=True)}
    assert set(found) == {"LibreOffice", "LibreOffice Writer", "LibreOffice Calc",
                          "LibreOffice Impress", "qpdf"}
    assert all(p.ok and p.works is True for p in found.values()), found
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", found["qpdf"].version)
    assert found["LibreOffice Impress"].version.startswith("LibreOffice")


def test_doctor_without_qpdf_exits_4_and_says_what_to_install(tmp_path):
    env = dict(os.environ, PATH=_path_without(tmp_path, "qpdf"))
    result = run_dossier("doctor", env=env)
    assert result.exit_code == 4, result.stdout
    assert re.search(r"✗ qpdf：未找到", result.stdout)
    assert "sudo apt-get install qpdf" in result.stdout and "一切就绪" not in result.stdout


def test_build_without_qpdf_exits_4_before_converting_anything(office_workspace, tmp_path):
    env = dict(os.environ, PATH=_path_without(tmp_path, "qpdf"))
    result = run_dossier("-C", str(office_workspace), "build", env=env)
    assert result.exit_code == 4, result.stderr
    assert "未安装 qpdf" in result.stderr and "还没有开始生成" in result.stderr
    assert "转换证据文件" not in result.stderr  # the conversion stage never started
    assert not (office_workspace / "build" / ".cache" / "convert").exists()


def test_missing_impress_is_named_by_doctor_check_and_build_and_never_cached(office_workspace,
                                                                            tmp_path):
    odp = next((office_workspace / "evidence").rglob("党课课件.odp"))
    env = dict(os.environ, DOSSIER_SOFFICE=str(_libreoffice_without(tmp_path, "impress")))

    doctor = run_dossier("doctor", env=env)
    assert doctor.exit_code == 4
    assert "✗ LibreOffice Impress：未找到" in doctor.stdout
    assert "✓ LibreOffice Writer" in doctor.stdout and "libreoffice-impress-nogui" in doctor.stdout

    check = run_dossier("-C", str(office_workspace), "check", "--format", "json", env=env)
    [finding] = [f for f in json.loads(check.stdout)["findings"] if f["kind"] == "tool_missing"]
    assert finding["path"].startswith("1.1 ") and finding["path"].endswith("/党课课件.odp")
    assert finding["severity"] == "error" and "LibreOffice 缺少 Impress 组件" in finding["message"]
    assert "apt-get install libreoffice-impress-nogui" in finding["message"]

    build = run_dossier("-C", str(office_workspace), "build", env=env)
    assert build.exit_code == 0, build.stderr
    assert "以说明页代替：" in build.stderr and "党课课件.odp" in build.stderr
    assert _cache_entries(office_workspace, _sha(odp)) == []  # the PC's fault: not cached
    docx = next((office_workspace / "evidence").rglob("*.docx"))
    assert len(_cache_entries(office_workspace, _sha(docx))) == 1  # its own conversion is

    again = run_dossier("-C", str(office_workspace), "build")  # Impress installed now
    assert again.exit_code == 0, again.stderr
    assert "党课课件.odp" not in again.stderr
    [entry] = _cache_entries(office_workspace, _sha(odp))
    assert json.loads(entry.read_text(encoding="utf-8"))["placeholder"] is None
    assert "党课课件：规范化建设" in factories.pdf_text(entry.with_suffix(".pdf"))


def test_unstartable_libreoffice_caches_nothing_and_the_next_build_converts(office_workspace,
                                                                           tmp_path):
    docx = next((office_workspace / "evidence").rglob("*.docx"))
    env = dict(os.environ, DOSSIER_SOFFICE=str(_unstartable_soffice(tmp_path)))
    result = run_dossier("-C", str(office_workspace), "build", "--only", "binder", env=env)
    assert result.exit_code == 4, result.stderr
    assert "LibreOffice 无法运行（退出码 1）" in result.stderr
    assert "Traceback" not in result.stderr and "cannot open display" not in result.stderr
    assert _cache_entries(office_workspace, _sha(docx)) == []

    again = run_dossier("-C", str(office_workspace), "build", "--only", "binder")
    assert again.exit_code == 0, again.stderr
    [entry] = _cache_entries(office_workspace, _sha(docx))
    assert json.loads(entry.read_text(encoding="utf-8"))["placeholder"] is None
    assert "支部委员会会议记录" in factories.pdf_text(entry.with_suffix(".pdf"))


def test_a_file_libreoffice_cannot_open_gets_a_chinese_reason(tmp_path):
    bad = tmp_path / "损坏.docx"
    bad.write_bytes(b"PK\x03\x04 this is not a real zip")
    [result] = libreoffice.convert_to_pdf([bad], tmp_path / "out", profile_dir=tmp_path / "p")
    assert result.pdf is None and not result.tool_failed
    assert "LibreOffice 无法打开此文件" in result.error
    assert not re.search(r"[A-Za-z]{3,}", result.error.replace("LibreOffice", ""))
