"""The Phụ lục as an Excel workbook: one sheet per table, figures as numbers, formulas live.

The shipped template (templates/xlsx/phu_luc.xlsx, built by ``build_xlsx_template``) holds the
page setup and the cell styles "BC …" (title, column header, STT, indicator, unit, figure,
note…). ``render_xlsx`` fills a copy of it from ``Composition.appendix`` and applies those
styles by name, so restyling them in Excel or LibreOffice (Cell Styles) restyles every
workbook made from the template.

Number formats (checked by converting with LibreOffice 7.4 and reading the text shown):

* Whole numbers ≥ 0: ``[>=1000000]#\\.###\\.##0;[>=1000]#\\.##0;0``. The dots are literal
  characters, not the locale's thousands separator, so 1200 shows "1.200" and 16231 "16.231"
  in Excel and LibreOffice whatever the computer's regional settings (an English Excel would
  otherwise show "1,200", which a Vietnamese reader takes for 1,2).
* Whole numbers < 0 or ≥ 1 000 000 000 (money): ``[$-42A]#,##0``. The conditional sections
  above lose the minus sign in LibreOffice and have room for two groups only, so these use
  the locale's separators; ``[$-42A]`` (Vietnamese) makes LibreOffice show "-1.200" and
  "11.171.348.125" on any system.
* Decimals: ``[$-42A]#,##0.0…`` with exactly the decimals the figure has (at most 3, as the
  Word table prints them): 98.07 → "98,07", 99.7 → "99,7", 0.037 → "0,037".
  There is no literal trick for a decimal comma (fraction digits need the locale's decimal
  point), so LibreOffice gets the Vietnamese locale from ``[$-42A]`` and Excel shows its
  system separators ("98,07" on a Vietnamese Windows). ``0.##`` was rejected: Excel shows
  "100." for whole values; ``General`` was rejected: it shows "92.8571428571" for a formula.
* Formula cells: the format of the value the report computed (at most two decimals), as the
  Word table prints it: 76.7 → "76,7", 95.59 → "95,59", 100 → "100". (Fixed two decimals
  showed "76,70" beside the Word table's "76,7".)

Formula cells store the value the report computed (``with_cached_values``), shown with the
decimals the Word table prints (one rounding rule: ``formatting.round_half_up``), so viewers
that do not calculate (Protected View, previews, pandas) show the printed figure; the template
also asks Excel to recalculate on load (``fullCalcOnLoad``).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable
from copy import copy, deepcopy
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml.etree import xmlfile
from openpyxl import Workbook, load_workbook
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter

from .catalog import MAX_DECIMALS
from .errors import DataError, TemplateError
from .fontmetrics import ASCII_ADVANCE
from .formatting import so

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

    from .catalog import Row, Table
    from .compose import Appendix, Composition

SHEET_NAME = "Phụ lục"
FONT_NAME = "Times New Roman"
FONT_SIZE = 12
TITLE_SIZE = 14
FIXED_TIME = dt.datetime(2024, 1, 1)
DEFAULT_WIDTHS = [1.2, 7.5, 2.4, 1.8, 2.6]  # the template's five columns
CM = 1 / 2.54  # openpyxl margins are in inches
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# Column widths are in "characters": the width of a digit of the workbook's default font,
# 6 pt for Times New Roman 12 (measured in LibreOffice's PDF output; Excel's digit is 8 px at
# 96 dpi, the same 6 pt). A4 less the 3 cm + 1.5 cm margins is 16.5 cm = 468 pt ≈ 78 digits
# upright, 25.2 cm = 714 pt ≈ 119 digits sideways; a little is kept for the borders.
PAGE_CHARACTERS = {False: 77.0, True: 118.0}

FIT_PAGES_DOWN = 999  # see page_setup: one page wide, any number down
INTEGER_FORMAT = r"[>=1000000]#\.###\.##0;[>=1000]#\.##0;0"
NEGATIVE_INTEGER_FORMAT = "[$-42A]#,##0"
EXCEL_TEXT_LIMIT = 32767
MAX_ROW_HEIGHT = 409  # points, Excel's limit

# Cell styles of the template (names shown in Excel's / LibreOffice's style list).
STYLE_TITLE = "BC Tiêu đề phụ lục"
STYLE_ATTACHED = "BC Kèm theo"
STYLE_HEADER = "BC Tiêu đề cột"
STYLE_CAPTION = "BC Dòng chú thích"
STYLE_STT = "BC STT"
STYLE_LABEL = "BC Chỉ tiêu"
STYLE_GROUP = "BC Chỉ tiêu nhóm"
STYLE_UNIT = "BC Đơn vị tính"
STYLE_NUMBER = "BC Số liệu"
STYLE_TEXT = "BC Số liệu chữ"
STYLE_NOTE = "BC Ghi chú"


def decimal_format(places: int) -> str:
    """``[$-42A]#,##0.00`` for 2 places: Vietnamese separators in LibreOffice, no trailing dot."""
    return "[$-42A]#,##0." + "0" * places if places > 0 else NEGATIVE_INTEGER_FORMAT


