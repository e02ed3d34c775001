"""So sánh: two periods of one unit in a table, and so_sanh('…') in the report's prose."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from generator import check_data, render_report, so_sanh
from generator.catalog import load_catalog
from generator.diff import diff_reports
from generator.formatting import KyBaoCao
from generator.sosanh import change_phrase, period_phrase

from .conftest import MINIMAL

PROSE = "Số nhiệm vụ {{ so_sanh('1.1.1') }}; hoàn thành {{ so_sanh('1.1.2') }}."


def write_report(
    path: Path,
    period: str,
    figures: dict[str, object],
    *,
    ky_truoc: str | None = None,
    prose: str | None = None,
) -> Path:
    catalog = load_catalog("cchc-xa-thanh-hoa-01b")
    lines = []
    for node_id, node in catalog.nodes.items():
        if node.kind != "nhom" and node_id not in catalog.formulas:
            value = figures.get(node_id)
            lines.append(f'    "{node_id}": {"null" if value is None else value}')
    text = MINIMAL.replace("  so_lieu: {}\n", "  so_lieu:\n" + "\n".join(lines) + "\n")
    text = text.replace("quý I năm 2021", period)
    if ky_truoc:
        text = text.replace("ky_bao_cao:", f"ky_truoc: {ky_truoc}\nky_bao_cao:", 1)
    if prose:
        text = text.replace(
            '      - "- Một gạch đầu dòng có **chữ đậm** và *chữ nghiêng*."',
            f'      - "{prose}"',
        )
    path.write_text(text, encoding="utf-8")
    return path


def test_phrases() -> None:
    period = "cùng kỳ năm 2020"
    assert change_phrase(80, 92, period, "Văn bản") == (
        "tăng 12 văn bản (15,0%) so với cùng kỳ năm 2020"
    )
    assert change_phrase(40, 30, period, "Văn bản") == (
        "giảm 10 văn bản (25,0%) so với cùng kỳ năm 2020"
    )
    assert change_phrase(12, 12, period, "Văn bản") == "bằng cùng kỳ năm 2020"
    # from nothing there is no percent of change
    assert change_phrase(0, 5, period, "Văn bản") == "tăng 5 văn bản so với cùng kỳ năm 2020"
    assert change_phrase(1200, 2453, "năm trước", "Hồ sơ") == (
        "tăng 1.253 hồ sơ (104,4%) so với năm trước"
    )
    assert change_phrase(90.5, 95, period, "%", percent_kind=True) == (
        "tăng 4,5 điểm phần trăm so với cùng kỳ năm 2020"
    )
    assert change_phrase(3, 4, period, "TTHC") == "tăng 1 TTHC (33,3%) so với cùng kỳ năm 2020"
    with pytest.raises(ValueError):
        change_phrase(None, 4, period)


def test_period_phrases() -> None:
    def phrase(before: str, after: str) -> str:
        return period_phrase(KyBaoCao.of(before), KyBaoCao.of(after))

    assert phrase("quý I năm 2020", "quý I năm 2021") == "cùng kỳ năm 2020"
    assert phrase("6 tháng đầu năm 2023", "6 tháng đầu năm 2024") == "cùng kỳ năm 2023"
    assert phrase("quý IV năm 2020", "quý I năm 2021") == "quý trước"
    assert phrase("quý II năm 2021", "quý III năm 2021") == "quý trước"
    assert phrase("năm 2020", "năm 2021") == "năm trước"
    assert phrase("quý I năm 2019", "quý I năm 2021") == "quý I năm 2019"
    assert phrase("6 tháng đầu năm 2021", "năm 2021") == "6 tháng đầu năm 2021"


def test_so_sanh_figures_and_workbook(tmp_path: Path) -> None:
    before = write_report(
        tmp_path / "q1_2020.yaml", "quý I năm 2020", {"1.1.1": 80, "1.1.2": 40, "1.1.3": 0}
    )
    after = write_report(
        tmp_path / "q1_2021.yaml",
        "quý I năm 2021",
        {"1.1.1": 92, "1.1.2": 30, "1.1.3": 5, "1.2.1": 7},
    )
    out = tmp_path / "so_sanh.xlsx"
    result = so_sanh(before, after, out)
    assert result.period == "cùng kỳ năm 2020"
    rows = {row.id: row for row in result.rows}
    assert (rows["1.1.1"].before, rows["1.1.1"].after) == (80, 92)
    assert (rows["1.1.1"].change, rows["1.1.1"].percent) == (12, 15.0)
    assert (rows["1.1.2"].change, rows["1.1.2"].percent) == (-10, -25.0)
    assert (rows["1.1.3"].change, rows["1.1.3"].percent) == (5, None)
    assert [row.id for row in result.only_after] == ["1.2.1"]
    assert result.only_before == []
    assert result.phrase("1.1.1") == "tăng 12 nhiệm vụ (15,0%) so với cùng kỳ năm 2020"
    ws = load_workbook(out).active
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == "STT")
    assert [ws.cell(header, c).value for c in range(1, 8)] == [
        "STT",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Quý I năm 2020",
        "Quý I năm 2021",
        "Tăng (+), giảm (−)",
        "Tỷ lệ tăng, giảm (%)",
    ]
    by_stt = {ws.cell(r, 1).value: r for r in range(header + 1, ws.max_row + 1)}
    row = by_stt["1.1.1"]  # as printed in the Phụ lục
    assert [ws.cell(row, c).value for c in range(3, 8)] == ["Nhiệm vụ", 80, 92, 12, 15.0]
    # the sign shows; the locale code opens each section (LibreOffice printed "+[$-42A]5")
    assert ws.cell(row, 6).number_format == "[$-42A]+#,##0;[$-42A]-#,##0;0"
    assert ws.cell(by_stt["1.1.3"], 7).value == "–"
    assert "Chỉ tiêu chỉ có số liệu ở một kỳ" in by_stt
    assert ws.freeze_panes == f"D{header + 1}"


def test_same_period_refused(tmp_path: Path) -> None:
    first = write_report(tmp_path / "a.yaml", "quý I năm 2021", {"1.1.1": 1})
    second = write_report(tmp_path / "b.yaml", "quý I năm 2021", {"1.1.1": 2})
    from generator.errors import DataError

    with pytest.raises(DataError, match="cùng một kỳ báo cáo"):
        so_sanh(first, second)


def test_prose_so_sanh_increase_equal_and_diff(tmp_path: Path) -> None:
    write_report(tmp_path / "q1_2020.yaml", "quý I năm 2020", {"1.1.1": 30, "1.1.2": 25})
    current = write_report(
        tmp_path / "q1_2021.yaml",
        "quý I năm 2021",
        {"1.1.1": 38, "1.1.2": 25},
        ky_truoc="q1_2020.yaml",
        prose=PROSE,
    )
    assert check_data(current).errors == []
    result = render_report(current, tmp_path / "out")
    text = "\n".join(p.text for p in Document(result.outputs[0]).paragraphs)
    assert (
        "Số nhiệm vụ tăng 8 nhiệm vụ (26,7%) so với cùng kỳ năm 2020; hoàn thành bằng "
        "cùng kỳ năm 2020." in text
    )
    # the previous period corrected: the phrase changes and diff says why
    write_report(tmp_path / "q1_2020_sua.yaml", "quý I năm 2020", {"1.1.1": 30, "1.1.2": 20})
    corrected = write_report(
        tmp_path / "q1_2021_moi.yaml",
        "quý I năm 2021",
        {"1.1.1": 38, "1.1.2": 25},
        ky_truoc="q1_2020_sua.yaml",
        prose=PROSE,
    )
    lines = "\n".join(diff_reports(current, corrected).lines())
    assert "1.1.2 Số nhiệm vụ đã hoàn thành (kỳ trước): 25 → 20" in lines
    assert "(do số liệu kỳ trước 1.1.2)" in lines
    assert (
        "sau:   Số nhiệm vụ tăng 8 nhiệm vụ (26,7%) so với cùng kỳ năm 2020; hoàn thành tăng 5"
        in (lines)
    )


def test_prose_so_sanh_decrease_and_zero(tmp_path: Path) -> None:
    write_report(tmp_path / "nam_2020.yaml", "năm 2020", {"1.1.1": 40, "1.1.2": 0})
    current = write_report(
        tmp_path / "nam_2021.yaml",
        "năm 2021",
        {"1.1.1": 30, "1.1.2": 6},
        ky_truoc="nam_2020.yaml",
        prose=PROSE,
    )
    result = render_report(current, tmp_path / "out")
    text = "\n".join(p.text for p in Document(result.outputs[0]).paragraphs)
    assert (
        "Số nhiệm vụ giảm 10 nhiệm vụ (25,0%) so với năm trước; hoàn thành tăng 6 nhiệm vụ so "
        "với năm trước." in text
    )


def test_prose_so_sanh_missing_previous_value_or_file(tmp_path: Path) -> None:
    write_report(tmp_path / "q4_2020.yaml", "quý IV năm 2020", {"1.1.1": 30})
    current = write_report(
        tmp_path / "q1_2021.yaml",
        "quý I năm 2021",
        {"1.1.1": 38, "1.1.2": 25},
        ky_truoc="q4_2020.yaml",
        prose=PROSE,
    )
    errors = [str(p) for p in check_data(current).errors]
    assert len(errors) == 1
    assert (
        "so_sanh('1.1.2'): kỳ trước (quý IV năm 2020) chưa có số liệu chỉ tiêu 1.1.2" in (errors[0])
    )
    missing = write_report(
        tmp_path / "khong_co.yaml",
        "quý I năm 2021",
        {"1.1.1": 38, "1.1.2": 25},
        ky_truoc="q4_2019.yaml",
        prose=PROSE,
    )
    errors = [str(p) for p in check_data(missing).errors]
    assert any("ky_truoc: không tìm thấy tệp kỳ trước 'q4_2019.yaml'" in e for e in errors)
    alone = write_report(
        tmp_path / "mot_minh.yaml", "quý I năm 2021", {"1.1.1": 38, "1.1.2": 25}, prose=PROSE
    )
    errors = [str(p) for p in check_data(alone).errors]
    assert any("chưa có tệp kỳ trước (ghi ky_truoc:" in e for e in errors)


def test_cli(tmp_path: Path, invoke) -> None:
    before = write_report(tmp_path / "q1_2020.yaml", "quý I năm 2020", {"1.1.1": 80})
    after = write_report(tmp_path / "q1_2021.yaml", "quý I năm 2021", {"1.1.1": 92})
    result = invoke("so-sanh", before, after, "-o", tmp_path / "ss.xlsx")
    assert result.exit_code == 0, result.output
    assert "UBND huyện Thử: quý I năm 2021 so với cùng kỳ năm 2020" in result.output
    assert "1.1.1 Số nhiệm vụ đề ra trong kế hoạch: 80 → 92 (+12; +15%)" in result.output
    assert f"Đã ghi: {tmp_path / 'ss.xlsx'}" in result.output
    other = write_report(tmp_path / "khac.yaml", "quý II năm 2021", {"1.1.1": 92, "1.1.2": 3})
    other.write_text(other.read_text("utf-8").replace("UBND huyện Thử", "UBND huyện Khác"), "utf-8")
    result = invoke("so-sanh", after, other)
    assert result.exit_code == 0
    assert "Lưu ý: hai tệp ghi hai đơn vị khác nhau: UBND huyện Thử" in result.output
    assert "đổi chỗ" not in result.output
    assert "1.1.1 Số nhiệm vụ đề ra trong kế hoạch: 92 → 92 (không đổi)" in result.output


def test_two_files_given_in_the_wrong_order_are_pointed_out(tmp_path: Path, invoke) -> None:
    earlier = write_report(tmp_path / "q1_2020.yaml", "quý I năm 2020", {"1.1.1": 80})
    later = write_report(tmp_path / "q1_2021.yaml", "quý I năm 2021", {"1.1.1": 92})
    result = invoke("so-sanh", later, earlier)
    assert result.exit_code == 0, result.output
    assert (
        f"Lưu ý: kỳ trước (quý I năm 2021, {later}) ở sau kỳ này (quý I năm 2020, {earlier}): "
        "hai tệp có thể bị đổi chỗ" in result.output
    )
    assert so_sanh(earlier, later).notes == []
