"""`baocao tong-hop` of reports with several appendices and tables of several figure columns:
every appendix totalled (matched by catalog), every column by its own rule, reopened."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from generator import MismatchError, check_data, render_report, tong_hop
from generator.tonghop_xlsx import CHECK_SHEET, STATUS_SHEET

from .conftest import MINIMAL

# Phụ lục I: three figure columns; a formula row, a ratio formula, a "largest" override
KE_HOACH = """\
ma: thu-ke-hoach
mo_ta: Thực hiện kế hoạch
cot:
  - {loai: stt}
  - {loai: chi_tieu}
  - {loai: dvt}
  - {loai: so_lieu, ma: ke_hoach, nhan: Kế hoạch}
  - {loai: so_lieu, ma: thuc_hien, nhan: Thực hiện}
  - {loai: so_lieu, ma: ty_le, nhan: Tỷ lệ %, kieu: phan_tram}
  - {loai: ghi_chu}
chi_tieu:
  - id: hs
    ten: Hồ sơ tiếp nhận
    dvt: Hồ sơ
    cong_thuc: tong_con
    con:
      - {id: hs.tt, ten: Trực tiếp, dvt: Hồ sơ}
      - {id: hs.tuyen, ten: Trực tuyến, dvt: Hồ sơ, kiem_tra: "<= [hs.tt]"}
  - {id: tl, ten: Tỷ lệ trực tuyến, dvt: "%", cong_thuc: "[hs.tuyen] / [hs] * 100"}
  - {id: cb, ten: Cán bộ trực nhiều nhất, dvt: Người, tong_hop: lon_nhat}
  - {id: xl, ten: Xếp loại, lua_chon: {1: Tốt, 2: Khá}}
"""

# Phụ lục II: one figure column; "cb" is another indicator than Phụ lục I's "cb"
TU_CHU = """\
ma: thu-tu-chu
mo_ta: Tự chủ tài chính
chi_tieu:
  - {id: tc, ten: Thực hiện tự chủ, lua_chon: {1: Có, 0: Không}}
  - {id: thu, ten: Tổng thu, loai: tien, dvt: Đồng}
  - {id: cb, ten: Số người hưởng lương, dvt: Người}
"""


def plan(k: int) -> dict:
    """Unit k's Phụ lục I: figures grow with k, so every total is known."""
    return {
        "hs.tt": {"ke_hoach": 10 * k, "thuc_hien": 8 * k, "ty_le": 80},
        "hs.tuyen": {"ke_hoach": 5 * k, "thuc_hien": 4 * k, "ty_le": 70 + k},
        "hs": {"thuc_hien": 12 * k, "ty_le": 60 + k},
        "tl": {"thuc_hien": 33.33},
        "cb": {"ke_hoach": k, "thuc_hien": 2 * k},
        "xl": {"ke_hoach": 1, "thuc_hien": 1 if k == 1 else 2},
    }


def write_unit(folder: Path, name: str, appendices: list[tuple[str, dict]] | dict) -> Path:
    if isinstance(appendices, dict):  # a report of one appendix (Phụ lục I only)
        block = {"danh_muc": "../ke_hoach.yaml", "so_lieu": appendices}
    else:
        block = [{"danh_muc": f"../{c}", "so_lieu": figures} for c, figures in appendices]
    text = MINIMAL.replace("UBND huyện Thử", name)
    text = text.split("phu_luc:")[0] + "phu_luc: " + json.dumps(block, ensure_ascii=False) + "\n"
    path = folder / f"{name.split()[-1].lower()}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def units(tmp_path: Path) -> Path:
    (tmp_path / "ke_hoach.yaml").write_text(KE_HOACH, encoding="utf-8")
    (tmp_path / "tu_chu.yaml").write_text(TU_CHU, encoding="utf-8")
    folder = tmp_path / "don_vi"
    folder.mkdir()
    for k, name in enumerate(("An", "Bình", "Châu"), start=1):
        write_unit(
            folder,
            f"UBND xã {name}",
            [
                ("ke_hoach.yaml", plan(k)),
                ("tu_chu.yaml", {"tc": 1 if k < 3 else 0, "thu": 1000 * k, "cb": 10 * k}),
            ],
        )
    # Phụ lục II has an error: Đông counts in Phụ lục I only
    write_unit(
        folder,
        "UBND xã Đông",
        [("ke_hoach.yaml", plan(4)), ("tu_chu.yaml", {"tc": 1, "thu": "nhiều", "cb": 1})],
    )
    # a report without Phụ lục II: counted as not reporting it
    write_unit(folder, "UBND xã Giang", plan(5))
    return folder


