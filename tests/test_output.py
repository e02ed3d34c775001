"""Regenerating safely: fingerprints, hand-edited outputs kept, --force backups, atomic writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
from docx import Document

from generator.output import (
    CONTENT_HASH,
    FINGERPRINT,
    content_hash,
    inspect_output,
    read_custom_properties,
)

from .conftest import EXAMPLE, ROOT

XA = EXAMPLE["xa_hoang_cat_6_thang_2024"]


def _render(invoke, data: Path, out: Path, *extra: object):
    return invoke("render", data, "-o", out, *extra)


def test_outputs_carry_fingerprint_and_content_hash(invoke, tmp_path: Path) -> None:
    assert _render(invoke, XA, tmp_path).exit_code == 0
    for name in ("xa_hoang_cat_6_thang_2024.docx", "xa_hoang_cat_6_thang_2024_phu_luc.xlsx"):
        data = (tmp_path / name).read_bytes()
        props = read_custom_properties(data)
        assert len(props[FINGERPRINT]) == 32
        assert props[CONTENT_HASH] == content_hash(data)
    # Word and Excel can open them: python-docx and openpyxl read the same packages
    Document(str(tmp_path / "xa_hoang_cat_6_thang_2024.docx"))
    openpyxl.load_workbook(tmp_path / "xa_hoang_cat_6_thang_2024_phu_luc.xlsx")


def test_fingerprint_follows_data(invoke, tmp_path: Path, examples_copy: Path) -> None:
    data = examples_copy / XA.name
    _render(invoke, data, tmp_path)
    docx = tmp_path / "xa_hoang_cat_6_thang_2024.docx"
    first = read_custom_properties(docx.read_bytes())[FINGERPRINT]
    _render(invoke, data, tmp_path)
    assert read_custom_properties(docx.read_bytes())[FINGERPRINT] == first
    data.write_text(
        data.read_text(encoding="utf-8").replace('"1.1.2": 25', '"1.1.2": 26'), encoding="utf-8"
    )
    assert _render(invoke, data, tmp_path).exit_code == 0
    assert read_custom_properties(docx.read_bytes())[FINGERPRINT] != first


def _edit_by_hand(path: Path) -> None:
    document = Document(str(path))
    document.add_paragraph("Chánh Văn phòng sửa tay dòng này.")
    document.save(str(path))


def test_hand_edited_output_is_kept(invoke, tmp_path: Path) -> None:
    _render(invoke, XA, tmp_path)
    docx = tmp_path / "xa_hoang_cat_6_thang_2024.docx"
    xlsx = tmp_path / "xa_hoang_cat_6_thang_2024_phu_luc.xlsx"
    _edit_by_hand(docx)
    edited = docx.read_bytes()
    xlsx_before = xlsx.read_bytes()
    assert inspect_output(docx).edited
    result = _render(invoke, XA, tmp_path)
    assert result.exit_code == 1
    assert f"{docx}: không ghi đè: tệp đã được sửa tay sau lần xuất trước" in result.output
    assert "--force" in result.output and "xa_hoang_cat_6_thang_2024.bak.docx" in result.output
    assert docx.read_bytes() == edited
    assert xlsx.read_bytes() == xlsx_before  # nothing is written unless everything can be


def test_force_keeps_a_backup(invoke, tmp_path: Path) -> None:
    _render(invoke, XA, tmp_path)
    docx = tmp_path / "xa_hoang_cat_6_thang_2024.docx"
    _edit_by_hand(docx)
    edited = docx.read_bytes()
    result = _render(invoke, XA, tmp_path, "--force")
    assert result.exit_code == 0
    backup = tmp_path / "xa_hoang_cat_6_thang_2024.bak.docx"
    assert backup.read_bytes() == edited
    assert "Đã giữ bản cũ" in result.output
    assert not inspect_output(docx).edited
    assert "Chánh Văn phòng sửa tay" not in "\n".join(
        p.text for p in Document(str(docx)).paragraphs
    )


def test_file_not_made_by_baocao_is_not_overwritten(invoke, tmp_path: Path) -> None:
    target = tmp_path / "xa_hoang_cat_6_thang_2024.docx"
    target.write_bytes(b"bao cao cua nguoi khac")
    result = _render(invoke, XA, tmp_path)
    assert result.exit_code == 1
    assert "không phải do baocao tạo ra" in result.output
    assert target.read_bytes() == b"bao cao cua nguoi khac"


# A child process renders in a loop, writing each file slowly in small chunks, so that a kill
# lands in the middle of writing an output. Whatever moment it dies, each output must still be
# a whole document.
_CHILD = textwrap.dedent("""
    import os, sys, time
    import generator.output as output
    real_fdopen = os.fdopen
    class SlowFile:
        def __init__(self, handle):
            self.handle = handle
        def write(self, data):
            step = max(1, len(data) // 8)
            for start in range(0, len(data), step):
                self.handle.write(data[start:start + step])
                self.handle.flush()
                time.sleep(float(sys.argv[3]))
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.handle.close()
    output.os.fdopen = lambda fd, mode: SlowFile(real_fdopen(fd, mode))
    from generator.api import render_report
    print("ready", flush=True)
    while True:
        render_report(sys.argv[1], sys.argv[2])
""")


def test_killed_render_leaves_old_or_new_file(tmp_path: Path, invoke) -> None:
    out = tmp_path / "out"
    assert _render(invoke, XA, out).exit_code == 0
    docx = out / "xa_hoang_cat_6_thang_2024.docx"
    xlsx = out / "xa_hoang_cat_6_thang_2024_phu_luc.xlsx"
    good_docx, good_xlsx = docx.read_bytes(), xlsx.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for delay in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0):
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(XA), str(out), "0.03"],
            stdout=subprocess.PIPE,
            env=env,
            cwd=tmp_path,
        )
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        # each output is a whole one (old or new: both have the same content parts)
        for path, good in ((docx, good_docx), (xlsx, good_xlsx)):
            assert not inspect_output(path).edited
            assert content_hash(path.read_bytes()) == content_hash(good)
        Document(str(docx))
        openpyxl.load_workbook(xlsx)
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    # temporary files of killed runs may remain; they never take an output's name
    assert all(name.endswith(".tmp") for name in leftovers)


def test_a_second_force_keeps_the_first_backup(invoke, tmp_path: Path) -> None:
    _render(invoke, XA, tmp_path)
    docx = tmp_path / "xa_hoang_cat_6_thang_2024.docx"
    _edit_by_hand(docx)
    first_edit = docx.read_bytes()
    _render(invoke, XA, tmp_path, "--force")
    _edit_by_hand(docx)
    second_edit = docx.read_bytes()
    assert _render(invoke, XA, tmp_path, "--force").exit_code == 0
    assert (tmp_path / "xa_hoang_cat_6_thang_2024.bak.docx").read_bytes() == first_edit
    assert (tmp_path / "xa_hoang_cat_6_thang_2024.bak2.docx").read_bytes() == second_edit


def test_same_named_files_do_not_overwrite_each_other(invoke, tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "bc.yaml").write_text(XA.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("render", tmp_path / "a" / "bc.yaml", tmp_path / "b" / "bc.yaml", "-o", out)
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'b' / 'bc.yaml'}: trùng tên kết quả với {tmp_path / 'a' / 'bc.yaml'}"
        in result.output
    )
    assert result.output.count("Đã ghi: ") == 2  # the first report's DOCX and XLSX only