# --------------------------------------------------------------------------- the template


def _named_styles() -> list[NamedStyle]:
    """Fresh NamedStyle objects (one object can be bound to one workbook only)."""
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def style(
        name: str,
        horizontal: str,
        *,
        bold: bool = False,
        italic: bool = False,
        size: float = FONT_SIZE,
        border: bool = True,
        number_format: str = "General",
    ) -> NamedStyle:
        return NamedStyle(
            name=name,
            font=Font(name=FONT_NAME, size=size, bold=bold, italic=italic, family=1),
            alignment=Alignment(horizontal=horizontal, vertical="center", wrap_text=True),
            border=box if border else Border(),
            number_format=number_format,
        )

    return [
        style(STYLE_TITLE, "center", bold=True, size=TITLE_SIZE, border=False),
        style(STYLE_ATTACHED, "center", italic=True, size=TITLE_SIZE, border=False),
        style(STYLE_HEADER, "center", bold=True),
        style(STYLE_CAPTION, "left", bold=True),
        style(STYLE_STT, "center"),
        style(STYLE_LABEL, "left"),
        style(STYLE_GROUP, "left", bold=True),
        style(STYLE_UNIT, "center"),
        style(STYLE_NUMBER, "center", number_format=INTEGER_FORMAT),
        style(STYLE_TEXT, "left"),
        style(STYLE_NOTE, "left"),
    ]


def default_font(wb: Workbook) -> None:
    """Times New Roman 12 as the workbook's default font (font 0 and the Normal style)."""
    font = Font(name=FONT_NAME, size=FONT_SIZE, family=1)
    wb._fonts = IndexedList([font])
    wb._named_styles["Normal"].font = copy(font)


def ensure_styles(wb: Workbook) -> None:
    """Add the styles a (user-made) template lacks; the template's own versions win."""
    present = set(wb.named_styles)
    for style in _named_styles():
        if style.name not in present:
            wb.add_named_style(style)


def _page_setup(ws: Worksheet, landscape: bool) -> None:
    """A4, fitted to the page width, margins of an official document, page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    fit_to_page_width(ws)
    ws.print_options.horizontalCentered = True


def fit_to_page_width(ws: Worksheet) -> None:
    """Print one page wide and as many pages down as needed."""
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    # 0 means "automatic" in Excel, but LibreOffice then drops the last row of some tables
    # from the print: a bound no table reaches does the same job in both.
    ws.page_setup.fitToHeight = FIT_PAGES_DOWN


def _column_widths(weights: list[float], landscape: bool) -> list[float]:
    weights = [w if w > 0 else 1.0 for w in weights]
    total = PAGE_CHARACTERS[landscape]
    return [round(total * w / sum(weights), 2) for w in weights]


def build_xlsx_template() -> bytes:
    """The editable template: sheet "Phụ lục" with the page setup and the "BC …" cell styles."""
    wb = Workbook()
    default_font(wb)
    for style in _named_styles():
        wb.add_named_style(style)
    ws = wb.active
    ws.title = SHEET_NAME
    _page_setup(ws, landscape=False)
    ws.page_margins = PageMargins(
        left=3 * CM, right=1.5 * CM, top=2 * CM, bottom=2 * CM, header=1 * CM, footer=1 * CM
    )
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{FONT_NAME},Regular"
    ws.oddFooter.center.size = 11
    for index, width in enumerate(_column_widths(DEFAULT_WIDTHS, False), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    return workbook_bytes(wb, "Phụ lục")


def workbook_bytes(wb: Workbook, title: str) -> bytes:
    """The workbook's bytes, titled and stamped as made by baocao at a fixed time. Unlike
    Workbook.save this keeps the document's own modified time; output.package then fixes the
    zip entry times, so the same data gives the same file. The zip is not compressed: every
    caller packs it again (output.stamp, the template build), and compresses it there, once."""
    props = wb.properties
    props.title = title
    props.creator = props.lastModifiedBy = "baocao"
    props.created = props.modified = FIXED_TIME
    buffer = io.BytesIO()
    _MemoryWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED)).save()  # closes it
    return buffer.getvalue()


class _MemoryWriter(ExcelWriter):
    """openpyxl writes each sheet to a file in the temporary folder before zipping it: a full
    or read-only temporary folder then fails the run, and a killed run leaves the file there
    for good. Here each sheet's XML is made in memory (the same bytes)."""

    def write_worksheet(self, ws: Worksheet) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        sheet = io.BytesIO()
        writer = _SheetXmlWriter(ws, out=sheet)
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.with_rows(sheet.getvalue()))
        self.manifest.append(ws)