def test_every_appendix_and_every_column_totalled(units: Path) -> None:
    result = tong_hop([units])
    first, second = result.appendices
    assert [a.catalog.spec.ma for a in result.appendices] == ["thu-ke-hoach", "thu-tu-chu"]
    assert [u.short for u in first.units] == ["Xã An", "Xã Bình", "Xã Châu", "Xã Giang", "Xã Đông"]
    assert [u.short for u in second.units] == ["Xã An", "Xã Bình", "Xã Châu"]
    everyone = sum(range(1, 6))  # units 1…5 in Phụ lục I
    tt = first.totals["hs.tt"]
    assert (tt.value, tt.columns["thuc_hien"].value) == (10 * everyone, 8 * everyone)
    # the "Tỷ lệ %" column is percentages: their mean, not their sum
    assert tt.columns["ty_le"].rule == "trung_binh" and tt.columns["ty_le"].value == 80
    tuyen = first.totals["hs.tuyen"].columns["ty_le"]
    assert tuyen.value == 73 and "thấp nhất 71 (Xã An), cao nhất 75 (Xã Giang)" in tuyen.note
    # a formula row is recomputed in its own figure columns from their totals
    hs = first.totals["hs"]
    assert hs.value == 15 * everyone
    assert hs.columns["thuc_hien"].rule == "tinh_lai"
    assert hs.columns["thuc_hien"].value == 12 * everyone
    assert first.totals["tl"].columns["thuc_hien"].value == round(4 / 12 * 100, 2)
    assert first.totals["tl"].value == round(5 / 15 * 100, 2)
    # the catalog's override holds in every column of the row's kind
    cb = first.totals["cb"]
    assert (cb.rule, cb.value, cb.columns["thuc_hien"].value) == ("lon_nhat", 5, 10)
    assert first.totals["xl"].columns["thuc_hien"].value == "Tốt: 1; Khá: 4"
    # Phụ lục II: its own "cb", summed; Đông's file fails here only
    assert (second.totals["cb"].rule, second.totals["cb"].value) == ("cong", 60)
    assert second.totals["thu"].value == 6000
    assert second.totals["tc"].value == "Có: 2; Không: 1"
    assert [(f.name, f.appendix) for f in second.failed] == [("UBND xã Đông", "Phụ lục II")]
    assert second.absent == ["UBND xã Giang"]
    assert first.failed == [] and first.absent == []
    assert [(f.name, f.appendix) for f in result.failed] == [("UBND xã Đông", "Phụ lục II")]


def test_counts_and_checks_per_appendix(units: Path, tmp_path: Path) -> None:
    write_unit(
        units,
        "UBND xã Hà",
        [
            ("ke_hoach.yaml", {**plan(1), "hs.tuyen": {"ke_hoach": 500, "thuc_hien": None}}),
            ("tu_chu.yaml", {"tc": None, "thu": None, "cb": 1}),
        ],
    )
    result = tong_hop([units])
    first, second = result.appendices
    assert first.totals["hs.tuyen"].reported == 6
    assert first.totals["hs.tuyen"].columns["thuc_hien"].reported == 5
    assert first.totals["hs.tuyen"].columns["thuc_hien"].note == "Tổng của 5/6 đơn vị có số liệu"
    assert second.totals["thu"].reported == 3 and second.totals["cb"].reported == 4
    # Hà's 500 online of 10 direct breaks "<= [hs.tt]" on the totals, named in Phụ lục I
    messages = [p.message for p in result.problems]
    assert len(messages) == 1
    assert messages[0].startswith("Phụ lục I, ")
    assert "do đơn vị: Xã Hà" in messages[0]
    assert first.problems and not second.problems


