"""The data-entry workbook (sổ nhập số liệu, `baocao mau-nhap`): figures typed in Excel.

Office clerks would rather type figures into Excel than edit YAML. ``write_entry_workbook``
makes a protected workbook from a catalog (empty) or from a data file (prefilled):

* sheet "Thông tin": the report's header and closing fields, one row each: a locked label
  (column A), the input cell (column B) and the field's key (column C, hidden, locked);
* one sheet per indicator table ("Chỉ tiêu", or "Bảng 1", "Bảng 2"… / the table heading;
  with several appendices "PL I", "PL I - Bảng 2", "PL II"…): STT, Mã, Chỉ tiêu, Đơn vị
  tính locked; one input column per figure column of the table ("Số liệu" when there is
  one, else the columns' labels: Kế hoạch, Thực hiện, Tỷ lệ %) and Ghi chú, with Excel
  data validation by the column's kieu or the row's kind (counts and money: whole numbers
  ≥ 0, percents: 0–100, choices: a dropdown "Trực tuyến = 0"…); a formula row's first
  figure is locked and computed by Excel;
* sheet "_du_lieu" (very hidden): the YAML of everything the other sheets do not show (the
  body, documents cited, entry extras such as dien_giai), one line per row in column A, so
  the workbook alone renders the whole report.

``load_workbook_data`` reads a filled workbook back into the plain data a YAML file gives,
with ``LoadedFile.cells`` naming the cell of every field ("Chỉ tiêu!E14"), so every problem
points at the cell to correct. ``merge_figures`` puts a workbook's figures (and the header
fields it fills in) over a YAML data file (``--so-lieu nhap.xlsx``).
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import io
import math
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation

from .errors import CatalogError, DataError, OutputError, Problem, Severity
from .formatting import KyBaoCao, la_ma, so
from .loader import (
    MAX_SECTION_DEPTH,
    SECTION_TOO_DEEP,
    FieldPath,
    LoadedFile,
    drop_bidi_controls,
    format_path,
    load_file,
    parse_yaml,
    read_bytes,
)
from .shapes import THAM_QUYEN
from .xlsx_render import (
    clean_text,
    default_font,
    excel_number,
    fit_to_page_width,
    put_text,
    sheet_names,
    workbook_bytes,
)

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

    from .catalog import Catalog, ChiTieu, Cot

# --------------------------------------------------------------------------- layout constants

INFO_SHEET = "Thông tin"
SINGLE_TABLE_SHEET = "Chỉ tiêu"
DATA_SHEET = "_du_lieu"
CHOICES_SHEET = "_lua_chon"
FONT_NAME = "Times New Roman"
FONT_SIZE = 12
TEXT_FORMAT = "@"
EXCEL_TEXT_LIMIT = 32767

INSTRUCTION_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3

# indicator sheets: STT, Mã, Chỉ tiêu, Đơn vị tính, Số liệu, Ghi chú
TABLE_HEADERS = ("STT", "Mã", "Chỉ tiêu", "Đơn vị tính", "Số liệu", "Ghi chú")
COL_STT, COL_ID, COL_LABEL, COL_UNIT, COL_VALUE, COL_NOTE = range(1, 7)
TABLE_INSTRUCTION = (
    "Nhập số liệu vào cột Số liệu; để trống nếu không báo cáo. Cột Ghi chú ghi thêm nếu cần. "
    "Chỉ tiêu lựa chọn: chọn trong danh sách. Hàng có công thức tự tính. Các cột khác đã khóa."
)

# "Thông tin": label, input, field key
INFO_HEADERS = ("Mục", "Nội dung", "Mã trường")
COL_INFO_LABEL, COL_INFO_VALUE, COL_INFO_KEY = 1, 2, 3
INFO_INSTRUCTION = (
    "Nhập thông tin văn bản vào cột Nội dung; để trống nếu không có. Ngày ghi dạng 16/3/2021 "
    "(dự thảo có thể ghi 12/2024). Nơi nhận: mỗi dòng một nơi (Alt+Enter để xuống dòng)."
)
DATA_HEADER = "# baocao: phần báo cáo không nhập trong sổ (nội dung, văn bản…); không sửa trang này"

YES, NO = "Có", "Không"


@dataclass(frozen=True)
class InfoField:
    key: str  # column C: "chu_ky.nguoi_ky", "co_quan_ban_hanh.1"
    label: str
    kind: str = "text"  # text | lines | number | date | yes_no | tham_quyen | catalog


INFO_FIELDS = (
    InfoField("co_quan_chu_quan", "Cơ quan chủ quản (dòng trên, có thể để trống)"),
    InfoField("co_quan_ban_hanh.1", "Cơ quan ban hành (dòng 1)"),
    InfoField("co_quan_ban_hanh.2", "Cơ quan ban hành (dòng 2)"),
    InfoField("ten_co_quan", "Tên cơ quan trong câu văn (UBND huyện …)"),
    InfoField("so", "Số văn bản", "number"),
    InfoField("ky_hieu", "Ký hiệu (BC-UBND)"),
    InfoField("dia_danh", "Địa danh (dòng ngày tháng)"),
    InfoField("ngay", "Ngày ban hành (16/3/2021)", "date"),
    InfoField("du_thao", "Dự thảo (Có/Không)", "yes_no"),
    InfoField("trich_yeu", "Trích yếu"),
    InfoField("ky_bao_cao", "Kỳ báo cáo (quý I năm 2021, 6 tháng đầu năm 2024, năm 2021)"),
    InfoField("noi_nhan", "Nơi nhận (mỗi dòng một nơi)", "lines"),
    InfoField("luu", "Lưu (VT, CCHC)"),
    InfoField(
        "chu_ky.tham_quyen",
        "Thẩm quyền ký (TM., KT., Q., TL., TUQ.; để trống khi người đứng đầu ký)",
        "tham_quyen",
    ),
    InfoField("chu_ky.thay_cho", "Ký thay mặt / thay cho (Ủy ban nhân dân, Chủ tịch)"),
    InfoField("chu_ky.chuc_vu", "Chức vụ người ký"),
    InfoField("chu_ky.nguoi_ky", "Người ký (họ và tên)"),
    InfoField("phu_luc.danh_muc", "Mã danh mục chỉ tiêu (không sửa)", "catalog"),
)
INFO_KEYS = {f.key: f for f in INFO_FIELDS}
# top-level fields shown on "Thông tin" (everything else goes to _du_lieu)
SHEET_TOP_FIELDS = {f.key.split(".")[0] for f in INFO_FIELDS} - {"chu_ky", "phu_luc"}
SIGNATURE_FIELDS = ("tham_quyen", "thay_cho", "chuc_vu", "nguoi_ky")
# the model's defaults, shown when a data file leaves these out (a workbook made from a
# catalog leaves them empty: merged over a data file, a filled cell would override it)
DATA_DEFAULTS = {"ky_hieu": "BC-UBND", "du_thao": NO, "luu": "VT"}

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # pale yellow: type here
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)
# The code after the last "=" of "Phát phiếu = 1" (matched on that tail only: a regex over the
# whole cell took quadratic time on a cell of many spaces).
_CHOICE_CODE = re.compile(r"\s*(-?\d+)\s*")


# --------------------------------------------------------------------------- small helpers


def _font(bold: bool = False, italic: bool = False, color: str | None = None) -> Font:
    return Font(name=FONT_NAME, size=FONT_SIZE, bold=bold, italic=italic, color=color)


def _put(cell: Cell, value: Any) -> None:
    """A number stays a number; anything else is stored as text, never as a formula."""
    finite = not isinstance(value, float) or math.isfinite(value)
    if value is None or (isinstance(value, bool | int | float) and finite):
        cell.value = value
    else:
        put_text(cell, value)


def _style(
    cell: Cell,
    *,
    locked: bool,
    bold: bool = False,
    italic: bool = False,
    wrap: bool = True,
    indent: int = 0,
    horizontal: str | None = None,
    text: bool = False,
) -> None:
    cell.font = _font(bold, italic)
    cell.alignment = Alignment(wrap_text=wrap, vertical="top", indent=indent, horizontal=horizontal)
    cell.border = BORDER
    cell.protection = LOCKED if locked else UNLOCKED
    if not locked:
        cell.fill = INPUT_FILL
    if text:
        cell.number_format = TEXT_FORMAT


def _display_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day}/{value.month}/{value.year}"
    return value


def _display_period(value: Any) -> Any:
    """A period written as a mapping ({loai, nam, quy}) as its text; None if it is not one."""
    if isinstance(value, dict):
        try:
            return str(KyBaoCao(str(value.get("loai")), int(value["nam"]), value.get("quy")))
        except (KeyError, TypeError, ValueError):
            return None
    return value


def _showable(key: str, value: Any) -> bool:
    """Whether a top-level field's raw value fits its "Thông tin" cell (else: _du_lieu)."""
    if value is None:
        return True
    if key in ("noi_nhan", "co_quan_ban_hanh"):
        return isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(i, str | int | float) for i in value)
        )
    if key == "ky_bao_cao" and isinstance(value, dict):
        return _display_period(value) is not None
    return not isinstance(value, dict | list)


def choice_text(code: int, label: str) -> str:
    """How a coded option shows in the workbook: "Trực tuyến = 0"."""
    return f"{label} = {code}"


def _shipped_or_path(name: str, relative_to: Path | None) -> Path | None:
    from .catalog import shipped_catalogs

    shipped = shipped_catalogs()
    if name in shipped:
        return shipped[name].resolve()
    path = Path(name)
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return path.resolve() if path.exists() else None


