"""The Phụ lục workbook: rows, numbers as numbers, header, page setup, safety, formulas."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from generator import xlsx_render
from generator.api import load_report
from generator.errors import DataError
from generator.xlsx_render import (
    FIT_PAGES_DOWN,
    INTEGER_FORMAT,
    SHEET_NAME,
    build_xlsx_template,
    count_lines,
    decimal_format,
    number_format,
    render_xlsx,
    sheet_names,
)

from .conftest import EXAMPLE, EXAMPLES
from .docx_helpers import soffice_convert

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)

STYLE_NAMES = [
    "BC Tiêu đề phụ lục",
    "BC Kèm theo",
    "BC Tiêu đề cột",
    "BC Dòng chú thích",
    "BC STT",
    "BC Chỉ tiêu",
    "BC Chỉ tiêu nhóm",
    "BC Đơn vị tính",
    "BC Số liệu",
    "BC Số liệu chữ",
    "BC Ghi chú",
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "phu_luc.xlsx"
    path.write_bytes(build_xlsx_template())
    return path


def _render(composition, template: Path, path: Path) -> openpyxl.Workbook:
    path.write_bytes(render_xlsx(composition, template))
    return openpyxl.load_workbook(path)


def _header_row(ws, table) -> int:
    """The first of the two header rows: where column B holds the chi_tieu label."""
    for row in range(1, ws.max_row + 1):
        if (
            ws.cell(row, 2).value == table.columns[1].label
            and ws.cell(row, 3).value == table.columns[2].nhom
        ):
            return row
    raise AssertionError(f"no header row on sheet {ws.title}")


def _first_data_row(ws, table) -> int:
    top = _header_row(ws, table)
    if table.caption:
        assert ws.cell(top + 2, 2).value == table.caption
        return top + 3
    return top + 2


# --------------------------------------------------------------------------- the template


def _parts(data: bytes) -> dict[str, bytes]:
    """A zip's entries; their times are the clock's until output.package fixes them when the
    file is written, so two renderings a second apart differ there only."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_template_is_reproducible_and_set_up(template: Path) -> None:
    assert _parts(build_xlsx_template()) == _parts(build_xlsx_template())
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [SHEET_NAME]
    ws = wb[SHEET_NAME]
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, FIT_PAGES_DOWN)
    assert ws.print_options.horizontalCentered is True
    assert ws.page_margins.left == pytest.approx(3 / 2.54)
    assert ws.page_margins.right == pytest.approx(1.5 / 2.54)
    assert "&P" in ws.oddFooter.center.text
    assert set(STYLE_NAMES) <= set(wb.named_styles)
    normal = wb._named_styles["Normal"].font
    assert (normal.name, normal.sz) == ("Times New Roman", 12)
    assert wb.properties.created == wb.properties.modified
    assert wb.properties.created.year == 2024


