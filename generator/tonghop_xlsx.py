"""Workbooks of `baocao tong-hop` and `baocao so-sanh`, print-ready like the Phụ lục.

Tổng hợp: sheet "Tổng hợp" (one row per indicator: the total, how many units reported it,
then one column per unit; one sheet per appendix, "Tổng hợp PL II", and per table shape when
an appendix's tables have different figure columns; a table of several figure columns has a
total per column and, under each unit's name, one column per figure column), sheet "Đơn vị
chưa đạt" (units that did not report, whose file failed, or that lack an appendix, with the
first problems), sheet "Kiểm tra" (the catalog's checks on the totals, when one fails) and
sheet "Biểu đồ" (a bar chart of a few main indicators of the first appendix per unit). Values are
written as values (not formulas): the workbook records what the units sent; how a total was
made (mean, recomputed, partial) is said in the total cell's comment.

The cell styles are the Phụ lục's ("BC …", see xlsx_render), so both look alike.
"""

from __future__ import annotations

import weakref
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from .errors import Problem
from .formatting import ky, la_ma
from .xlsx_render import (
    FONT_SIZE,
    MAX_ROW_HEIGHT,
    NEGATIVE_INTEGER_FORMAT,
    STYLE_ATTACHED,
    STYLE_GROUP,
    STYLE_HEADER,
    STYLE_LABEL,
    STYLE_NOTE,
    STYLE_NUMBER,
    STYLE_STT,
    STYLE_TEXT,
    STYLE_TITLE,
    STYLE_UNIT,
    count_lines,
    decimal_format,
    default_font,
    ensure_styles,
    excel_number,
    fit_to_page_width,
    number_format,
    put_text,
    sheet_names,
    workbook_bytes,
)

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

    from .catalog import Cot
    from .sosanh import SoSanhResult
    from .tonghop import AppendixTotals, TongHopResult

TOTAL_SHEET = "Tổng hợp"
STATUS_SHEET = "Đơn vị chưa đạt"
CHECK_SHEET = "Kiểm tra"
CHART_SHEET = "Biểu đồ"
CHART_INDICATORS = 3
_LINE_PT = FONT_SIZE * 1.3125
_DIGIT_PT = FONT_SIZE * 0.5  # a column width unit: one digit of Times New Roman 12


# --------------------------------------------------------------------------- small helpers


_STYLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cell(
    ws: Worksheet,
    row: int,
    column: int,
    value: Any,
    style: str,
    *,
    bold: bool = False,
    italic: bool = False,
    kind: str = "so",
    fmt: str | None = None,
) -> Cell:
    """A cell with a value (numbers as numbers, text never as a formula) and a "BC …" style.

    Each combination of style, emphasis and number format is built once per workbook and
    copied: assigning a named style cell by cell is what made a 600-unit sheet slow."""
    cell = ws.cell(row=row, column=column)
    number = excel_number(value)
    if number is not None:
        cell.value = number
        fmt = fmt or number_format(number, kind)
    elif value is not None and value != "":
        put_text(cell, value)
    key = (style, bold, italic, fmt)
    styles = _STYLES.setdefault(ws.parent, {})
    if key in styles:
        cell._style = copy(styles[key])
        return cell
    cell.style = style
    if bold or italic:
        font = copy(cell.font)
        font.b = font.b or bold
        font.i = font.i or italic
        cell.font = font
    if fmt:
        cell.number_format = fmt
    styles[key] = copy(cell._style)
    return cell


def _merged(ws: Worksheet, row: int, first: int, last: int, text: str, style: str, rows: int = 1):
    for r in range(row, row + rows):
        for c in range(first, last + 1):
            _cell(ws, r, c, None, style)
    cell = _cell(ws, row, first, text, style)
    if rows > 1 or last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row + rows - 1, end_column=last)
    return cell


def _lines(value: Any, width_chars: float, bold: bool = False) -> int:
    if value is None or value == "":
        return 1
    text = value if isinstance(value, str) else str(value)
    return count_lines(text, width_chars * _DIGIT_PT, FONT_SIZE, bold)