def test_workbook_one_sheet_per_appendix_one_column_per_unit_and_figure_column(
    units: Path, tmp_path: Path
) -> None:
    out = tmp_path / "th.xlsx"
    tong_hop([units], out)
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "Tổng hợp PL I",
        "Tổng hợp PL II",
        STATUS_SHEET,
        "Biểu đồ",
    ]
    ws = wb["Tổng hợp PL I"]
    assert ws["A2"].value == "Phụ lục I: Thực hiện kế hoạch"
    header = 5
    rows = [[ws.cell(r, c).value for c in range(1, 14)] for r in range(header, header + 3)]
    assert rows[0][:8] == ["STT", "Chỉ tiêu", "Đơn vị tính", "Tổng hợp", None, None,
                           "Số đơn vị báo cáo", "Số liệu của từng đơn vị"]  # fmt: skip
    assert rows[1][3:6] == ["Kế hoạch", "Thực hiện", "Tỷ lệ %"]
    assert rows[1][7] == "Xã An" and rows[1][10] == "Xã Bình"
    assert rows[2][7:13] == ["Kế hoạch", "Thực hiện", "Tỷ lệ %"] * 2
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"D5:F5", "H6:J6", "K6:M6", "A5:A7", "G5:G7"} <= merged
    assert ws.freeze_panes == "H8" and ws.print_title_rows == "$5:$7"
    assert ws.print_title_cols == "$A:$G"
    by_label = {ws.cell(r, 2).value.strip(): r for r in range(header + 3, ws.max_row + 1)}
    row = by_label["Hồ sơ tiếp nhận"]
    assert [ws.cell(row, c).value for c in range(4, 11)] == [225, 180, 63, "5/5", 15, 12, 61]
    assert "Tính lại theo công thức" in ws.cell(row, 5).comment.text
    assert "Trung bình cộng" in ws.cell(row, 6).comment.text
    row = by_label["Trực tuyến"]
    assert "Cảnh báo" not in (ws.cell(row, 4).comment.text if ws.cell(row, 4).comment else "")
    assert ws.cell(by_label["Xếp loại"], 9).value == "Tốt"  # Xã An, Thực hiện, by its label
    ws = wb["Tổng hợp PL II"]
    assert (
        ws["A3"].value == "Kỳ báo cáo: quý I năm 2021; số liệu của 3 đơn vị / 5 đơn vị phải báo cáo"
    )
    assert [ws.cell(6, c).value for c in range(6, 9)] == ["Xã An", "Xã Bình", "Xã Châu"]
    by_label = {ws.cell(r, 2).value.strip(): r for r in range(7, ws.max_row + 1)}
    assert [ws.cell(by_label["Số người hưởng lương"], c).value for c in range(4, 9)] == [
        60, "3/3", 10, 20, 30]  # fmt: skip
    status = wb[STATUS_SHEET]
    found = {(r[1], r[3]) for r in status.iter_rows(min_row=5, values_only=True)}
    assert ("UBND xã Đông", "Phụ lục II có lỗi, chưa tổng hợp phụ lục này") in found
    assert ("UBND xã Giang", "Báo cáo không có Phụ lục II") in found
    problem = next(
        r[4] for r in status.iter_rows(min_row=5, values_only=True) if r[1] == "UBND xã Đông"
    )
    assert "phu_luc[2].so_lieu.thu" in problem and "nhiều" in problem


def test_check_sheet_names_the_appendix(units: Path, tmp_path: Path) -> None:
    write_unit(units, "UBND xã Hà", {**plan(1), "hs.tuyen": {"ke_hoach": 500}})
    out = tmp_path / "th.xlsx"
    tong_hop([units], out)
    ws = load_workbook(out)[CHECK_SHEET]
    assert ws.cell(5, 2).value == (
        "Phụ lục I, 1.2 Trực tuyến: 575 lớn hơn 160 ở 1.1 Trực tiếp; do đơn vị: Xã Hà"
    )


