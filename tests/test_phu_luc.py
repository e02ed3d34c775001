"""The Phụ lục in Word and in Excel: the same rows and values; a new form is a YAML file."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from openpyxl import load_workbook

from generator.api import check_data, render_report
from generator.formatting import so
from generator.wordml import element_text, qn

from .conftest import EXAMPLES


def _word_rows(docx: Path, tables: int) -> list[list[list[str]]]:
    """Body rows (after the two header rows and any caption row) of the last ``tables``."""
    document = Document(str(docx))
    found = []
    for table in document.tables[-tables:]:
        rows = []
        for tr in table._tbl.findall(qn("w:tr")):
            cells = [element_text(tc) for tc in tr.findall(qn("w:tc"))]
            if tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None and len(cells) == 5:
                rows.append(cells)
        found.append(rows)
    return found


def _excel_rows(xlsx: Path) -> list[list[list[object]]]:
    """Indicator rows of each sheet: those below the header that have a label."""
    workbook = load_workbook(xlsx)
    found = []
    for sheet in workbook.worksheets:
        start = sheet.print_title_rows.split(":")[1]
        first = int(start.lstrip("$")) + 1
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=first, max_col=5)]
        found.append([r for r in rows if r[1] is not None and any(v is not None for v in r)])
    return found


def _same_value(word: str, excel: object, note: str) -> bool:
    if excel is None:
        return word == ""
    if isinstance(excel, int | float):
        return word.split(" ")[0] == so(round(excel, 3)) and (
            " " not in word or word in note or word.split(" ", 1)[1] in note
        )
    return word == excel


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_word_and_excel_show_the_same_rows(path: Path, tmp_path: Path) -> None:
    result = render_report(path, tmp_path)
    docx = next(p for p in result.outputs if p.suffix == ".docx")
    xlsx = next(p for p in result.outputs if p.suffix == ".xlsx")
    (word,) = _word_rows(docx, 1)
    (excel,) = _excel_rows(xlsx)
    word = [r for r in word if r[1]]  # a caption row has no STT and spans the label
    excel = [
        r
        for r in excel
        if r[2] is not None or r[0] is not None or r[3] is not None or r[1] in {w[1] for w in word}
    ]
    assert len(word) == len(excel) > 50
    for w, e in zip(word, excel, strict=True):
        assert w[0] == (e[0] or "")  # STT
        assert w[1] == e[1]  # label
        assert w[2] == (e[2] or "")  # unit
        assert _same_value(w[3], e[3], str(e[4] or "")), (w, e)


CATALOG = """\
ma: so-bieu-mau
tieu_de: PHỤ LỤC
ten_bang: KẾT QUẢ THỰC HIỆN CÁC BIỂU MẪU CỦA {{ ten_co_quan | viet_hoa }}
huong: ngang
stt: {cap: [la_ma, chu], cham_cuoi: false}
bang:
  - tieu_de: BIỂU MẪU 1
    ten: CẢI CÁCH THỦ TỤC HÀNH CHÍNH
    chi_tieu:
      - id: tthc
        ten: Thủ tục hành chính
        con:
          - {id: tiep_nhan, ten: Số hồ sơ tiếp nhận, dvt: Hồ sơ}
          - {id: dung_han, ten: Số hồ sơ giải quyết đúng hạn, dvt: Hồ sơ,
             kiem_tra: "<= [tiep_nhan]"}
          - {id: ty_le, ten: Tỷ lệ đúng hạn, dvt: "%",
             cong_thuc: "[dung_han] / [tiep_nhan] * 100"}
  - tieu_de: BIỂU MẪU 2
    ten: TÀI CHÍNH CÔNG
    cot: {so_lieu: Giá trị}
    chi_tieu:
      - id: tai_chinh
        ten: Tài chính
        con:
          - {id: thu, ten: Tổng thu ngân sách, dvt: Đồng, loai: tien}
          - {id: tu_chu, ten: Thực hiện cơ chế tự chủ, lua_chon: {1: Có, 0: Không}}
"""

DATA = """\
co_quan_chu_quan: UBND TỈNH THỬ
co_quan_ban_hanh: [Sở Tư pháp]
ten_co_quan: Sở Tư pháp
so: 12
ky_hieu: BC-STP
dia_danh: Thử
ngay: 05/01/2025
ky_bao_cao: năm 2024
trich_yeu: Kết quả cải cách hành chính {{ ky_bao_cao }}
noi_dung:
  - tieu_de: Kết quả
    doan: ["Tỷ lệ hồ sơ đúng hạn đạt {{ so_lieu['ty_le'] | phan_tram }}."]
noi_nhan: [Sở Nội vụ]
chu_ky: {chuc_vu: Giám đốc, nguoi_ky: Trần Văn B}
phu_luc:
  danh_muc: bieu_mau.yaml
  so_lieu: {tiep_nhan: 1200, dung_han: 1140, thu: 11171348125, tu_chu: Có}
