"""Laying out a Composition as a Word document: docxtpl fills the template's tags, the body,
footnotes and the Phụ lục are built here as WordprocessingML and dropped in at {{p …}} tags.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from copy import deepcopy
from functools import lru_cache
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from lxml import etree

from . import wordml
from .catalog import Cot, Row, Table
from .compose import Appendix, BodyTable, Composition, Heading, Paragraph
from .errors import TemplateError
from .formatting import FILTERS
from .marks import MarkSink, add_manifest, mark_paragraph_text, split_marked
from .output import document_parts, package
from .prose import (
    MARK_CLOSE,
    MARK_OPEN,
    BoundedOperations,
    Inline,
    NoteRef,
    ProseError,
    Run,
    check_nesting,
    computation_message,
    parse_inline,
    security_message,
    syntax_message,
)
from .wordml import TWIPS_PER_CM, qn

PARAGRAPH_STYLES = {"doan": "BCDoan", "gach": "BCGach", "cong": "BCGach", "sao": "BCGach"}
# Context names a template may use; `baocao template check` lists any other tag as unknown.
TEMPLATE_NAMES = (
    "co_quan_chu_quan",
    "co_quan_ban_hanh",
    "so",
    "dia_danh_ngay",
    "trich_yeu",
    "mo_dau",
    "noi_dung",
    "ket_luan",
    "noi_nhan",
    "tham_quyen",
    "nguoi_ky",
    "phu_luc",
    "ky_bao_cao",
    "ten_co_quan",
    "dia_danh",
    "du_thao",
)


class Placeholder:
    """What docxtpl prints at a {{p …}} tag: a marker paragraph that the built body replaces
    after rendering (the body never goes through Jinja, nor through docxtpl's regexes)."""

    def __init__(self, name: str) -> None:
        self.marker = f"\u2063baocao:{name}\u2063"  # invisible separators: never typed by users

    def __html__(self) -> str:
        return f"<w:p><w:r><w:t>{self.marker}</w:t></w:r></w:p>"


# --------------------------------------------------------------------------- inline runs


class Marking:
    """Turns the value frames of composed text into bookmarks, collecting the marks."""

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        self.keys = keys
        self.sink = MarkSink()

    def runs(
        self, text: str, bold: bool = False, italic: bool = False, size_pt: float | None = None
    ) -> list[str]:
        if MARK_OPEN not in text and MARK_CLOSE not in text:
            return text_runs(text, bold, italic, size_pt)
        out = []
        for number, piece in split_marked(text):
            runs = text_runs(piece, bold, italic, size_pt)
            if number is None or number >= len(self.keys):
                out.extend(runs)
            else:
                key, path = self.keys[number]
                out.append(self.sink.frame(key, path, piece, "".join(runs)))
        return out

    def cell(self, key: str, text: str, runs: list[str]) -> list[str]:
        return [self.sink.frame(key, key, text, "".join(runs))]


def inline_runs(
    inlines: list[Inline],
    size_pt: float | None = None,
    bold: bool = False,
    italic: bool = False,
    marking: Marking | None = None,
) -> list[str]:
    runs = []
    for item in inlines:
        if isinstance(item, NoteRef):
            runs.append(wordml.footnote_reference(item.number))
        elif isinstance(item, Run):
            style = (bold or item.bold, italic or item.italic, size_pt)
            if marking is not None:
                runs.extend(marking.runs(item.text, *style))
            else:
                runs.extend(text_runs(item.text, *style))
    return runs


def text_runs(
    text: str, bold: bool = False, italic: bool = False, size_pt: float | None = None
) -> list[str]:
    """Runs for a text that may hold line breaks (enum options, multi-line titles)."""
    if "\n" not in text:
        return [wordml.run(text, bold, italic, size_pt)] if text else []
    runs = []
    for index, line in enumerate(text.split("\n")):
        if index:
            runs.append(wordml.LINE_BREAK)
        if line:
            runs.append(wordml.run(line, bold, italic, size_pt))
    return runs


# --------------------------------------------------------------------------- body


def body_markup(
    composition: Composition, text_width: int, marking: Marking | None = None
) -> list[str]:
    out = []
    for block in composition.body:
        if isinstance(block, Heading):
            style = f"BCMuc{min(block.level, 4)}"
            runs = [wordml.run(f"{block.number} "), *inline_runs(block.inlines, marking=marking)]
            out.append(wordml.paragraph(style, runs))
        elif isinstance(block, Paragraph):
            out.append(
                wordml.paragraph(
                    PARAGRAPH_STYLES[block.kind], inline_runs(block.inlines, marking=marking)
                )
            )
        elif isinstance(block, BodyTable):
            out.append(body_table(block, text_width, marking))
            out.append(wordml.paragraph("BCDoan"))
    return out


def _scaled(weights: list[float], total: int) -> list[int]:
    widths = [int(total * w / sum(weights)) for w in weights]
    widths[-1] += total - sum(widths)
    return widths


def body_table(table: BodyTable, text_width: int, marking: Marking | None = None) -> str:
    columns = len(table.header)
    widths = _scaled(table.widths or [1.0] * columns, text_width)
    header = wordml.row(
        [
            wordml.cell(
                widths[i],
                [
                    wordml.paragraph(
                        "BCBang", inline_runs(text, bold=True, marking=marking), align="center"
                    )
                ],
            )
            for i, text in enumerate(table.header)
        ],
        header=True,
    )
    rows = [header]
    for cells in table.rows:
        rows.append(
            wordml.row(
                [
                    wordml.cell(
                        widths[i],
                        [wordml.paragraph("BCBang", inline_runs(text, marking=marking))],
                    )
                    for i, text in enumerate(cells)
                ]
            )
        )
    return wordml.table(widths, rows, borders=True)


# --------------------------------------------------------------------------- Phụ lục


SECTION_BREAK = "<w:p><w:pPr><w:sectPr/></w:pPr></w:p>"


def appendix_markup(
    appendix: Appendix,
    widths: dict[bool, int],
    marking: Marking | None = None,
    first_table: int = 0,
) -> list[str]:
    """One appendix, starting on a new page; a table turned the other way from the one
    before starts a section of its own. ``widths``: the text width by orientation;
    ``first_table``: the number of its first table among all appendices (for the marks)."""
    # Each empty sectPr is filled after rendering (finish_sections): the appendix starts on a
    # new page in a section of its own.
    out = [SECTION_BREAK]
    for line in (appendix.heading, appendix.title):
        if line:
            out.append(wordml.paragraph("BCPhuLucTieuDe", text_runs(line)))
    if appendix.attached_to:
        runs = text_runs(appendix.attached_to)
        if marking is not None:
            runs = marking.cell("kem_theo", appendix.attached_to, runs)
        out.append(wordml.paragraph("BCPhuLucKemTheo", runs))
    landscape = appendix.landscape
    for index, table in enumerate(appendix.tables):
        number = first_table + index
        if index and table.landscape != landscape:
            out.append(SECTION_BREAK)
            landscape = table.landscape
        for line in (table.heading, table.title):
            if line:
                out.append(wordml.paragraph("BCPhuLucTieuDe", text_runs(line)))
        if table.attached_to:
            out.append(wordml.paragraph("BCPhuLucKemTheo", text_runs(table.attached_to)))
        out.append(wordml.paragraph("BCPhuLucBang"))
        table_widths = _scaled(table.widths, widths[table.landscape])
        out.append(appendix_table(table, table_widths, marking, number))
        out.append(wordml.paragraph("BCPhuLucBang"))
    return out


def section_layout(appendices: list[Appendix]) -> list[tuple[bool, bool]]:
    """(landscape, starts an appendix) for each section after the report's body, in order."""
    found = []
    for appendix in appendices:
        found.append((appendix.landscape, True))
        for previous, table in zip(appendix.tables, appendix.tables[1:], strict=False):
            if table.landscape != previous.landscape:
                found.append((table.landscape, False))
    return found


def _cell(
    width: int,
    text: str,
    align: str,
    bold: bool = False,
    italic: bool = False,
    mark: tuple[Marking, str] | None = None,
    **options: Any,
) -> str:
    runs = text_runs(text, bold, italic)
    if mark is not None:
        runs = mark[0].cell(mark[1], text, runs)
    if options:
        return wordml.cell(width, [wordml.paragraph("BCPhuLucBang", runs, align=align)], **options)
    before, after = _cell_frame(width, align)
    return before + "".join(runs) + after


@lru_cache(maxsize=256)
def _cell_frame(width: int, align: str) -> tuple[str, str]:
    """The markup of a Phụ lục cell before and after its runs, as wordml writes it, made once
    for each width and alignment (a table of 10,000 rows has 50,000 cells)."""
    slot = "\0"  # never in markup
    cell = wordml.cell(width, [wordml.paragraph("BCPhuLucBang", [slot], align=align)])
    before, after = cell.split(slot)
    return before, after


def _header_rows(columns: list[Cot], widths: list[int]) -> list[str]:
    """One header row, or two when columns are grouped under a shared label (``nhom``):
    the group's label spans its columns, the other labels span both rows."""
    if not any(column.nhom for column in columns):
        return [
            wordml.row(
                [
                    _cell(width, column.label, "center", bold=True)
                    for column, width in zip(columns, widths, strict=True)
                ],
                header=True,
            )
        ]
    first, second = [], []
    index = 0
    while index < len(columns):
        column = columns[index]
        if column.nhom is None:
            first.append(_cell(widths[index], column.label, "center", bold=True, vmerge="restart"))
            second.append(_cell(widths[index], "", "center", vmerge="continue"))
            index += 1
            continue
        end = index
        while end < len(columns) and columns[end].nhom == column.nhom:
            end += 1
        span = end - index
        first.append(
            _cell(sum(widths[index:end]), column.nhom, "center", bold=True, span=span)
            if span > 1
            else _cell(widths[index], column.nhom, "center", bold=True)
        )
        for member in range(index, end):
            second.append(_cell(widths[member], columns[member].label, "center", bold=True))
        index = end
    return [wordml.row(first, header=True), wordml.row(second, header=True)]


def appendix_table(
    table: Table, widths: list[int], marking: Marking | None = None, number: int = 0
) -> str:
    """The table's header (repeated on every page), caption row and indicator rows."""
    rows = _header_rows(table.columns, widths)
    if table.caption:
        rows.append(
            wordml.row(
                [
                    _cell(widths[0], "", "center"),
                    _cell(sum(widths[1:]), table.caption, "left", bold=True, span=len(widths) - 1),
                ]
            )
        )
    rows.extend(appendix_row(row, table.columns, widths, marking, number) for row in table.rows)
    return wordml.table(widths, rows, borders=True)


# A row taller than this may break across pages: keeping it whole would leave most of a page
# blank (seed 002 lists twelve publication dates in one cell).
MAX_UNSPLIT_LINES = 10


def _figure_align(kind: str, value: Any, explained: bool) -> str:
    long_text = isinstance(value, str) and len(value) > 12
    return "left" if kind in ("chu", "van_ban") or explained or long_text else "center"


def _label_cell(width: int, row: Row, mark: tuple[Marking, str] | None) -> str:
    italic = row.italic or row.label_italic
    if "*" in row.label_markup:
        runs = inline_runs(
            [item for item in parse_inline(row.label_markup) if isinstance(item, Run)],
            bold=row.bold,
            italic=italic,
        )
    else:
        runs = text_runs(row.label, row.bold, italic)
    if mark is not None:
        runs = mark[0].cell(mark[1], row.label, runs)
    before, after = _cell_frame(width, "left")
    return before + "".join(runs) + after


# The Phụ lục columns, as named in the marks of their cells (other figure columns: their ma).
CELL_COLUMNS = {"stt": "stt", "chi_tieu": "chi_tieu", "dvt": "don_vi", "ghi_chu": "ghi_chu"}


def appendix_row(
    row: Row,
    columns: list[Cot],
    widths: list[int],
    marking: Marking | None = None,
    table_number: int = 0,
) -> str:
    cells, texts = [], []
    figures_seen = 0
    for column, width in zip(columns, widths, strict=True):
        if column.loai == "so_lieu":
            name = "so_lieu" if figures_seen == 0 else column.ma or ""
        else:
            name = CELL_COLUMNS[column.loai]
        mark = (marking, f"o:{table_number}:{row.id}:{name}") if marking is not None else None
        if column.loai == "stt":
            cells.append(_cell(width, row.stt, "center", bold=row.bold, mark=mark))
            texts.append(row.stt)
        elif column.loai == "chi_tieu":
            cells.append(_label_cell(width, row, mark))
            texts.append(row.label)
        elif column.loai == "dvt":
            cells.append(_cell(width, row.unit, "center", italic=row.italic, mark=mark))
            texts.append(row.unit)
        elif column.loai == "ghi_chu":
            cells.append(_cell(width, row.note, "left", mark=mark))
            texts.append(row.note)
        else:
            if figures_seen == 0:
                align = _figure_align(column.kieu or row.kind, row.value, bool(row.explanation))
                text = row.value_text
            else:
                figure = row.extra[column.ma or ""]
                align = _figure_align(figure.kind, figure.value, False)
                text = figure.text
            figures_seen += 1
            cells.append(_cell(width, text, align, italic=row.italic, mark=mark))
            texts.append(text)
    lines = max(wordml.estimated_lines(t, w) for t, w in zip(texts, widths, strict=True))
    return wordml.row(cells, keep_whole=lines <= MAX_UNSPLIT_LINES)


# --------------------------------------------------------------------------- post-processing

RULE_STYLE = "BCKeNgan"
_IS_RULE = f'w:pPr/w:pStyle/@w:val="{RULE_STYLE}"'
# Found by XPath, not by a walk in Python: a body of 10,000 paragraphs holds a handful of each.
_RULES_AND_SECTION_ENDS = etree.XPath(
    f"./w:p[{_IS_RULE} or w:pPr/w:sectPr] | ./w:tbl//w:p[{_IS_RULE}]", namespaces=wordml.NSMAP
)
_TABLES_AND_SECTION_ENDS = etree.XPath("./w:tbl | ./w:p[w:pPr/w:sectPr]", namespaces=wordml.NSMAP)
_EMPTY_SECTION_BREAKS = etree.XPath("./w:p/w:pPr/w:sectPr[not(*)]", namespaces=wordml.NSMAP)


def _text_width(sect_pr: etree._Element) -> int:
    size, margins = sect_pr.find(qn("w:pgSz")), sect_pr.find(qn("w:pgMar"))
    return (
        int(size.get(qn("w:w"))) - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))
    )