def _fit_height(ws: Worksheet, row: int, texts: list[tuple[Any, float, bool]]) -> None:
    lines = max(_lines(text, width, bold) for text, width, bold in texts)
    ws.row_dimensions[row].height = round(min(lines * _LINE_PT + 2, MAX_ROW_HEIGHT), 2)


def _comment(cell: Cell, text: str) -> None:
    comment = Comment(text, "baocao")
    comment.width = 320
    comment.height = min(400, 40 + 18 * (len(text) // 45 + 1))
    cell.comment = comment


def _titles(ws: Worksheet, lines: list[tuple[str, str]], last_column: int, width: float) -> int:
    """Title lines merged across the table; returns the first row after a blank spacer."""
    for index, (text, style) in enumerate(lines, start=1):
        _merged(ws, index, 1, last_column, text, style)
        _fit_height(ws, index, [(text, width, style == STYLE_TITLE)])
    ws.row_dimensions[len(lines) + 1].height = 9
    return len(lines) + 2


def _print_setup(ws: Worksheet, header_rows: str, columns: str | None, wide: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A3 if wide else ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    fit_to_page_width(ws)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = header_rows
    if columns:
        ws.print_title_cols = columns
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "Trang &P/&N"


# --------------------------------------------------------------------------- tổng hợp


_WIDTHS = {"stt": 7.0, "label": 42.0, "unit": 11.0, "total": 20.0, "count": 10.0, "each": 13.0}
_FIRST_TOTAL = 4  # after STT, Chỉ tiêu, Đơn vị tính


@dataclass
class _Section:
    """Tables of one appendix printed on one sheet: consecutive tables with the same figure
    columns (one table of Kế hoạch / Thực hiện, the next of four quarters: two sheets)."""

    appendix: AppendixTotals
    tables: list[Any]
    columns: list[Cot]  # the figure columns
    name: str = ""

    @property
    def several_columns(self) -> bool:
        return len(self.columns) > 1

    # The sheet's columns, for its header and its rows alike: STT, Chỉ tiêu, ĐVT, the totals
    # (one per figure column), Số đơn vị báo cáo, then ``span`` columns for each unit.
    @property
    def span(self) -> int:
        return len(self.columns)

    @property
    def count_column(self) -> int:
        return _FIRST_TOTAL + self.span

    @property
    def first_unit(self) -> int:
        return self.count_column + 1

    @property
    def total_width(self) -> float:
        return _WIDTHS["total"] if self.span == 1 else _WIDTHS["each"] + 1


def _sections(result: TongHopResult) -> list[_Section]:
    sections: list[_Section] = []
    for appendix in result.appendices:
        spec = appendix.catalog.spec
        mine: list[_Section] = []
        for table in spec.tables:
            columns = [c for c in spec.columns(table) if c.loai == "so_lieu"]
            shape = [(c.ma, c.label, c.kieu) for c in columns]
            if mine and [(c.ma, c.label, c.kieu) for c in mine[-1].columns] == shape:
                mine[-1].tables.append(table)
            else:
                mine.append(_Section(appendix, [table], columns))
        for number, section in enumerate(mine, start=1):
            name = TOTAL_SHEET
            if appendix.several:
                name += f" PL {la_ma(appendix.index + 1)}"
            if len(mine) > 1:
                first = section.tables[0]
                name += f" - {first.tieu_de or first.ten or f'bảng {number}'}"
            section.name = name
        sections.extend(mine)
    # Excel's rules (no name ending in an apostrophe…), as the Phụ lục's sheets are named
    names = sheet_names([section.name for section in sections])
    for section, name in zip(sections, names, strict=True):
        section.name = name
    return sections


def _total_sheet(ws: Worksheet, result: TongHopResult, section: _Section) -> None:
    """STT | Chỉ tiêu | ĐVT | the totals (one column per figure column) | Số đơn vị báo cáo |
    each unit's figures (one column per figure column, under the unit's name)."""
    from .catalog import stt_labels

    appendix = section.appendix
    catalog = appendix.catalog
    units = appendix.units
    span = section.span
    first_total = _FIRST_TOTAL
    count_column = section.count_column
    first_unit = section.first_unit
    last = max(first_unit + len(units) * span - 1, count_column)
    total_width = section.total_width
    widths = [_WIDTHS[k] for k in ("stt", "label", "unit")] + [total_width] * span
    widths += [_WIDTHS["count"]] + [_WIDTHS["each"]] * (len(units) * span)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    spec = catalog.spec
    counted = f"{len(units)} đơn vị"
    if result.missing or appendix.failed or appendix.absent:
        counted += f" / {result.expected} đơn vị phải báo cáo"
    title = (spec.mo_ta or spec.tieu_de).strip()
    if appendix.heading:  # "Phụ lục II: Tự chủ tài chính"; a bare "Phụ lục" says its catalog
        bare = title.casefold().startswith("phụ lục")
        title = (
            f"{appendix.heading} (danh mục {spec.ma})" if bare else f"{appendix.heading}: {title}"
        )
    header = _titles(
        ws,
        [
            ("BẢNG TỔNG HỢP SỐ LIỆU", STYLE_TITLE),
            (title, STYLE_TITLE),
            (f"Kỳ báo cáo: {ky(result.period)}; số liệu của {counted}", STYLE_ATTACHED),
        ],
        last,
        sum(widths),
    )
    depth = 3 if section.several_columns else 2
    for column, text in ((1, "STT"), (2, "Chỉ tiêu"), (3, "Đơn vị tính")):
        _merged(ws, header, column, column, text, STYLE_HEADER, rows=depth)
    _merged(ws, header, count_column, count_column, "Số đơn vị báo cáo", STYLE_HEADER, depth)
    labels_row = header + depth - 1
    if section.several_columns:
        _merged(ws, header, first_total, count_column - 1, "Tổng hợp", STYLE_HEADER)
        for offset, figure in enumerate(section.columns):
            _merged(
                ws,
                header + 1,
                first_total + offset,
                first_total + offset,
                figure.label,
                STYLE_HEADER,
                rows=2,
            )
    else:
        _merged(ws, header, first_total, first_total, "Tổng hợp", STYLE_HEADER, rows=2)
    if units:
        _merged(ws, header, first_unit, last, "Số liệu của từng đơn vị", STYLE_HEADER)
    for number, unit in enumerate(units):
        left = first_unit + number * span
        if section.several_columns:
            _merged(ws, header + 1, left, left + span - 1, unit.short, STYLE_HEADER)
            for offset, figure in enumerate(section.columns):
                _cell(ws, labels_row, left + offset, figure.label, STYLE_HEADER)
        else:
            _cell(ws, header + 1, left, unit.short, STYLE_HEADER)
    each = _WIDTHS["each"]
    _fit_height(ws, header, [("Số liệu của từng đơn vị", each * max(1, len(units) * span), True)])
    # "Số đơn vị báo cáo" spans the header rows: two share it, three have room to spare
    spanning = (
        [] if section.several_columns else [("Số đơn vị báo cáo", _WIDTHS["count"] / 2, True)]
    )
    _fit_height(
        ws,
        header + 1,
        spanning
        + [(u.short, each * span, True) for u in units]
        + [(c.label, total_width, True) for c in section.columns if section.several_columns],
    )
    if section.several_columns:
        _fit_height(ws, labels_row, [(c.label, each, True) for c in section.columns])
    labels = stt_labels(spec)
    problems = _problems_by_id(appendix)
    row = header + depth
    depth_of = _depths(catalog)
    for table in section.tables:
        if len(spec.tables) > 1:
            heading = " – ".join(t for t in (table.tieu_de, table.ten) if t)
            if heading:
                _merged(ws, row, 1, last, heading, STYLE_GROUP)
                row += 1
        for node in _walk(table.chi_tieu):
            _indicator_row(ws, row, node, labels, appendix, section, problems, depth_of)
            row += 1
    # a coordinate, not a cell: the first row may be a table's merged heading
    ws.freeze_panes = f"{get_column_letter(first_unit)}{header + depth}"
    _print_setup(
        ws,
        f"{header}:{labels_row}",
        f"A:{get_column_letter(count_column)}",
        wide=len(units) * span > 8,
    )
    ws.print_area = f"A1:{get_column_letter(last)}{row - 1}"


def _walk(nodes: list) -> list:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.con))
    return out


def _depths(catalog: Any) -> dict[str, int]:
    depths: dict[str, int] = {}
    for node_id, parent in catalog.parents.items():
        depths[node_id] = 0 if parent is None else depths.get(parent.id, 0) + 1
    return depths


def _problems_by_id(appendix: AppendixTotals) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in appendix.problems:
        node_id = (problem.path or "").removeprefix("tong_hop.")
        found.setdefault(node_id, []).append(problem.message)
    return found


def _indicator_row(
    ws: Worksheet,
    row: int,
    node: Any,
    labels: dict[str, str],
    appendix: AppendixTotals,
    section: _Section,
    problems: dict[str, list[str]],
    depth_of: dict[str, int],
) -> None:
    from .tonghop import unit_text

    catalog = appendix.catalog
    units = appendix.units
    span, first_unit = section.span, section.first_unit
    bold = node.dam if node.dam is not None else (bool(node.con) or node.kind == "nhom")
    _cell(ws, row, 1, labels.get(node.id, ""), STYLE_STT, bold=bold)
    label = "  " * depth_of.get(node.id, 0) + node.name  # without its **bold** marks
    _cell(ws, row, 2, label, STYLE_GROUP if bold else STYLE_LABEL, italic=node.nghieng)
    _cell(ws, row, 3, node.unit_text() if node.kind != "lua_chon" else node.dvt, STYLE_UNIT)
    row_total = appendix.totals[node.id]
    texts: list[tuple[Any, float, bool]] = [(label, _WIDTHS["label"], bold)]
    for offset, figure in enumerate(section.columns):
        total = row_total if offset == 0 else row_total.columns[figure.ma or ""]
        kind = figure.kieu or node.kind
        is_text = isinstance(total.value, str)
        total_cell = _cell(
            ws,
            row,
            _FIRST_TOTAL + offset,
            total.value,
            STYLE_TEXT if is_text else STYLE_NUMBER,
            bold=not is_text,
            kind=kind,
        )
        comment = [total.note] if total.note else []
        if offset == 0:
            comment += [f"Cảnh báo: {message}" for message in problems.get(node.id, [])]
        else:
            path = f"{node.id}.{figure.ma}"
            comment += [f"Cảnh báo: {message}" for message in problems.get(path, [])]
        if comment:
            _comment(total_cell, "\n".join(comment))
        texts.append((total.value if is_text else None, section.total_width, False))
    reported = f"{row_total.reported}/{len(units)}"
    if node.kind == "nhom" and not row_total.reported:
        reported = ""
    _cell(ws, row, section.count_column, reported, STYLE_UNIT)
    for number, unit in enumerate(units):
        for offset, figure in enumerate(section.columns):
            column = first_unit + number * span + offset
            kind = figure.kieu or node.kind
            if offset == 0:
                value = unit.values.get(node.id)
                worded = node.id in unit.texts
                shown = unit_text(catalog, unit, node.id) if worded or kind == "lua_chon" else None
            else:
                value = unit.value(node.id, figure.ma)
                shown = unit_text(catalog, unit, node.id, figure) if kind == "lua_chon" else None
            if shown is None and isinstance(value, str):
                shown = value
            if shown is not None:
                _cell(ws, row, column, shown, STYLE_TEXT)
                texts.append((shown, _WIDTHS["each"], False))
            else:
                _cell(ws, row, column, value, STYLE_NUMBER, kind=kind)
    _fit_height(ws, row, texts)


def _status_sheet(ws: Worksheet, result: TongHopResult) -> None:
    widths = [7.0, 30.0, 28.0, 24.0, 70.0]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header = _titles(
        ws,
        [
            ("ĐƠN VỊ CHƯA BÁO CÁO HOẶC CÓ TỆP LỖI", STYLE_TITLE),
            (f"Kỳ báo cáo: {ky(result.period)}", STYLE_ATTACHED),
        ],
        5,
        sum(widths),
    )
    for column, text in enumerate(("STT", "Đơn vị", "Tệp", "Tình trạng", "Vấn đề"), start=1):
        _cell(ws, header, column, text, STYLE_HEADER)
    rows: list[tuple[str, str, str, str]] = []
    rows += [(name, "", "Chưa gửi số liệu", "") for name in result.missing]
    rows += [
        (
            failed.name or "(không đọc được tên đơn vị)",
            failed.source.name,
            f"{failed.appendix} có lỗi, chưa tổng hợp phụ lục này"
            if failed.appendix
            else "Tệp có lỗi, chưa tổng hợp",
            "\n".join(_problem_text(p, failed.source) for p in failed.first_problems)
            + (
                f"\n… và {len(failed.problems) - len(failed.first_problems)} lỗi khác"
                if len(failed.problems) > len(failed.first_problems)
                else ""
            ),
        )
        for failed in result.failed
    ]
    by_name = {u.name: u for u in result.units}
    for appendix in result.appendices:
        rows += [
            (name, by_name[name].source.name, f"Báo cáo không có {appendix.heading}", "")
            for name in appendix.absent
        ]
    rows += [
        (name, by_name[name].source.name, "Không có trong danh sách (vẫn tổng hợp)", "")
        for name in result.unlisted
    ]
    row = header + 1
    if not rows:
        _merged(
            ws,
            row,
            1,
            5,
            f"Tất cả {len(result.units)} đơn vị đã báo cáo; không có tệp lỗi.",
            STYLE_LABEL,
        )
        row += 1
    for index, (name, source, status, problems) in enumerate(rows, start=1):
        _cell(ws, row, 1, index, STYLE_STT)
        _cell(ws, row, 2, name, STYLE_LABEL)
        _cell(ws, row, 3, source, STYLE_LABEL)
        _cell(ws, row, 4, status, STYLE_LABEL)
        _cell(ws, row, 5, problems, STYLE_NOTE)
        _fit_height(
            ws,
            row,
            [(name, widths[1], False), (source, widths[2], False), (problems, widths[4], False)],
        )
        row += 1
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    _print_setup(ws, f"{header}:{header}", None, wide=False)
    ws.print_area = f"A1:E{row - 1}"


def _problem_text(problem: Problem, source: Path) -> str:
    """A problem of a unit's file without the file's path (the Tệp column has it)."""
    if problem.file != str(source):
        return str(problem)
    bare = Problem(problem.message, None, problem.line, problem.path, problem.severity)
    return str(bare)


def _check_sheet(ws: Worksheet, result: TongHopResult) -> None:
    widths = [7.0, 120.0]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header = _titles(
        ws,
        [("KIỂM TRA TRÊN SỐ LIỆU TỔNG HỢP", STYLE_TITLE), (ky(result.period), STYLE_ATTACHED)],
        2,
        sum(widths),
    )
    _cell(ws, header, 1, "STT", STYLE_HEADER)
    _cell(ws, header, 2, "Cảnh báo (theo kiểm tra của danh mục chỉ tiêu)", STYLE_HEADER)
    for index, problem in enumerate(result.problems, start=1):
        _cell(ws, header + index, 1, index, STYLE_STT)
        _cell(ws, header + index, 2, problem.message, STYLE_NOTE)
        _fit_height(ws, header + index, [(problem.message, widths[1], False)])
    _print_setup(ws, f"{header}:{header}", None, wide=False)


def chart_indicators(result: TongHopResult) -> list[str]:
    """The first appendix catalog's bieu_do, else a few counts most units reported, the
    broadest first."""
    catalog = result.catalog
    if catalog.spec.bieu_do:
        return list(catalog.spec.bieu_do)
    depths = _depths(catalog)
    order = {node_id: i for i, node_id in enumerate(catalog.nodes)}
    candidates = [
        node_id
        for node_id, node in catalog.nodes.items()
        if node.kind == "dem"
        and result.totals[node_id].reported
        and result.totals[node_id].rule != "khong"
        and not node.con
    ]
    candidates.sort(
        key=lambda n: (
            -result.totals[n].reported,
            not result.totals[n].value,  # an indicator every unit left at 0 shows nothing
            depths.get(n, 0),
            order[n],
        )
    )
    return sorted(candidates[:CHART_INDICATORS], key=order.__getitem__)


def _chart_sheet(ws: Worksheet, result: TongHopResult) -> None:
    indicators = chart_indicators(result)
    if not indicators:
        put_text(ws["A1"], "Không có chỉ tiêu số nào để vẽ biểu đồ.")
        return
    describe = result.describe
    units = result.appendices[0].units
    ws.column_dimensions["A"].width = 28
    _cell(ws, 1, 1, "Đơn vị", STYLE_HEADER)
    for offset, node_id in enumerate(indicators, start=2):
        ws.column_dimensions[get_column_letter(offset)].width = 24
        _cell(ws, 1, offset, describe(node_id), STYLE_HEADER)
    for row, unit in enumerate(units, start=2):
        _cell(ws, row, 1, unit.short, STYLE_LABEL)
        for offset, node_id in enumerate(indicators, start=2):
            _cell(ws, row, offset, unit.number(node_id), STYLE_NUMBER)
    _fit_height(ws, 1, [(describe(n), 24, True) for n in indicators])
    chart = BarChart()
    chart.type = "bar"  # horizontal bars: unit names stay readable however many there are
    chart.grouping = "clustered"
    chart.title = "Một số chỉ tiêu chính theo đơn vị"
    chart.y_axis.title = "Số liệu"
    chart.x_axis.title = None
    last_row = len(units) + 1
    data = Reference(ws, min_col=2, max_col=len(indicators) + 1, min_row=1, max_row=last_row)
    names = Reference(ws, min_col=1, min_row=2, max_row=last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(names)
    chart.x_axis.scaling.orientation = "maxMin"  # first unit on top, as in the table
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"
    chart.width = 24
    chart.height = max(9.0, 0.45 * len(units) * max(1, len(indicators)) / 1.5 + 4)
    ws.add_chart(chart, f"{get_column_letter(len(indicators) + 3)}2")
    _print_setup(ws, "1:1", None, wide=False)


def tong_hop_workbook(result: TongHopResult) -> bytes:
    wb = Workbook()
    default_font(wb)
    ensure_styles(wb)
    for index, section in enumerate(_sections(result)):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = section.name
        _total_sheet(ws, result, section)
    _status_sheet(wb.create_sheet(STATUS_SHEET), result)
    if result.problems:
        _check_sheet(wb.create_sheet(CHECK_SHEET), result)
    _chart_sheet(wb.create_sheet(CHART_SHEET), result)
    return workbook_bytes(wb, f"Tổng hợp số liệu {ky(result.period)}")


# --------------------------------------------------------------------------- so sánh

COMPARE_SHEET = "So sánh"


def _compare_sheet(ws: Worksheet, result: SoSanhResult) -> None:
    widths = [7.0, 50.0, 12.0, 15.0, 15.0, 15.0, 13.0]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    before, after = ky(result.before_period), ky(result.after_period)
    header = _titles(
        ws,
        [
            ("SO SÁNH SỐ LIỆU GIỮA HAI KỲ BÁO CÁO", STYLE_TITLE),
            (result.name, STYLE_TITLE),
            (f"{after[:1].upper() + after[1:]} so với {result.period}", STYLE_ATTACHED),
        ],
        7,
        sum(widths),
    )
    titles = (
        "STT",
        "Chỉ tiêu",
        "Đơn vị tính",
        before[:1].upper() + before[1:],
        after[:1].upper() + after[1:],
        "Tăng (+), giảm (−)",
        "Tỷ lệ tăng, giảm (%)",
    )
    for column, text in enumerate(titles, start=1):
        _cell(ws, header, column, text, STYLE_HEADER)
    _fit_height(ws, header, [(t, w, True) for t, w in zip(titles, widths, strict=True)])
    row = header + 1
    sections: list[tuple[str | None, list]] = []
    for group in dict.fromkeys(item.group for item in result.rows):
        sections.append((group or None, [i for i in result.rows if i.group == group]))
    if result.only_before or result.only_after:
        sections.append(
            ("Chỉ tiêu chỉ có số liệu ở một kỳ", result.only_before + result.only_after)
        )
    for title, items in sections:
        if title:
            _merged(ws, row, 1, 7, title, STYLE_GROUP)
            row += 1
        for item in items:
            stt, label = item.stt, item.name
            if item.group and title != item.group:
                label = f"{item.group}, {label}"  # among the rows of one period only
            _cell(ws, row, 1, stt, STYLE_STT)
            _cell(ws, row, 2, label, STYLE_LABEL)
            _cell(ws, row, 3, item.dvt, STYLE_UNIT)
            for column, value in ((4, item.before), (5, item.after)):
                style = STYLE_TEXT if isinstance(value, str) else STYLE_NUMBER
                _cell(ws, row, column, value, style)
            change = item.change
            if change is not None:
                cell = _cell(ws, row, 6, change, STYLE_NUMBER, fmt=_signed_format(change))
                percent = item.percent
                if item.percent_kind:
                    _comment(cell, "Chênh lệch tính bằng điểm phần trăm")
                elif percent is not None:
                    _cell(ws, row, 7, percent, STYLE_NUMBER, fmt=_signed_format(percent, 1))
                elif item.before == 0:
                    _cell(ws, row, 7, "–", STYLE_UNIT)
            _fit_height(
                ws,
                row,
                [
                    (stt, widths[0], False),
                    (label, widths[1], False),
                    (item.before if isinstance(item.before, str) else None, widths[3], False),
                    (item.after if isinstance(item.after, str) else None, widths[4], False),
                ],
            )
            row += 1
    ws.freeze_panes = f"D{header + 1}"  # a coordinate: the first row may be merged
    _print_setup(ws, f"{header}:{header}", None, wide=False)
    ws.print_area = f"A1:G{row - 1}"


def _signed_format(value: float, places: int | None = None) -> str:
    """ "+12" and "−3": a change shows its sign; decimals as the Phụ lục shows them."""
    base = number_format(excel_number(value), "so") if places is None else decimal_format(places)
    base = base.split(";")[0] if ";" in base and "[>=" not in base else base
    if "[>=" in base:  # the literal-dot whole-number format has no room for a sign section
        base = NEGATIVE_INTEGER_FORMAT
    # the locale code opens each section: "+[$-42A]…" would print "[$-42A]" as text
    locale = base[: base.index("]") + 1] if base.startswith("[$") else ""
    body = base[len(locale) :]
    return f"{locale}+{body};{locale}-{body};0"


def so_sanh_workbook(result: SoSanhResult) -> bytes:
    wb = Workbook()
    default_font(wb)
    ensure_styles(wb)
    ws = wb.active
    ws.title = COMPARE_SHEET
    _compare_sheet(ws, result)
    return workbook_bytes(
        wb, f"So sánh số liệu {ky(result.after_period)} với {ky(result.before_period)}"
    )


__all__ = [
    "CHART_SHEET",
    "CHECK_SHEET",
    "COMPARE_SHEET",
    "STATUS_SHEET",
    "TOTAL_SHEET",
    "so_sanh_workbook",
    "tong_hop_workbook",
]