"""


def test_a_new_form_is_a_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "bieu_mau.yaml").write_text(CATALOG, encoding="utf-8")
    data = tmp_path / "bao_cao_so.yaml"
    data.write_text(DATA, encoding="utf-8")
    assert check_data(data).problems == []
    result = render_report(data, tmp_path / "out")
    docx = next(p for p in result.outputs if p.suffix == ".docx")
    xlsx = next(p for p in result.outputs if p.suffix == ".xlsx")

    document = Document(str(docx))
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    assert document.sections[0].orientation == WD_ORIENT.PORTRAIT
    texts = [p.text for p in document.paragraphs]
    assert "BIỂU MẪU 1" in texts and "BIỂU MẪU 2" in texts
    assert "KẾT QUẢ THỰC HIỆN CÁC BIỂU MẪU CỦA SỞ TƯ PHÁP" in texts
    assert any("đạt 95%." in t for t in texts)
    first, second = _word_rows(docx, 2)
    assert [r[0] for r in first] == ["I", "a)", "b)", "c)"]
    assert first[3][1:4] == ["Tỷ lệ đúng hạn", "%", "95"]
    assert second[1][1:4] == ["Tổng thu ngân sách", "Đồng", "11.171.348.125"]
    assert second[2][3] == "1"

    workbook = load_workbook(xlsx)
    assert [s.title for s in workbook.worksheets] == ["BIỂU MẪU 1", "BIỂU MẪU 2"]
    formula = [
        c.value
        for row in workbook["BIỂU MẪU 1"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert formula and "IFERROR" in formula[0]
    assert workbook["BIỂU MẪU 1"].page_setup.orientation == "landscape"


def test_a_failed_check_of_a_new_form_names_its_row(tmp_path: Path) -> None:
    (tmp_path / "bieu_mau.yaml").write_text(CATALOG, encoding="utf-8")
    data = tmp_path / "bao_cao_so.yaml"
    data.write_text(DATA.replace("dung_han: 1140", "dung_han: 1300"), encoding="utf-8")
    warnings = [str(p) for p in check_data(data).warnings]
    assert warnings == [
        f"{data}:17: cảnh báo: phu_luc.so_lieu.dung_han: BIỂU MẪU 1, b) Số hồ sơ giải quyết "
        "đúng hạn: 1.300 lớn hơn 1.200 ở a) Số hồ sơ tiếp nhận",
        f"{data}:17: cảnh báo: phu_luc.so_lieu.ty_le: BIỂU MẪU 1, c) Tỷ lệ đúng hạn: 108,33 "
        "nằm ngoài khoảng 0–100 của một tỷ lệ phần trăm",
    ]


def test_the_phu_luc_is_written_as_lxml_writes_it(tmp_path: Path) -> None:
    """The Phụ lục's markup goes into document.xml without being parsed (docx_render.hold_out):
    it must be the bytes a parse and a write would give, for any text (escapes, carriage
    returns, spaces kept at the ends, a row long enough to break across pages)."""
    import zipfile

    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.parser import parse_xml

    (tmp_path / "bieu_mau.yaml").write_text(CATALOG, encoding="utf-8")
    data = tmp_path / "bao_cao_so.yaml"
    tricky = (
        # carriage returns from an expression (the data's own are read as line ends)
        'tiep_nhan: {gia_tri: 1200, ghi_chu: "  a & <b> \\"c\\" x>y'
        "{{ '\\\\r\\\\n' }}d{{ '\\\\r' }}e\\tf  \"}, "
        f'thu: {{gia_tri: 11171348125, ghi_chu: "{"rất dài " * 120}"}}, '
    )
    figures = "so_lieu: {" + tricky + "dung_han: 1140, tu_chu: Có}"
    data.write_text(DATA.replace(DATA.splitlines()[-1].strip(), figures), encoding="utf-8")
    result = render_report(data, tmp_path / "out")
    docx = next(p for p in result.outputs if p.suffix == ".docx")
    with zipfile.ZipFile(docx) as package:
        xml = package.read("word/document.xml")
    assert serialize_part_xml(parse_xml(xml)) == xml
    assert b'&lt;b&gt; "c" x&gt;y\n</w:t>' in xml  # "\r" read as a parser reads it
    assert b"<w:trPr/>" in xml  # the long row may break across pages


def test_only_this_renders_stand_ins_are_replaced() -> None:
    """A paragraph that looks like a stand-in (a template's own text, an earlier render's
    token) stays as it is; the Phụ lục goes where this render's stand-in is."""
    from generator.docx_render import SECTION_BREAK, hold_out, put_back

    kept, held = hold_out(f"<w:p/>{SECTION_BREAK}<w:tbl>bảng</w:tbl>")
    (stand_in,) = held
    lookalike = b"<w:p><w:r><w:t>\xe2\x81\xa3baocao:giu:0\xe2\x81\xa3</w:t></w:r></w:p>"
    written = lookalike + kept.encode()
    assert stand_in in written and stand_in != lookalike
    assert put_back(written, held) == lookalike + kept.encode().replace(
        stand_in, "<w:tbl>bảng</w:tbl>".encode()
    )
    assert hold_out(f"<w:p/>{SECTION_BREAK}x")[1].keys() != held.keys()  # a token per render