def _run_size(p: etree._Element, default: float = 14) -> tuple[float, bool]:
    size = p.find(f".//{qn('w:sz')}")
    bold = p.find(f".//{qn('w:b')}") is not None
    return (int(size.get(qn("w:val"))) / 2 if size is not None else default), bold


def _rule_paragraphs(body: etree._Element) -> Iterator[etree._Element]:
    """The rule paragraphs, searched before the Phụ lục's section break only: a table of
    10,000 rows below it holds none."""
    style, section = f"{qn('w:pPr')}/{qn('w:pStyle')}", f"{qn('w:pPr')}/{qn('w:sectPr')}"
    for p in _RULES_AND_SECTION_ENDS(body):
        if p.getparent() is not body:  # in a table
            yield p
            continue
        named = p.find(style)
        if named is not None and named.get(qn("w:val")) == RULE_STYLE:
            yield p
        if p.find(section) is not None:
            return


CELL_PADDING = 2 * 108 + 60  # Word's default cell margins both sides, and room for rounding


def _column_need(cells: list[etree._Element]) -> int:
    """The width the longest line of these cells needs so that it does not wrap."""
    need = 0
    for cell in cells:
        for p in cell.iter(qn("w:p")):
            text = wordml.element_text(p).strip()
            if text:
                size, bold = _run_size(p)
                need = max(need, wordml.text_width_twips(text, size, bold))
    return need + CELL_PADDING