_ROWS_STAND_IN = "\u2063baocao:hang\u2063"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# A character XML cannot hold, as _xml_text writes it: a lone surrogate, U+FFFE, U+FFFF. The
# loader drops them from every input; a text that still holds one goes to openpyxl's writer.
_NOT_XML = re.compile(
    r"&#(?:5529[6-9]|55[3-9]\d\d|56\d\d\d|57[0-2]\d\d|573[0-3]\d|5734[0-3]|6553[45]);"
)


def _lxml_escaper(entities: dict[str, str]) -> Callable[[str], str]:
    """Text as lxml writes it in openpyxl's sheets: each of ``entities``' characters as its
    entity, ASCII, the rest as character references."""
    special = re.compile(f"[{re.escape(''.join(entities))}]")
    replaced = tuple(entities.items())  # "&" first: the others' entities hold one

    def escaped(text: str) -> str:
        if special.search(text):  # most texts: nothing to replace
            for char, entity in replaced:
                text = text.replace(char, entity)
        return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode()

    return escaped


_TEXT_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_xml_text = _lxml_escaper(_TEXT_ENTITIES)
_xml_attribute = _lxml_escaper({**_TEXT_ENTITIES, '"': "&quot;", "\n": "&#10;", "\t": "&#9;"})


class _SheetXmlWriter(WorksheetWriter):
    """openpyxl's sheet writer with the rows written as text, the bytes lxml's incremental
    writer gives (ASCII with character references, empty elements opened and closed): making
    each of a big Phụ lục's 50,000 cells an lxml element took most of its saving time. Cells
    of other kinds (rich text, dates, array formulas, comments, links) are written by openpyxl."""

    def write_rows(self) -> None:
        # the rows are made here: the comments and links found on the way go in the sheet's tail
        self.style_ids: dict[bytes, int] = {}
        rows = "".join(self._rows_xml())
        if ("&#5" in rows or "&#6553" in rows) and _NOT_XML.search(rows):
            self.rows_xml = None  # openpyxl's writer refuses what XML cannot hold, as before
            self.ws._comments, self.ws._hyperlinks = [], []  # found again on its way
            super().write_rows()
            return
        self.rows_xml = f"<sheetData>{rows}</sheetData>".encode()
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            xf.write(_ROWS_STAND_IN)
        self.xf.send(None)

    def with_rows(self, sheet_xml: bytes) -> bytes:
        """The sheet's XML with its rows in place of the stand-in ``write_rows`` left."""
        if self.rows_xml is None:  # written by openpyxl
            return sheet_xml
        stand_in = f"<sheetData>{_xml_text(_ROWS_STAND_IN)}</sheetData>".encode()
        return sheet_xml.replace(stand_in, self.rows_xml, 1)

    def _rows_xml(self) -> list[str]:
        out = []
        dimensions = self.ws.row_dimensions
        letters: dict[int, str] = {}
        for number, cells in self.rows():
            attributes = {"r": f"{number}"}
            attributes.update(dimensions.get(number, {}))
            out.append(
                "<row"
                + "".join(f' {key}="{_xml_attribute(value)}"' for key, value in attributes.items())
                + ">"
            )
            for cell in cells:
                styled = cell.has_style
                if cell._value is None and not styled and cell._comment is None:
                    continue
                letter = letters.get(cell.column)
                if letter is None:
                    letter = letters[cell.column] = get_column_letter(cell.column)
                out.append(self._cell_xml(cell, f"{letter}{number}", styled))
            out.append("</row>")
        return out

    def _cell_xml(self, cell: Cell, coordinate: str, styled: bool) -> str:
        value, kind = cell._value, cell.data_type
        if (
            kind == "d"
            or cell._comment is not None
            or cell.hyperlink is not None
            or not (value is None or isinstance(value, str | int | float))
            or (kind == "s" and not isinstance(value, str) and value is not None)
        ):
            return self._cell_by_openpyxl(cell, styled)
        start = f'<c r="{coordinate}"'
        if styled:
            # the workbook's style list hashes the array in Python, twice: ask it once per array
            array = cell._style.tobytes()
            style = self.style_ids.get(array)
            if style is None:
                style = self.style_ids[array] = cell.style_id
            start += f' s="{style}"'
        if kind == "s":
            start += ' t="inlineStr"'
        elif kind != "f":
            start += f' t="{kind}"'
        if value is None or value == "":
            return start + "></c>"
        if kind == "f":
            return f"{start}><f>{_xml_text(value[1:])}</f><v></v></c>"
        if kind == "s":
            space = ' xml:space="preserve"' if value != value.strip() else ""
            return f"{start}><is><t{space}>{_xml_text(value)}</t></is></c>"
        return f"{start}><v>{_xml_text(safe_string(value))}</v></c>"

    def _cell_by_openpyxl(self, cell: Cell, styled: bool) -> str:
        if cell._comment is not None:
            self.ws._comments.append(CommentRecord.from_cell(cell))
        buffer = io.BytesIO()
        with xmlfile(buffer) as xf:
            write_cell(xf, self.ws, cell, styled)
        return buffer.getvalue().decode("ascii")