def test_totals_data_file_has_every_appendix_and_column_and_renders(
    units: Path, tmp_path: Path
) -> None:
    data = tmp_path / "huyen.yaml"
    tong_hop([units], data_out=data)
    assert check_data(data).errors == []
    rendered = render_report(data, tmp_path / "ra")
    docx = next(p for p in rendered.outputs if p.suffix == ".docx")
    tables = Document(docx).tables
    cells = {}
    for table in tables:
        for row in table.rows:
            texts = [c.text.strip() for c in row.cells]
            if len(texts) > 2:
                cells.setdefault(texts[1], texts)
    # Phụ lục I: STT | Chỉ tiêu | ĐVT | Kế hoạch | Thực hiện | Tỷ lệ % | Ghi chú
    assert cells["Hồ sơ tiếp nhận"][3:6] == ["225", "180", "63"]
    assert cells["Trực tiếp"][3:6] == ["150", "120", "80"]
    assert cells["Tỷ lệ trực tuyến"][3:5] == ["33,33", "33,33"]
    assert cells["Cán bộ trực nhiều nhất"][3:5] == ["5", "10"]
    # a distribution where a choice code goes: said in Ghi chú, the cell left empty
    assert cells["Xếp loại"][3:5] == ["Tốt: 5", ""]
    assert "Thực hiện: Tốt: 1; Khá: 4" in cells["Xếp loại"][6]
    assert "Trung bình cộng của 5 đơn vị" in cells["Trực tiếp"][6]
    # Phụ lục II: its own catalog, its own "cb"
    assert cells["Số người hưởng lương"][3] == "60"
    assert cells["Tổng thu"][3] == "6.000"
    text = "\n".join(p.text for p in Document(docx).paragraphs)
    assert "PHỤ LỤC I" in text.upper() and "PHỤ LỤC II" in text.upper()


def test_units_of_other_appendix_sets_are_refused_naming_the_file(
    units: Path, tmp_path: Path
) -> None:
    (tmp_path / "khac.yaml").write_text(TU_CHU.replace("thu-tu-chu", "khac"), "utf-8")
    odd = write_unit(units, "UBND xã Hà", [("ke_hoach.yaml", plan(1)), ("khac.yaml", {"tc": 1})])
    with pytest.raises(MismatchError) as caught:
        tong_hop([units])
    assert [p.file for p in caught.value.problems] == [str(odd)]
    assert "'khac'" in str(caught.value) and "'thu-ke-hoach', 'thu-tu-chu'" in str(caught.value)


def test_cli_names_each_appendix(units: Path, tmp_path: Path, invoke) -> None:
    result = invoke("tong-hop", units, "-o", tmp_path / "th.xlsx")
    assert result.exit_code == 1  # Đông's Phụ lục II has an error
    assert "danh mục thu-ke-hoach (Phụ lục I), thu-tu-chu (Phụ lục II)." in result.output
    assert "Chưa tổng hợp Phụ lục II (tệp có lỗi): UBND xã Đông" in result.output
    assert "Không có Phụ lục II: UBND xã Giang" in result.output


def test_filled_entry_workbooks_of_two_appendices_count(units: Path, tmp_path: Path) -> None:
    """A sổ nhập of a two-appendix report (one sheet per appendix) is read like its data."""
    from generator.entry import write_entry_workbook

    before = tong_hop([units])
    binh = units / "bình.yaml"
    write_entry_workbook(binh, units / "binh_nhap.xlsx")
    binh.unlink()
    after = tong_hop([units])
    assert "binh_nhap.xlsx" in [u.source.name for u in after.units]
    for old, new in zip(before.appendices, after.appendices, strict=True):
        assert len(new.units) == len(old.units)
        for node_id, total in old.totals.items():
            assert new.totals[node_id].value == total.value, node_id
            for ma, column in total.columns.items():
                assert new.totals[node_id].columns[ma].value == column.value, (node_id, ma)


# --------------------------------------------------------------------------- so sánh