def size_header_columns(body: etree._Element) -> None:
    """Widen the header's left column (agency names) when a name would wrap in it, taking the
    room from the right column as far as the national motto (its first row) still fits on
    one line: "UBND HUYỆN ĐAN PHƯỢNG" stays on one line. A name too long for any column wraps
    onto two lines, as NĐ30 allows; the template's widths are the minimum."""
    header = body.find(qn("w:tbl"))
    grid = header.find(qn("w:tblGrid")) if header is not None else None
    columns = grid.findall(qn("w:gridCol")) if grid is not None else []
    rows = header.findall(qn("w:tr")) if header is not None else []
    if len(columns) != 2 or not rows or any(len(r.findall(qn("w:tc"))) != 2 for r in rows):
        return
    left, right = (int(c.get(qn("w:w"))) for c in columns)
    total = left + right
    motto = _column_need([rows[0].findall(qn("w:tc"))[1]])
    wanted = min(_column_need([r.findall(qn("w:tc"))[0] for r in rows]), total - motto)
    if wanted <= left:
        return
    widths = (wanted, total - wanted)
    for column, width in zip(columns, widths, strict=True):
        column.set(qn("w:w"), str(width))
    for tr in rows:
        for tc, width in zip(tr.findall(qn("w:tc")), widths, strict=True):
            tcw = wordml.child(wordml.child(tc, "w:tcPr", first=True), "w:tcW", first=True)
            tcw.set(qn("w:w"), str(width))
            tcw.set(qn("w:type"), "dxa")