# --------------------------------------------------------------------------- text and sizes

# Vietnamese letters take their base letter's width (the horned ơ, ư a little more: _SAFETY).
_WIDTHS = ASCII_ADVANCE
_SAFETY = 1.04  # hinting, horned ơ/ư, renderer differences: rather a line too many
_CELL_PADDING = 5.0  # pt lost to the cell's left and right insets and the borders
_LINE = 1.3125  # line height / font size: Excel gives Times New Roman 12 15.75 pt
_ROW_PADDING = 2.0  # pt above and below the text of a row


def _char_width(char: str, bold: bool) -> int:
    table = _WIDTHS[bold]
    if char in table:
        return table[char]
    if char in "đĐ":
        return table["d" if char == "đ" else "D"]
    base = unicodedata.normalize("NFD", char)[0]
    if base in table:
        return table[base]
    return 0 if unicodedata.combining(char) else 600


class _Advances(dict[str, int]):
    """Character → advance width, each character looked up once (a dict, not a cache of
    words: summing a text's widths is then one C loop)."""

    def __init__(self, bold: bool) -> None:
        super().__init__()
        self.bold = bold

    def __missing__(self, char: str) -> int:
        width = self[char] = _char_width(char, self.bold)
        return width


_ADVANCES = {False: _Advances(False), True: _Advances(True)}


def _text_units(text: str, bold: bool) -> int:
    """Advance width of ``text`` in 1/1000 em."""
    return sum(map(_ADVANCES[bold].__getitem__, text))


def _text_width(text: str, size: float, bold: bool) -> float:
    """Printed width of ``text`` in points."""
    return _text_units(text, bold) * size / 1000 * _SAFETY


@lru_cache(maxsize=4096)
def count_lines(text: str, width_pt: float, size: float, bold: bool = False) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in a cell ``width_pt`` wide."""
    available = max(width_pt - _CELL_PADDING, size)
    # most cells hold one short line: the whole text fits, so no word can wrap (the margin
    # keeps float rounding from ever deciding otherwise than the word by word count below)
    if "\n" not in text and _text_width(text, size, bold) < available - 0.01:
        return 1
    space = _text_width(" ", size, bold)
    total = 0
    for paragraph in text.split("\n"):
        lines, line = 1, 0.0
        for word in paragraph.split(" "):
            width = _text_width(word, size, bold)
            if line and line + space + width <= available:
                line += space + width
                continue
            if line:
                lines += 1
            # a word wider than the cell is broken inside the word
            extra = max(0, math.ceil(width / available) - 1)
            lines += extra
            line = width - extra * available
        total += lines
    return total


def clean_text(text: Any) -> str:
    """Text as Excel can store it: no XML-forbidden characters, at most 32 767 characters."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    if len(cleaned) > EXCEL_TEXT_LIMIT:
        cleaned = cleaned[: EXCEL_TEXT_LIMIT - 1] + "…"
    return cleaned


