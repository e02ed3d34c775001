"""Build the shipped templates reproducibly: templates/docx/bao_cao.docx and xlsx/phu_luc.xlsx.

Run `make templates` after changing this file; tests/test_templates.py fails when the committed
templates differ from what this script builds. The templates hold the page setup, the styles
and the fixed wording (header block, title, closing block); the body and the Phụ lục are built
in code (generator/docx_render.py) and dropped in at the {{p …}} tags.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Cm, Pt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import wordml  # noqa: E402

FIXED_TIME = (2024, 1, 1, 0, 0, 0)

# Style id → (name shown in Word, base, font size pt, bold, italic, alignment, first-line cm,
# space after pt, keep with next)
PARAGRAPH_STYLES = {
    "BCDoan": ("BC Đoạn văn", None, 14, False, False, "justify", 1.27, 6, False),
    "BCGach": ("BC Gạch đầu dòng", "BCDoan", 14, False, False, "justify", 1.27, 6, False),
    "BCMuc1": ("BC Mục cấp 1", "BCDoan", 14, True, False, "justify", 1.27, 6, True),
    "BCMuc2": ("BC Mục cấp 2", "BCDoan", 14, True, False, "justify", 1.27, 6, True),
    "BCMuc3": ("BC Mục cấp 3", "BCDoan", 14, True, True, "justify", 1.27, 6, True),
    "BCMuc4": ("BC Mục cấp 4", "BCDoan", 14, False, True, "justify", 1.27, 6, True),
    "BCKeNgan": ("BC Đường kẻ ngắn", None, 4, False, False, "center", 0, 0, False),
    "BCBang": ("BC Chữ trong bảng", None, 13, False, False, "left", 0, 0, False),
    "BCPhuLucTieuDe": ("BC Phụ lục tiêu đề", None, 14, True, False, "center", 0, 0, True),
    "BCPhuLucKemTheo": ("BC Phụ lục kèm theo", None, 14, False, True, "center", 0, 6, True),
    "BCPhuLucBang": ("BC Phụ lục chữ trong bảng", None, 12, False, False, "left", 0, 0, False),
    "FootnoteText": ("footnote text", None, 11, False, False, "justify", 0, 0, False),
}
ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
}


def _styles(document: Document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = wordml.FONT
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    for style_id, (
        name,
        base,
        size,
        bold,
        italic,
        align,
        indent,
        after,
        keep,
    ) in PARAGRAPH_STYLES.items():
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(wordml.qn("w:styleId"), style_id)
        style.base_style = (
            styles["Normal"] if base is None else next(s for s in styles if s.style_id == base)
        )
        style.quick_style = True
        font = style.font
        font.name = wordml.FONT
        font.size = Pt(size)
        font.bold = bold
        font.italic = italic
        fmt = style.paragraph_format
        fmt.alignment = ALIGN[align]
        fmt.first_line_indent = Cm(indent) if indent else None
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(after)
        if style_id.startswith(("BCDoan", "BCGach", "BCMuc")):
            fmt.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
            fmt.line_spacing = 1.15
        if style_id in ("BCBang", "BCPhuLucBang"):
            fmt.space_before = Pt(2)
            fmt.space_after = Pt(2)
        fmt.keep_with_next = keep or None
    reference = styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
    reference.element.set(wordml.qn("w:styleId"), "FootnoteReference")
    reference.font.superscript = True
    wordml.force_fonts(styles.element)


def _para(
    container,
    text: str = "",
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: str = "center",
    style: str | None = None,
):
    paragraph = container.add_paragraph(style=style)
    paragraph.alignment = ALIGN[align]
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold or None
        run.italic = italic or None
    return paragraph


def _borderless_table(document: Document, widths_cm: list[float], rows: int):
    table = document.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    wordml.table_borders(table._tbl, visible=False)
    wordml.table_grid(table._tbl, [round(w * wordml.TWIPS_PER_CM) for w in widths_cm])
    for row in table.rows:
        for index, width in enumerate(widths_cm):
            row.cells[index].width = Cm(width)
    return table


def _first_paragraph(cell):
    """A new cell holds one empty paragraph: use it for the first line."""
    return cell.paragraphs[0]


def _cell_lines(cell, lines: list[tuple[str, float, bool, bool, str | None]]) -> None:
    for index, (text, size, bold, italic, style) in enumerate(lines):
        paragraph = _first_paragraph(cell) if index == 0 else cell.add_paragraph()
        if style:
            paragraph.style = cell.part.document.styles[PARAGRAPH_STYLES[style][0]]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if text:
            run = paragraph.add_run(text)
            run.font.size = Pt(size)
            run.bold = bold or None
            run.italic = italic or None


def build_docx_template() -> bytes:
    document = Document()
    _styles(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.header_distance, section.footer_distance = Cm(1), Cm(1)
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    header_paragraph = section.header.paragraphs[0]
    header_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for field_run in wordml.page_field(13):
        header_paragraph._p.append(field_run)

    body = document._body._body
    body.remove(body[0]) if len(body) and body[0].tag == wordml.qn("w:p") else None

    # Header block: agency | national motto; number | place and date.
    header = _borderless_table(document, [6.2, 10.3], rows=2)
    _cell_lines(
        header.cell(0, 0),
        [
            ("{%p if co_quan_chu_quan %}", 13, False, False, None),
            ("{{ co_quan_chu_quan }}", 13, False, False, None),
            ("{%p endif %}", 13, False, False, None),
            ("{%p for dong in co_quan_ban_hanh %}", 13, True, False, None),
            ("{{ dong }}", 13, True, False, None),
            ("{%p endfor %}", 13, True, False, None),
            ("", 4, False, False, "BCKeNgan"),
        ],
    )
    _cell_lines(
        header.cell(0, 1),
        [
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12.5, True, False, None),
            ("Độc lập - Tự do - Hạnh phúc", 14, True, False, None),
            ("", 4, False, False, "BCKeNgan"),
        ],
    )
    _cell_lines(header.cell(1, 0), [("Số: {{ so }}", 13, False, False, None)])
    _cell_lines(header.cell(1, 1), [("{{ dia_danh_ngay }}", 14, False, True, None)])
    for cell in (header.cell(1, 0), header.cell(1, 1)):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)

    _para(document, "")
    _para(document, "BÁO CÁO", 14, bold=True)
    _para(document, "{{ trich_yeu }}", 14, bold=True)
    _para(document, style=PARAGRAPH_STYLES["BCKeNgan"][0])
    _para(document, "")
    for tag in ("{{p mo_dau }}", "{{p noi_dung }}", "{{p ket_luan }}"):
        _para(document, tag, align="justify", style=PARAGRAPH_STYLES["BCDoan"][0])

    closing = _borderless_table(document, [6.7, 9.8], rows=1)
    _cell_lines(
        closing.cell(0, 0),
        [
            ("Nơi nhận:", 12, True, True, None),
            ("{%p for dong in noi_nhan %}", 11, False, False, None),
            ("{{ dong }}", 11, False, False, None),
            ("{%p endfor %}", 11, False, False, None),
        ],
    )
    for paragraph in closing.cell(0, 0).paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _cell_lines(
        closing.cell(0, 1),
        [
            ("{%p for dong in tham_quyen %}", 14, True, False, None),
            ("{{ dong }}", 14, True, False, None),
            ("{%p endfor %}", 14, True, False, None),
            *[("", 14, False, False, None)] * 5,  # room for the signature and the seal
            ("{{ nguoi_ky }}", 14, True, False, None),
        ],
    )
    _para(document, "{{p phu_luc }}", align="left")

    package = document.part.package
    for rel in list(package.rels.values()):
        if rel.reltype.endswith("/thumbnail"):  # python-docx's default template's picture
            package.rels.pop(rel.rId)
    core = document.core_properties
    core.author = "baocao"
    core.last_modified_by = "baocao"
    core.title = "Báo cáo"
    core.created = core.modified = dt.datetime(2024, 1, 1)
    core.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Same parts, fixed timestamps: the committed template only changes when its content does."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def build_xlsx() -> bytes:
    from generator.xlsx_render import build_xlsx_template

    return normalise_zip(build_xlsx_template())


TEMPLATES = {
    "docx/bao_cao.docx": build_docx_template,
    "xlsx/phu_luc.xlsx": build_xlsx,
}


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else ROOT / "templates"
    only = argv[2:] or list(TEMPLATES)
    for relative, build in TEMPLATES.items():
        if relative not in only:
            continue
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build())
        print(f"đã dựng {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