def size_short_rules(body: etree._Element, text_width: int) -> None:
    """Lines under the agency name (about 40% of it), the motto (its full length) and the
    trích yếu (a short centred line), sized from the text above each rule."""
    for p in list(_rule_paragraphs(body)):
        above = p.getprevious()
        while (
            above is not None and above.tag == qn("w:p") and not wordml.element_text(above).strip()
        ):
            above = above.getprevious()
        if above is None or above.tag != qn("w:p"):
            continue
        text = wordml.element_text(above).strip()
        size, bold = _run_size(above)
        width = wordml.text_width_twips(text, size, bold)
        cell = p.getparent()
        column = text_width
        if cell.tag == qn("w:tc"):
            tcw = cell.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
            column = int(tcw.get(qn("w:w"))) - 170 if tcw is not None else text_width
        if text.startswith("Độc lập"):
            rule = width
        elif cell.tag == qn("w:tc"):
            rule = max(int(1.5 * TWIPS_PER_CM), int(width * 0.4))
        else:
            rule = max(int(2.5 * TWIPS_PER_CM), min(int(4 * TWIPS_PER_CM), width // 3))
        wordml.short_rule(p, min(rule, column), column)


def _top_level_text(element: etree._Element) -> str:
    return " ".join(wordml.element_text(element).split())


def keep_closing_together(body: etree._Element, signer: str) -> None:
    """The Nơi nhận / signature block never splits and never starts a page alone: its rows
    cannot break, and the body's last paragraph (the closing sentence, whole) and any empty
    paragraphs between them keep with it, so a page break moves them to the next page too."""
    closing = None
    for block in _TABLES_AND_SECTION_ENDS(body):
        if block.tag == qn("w:p"):
            break  # the report's section ends here: what follows is the Phụ lục
        text = _top_level_text(block)
        if "Nơi nhận" in text or (signer and signer in text):
            closing = block  # the last one: a table in the body may name the signer too
    if closing is None:
        return
    for tr in closing.iterchildren(qn("w:tr")):
        props = wordml.child(tr, "w:trPr", first=True)
        if props.find(qn("w:cantSplit")) is None:
            props.insert(0, wordml.el("w:cantSplit"))
    above = closing.getprevious()
    while above is not None and above.tag == qn("w:p"):
        wordml.keep_with_next(above, whole=True)
        if _top_level_text(above):
            break
        above = above.getprevious()


# what follows w:pgNumType in a w:sectPr (the schema fixes the order)
_AFTER_PAGE_NUMBERING = (
    "cols",
    "formProt",
    "vAlign",
    "noEndnote",
    "titlePg",
    "textDirection",
    "bidi",
    "rtlGutter",
    "docGrid",
    "printerSettings",
    "sectPrChange",
)


def finish_sections(
    body: etree._Element, layout: list[tuple[bool, bool]], after_report: bool = True
) -> None:
    """Give each appendix (and each table turned the other way) its own section, in the
    order of ``layout`` (landscape, starts an appendix). After a report, the first break
    paragraph closes the report's body with its own page setup. NĐ30 (Phụ lục I) numbers each
    Phụ lục's pages on their own: a section that starts an appendix restarts at 1 and, like
    the report, shows no number on its first page; a table turned the other way continues
    its appendix's numbers."""
    final = body.find(qn("w:sectPr"))
    breaks = _EMPTY_SECTION_BREAKS(body)
    if not breaks and after_report:
        return
    first_page = deepcopy(final)
    title_page = final.find(qn("w:titlePg"))
    if title_page is not None:
        final.remove(title_page)
    for reference in final.findall(qn("w:headerReference")):
        if reference.get(qn("w:type")) == "first":
            final.remove(reference)
    continued = deepcopy(final)
    sections = [first_page] if after_report else []
    for turned, starts in layout:
        section = deepcopy(first_page if starts else continued)
        if starts:
            restart_page_numbers(section)
        if turned:
            wordml.landscape(section)
        sections.append(section)
    for empty, section in zip(breaks, sections, strict=False):
        empty.getparent().replace(empty, section)
    last = sections[-1] if sections else None
    if last is not None and last is not first_page:
        final.getparent().replace(final, deepcopy(last))


def restart_page_numbers(sect_pr: etree._Element) -> None:
    numbering = sect_pr.find(qn("w:pgNumType"))
    if numbering is None:
        numbering = wordml.el("w:pgNumType")
        later = next(
            (c for c in sect_pr if c.tag in {qn(f"w:{t}") for t in _AFTER_PAGE_NUMBERING}), None
        )
        if later is not None:
            later.addprevious(numbering)
        else:
            sect_pr.append(numbering)
    numbering.set(qn("w:start"), "1")


def appendix_text_width(template_body: etree._Element, landscape: bool) -> int:
    sect_pr = template_body.find(qn("w:sectPr"))
    if not landscape:
        return _text_width(sect_pr)
    turned = deepcopy(sect_pr)
    wordml.landscape(turned)
    return _text_width(turned)


# --------------------------------------------------------------------------- rendering


class _TemplateSandbox(BoundedOperations):
    """The sandbox templates render in, with the bounds of report prose; compiled templates
    are kept, so a folder of reports made from the same template compiles it once."""

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self.filters.update(FILTERS)
        self.globals.clear()  # templates loop over the report's lists; no range() to spin on
        self._compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if "{" not in source and "\r" not in source and not source.endswith("\n"):
            return _PlainText(source)  # a header, a document property: no tag in it
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) > 32:
                self._compiled.clear()
            check_nesting(source, self)
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


class _PlainText:
    """A template source without a tag, which Jinja would print as it is (it only rewrites
    carriage returns, and drops a line feed at the very end), so it is not compiled."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.text


_SANDBOX: _TemplateSandbox | None = None


def _environment() -> _TemplateSandbox:
    global _SANDBOX
    if _SANDBOX is None:
        _SANDBOX = _TemplateSandbox()
    return _SANDBOX


# The parts built in code, by the {{p …}} tag they replace, and what each is called.
PART_NAMES = {
    "mo_dau": "đoạn mở đầu",
    "noi_dung": "nội dung báo cáo",
    "ket_luan": "đoạn kết",
    "phu_luc": "phụ lục",
}
FRAGMENTS = tuple(PART_NAMES)


def fragments_markup(
    composition: Composition,
    text_width: int,
    appendix_widths: dict[bool, int],
    marking: Marking | None = None,
) -> dict[str, str]:
    """The built parts of the document, as WordprocessingML, by the tag they replace."""
    parts = {
        "mo_dau": "".join(
            wordml.paragraph("BCDoan", inline_runs(p.inlines, marking=marking))
            for p in composition.opening
        ),
        "noi_dung": "".join(body_markup(composition, text_width, marking)),
        "ket_luan": wordml.paragraph(
            "BCDoan", inline_runs(composition.closing.inlines, marking=marking)
        ),
    }
    appendix: list[str] = []  # after the body: marks are numbered in reading order
    first_table = 0
    for item in composition.appendices:
        appendix += appendix_markup(item, appendix_widths, marking, first_table)
        first_table += len(item.tables)
    parts["phu_luc"] = "".join(appendix)
    return parts


def insert_fragments(document: Any, markup: dict[str, str], template_name: str) -> Any:
    """Put each built part where its placeholder paragraph was rendered.

    The splice is done on the document's XML text, which is then parsed once: moving a
    large subtree between lxml documents costs more than parsing the whole document.
    """
    from docx.oxml.parser import parse_xml

    xml = etree.tostring(document.element, encoding="unicode")
    for name, text in markup.items():
        placeholder = Placeholder(name)
        if placeholder.__html__() in xml:
            xml = xml.replace(placeholder.__html__(), text)
        elif placeholder.marker in xml:
            raise TemplateError(
                f"thẻ của phần '{name}' phải đứng riêng một đoạn và viết {{{{p {name} }}}}",
                file=template_name,
            )
        elif text:  # a part with content and nowhere to go would vanish from the report
            raise TemplateError(
                f"mẫu không có thẻ {{{{p {name} }}}} nên {PART_NAMES[name]} không in được; "
                "thêm thẻ này vào mẫu (xem `baocao template check`)",
                file=template_name,
            )
    document.part._element = parse_xml(xml.encode("utf-8"))
    return document.part.document  # a Document over the new tree


# A big Phụ lục is most of the document's XML (a table of 10,000 rows is 14 MB), and nothing
# done after rendering changes inside it but its empty section breaks. So it stays out of the
# document tree: each stretch after a section break is held out, a small stand-in paragraph
# takes its place, and the stretch goes back into the written document.xml. Parsing and
# writing it again cost more than building it. The markup is written as lxml writes it (no
# empty elements as <x></x>; text escaped as in esc), so the bytes are the same either way.
_STAND_IN = "<w:p><w:r><w:t>\u2063baocao:giu:{}\u2063</w:t></w:r></w:p>"


def hold_out(markup: str) -> tuple[str, dict[bytes, bytes]]:
    """``markup`` with each stretch after a section break replaced by a stand-in, and the
    stretches held out by their stand-ins (as the bytes lxml would write for them). A
    stand-in carries a token drawn for this render: no text a template or a user holds can
    be taken for one."""
    first, *stretches = markup.split(SECTION_BREAK)
    token = os.urandom(8).hex()
    kept = [first]
    held = {}
    for number, stretch in enumerate(stretches):
        stand_in = _STAND_IN.format(f"{token}-{number}") if stretch else ""
        if stretch:
            held[stand_in.encode()] = _as_parsed(stretch).encode()
        kept.append(SECTION_BREAK + stand_in)
    return "".join(kept), held


def _as_parsed(markup: str) -> str:
    """Line ends as an XML parser reads them: a carriage return (typed as "\\r" in YAML)
    becomes a line feed."""
    if "\r" not in markup:
        return markup
    return markup.replace("\r\n", "\n").replace("\r", "\n")


def put_back(xml: bytes, held: dict[bytes, bytes]) -> bytes:
    """The written document.xml with each stand-in replaced by the stretch it holds."""
    for stand_in, stretch in held.items():
        xml = xml.replace(stand_in, stretch, 1)
    return xml


def template_context(composition: Composition) -> dict[str, Any]:
    report = composition.report
    return {
        "co_quan_chu_quan": composition.co_quan_chu_quan,
        "co_quan_ban_hanh": composition.co_quan_ban_hanh,
        "so": composition.so_ky_hieu.removeprefix("Số: "),
        "dia_danh_ngay": composition.dia_danh_ngay,
        "trich_yeu": composition.trich_yeu,
        **{name: Placeholder(name) for name in FRAGMENTS},
        "noi_nhan": composition.noi_nhan,
        "tham_quyen": composition.signature_lines,
        "nguoi_ky": composition.signer,
        "ky_bao_cao": str(report.ky_bao_cao),
        "ten_co_quan": report.ten_co_quan,
        "dia_danh": report.dia_danh,
        "du_thao": report.du_thao,
    }


def _template_error(template_name: str, exc: Exception) -> TemplateError:
    where = ""
    context = [line.strip() for line in getattr(exc, "docx_context", []) or [] if line.strip()]
    if context:
        where = f" (gần đoạn: “{' '.join(context)[:120]}”)"
    if isinstance(exc, TemplateSyntaxError):
        return TemplateError(
            f"thẻ mẫu sai cú pháp: {syntax_message(exc)}{where}", file=template_name, line=None
        )
    if isinstance(exc, UndefinedError):
        name = re.search(r"'([^']+)' is undefined", exc.message or "")
        attribute = re.search(r"has no attribute '([^']*)'", exc.message or "")
        tag = (
            f"thẻ '{name.group(1)}'"
            if name
            else f"thuộc tính '{attribute.group(1)}'"
            if attribute
            else "một thẻ"
        )
        return TemplateError(
            f"mẫu dùng {tag} không có trong dữ liệu{where}; các thẻ dùng được: "
            + ", ".join(TEMPLATE_NAMES),
            file=template_name,
        )
    if isinstance(exc, SecurityError):
        return TemplateError(
            f"thẻ mẫu không được phép: {security_message(exc)}{where}", file=template_name
        )
    if isinstance(exc, ProseError):
        return TemplateError(f"thẻ mẫu không được phép: {exc}{where}", file=template_name)
    return TemplateError(
        f"không dùng được mẫu: {computation_message(exc)}{where}", file=template_name
    )


def render_docx(
    composition: Composition, template_path: Path, fingerprint: str | None = None
) -> bytes:
    """The report as DOCX bytes, stamped with ``fingerprint`` when given (the caller writes
    them atomically). A composition made with marks gets its values marked (see marks.py)."""
    try:
        template = DocxTemplate(str(template_path))
        document = template.get_docx()
    except Exception as exc:  # a broken or non-Word file
        raise TemplateError(
            "không mở được mẫu: không phải tệp Word (.docx) hợp lệ", file=str(template_path)
        ) from exc
    body = document.element.body
    text_width = _text_width(body.find(qn("w:sectPr")))
    widths = {turned: appendix_text_width(body, turned) for turned in (False, True)}
    marking = Marking(composition.marks) if composition.marked else None
    markup = fragments_markup(composition, text_width, widths, marking)
    markup["phu_luc"], held = hold_out(markup["phu_luc"])
    try:
        template.render(template_context(composition), _environment())
    except (
        TemplateSyntaxError,
        UndefinedError,
        SecurityError,
        ProseError,
        TypeError,
        ValueError,
        ArithmeticError,
        LookupError,
    ) as exc:
        raise _template_error(str(template_path), exc) from exc
    if marking is not None:
        mark_template_values(template.docx.element.body, composition, marking.sink)
    document = insert_fragments(template.docx, markup, str(template_path))
    body = document.element.body
    size_header_columns(body)
    size_short_rules(body, text_width)
    keep_closing_together(body, composition.signer)
    finish_sections(body, section_layout(composition.appendices))
    ensure_styles(document)
    if composition.footnotes:
        wordml.add_footnotes(
            document,
            [note.text for note in composition.footnotes],
            (lambda text: "".join(marking.runs(text))) if marking else wordml.run,
        )
    if marking is not None:
        add_manifest(document, marking.sink.marks)
    core = document.core_properties
    core.title = f"Báo cáo {composition.trich_yeu}"[:250]
    core.author = composition.report.ten_co_quan[:255]  # Word's limit for the property
    core.comments = "Tạo bởi baocao"
    parts = document_parts(document)
    name = document.part.partname.membername
    parts[name] = put_back(parts[name], held)
    return package(parts, fingerprint)


def mark_template_values(body: etree._Element, composition: Composition, sink: MarkSink) -> None:
    """Mark the values the template printed (số, ngày, trích yếu, signer) where they stand."""
    paragraphs = list(body.iter(qn("w:p")))
    number = composition.so_ky_hieu.removeprefix("Số: ").strip()
    mark_paragraph_text(paragraphs, number, sink, "so")
    mark_paragraph_text(paragraphs, composition.dia_danh_ngay, sink, "ngay")
    mark_paragraph_text(paragraphs, composition.trich_yeu, sink, "trich_yeu")
    mark_paragraph_text(paragraphs, composition.signer, sink, "nguoi_ky", last=True)


def render_appendix_docx(
    composition: Composition, template_path: Path, fingerprint: str | None = None
) -> bytes:
    """The appendices alone as a Word document (``baocao phu-luc --docx``): the template's
    page setup, styles, header and footer, with the appendices as its whole body."""
    from docx import Document
    from docx.oxml.parser import parse_xml

    try:
        document = Document(str(template_path))
    except Exception as exc:  # a broken or non-Word file
        raise TemplateError(
            "không mở được mẫu: không phải tệp Word (.docx) hợp lệ", file=str(template_path)
        ) from exc
    body = document.element.body
    widths = {turned: appendix_text_width(body, turned) for turned in (False, True)}
    markup = "".join(
        part for appendix in composition.appendices for part in appendix_markup(appendix, widths)
    )
    markup = markup.removeprefix(SECTION_BREAK)  # the document starts with the appendix
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    holder = parse_xml(f'<w:body xmlns:w="{wordml.NSMAP["w"]}">{markup}</w:body>'.encode())
    final = body.find(qn("w:sectPr"))
    for child in list(holder):
        final.addprevious(child)
    finish_sections(body, section_layout(composition.appendices), after_report=False)
    ensure_styles(document)
    first = composition.appendices[0]
    core = document.core_properties
    core.title = f"{first.heading} {first.title}".strip()[:250]
    core.author = composition.report.ten_co_quan[:255]  # Word's limit for the property
    core.comments = "Tạo bởi baocao"
    return package(document_parts(document), fingerprint)


_SHIPPED_STYLES: dict[str, etree._Element] | None = None


def ensure_styles(document: Any) -> None:
    """A user's own template may lack the BC… styles the body uses: copy them from ours."""
    global _SHIPPED_STYLES
    styles = document.styles.element
    present = {s.get(qn("w:styleId")) for s in styles.findall(qn("w:style"))}
    needed = {
        *PARAGRAPH_STYLES.values(),
        "BCMuc1",
        "BCMuc2",
        "BCMuc3",
        "BCMuc4",
        "BCBang",
        "BCKeNgan",
        "BCPhuLucTieuDe",
        "BCPhuLucKemTheo",
        "BCPhuLucBang",
        "FootnoteText",
        "FootnoteReference",
    }
    missing = needed - present
    if not missing:
        return
    if _SHIPPED_STYLES is None:
        from docx import Document

        from .templates import shipped_template

        shipped = Document(str(shipped_template("docx")))
        _SHIPPED_STYLES = {
            s.get(qn("w:styleId")): s for s in shipped.styles.element.findall(qn("w:style"))
        }
    for style_id in sorted(missing):
        if style_id in _SHIPPED_STYLES:
            styles.append(deepcopy(_SHIPPED_STYLES[style_id]))