def put_text(cell: Cell, text: Any) -> None:
    """Store ``text`` as a string, never as a formula ("=…", "+…", "-…", "@…" stay text)."""
    cleaned = clean_text(text)
    # what the value setter would store: a text already cleaned needs none of its checks
    cell._value = cleaned
    cell.data_type = "s"
    if cleaned[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True  # typing over it in Excel keeps it text too


# --------------------------------------------------------------------------- numbers


def excel_number(value: Any) -> int | float | None:
    """The figure as an Excel number, or None when it is not a (finite) number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return None


def _decimals(value: float, limit: int) -> int:
    text = f"{value:.{limit}f}".rstrip("0")
    return len(text.split(".", 1)[1]) if "." in text else 0


def number_format(value: int | float, kind: str) -> str:
    """The format that shows ``value`` the Vietnamese way (see the module's docstring)."""
    places = 0 if isinstance(value, int) else _decimals(value, MAX_DECIMALS)
    if places:
        return decimal_format(places)
    # the literal-dot format has room for two conditions: up to 999.999.999
    return INTEGER_FORMAT if 0 <= value < 10**9 else NEGATIVE_INTEGER_FORMAT


# --------------------------------------------------------------------------- layout


@dataclass
class _Layout:
    """Where one table goes on its sheet."""

    sheet: Worksheet
    table: Table
    titles: list[tuple[str, str]]  # (text, style) lines above the table
    header: int  # first header row
    header_rows: int  # 1 or 2
    caption: int | None
    first_row: int  # first indicator row
    rows: dict[str, int] = field(default_factory=dict)  # indicator id → row number

    @property
    def last_row(self) -> int:
        return (
            self.first_row + len(self.table.rows) - 1
            if self.table.rows
            else (self.caption or self.header + self.header_rows - 1)
        )

    @property
    def figure_column(self) -> int:
        """The first figure column (1-based): the one formulas read."""
        return next(i for i, c in enumerate(self.table.columns, start=1) if c.loai == "so_lieu")


def _title_lines(appendix: Appendix, table: Table) -> list[tuple[str, str]]:
    lines = [(appendix.heading, STYLE_TITLE), (appendix.title, STYLE_TITLE)]
    if appendix.attached_to:
        lines.append((appendix.attached_to, STYLE_ATTACHED))
    lines += [(text, STYLE_TITLE) for text in (table.heading, table.title) if text]
    if table.attached_to:
        lines.append((table.attached_to, STYLE_ATTACHED))
    return [(text, style) for text, style in lines if text and text.strip()]


def _layout(sheet: Worksheet, appendix: Appendix, table: Table) -> _Layout:
    titles = _title_lines(appendix, table)
    header = len(titles) + 2  # one empty row between the titles and the table
    header_rows = 2 if any(column.nhom for column in table.columns) else 1
    caption = header + header_rows if table.caption else None
    first = header + header_rows + (1 if caption else 0)
    layout = _Layout(sheet, table, titles, header, header_rows, caption, first)
    for offset, row in enumerate(table.rows):
        layout.rows.setdefault(row.id, first + offset)
    return layout


_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


def sheet_names(headings: list[str | None], reserved: set[str] = frozenset()) -> list[str]:
    """Valid, distinct sheet names from the tables' headings ("BIỂU MẪU 1"), else "Bảng N";
    ``reserved`` names (lower case) are taken already."""
    names: list[str] = []
    taken = {"history", *reserved}  # "History" is reserved by Excel
    for index, heading in enumerate(headings, start=1):
        raw = _BAD_SHEET_CHARACTERS.sub(" ", clean_text(heading or ""))
        base = re.sub(r"\s+", " ", raw).strip(" '")[:31].strip(" '") or f"Bảng {index}"
        name, number = base, 1
        while name.lower() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[: 31 - len(suffix)].rstrip(" '") + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def _copy_sheet(wb: Workbook, source: Worksheet) -> Worksheet:
    target = wb.copy_worksheet(source)
    target.HeaderFooter = deepcopy(source.HeaderFooter)  # copy_worksheet leaves these out
    target.sheet_view.showGridLines = source.sheet_view.showGridLines
    return target


def _clear(ws: Worksheet) -> None:
    """Whatever a user left on the template's sheet goes; its setup and widths stay."""
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    if ws._cells:  # a note typed in C1 alone is left too
        ws.delete_rows(1, ws.max_row)
    ws.row_dimensions.clear()


def _rich_label(text: str, bold: bool, italic: bool) -> CellRichText | None:
    """The label's **bold** / *italic* parts as Excel rich text; None for plain labels."""
    from .prose import Run, parse_inline

    if "*" not in text:  # no marks (most labels): nothing to parse
        return None
    runs = [item for item in parse_inline(text) if isinstance(item, Run)]
    if not any(run.bold or run.italic for run in runs):
        return None
    blocks: list[str | TextBlock] = []
    for run in runs:
        font = InlineFont(rFont=FONT_NAME, sz=FONT_SIZE, b=bold or run.bold, i=italic or run.italic)
        blocks.append(TextBlock(font, clean_text(run.text)))
    return CellRichText(blocks)


# --------------------------------------------------------------------------- filling a sheet

# Where formulas find a figure: its sheet, its cell, and the number itself when the cell holds
# text (a figure printed with its dien_giai) that arithmetic cannot read.
Found = tuple[str, str, int | float | None]


class _SheetWriter:
    def __init__(
        self,
        layout: _Layout,
        widths: list[float],
        unit_pt: float,
        cell_of: Callable[[str, str], str | None],
        cached: dict[str, int | float],
    ) -> None:
        self.cached = cached  # formula cell → the value the report prints, stored in the file
        self.layout = layout
        self.ws = layout.sheet
        self.widths = widths
        self.widths_pt = [w * unit_pt for w in widths]
        self.cell_of = cell_of
        # (style, bold, italic) → the cell-style array it gives: naming a style and copying a
        # font for each of 50,000 cells was most of a big Phụ lục's time
        self.style_arrays: dict[tuple[str, bool, bool], Any] = {}
        self.font_metrics: dict[int, tuple[float, bool]] = {}  # font id → (size, bold)
        self.columns = layout.table.columns
        self.last = len(self.columns)

    # ----- cells

    def _styled(
        self, row: int, column: int, style: str, *, bold: bool = False, italic: bool = False
    ) -> Cell:
        cell = self.ws.cell(row=row, column=column)
        array = self.style_arrays.get((style, bold, italic))
        if array is not None:
            cell._style = StyleArray(array)  # a copy
            return cell
        cell.style = style
        if (bold and not cell.font.b) or (italic and not cell.font.i):
            font = copy(cell.font)
            font.b = font.b or bold
            font.i = font.i or italic
            cell.font = font
        self.style_arrays[(style, bold, italic)] = copy(cell._style)
        return cell

    def _height(self, cell: Cell, width_pt: float, shown: str | None = None) -> float:
        """Points needed to show the cell's text (or ``shown``, a number as displayed)."""
        text = shown if shown is not None else cell.value
        if text is None or text == "":
            return 0.0
        if not isinstance(text, str):
            text = so(text)
        metrics = self.font_metrics.get(cell._style.fontId)
        if metrics is None:
            metrics = self.font_metrics[cell._style.fontId] = (
                float(cell.font.sz or FONT_SIZE),
                bool(cell.font.b),
            )
        size, bold = metrics
        return count_lines(text, width_pt, size, bold) * size * _LINE + _ROW_PADDING

    def _set_height(self, row: int, needed: float) -> None:
        needed = max(needed, FONT_SIZE * _LINE + _ROW_PADDING)
        self.ws.row_dimensions[row].height = round(min(needed, MAX_ROW_HEIGHT), 2)

    def _merged_text(
        self, row: int, first: int, last: int, text: str, style: str, rows: int = 1
    ) -> Cell:
        """Text in a merged block; every cell of the block gets the style (its borders)."""
        for r in range(row, row + rows):
            for c in range(first, last + 1):
                self._styled(r, c, style)
        cell = self.ws.cell(row=row, column=first)
        put_text(cell, text)
        if rows > 1 or last > first:
            self.ws.merge_cells(
                start_row=row, start_column=first, end_row=row + rows - 1, end_column=last
            )
        return cell

    # ----- parts

    def write(self) -> None:
        ws, layout = self.ws, self.layout
        for index, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        full = sum(self.widths_pt)
        for index, (text, style) in enumerate(layout.titles, start=1):
            cell = self._merged_text(index, 1, self.last, text, style)
            self._set_height(index, self._height(cell, full))
        ws.row_dimensions[len(layout.titles) + 1].height = 9
        self._header()
        if layout.caption:
            self._styled(layout.caption, 1, STYLE_CAPTION)
            cell = self._merged_text(
                layout.caption, 2, self.last, layout.table.caption or "", STYLE_CAPTION
            )
            self._set_height(layout.caption, self._height(cell, sum(self.widths_pt[1:])))
        rows = layout.table.rows
        for index, row in enumerate(rows):
            self._row(layout.first_row + index, row, index)
        last_header = layout.header + layout.header_rows - 1
        ws.print_title_rows = f"{layout.header}:{last_header}"
        ws.freeze_panes = f"A{last_header + 1}"
        ws.print_area = f"A1:{get_column_letter(self.last)}{layout.last_row}"

    def _header(self) -> None:
        top = self.layout.header
        columns, w = self.columns, self.widths_pt
        minimum = FONT_SIZE * _LINE + _ROW_PADDING
        if self.layout.header_rows == 1:
            heights = [
                self._height(self._merged_text(top, i, i, column.label, STYLE_HEADER), w[i - 1])
                for i, column in enumerate(columns, start=1)
            ]
            self._set_height(top, max(heights))
            return
        first = second = tall = 0.0
        index = 0
        while index < len(columns):
            column = columns[index]
            if column.nhom is None:
                cell = self._merged_text(
                    top, index + 1, index + 1, column.label, STYLE_HEADER, rows=2
                )
                tall = max(tall, self._height(cell, w[index]))
                index += 1
                continue
            end = index
            while end < len(columns) and columns[end].nhom == column.nhom:
                end += 1
            group = self._merged_text(top, index + 1, end, column.nhom, STYLE_HEADER)
            first = max(first, self._height(group, sum(w[index:end])))
            for member in range(index, end):
                cell = self._merged_text(
                    top + 1, member + 1, member + 1, columns[member].label, STYLE_HEADER
                )
                second = max(second, self._height(cell, w[member]))
            index = end
        first, second = max(first, minimum), max(second, minimum)
        if tall > first + second:
            extra = (tall - first - second) / 2
            first, second = first + extra, second + extra
        self._set_height(top, first)
        self._set_height(top + 1, second)

    def _children_cells(self, index: int) -> list[str]:
        rows = self.layout.table.rows
        depth = rows[index].depth
        cells = []
        for offset in range(index + 1, len(rows)):
            if rows[offset].depth <= depth:
                break
            if rows[offset].depth == depth + 1:
                cells.append(self.cell_of(self.ws.title, rows[offset].id) or "0")
        return cells

    def _row(self, r: int, row: Row, index: int) -> None:
        cells: list[Cell] = []
        shown: list[str | None] = []
        figures_seen = 0
        for number, column in enumerate(self.columns, start=1):
            text: Any = None
            measured = None
            if column.loai == "stt":
                cell = self._styled(r, number, STYLE_STT, bold=row.bold)
                text = row.stt
            elif column.loai == "chi_tieu":
                italic = row.italic or row.label_italic
                style = STYLE_GROUP if row.bold else STYLE_LABEL
                cell = self._styled(r, number, style, italic=italic)
                rich = _rich_label(row.label_markup, row.bold, italic)
                if rich is not None:
                    cell.value = rich
                    measured = row.label
                else:
                    text = row.label
            elif column.loai == "dvt":
                cell = self._styled(r, number, STYLE_UNIT, italic=row.italic)
                text = row.unit
            elif column.loai == "ghi_chu":
                cell = self._styled(r, number, STYLE_NOTE)
                text = row.note
            elif figures_seen == 0:
                figures_seen += 1
                cell = self._value(r, number, row, index)
                value = excel_number(cell.value)
                measured = so(round(value, 2)) if value is not None else None
            else:
                figure = row.extra[column.ma or ""]
                cell = self._figure(r, number, figure.value, figure.kind, row.italic)
                value = excel_number(figure.value)
                measured = so(round(value, 2)) if value is not None else None
            if text:
                put_text(cell, text)
            cells.append(cell)
            shown.append(measured)
        self._set_height(
            r,
            max(
                self._height(cell, width, text)
                for cell, width, text in zip(cells, self.widths_pt, shown, strict=True)
            ),
        )

    def _figure(self, r: int, column: int, value: Any, kind: str, italic: bool) -> Cell:
        """A figure cell: a number with its Vietnamese format, or text."""
        number = excel_number(value)
        text_value = isinstance(value, str) and value != ""
        left = text_value and (kind in ("chu", "van_ban") or len(value) > 12)
        cell = self._styled(r, column, STYLE_TEXT if left else STYLE_NUMBER, italic=italic)
        if number is not None:
            cell.value = number
            cell.number_format = number_format(number, kind)
        elif value is not None and value != "":
            put_text(cell, value)
            cell.number_format = "General"
        return cell

    def _value(self, r: int, column: int, row: Row, index: int) -> Cell:
        if row.explanation:  # printed as in Word: the figure and its explanation, one text
            cell = self._styled(r, column, STYLE_TEXT, italic=row.italic)
            put_text(cell, row.value_text)
            cell.number_format = "General"
            return cell
        if row.formula is not None and row.computed:
            formula = row.formula.to_excel(
                lambda ref: self.cell_of(self.ws.title, ref), lambda: self._children_cells(index)
            )
            number = excel_number(row.value)
            if formula is not None and number is not None:
                cell = self._styled(r, column, STYLE_NUMBER, italic=row.italic)
                cell.value = "=" + formula
                # shown with the decimals the Word table prints ("76,7", not "76,70")
                cell.number_format = number_format(number, row.kind)
                self.cached[cell.coordinate] = number
                return cell
        return self._figure(r, column, row.value, row.kind, row.italic)


# --------------------------------------------------------------------------- rendering


def render_xlsx(composition: Composition, template_path: Path) -> bytes:
    """The Phụ lục workbook (bytes) from ``composition.appendices`` and the xlsx template:
    one sheet per table."""
    appendices = composition.appendices
    if not appendices:
        raise DataError(
            "báo cáo không có phụ lục (thiếu phu_luc với danh_muc và so_lieu)", path="phu_luc"
        )
    try:
        wb = load_workbook(template_path)
    except Exception as exc:  # a missing or damaged template: say which file
        raise TemplateError(
            "không đọc được mẫu Excel: không phải tệp Excel (.xlsx) hợp lệ, hoặc tệp bị hỏng",
            file=str(template_path),
        ) from exc
    ensure_styles(wb)
    base = wb[SHEET_NAME] if SHEET_NAME in wb.sheetnames else wb.worksheets[0]
    for other in [ws for ws in wb.worksheets if ws is not base]:
        wb.remove(other)
    _clear(base)
    placed = [(appendix, table) for appendix in appendices for table in appendix.tables]
    sheets = [base] + [_copy_sheet(wb, base) for _ in placed[1:]]
    if len(placed) > 1:
        headings = [
            table.heading or (appendix.heading if len(appendix.tables) == 1 else None)
            for appendix, table in placed
        ]
        for sheet, name in zip(sheets, sheet_names(headings), strict=True):
            sheet.title = name
    layouts = [
        _layout(sheet, appendix, table)
        for sheet, (appendix, table) in zip(sheets, placed, strict=True)
    ]
    # formulas read figures of the same appendix only
    where: list[dict[str, Found]] = []
    for appendix in appendices:
        found: dict[str, Found] = {}
        for layout in layouts:
            if not any(layout.table is table for table in appendix.tables):
                continue
            letter = get_column_letter(layout.figure_column)
            for row in layout.table.rows:
                literal = excel_number(row.value) if row.explanation else None
                found.setdefault(
                    row.id, (layout.sheet.title, f"{letter}{layout.rows[row.id]}", literal)
                )
        where.append(found)

    def cell_finder(found: dict[str, Found]) -> Callable[[str, str], str | None]:
        def cell_of(sheet_title: str, node_id: str) -> str | None:
            if node_id not in found:
                return None
            title, cell, literal = found[node_id]
            if literal is not None:
                return repr(literal)
            if title == sheet_title:
                return cell
            return f"{quote_sheetname(title)}!{cell}"

        return cell_of

    normal = wb._named_styles["Normal"].font
    unit_pt = float(normal.sz or FONT_SIZE) * 0.5  # the default font's digit: half an em
    cached: dict[str, dict[str, int | float]] = {}
    for layout, (appendix, table) in zip(layouts, placed, strict=True):
        _page_setup(layout.sheet, table.landscape)
        widths = _column_widths(table.widths, table.landscape)
        cell_of = cell_finder(where[appendices.index(appendix)])
        cached[layout.sheet.title] = {}
        _SheetWriter(layout, widths, unit_pt, cell_of, cached[layout.sheet.title]).write()
    wb.active = 0
    first = appendices[0]
    return with_cached_values(
        workbook_bytes(wb, clean_text(f"{first.heading} – {first.title}")[:255]), cached
    )


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part ("xl/worksheets/sheet1.xml"), from the workbook's relationships."""
    relations = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "").lstrip("/").removeprefix("xl/") for rel in relations
    }
    workbook = etree.fromstring(package.read("xl/workbook.xml"))
    return {
        sheet.get("name"): "xl/" + targets[sheet.get(f"{{{_REL_NS}}}id")]
        for sheet in workbook.iter(f"{{{_MAIN_NS}}}sheet")
    }


