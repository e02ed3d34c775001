"""The data-entry workbook (`baocao mau-nhap`): made from a data file or a catalog, filled in
with Excel (here: openpyxl), read back as the same report, every slip named by its cell."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from generator.api import check_data, load_report, render_report
from generator.compose import Composition, Heading, Paragraph, plain_inlines
from generator.entry import (
    DATA_SHEET,
    INFO_SHEET,
    SINGLE_TABLE_SHEET,
    TABLE_HEADERS,
    load_workbook_data,
    merge_figures,
    write_entry_workbook,
)
from generator.errors import DataError, OutputError
from generator.loader import load_file
from generator.model import BaoCao

from .conftest import EXAMPLE, EXAMPLES, ROOT

XA = EXAMPLE["xa_hoang_cat_6_thang_2024"]
THI_XA = EXAMPLE["thi_xa_nga_nam_nam_2021"]
HUYEN = EXAMPLE["huyen_huong_hoa_quy1_2021"]
XA_CATALOG = "cchc-xa-thanh-hoa-01b"

# a catalog with formulas and two tables (the shipped ones have neither)
FORMULA_CATALOG = """\
ma: thu-cong-thuc
ten_bang: BẢNG THỬ CÔNG THỨC
bang:
  - tieu_de: BIỂU MẪU 1
    chi_tieu:
      - id: "1"
        ten: Nhiệm vụ
        con:
          - {id: "1.1", ten: Số nhiệm vụ, dvt: Nhiệm vụ}
          - {id: "1.2", ten: Số nhiệm vụ đã xong, dvt: Nhiệm vụ}
          - {id: "1.3", ten: Tỷ lệ hoàn thành, dvt: "%", cong_thuc: "[1.2] / [1.1] * 100"}
  - tieu_de: BIỂU MẪU 2
    chi_tieu:
      - id: "2.1"
        ten: Tổng số hồ sơ
        dvt: Hồ sơ
        cong_thuc: tong_con
        con:
          - {id: "2.1.1", ten: Trực tuyến, dvt: Hồ sơ}
          - {id: "2.1.2", ten: Trực tiếp, dvt: Hồ sơ}
      - {id: "2.2", ten: Gấp đôi số nhiệm vụ, dvt: Nhiệm vụ, cong_thuc: "[1.1] * 2"}
      - id: "2.3"
        ten: Hình thức
        lua_chon: {0: "Trực tuyến, qua mạng", 1: Phát phiếu}
"""

INFO = {
    "co_quan_ban_hanh.1": "Ủy ban nhân dân",
    "co_quan_ban_hanh.2": "Xã Thử",
    "ten_co_quan": "UBND xã Thử",
    "so": 12,
    "dia_danh": "Thử",
    "ngay": "16/3/2021",
    "trich_yeu": "Kết quả cải cách hành chính quý I năm 2021",
    "ky_bao_cao": "quý I năm 2021",
    "noi_nhan": "UBND huyện\nPhòng Nội vụ",
    "chu_ky.tham_quyen": "TM.",
    "chu_ky.thay_cho": "Ủy ban nhân dân",
    "chu_ky.chuc_vu": "Chủ tịch",
    "chu_ky.nguoi_ky": "Nguyễn Văn B",
}


# --------------------------------------------------------------------------- helpers


def _row_of(ws, node_id: str) -> int:
    """The row of an indicator on its sheet (column B holds the id)."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, 2).value == node_id:
            return row
    raise AssertionError(f"no row for {node_id!r} on {ws.title}")


