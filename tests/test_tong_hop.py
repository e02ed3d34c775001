"""`baocao tong-hop`: units' figures rolled up by the catalog's rules, reopened and checked."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from generator import DuplicateUnitError, MismatchError, check_data, render_report, tong_hop
from generator.tonghop_xlsx import CHART_SHEET, CHECK_SHEET, STATUS_SHEET, TOTAL_SHEET

from .conftest import EXAMPLE, MINIMAL

CATALOG = """\
ma: thu-tong-hop
mo_ta: Biểu thử tổng hợp
ten_bang: THỐNG KÊ SỐ LIỆU CỦA {{ ten_co_quan | viet_hoa }}
chi_tieu:
  - id: "1"
    ten: Văn bản
    con:
      - {id: "1.1", ten: Số văn bản đến, dvt: Văn bản}
      - {id: "1.2", ten: Số văn bản đã xử lý, dvt: Văn bản, kiem_tra: "<= [1.1]"}
      - {id: "1.3", ten: Tỷ lệ xử lý, dvt: "%", cong_thuc: "[1.2] / [1.1] * 100"}
      - {id: "1.4", ten: Tỷ lệ hài lòng, dvt: "%"}
      - {id: "1.5", ten: Kinh phí, dvt: Đồng, loai: tien}
      - {id: "1.6", ten: Số cán bộ nhiều nhất một ngày, dvt: Người, tong_hop: lon_nhat}
  - id: "2"
    ten: Khác
    con:
      - id: "2.1"
        ten: Hình thức khảo sát
        lua_chon: {0: Trực tuyến, 1: Phát phiếu, 2: Kết hợp}
      - {id: "2.2", ten: Ghi nhận, loai: chu}
      - {id: "2.3", ten: Văn bản chỉ đạo, loai: van_ban}
      - {id: "2.4", ten: Điểm tự chấm, dvt: Điểm, tong_hop: khong}
