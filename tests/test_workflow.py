"""The office loop: what changed between two data files, --watch, --pdf, a folder at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from generator.diff import changed_window, diff_reports
from generator.watch import watch_and_render

from .conftest import EXAMPLE
from .docx_helpers import open_docx, rendered_bytes

XA = EXAMPLE["xa_hoang_cat_6_thang_2024"]
THI_XA = EXAMPLE["thi_xa_nga_nam_nam_2021"]


def _changed_copy(source: Path, folder: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    target = folder / f"moi_{source.name}"
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


def test_diff_of_one_figure_names_it_and_the_paragraph_citing_it(invoke, tmp_path: Path) -> None:
    new = _changed_copy(XA, tmp_path, '"1.1.2": 25', '"1.1.2": 27')
    result = invoke("diff", XA, new)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:2] == ["Số liệu thay đổi (1):", "  1.1.2 Số nhiệm vụ đã hoàn thành: 25 → 27"]
    assert "Đoạn văn thay đổi theo (1):" in lines
    where = lines[lines.index("Đoạn văn thay đổi theo (1):") + 1]
    assert where == (
        "  Mục I › 2. Tiến độ thực hiện cải cách hành chính năm 2024, đoạn 2 (do số liệu 1.1.2):"
    )
    assert "đã hoàn thành 25/38 nhiệm vụ" in result.output
    assert "đã hoàn thành 27/38 nhiệm vụ" in result.output
    assert "Văn bản trích dẫn thay đổi" not in result.output


def test_diff_of_a_document_names_its_footnote(tmp_path: Path) -> None:
    new = _changed_copy(THI_XA, tmp_path, "so_ky_hieu: 18/KH-UBND", "so_ky_hieu: 81/KH-UBND")
    diff = diff_reports(THI_XA, new)
    assert diff.figures == []
    assert [c.ref for c in diff.documents] == ["van_ban:kh18"]
    assert diff.documents[0].new.startswith("Kế hoạch số 81/KH-UBND")
    assert [n.where.split(" (")[0] for n in diff.footnotes] == ["Chú thích 2"]
    assert diff.footnotes[0].old.startswith("Kế hoạch số 18/KH-UBND")
    assert diff.footnotes[0].new.startswith("Kế hoạch số 81/KH-UBND")


def test_diff_of_identical_files(invoke) -> None:
    result = invoke("diff", XA, XA)
    assert result.output.strip() == "Không có số liệu, văn bản hay đoạn văn nào thay đổi."


def test_diff_of_a_computed_figure_and_its_percentage(tmp_path: Path) -> None:
    new = _changed_copy(XA, tmp_path, '"1.1.1": 38', '"1.1.1": 40')
    diff = diff_reports(XA, new)
    assert [c.what for c in diff.figures] == ["1.1.1 Số nhiệm vụ đề ra trong kế hoạch"]
    assert any("38 nhiệm vụ" in p.old and "40 nhiệm vụ" in p.new for p in diff.prose)


def test_changed_window_keeps_the_difference_in_view() -> None:
    before = "Đầu câu rất dài " * 20 + "đã xong 25/38 nhiệm vụ" + " đuôi câu dài" * 20
    after = before.replace("25/38", "27/38")
    old, new = changed_window(before, after)
    assert "25/38" in old and "27/38" in new
    assert old.startswith("…") and old.endswith("…") and len(old) < len(before) / 2


def test_watch_renders_again_when_the_file_is_saved(tmp_path: Path) -> None:
    data = tmp_path / XA.name
    data.write_text(XA.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    messages: list[str] = []
    worker = threading.Thread(
        target=watch_and_render,
        args=([data], out, {}, lambda text, err=False: messages.append(text)),
        kwargs={"stop_after": 1},
        daemon=True,
    )
    worker.start()
    docx = out / "xa_hoang_cat_6_thang_2024.docx"
    deadline = time.monotonic() + 30
    while not any("đang chờ tệp thay đổi" in m for m in messages):
        assert time.monotonic() < deadline, messages
        time.sleep(0.05)
    first = docx.read_bytes()
    time.sleep(0.5)  # let the watcher settle before the save
    data.write_text(
        data.read_text(encoding="utf-8").replace('"1.1.2": 25', '"1.1.2": 26'), encoding="utf-8"
    )
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert any(m == f"Tệp thay đổi: {data.name}" for m in messages)
    assert docx.read_bytes() != first


def test_pdf_without_libreoffice_still_writes_word_and_excel(
    invoke, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr("generator.pdf.find_soffice", lambda: None)
    result = invoke("render", XA, "-o", tmp_path, "--pdf")
    assert result.exit_code == 1
    assert "sudo apt-get install libreoffice-writer-nogui" in result.output
    assert (tmp_path / "xa_hoang_cat_6_thang_2024.docx").exists()
    assert (tmp_path / "xa_hoang_cat_6_thang_2024_phu_luc.xlsx").exists()
    assert not (tmp_path / "xa_hoang_cat_6_thang_2024.pdf").exists()


def test_folder_renders_each_file_and_reports_each_failure(
    invoke, examples_copy: Path, tmp_path: Path
) -> None:
    broken = examples_copy / "hong.yaml"
    broken.write_text("so: [\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("render", examples_copy, "-o", out, "-j", "2")
    assert result.exit_code == 1
    assert f"{broken}:2: danh sách [...] hoặc bảng {{...}} chưa được đóng" in result.output
    assert sorted(p.name for p in out.glob("*.docx")) == sorted(
        f"{p.stem}.docx" for p in EXAMPLE.values()
    )
    assert result.output.rstrip().endswith("Tổng cộng: 3/4 tệp đã xuất, 1 tệp lỗi (xem ở trên).")
    assert "Đang xuất" not in result.output  # no progress bar when not on a terminal


def test_a_batch_renders_in_this_process_too_and_keeps_the_order(
    tmp_path: Path, monkeypatch
) -> None:
    """With -j 2 the parent renders beside one worker (two processes, not three); the results
    come in the files' order and each report is the one its file gives alone."""
    from generator import api

    folder = tmp_path / "lo"
    folder.mkdir()
    for copy in range(2):
        for name, path in EXAMPLE.items():
            (folder / f"{copy}_{name}.yaml").write_bytes(path.read_bytes())
    monkeypatch.setattr(api, "_rendered_here", 0)
    results = api.render_many([folder], tmp_path / "out", jobs=2)
    assert api._rendered_here > 0  # this process took some files
    assert [r.source for r in results] == sorted(folder.glob("*.yaml"))
    made = {r.source.name: (r.outputs[0].read_bytes(), r.outputs[1].read_bytes()) for r in results}
    for name in EXAMPLE:
        assert made[f"0_{name}.yaml"] == made[f"1_{name}.yaml"]
    alone = api.render_many([XA], tmp_path / "alone")[0]
    assert made[f"0_{XA.name}"] == tuple(path.read_bytes() for path in alone.outputs)


