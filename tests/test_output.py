"""Regenerating safely: fingerprints, hand-edited outputs kept, --force backups, atomic writes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from generator.errors import OutputError
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
    output.os.fdopen = lambda *args, **kwargs: SlowFile(real_fdopen(*args, **kwargs))
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
    # temporary files and the lock of a killed run may remain; they never take an output's
    # name, and the next run removes them (and takes the lock over)
    assert all(name.endswith((".tmp", ".lock")) for name in leftovers)
    again = subprocess.run(
        [sys.executable, "-m", "generator", "render", str(XA), "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([docx.name, xlsx.name])


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


# --------------------------------------------------------------------------- the set as a unit


def _state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _changed_data(tmp_path: Path) -> Path:
    """The xã example with one figure changed: its outputs differ from the example's."""
    data = tmp_path / XA.name
    data.write_text(
        XA.read_text(encoding="utf-8").replace('"1.1.2": 25', '"1.1.2": 26'), encoding="utf-8"
    )
    return data


def test_a_read_only_phu_luc_stops_the_whole_set(invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _render(invoke, XA, out)
    xlsx = out / "xa_hoang_cat_6_thang_2024_phu_luc.xlsx"
    xlsx.chmod(0o444)
    before = _state(out)
    result = _render(invoke, _changed_data(tmp_path), out)
    assert result.exit_code == 1
    assert f"{xlsx}: tệp chỉ đọc" in result.output
    assert _state(out) == before  # the DOCX was not replaced either


def test_a_file_open_in_word_or_excel_stops_the_whole_set(invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _render(invoke, XA, out)
    # Word keeps "~$" + the name less its first two characters while the file is open
    (out / "~$_hoang_cat_6_thang_2024.docx").write_bytes(b"nguoi dung")
    before = _state(out)
    result = _render(invoke, _changed_data(tmp_path), out)
    assert result.exit_code == 1
    assert "tệp đang mở trong Word/Excel/LibreOffice (có tệp khóa ~$_hoang_cat" in result.output
    assert _state(out) == before
    (out / "~$_hoang_cat_6_thang_2024.docx").unlink()
    (out / ".~lock.xa_hoang_cat_6_thang_2024_phu_luc.xlsx#").write_text("LibreOffice")
    result = _render(invoke, _changed_data(tmp_path), out)
    assert result.exit_code == 1 and "_phu_luc.xlsx: tệp đang mở" in result.output


def test_a_full_disk_while_writing_leaves_the_old_set(invoke, tmp_path: Path, monkeypatch) -> None:
    import errno

    from generator import output_set

    out = tmp_path / "out"
    _render(invoke, XA, out)
    before = _state(out)
    real_write = output_set._write_temp
    calls = []

    def fill_the_disk(folder: Path, data: bytes, mode: int) -> Path:
        calls.append(folder)
        if len(calls) == 2:  # the XLSX, after the DOCX's temporary file was written
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(folder, data, mode)

    monkeypatch.setattr(output_set, "_write_temp", fill_the_disk)
    result = _render(invoke, _changed_data(tmp_path), out)
    assert result.exit_code == 1
    assert "ổ đĩa đã đầy" in result.output
    assert _state(out) == before  # no new DOCX beside the old XLSX, no temporary file left


def test_a_failed_rename_puts_the_earlier_versions_back(
    invoke, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "out"
    _render(invoke, XA, out)
    before = _state(out)
    real_replace = os.replace

    def refuse_the_workbook(source, target) -> None:
        if str(target).endswith("_phu_luc.xlsx"):
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuse_the_workbook)
    result = _render(invoke, _changed_data(tmp_path), out)
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "các tệp cũ được giữ nguyên" in result.output
    assert _state(out) == before  # the DOCX already renamed was put back


def test_a_long_file_name_is_written_whole_or_refused(invoke, tmp_path: Path) -> None:
    out = tmp_path / "out"
    long_stem = "bao_cao_" + "đ" * 114  # 236 bytes in UTF-8
    assert len(long_stem.encode()) == 236
    data = tmp_path / f"{long_stem}.yaml"
    data.write_text(XA.read_text(encoding="utf-8"), encoding="utf-8")
    result = _render(invoke, data, out)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {f"{long_stem}.docx", f"{long_stem}_phu_luc.xlsx"}
    longer = tmp_path / f"{long_stem}đđđđ.yaml"  # the Phụ lục's name passes 255 bytes
    longer.write_text(XA.read_text(encoding="utf-8"), encoding="utf-8")
    before = _state(out)
    result = _render(invoke, longer, out)
    assert result.exit_code == 1
    assert "tên tệp quá dài" in result.output
    assert _state(out) == before  # not even the DOCX, whose name would have fitted


def test_a_second_run_waits_for_the_first(invoke, tmp_path: Path, monkeypatch) -> None:
    import threading

    from generator import output_set

    out = tmp_path / "out"
    out.mkdir()
    docx = out / "xa_hoang_cat_6_thang_2024.docx"
    monkeypatch.setattr(output_set, "LOCK_WAIT", 0.5)
    with output_set.locked([docx]):
        result = _render(invoke, XA, out)
    assert result.exit_code == 1
    assert "một lần chạy baocao khác đang ghi bộ kết quả này" in result.output
    assert f"tiến trình {os.getpid()}" in result.output
    assert not docx.exists()
    monkeypatch.setattr(output_set, "LOCK_WAIT", 30)
    first = output_set.locked([docx])
    first.__enter__()
    threading.Timer(0.5, first.__exit__, (None, None, None)).start()
    started = time.monotonic()
    assert _render(invoke, XA, out).exit_code == 0
    assert time.monotonic() - started >= 0.4  # it waited, then wrote
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # lock released


def test_a_run_late_to_take_over_a_dead_runs_lock_leaves_the_new_owners_lock(
    tmp_path: Path, monkeypatch
) -> None:
    """Two runs find the lock of a dead run; the faster removes it and makes its own. The
    slower one, still believing the lock stale, must not remove the new one."""
    from generator import output_set

    target = tmp_path / "bao_cao.docx"
    lock = output_set._lock_path(target.resolve())
    output_set._create_lock(lock)  # the faster run's new lock (this live process)
    owner = lock.read_bytes()
    judged = []

    def stale_when_first_looked_at(path: Path) -> bool:
        judged.append(path)
        return len(judged) == 1 or real_is_stale(path)  # judged before the faster run took over

    real_is_stale = output_set._is_stale
    monkeypatch.setattr(output_set, "_is_stale", stale_when_first_looked_at)
    monkeypatch.setattr(output_set, "LOCK_WAIT", 0.3)
    with pytest.raises(OutputError, match="một lần chạy baocao khác đang ghi"):
        output_set._acquire(lock, target)
    assert lock.read_bytes() == owner
    assert sorted(p.name for p in tmp_path.iterdir()) == [lock.name]  # nothing set aside left


def test_a_lock_left_by_a_dead_run_is_taken_over(invoke, tmp_path: Path) -> None:
    from generator import output_set

    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = output_set._lock_path((out / "xa_hoang_cat_6_thang_2024.docx").resolve())
    lock.write_text(f"{dead.pid}\n{socket.gethostname()}\nai\n{time.time()}\n")
    assert _render(invoke, XA, out).exit_code == 0


# --------------------------------------------------------------------------- -o


def test_render_output_named_docx_is_a_file(invoke, tmp_path: Path) -> None:
    result = invoke("render", XA, "-o", tmp_path / "bc.docx")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bc.docx").is_file()
    assert (tmp_path / "bc_phu_luc.xlsx").is_file()
    Document(str(tmp_path / "bc.docx"))


def test_render_output_of_another_kind_is_refused_in_vietnamese(invoke, tmp_path: Path) -> None:
    existing = tmp_path / "ghi_chu"
    existing.write_text("x")
    for output, message in (
        (existing, "đã có một tệp tên này: -o cần một thư mục, hoặc tên tệp .docx"),
        (tmp_path / "bc.xlsx", "báo cáo (Word) không ghi ra tệp .xlsx"),
        (tmp_path / "bc.pdf", "báo cáo (Word) không ghi ra tệp .pdf"),
    ):
        result = invoke("render", XA, "-o", output)
        assert result.exit_code == 1
        assert f"{output}: {message}" in result.output
        assert "Directory" not in result.output and "is a file" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ghi_chu"]
    several = invoke("render", XA, EXAMPLE["huyen_huong_hoa_quy1_2021"], "-o", tmp_path / "a.docx")
    assert several.exit_code == 1 and "-o TÊN.docx chỉ dùng khi xuất một tệp" in several.output


def test_phu_luc_output_is_a_workbook_or_a_folder(invoke, tmp_path: Path) -> None:
    result = invoke("phu-luc", XA, "-o", tmp_path / "pl.docx")
    assert result.exit_code == 1
    assert "phụ lục (Excel) không ghi ra tệp .docx: -o cần một thư mục, hoặc tên tệp .xlsx" in (
        result.output
    )
    assert not (tmp_path / "pl.docx").exists()
    folder = tmp_path / "ra"
    assert invoke("phu-luc", XA, "-o", f"{folder}{os.sep}").exit_code == 0
    assert (folder / "xa_hoang_cat_6_thang_2024_phu_luc.xlsx").is_file()
    assert invoke("phu-luc", XA, "-o", folder).exit_code == 0  # an existing folder
    assert invoke("phu-luc", XA, "-o", tmp_path / "pl.xlsx").exit_code == 0
    openpyxl.load_workbook(tmp_path / "pl.xlsx")
