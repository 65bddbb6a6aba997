"""convert_files: placeholders, the cache, determinism, and LibreOffice batches."""

from __future__ import annotations

import subprocess

import pytest

from dossier.convert import convert_files, placeholder
from tests import factories


def _sample(tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    return [factories.evidence(factories.jpeg(folder / "photo.jpg"), "image"),
            factories.evidence(factories.pdf(folder / "doc.pdf", pages=2), "pdf"),
            factories.evidence(factories.text_file(folder / "note.txt"), "text"),
            factories.evidence(factories.fake_video(folder / "patrol.mp4"), "video"),
            factories.evidence(factories.empty_file(folder / "blank.pdf"), "pdf", "empty")]


def test_video_becomes_placeholder_with_name_size_and_hash(tmp_path):
    video = factories.evidence(factories.fake_video(tmp_path / "巡查录像.mp4"), "video")
    result = convert_files([video], tmp_path / "cache")[video.sha256]
    assert result.placeholder == placeholder.KIND_REASONS["video"] and result.pages == 1
    text = factories.pdf_text(result.pdf)
    for words in ("原件见归档包", "巡查录像.mp4", "视频", f"{video.size:,}", video.sha256):
        assert words in text


def test_placeholder_embeds_its_fonts(tmp_path):
    video = factories.evidence(factories.fake_video(tmp_path / "a.mp4"), "video")
    result = convert_files([video], tmp_path / "cache")[video.sha256]
    rows = subprocess.run(["pdffonts", str(result.pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows and all(row.split()[-5:-3] == ["yes", "yes"] for row in rows)


def test_results_are_keyed_by_hash_and_second_run_is_a_cache_hit(tmp_path):
    files = _sample(tmp_path)
    first = convert_files(files, tmp_path / "cache", jobs=2)
    assert set(first) == {f.sha256 for f in files}
    for f in files:
        kind = f"{f.kind}.{f.problem}" if f.problem else f.kind
        assert first[f.sha256].pdf.name.startswith(f"{f.sha256}-{kind}-")
        assert first[f.sha256].pdf.parent == tmp_path / "cache" / "convert"
        assert first[f.sha256].pdf.with_suffix(".json").is_file()
    assert first[files[1].sha256].pages == 2
    stamps = {k: v.pdf.stat().st_mtime_ns for k, v in first.items()}
    again = convert_files(files, tmp_path / "cache", jobs=2)
    assert again == first
    assert {k: v.pdf.stat().st_mtime_ns for k, v in again.items()} == stamps


def test_progress_advances_once_per_file(tmp_path):
    class Counting:
        def __init__(self):
            self.done = 0

        def task(self, description, total=None):
            import contextlib

            outer = self

            class Task:
                def advance(self, n=1, note=None):
                    outer.done += n

            return contextlib.nullcontext(Task())

    files, progress = _sample(tmp_path), Counting()
    convert_files(files, tmp_path / "cache", progress=progress, jobs=1)
    assert progress.done == len(files)


def test_renamed_file_gets_a_placeholder_with_its_new_name(tmp_path):
    old = factories.evidence(factories.fake_video(tmp_path / "old.mp4"), "video")
    convert_files([old], tmp_path / "cache")
    new_path = old.path.rename(tmp_path / "new.mp4")
    new = factories.evidence(new_path, "video")
    result = convert_files([new], tmp_path / "cache")[new.sha256]
    assert "new.mp4" in factories.pdf_text(result.pdf)


def test_two_builds_give_identical_bytes(tmp_path):
    files = _sample(tmp_path)
    one = convert_files(files, tmp_path / "cache1", jobs=2)
    two = convert_files(files, tmp_path / "cache2", jobs=1)
    for key in one:
        assert one[key].pdf.read_bytes() == two[key].pdf.read_bytes(), one[key].pdf.name


@pytest.mark.slow
def test_office_files_convert_in_batches_deterministically(tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    files = [factories.evidence(factories.docx(folder / "记录.docx"), "office"),
             factories.evidence(factories.xlsx(folder / "名单.xlsx"), "office"),
             factories.evidence(factories.docx(folder / "wps.wps", ["WPS文字文件"]), "office")]
    bad = folder / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    files.append(factories.evidence(bad, "office"))
    one = convert_files(files, tmp_path / "cache1", jobs=2)
    two = convert_files(files, tmp_path / "cache2", jobs=1)
    texts = [factories.pdf_text(one[f.sha256].pdf) for f in files]
    assert "执法检查记录" in texts[0] and "张三" in texts[1] and "文字文件" in texts[2]
    assert one[files[3].sha256].placeholder and "原件见归档包" in texts[3]
    for key in one:
        assert one[key].pdf.read_bytes() == two[key].pdf.read_bytes()


@pytest.mark.slow
def test_timed_out_office_file_is_not_cached_and_converts_next_time(tmp_path, monkeypatch):
    """A hang may be the machine's fault: the placeholder is not kept in the cache."""
    from dossier.tools import libreoffice

    flag = tmp_path / "hang-now"
    flag.touch()
    wrapper = tmp_path / "soffice"
    # only conversions hang, not `soffice --version` (the tool's identity is asked first)
    wrapper.write_text(f'#!/bin/sh\n[ "$1" != --version ] && [ -f "{flag}" ] && sleep 60\n'
                       f'exec "{libreoffice.find_soffice()}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("DOSSIER_SOFFICE", str(wrapper))
    monkeypatch.setattr(libreoffice, "_STARTUP_SECONDS", 1.0)
    folder = tmp_path / "evidence"
    folder.mkdir()
    files = [factories.evidence(factories.docx(folder / "台账.docx"), "office")]
    first = convert_files(files, tmp_path / "cache", jobs=1, office_timeout=2)
    assert "超时" in first[files[0].sha256].placeholder
    flag.unlink()
    second = convert_files(files, tmp_path / "cache", jobs=1, office_timeout=60)
    assert second[files[0].sha256].placeholder is None
    assert "执法检查记录" in factories.pdf_text(second[files[0].sha256].pdf)