def test_so_sanh_every_appendix_and_column(units: Path, tmp_path: Path, invoke) -> None:
    from generator import so_sanh

    before = units / "an.yaml"
    after = write_unit(
        tmp_path,
        "UBND xã An",
        [
            ("ke_hoach.yaml", plan(2)),
            ("tu_chu.yaml", {"tc": 1, "thu": 1500, "cb": 10}),
        ],
    )
    after.write_text(
        after.read_text(encoding="utf-8")
        .replace("quý I năm 2021", "quý I năm 2022")
        .replace("../ke_hoach.yaml", "ke_hoach.yaml")
        .replace("../tu_chu.yaml", "tu_chu.yaml"),
        encoding="utf-8",
    )
    out = tmp_path / "ss.xlsx"
    result = so_sanh(before, after, out)
    rows = {(r.appendix, r.id, r.column): r for r in result.rows}
    thuc_hien = rows[("Phụ lục I", "hs.tt", "thuc_hien")]
    assert (thuc_hien.before, thuc_hien.after, thuc_hien.change) == (8, 16, 8)
    assert thuc_hien.label == "1.1 Trực tiếp (Thực hiện)"
    ty_le = rows[("Phụ lục I", "hs.tuyen", "ty_le")]
    assert ty_le.percent_kind and (ty_le.before, ty_le.after) == (71, 72)
    # Phụ lục II's own "cb", not Phụ lục I's
    assert (rows[("Phụ lục II", "cb", None)].before, rows[("Phụ lục II", "cb", None)].after) == (
        10,
        10,
    )
    assert rows[("Phụ lục I", "cb", None)].after == 2
    assert result.phrase("hs.tt", "thuc_hien") == "tăng 8 hồ sơ (100,0%) so với cùng kỳ năm 2021"
    ws = load_workbook(out).active
    headings = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    labels = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)]
    assert headings.index("Phụ lục I") < labels.index("Trực tiếp (Thực hiện)")
    assert labels.index("Trực tiếp (Thực hiện)") < headings.index("Phụ lục II")
    assert ws.freeze_panes == "D6"
    printed = invoke("so-sanh", before, after)
    assert printed.exit_code == 0, printed.output
    assert "  Phụ lục II, 2 Tổng thu: 1.000 → 1.500 (+500; +50%)" in printed.output


def test_prose_so_sanh_of_a_figure_in_the_second_appendix(units: Path, tmp_path: Path) -> None:
    before = units / "an.yaml"
    after = units.parent / "an_2022.yaml"
    text = before.read_text(encoding="utf-8").replace("quý I năm 2021", "quý I năm 2022")
    text = text.replace('"thu": 1000', '"thu": 1200').replace("../", "")
    text = text.replace(
        "ky_bao_cao:", f"ky_truoc: {before.relative_to(units.parent)}\nky_bao_cao:", 1
    )
    body = "noi_dung:\n  - tieu_de: Kết quả\n    doan: [\"Tổng thu {{ so_sanh('thu') }}.\"]\n"
    text = re.sub(r"noi_dung:\n.*?(?=noi_nhan:)", lambda _: body, text, flags=re.DOTALL)
    after.write_text(text, encoding="utf-8")
    rendered = render_report(after, tmp_path / "ra")
    docx = next(p for p in rendered.outputs if p.suffix == ".docx")
    body = "\n".join(p.text for p in Document(docx).paragraphs)
    assert "Tổng thu tăng 200 đồng (20,0%) so với cùng kỳ năm 2021." in body
    # the previous period corrected: diff names the figure of Phụ lục II that changed
    from generator.diff import diff_reports

    corrected = units / "an_sua.yaml"
    corrected.write_text(
        before.read_text(encoding="utf-8").replace('"thu": 1000', '"thu": 1100'), "utf-8"
    )
    again = after.with_name("an_2022_moi.yaml")
    again.write_text(after.read_text(encoding="utf-8").replace("an.yaml", "an_sua.yaml"), "utf-8")
    lines = "\n".join(diff_reports(after, again).lines())
    assert "2 Tổng thu (kỳ trước): 1.000 → 1.100" in lines
    # a previous file with an error in one appendix is not compared
    corrected.write_text(
        before.read_text(encoding="utf-8").replace('"thu": 1000', '"thu": "nhiều"'), "utf-8"
    )
    errors = [str(p) for p in check_data(again).errors]
    assert any("tệp kỳ trước 'don_vi/an_sua.yaml' có lỗi, chưa so sánh được" in e for e in errors)