def test_progress_bar_only_on_a_terminal(monkeypatch) -> None:
    import io
    import sys

    from generator.cli import _progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with _progress_bar(3, "Đang xuất") as advance:
        assert advance is None
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with _progress_bar(3, "Đang xuất") as advance:
        for _ in range(3):
            advance(None)
    assert "Đang xuất" in terminal.getvalue() and "100%" in terminal.getvalue()


def test_a_big_batch_prints_failures_and_counts(capsys) -> None:
    from generator.api import RenderResult
    from generator.cli import _report_results, _summary
    from generator.errors import DataError, Problem, Severity

    warned = RenderResult(Path("a.yaml"), [Path("a.docx")])
    warned.warnings = [Problem("tỷ lệ quá 100%", "a.yaml", severity=Severity.WARNING)]
    results = [warned, RenderResult(Path("b.yaml"), [Path("b.docx")]), DataError("hỏng", file="c")]
    assert not _report_results(results, brief=True)
    _summary(results)
    out, err = capsys.readouterr()
    assert "Đã ghi" not in out and "tỷ lệ quá 100%" not in err
    assert "c: hỏng" in err
    assert "1 tệp có cảnh báo; xem từng tệp bằng: baocao check TỆP" in err
    assert out.strip() == "Tổng cộng: 2/3 tệp đã xuất, 1 tệp lỗi (xem ở trên)."


def test_diff_reports_text_edited_by_hand(tmp_path: Path) -> None:
    old_sentence = "Hàng tháng tại hội nghị giao ban của UBND xã"
    new = _changed_copy(XA, tmp_path, old_sentence, "Hằng tháng tại hội nghị giao ban của UBND xã")
    diff = diff_reports(XA, new)
    assert diff.figures == [] and diff.prose == []
    assert len(diff.edited) == 1
    assert "Hàng tháng" in diff.edited[0].old and "Hằng tháng" in diff.edited[0].new
    assert diff.edited[0].where.startswith("Mục I › 1. Hoạt động chỉ đạo, điều hành, đoạn ")


def test_diff_with_added_parts_and_header_changes(tmp_path: Path) -> None:
    text = XA.read_text(encoding="utf-8")
    text = (
        text.replace('"1.1.2": 25', '"1.1.2": 26')
        .replace("nguoi_ky: Nguyễn Văn An", "nguoi_ky: Lê Văn Bình")
        .replace(
            "noi_dung:\n",
            "noi_dung:\n  - tieu_de: Phần mới\n    doan:\n"
            "      - \"Đã xong {{ so_lieu['1.1.2'] }} nhiệm vụ.\"\n",
            1,
        )
    )
    new = tmp_path / "moi.yaml"
    new.write_text(text, encoding="utf-8")
    diff = diff_reports(XA, new)
    assert any(p.new.endswith("Đã xong 26 nhiệm vụ.") and p.old == "" for p in diff.prose)
    signature = [e for e in diff.edited if e.where == "Chữ ký"]
    assert signature and "Lê Văn Bình" in signature[0].new


def test_a_year_in_prose_prints_as_a_year_not_a_count(tmp_path: Path) -> None:
    path = tmp_path / "bao_cao.yaml"
    source = EXAMPLE["xa_hoang_cat_6_thang_2024"].read_text(encoding="utf-8")
    source = source.replace(
        "noi_dung:\n",
        "noi_dung:\n  - tieu_de: Năm\n    doan:\n"
        '      - "Kế hoạch năm {{ nam }}, năm trước {{ nam - 1 }}, tới {{ 1 + nam }}."\n',
        1,
    )
    path.write_text(source, encoding="utf-8")
    body = "\n".join(p.text for p in open_docx(rendered_bytes(path)).paragraphs)
    assert "Kế hoạch năm 2024, năm trước 2023, tới 2025." in body