def _catalog_reference(name: str, source_dir: Path | None, target_dir: Path) -> str:
    """The catalog as the workbook names it: a shipped id, or a path relative to the workbook."""
    from .catalog import shipped_catalogs

    if name in shipped_catalogs():
        return name
    path = Path(name)
    if not path.is_absolute() and source_dir is not None:
        path = source_dir / path
    path = path.resolve()
    try:
        return Path(os.path.relpath(path, target_dir.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return str(path)


def table_sheet_names(catalog: Catalog) -> list[str]:
    """One sheet per table: "Chỉ tiêu" alone, else the table's heading or "Bảng N"."""
    tables = catalog.spec.tables
    if len(tables) == 1:
        return [SINGLE_TABLE_SHEET]
    # a heading that is a template ("{{ … }}") is not a name: those tables get "Bảng N"
    headings = [None if "{" in (t.tieu_de or "") else t.tieu_de for t in tables]
    return sheet_names(headings, {INFO_SHEET.lower(), DATA_SHEET.lower(), CHOICES_SHEET.lower()})


def _table_nodes(catalog: Catalog) -> list[list[tuple[ChiTieu, int]]]:
    """The indicators of each table in print order, with their depth."""

    def visit(nodes: list[ChiTieu], depth: int, out: list[tuple[ChiTieu, int]]) -> None:
        for node in nodes:
            out.append((node, depth))
            visit(node.con, depth + 1, out)

    result = []
    for table in catalog.spec.tables:
        rows: list[tuple[ChiTieu, int]] = []
        visit(table.chi_tieu, 0, rows)
        result.append(rows)
    return result


def _protect(ws: Worksheet) -> None:
    """Sheet protection without password; columns and rows may still be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _instruction(ws: Worksheet, text: str, last_column: int) -> None:
    cell = ws.cell(INSTRUCTION_ROW, 1)
    cell.value = text
    cell.font = _font(italic=True, color="1F4E79")
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    cell.protection = LOCKED
    ws.merge_cells(
        start_row=INSTRUCTION_ROW, start_column=1, end_row=INSTRUCTION_ROW, end_column=last_column
    )
    ws.row_dimensions[INSTRUCTION_ROW].height = 36


def _header(ws: Worksheet, labels: tuple[str, ...]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = ws.cell(HEADER_ROW, column)
        put_text(cell, label)  # a catalog's label "=…" is a header, not a formula
        cell.font = _font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        cell.fill = HEADER_FILL
        cell.protection = LOCKED
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)


def _page_setup(ws: Worksheet) -> None:
    """Printed on A4, as wide as the page, the header row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    fit_to_page_width(ws)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _fit_rows(ws: Worksheet, first_row: int) -> None:
    """Row heights for wrapped text (LibreOffice does not grow rows written without one).

    Column widths count digits of the default font; a Vietnamese letter of Times New Roman
    is about as wide as a digit on average, so a cell holds about ``width - 1`` characters
    a line (bold: a tenth fewer)."""
    widths = {
        letter: (dimension.width or 9.0)
        for letter, dimension in ws.column_dimensions.items()
        if not dimension.hidden
    }
    # iter_rows finds the sheet's size once (ws[row] does at every row: quadratic)
    for cells in ws.iter_rows(min_row=first_row):
        lines = 1
        for cell in cells:
            if cell.value is None or not isinstance(cell.value, str):
                continue
            width = widths.get(cell.column_letter)
            if width is None:
                continue
            bold = bool(cell.font and cell.font.bold)
            indent = cell.alignment.indent if cell.alignment else 0
            room = max(4.0, (width - 1 - 2 * indent) * (0.9 if bold else 1.0))
            count = sum(max(1, math.ceil(len(part) / room)) for part in cell.value.split("\n"))
            lines = max(lines, count)
        if lines > 1:
            ws.row_dimensions[cells[0].row].height = round(lines * FONT_SIZE * 1.3125 + 3, 1)


def _width(texts: list[str], minimum: float, maximum: float) -> float:
    longest = max((len(line) for text in texts for line in str(text).split("\n")), default=0)
    return round(min(maximum, max(minimum, longest * 1.1 + 2)), 1)


# --------------------------------------------------------------------------- the source


@dataclass
class _Appendix:
    """One Phụ lục of the workbook: its catalog, how the workbook names it, its sheets and
    the raw figures prefilling them."""

    catalog: Catalog
    ref: str
    number: int | None  # 1, 2… when the data file lists its appendices; None for one
    so_lieu: dict[str, Any]
    sheets: list[str]

    @property
    def info_key(self) -> str:
        return "phu_luc.danh_muc" if self.number is None else f"phu_luc.{self.number}.danh_muc"

    def path(self, *rest: str | int) -> FieldPath:
        head: FieldPath = ("phu_luc",) if self.number is None else ("phu_luc", self.number - 1)
        return (*head, *rest)


@dataclass
class _Source:
    """What the workbook is made from: raw report data (empty for a catalog) and its
    appendices (none, one, or the listed ones)."""

    data: dict[str, Any]
    appendices: list[_Appendix]
    inputs: list[bytes]
    prefilled: bool
    listed: bool = False  # phu_luc is a list in the data file
    loaded: LoadedFile | None = None  # the data file (its lines), when made from one


def appendix_sheet_names(catalog: Catalog, number: int | None, taken: set[str]) -> list[str]:
    """The sheets of one appendix: ``table_sheet_names`` for a report's only appendix; for
    listed appendices "PL I" (one table) or "PL I - BIỂU MẪU 1", "PL I - Bảng 2"…"""
    if number is None:
        return table_sheet_names(catalog)
    prefix = f"PL {la_ma(number)}"
    tables = catalog.spec.tables
    if len(tables) == 1:
        headings: list[str | None] = [prefix]
    else:
        headings = [
            f"{prefix} - {t.tieu_de if t.tieu_de and '{' not in t.tieu_de else f'Bảng {i}'}"
            for i, t in enumerate(tables, start=1)
        ]
    reserved = {INFO_SHEET.lower(), DATA_SHEET.lower(), CHOICES_SHEET.lower(), *taken}
    return sheet_names(headings, reserved)


def _appendix_list(
    catalogs: list[tuple[Catalog, str, dict[str, Any]]], listed: bool
) -> list[_Appendix]:
    taken: set[str] = set()
    result = []
    for index, (catalog, ref, so_lieu) in enumerate(catalogs, start=1):
        number = index if listed else None
        sheets = appendix_sheet_names(catalog, number, taken)
        taken.update(name.lower() for name in sheets)
        result.append(_Appendix(catalog, ref, number, so_lieu, sheets))
    return result


def _refuse_deep_sections(data: dict[str, Any], loaded: LoadedFile, name: str) -> None:
    """Mục nested deeper than the README's limit: the same error, at the same place, as
    `check` and `render` give."""
    body = data.get("noi_dung")
    if not isinstance(body, list):
        return
    stack = [(section, ("noi_dung", i), 1) for i, section in reversed(list(enumerate(body)))]
    while stack:
        section, at, level = stack.pop()
        if not isinstance(section, dict):
            continue
        if level > MAX_SECTION_DEPTH:
            raise DataError(
                SECTION_TOO_DEEP, file=name, line=loaded.line_of(at), path=format_path(at)
            )
        children = section.get("muc")
        if isinstance(children, list):
            stack += [
                (child, (*at, "muc", i), level + 1)
                for i, child in reversed(list(enumerate(children)))
            ]


def _refuse_overlong_text(value: Any, at: FieldPath, loaded: Any, name: str) -> None:
    """Excel keeps at most 32,767 characters in a cell: a longer text is refused, never cut.
    (The loader already refused data nested deeper than the YAML writer can go.)"""
    if isinstance(value, str):
        if len(value) > EXCEL_TEXT_LIMIT:
            raise DataError(
                f"văn bản dài {len(value):_} ký tự, quá giới hạn {EXCEL_TEXT_LIMIT:_} ký tự "
                "của một ô Excel: không làm được sổ nhập; hãy chia thành nhiều đoạn".replace(
                    "_", "."
                ),
                file=name,
                line=loaded.line_of(at),
                path=format_path(at) or None,
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_overlong_text(key, at, loaded, name)
            _refuse_overlong_text(item, (*at, key), loaded, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_overlong_text(item, (*at, index), loaded, name)


def _looks_like_catalog(data: Any) -> bool:
    return isinstance(data, dict) and "ma" in data and ("chi_tieu" in data or "bang" in data)


def _read_source(source: str | Path, target_dir: Path) -> _Source:
    from .catalog import load_catalog, shipped_catalogs

    name = str(source)
    if name in shipped_catalogs() and not Path(name).is_file():
        catalog = load_catalog(name)
        appendices = _appendix_list([(catalog, name, {})], listed=False)
        return _Source({}, appendices, [Path(catalog.source).read_bytes()], False)
    path = Path(source)
    if not path.exists():
        if path.suffix.lower() not in (".yaml", ".yml", ".json", ".xlsx"):
            load_catalog(name)  # CatalogError: no such catalog, with the closest id as a hint
        raise DataError("không tìm thấy tệp", file=name)
    if path.suffix.lower() == ".xlsx":
        raise DataError(
            "nguồn của sổ nhập là một danh mục chỉ tiêu hoặc một tệp số liệu .yaml/.json, "
            "không phải tệp Excel",
            file=name,
        )
    loaded = load_file(path)
    if _looks_like_catalog(loaded.data):
        catalog = load_catalog(str(path))
        ref = _catalog_reference(str(path), None, target_dir)
        appendices = _appendix_list([(catalog, ref, {})], listed=False)
        return _Source({}, appendices, [path.read_bytes()], False)
    if not isinstance(loaded.data, dict):
        raise DataError("tệp dữ liệu phải là một bảng các trường", file=name, line=1)
    data = loaded.data
    _refuse_deep_sections(data, loaded, name)
    _refuse_overlong_text(data, (), loaded, name)
    inputs = [path.read_bytes()]
    phu_luc = data.get("phu_luc")
    listed = isinstance(phu_luc, list) and bool(phu_luc)
    items: list[tuple[Any, FieldPath]] = (
        [(item, ("phu_luc", index)) for index, item in enumerate(phu_luc)]
        if listed
        else [(phu_luc, ("phu_luc",))]
    )
    if not all(isinstance(i, dict) and i.get("danh_muc") is not None for i, _ in items):
        # no appendix, or one the check will explain: kept in _du_lieu as typed
        return _Source(data, [], inputs, True, loaded=loaded)
    catalogs = []
    for item, at in items:
        danh_muc = str(item["danh_muc"])
        try:
            catalog = load_catalog(danh_muc, path.parent)
        except CatalogError as exc:
            problem = exc.problems[0]
            raise CatalogError(
                f"{format_path((*at, 'danh_muc'))}: {problem.message}",
                file=problem.file or name,
                line=problem.line if problem.file else loaded.line_of((*at, "danh_muc")),
                problems=exc.problems if len(exc.problems) > 1 else None,
            ) from None
        so_lieu = item.get("so_lieu")
        ref = _catalog_reference(danh_muc, path.parent, target_dir)
        catalogs.append((catalog, ref, so_lieu if isinstance(so_lieu, dict) else {}))
        inputs.append(Path(catalog.source).read_bytes())
    return _Source(data, _appendix_list(catalogs, listed), inputs, True, listed, loaded)


# --------------------------------------------------------------------------- writing


def _info_value(data: dict[str, Any], info: InfoField) -> Any:
    """The prefilled value of a "Thông tin" row, from the raw data."""
    head, _, tail = info.key.partition(".")
    if head in SHEET_TOP_FIELDS and not _showable(head, data.get(head)):
        return None  # kept in _du_lieu as typed
    if head == "co_quan_ban_hanh":
        lines = data.get(head)
        if isinstance(lines, str):
            lines = [lines]
        if not isinstance(lines, list):
            return None
        if tail == "1":
            return lines[0] if lines else None
        rest = [str(item) for item in lines[1:] if item is not None]
        return "\n".join(rest) or None
    if head == "chu_ky":
        signature = data.get("chu_ky")
        return signature.get(tail) if isinstance(signature, dict) else None
    if head == "phu_luc":
        return None  # written separately (the catalog reference)
    value = data.get(head)
    if info.kind == "lines":
        if isinstance(value, list):
            return "\n".join(str(item) for item in value if item is not None)
        return value
    if info.kind == "date":
        value = _display_date(value)
        return str(value) if isinstance(value, int) else value
    if info.kind == "yes_no":
        if isinstance(value, bool):
            return YES if value else NO
        return value
    if head == "ky_bao_cao":
        return _display_period(value)
    return value


def _info_rows(source: _Source) -> list[tuple[InfoField, str | None]]:
    """The rows of "Thông tin" with the catalog each catalog row names: one row for a report
    with one appendix (or none), one row per appendix ("phu_luc.2.danh_muc") when listed."""
    rows: list[tuple[InfoField, str | None]] = []
    for info in INFO_FIELDS:
        if info.kind != "catalog":
            rows.append((info, None))
        elif source.listed:
            rows.extend(
                (
                    InfoField(
                        appendix.info_key,
                        f"Mã danh mục chỉ tiêu Phụ lục {la_ma(appendix.number or 1)} (không sửa)",
                        "catalog",
                    ),
                    appendix.ref,
                )
                for appendix in source.appendices
            )
        else:
            rows.append((info, source.appendices[0].ref if source.appendices else None))
    return rows


def _write_info(wb: Workbook, source: _Source) -> None:
    ws = wb.active
    ws.title = INFO_SHEET
    _instruction(ws, INFO_INSTRUCTION, len(INFO_HEADERS))
    _header(ws, INFO_HEADERS)
    yes_no = DataValidation(
        type="list",
        formula1=f'"{YES},{NO}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Dự thảo",
        error=f"Chọn {YES} (dự thảo) hoặc {NO} (văn bản chính thức).",
    )
    authority = DataValidation(
        type="list",
        formula1='"' + ",".join(THAM_QUYEN) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Thẩm quyền ký",
        error="Chọn TM., KT., Q., TL. hoặc TUQ.; để trống khi người đứng đầu ký.",
        showInputMessage=True,
        promptTitle="Thẩm quyền ký",
        prompt="TM. thay mặt tập thể; KT. ký thay; Q. quyền; TL. thừa lệnh; TUQ. thừa ủy quyền.",
    )
    number = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="1",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Số văn bản",
        error="Số văn bản là số nguyên dương (ví dụ 123); để trống khi là dự thảo.",
    )
    date = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle="Ngày ban hành",
        prompt="Ghi dạng 16/3/2021; dự thảo chưa có ngày ghi 12/2024 hoặc /12/2024.",
    )
    for validation in (yes_no, authority, number, date):
        ws.add_data_validation(validation)
    rows = _info_rows(source)
    for offset, (info, catalog_ref) in enumerate(rows):
        row = FIRST_ROW + offset
        label = ws.cell(row, COL_INFO_LABEL, info.label)
        _style(label, locked=True)
        value_cell = ws.cell(row, COL_INFO_VALUE)
        key_cell = ws.cell(row, COL_INFO_KEY, info.key)
        _style(key_cell, locked=True, text=True)
        if info.kind == "catalog":
            _put(value_cell, catalog_ref)
            _style(value_cell, locked=True, text=True)
            continue
        value = _info_value(source.data, info)
        if source.prefilled and value is None:
            value = DATA_DEFAULTS.get(info.key)
        _put(value_cell, value)
        _style(value_cell, locked=False, text=info.kind != "number")
        if info.kind == "yes_no":
            yes_no.add(value_cell)
        elif info.kind == "tham_quyen":
            authority.add(value_cell)
        elif info.kind == "number":
            number.add(value_cell)
        elif info.kind == "date":
            date.add(value_cell)
    ws.column_dimensions["A"].width = _width([f.label for f, _ in rows], 30, 48)
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 22
    ws.column_dimensions["C"].hidden = True
    _fit_rows(ws, FIRST_ROW)
    _page_setup(ws)
    _protect(ws)


_WHOLE = {
    "type": "whole",
    "operator": "greaterThanOrEqual",
    "formula1": "0",
    "errorTitle": "Số liệu không hợp lệ",
}
# What Excel accepts in the Số liệu cell of each kind of figure.
NUMBER_RULES: dict[str, dict[str, str]] = {
    "dem": {
        **_WHOLE,
        "error": "Chỉ tiêu này là số đếm: nhập số nguyên không âm (0, 1, 2…), "
        "không gõ chữ; để trống nếu không báo cáo.",
    },
    "tien": {
        **_WHOLE,
        "error": "Chỉ tiêu này là số tiền: nhập số nguyên không âm (0, 1, 2…), "
        "không gõ chữ; để trống nếu không báo cáo.",
    },
    "phan_tram": {
        "type": "decimal",
        "operator": "between",
        "formula1": "0",
        "formula2": "100",
        "errorTitle": "Tỷ lệ không hợp lệ",
        "error": "Tỷ lệ phần trăm là số từ 0 đến 100 (ví dụ 98,5), không gõ dấu %; để "
        "trống nếu không báo cáo.",
    },
    "so": {
        "type": "decimal",
        "operator": "between",
        "formula1": "-1000000000000000",
        "formula2": "1000000000000000",
        "errorTitle": "Số liệu không hợp lệ",
        "error": "Nhập một số; để trống nếu không báo cáo.",
    },
}


@dataclass
class _Validations:
    """The data validations of one indicator sheet, shared by the cells of each kind."""

    ws: Worksheet
    wb: Workbook
    by_key: dict[Any, DataValidation] = field(default_factory=dict)

    def get(self, key: Any, make: Callable[[], DataValidation]) -> DataValidation:
        if key not in self.by_key:
            self.by_key[key] = make()
            self.ws.add_data_validation(self.by_key[key])
        return self.by_key[key]

    def add(
        self, node: ChiTieu, cell: Cell, van_ban_keys: list[str], kind: str | None = None
    ) -> None:
        kind = kind or node.kind
        if kind in NUMBER_RULES:
            rule = NUMBER_RULES[kind]
            validation = self.get(
                kind,
                lambda: DataValidation(allow_blank=True, showErrorMessage=True, **rule),
            )
        elif kind == "lua_chon" and node.lua_chon:
            options = tuple(choice_text(code, label) for code, label in node.lua_chon.items())
            validation = self.get(options, lambda: self._choice_list(options, node))
        elif kind == "van_ban":
            keys = ", ".join(van_ban_keys)
            prompt = "Ghi khóa văn bản trong van_ban" + (f": {keys}" if keys else "")
            if len(prompt) > 250:
                prompt = prompt[:249] + "…"
            validation = self.get(
                kind,
                lambda: DataValidation(
                    allow_blank=True,
                    showInputMessage=True,
                    promptTitle="Văn bản",
                    prompt=prompt,
                ),
            )
        else:
            return
        # straight into the set: DataValidation.add first compares the cell with every range
        # it holds (quadratic over a sheet of thousands of rows); each cell comes here once
        validation.sqref.ranges.add(CellRange(cell.coordinate))

    def _choice_list(self, options: tuple[str, ...], node: ChiTieu) -> DataValidation:
        inline = '"' + ",".join(options) + '"'
        if any("," in o or '"' in o for o in options) or len(inline) > 255:
            inline = self._options_range(options)
        codes = ", ".join(str(code) for code in (node.lua_chon or {}))
        return DataValidation(
            type="list",
            formula1=inline,
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Lựa chọn không hợp lệ",
            error=f"Chọn một mục trong danh sách (mã {codes}); để trống nếu không báo cáo.",
        )

    def _options_range(self, options: tuple[str, ...]) -> str:
        """Options that cannot be written inline go to a very hidden sheet, one column each."""
        if CHOICES_SHEET in self.wb.sheetnames:
            sheet = self.wb[CHOICES_SHEET]
        else:
            sheet = self.wb.create_sheet(CHOICES_SHEET)
            sheet.sheet_state = "veryHidden"
            _protect(sheet)
        column = (sheet.max_column + 1) if sheet.max_row > 1 or sheet["A1"].value else 1
        for row, option in enumerate(options, start=1):
            _put(sheet.cell(row, column), option)
        letter = get_column_letter(column)
        return f"{quote_sheetname(CHOICES_SHEET)}!${letter}$1:${letter}${len(options)}"


def _entry_parts(entry: Any) -> tuple[Any, Any]:
    """(gia_tri, ghi_chu) of a raw so_lieu entry."""
    if isinstance(entry, dict):
        return entry.get("gia_tri"), entry.get("ghi_chu")
    return entry, None


def _prefill_value(node: ChiTieu, value: Any, kind: str | None = None) -> Any:
    if (kind or node.kind) == "lua_chon" and node.lua_chon and value is not None:
        for code, label in node.lua_chon.items():
            if isinstance(value, int) and not isinstance(value, bool) and value == code:
                return choice_text(code, label)
            if isinstance(value, str) and value.strip().lower() == label.lower():
                return choice_text(code, label)
    return _display_date(value)


def _explain(cell: Cell, entry: Any) -> None:
    """A note on a figure that prints with more than the cell shows (kept in _du_lieu)."""
    if not isinstance(entry, dict):
        return
    parts = []
    if entry.get("noi_dung"):
        parts.append(
            f"Phụ lục in nội dung chữ: {entry['noi_dung']}\n(Gõ số vào ô này thì số được in "
            "thay cho nội dung chữ.)"
        )
    if entry.get("dien_giai"):
        parts.append(f"In kèm sau số liệu: {entry['dien_giai']}")
    if parts:
        text = clean_text("\n".join(parts))[:2000]
        cell.comment = Comment(text, "baocao", width=320, height=140)


def _figure_columns(catalog: Catalog) -> list[list[Cot]]:
    """The figure columns (loai so_lieu) of each table, left to right."""
    spec = catalog.spec
    return [[c for c in spec.columns(t) if c.loai == "so_lieu"] for t in spec.tables]


def _figure_header(column: Cot) -> str:
    """A figure column's label as the workbook's header shows it (a label that is a template
    is named by its ma, so the header never depends on the report's data)."""
    from .catalog import plain_text

    label = plain_text(column.label).replace("\n", " ").strip()
    if "{" in label or not label:
        return f"Số liệu ({column.ma or 'gia_tri'})"
    return label


def table_headers(columns: list[Cot]) -> tuple[str, ...]:
    """STT, Mã, Chỉ tiêu, Đơn vị tính, the figure columns (one: "Số liệu"), Ghi chú."""
    figures = ("Số liệu",) if len(columns) == 1 else tuple(_figure_header(c) for c in columns)
    return (*TABLE_HEADERS[: COL_VALUE - 1], *figures, TABLE_HEADERS[-1])


def _main_value(entry: Any, main: Cot) -> Any:
    """The first figure column's raw value: gia_tri, or the value under its ma."""
    value, _ = _entry_parts(entry)
    if value is None and main.ma and isinstance(entry, dict):
        return entry.get(main.ma)
    return value


def _write_tables(wb: Workbook, source: _Source, appendix: _Appendix) -> None:
    from .catalog import stt_labels

    catalog = appendix.catalog
    names = appendix.sheets
    stt = stt_labels(catalog.spec)
    tables = _table_nodes(catalog)
    columns_of = _figure_columns(catalog)
    so_lieu = appendix.so_lieu
    van_ban = source.data.get("van_ban")
    van_ban_keys = [str(k) for k in van_ban] if isinstance(van_ban, dict) else []
    # where every indicator's figure is, for formulas across sheets
    location: dict[str, tuple[str, int]] = {}
    for name, rows in zip(names, tables, strict=True):
        for offset, (node, _) in enumerate(rows):
            location.setdefault(node.id, (name, FIRST_ROW + offset))

    for name, rows, columns in zip(names, tables, columns_of, strict=True):
        ws = wb.create_sheet(name)
        headers = table_headers(columns)
        col_note = len(headers)
        instruction = TABLE_INSTRUCTION
        if len(columns) > 1:
            instruction = instruction.replace(
                "vào cột Số liệu", "vào các cột " + ", ".join(headers[COL_VALUE - 1 : -1])
            )
        if appendix.number is not None:
            instruction = f"Phụ lục {la_ma(appendix.number)}. {instruction}"
        _instruction(ws, instruction, len(headers))
        _header(ws, headers)
        validations = _Validations(ws, wb)

        def cell_of(node_id: str, sheet: str = name) -> str | None:
            if node_id not in location:
                return None
            where, row = location[node_id]
            ref = f"{get_column_letter(COL_VALUE)}{row}"
            return ref if where == sheet else f"{quote_sheetname(where)}!{ref}"

        for offset, (node, depth) in enumerate(rows):
            row = FIRST_ROW + offset
            bold = node.dam if node.dam is not None else (bool(node.con) or node.kind == "nhom")
            entry = so_lieu.get(node.id)
            _, note = _entry_parts(entry)
            texts = (stt.get(node.id, ""), node.id, node.ten, node.unit_text())
            for column, text in zip((COL_STT, COL_ID, COL_LABEL, COL_UNIT), texts, strict=True):
                cell = ws.cell(row, column)
                _put(cell, text)
                _style(
                    cell,
                    locked=True,
                    bold=bold and column in (COL_STT, COL_LABEL),
                    italic=node.nghieng and column == COL_LABEL,
                    indent=depth if column == COL_LABEL else 0,
                    horizontal="center" if column in (COL_STT, COL_ID) else None,
                    text=True,
                )
            formula = catalog.formulas.get(node.id)
            for index, figure_column in enumerate(columns):
                value_cell = ws.cell(row, COL_VALUE + index)
                if index == 0 and formula is not None:
                    children = [cell_of(child.id) for child in node.con]
                    excel = formula.to_excel(
                        cell_of, lambda children=children: [c for c in children if c]
                    )
                    value_cell.value = f"={excel}" if excel else None
                    _style(value_cell, locked=True, bold=bold, horizontal="right")
                    if excel and "/" in excel:
                        value_cell.number_format = "0.00"
                    continue
                kind = figure_column.kieu or node.kind
                if index == 0:
                    value = _main_value(entry, figure_column)
                else:
                    value = entry.get(figure_column.ma) if isinstance(entry, dict) else None
                _put(value_cell, _prefill_value(node, value, kind))
                text_kind = kind in ("chu", "van_ban", "lua_chon") or isinstance(value, str)
                _style(
                    value_cell,
                    locked=False,
                    bold=bold,
                    horizontal=None if text_kind else "right",
                    text=kind in ("chu", "van_ban"),
                )
                validations.add(node, value_cell, van_ban_keys, kind)
                if index == 0:
                    _explain(value_cell, entry)
            note_cell = ws.cell(row, col_note)
            _put(note_cell, note)
            _style(note_cell, locked=False, text=True)

        options = [
            choice_text(code, label)
            for node, _ in rows
            for code, label in (node.lua_chon or {}).items()
        ]
        widths = {
            "A": _width([stt.get(n.id, "") for n, _ in rows], 6, 12),
            "B": _width([n.id for n, _ in rows], 6, 14),
            "C": _width([n.ten for n, _ in rows], 30, 70),
            "D": _width([n.unit_text() for n, _ in rows], 12, 24),
        }
        for index in range(len(columns)):
            texts = options if index == 0 or len(columns) == 1 else []
            if len(columns) > 1:
                texts = [*texts, headers[COL_VALUE - 1 + index]]
            widths[get_column_letter(COL_VALUE + index)] = _width(
                texts, 16 if len(columns) == 1 else 12, 34
            )
        widths[get_column_letter(col_note)] = 32
        for letter, width in widths.items():
            ws.column_dimensions[letter].width = width
        _fit_rows(ws, FIRST_ROW)
        _page_setup(ws)
        _protect(ws)


def _rest_of_report(source: _Source) -> dict[str, Any]:
    """Everything in the data that the visible sheets do not show (goes to _du_lieu)."""
    if not source.prefilled:
        return {"noi_dung": []}
    rest = {
        k: copy.deepcopy(v)
        for k, v in source.data.items()
        if k not in SHEET_TOP_FIELDS or not _showable(k, v)  # kept as typed
    }
    signature = rest.pop("chu_ky", None)
    if isinstance(signature, dict):
        extra = {k: v for k, v in signature.items() if k not in SIGNATURE_FIELDS}
        if extra:
            rest["chu_ky"] = extra
    elif signature is not None:
        rest["chu_ky"] = signature
    phu_luc = rest.pop("phu_luc", None)
    if not source.appendices:
        if phu_luc is not None:
            rest["phu_luc"] = phu_luc
        return rest
    items = phu_luc if source.listed else [phu_luc]
    left = [_rest_of_appendix(item, a) for item, a in zip(items, source.appendices, strict=True)]
    if source.listed:
        if any(left):
            rest["phu_luc"] = left  # by position; the workbook names each one's catalog
    elif left[0]:
        rest["phu_luc"] = left[0]
    return rest


def _rest_of_appendix(phu_luc: dict[str, Any], appendix: _Appendix) -> dict[str, Any]:
    """What of one appendix the indicator sheets do not show (kem_theo, dien_giai, noi_dung,
    typed stt, unknown ids…)."""
    phu_luc = dict(phu_luc)
    phu_luc.pop("danh_muc", None)
    so_lieu = phu_luc.pop("so_lieu", None)
    catalog = appendix.catalog
    kept: dict[str, Any] = {}
    if isinstance(so_lieu, dict):
        columns_of = _figure_columns(catalog)
        for key, entry in so_lieu.items():
            key = str(key)
            if key not in catalog.nodes:
                kept[key] = entry  # an unknown id: kept so the check still names it
                continue
            main, *others = columns_of[catalog.table_of.get(key, 0)]
            shown = {"ghi_chu", *(c.ma for c in others)}
            if key in catalog.formulas:
                if isinstance(entry, dict):
                    entry = {k: v for k, v in entry.items() if k not in shown}
                    if entry:
                        kept[key] = entry
                elif entry is not None:
                    kept[key] = {"gia_tri": entry}
            elif isinstance(entry, dict):
                shown |= {"gia_tri", main.ma}
                extra = {k: v for k, v in entry.items() if k not in shown}
                if "noi_dung" in extra:
                    # the figure the text answer went with, to tell later whether it changed
                    extra = {"gia_tri": _main_value(entry, main), **extra}
                if extra:
                    kept[key] = extra
    elif so_lieu is not None:
        kept = so_lieu  # not a mapping: kept as typed, the check explains it
    if kept:
        phu_luc["so_lieu"] = kept
    return phu_luc


def _write_rest(wb: Workbook, source: _Source, workbook: str) -> None:
    ws = wb.create_sheet(DATA_SHEET)
    text = yaml.safe_dump(
        _rest_of_report(source),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )
    _put(ws.cell(1, 1), DATA_HEADER)
    # cut at "\n" only: splitlines() would cut at a U+2028 inside a text, and the rows are
    # joined again with "\n", so the text would come back with a space there
    for row, line in enumerate(text.split("\n"), start=2):
        if len(line) > EXCEL_TEXT_LIMIT:  # escapes can lengthen a text that fits: never cut it
            raise _overlong_hidden_line(source, text, row, workbook)
        if line:
            _put(ws.cell(row, 1), line)
    ws.column_dimensions["A"].width = 120
    ws.sheet_state = "veryHidden"
    _protect(ws)


def _overlong_hidden_line(source: _Source, text: str, row: int, workbook: str) -> DataError:
    """The error for a line of the hidden sheet over Excel's cell limit: the field it holds
    (file, line, path) and the cell it would have gone to."""
    line_number = row - 1  # the header takes row 1
    length = len(text.split("\n")[line_number - 1])
    cell = f"{workbook}!{DATA_SHEET}!A{row}"
    message = (
        f"văn bản này thành một dòng dài {so(length)} ký tự ở ô {cell} (phần dữ liệu ẩn của sổ "
        f"nhập), quá giới hạn {so(EXCEL_TEXT_LIMIT)} ký tự của một ô Excel: không làm được sổ "
        "nhập; hãy chia thành nhiều đoạn ngắn hơn"
    )
    dumped = parse_yaml(text, DATA_SHEET).lines
    paths = [path for path, line in dumped.items() if line == line_number]
    if source.loaded is None or not paths:
        return DataError(message, file=cell)
    path = max(paths, key=len)
    return DataError(
        message,
        file=source.loaded.name,
        line=source.loaded.line_of(path),
        path=format_path(path) or None,
    )


def _build(source: _Source, workbook: str) -> bytes:
    wb = Workbook()
    default_font(wb)
    _write_info(wb, source)
    for appendix in source.appendices:
        _write_tables(wb, source, appendix)
    _write_rest(wb, source, workbook)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    return workbook_bytes(wb, "Sổ nhập số liệu báo cáo")


def write_entry_workbook(source: str | Path, output: str | Path, force: bool = False) -> Path:
    """Write the data-entry workbook made from ``source`` (a catalog id or file, or a data
    file whose header and figures prefill it) to ``output``, atomically.

    A workbook filled in (or otherwise changed) since baocao wrote it is kept (OutputError)
    unless ``force``; then the old one is kept as NAME.bak.xlsx."""
    from . import __version__
    from .output import atomic_write, fingerprint_of, guard_overwrite, stamp

    target = Path(output)
    if target.suffix.lower() != ".xlsx":
        raise OutputError("sổ nhập số liệu phải là tệp .xlsx", file=str(target))
    read = _read_source(source, target.parent)
    data = stamp(_build(read, target.name), fingerprint_of(__version__.encode(), *read.inputs))
    guard_overwrite(target, force)
    atomic_write(target, data)
    return target


# --------------------------------------------------------------------------- reading


@dataclass
class _Figure:
    node: ChiTieu
    value: Any
    note: str | None
    value_cell: str
    note_cell: str
    main_ma: str | None = None  # the first figure column's ma (its value is gia_tri)
    extras: dict[str, tuple[Any, str]] = field(default_factory=dict)  # ma → (value, cell)


@dataclass
class _FilledAppendix:
    """One appendix of a filled workbook: its catalog and figures."""

    ref: str
    catalog: Catalog
    figures: dict[str, _Figure]
    cell: str  # its catalog's row on "Thông tin"
    number: int | None  # as in _Appendix

    def path(self, *rest: str | int) -> FieldPath:
        head: FieldPath = ("phu_luc",) if self.number is None else ("phu_luc", self.number - 1)
        return (*head, *rest)


@dataclass
class _Filled:
    """What a filled workbook holds, cell by cell."""

    name: str
    info: dict[str, tuple[Any, str]]  # field key → (value read, "Thông tin!B7")
    appendices: list[_FilledAppendix]
    listed: bool
    rest: dict[str, Any]
    rest_cells: dict[FieldPath, str]


def _text(value: Any) -> str | None:
    """Text typed in a cell (NFC, stripped, Excel's line breaks); None when empty."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return str(_display_date(value))
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else so(value)
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("_x000D_", "").strip()
    return text or None


def _figure_value(node: ChiTieu, value: Any, kind: str | None = None) -> Any:
    """A Số liệu cell as the data file would hold it: numbers stay numbers, a coded option
    typed as "Phát phiếu = 1" or "Phát phiếu" becomes its code, other text passes through."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return excel_number(value)
    if isinstance(value, dt.time):  # "1:30" typed in a cell: Excel made it a time of day
        return f"{value.hour}:{value.minute:02d}"
    text = _text(value)
    if text is None:
        return None
    if (kind or node.kind) == "lua_chon" and node.lua_chon:
        options = node.lua_chon
        label, equals, tail = text.rpartition("=")
        typed = _CHOICE_CODE.fullmatch(tail) if equals else None
        if typed:
            label, code = label.strip().lower(), int(typed.group(1))
            if code in options and (not label or options[code].lower() == label):
                return code
            return text
        for code, label in options.items():
            if text.lower() == label.lower():
                return code
    return text


def _info_read(info: InfoField, value: Any) -> Any:
    """A "Thông tin" cell as the data file would hold it (None when empty)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if info.kind == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return excel_number(value)
        text = _text(value)
        return int(text) if text is not None and text.isdigit() else text
    if info.kind == "date":
        if isinstance(value, dt.datetime | dt.date):
            return _display_date(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return excel_number(value)
        return _text(value)
    if info.kind == "yes_no":
        if isinstance(value, bool):
            return value
        text = _text(value)
        if text is not None and text.lower() in (YES.lower(), NO.lower()):
            return text.lower() == YES.lower()
        return text
    if info.kind == "lines":
        text = _text(value)
        return [line.strip() for line in (text or "").split("\n") if line.strip()] or None
    return _text(value)


# Bounds checked on the zip before openpyxl reads a byte (it holds every cell in memory): a
# sổ nhập has a few hundred rows, and these allow a hundred times more.
MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_WORKBOOK_UNPACKED = 100 * 1024 * 1024
MAX_WORKBOOK_ROWS = 20_000
MAX_WORKBOOK_CELLS = 300_000
_NOT_EXCEL = (
    "không phải tệp Excel (.xlsx) đọc được; hãy dùng sổ nhập tạo bằng `baocao mau-nhap` và lưu "
    "lại dạng Excel Workbook (.xlsx)"
)
_NOT_A_NUMBER = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)?<v>(nan|-?inf[a-z]*)</v>', re.I
)
# A cell with a formula: its attributes, the formula's attributes and text (none in a cell
# sharing another's formula), and its saved result (none, or empty, when never calculated)
_FORMULA_CELL = re.compile(
    rb"<c\b([^>]*)>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)\s*(<v>([^<]*)</v>|<v\s*/>)?"
)
_ATTRIBUTE = re.compile(rb'\b(r|t|si)="([^"]*)"')


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part ("xl/worksheets/sheet2.xml") → the sheet's name, for messages."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    # attributes in any order (openpyxl writes Target before Id)
    targets = {}
    for element in re.findall(r"<Relationship\b[^>]*>", rels):
        found = dict(re.findall(r'\b(Id|Target)="([^"]*)"', element))
        if "Id" in found and "Target" in found:
            targets[found["Id"]] = found["Target"]
    names = {}
    for element in re.findall(r"<sheet\b[^>]*>", book):
        found = dict(re.findall(r'(?<![\w:])(name|r:id)="([^"]*)"', element))
        if "name" not in found or "r:id" not in found:
            continue
        target = targets.get(found["r:id"], "").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        names[part] = html.unescape(found["name"])
    return names


def _inspect_workbook(raw: bytes, name: str) -> dict[tuple[str, str], str]:
    """Check a workbook's size before loading it (rows, cells, unpacked bytes, NaN numbers),
    in one pass over its sheets that also collects the formulas never calculated (a file not
    saved by a spreadsheet program): (sheet, cell) → "=SUM(E5:E9)". openpyxl then loads the
    values only, once."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(_NOT_EXCEL, file=name) from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > 1000 or unpacked > MAX_WORKBOOK_UNPACKED:
        raise DataError(
            f"tệp Excel giải nén ra quá lớn ({unpacked // (1024 * 1024)} MB; giới hạn "
            f"{MAX_WORKBOOK_UNPACKED // (1024 * 1024)} MB); sổ nhập chỉ cần vài trăm hàng",
            file=name,
        )
    sheet_names = _sheet_names(archive)
    formulas: dict[tuple[str, str], str] = {}
    cells = 0
    try:
        for part in parts:
            if not (part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml")):
                continue
            sheet = sheet_names.get(part.filename, part.filename)
            shared: dict[bytes, tuple[str, str]] = {}  # si → the formula and its own cell
            rows = 0
            pending = b""
            with archive.open(part) as stream:
                while True:
                    chunk = stream.read(1 << 20)
                    data = pending + chunk
                    # the last cell may go on in the next chunk: keep it for then
                    cut = data.rfind(b"<c", 1) if chunk else -1
                    block, pending = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
                    rows += block.count(b"<row")
                    cells += block.count(b"<c ") + block.count(b"<c>")
                    bad = _NOT_A_NUMBER.search(block)
                    if bad:
                        raise DataError(
                            f"ô chứa giá trị {bad.group(2).decode()} không phải là số; hãy gõ lại "
                            "số liệu ở ô này",
                            file=f"{name}!{sheet}!{bad.group(1).decode()}",
                        )
                    if rows > MAX_WORKBOOK_ROWS or cells > MAX_WORKBOOK_CELLS:
                        raise DataError(
                            f"tệp Excel có quá nhiều hàng hoặc ô (giới hạn {MAX_WORKBOOK_ROWS} "
                            f"hàng mỗi trang, {MAX_WORKBOOK_CELLS} ô); sổ nhập chỉ cần vài trăm "
                            "hàng",
                            file=f"{name}!{sheet}",
                        )
                    _uncalculated(block, sheet, shared, formulas)
                    if not chunk:
                        break
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise DataError(_NOT_EXCEL, file=name) from None
    return formulas


def _uncalculated(
    block: bytes,
    sheet: str,
    shared: dict[bytes, tuple[str, str]],
    formulas: dict[tuple[str, str], str],
) -> None:
    """Add the formulas of ``block`` (whole cells of ``sheet``) that have no saved result."""
    for match in _FORMULA_CELL.finditer(block):
        cell = dict(_ATTRIBUTE.findall(match.group(1)))
        formula = dict(_ATTRIBUTE.findall(match.group(2)))
        if b"r" not in cell:
            continue
        where = cell[b"r"].decode("ascii", "replace")
        text = html.unescape(match.group(3).decode("utf-8", "replace")) if match.group(3) else ""
        if formula.get(b"t") == b"shared" and b"si" in formula:
            if text:
                shared[formula[b"si"]] = (text, where)
            elif formula[b"si"] in shared:
                text = _shift(*shared[formula[b"si"]], where)
        saved = match.group(5)
        # an empty saved text (t="str") is a result: a formula giving ""
        if saved or (match.group(4) is not None and cell.get(b"t") == b"str") or not text:
            continue
        formulas[(sheet, where)] = "=" + text


def _shift(formula: str, origin: str, target: str) -> str:
    """A shared formula as the cell ``target`` reads it (Excel's relative references moved)."""
    from openpyxl.formula.translate import Translator

    try:
        return Translator("=" + formula, origin).translate_formula(target)[1:]
    except Exception:  # a formula openpyxl cannot parse: shown as written
        return formula


def _open(path: Path, name: str) -> tuple[Any, dict[tuple[str, str], str]]:
    """The workbook's typed values (cached results of formulas), loaded once, and the text of
    the formulas never calculated (a file not saved by Excel), by (sheet, cell)."""
    raw = read_bytes(path, name, MAX_WORKBOOK_BYTES)
    formulas = _inspect_workbook(raw, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = load_workbook(io.BytesIO(raw), data_only=True)
    except Exception:
        raise DataError(_NOT_EXCEL, file=name) from None
    return values, formulas


def _cell_value(
    values: Any, formulas: dict[tuple[str, str], str], sheet: str, row: int, column: int
) -> Any:
    """The cell's value; a formula never calculated (file not saved by Excel) as its text."""
    value = values[sheet].cell(row, column).value
    if value is None and formulas:
        return formulas.get((sheet, f"{get_column_letter(column)}{row}"))
    return value


def _layout_error(name: str, sheet: str, message: str) -> DataError:
    return DataError(
        f"{message}; sổ nhập đã bị sửa cấu trúc. Hãy chép số liệu sang sổ nhập mới tạo bằng "
        "`baocao mau-nhap` (không thêm, xóa hay đổi tên trang, hàng, cột)",
        file=f"{name}!{sheet}",
    )


def _check_header(ws: Any, name: str, sheet: str, expected: tuple[str, ...]) -> None:
    found = tuple(_text(ws.cell(HEADER_ROW, c).value) or "" for c in range(1, len(expected) + 1))
    if found != expected:
        raise _layout_error(
            name,
            sheet,
            f"hàng {HEADER_ROW} phải là tiêu đề cột {', '.join(expected)}, đang là "
            f"{', '.join(t or '(trống)' for t in found)}",
        )


_LISTED_CATALOG = re.compile(r"^phu_luc\.([1-9]\d?)\.danh_muc$")


def _info_field(key: str | None) -> InfoField | None:
    """The field of a "Thông tin" row by its key; "phu_luc.2.danh_muc" is a listed appendix."""
    if key is None:
        return None
    if key in INFO_KEYS:
        return INFO_KEYS[key]
    return InfoField(key, key, "catalog") if _LISTED_CATALOG.match(key) else None


def _read_info(values: Any, formulas: Any, name: str) -> dict[str, tuple[Any, str]]:
    if INFO_SHEET not in values.sheetnames:
        raise DataError(
            f"không phải sổ nhập số liệu của baocao: thiếu trang '{INFO_SHEET}' (các trang: "
            f"{', '.join(values.sheetnames)}); tạo sổ nhập bằng `baocao mau-nhap`",
            file=name,
        )
    ws = values[INFO_SHEET]
    _check_header(ws, name, INFO_SHEET, INFO_HEADERS)
    found: dict[str, tuple[Any, str]] = {}
    for row in range(FIRST_ROW, ws.max_row + 1):
        key = _text(ws.cell(row, COL_INFO_KEY).value)
        info = _info_field(key)
        if info is None or info.key in found:
            continue
        raw = _cell_value(values, formulas, INFO_SHEET, row, COL_INFO_VALUE)
        cell = f"{INFO_SHEET}!{get_column_letter(COL_INFO_VALUE)}{row}"
        value = _text(raw) if info.kind == "catalog" else _info_read(info, raw)
        found[info.key] = (value, cell)
    listed = any(_LISTED_CATALOG.match(key) for key in found)
    missing = [
        f.label for f in INFO_FIELDS if f.key not in found and not (f.kind == "catalog" and listed)
    ]
    if missing:
        raise _layout_error(name, INFO_SHEET, f"thiếu dòng {', '.join(missing)}")
    return found


def _figure_cell(
    values: Any, formulas: Any, sheet: str, row: int, column: int, node: ChiTieu, kind: str | None
) -> Any:
    raw = _cell_value(values, formulas, sheet, row, column)
    if (
        isinstance(raw, int | float)
        and not isinstance(raw, bool)
        and "%" in values[sheet].cell(row, column).number_format
    ):
        raw = round(raw * 100, 9)  # Excel stores "98%" typed as 0.98 with a % format
    return _figure_value(node, raw, kind)


def _read_figures(
    values: Any, formulas: Any, name: str, catalog: Catalog, names: list[str]
) -> dict[str, _Figure]:
    figures: dict[str, _Figure] = {}
    for sheet, rows, columns in zip(
        names, _table_nodes(catalog), _figure_columns(catalog), strict=True
    ):
        if sheet not in values.sheetnames:
            raise DataError(
                f"thiếu trang '{sheet}' của danh mục '{catalog.spec.ma}' (các trang: "
                f"{', '.join(values.sheetnames)})",
                file=name,
            )
        ws = values[sheet]
        headers = table_headers(columns)
        col_note = len(headers)
        _check_header(ws, name, sheet, headers)
        wanted = {node.id: node for node, _ in rows}
        for row in range(FIRST_ROW, ws.max_row + 1):
            node_id = _text(ws.cell(row, COL_ID).value)
            if node_id is None:
                continue
            if node_id not in wanted:
                raise _layout_error(
                    name,
                    sheet,
                    f"ô {get_column_letter(COL_ID)}{row} có mã '{node_id}' không "
                    f"thuộc bảng này của danh mục '{catalog.spec.ma}'",
                )
            if node_id in figures:
                continue
            node = wanted[node_id]

            def read(
                column: int, kind: str | None, row: int = row, node: ChiTieu = node, sheet=sheet
            ) -> Any:
                return _figure_cell(values, formulas, sheet, row, column, node, kind)

            main, *others = columns
            note = _text(_cell_value(values, formulas, sheet, row, col_note))
            figures[node_id] = _Figure(
                node,
                None if node_id in catalog.formulas else read(COL_VALUE, main.kieu),
                note,
                f"{sheet}!{get_column_letter(COL_VALUE)}{row}",
                f"{sheet}!{get_column_letter(col_note)}{row}",
                main.ma,
                {
                    str(column.ma): (
                        read(COL_VALUE + index, column.kieu),
                        f"{sheet}!{get_column_letter(COL_VALUE + index)}{row}",
                    )
                    for index, column in enumerate(others, start=1)
                },
            )
        missing = [node_id for node_id in wanted if node_id not in figures]
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            raise _layout_error(name, sheet, f"thiếu hàng của chỉ tiêu {shown}")
    return figures


def _read_rest(values: Any, name: str) -> tuple[dict[str, Any], dict[FieldPath, str]]:
    if DATA_SHEET not in values.sheetnames:
        raise DataError(
            f"thiếu trang ẩn '{DATA_SHEET}' (nội dung báo cáo); hãy tạo lại sổ nhập bằng "
            "`baocao mau-nhap`",
            file=name,
        )
    ws = values[DATA_SHEET]
    lines = [
        "" if ws.cell(row, 1).value is None else str(ws.cell(row, 1).value)
        for row in range(1, ws.max_row + 1)
    ]
    try:
        parsed = parse_yaml("\n".join(lines) + "\n", f"{name}!{DATA_SHEET}")
    except DataError as exc:
        line = exc.problems[0].line  # the text's line N is the sheet's row N
        raise DataError(
            f"trang ẩn '{DATA_SHEET}' bị hỏng ({exc.problems[0].message})",
            file=f"{name}!{DATA_SHEET}" + (f"!A{line}" if line else ""),
        ) from None
    data = parsed.data if parsed.data is not None else {}
    if not isinstance(data, dict):
        raise DataError(f"trang ẩn '{DATA_SHEET}' bị hỏng", file=f"{name}!{DATA_SHEET}")
    cells = {path: f"{DATA_SHEET}!A{line}" for path, line in parsed.lines.items() if path}
    return data, cells


def _read_workbook(path: Path) -> _Filled:
    from .catalog import load_catalog

    name = str(path)
    values, formulas = _open(path, name)
    info = _read_info(values, formulas, name)
    numbers = sorted(int(m.group(1)) for k in info if (m := _LISTED_CATALOG.match(k)))
    listed = bool(numbers)
    if listed and numbers != list(range(1, len(numbers) + 1)):
        raise _layout_error(name, INFO_SHEET, "các dòng mã danh mục phụ lục không liền số")
    keys = [(f"phu_luc.{n}.danh_muc", n) for n in numbers] or [("phu_luc.danh_muc", None)]
    appendices = []
    taken: set[str] = set()
    for key, number in keys:
        ref, cell = info[key]
        if not ref:
            if listed:
                raise DataError(
                    f"thiếu mã danh mục chỉ tiêu của Phụ lục {la_ma(number or 1)}; hãy tạo lại "
                    "sổ nhập bằng `baocao mau-nhap`",
                    file=f"{name}!{cell}",
                )
            continue  # a workbook without an appendix
        try:
            catalog = load_catalog(str(ref), path.parent)
        except CatalogError as exc:
            raise DataError(
                f"danh mục chỉ tiêu của sổ nhập: {exc.problems[0].message}",
                file=f"{name}!{cell}",
            ) from None
        sheets = appendix_sheet_names(catalog, number, taken)
        taken.update(sheet.lower() for sheet in sheets)
        figures = _read_figures(values, formulas, name, catalog, sheets)
        appendices.append(_FilledAppendix(str(ref), catalog, figures, cell, number))
    rest, rest_cells = _read_rest(values, name)
    return _Filled(name, info, appendices, listed, rest, rest_cells)


# --------------------------------------------------------------------------- into plain data


def _merge_entry(base: Any, figure: _Figure, formula: bool) -> Any:
    """The so_lieu entry once the workbook's figure and note replace the base's.

    The workbook wins: an empty cell means "không báo cáo" and clears the base's figure or
    note. A formula row takes only its note (Excel computes its figure). A text answer
    (noi_dung) gives way to a figure typed over it; dien_giai and stt always stay."""
    entry = dict(base) if isinstance(base, dict) else {"gia_tri": base}
    if base is None:
        entry = {}
    if not formula and figure.main_ma and figure.main_ma in entry:
        # the first column's figure written under its ma: the cell's value is its gia_tri
        main = entry.pop(figure.main_ma)
        entry["gia_tri"] = main if entry.get("gia_tri") is None else entry["gia_tri"]
    original = entry.get("gia_tri")
    for ma, (value, _cell) in figure.extras.items():
        entry.pop(ma, None)
        if value is not None:
            entry[ma] = value
    if not formula:
        if (
            "noi_dung" in entry
            and figure.value is not None
            and (figure.value != original or type(figure.value) is not type(original))
        ):
            del entry["noi_dung"]  # a figure typed over a text answer: the figure is printed
        entry["gia_tri"] = figure.value
    entry.pop("ghi_chu", None)
    if figure.note is not None:
        entry["ghi_chu"] = figure.note
    if set(entry) <= {"gia_tri"}:
        return entry.get("gia_tri")
    if formula and "gia_tri" not in entry:
        return entry  # a formula row's other columns: no figure of its own to write
    return {"gia_tri": entry.pop("gia_tri", None), **entry}


def _entry_value(entry: Any, key: str) -> Any:
    if isinstance(entry, dict):
        return entry.get(key)
    return entry if key == "gia_tri" else None


def _apply_figures(
    filled: _Filled,
    appendix: _FilledAppendix,
    so_lieu: dict[str, Any],
    record: Callable,
    notes: list[Problem],
    cleared: Callable[[str, _Figure, str, Any, str], None] | None = None,
) -> None:
    """The workbook's figure and Ghi chú cells into ``so_lieu``; ``cleared`` hears of every
    figure or note of ``so_lieu`` an empty cell took away. A figure typed in a group row
    (unlocked by hand) is not part of the form: left out, with a warning in ``notes``."""
    catalog = appendix.catalog
    for node_id, figure in appendix.figures.items():
        if figure.node.kind == "nhom" and figure.value is not None:
            notes.append(
                Problem(
                    f"{node_id} {figure.node.ten} là hàng nhóm, không có số liệu trong biểu "
                    f'mẫu: "{figure.value}" gõ ở ô này bị bỏ qua (ghi số liệu vào các chỉ '
                    "tiêu con của nhóm)",
                    file=f"{filled.name}!{figure.value_cell}",
                    path=format_path(appendix.path("so_lieu", node_id)),
                    severity=Severity.WARNING,
                )
            )
            figure = replace(figure, value=None)
        formula = node_id in catalog.formulas
        present = node_id in so_lieu
        base = so_lieu.get(node_id)
        entry = _merge_entry(base, figure, formula)
        path = appendix.path("so_lieu", node_id)
        if entry is None and not present and (figure.node.kind == "nhom" or formula):
            continue  # nothing to say about a group or formula row
        if cleared is not None:
            old_value = _entry_value(base, "gia_tri")
            if old_value is None and figure.main_ma:
                old_value = _entry_value(base, figure.main_ma)
            if not formula and figure.value is None and old_value is not None:
                cleared(node_id, figure, "gia_tri", old_value, figure.value_cell)
            if figure.note is None and _entry_value(base, "ghi_chu") is not None:
                cleared(node_id, figure, "ghi_chu", _entry_value(base, "ghi_chu"), figure.note_cell)
            for ma, (value, cell) in figure.extras.items():
                if value is None and _entry_value(base, ma) is not None:
                    cleared(node_id, figure, ma, _entry_value(base, ma), cell)
        so_lieu[node_id] = entry
        if not formula:
            record(path, figure.value_cell)
            record((*path, "gia_tri"), figure.value_cell)
            if figure.main_ma:
                record((*path, figure.main_ma), figure.value_cell)
        record((*path, "ghi_chu"), figure.note_cell)
        for ma, (_value, cell) in figure.extras.items():
            record((*path, ma), cell)


def _apply_info(filled: _Filled, data: dict[str, Any], record: Callable, only_filled: bool) -> None:
    """Header fields from "Thông tin" into ``data``; empty cells are left out (or, when
    merging over a data file, leave its value alone)."""
    info = filled.info
    lines = [(info[f"co_quan_ban_hanh.{n}"]) for n in (1, 2)]
    texts = [line for value, _ in lines if value for line in value.split("\n") if line.strip()]
    if texts or not only_filled:
        if texts:
            data["co_quan_ban_hanh"] = texts
        # an empty cell does not take the place of a value kept in _du_lieu
        record(("co_quan_ban_hanh",), lines[0][1], weak=not texts)
        for index in range(len(texts)):
            record(("co_quan_ban_hanh", index), lines[min(index, 1)][1])
    if not only_filled and "chu_ky" not in data:
        data["chu_ky"] = {}  # so a missing signer is named by its own cell
    for field_info in INFO_FIELDS:
        head, _, tail = field_info.key.partition(".")
        if head in ("co_quan_ban_hanh", "phu_luc"):
            continue
        value, cell = info[field_info.key]
        if value is None and only_filled:
            continue
        path: FieldPath = ("chu_ky", tail) if head == "chu_ky" else (head,)
        record(path, cell, weak=value is None)
        if head == "chu_ky":
            record(("chu_ky",), cell, weak=True)
        if value is None:
            continue  # left out: the default applies, or "thiếu trường" names this cell
        if head == "chu_ky":
            if not isinstance(data.get("chu_ky"), dict):
                data["chu_ky"] = {}
            data["chu_ky"][tail] = value
        else:
            data[head] = value
        if isinstance(value, list):
            for index in range(len(value)):
                record((*path, index), cell)


def _fill_appendix(base: Any, appendix: _FilledAppendix, record: Callable) -> dict[str, Any]:
    """One appendix of the plain data: what _du_lieu kept of it, its catalog and figures."""
    phu_luc = base if isinstance(base, dict) else {}
    so_lieu = phu_luc.get("so_lieu")
    if not isinstance(so_lieu, dict):
        so_lieu = {}
    result = {**phu_luc, "danh_muc": appendix.ref, "so_lieu": so_lieu}
    record(appendix.path("danh_muc"), appendix.cell)
    record(appendix.path(), appendix.cell, weak=True)
    return result


def _visible_place(data: Any, path: FieldPath) -> str:
    """Where a field kept on the hidden sheet shows in the report: "mục Công tác chỉ đạo ›
    Kế hoạch, đoạn 2", "văn bản trích dẫn kh11"."""
    if len(path) >= 2 and path[0] == "van_ban":
        return f"văn bản trích dẫn {path[1]}, phần không nhập trong sổ"
    if not path or path[0] != "noi_dung":
        return f"trường {format_path(path)}, phần không nhập trong sổ"
    titles, node, where = [], data.get("noi_dung"), ""
    rest = list(path[1:])
    while rest:
        step = rest.pop(0)
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
            if isinstance(node, dict) and where in ("", "muc"):
                titles.append(str(node.get("tieu_de") or f"mục {step + 1}"))
            elif where == "doan":
                return (
                    f"mục {' › '.join(titles)}, đoạn {step + 1}" if titles else f"đoạn {step + 1}"
                )
        elif isinstance(step, str) and isinstance(node, dict):
            where, node = step, node.get(step)
        else:
            break
    return f"mục {' › '.join(titles)}" if titles else "phần nội dung"


def load_workbook_data(path: Path) -> LoadedFile:
    """A filled data-entry workbook as the plain data a YAML data file gives; every field
    taken from a cell is recorded in ``cells`` ("Chỉ tiêu!E14") so problems name the cell."""
    path = Path(path)
    filled = _read_workbook(path)
    data: dict[str, Any] = copy.deepcopy(filled.rest)
    loaded = LoadedFile(name=filled.name, data=data)
    # the hidden sheet is not what the clerk sees: name the section and paragraph instead
    loaded.cells.update(
        {p: f"{filled.name} ({_visible_place(filled.rest, p)})" for p in filled.rest_cells}
    )

    def record(field_path: FieldPath, cell: str, weak: bool = False) -> None:
        if not weak or field_path not in loaded.cells:
            loaded.cells[field_path] = f"{filled.name}!{cell}"

    _apply_info(filled, data, record, only_filled=False)
    if filled.appendices:
        kept = data.get("phu_luc")
        if filled.listed:
            kept = kept if isinstance(kept, list) else []
            record(("phu_luc",), filled.appendices[0].cell)  # not _du_lieu's line
        items = []
        for index, appendix in enumerate(filled.appendices):
            base = (kept[index] if index < len(kept) else None) if filled.listed else kept
            item = _fill_appendix(base, appendix, record)
            _apply_figures(filled, appendix, item["so_lieu"], record, loaded.notes)
            items.append(item)
        data["phu_luc"] = items if filled.listed else items[0]
    drop_bidi_controls(loaded)
    return loaded


def _same_catalog(
    workbook_ref: str, workbook_dir: Path, data_ref: str, data_dir: Path | None
) -> bool:
    if workbook_ref == data_ref:
        return True
    left = _shipped_or_path(workbook_ref, workbook_dir)
    right = _shipped_or_path(data_ref, data_dir)
    return left is not None and left == right


def merge_figures(loaded: LoadedFile, workbook: Path) -> None:
    """Put a workbook's figures (every figure column, Ghi chú) and the header fields it fills
    in over a loaded data file (``--so-lieu nhap.xlsx``); problems with a merged field name
    the workbook's cell. Header fields: only filled cells count. Figures and notes: the
    workbook wins, an empty cell clears the data file's value (each one listed in
    ``loaded.cleared``)."""
    workbook = Path(workbook)
    filled = _read_workbook(workbook)
    data = loaded.data
    if not isinstance(data, dict):
        raise DataError("tệp dữ liệu phải là một bảng các trường", file=loaded.name, line=1)

    def record(field_path: FieldPath, cell: str, weak: bool = False) -> None:
        if weak and field_path in loaded.cells:
            return
        loaded.cells[field_path] = f"{filled.name}!{cell}"

    _apply_info(filled, data, record, only_filled=True)
    if not filled.appendices:
        return
    data_dir = Path(loaded.name).parent
    data_name = Path(loaded.name).name
    phu_luc = data.get("phu_luc")
    remake = f"Hãy tạo sổ nhập từ chính tệp số liệu: baocao mau-nhap {data_name} -o {workbook.name}"
    if phu_luc is None:
        items: list[Any] = [{} for _ in filled.appendices]
        data["phu_luc"] = items if filled.listed else items[0]
    elif filled.listed != isinstance(phu_luc, list) or (
        filled.listed and len(phu_luc) != len(filled.appendices)
    ):
        counts = (len(filled.appendices) if filled.listed else 1, _count(phu_luc))
        raise DataError(
            f"sổ nhập {workbook.name} có {counts[0]} phụ lục nhưng tệp số liệu có {counts[1]} "
            f"(phu_luc); số liệu không ghép được. {remake}",
            file=loaded.name,
            line=loaded.line_of(("phu_luc",)),
            path="phu_luc",
        )
    else:
        items = phu_luc if isinstance(phu_luc, list) else [phu_luc]
    for index, appendix in enumerate(filled.appendices):
        item = items[index]
        if not isinstance(item, dict):
            item = {}
            if filled.listed:
                items[index] = item
            else:
                data["phu_luc"] = item
        at = appendix.path("danh_muc")
        if item.get("danh_muc") is not None:
            data_ref = str(item["danh_muc"])
            if not _same_catalog(appendix.ref, workbook.parent, data_ref, data_dir):
                raise DataError(
                    f"sổ nhập {workbook.name} dùng danh mục chỉ tiêu '{appendix.ref}' "
                    f"nhưng tệp số liệu dùng danh mục '{data_ref}' ({format_path(at)}); số "
                    f"liệu không ghép được. {remake}",
                    file=loaded.name,
                    line=loaded.line_of(at),
                    path=format_path(at),
                )
        else:
            item["danh_muc"] = _catalog_reference(appendix.ref, workbook.parent, data_dir)
            record(at, appendix.cell)
        so_lieu = item.get("so_lieu")
        if not isinstance(so_lieu, dict):
            so_lieu = {}
            item["so_lieu"] = so_lieu

        def cleared(
            node_id: str,
            figure: _Figure,
            key: str,
            old: Any,
            cell: str,
            appendix: _FilledAppendix = appendix,
        ) -> None:
            what = {"gia_tri": "số liệu", "ghi_chu": "ghi chú"}.get(key, f"số liệu cột {key}")
            shown = so(old) if isinstance(old, int | float) and not isinstance(old, bool) else old
            tail = () if key == "gia_tri" else (key,)
            loaded.cleared.append(
                Problem(
                    f'{node_id} {figure.node.ten}: ô trống nên bỏ {what} "{shown}" của '
                    f"{data_name} (ô để trống là không báo cáo)",
                    file=f"{filled.name}!{cell}",
                    path=format_path(appendix.path("so_lieu", node_id, *tail)),
                )
            )

        _apply_figures(filled, appendix, so_lieu, record, loaded.notes, cleared)


def _count(phu_luc: Any) -> int:
    return len(phu_luc) if isinstance(phu_luc, list) else 1


__all__ = [
    "appendix_sheet_names",
    "choice_text",
    "load_workbook_data",
    "merge_figures",
    "table_headers",
    "table_sheet_names",
    "write_entry_workbook",
]