"""

FULL = {
    "1.1": 10,
    "1.2": 8,
    "1.4": 90,
    "1.5": 1000000,
    "1.6": 5,
    "2.1": 1,
    "2.2": "Tốt",
    "2.3": "kh11",
    "2.4": 7,
}


def write_unit(
    folder: Path,
    name: str,
    figures: dict,
    *,
    period: str = "quý I năm 2021",
    catalog: str = "../thu.yaml",
    file: str | None = None,
) -> Path:
    text = MINIMAL.replace("UBND huyện Thử", name).replace("quý I năm 2021", period)
    text = re.sub(r"noi_dung:\n.*?(?=noi_nhan:)", _BODY, text, flags=re.DOTALL)
    text = text.replace("cchc-xa-thanh-hoa-01b", catalog)
    text = text.replace("  so_lieu: {}", "  so_lieu: " + json.dumps(figures, ensure_ascii=False))
    path = folder / (file or f"{name.split()[-1].lower()}.yaml")
    path.write_text(text, encoding="utf-8")
    return path


_BODY = 'noi_dung:\n  - tieu_de: Kết quả\n    doan: ["Nội dung."]\n'


@pytest.fixture
def units(tmp_path: Path) -> Path:
    (tmp_path / "thu.yaml").write_text(CATALOG, encoding="utf-8")
    folder = tmp_path / "don_vi"
    folder.mkdir()
    write_unit(folder, "UBND xã An", FULL)
    write_unit(
        folder,
        "UBND xã Bình",
        {**FULL, "1.1": 30, "1.2": 30, "1.4": 70, "1.6": 9, "2.1": 2, "2.2": "Khá", "2.4": 3},
    )
    write_unit(
        folder,
        "UBND xã Châu",
        {**FULL, "1.1": None, "1.2": 6, "1.4": 98.5, "1.5": None, "2.1": 1, "2.2": None},
    )
    return folder


def test_every_aggregation_rule(units: Path) -> None:
    result = tong_hop([units])
    totals = result.totals
    assert [u.short for u in result.units] == ["Xã An", "Xã Bình", "Xã Châu"]
    assert totals["1.1"].value == 40 and totals["1.1"].rule == "cong"
    assert totals["1.2"].value == 44
    assert totals["1.5"].value == 2000000
    # recomputed from the summed parts, not the mean of the units' percentages
    assert totals["1.3"].rule == "tinh_lai"
    assert totals["1.3"].value == round(44 / 40 * 100, 2)
    assert "[1.2] / [1.1] * 100" in totals["1.3"].note
    # a percentage without a formula: the mean, with the extremes named
    assert totals["1.4"].value == round((90 + 70 + 98.5) / 3, 2)
    assert "Trung bình cộng của 3 đơn vị" in totals["1.4"].note
    assert "thấp nhất 70 (Xã Bình)" in totals["1.4"].note
    assert "cao nhất 98,5 (Xã Châu)" in totals["1.4"].note
    assert totals["1.6"].value == 9 and "Xã Bình" in totals["1.6"].note
    assert totals["2.1"].value == "Phát phiếu: 2; Kết hợp: 1"
    assert totals["2.2"].value == "Xã An: Tốt\nXã Bình: Khá"
    assert totals["2.3"].value.startswith("Xã An: Kế hoạch số 11/KH-UBND ngày 02/02/2021")
    assert totals["2.4"].value is None and "không tổng hợp" in totals["2.4"].note.lower()


def test_not_reported_is_not_zero(units: Path) -> None:
    totals = tong_hop([units]).totals
    assert totals["1.1"].reported == 2
    assert totals["1.1"].note == "Tổng của 2/3 đơn vị có số liệu"
    assert totals["1.5"].reported == 2
    assert totals["1.2"].reported == 3
    assert totals["2.2"].reported == 2


def test_checks_on_totals_name_the_units(units: Path) -> None:
    # Xã Châu reports 6 handled but not how many arrived: the totals break "<= [1.1]"
    problems = tong_hop([units]).problems
    messages = [p.message for p in problems if p.path == "tong_hop.1.2"]
    assert len(messages) == 1
    assert "44 lớn hơn 40" in messages[0]
    assert "đơn vị báo cáo thiếu một trong [1.2], [1.1]: Xã Châu" in messages[0]
    write_unit(units, "UBND xã Đông", {**FULL, "1.1": 5, "1.2": 50})
    message = next(p.message for p in tong_hop([units]).problems if p.path == "tong_hop.1.2")
    assert "do đơn vị: Xã Đông" in message


def test_other_period_or_catalog_is_refused_naming_the_file(units: Path, tmp_path: Path) -> None:
    odd = write_unit(units, "UBND xã Dương", FULL, period="quý II năm 2021")
    with pytest.raises(MismatchError) as caught:
        tong_hop([units])
    assert [p.file for p in caught.value.problems] == [str(odd)]
    assert "quý II năm 2021" in str(caught.value) and "quý I năm 2021" in str(caught.value)
    odd.unlink()
    (tmp_path / "khac.yaml").write_text(CATALOG.replace("thu-tong-hop", "khac"), "utf-8")
    other = write_unit(units, "UBND xã Dương", FULL, catalog="../khac.yaml")
    with pytest.raises(MismatchError) as caught:
        tong_hop([units])
    assert [p.file for p in caught.value.problems] == [str(other)]
    assert "'khac'" in str(caught.value)


def test_same_unit_twice_is_refused_naming_both(units: Path) -> None:
    copy = write_unit(units, "Ủy ban nhân dân xã  An", FULL, file="an_ban_sao.yaml")
    with pytest.raises(DuplicateUnitError) as caught:
        tong_hop([units])
    files = {p.file for p in caught.value.problems}
    assert files == {str(units / "an.yaml"), str(copy)}


def test_missing_and_failed_units(units: Path, tmp_path: Path) -> None:
    write_unit(units, "UBND xã Giang", {**FULL, "1.1": "mười"})
    (units / "hong.yaml").write_text("ten_co_quan: [\n", encoding="utf-8")
    listing = tmp_path / "don_vi.yaml"
    listing.write_text(
        "don_vi:\n  - UBND xã An\n  - {ten: UBND xã Bình, ten_ngan: Bình}\n  - UBND xã Châu\n"
        "  - UBND xã Giang\n  - UBND xã Hà\n",
        encoding="utf-8",
    )
    out = tmp_path / "th.xlsx"
    result = tong_hop([units], out, danh_sach=listing)
    assert result.missing == ["UBND xã Hà"]
    assert [u.short for u in result.units] == ["Xã An", "Bình", "Xã Châu"]
    failed = {f.source.name: f for f in result.failed}
    assert set(failed) == {"giang.yaml", "hong.yaml"}
    assert '"mười" không phải là số' in str(failed["giang.yaml"].first_problems[0])
    assert failed["giang.yaml"].name == "UBND xã Giang"
    ws = load_workbook(out)[STATUS_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    by_name = {row[1]: row for row in rows}
    assert by_name["UBND xã Hà"][3] == "Chưa gửi số liệu"
    assert by_name["UBND xã Giang"][2] == "giang.yaml"
    assert "mười" in by_name["UBND xã Giang"][4]
    assert by_name["(không đọc được tên đơn vị)"][2] == "hong.yaml"


def test_workbook_one_column_per_unit_print_ready(units: Path, tmp_path: Path) -> None:
    out = tmp_path / "tong_hop.xlsx"
    tong_hop([units], out)
    wb = load_workbook(out)
    assert wb.sheetnames == [TOTAL_SHEET, STATUS_SHEET, CHECK_SHEET, CHART_SHEET]
    ws = wb[TOTAL_SHEET]
    assert ws["A1"].value == "BẢNG TỔNG HỢP SỐ LIỆU"
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
    header = 5
    assert [ws.cell(header, c).value for c in range(1, 7)] == [
        "STT",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Tổng hợp",
        "Số đơn vị báo cáo",
        "Số liệu của từng đơn vị",
    ]
    assert [ws.cell(header + 1, c).value for c in range(6, 9)] == ["Xã An", "Xã Bình", "Xã Châu"]
    assert ws.freeze_panes == f"F{header + 2}"
    assert ws.print_title_rows == f"${header}:${header + 1}"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    rows = {ws.cell(r, 2).value.strip(): r for r in range(header + 2, ws.max_row + 1)}
    row = rows["Số văn bản đến"]
    assert [ws.cell(row, c).value for c in range(3, 9)] == ["Văn bản", 40, "2/3", 10, 30, None]
    mean = ws.cell(rows["Tỷ lệ hài lòng"], 4)
    assert mean.value == pytest.approx(86.17)
    assert "Trung bình cộng" in mean.comment.text
    assert "Tính lại theo công thức" in ws.cell(rows["Tỷ lệ xử lý"], 4).comment.text
    assert "Cảnh báo" in ws.cell(rows["Số văn bản đã xử lý"], 4).comment.text
    assert ws.cell(rows["Hình thức khảo sát"], 6).value == "Phát phiếu"
    assert ws.cell(rows["Hình thức khảo sát"], 4).value == "Phát phiếu: 2; Kết hợp: 1"
    chart = wb[CHART_SHEET]._charts[0]
    assert len(chart.series) == 3
    assert [chart_ws.value for chart_ws in wb[CHART_SHEET]["A"][1:4]] == [
        "Xã An",
        "Xã Bình",
        "Xã Châu",
    ]


def test_totals_data_file_renders_and_passes_check(units: Path, tmp_path: Path) -> None:
    data = tmp_path / "huyen.yaml"
    tong_hop([units], data_out=data)
    checked = check_data(data)
    assert checked.errors == [], checked.errors
    text = data.read_text(encoding="utf-8")
    assert 'ky_bao_cao: "quý I năm 2021"' in text
    rendered = render_report(data, tmp_path / "out")
    workbook = next(p for p in rendered.outputs if p.suffix == ".xlsx")
    ws = load_workbook(workbook).active
    values = {
        str(ws.cell(r, 2).value).strip(): ws.cell(r, 4).value for r in range(1, ws.max_row + 1)
    }
    assert values["Số văn bản đến"] == 40
    assert values["Hình thức khảo sát"] == "Phát phiếu: 2; Kết hợp: 1"
    notes = {
        str(ws.cell(r, 2).value).strip(): ws.cell(r, 5).value for r in range(1, ws.max_row + 1)
    }
    assert notes["Số văn bản đến"] == "Tổng của 2/3 đơn vị có số liệu"
    # an existing data file (it may have been completed since) is kept
    from generator.errors import OutputError

    with pytest.raises(OutputError):
        tong_hop([units], data_out=data)


def test_cli(units: Path, tmp_path: Path, invoke) -> None:
    out = tmp_path / "th.xlsx"
    result = invoke("tong-hop", units, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Tổng hợp 3 đơn vị, quý I năm 2021, danh mục thu-tong-hop." in result.output
    assert f"Đã ghi: {out}" in result.output
    write_unit(units, "UBND xã Giang", {**FULL, "1.1": "mười"})
    result = invoke("tong-hop", units, "-o", out)
    assert result.exit_code == 1
    assert "Chưa tổng hợp (tệp có lỗi): UBND xã Giang" in result.output
    assert invoke("tong-hop", units).exit_code == 2


def test_three_units_of_a_shipped_catalog_end_to_end(tmp_path: Path) -> None:
    """Three xã written from the shipped xã example (catalog cchc-xa-thanh-hoa-01b)."""
    source = EXAMPLE["xa_hoang_cat_6_thang_2024"].read_text(encoding="utf-8")
    folder = tmp_path / "xa"
    folder.mkdir()
    for name, planned, done in (
        ("Hoàng Cát", 38, 25),
        ("Hoằng Xuân", 40, 31),
        ("Hoằng Phú", 20, 20),
    ):
        text = source.replace('ten_co_quan: "UBND xã Hoàng Cát"', f'ten_co_quan: "UBND xã {name}"')
        text = re.sub(r'"1\.1\.1": *\d+', f'"1.1.1": {planned}', text)
        text = re.sub(r'"1\.1\.2": *\d+', f'"1.1.2": {done}', text)
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "tong_hop.xlsx"
    result = tong_hop([folder], out, data_out=tmp_path / "huyen.yaml")
    assert result.failed == [] and len(result.units) == 3
    ws = load_workbook(out)[TOTAL_SHEET]
    rows = {str(ws.cell(r, 1).value): r for r in range(7, ws.max_row + 1)}
    assert ws.cell(rows["1.1.1"], 4).value == 98
    assert ws.cell(rows["1.1.2"], 4).value == 76
    assert ws.cell(rows["1.1.1"], 5).value == "3/3"
    assert check_data(tmp_path / "huyen.yaml").errors == []


def test_filled_workbooks_count_and_outputs_beside_are_skipped(units: Path, tmp_path: Path) -> None:
    from generator.entry import write_entry_workbook

    binh = units / "bình.yaml"
    write_entry_workbook(binh, units / "binh_nhap.xlsx")
    render_report(units / "an.yaml", units)  # an_phu_luc.xlsx lies beside the data files
    binh.unlink()
    result = tong_hop([units], units / "tong_hop.xlsx")
    assert [u.source.name for u in result.units] == ["an.yaml", "binh_nhap.xlsx", "châu.yaml"]
    assert result.failed == []
    assert result.totals["1.1"].value == 40
    # the workbook just written is not read back as a unit on the next run
    assert len(tong_hop([units], units / "tong_hop.xlsx").units) == 3


def test_danh_sach_gives_the_aggregating_units_header(units: Path, tmp_path: Path) -> None:
    listing = tmp_path / "don_vi.yaml"
    listing.write_text(
        "don_vi: [UBND xã An, UBND xã Bình, UBND xã Châu]\n"
        "don_vi_tong_hop:\n"
        "  co_quan_chu_quan: UBND TỈNH THỬ\n"
        "  co_quan_ban_hanh: [Ủy ban nhân dân, Huyện Thử]\n"
        "  ten_co_quan: UBND huyện Thử\n"
        "  dia_danh: Thử\n"
        "  noi_nhan: [Sở Nội vụ, Lưu trữ huyện]\n"
        "  chu_ky:\n    tham_quyen: KT.\n    thay_cho: Chủ tịch\n    chuc_vu: Phó Chủ tịch\n"
        "    nguoi_ky: Lê Văn B\n",
        encoding="utf-8",
    )
    data = tmp_path / "ra" / "huyen.yaml"
    tong_hop([units], danh_sach=listing, data_out=data)
    assert check_data(data).errors == []
    from generator import load_report

    composition = load_report(data)
    assert composition.report.ten_co_quan == "UBND huyện Thử"
    assert composition.co_quan_ban_hanh == ["ỦY BAN NHÂN DÂN", "HUYỆN THỬ"]
    assert composition.signature_lines == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert composition.signer == "Lê Văn B"
    assert composition.noi_nhan[0] == "- Sở Nội vụ;"
    # the catalog is named from where the data file is, so the folder can be moved whole
    assert 'danh_muc: "../thu.yaml"' in data.read_text(encoding="utf-8")
    listing.write_text("don_vi: [UBND xã An]\ndon_vi_tong_hop: {ten_co_qan: X}\n", "utf-8")
    from generator.errors import DataError

    with pytest.raises(DataError, match="ten_co_qan"):
        tong_hop([units], danh_sach=listing, data_out=tmp_path / "b.yaml")