def with_cached_values(data: bytes, cached: dict[str, dict[str, int | float]]) -> bytes:
    """The workbook with each formula cell's value stored beside its formula.

    openpyxl writes formulas without a value; Excel recalculates on load, but Protected View
    (an emailed attachment), file previews, mail and chat viewers, openpyxl's data_only and
    pandas read the stored value only and would show an empty cell."""
    if not any(cached.values()):
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {part: cached[name] for name, part in _sheet_parts(source).items() if cached.get(name)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in parts:
                content = _store_values(content, parts[info.filename])
            target.writestr(info, content)
    return buffer.getvalue()


def _store_values(sheet_xml: bytes, values: dict[str, int | float]) -> bytes:
    root = etree.fromstring(sheet_xml)
    for cell in root.iter(f"{{{_MAIN_NS}}}c"):
        value = values.get(cell.get("r", ""))
        if value is None or cell.find(f"{{{_MAIN_NS}}}f") is None:
            continue
        stored = cell.find(f"{{{_MAIN_NS}}}v")
        if stored is None:
            stored = etree.SubElement(cell, f"{{{_MAIN_NS}}}v")
        stored.text = repr(float(value)) if isinstance(value, float) else str(value)
        cell.attrib.pop("t", None)  # a number (the default type)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


__all__ = [
    "INTEGER_FORMAT",
    "NEGATIVE_INTEGER_FORMAT",
    "SHEET_NAME",
    "build_xlsx_template",
    "count_lines",
    "decimal_format",
    "ensure_styles",
    "number_format",
    "put_text",
    "render_xlsx",
    "sheet_names",
]