def _info_row(ws, key: str) -> int:
    """The row of a header field on "Thông tin" (column C holds the field key)."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, 3).value == key:
            return row
    raise AssertionError(f"no row for {key!r}")


def _edit(path: Path, sheet: str, changes: dict[str, object], by: str = "id") -> dict[str, str]:
    """Type values into a workbook as a clerk would; returns id → cell typed into."""
    wb = load_workbook(path)
    ws = wb[sheet]
    cells = {}
    for key, value in changes.items():
        cell = ws.cell(_row_of(ws, key), 5) if by == "id" else ws.cell(_info_row(ws, key), 2)
        cell.value = value
        cells[key] = cell.coordinate
    wb.save(path)
    return cells


def _rows(c: Composition) -> list[tuple[str, str, str, str]]:
    return [(r.stt, r.label, r.value_text, r.note) for t in c.appendix.tables for r in t.rows]


def _text(block) -> str:
    return plain_inlines(block.inlines)


def _summary(c: Composition) -> dict[str, object]:
    return {
        "headings": c.headings,
        "footnotes": [n.text for n in c.footnotes],
        "noi_nhan": c.noi_nhan,
        "signature": (c.signature_lines, c.signer),
        "header": (c.co_quan_chu_quan, c.co_quan_ban_hanh, c.so_ky_hieu, c.dia_danh_ngay),
        "title": c.trich_yeu,
        "opening": [_text(p) for p in c.opening],
        "body": [_text(b) for b in c.body if isinstance(b, Paragraph | Heading)],
        "closing": _text(c.closing),
        "rows": _rows(c),
        "appendix": (c.appendix.heading, c.appendix.title, c.appendix.attached_to),
    }


@pytest.fixture
def xa_book(tmp_path: Path) -> Path:
    return write_entry_workbook(XA, tmp_path / "nhap.xlsx")


@pytest.fixture
def catalog_book(tmp_path: Path) -> Path:
    return write_entry_workbook(XA_CATALOG, tmp_path / "nhap.xlsx")


def _fill_info(path: Path, values: dict[str, object] = INFO) -> None:
    _edit(path, INFO_SHEET, values, by="key")


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_untouched_workbook_gives_the_same_report(example: Path, tmp_path: Path) -> None:
    book = write_entry_workbook(example, tmp_path / "nhap.xlsx")
    assert book == tmp_path / "nhap.xlsx" and book.is_file()
    original, again = load_report(example), load_report(book)
    assert original.body, "the example has a body"
    assert _summary(again) == _summary(original)
    # and the data read back is a valid report of its own
    loaded = load_workbook_data(book)
    assert BaoCao.model_validate(loaded.data).ten_co_quan == original.report.ten_co_quan


def test_line_separators_in_the_body_survive_the_workbook(
    minimal_file: Path, tmp_path: Path
) -> None:
    """A paragraph holding U+2028 / U+2029 (pasted from a web page) reads back from the sổ nhập
    as it was typed: the hidden copy of the body is cut at its "\\n" only."""
    typed = '"dòng một\\u2028dòng hai\\u2029dòng ba, có **chữ đậm**."'
    text = minimal_file.read_text(encoding="utf-8")
    minimal_file.write_text(
        text.replace('"- Một gạch đầu dòng có **chữ đậm** và *chữ nghiêng*."', typed),
        encoding="utf-8",
    )
    original = load_report(minimal_file)
    body = [_text(b) for b in original.body if isinstance(b, Paragraph)]
    assert any("một\u2028dòng hai\u2029dòng" in paragraph for paragraph in body)
    book = write_entry_workbook(minimal_file, tmp_path / "nhap.xlsx")
    assert _summary(load_report(book)) == _summary(original)


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    first = write_entry_workbook(XA, tmp_path / "a.xlsx").read_bytes()
    second = write_entry_workbook(XA, tmp_path / "b.xlsx").read_bytes()
    assert first == second


def test_changed_figure_reaches_the_table_and_every_sentence_citing_it(xa_book: Path) -> None:
    before = load_report(XA)
    _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.2": 30})
    after = load_report(xa_book)

    row = next(r for t in after.appendix.tables for r in t.rows if r.id == "1.1.2")
    assert row.value == 30 and row.value_text == "30"
    citing = {path for path, refs in before.dependencies.items() if "so_lieu:1.1.2" in refs}
    assert citing, "the example cites 1.1.2 in its prose"
    old = {b.path: _text(b) for b in before.body if isinstance(b, Paragraph)}
    new = {b.path: _text(b) for b in after.body if isinstance(b, Paragraph)}
    assert old.keys() == new.keys()
    for path in old:
        if path in citing:
            assert new[path] != old[path] and "30/38" in new[path], path
        else:
            assert new[path] == old[path], path
    assert "25/38" in " ".join(old[p] for p in citing)


def test_figures_merge_over_the_data_file(xa_book: Path) -> None:
    _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.2": 31, "3.3.1": 400})
    _edit(xa_book, INFO_SHEET, {"chu_ky.nguoi_ky": "Lê Thị C"}, by="key")
    merged = load_report(XA, so_lieu=xa_book)
    values = {r.id: r.value_text for t in merged.appendix.tables for r in t.rows}
    assert values["1.1.2"] == "31" and values["3.3.1"] == "400"
    assert merged.signer == "Lê Thị C"
    assert merged.headings == load_report(XA).headings
    assert any("31/38" in _text(b) for b in merged.body if isinstance(b, Paragraph))


def test_merge_keeps_yaml_extras_and_records_cells(tmp_path: Path) -> None:
    book = write_entry_workbook("cchc-soc-trang-pl2-bang2", tmp_path / "nhap.xlsx")
    cells = _edit(book, SINGLE_TABLE_SHEET, {"1.3.2": 4, "1.1.1": 29})
    loaded = load_file(THI_XA)
    merge_figures(loaded, book)
    so_lieu = loaded.data["phu_luc"]["so_lieu"]
    assert so_lieu["1.3.2"]["gia_tri"] == 4
    assert so_lieu["1.3.2"]["dien_giai"].startswith("(Bài Quý I")  # kept from the YAML
    assert "noi_dung" in so_lieu["1.3.4"]  # left empty in the workbook: the text stays
    assert so_lieu["1.1.1"] == 29
    assert so_lieu["1.1.2"] is None  # the workbook wins: an empty cell clears the figure
    cleared = {p.path: str(p) for p in loaded.cleared}
    assert (
        "1.1.2" in cleared["phu_luc.so_lieu.1.1.2"] and '"26"' in cleared["phu_luc.so_lieu.1.1.2"]
    )
    assert loaded.cells[("phu_luc", "so_lieu", "1.1.1")] == (
        f"{book}!{SINGLE_TABLE_SHEET}!{cells['1.1.1']}"
    )
    # the header fields left empty in a catalog-only workbook do not override the YAML
    assert loaded.data["ten_co_quan"] == "Ủy ban nhân dân thị xã Ngã Năm"
    prefilled = write_entry_workbook(THI_XA, tmp_path / "nhap_day_du.xlsx")
    _edit(prefilled, SINGLE_TABLE_SHEET, {"1.3.2": 4})
    report = load_report(THI_XA, so_lieu=prefilled)
    row = next(r for t in report.appendix.tables for r in t.rows if r.id == "1.3.2")
    assert row.value_text.startswith("4 (Bài Quý I")


def test_emptied_cell_clears_the_figure_and_says_so(xa_book: Path, invoke, tmp_path) -> None:
    """README: an empty cell means "không báo cáo"; merged over the YAML it clears the figure
    (not keeps the YAML's), and check, render and diff name every figure cleared."""
    cells = _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.3": None, "1.1.1": 40})
    merged = load_report(XA, so_lieu=xa_book)
    row = next(r for t in merged.appendix.tables for r in t.rows if r.id == "1.1.3")
    assert row.value is None and row.value_text == ""
    where = f"{xa_book}!{SINGLE_TABLE_SHEET}!{cells['1.1.3']}: phu_luc.so_lieu.1.1.3: 1.1.3 "
    check = invoke("check", XA, "--so-lieu", xa_book)
    cleared = [line for line in check.output.splitlines() if "ô trống nên bỏ số liệu" in line]
    assert len(cleared) == 1 and cleared[0].startswith(where), check.output
    assert '"8"' in cleared[0]
    out = tmp_path / "out"
    render = invoke("render", XA, "--so-lieu", xa_book, "-o", out)
    assert any(line.startswith(where) for line in render.output.splitlines()), render.output
    shown = invoke("diff", XA, "--so-lieu", xa_book)
    assert shown.exit_code == 0, shown.output
    figure_lines = [line for line in shown.output.splitlines() if line.startswith("  1.1.")]
    assert any("8 → (trống: đã xóa, không báo cáo)" in line for line in figure_lines), shown.output
    assert any("38 → 40" in line for line in figure_lines), shown.output


def test_merge_names_the_workbook_cell_in_problems(xa_book: Path) -> None:
    cells = _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.2": "mười"})
    result = check_data(XA, so_lieu=xa_book)
    texts = [str(p) for p in result.errors]
    expected = f"{xa_book}!{SINGLE_TABLE_SHEET}!{cells['1.1.2']}: phu_luc.so_lieu.1.1.2: "
    assert any(t.startswith(expected) and '"mười" không phải là số' in t for t in texts), texts


@pytest.mark.parametrize("merged", [False, True], ids=["so-nhap", "so-lieu"])
def test_figure_typed_in_a_group_row_is_a_warning_and_left_out(xa_book: Path, merged: bool) -> None:
    cells = _edit(xa_book, SINGLE_TABLE_SHEET, {"1.2": 7})
    result = check_data(XA, so_lieu=xa_book) if merged else check_data(xa_book)
    assert not result.errors
    warnings = [str(p) for p in result.warnings if "hàng nhóm" in str(p)]
    assert warnings == [
        f"{xa_book}!{SINGLE_TABLE_SHEET}!{cells['1.2']}: cảnh báo: phu_luc.so_lieu.1.2: "
        '1.2 Kiểm tra CCHC là hàng nhóm, không có số liệu trong biểu mẫu: "7" gõ ở ô này '
        "bị bỏ qua (ghi số liệu vào các chỉ tiêu con của nhóm)"
    ]
    assert "1.2" not in load_report(xa_book).report.phu_luc.so_lieu


def test_merge_refuses_another_catalog(tmp_path: Path) -> None:
    book = write_entry_workbook("cchc-huyen-quang-tri", tmp_path / "nhap.xlsx")
    with pytest.raises(DataError) as caught:
        load_report(XA, so_lieu=book)
    message = str(caught.value)
    assert "cchc-huyen-quang-tri" in message and XA_CATALOG in message
    assert "phu_luc.danh_muc" in message


# --------------------------------------------------------------------------- layout


def test_labels_are_locked_and_inputs_open(xa_book: Path) -> None:
    wb = load_workbook(xa_book)
    assert wb.sheetnames[:2] == [INFO_SHEET, SINGLE_TABLE_SHEET]
    ws = wb[SINGLE_TABLE_SHEET]
    assert ws.protection.sheet is True
    assert [c.value for c in ws[2]] == [
        "STT",
        "Mã",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Số liệu",
        "Ghi chú",
    ]
    assert ws.freeze_panes == "A3"
    assert "Nhập số liệu vào cột Số liệu; để trống nếu không báo cáo" in ws["A1"].value
    row = _row_of(ws, "1.1.2")
    assert ws.cell(row, 1).value == "1.1.2"  # STT generated (this catalog: no final dot)
    assert ws.cell(row, 3).value == "Số nhiệm vụ đã hoàn thành"
    assert ws.cell(row, 5).value == 25
    for column in (1, 2, 3, 4):
        assert ws.cell(row, column).protection.locked is True
    for column in (5, 6):
        assert ws.cell(row, column).protection.locked is False
    assert ws.cell(row, 3).font.name == "Times New Roman"
    assert ws.cell(_row_of(ws, "1"), 3).font.bold is True  # a group row
    assert ws.cell(row, 3).alignment.wrap_text is True
    # a coded option is shown as "label = code"
    assert ws.cell(_row_of(ws, "1.5"), 5).value == "Không = 0"
    assert ws.cell(_row_of(ws, "1.4.2"), 5).value is None  # null in the data file

    info = wb[INFO_SHEET]
    assert info.protection.sheet is True
    signer = _info_row(info, "chu_ky.nguoi_ky")
    assert info.cell(signer, 1).protection.locked is True
    assert info.cell(signer, 2).protection.locked is False
    assert info.cell(signer, 2).value == "Nguyễn Văn An"
    catalog = _info_row(info, "phu_luc.danh_muc")
    assert info.cell(catalog, 2).value == XA_CATALOG
    assert info.cell(catalog, 2).protection.locked is True
    assert info.cell(_info_row(info, "du_thao"), 2).value == "Có"
    assert info.cell(_info_row(info, "ngay"), 2).value == "04/6/2024"
    assert info.cell(_info_row(info, "co_quan_ban_hanh.2"), 2).value == "Xã Hoàng Cát"
    labels = [info.cell(r, 1).value for r in range(3, info.max_row + 1)]
    for label in ("Cơ quan ban hành (dòng 1)", "Số văn bản", "Ngày ban hành (16/3/2021)"):
        assert label in labels
    recipients = info.cell(_info_row(info, "noi_nhan"), 2)
    assert recipients.value.split("\n")[0] == "UBND huyện (b/c)"
    assert recipients.alignment.wrap_text is True

    hidden = wb[DATA_SHEET]
    assert hidden.sheet_state == "veryHidden"
    lines = [c.value for c in hidden["A"] if c.value]
    assert "noi_dung:" in lines and "van_ban:" in lines
    assert any(line.startswith("ket_luan: ") for line in lines)


def _validation_of(ws, cell: str):
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (cell, found)
    return found[0]


def test_data_validation_by_kind(xa_book: Path) -> None:
    ws = load_workbook(xa_book)[SINGLE_TABLE_SHEET]

    choice = _validation_of(ws, f"E{_row_of(ws, '1.4.2')}")
    assert choice.type == "list"
    assert choice.formula1 == '"Trực tuyến = 0,Phát phiếu = 1,Kết hợp = 2"'
    assert choice.showErrorMessage

    count = _validation_of(ws, f"E{_row_of(ws, '1.1.1')}")
    assert (count.type, count.operator, count.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert count.showErrorMessage and "số nguyên không âm" in count.error

    percent = _validation_of(ws, f"E{_row_of(ws, '3.2.4')}")
    assert (percent.type, percent.operator) == ("decimal", "between")
    assert (percent.formula1, percent.formula2) == ("0", "100")

    info = load_workbook(xa_book)[INFO_SHEET]
    draft = _validation_of(info, f"B{_info_row(info, 'du_thao')}")
    assert draft.type == "list" and draft.formula1 == '"Có,Không"'
    authority = _validation_of(info, f"B{_info_row(info, 'chu_ky.tham_quyen')}")
    assert authority.formula1 == '"TM.,KT.,Q.,TL.,TUQ."' and authority.allow_blank


# --------------------------------------------------------------------------- reading values


def test_cells_are_recorded_for_every_field(xa_book: Path) -> None:
    wb = load_workbook(xa_book)
    row = _row_of(wb[SINGLE_TABLE_SHEET], "1.1.2")
    info_row = _info_row(wb[INFO_SHEET], "chu_ky.nguoi_ky")
    loaded = load_workbook_data(xa_book)
    assert loaded.name == str(xa_book)
    assert loaded.cells[("phu_luc", "so_lieu", "1.1.2")] == f"{xa_book}!{SINGLE_TABLE_SHEET}!E{row}"
    assert loaded.cells[("phu_luc", "so_lieu", "1.1.2", "ghi_chu")] == (
        f"{xa_book}!{SINGLE_TABLE_SHEET}!F{row}"
    )
    assert loaded.cells[("chu_ky", "nguoi_ky")] == f"{xa_book}!{INFO_SHEET}!B{info_row}"
    assert loaded.where(("phu_luc", "so_lieu", "1.1.2"))["file"] == (
        f"{xa_book}!{SINGLE_TABLE_SHEET}!E{row}"
    )
    assert loaded.data["phu_luc"]["so_lieu"]["1.1.2"] == 25
    assert loaded.data["phu_luc"]["so_lieu"]["1.5"] == 0  # "Không = 0" → its code
    assert loaded.data["du_thao"] is True
    assert loaded.data["co_quan_ban_hanh"] == ["Ủy ban nhân dân", "Xã Hoàng Cát"]


@pytest.mark.parametrize("typed", ["Phát phiếu = 1", "Phát phiếu", "phát phiếu", 1, "1"])
def test_choice_accepts_text_or_code(xa_book: Path, typed: object) -> None:
    _edit(xa_book, SINGLE_TABLE_SHEET, {"1.4.2": typed})
    assert check_data(xa_book).ok()
    row = next(r for t in load_report(xa_book).appendix.tables for r in t.rows if r.id == "1.4.2")
    assert row.value == 1


def test_excel_date_and_empty_cells(xa_book: Path) -> None:
    _edit(
        xa_book,
        INFO_SHEET,
        {"ngay": dt.datetime(2024, 6, 5), "du_thao": "Không", "so": 7.0},
        by="key",
    )
    _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.3": None})
    loaded = load_workbook_data(xa_book)
    assert loaded.data["ngay"] == "5/6/2024" and loaded.data["so"] == 7
    assert loaded.data["du_thao"] is False
    assert loaded.data["phu_luc"]["so_lieu"]["1.1.3"] is None
    report = load_report(xa_book)
    assert report.dia_danh_ngay.endswith("ngày 05 tháng 6 năm 2024")
    assert report.so_ky_hieu == "Số: 07/BC-UBND"
    row = next(r for t in report.appendix.tables for r in t.rows if r.id == "1.1.3")
    assert row.value is None and row.value_text == ""


def test_figure_typed_over_a_text_answer_is_printed(tmp_path: Path) -> None:
    book = write_entry_workbook(THI_XA, tmp_path / "nhap.xlsx")
    ws = load_workbook(book)[SINGLE_TABLE_SHEET]
    assert ws.cell(_row_of(ws, "1.3.4"), 5).comment is not None  # explains the text answer
    untouched = {r.id: r.value_text for t in load_report(book).appendix.tables for r in t.rows}
    assert untouched["1.3.4"].startswith("Hàng tuần trên Đài Truyền thanh")
    _edit(book, SINGLE_TABLE_SHEET, {"1.3.4": 52})
    typed = {r.id: r.value_text for t in load_report(book).appendix.tables for r in t.rows}
    assert typed["1.3.4"] == "52"


BAD_CELLS = {
    "text_in_count": (
        SINGLE_TABLE_SHEET,
        "1.1.2",
        "mười",
        "phu_luc.so_lieu.1.1.2",
        "không phải là số",
    ),
    "unknown_code": (SINGLE_TABLE_SHEET, "1.4.2", 7, "phu_luc.so_lieu.1.4.2", "mã lựa chọn"),
    "no_such_date": (INFO_SHEET, "ngay", "31/02/2021", "ngay", "ngày 31/02/2021 không tồn tại"),
    "number_as_text": (INFO_SHEET, "so", "mười", "so", '"mười" không phải là số'),
    "negative_count": (SINGLE_TABLE_SHEET, "1.1.1", -3, "phu_luc.so_lieu.1.1.1", "số âm"),
}


@pytest.mark.parametrize("case", BAD_CELLS, ids=list(BAD_CELLS))
def test_bad_cell_is_named(xa_book: Path, case: str) -> None:
    sheet, key, value, field_path, words = BAD_CELLS[case]
    cells = _edit(xa_book, sheet, {key: value}, by="id" if sheet == SINGLE_TABLE_SHEET else "key")
    result = check_data(xa_book)
    assert not result.ok()
    texts = [str(p) for p in result.errors]
    column = "E" if sheet == SINGLE_TABLE_SHEET else "B"
    assert cells[key].startswith(column)
    expected = f"{xa_book}!{sheet}!{cells[key]}: {field_path}: "
    assert any(t.startswith(expected) and words in t for t in texts), texts
    with pytest.raises(DataError):
        load_report(xa_book)


def test_missing_header_fields_name_their_cells(catalog_book: Path) -> None:
    ws = load_workbook(catalog_book)[INFO_SHEET]
    texts = [str(p) for p in check_data(catalog_book).errors]
    for key in ("ten_co_quan", "chu_ky.nguoi_ky", "co_quan_ban_hanh"):
        row = _info_row(ws, "co_quan_ban_hanh.1" if key == "co_quan_ban_hanh" else key)
        expected = f"{catalog_book}!{INFO_SHEET}!B{row}: {key}: thiếu trường bắt buộc"
        assert expected in texts, texts


# --------------------------------------------------------------------------- from a catalog


def test_workbook_from_a_catalog_renders_report_and_appendix(catalog_book: Path) -> None:
    wb = load_workbook(catalog_book)
    ws = wb[SINGLE_TABLE_SHEET]
    assert all(ws.cell(r, 5).value is None for r in range(3, ws.max_row + 1))
    assert [c.value for c in wb[DATA_SHEET]["A"] if c.value][1:] == ["noi_dung: []"]
    _fill_info(catalog_book)
    _edit(catalog_book, SINGLE_TABLE_SHEET, {"1.1.1": 12, "1.1.2": 9, "3.2.4": 87.5})
    report = load_report(catalog_book)
    assert report.body == [] and report.headings == []
    assert report.signer == "Nguyễn Văn B"
    assert report.noi_nhan == ["- UBND huyện;", "- Phòng Nội vụ;", "- Lưu: VT."]
    values = {r.id: r.value_text for t in report.appendix.tables for r in t.rows}
    assert (values["1.1.1"], values["1.1.2"], values["3.2.4"], values["1.2.1"]) == (
        "12",
        "9",
        "87,5",
        "",
    )
    result = render_report(catalog_book)
    names = sorted(p.name for p in result.outputs)
    assert names == ["nhap.docx", "nhap_phu_luc.xlsx"]
    appendix = load_workbook(catalog_book.parent / "nhap_phu_luc.xlsx")
    assert any(c.value == 87.5 for row in appendix.worksheets[0].iter_rows() for c in row)


def test_catalog_file_with_formulas_and_two_tables(tmp_path: Path) -> None:
    catalog = tmp_path / "danh_muc" / "thu.yaml"
    catalog.parent.mkdir()
    catalog.write_text(FORMULA_CATALOG, encoding="utf-8")
    book = write_entry_workbook(catalog, tmp_path / "so" / "nhap.xlsx")
    wb = load_workbook(book)
    assert wb.sheetnames[:3] == [INFO_SHEET, "BIỂU MẪU 1", "BIỂU MẪU 2"]
    info = wb[INFO_SHEET]
    assert info.cell(_info_row(info, "phu_luc.danh_muc"), 2).value == "../danh_muc/thu.yaml"
    first, second = wb["BIỂU MẪU 1"], wb["BIỂU MẪU 2"]
    rate = first.cell(_row_of(first, "1.3"), 5)
    one, two = _row_of(first, "1.1"), _row_of(first, "1.2")
    assert rate.value.startswith("=") and f"E{one}" in rate.value and f"E{two}" in rate.value
    assert rate.protection.locked is True
    total = second.cell(_row_of(second, "2.1"), 5)
    parts = (_row_of(second, "2.1.1"), _row_of(second, "2.1.2"))
    assert total.value == f"=SUM(E{parts[0]},E{parts[1]})"
    assert second.cell(_row_of(second, "2.2"), 5).value == f"=('BIỂU MẪU 1'!E{one}*2)"
    choice = _validation_of(second, f"E{_row_of(second, '2.3')}")
    assert choice.type == "list" and choice.formula1.startswith("'_lua_chon'!")  # has a comma

    _fill_info(book)
    _edit(book, "BIỂU MẪU 1", {"1.1": 8, "1.2": 6})
    _edit(book, "BIỂU MẪU 2", {"2.1.1": 3, "2.1.2": 4, "2.3": "Trực tuyến, qua mạng = 0"})
    report = load_report(book)
    values = {r.id: r.value for t in report.appendix.tables for r in t.rows}
    assert values["1.3"] == 75 and values["2.1"] == 7 and values["2.2"] == 16
    assert values["2.3"] == 0


def test_column_labels_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    """A catalog's column label "=1+1" is a header like any other: stored as text (a formula
    would show 2 in Excel and read back empty, refusing the workbook as rebuilt)."""
    catalog = tmp_path / "thu.yaml"
    catalog.write_text(
        "ma: thu-nhan\nten_bang: BẢNG THỬ\ncot:\n  - {loai: stt}\n  - {loai: chi_tieu}\n"
        '  - {loai: dvt}\n  - {loai: so_lieu, ma: ke_hoach, nhan: "=1+1"}\n'
        '  - {loai: so_lieu, ma: thuc_hien, nhan: "@Thực hiện"}\n  - {loai: ghi_chu}\n'
        'chi_tieu:\n  - {id: "1", ten: Số nhiệm vụ, dvt: Nhiệm vụ}\n',
        encoding="utf-8",
    )
    book = write_entry_workbook(catalog, tmp_path / "nhap.xlsx")
    ws = load_workbook(book).worksheets[1]
    headers = {cell.value: cell.data_type for cell in ws[2] if cell.value}
    assert headers["=1+1"] == "s" and headers["@Thực hiện"] == "s"
    _fill_info(book)
    _edit(book, ws.title, {"1": 5})
    values = {r.id: r.value for t in load_report(book).appendix.tables for r in t.rows}
    assert values["1"] == 5


# --------------------------------------------------------------------------- overwriting


def test_regenerating_over_a_filled_workbook_needs_force(xa_book: Path) -> None:
    write_entry_workbook(XA, xa_book)  # unchanged since written: replaced quietly
    assert not xa_book.with_name("nhap.bak.xlsx").exists()
    _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.2": 30})
    filled = xa_book.read_bytes()
    with pytest.raises(OutputError) as caught:
        write_entry_workbook(XA, xa_book)
    assert "--force" in str(caught.value)
    assert xa_book.read_bytes() == filled
    write_entry_workbook(XA, xa_book, force=True)
    backup = xa_book.with_name("nhap.bak.xlsx")
    assert backup.read_bytes() == filled
    ws = load_workbook(xa_book)[SINGLE_TABLE_SHEET]
    assert ws.cell(_row_of(ws, "1.1.2"), 5).value == 25


def test_output_must_be_xlsx(tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        write_entry_workbook(XA, tmp_path / "nhap.xls")


# --------------------------------------------------------------------------- unreadable input


def test_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "nhap.xlsx"
    fake.write_text("không phải Excel", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_workbook_data(fake)
    assert str(caught.value).startswith(f"{fake}: ")
    result = check_data(fake)
    assert not result.ok() and str(result.errors[0]).startswith(str(fake))


def test_a_rendered_appendix_is_not_an_entry_workbook(tmp_path: Path) -> None:
    from generator.api import write_phu_luc

    appendix = write_phu_luc(XA, tmp_path / "phu_luc.xlsx").outputs[0]
    with pytest.raises(DataError) as caught:
        load_workbook_data(appendix)
    assert INFO_SHEET in str(caught.value) and "mau-nhap" in str(caught.value)


def test_missing_sheet_is_named(xa_book: Path) -> None:
    wb = load_workbook(xa_book)
    del wb[SINGLE_TABLE_SHEET]
    wb.save(xa_book)
    with pytest.raises(DataError) as caught:
        load_workbook_data(xa_book)
    assert str(caught.value).startswith(str(xa_book)) and SINGLE_TABLE_SHEET in str(caught.value)


def test_changed_layout_is_named(xa_book: Path) -> None:
    wb = load_workbook(xa_book)
    wb[SINGLE_TABLE_SHEET].delete_cols(2)
    wb.save(xa_book)
    with pytest.raises(DataError) as caught:
        load_workbook_data(xa_book)
    assert str(caught.value).startswith(f"{xa_book}!{SINGLE_TABLE_SHEET}: ")


def test_missing_source_is_explained(tmp_path: Path) -> None:
    from generator.errors import CatalogError

    with pytest.raises(CatalogError) as caught:
        write_entry_workbook("cchc-xa-thanh-hoa-01", tmp_path / "nhap.xlsx")
    assert XA_CATALOG in str(caught.value)
    with pytest.raises(DataError):
        write_entry_workbook(tmp_path / "khong_co.yaml", tmp_path / "nhap.xlsx")
    assert not (tmp_path / "nhap.xlsx").exists()


def test_huyen_keeps_notes_and_typed_stt(tmp_path: Path) -> None:
    book = write_entry_workbook(HUYEN, tmp_path / "nhap.xlsx")
    ws = load_workbook(book)[SINGLE_TABLE_SHEET]
    assert ws.cell(_row_of(ws, "1.1.3"), 6).value.startswith("- KH CCHC;")
    warnings = [str(p) for p in check_data(book).warnings]
    row = _row_of(ws, "1.2.1")
    assert any(
        w.startswith(f"{book}!{SINGLE_TABLE_SHEET}!E{row}: ") and "STT ghi '1.1.1'" in w
        for w in warnings
    ), warnings


def test_cli_makes_and_renders_a_workbook(invoke, tmp_path: Path) -> None:
    book = tmp_path / "nhap.xlsx"
    made = invoke("mau-nhap", XA, "-o", book)
    assert made.exit_code == 0, made.output
    assert book.is_file() and str(book) in made.output
    _edit(book, SINGLE_TABLE_SHEET, {"1.1.2": 27})
    rendered = invoke("render", book)
    assert rendered.exit_code == 0, rendered.output
    assert (tmp_path / "nhap.docx").is_file() and (tmp_path / "nhap_phu_luc.xlsx").is_file()
    again = invoke("mau-nhap", XA, "-o", book)  # filled since: kept
    assert again.exit_code == 1 and "--force" in again.output


def test_data_file_with_its_own_catalog_file(tmp_path: Path) -> None:
    from .conftest import MINIMAL

    (tmp_path / "thu.yaml").write_text(FORMULA_CATALOG, encoding="utf-8")
    text = MINIMAL.replace("danh_muc: cchc-xa-thanh-hoa-01b", "danh_muc: thu.yaml")
    text = text.replace("'1.1.1'", "'1.1'").replace("'1.1.2'", "'1.2'")
    text = text.replace("  so_lieu: {}\n", '  so_lieu: {"1.1": 40, "1.2": 10, "2.1.1": 1}\n')
    data = tmp_path / "bao_cao.yaml"
    data.write_text(text, encoding="utf-8")
    book = write_entry_workbook(data, tmp_path / "so" / "nhap.xlsx")
    info = load_workbook(book)[INFO_SHEET]
    assert info.cell(_info_row(info, "phu_luc.danh_muc"), 2).value == "../thu.yaml"
    assert _summary(load_report(book)) == _summary(load_report(data))
    _edit(book, "BIỂU MẪU 1", {"1.2": 30})
    merged = load_report(data, so_lieu=book)  # "thu.yaml" and "../thu.yaml": the same file
    values = {r.id: r.value for t in merged.appendix.tables for r in t.rows}
    assert values["1.2"] == 30 and values["1.3"] == 75
    assert any("30" in _text(b) for b in merged.body if isinstance(b, Paragraph))


def test_filled_workbook_renders_the_same_files_as_the_data_file(tmp_path: Path) -> None:
    """data file → mau-nhap → fill with openpyxl → render == render of the data file with
    the same figure typed in it: the same Word parts and the same Phụ lục cells."""
    import io
    import zipfile

    book = write_entry_workbook(XA, tmp_path / "nhap.xlsx")
    _edit(book, SINGLE_TABLE_SHEET, {"1.1.2": 30})
    data = tmp_path / "bao_cao.yaml"
    data.write_text(
        XA.read_text(encoding="utf-8").replace('"1.1.2": 25', '"1.1.2": 30'), encoding="utf-8"
    )
    from_book = render_report(book, tmp_path / "tu_so_nhap")
    from_data = render_report(data, tmp_path / "tu_tep")

    def parts(result, suffix: str) -> dict[str, bytes]:
        path = next(p for p in result.outputs if p.suffix == suffix)
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
            return {n: archive.read(n) for n in archive.namelist() if not n.startswith("docProps")}

    word_book, word_data = parts(from_book, ".docx"), parts(from_data, ".docx")
    assert word_book == word_data  # every part but the document properties
    text = "\n".join(p.text for p in Document(next(iter(from_book.outputs))).paragraphs)
    assert "30/38" in text

    def cells(result) -> list[list[object]]:
        path = next(p for p in result.outputs if p.suffix == ".xlsx")
        sheet = load_workbook(path).active
        return [[c.value for c in row] for row in sheet.iter_rows()]

    assert cells(from_book) == cells(from_data)


def test_percent_typed_with_a_percent_sign_in_excel(xa_book: Path) -> None:
    """Excel stores "98%" as 0.98 with a % format: it is read back as 98."""
    wb = load_workbook(xa_book)
    ws = wb[SINGLE_TABLE_SHEET]
    cell = ws.cell(_row_of(ws, "3.2.4"), 5)
    cell.value = 0.98
    cell.number_format = "0%"
    wb.save(xa_book)
    row = next(r for t in load_report(xa_book).appendix.tables for r in t.rows if r.id == "3.2.4")
    assert row.value == pytest.approx(98) and row.value_text == "98"


@pytest.mark.parametrize(
    "typed, words",
    [
        ("0x1F", '"0x1F" là số viết theo hệ mười sáu'),
        (dt.time(1, 30), '"1:30" có dạng giờ:phút'),
    ],
)
def test_cell_in_another_base_is_refused(xa_book: Path, typed: object, words: str) -> None:
    cells = _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.3": typed})
    texts = [str(p) for p in check_data(xa_book).errors]
    expected = f"{xa_book}!{SINGLE_TABLE_SHEET}!{cells['1.1.3']}: phu_luc.so_lieu.1.1.3: "
    assert any(t.startswith(expected) and words in t for t in texts), texts


def test_zero_padded_text_cell_is_the_decimal_meant(xa_book: Path) -> None:
    _edit(xa_book, SINGLE_TABLE_SHEET, {"1.1.3": "010"})
    row = next(r for t in load_report(xa_book).appendix.tables for r in t.rows if r.id == "1.1.3")
    assert row.value == 10 and row.value_text == "10"


# --------------------------------------------------------------------------- columns, appendices

# docs/danh-muc.md's worked example: Phụ lục I has three tables, the first with three figure
# columns (Kế hoạch, Thực hiện, Tỷ lệ %), the second with four (Quý I…IV) and a formula row;
# Phụ lục II is a second catalog with the 5 standard columns
DOC_EXAMPLE = dict(
    re.findall(
        r"<!-- vi-du: (\S+) -->\n```yaml\n(.*?)```",
        (ROOT / "docs" / "danh-muc.md").read_text(encoding="utf-8"),
        flags=re.DOTALL,
    )
)
PL1_TABLE1, PL1_TABLE2, PL2 = "PL I - Biểu 1", "PL I - Biểu 2", "PL II"


@pytest.fixture
def two_appendices(tmp_path: Path) -> Path:
    for name, text in DOC_EXAMPLE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "bao_cao.yaml"


def _type(path: Path, sheet: str, node_id: str, column: int, value: object) -> str:
    wb = load_workbook(path)
    cell = wb[sheet].cell(_row_of(wb[sheet], node_id), column)
    cell.value = value
    wb.save(path)
    return f"{sheet}!{cell.coordinate}"


def _outputs(result) -> tuple[dict[str, bytes], list[list[list[object]]]]:
    """The Word document's parts (but its properties) and every Phụ lục sheet's cells."""
    import zipfile

    word = next(p for p in result.outputs if p.suffix == ".docx")
    with zipfile.ZipFile(word) as archive:
        parts = {n: archive.read(n) for n in archive.namelist() if not n.startswith("docProps")}
    book = load_workbook(next(p for p in result.outputs if p.suffix == ".xlsx"))
    sheets = [[[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets]
    return parts, sheets


def test_figure_columns_and_appendices_get_their_own_cells(two_appendices: Path) -> None:
    book = write_entry_workbook(two_appendices, two_appendices.parent / "nhap.xlsx")
    wb = load_workbook(book)
    assert wb.sheetnames == [INFO_SHEET, PL1_TABLE1, PL1_TABLE2, "PL I - Biểu 3", PL2, DATA_SHEET]
    info = wb[INFO_SHEET]
    assert info.cell(_info_row(info, "phu_luc.1.danh_muc"), 2).value == "bieu_mau_ket_qua.yaml"
    assert info.cell(_info_row(info, "phu_luc.2.danh_muc"), 2).value == "bieu_mau_tu_chu.yaml"
    assert "Phụ lục II" in info.cell(_info_row(info, "phu_luc.2.danh_muc"), 1).value
    first = wb[PL1_TABLE1]
    assert [c.value for c in first[2]] == [
        "STT",
        "Mã",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Kế hoạch",
        "Thực hiện",
        "Tỷ lệ %",
        "Ghi chú",
    ]
    row = _row_of(first, "nv.giao")
    assert [first.cell(row, c).value for c in (5, 6, 7)] == [20, 18, 90]  # ke_hoach is its ma
    assert all(not first.cell(row, c).protection.locked for c in (5, 6, 7, 8))
    assert first.cell(1, 1).value.startswith("Phụ lục I. Nhập số liệu vào các cột Kế hoạch")
    rules = {
        str(cell): (v.type, v.operator, v.formula1, v.formula2)
        for v in first.data_validations.dataValidation
        for cell in v.sqref.ranges
    }
    # counts: whole numbers ≥ 0 in Kế hoạch and Thực hiện; the Tỷ lệ % column (kieu
    # phan_tram) 0–100 whatever the row's kind
    assert rules[f"E{row}"][:3] == rules[f"F{row}"][:3] == ("whole", "greaterThanOrEqual", "0")
    assert rules[f"G{row}"] == ("decimal", "between", "0", "100")
    quarters = wb[PL1_TABLE2]
    assert [c.value for c in quarters[2]][4:] == ["Quý I", "Quý II", "Quý III", "Quý IV", "Ghi chú"]
    total = _row_of(quarters, "hs")
    assert str(quarters.cell(total, 5).value).startswith("=SUM(")  # the formula column
    assert quarters.cell(total, 5).protection.locked
    assert [quarters.cell(total, c).value for c in (6, 7, 8)] == [1285, 1385, 1412]
    assert not quarters.cell(total, 6).protection.locked
    second = wb[PL2]
    assert [c.value for c in second[2]] == list(TABLE_HEADERS)
    assert second.cell(_row_of(second, "thu"), 6).value == "Dự toán giao đầu năm"


def test_two_appendices_round_trip(two_appendices: Path, tmp_path: Path) -> None:
    """data file → mau-nhap → read back: the same data, the same Word parts and Phụ lục
    cells; a figure typed in an extra column or in Phụ lục II reaches the output."""
    book = write_entry_workbook(two_appendices, tmp_path / "nhap.xlsx")
    assert check_data(book).ok()
    read = load_workbook_data(book).data["phu_luc"]
    assert [a["danh_muc"] for a in read] == ["bieu_mau_ket_qua.yaml", "bieu_mau_tu_chu.yaml"]
    assert read[0]["so_lieu"]["nv.giao"] == {"gia_tri": 20, "thuc_hien": 18, "ty_le": 90}
    assert read[0]["so_lieu"]["hs"] == {"quy_2": 1285, "quy_3": 1385, "quy_4": 1412}
    assert read[0]["so_lieu"]["hs.ty_le"]["dien_giai"] == "(cả năm)"  # kept in _du_lieu
    assert read[1]["kem_theo"] is True and read[1]["so_lieu"]["tc"] == 1
    assert _outputs(render_report(book, tmp_path / "so")) == _outputs(
        render_report(two_appendices, tmp_path / "tep")
    )

    _type(book, PL1_TABLE1, "nv.giao", 6, 19)  # Thực hiện
    _type(book, PL1_TABLE2, "hs.tt", 8, 403)  # Quý IV
    _type(book, PL2, "thu", 5, 1300000000)
    edited = two_appendices.read_text(encoding="utf-8")
    for old, new in (
        ("ke_hoach: 20, thuc_hien: 18", "ke_hoach: 20, thuc_hien: 19"),
        ("quy_3: 395, quy_4: 402", "quy_3: 395, quy_4: 403"),
        ("gia_tri: 1250000000", "gia_tri: 1300000000"),
    ):
        assert old in edited
        edited = edited.replace(old, new)
    typed = tmp_path / "typed.yaml"
    typed.write_text(edited, encoding="utf-8")
    for name in ("bieu_mau_ket_qua.yaml", "bieu_mau_tu_chu.yaml"):
        (tmp_path / name).write_text(DOC_EXAMPLE[name], encoding="utf-8")
    from_book, from_data = (
        render_report(book, tmp_path / "so2"),
        render_report(typed, tmp_path / "tep2"),
    )
    assert _outputs(from_book) == _outputs(from_data)
    sheets = _outputs(from_book)[1]
    assert any(403 in row for row in sheets[1]) and any(1300000000 in r for r in sheets[3])


def test_extra_column_and_second_appendix_errors_name_the_cell(two_appendices: Path) -> None:
    book = write_entry_workbook(two_appendices, two_appendices.parent / "nhap.xlsx")
    words = _type(book, PL1_TABLE1, "nv.xong", 6, "mười lăm")
    over = _type(book, PL1_TABLE1, "nv.xong", 7, 120)
    wrong = _type(book, PL2, "thu", 5, "nhiều")
    result = check_data(book)
    errors = [str(p) for p in result.errors]
    warnings_ = [str(p) for p in result.warnings]
    assert any(
        t.startswith(f"{book}!{words}: phu_luc[1].so_lieu.nv.xong.thuc_hien: ")
        and "cột Thực hiện" in t
        for t in errors
    ), errors
    assert any(t.startswith(f"{book}!{wrong}: phu_luc[2].so_lieu.thu: ") for t in errors), errors
    assert any(
        t.startswith(f"{book}!{over}: cảnh báo: phu_luc[1].so_lieu.nv.xong.ty_le: ")
        and "0–100" in t
        for t in warnings_
    ), warnings_


def test_extra_columns_merge_over_the_data_file(two_appendices: Path) -> None:
    book = write_entry_workbook(two_appendices, two_appendices.parent / "nhap.xlsx")
    cell = _type(book, PL1_TABLE1, "nv.giao", 6, 17)
    emptied = _type(book, PL1_TABLE1, "nv.giao", 7, None)
    loaded = load_file(two_appendices)
    merge_figures(loaded, book)
    entry = loaded.data["phu_luc"][0]["so_lieu"]["nv.giao"]
    assert entry == {"gia_tri": 20, "thuc_hien": 17}  # the emptied Tỷ lệ % is not reported
    assert loaded.cells[("phu_luc", 0, "so_lieu", "nv.giao", "thuc_hien")] == f"{book}!{cell}"
    assert [str(p) for p in loaded.cleared] == [
        f"{book}!{emptied}: phu_luc[1].so_lieu.nv.giao.ty_le: nv.giao Nhiệm vụ *được giao* "
        'trong năm: ô trống nên bỏ số liệu cột ty_le "90" của bao_cao.yaml (ô để trống là '
        "không báo cáo)"
    ]
    report = load_report(two_appendices, so_lieu=book)
    rows = {r.id: r for t in report.appendices[0].tables for r in t.rows}
    assert "17" in [c.text for c in rows["nv.giao"].extra.values()]


def test_workbook_of_two_appendices_refuses_a_one_appendix_data_file(
    two_appendices: Path,
) -> None:
    book = write_entry_workbook(two_appendices, two_appendices.parent / "nhap.xlsx")
    with pytest.raises(DataError) as caught:
        merge_figures(load_file(XA), book)
    message = str(caught.value)
    assert "có 2 phụ lục nhưng tệp số liệu có 1" in message and "mau-nhap" in message


def test_problem_in_the_hidden_sheet_names_the_section_and_paragraph(xa_book: Path) -> None:
    """The body lives on the very hidden _du_lieu sheet: a mistake there is named by the
    section and paragraph the clerk can see, not by a hidden cell."""
    wb = load_workbook(xa_book)
    ws = wb[DATA_SHEET]
    row = next(
        r for r in range(1, ws.max_row + 1) if "so_lieu[''3.1.3'']" in str(ws.cell(r, 1).value)
    )
    ws.cell(row, 1).value = ws.cell(row, 1).value.replace("so_lieu[''3.1.3'']", "so_lieu[''9.9'']")
    wb.save(xa_book)
    texts = [str(p) for p in check_data(xa_book).errors]
    assert texts and all(DATA_SHEET not in t for t in texts), texts
    report = load_file(XA).data
    section = report["noi_dung"][1]
    expected = f"{xa_book} (mục {section['tieu_de']} › "
    assert any(t.startswith(expected) and ", đoạn " in t and "9.9" in t for t in texts), texts


# --------------------------------------------------------------------------- uncalculated formulas


def _rewrite_cells(path: Path, sheet_part: str, cells: dict[str, str]) -> None:
    """Replace whole <c> elements of a sheet's XML (as a program other than Excel saves them)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = parts[sheet_part].decode("utf-8")
    for ref, element in cells.items():
        xml, count = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', element, xml, count=1)
        assert count == 1, ref
    parts[sheet_part] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_a_workbook_with_uncalculated_formulas_is_loaded_once(xa_book: Path, monkeypatch) -> None:
    """Formulas without a saved result (openpyxl's empty <v></v>, no <v> at all, a shared
    formula's copy) are read as their text in the same pass that checks the file's size:
    openpyxl loads the workbook once. A formula that gave an empty text is an empty cell."""
    from generator import entry

    sheet = load_workbook(xa_book)[SINGLE_TABLE_SHEET]
    rows = {node_id: _row_of(sheet, node_id) for node_id in ("1.1.1", "1.1.2", "1.1.3", "1.2.1")}
    _rewrite_cells(
        xa_book,
        "xl/worksheets/sheet2.xml",
        {
            f"E{rows['1.1.1']}": f'<c r="E{rows["1.1.1"]}"><f>SUM(1,2)</f><v></v></c>',
            f"E{rows['1.1.2']}": (
                f'<c r="E{rows["1.1.2"]}"><f t="shared" ref="E{rows["1.1.2"]}:E{rows["1.1.3"]}" '
                f'si="0">A{rows["1.1.2"]}&amp;"x"</f></c>'
            ),
            f"E{rows['1.1.3']}": f'<c r="E{rows["1.1.3"]}"><f t="shared" si="0"/></c>',
            f"E{rows['1.2.1']}": f'<c r="E{rows["1.2.1"]}" t="str"><f>""</f><v></v></c>',
        },
    )
    loads = []
    real_load = entry.load_workbook

    def counted(*args, **kwargs):
        loads.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(entry, "load_workbook", counted)
    figures = load_workbook_data(xa_book).data["phu_luc"]["so_lieu"]
    assert loads == [{"data_only": True}]
    assert figures["1.1.1"] == "=SUM(1,2)"
    assert figures["1.1.2"] == f'=A{rows["1.1.2"]}&"x"'
    assert figures["1.1.3"] == f'=A{rows["1.1.3"]}&"x"'  # the shared formula, moved a row
    assert figures["1.2.1"] is None
    problems = [str(p) for p in check_data(xa_book).errors]
    cell = f"{xa_book}!{SINGLE_TABLE_SHEET}!E{rows['1.1.1']}"
    assert any(p.startswith(cell) and '"=SUM(1,2)" không phải là số' in p for p in problems)