def test_sheet_names_follow_excel_rules(tmp_path: Path) -> None:
    """A table title cut at Excel's 31 characters just after an apostrophe: Excel refuses a
    sheet name that ends with one (the workbook opens only after a repair)."""
    from .test_danh_muc_doc import examples

    written = examples()
    catalog = written["bieu_mau_ket_qua.yaml"].replace("tieu_de: Biểu 2", "tieu_de: Biểu 'X'")
    (tmp_path / "bieu_mau_ket_qua.yaml").write_text(catalog, encoding="utf-8")
    (tmp_path / "bieu_mau_tu_chu.yaml").write_text(written["bieu_mau_tu_chu.yaml"], "utf-8")
    folder = tmp_path / "xa"
    folder.mkdir()
    report = written["bao_cao.yaml"].replace("danh_muc: bieu_mau", "danh_muc: ../bieu_mau")
    (folder / "1.yaml").write_text(report, encoding="utf-8")
    tong_hop([folder], tmp_path / "th.xlsx")
    names = load_workbook(tmp_path / "th.xlsx").sheetnames
    assert names[1] == "Tổng hợp PL I - Biểu 'X"
    assert not any(name.endswith("'") or len(name) > 31 for name in names), names


def test_the_worked_example_of_the_catalog_documentation(tmp_path: Path) -> None:
    """docs/danh-muc.md's report of two appendices (three tables of different columns in
    Phụ lục I) from three units: one sheet per table shape, totals that render."""
    from .test_danh_muc_doc import examples

    written = examples()
    for name in ("bieu_mau_ket_qua.yaml", "bieu_mau_tu_chu.yaml"):
        (tmp_path / name).write_text(written[name], encoding="utf-8")
    folder = tmp_path / "xa"
    folder.mkdir()
    report = written["bao_cao.yaml"].replace("danh_muc: bieu_mau", "danh_muc: ../bieu_mau")
    for k, name in enumerate(("An", "Bình", "Châu"), start=1):
        text = report.replace("UBND huyện Thử", f"UBND xã {name}")
        text = text.replace("quy_2: 380", f"quy_2: {380 + k}")
        (folder / f"{k}.yaml").write_text(text, encoding="utf-8")
    out, data = tmp_path / "th.xlsx", tmp_path / "huyen.yaml"
    result = tong_hop([folder], out, data_out=data)
    first = result.appendices[0]
    assert first.totals["hs.tt"].columns["quy_2"].value == 381 + 382 + 383
    assert first.totals["nv.giao"].columns["ty_le"].value == 90
    assert first.totals["dg"].value == "Khá: 3"
    assert load_workbook(out).sheetnames[:4] == [
        "Tổng hợp PL I - Biểu 1",
        "Tổng hợp PL I - Biểu 2",
        "Tổng hợp PL I - Biểu 3",
        "Tổng hợp PL II",
    ]
    assert check_data(data).errors == []
    rendered = render_report(data, tmp_path / "ra")
    workbook = load_workbook(next(p for p in rendered.outputs if p.suffix == ".xlsx"))
    values = [
        [c for c in row if c is not None]
        for ws in workbook
        for row in ws.iter_rows(values_only=True)
    ]
    assert ["3.1.", "Trực tiếp", "Hồ sơ", 1230, 1146, 1185, 1206] in values


def test_totals_data_file_of_a_name_on_two_lines_loads(tmp_path: Path) -> None:
    """An indicator name written on two lines (a catalog's "ten: |") stays on its comment line
    in the totals data file: a line break there would start a line YAML cannot read."""
    two_lines = TU_CHU.replace("ten: Tổng thu,", 'ten: "Tổng thu\\nngân sách\\u2028nhà nước",')
    (tmp_path / "tu_chu.yaml").write_text(two_lines, encoding="utf-8")
    folder = tmp_path / "don_vi"
    folder.mkdir()
    for k, name in enumerate(("An", "Bình"), start=1):
        write_unit(folder, f"UBND xã {name}", [("tu_chu.yaml", {"tc": 1, "thu": 1000 * k})])
    data = tmp_path / "huyen.yaml"
    tong_hop([folder], data_out=data)
    assert check_data(data).errors == []
    assert "# 2. Tổng thu ngân sách nhà nước" in data.read_text(encoding="utf-8")