def test_restyling_the_template_restyles_the_output(template: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(template)
    style = next(s for s in wb._named_styles if s.name == "BC Chỉ tiêu")
    style.font = Font(name="Arial", size=10)
    restyled = tmp_path / "restyled.xlsx"
    wb.save(restyled)
    composition = load_report(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    table = composition.appendix.tables[0]
    ws = _render(composition, restyled, tmp_path / "out.xlsx").active
    first = _first_data_row(ws, table)
    plain = next(i for i, row in enumerate(table.rows) if not row.bold)
    group = next(i for i, row in enumerate(table.rows) if row.bold)
    assert ws.cell(first + plain, 2).font.name == "Arial"
    assert ws.cell(first + plain, 2).font.sz == 10
    assert ws.cell(first + group, 2).font.name == "Times New Roman"  # "BC Chỉ tiêu nhóm"


def test_cells_left_on_the_template_first_row_go(template: Path, tmp_path: Path) -> None:
    """Whatever a user typed on the template's sheet is not printed, even when it is only in
    the first row and not in A1 (a note in C1, a link, a comment)."""
    from openpyxl.comments import Comment

    wb = openpyxl.load_workbook(template)
    ws = wb[SHEET_NAME]
    ws["H1"] = "ghi chú của tôi"
    ws["I1"] = "trang web"
    ws["I1"].hyperlink = "http://example.com/"
    ws["J1"].comment = Comment("nhớ sửa", "Văn phòng")
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    composition = load_report(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    out = _render(composition, edited, tmp_path / "out.xlsx").active
    values = [cell.value for row in out.iter_rows() for cell in row]
    assert "ghi chú của tôi" not in values and "trang web" not in values
    assert not out._hyperlinks and all(
        cell.comment is None for row in out.iter_rows() for cell in row
    )
    assert (
        _render(composition, template, tmp_path / "plain.xlsx").active.max_column == out.max_column
    )


# --------------------------------------------------------------------------- the examples


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_row_in_order_with_numbers_as_numbers(
    path: Path, template: Path, tmp_path: Path
) -> None:
    composition = load_report(path)
    appendix = composition.appendix
    wb = _render(composition, template, tmp_path / "phu_luc.xlsx")
    assert len(wb.worksheets) == len(appendix.tables)
    assert wb.properties.title and appendix.title in wb.properties.title
    numbers = 0
    for ws, table in zip(wb.worksheets, appendix.tables, strict=True):
        top = _header_row(ws, table)
        titles = [ws.cell(r, 1).value for r in range(1, top)]
        assert titles[:2] == [appendix.heading, appendix.title]
        if appendix.attached_to:
            assert appendix.attached_to in titles
        first = _first_data_row(ws, table)
        for offset, row in enumerate(table.rows):
            r = first + offset
            where = f"{ws.title}!{r} ({row.id})"
            assert ws.cell(r, 1).value == (row.stt or None), where
            assert ws.cell(r, 2).value == row.label, where
            assert ws.cell(r, 3).value == (row.unit or None), where
            cell = ws.cell(r, 4)
            if row.value is None:
                assert cell.value is None, where
            elif row.explanation:  # as in Word: the figure and its explanation, as text
                assert cell.value == row.value_text and cell.data_type == "s", where
                assert row.value_text.endswith(row.explanation), where
            elif isinstance(row.value, str):
                assert cell.value == row.value and cell.data_type == "s", where
            else:
                assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
                assert cell.value == pytest.approx(row.value), where
                assert cell.data_type == "n", where
                if float(row.value).is_integer() and row.value >= 0:
                    assert cell.number_format == INTEGER_FORMAT, where
                else:
                    assert cell.number_format.startswith("[$-42A]#,##0."), where
                numbers += 1
            note = ws.cell(r, 5).value or ""
            assert note == row.note, where
            assert ws.row_dimensions[r].height, where
        assert ws.max_row == first + len(table.rows) - 1
        assert ws.print_area == f"'{ws.title}'!$A$1:$E${ws.max_row}"
    assert numbers > 30


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_header_page_setup_and_fonts(path: Path, template: Path, tmp_path: Path) -> None:
    composition = load_report(path)
    wb = _render(composition, template, tmp_path / "phu_luc.xlsx")
    for ws, table in zip(wb.worksheets, composition.appendix.tables, strict=True):
        top = _header_row(ws, table)
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert {
            f"A{top}:A{top + 1}",
            f"B{top}:B{top + 1}",
            f"C{top}:D{top}",
            f"E{top}:E{top + 1}",
        } <= merged
        assert ws.cell(top, 1).value == table.columns[0].label
        assert ws.cell(top, 5).value == table.columns[4].label
        assert ws.cell(top + 1, 3).value == table.columns[2].label
        assert ws.cell(top + 1, 4).value == table.columns[3].label
        for cell in ("A", "B", "C", "E"):  # a frame around every header block
            border = ws[f"{cell}{top}"].border
            assert border.left.style == border.top.style == border.right.style == "thin"
        for cell in ("A", "B", "C", "D", "E"):
            assert ws[f"{cell}{top + 1}"].border.bottom.style == "thin"
        for cell in ("C", "D"):
            border = ws[f"{cell}{top + 1}"].border
            assert border.left.style == border.top.style == border.right.style == "thin"
        assert ws.print_title_rows.replace("$", "") == f"{top}:{top + 1}"
        assert ws.freeze_panes == f"A{top + 2}"
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, FIT_PAGES_DOWN)
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.orientation == "portrait"
        assert "&P" in ws.oddFooter.center.text
        widths = [ws.column_dimensions[c].width for c in "ABCDE"]
        assert 70 <= sum(widths) <= 80  # the portrait page's width in characters
        fonts = {
            ws.cell(r, c).font.name
            for r in range(1, ws.max_row + 1)
            for c in range(1, 6)
            if ws.cell(r, c).value is not None
        }
        assert fonts == {"Times New Roman"}
        # the title is merged across the five columns and wraps
        assert "A2:E2" in merged and ws["A2"].alignment.wrap_text


def test_wrapped_rows_are_taller(template: Path, tmp_path: Path) -> None:
    composition = load_report(EXAMPLE["huyen_huong_hoa_quy1_2021"])
    table = composition.appendix.tables[0]
    ws = _render(composition, template, tmp_path / "phu_luc.xlsx").active
    first = _first_data_row(ws, table)
    heights = {row.id: ws.row_dimensions[first + i].height for i, row in enumerate(table.rows)}
    assert heights["1.1.3"] > 4 * heights["1.1.1"]  # a four-line note
    assert heights["1.5.2"] >= 3 * 15  # three choices, one a line, in the unit column
    assert heights["1.1.2"] < 25  # one line


def test_rendering_is_deterministic(template: Path) -> None:
    path = EXAMPLE["thi_xa_nga_nam_nam_2021"]

    first = _parts(render_xlsx(load_report(path), template))
    assert first == _parts(render_xlsx(load_report(path), template))


def test_a_report_without_appendix_is_refused(template: Path) -> None:
    composition = load_report(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    composition.appendices = []
    with pytest.raises(DataError, match="không có phụ lục"):
        render_xlsx(composition, template)


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize("text", ["a\ufffeb", "a\uffffb", "a\ud800b"])
def test_text_xml_cannot_hold_is_refused_as_openpyxl_refuses_it(text: str) -> None:
    """The rows written as text (_SheetXmlWriter) never make a sheet XML cannot read: a text
    the loader would have cleaned (U+FFFE, U+FFFF, a lone surrogate) reaching a cell is refused
    by openpyxl's own writer, as before, instead of written as a broken character reference."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "có"
    wb.active["B2"] = text
    with pytest.raises(ValueError):
        xlsx_render.workbook_bytes(wb, "thử")


def test_text_that_looks_like_a_formula_stays_text(template: Path, tmp_path: Path) -> None:
    composition = load_report(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    table = composition.appendix.tables[0]
    rows = table.rows
    rows[2].value = '=HYPERLINK("http://example.com","bấm")'
    rows[3].value = "@SUM(1,2)"
    rows[4].label = "=1+1"
    rows[4].note = "+33 người"
    rows[5].unit = "-1"
    path = tmp_path / "phu_luc.xlsx"
    ws = _render(composition, template, path).active
    first = _first_data_row(ws, table)
    cells = [
        ws.cell(first + 2, 4),
        ws.cell(first + 3, 4),
        ws.cell(first + 4, 2),
        ws.cell(first + 4, 5),
        ws.cell(first + 5, 3),
    ]
    assert [c.value for c in cells] == [
        '=HYPERLINK("http://example.com","bấm")',
        "@SUM(1,2)",
        "=1+1",
        "+33 người",
        "-1",
    ]
    assert [c.data_type for c in cells] == ["s"] * 5
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula anywhere on the sheet


def test_control_characters_are_removed(template: Path, tmp_path: Path) -> None:
    composition = load_report(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    appendix = composition.appendix
    table = appendix.tables[0]
    table.rows[2].label = "Số\x00 nhiệm\x07 vụ\x1b"
    table.rows[2].note = "ghi\x0b chú\x0c"
    table.rows[3].value = "văn\x01bản"
    appendix.title = "THỐNG KÊ\x08 SỐ LIỆU"
    ws = _render(composition, template, tmp_path / "phu_luc.xlsx").active
    first = _first_data_row(ws, table)
    assert ws.cell(first + 2, 2).value == "Số nhiệm vụ"
    assert ws.cell(first + 2, 5).value == "ghi chú"
    assert ws.cell(first + 3, 4).value == "vănbản"
    assert ws["A2"].value == "THỐNG KÊ SỐ LIỆU"


def test_sheet_names_are_valid_and_distinct() -> None:
    names = sheet_names(
        [
            "BIỂU MẪU 1: [tổng hợp] */? \\ quý I/2024 của Sở Nội vụ tỉnh",
            "BIỂU MẪU 1: [tổng hợp] */? \\ quý I/2024 của Sở Nội vụ tỉnh",
            None,
            "Bảng 3",
            "'History'",
        ]
    )
    assert len(set(name.lower() for name in names)) == 5
    for name in names:
        assert 0 < len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert not name.startswith("'") and not name.endswith("'")
    assert names[0].startswith("BIỂU MẪU 1")
    assert names[1].endswith("(2)")
    assert names[2] == "Bảng 3" and names[3] == "Bảng 3 (2)"
    assert names[4] == "History (2)"


# --------------------------------------------------------------------------- numbers and lines


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (1200, "dem", INTEGER_FORMAT),
        (0, "dem", INTEGER_FORMAT),
        (-1200, "tien", "[$-42A]#,##0"),
        (98.07, "phan_tram", "[$-42A]#,##0.00"),
        (99.7, "phan_tram", "[$-42A]#,##0.0"),
        (98.0666, "phan_tram", "[$-42A]#,##0.000"),  # at most 3 decimals, like Word
        (0.037, "phan_tram", "[$-42A]#,##0.000"),
        (11171348125, "tien", "[$-42A]#,##0"),  # beyond the two literal groups
        (999999999, "tien", INTEGER_FORMAT),
    ],
)
def test_number_formats(value, kind, expected) -> None:
    assert number_format(value, kind) == expected


def test_count_lines() -> None:
    assert count_lines("Nhiệm vụ", 80, 12) == 1
    assert count_lines("Có = 1\nKhông = 0", 80, 12) == 2
    # LibreOffice prints this label in three lines in the 195 pt column of the Sóc Trăng form
    long = (
        "Số lượng tin, bài viết, phóng sự đã đăng tại Chuyên mục CCHC trên Trang Thông tin "
        "điện tử của đơn vị"
    )
    assert count_lines(long, 195, 12) == 3
    assert count_lines(long, 100, 12) >= 5
    assert count_lines(long, 195, 12, bold=True) >= 3
    assert count_lines("x" * 200, 60, 12) >= 5  # a word wider than the cell is broken


# --------------------------------------------------------------------------- a Sở's own catalog

CATALOG = """\
ma: so-noi-vu-thu
tieu_de: Phụ lục
ten_bang: "Số liệu cải cách hành chính của {{ ten_co_quan }}"
huong: ngang
bang:
  - tieu_de: BIỂU MẪU 1
    ten: Kết quả giải quyết hồ sơ
    chi_tieu:
      - id: hs
        ten: Tổng số hồ sơ đã tiếp nhận
        dvt: Hồ sơ
        cong_thuc: tong_con
        con:
          - id: hs.tt
            ten: Tiếp nhận trực tiếp
            dvt: Hồ sơ
          - id: hs.tuyen
            ten: Tiếp nhận trực tuyến
            dvt: Hồ sơ
            con:
              - id: hs.tuyen.dvc
                ten: Trong đó qua Cổng dịch vụ công quốc gia
                dvt: Hồ sơ
      - id: dung_han
        ten: Số hồ sơ giải quyết đúng hạn
        dvt: Hồ sơ
  - tieu_de: BIỂU MẪU 2
    ten: Tỷ lệ giải quyết
    dong_tieu_de: "Báo cáo {{ ky_bao_cao }}"
    chi_tieu:
      - id: ty_le
        ten: Tỷ lệ hồ sơ giải quyết đúng hạn
        dvt: "%"
        cong_thuc: "[dung_han] / [hs] * 100"
      - id: tre_han
        ten: Số hồ sơ trễ hạn
        dvt: Hồ sơ
        cong_thuc: "[hs] - [dung_han]"
      - id: ghi_nhan
        ten: Ghi nhận khác
        loai: chu
"""

DATA = """\
co_quan_ban_hanh: ["Ủy ban nhân dân tỉnh Thử", "Sở Nội vụ"]
ten_co_quan: Sở Nội vụ tỉnh Thử
so: 12
dia_danh: Thử
ngay: 15/6/2024
ky_bao_cao: 6 tháng đầu năm 2024
trich_yeu: Kết quả cải cách hành chính {{ ky_bao_cao }}
noi_dung:
  - tieu_de: Kết quả
    doan:
      - "Đã tiếp nhận {{ so_lieu['hs'] | dem }} hồ sơ."
noi_nhan: [UBND tỉnh]
chu_ky:
  chuc_vu: Giám đốc
  nguoi_ky: Nguyễn Văn A
phu_luc:
  danh_muc: bieu_mau/so_noi_vu.yaml
  so_lieu:
    hs.tt: 1200
    hs.tuyen: 3
    hs.tuyen.dvc: 2
    dung_han: 1150
    ghi_nhan: "=1+1 không phải công thức"
"""


@pytest.fixture
def own_catalog(tmp_path: Path) -> Path:
    (tmp_path / "bieu_mau").mkdir()
    (tmp_path / "bieu_mau" / "so_noi_vu.yaml").write_text(CATALOG, encoding="utf-8")
    data = tmp_path / "bao_cao.yaml"
    data.write_text(DATA, encoding="utf-8")
    return data


def test_a_catalog_with_two_tables_gives_two_sheets(
    own_catalog: Path, template: Path, tmp_path: Path
) -> None:
    composition = load_report(own_catalog)
    appendix = composition.appendix
    assert [t.heading for t in appendix.tables] == ["BIỂU MẪU 1", "BIỂU MẪU 2"]
    wb = _render(composition, template, tmp_path / "phu_luc.xlsx")
    assert wb.sheetnames == ["BIỂU MẪU 1", "BIỂU MẪU 2"]
    first_sheet, second_sheet = wb.worksheets
    for ws, table in zip(wb.worksheets, appendix.tables, strict=True):
        assert ws.page_setup.orientation == "landscape"
        assert 110 <= sum(ws.column_dimensions[c].width for c in "ABCDE") <= 120
        top = _header_row(ws, table)
        assert table.heading in [ws.cell(r, 1).value for r in range(1, top)]
        assert table.title in [ws.cell(r, 1).value for r in range(1, top)]
        first = _first_data_row(ws, table)
        assert [ws.cell(first + i, 2).value for i in range(len(table.rows))] == [
            row.label for row in table.rows
        ]
        assert ws.freeze_panes == f"A{top + 2}"
        assert "&P" in ws.oddFooter.center.text
    # BIỂU MẪU 1: the total sums its direct children only (not the grandchild)
    first = _first_data_row(first_sheet, appendix.tables[0])
    total = first_sheet.cell(first, 4)
    assert total.data_type == "f"
    assert total.value == f"=SUM(D{first + 1},D{first + 2})"
    assert total.number_format == INTEGER_FORMAT
    assert first_sheet.cell(first + 1, 4).value == 1200
    # BIỂU MẪU 2: the caption row, a ratio across sheets, a difference, a text answer
    top = _header_row(second_sheet, appendix.tables[1])
    assert second_sheet.cell(top + 2, 2).value == "Báo cáo 6 tháng đầu năm 2024"
    assert f"B{top + 2}:E{top + 2}" in {str(r) for r in second_sheet.merged_cells.ranges}
    first = top + 3
    ratio, late, text = (second_sheet.cell(first + i, 4) for i in range(3))
    assert ratio.data_type == late.data_type == "f"
    assert "'BIỂU MẪU 1'!D" in ratio.value and ratio.value.startswith("=")
    assert ratio.number_format == decimal_format(2)  # 95,59: the decimals Word prints
    assert text.value == "=1+1 không phải công thức" and text.data_type == "s"


def test_formula_cells_store_the_value_the_report_prints(
    own_catalog: Path, template: Path, tmp_path: Path
) -> None:
    """Protected View, previews and pandas show a formula's stored value only: it is the
    report's computed figure, formatted with the decimals the Word table prints."""
    own_catalog.write_text(
        DATA.replace("hs.tt: 1200", "hs.tt: 997").replace("dung_han: 1150", "dung_han: 767"),
        encoding="utf-8",
    )
    composition = load_report(own_catalog)
    rows = {row.id: row for table in composition.appendix.tables for row in table.rows}
    assert rows["ty_le"].value_text == "76,7" and rows["hs"].value == 1000
    path = tmp_path / "phu_luc.xlsx"
    path.write_bytes(render_xlsx(composition, template))
    formulas = openpyxl.load_workbook(path)
    stored = openpyxl.load_workbook(path, data_only=True)
    found = {}
    for name, table in zip(formulas.sheetnames, composition.appendix.tables, strict=True):
        first = _first_data_row(formulas[name], table)
        for offset, row in enumerate(table.rows):
            cell = formulas[name].cell(first + offset, 4)
            if row.computed:
                assert cell.data_type == "f", row.id
            found[row.id] = (stored[name].cell(first + offset, 4).value, cell.number_format)
    assert found["hs"] == (1000, INTEGER_FORMAT)
    assert found["ty_le"] == (76.7, decimal_format(1))  # "76,7" as in Word, not "76,70"
    assert found["tre_han"] == (233, INTEGER_FORMAT)


@pytest.mark.libreoffice
@needs_soffice
def test_libreoffice_computes_the_formulas(
    own_catalog: Path, template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # without the stored values, so what LibreOffice shows is what the formulas compute
    monkeypatch.setattr(xlsx_render, "with_cached_values", lambda data, cached: data)
    composition = load_report(own_catalog)
    source = tmp_path / "phu_luc.xlsx"
    source.write_bytes(render_xlsx(composition, template))
    converted = soffice_convert(source, "xlsx", tmp_path / "lo", tmp_path / "lo-profile")
    wb = openpyxl.load_workbook(converted, data_only=True)  # the values LibreOffice computed
    expected = {row.id: row.value for table in composition.appendix.tables for row in table.rows}
    assert expected["hs"] == 1203 and expected["tre_han"] == 53
    found = {}
    for ws, table in zip(wb.worksheets, composition.appendix.tables, strict=True):
        first = _first_data_row(ws, table)
        for offset, row in enumerate(table.rows):
            found[row.id] = ws.cell(first + offset, 4).value
    assert found["hs"] == 1203
    assert found["ty_le"] == pytest.approx(1150 / 1203 * 100)
    assert round(found["ty_le"], 2) == expected["ty_le"]  # the report prints two decimals
    assert found["tre_han"] == 53


@pytest.mark.libreoffice
@needs_soffice
def test_libreoffice_shows_numbers_the_vietnamese_way(template: Path, tmp_path: Path) -> None:
    composition = load_report(EXAMPLE["thi_xa_nga_nam_nam_2021"])
    table = composition.appendix.tables[0]
    labels = [row.label for row in table.rows]
    rows = [
        row
        for row in table.rows
        if row.kind in ("dem", "phan_tram", "so") and labels.count(row.label) == 1
    ][:8]
    samples = [
        (1200, "1.200"),
        (16231, "16.231"),
        (1234567, "1.234.567"),
        (0, "0"),
        (98.07, "98,07"),
        (100.0, "100"),
        (0.037, "0,037"),
        (-1200, "-1.200"),
    ]
    for row, (value, _) in zip(rows, samples, strict=True):
        row.value, row.kind, row.formula, row.computed = value, "so", None, False
        row.explanation = ""
    source = tmp_path / "phu_luc.xlsx"
    source.write_bytes(render_xlsx(composition, template))
    converted = soffice_convert(
        source,
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
        tmp_path / "csv",
        tmp_path / "lo-profile",
    )  # the last option: cells as shown
    lines = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
    shown = {line[1]: line[3] for line in lines if len(line) > 3}
    assert [shown[row.label] for row in rows] == [text for _, text in samples]


@pytest.mark.libreoffice
@needs_soffice
def test_printed_pages_repeat_the_header(template: Path, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    composition = load_report(EXAMPLE["thi_xa_nga_nam_nam_2021"])
    source = tmp_path / "phu_luc.xlsx"
    source.write_bytes(render_xlsx(composition, template))
    pdf = soffice_convert(source, "pdf", tmp_path / "pdf", tmp_path / "lo-profile")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Kết quả thống kê" in page and "Đơn vị tính" in page
        assert f"Trang {number}/{len(pages)}" in page
    last = composition.appendix.tables[0].rows[-1]
    assert last.label.split()[-1] in pages[-1]  # nothing lost at the end


def test_sheet_rows_are_written_as_openpyxl_writes_them() -> None:
    """The rows of a sheet are written as text (xlsx_render._SheetXmlWriter), not through
    openpyxl's writer: the bytes must be the same for every kind of cell."""
    import datetime as dt

    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.comments import Comment
    from openpyxl.worksheet._writer import WorksheetWriter

    def sheet() -> openpyxl.worksheet.worksheet.Worksheet:
        ws = openpyxl.Workbook().active
        ws["A1"] = '  Cổng DVC & <b> "q" x>y\r\nz\tw 😀 '
        ws["B1"] = "=SUM(C1:C3)"
        ws["C1"] = 1200
        ws["D1"] = 98.07
        ws["E1"] = True
        ws["F1"].font = Font(bold=True)  # styled, no value: written empty
        ws["A2"] = CellRichText(["a ", TextBlock(InlineFont(b=True), "đậm & <")])
        ws["B2"] = dt.datetime(2024, 6, 4)
        ws["C2"] = "có ghi chú"
        ws["C2"].comment = Comment("ghi chú", "baocao")
        ws["D2"].hyperlink = "https://example.com/?a=1&b=2"
        ws["A3"] = "-" + "rất dài " * 20
        ws.row_dimensions[3].height = 33.5
        ws.row_dimensions[5].height = 9  # a row with no cells
        return ws

    def written(writer_class: type) -> bytes:
        out = io.BytesIO()
        writer = writer_class(sheet(), out=out)
        writer.write()
        data = out.getvalue()
        return writer.with_rows(data) if hasattr(writer, "with_rows") else data

    assert written(xlsx_render._SheetXmlWriter) == written(WorksheetWriter)
