"""The BÁO CÁO as Word: every line of the NĐ30 layout reference, checked by reopening the file."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Mm

from generator.api import load_report
from generator.docx_render import MAX_UNSPLIT_LINES
from generator.wordml import (
    element_text,
    estimated_lines,
    qn,
    read_footnotes,
    text_width_twips,
)

from .conftest import EXAMPLE, ROOT
from .docx_helpers import (
    find_paragraph,
    has_bottom_border,
    long_unit_names_report,
    normalised_xml,
    open_docx,
    paragraph_alignment,
    paragraph_format,
    rendered_bytes,
    rule_width_twips,
    run_flag,
    run_size_pt,
    text_runs,
)

HUYEN = EXAMPLE["huyen_huong_hoa_quy1_2021"]
THI_XA = EXAMPLE["thi_xa_nga_nam_nam_2021"]
XA = EXAMPLE["xa_hoang_cat_6_thang_2024"]
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module", params=[HUYEN, THI_XA, XA], ids=lambda p: p.stem)
def example(request):
    path = request.param
    return path, load_report(path), open_docx(rendered_bytes(path))


@pytest.fixture(scope="module")
def huyen():
    return open_docx(rendered_bytes(HUYEN))


# --------------------------------------------------------------------------- page


def test_page_is_a4_portrait_with_nd30_margins(example) -> None:
    _, _, document = example
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.page_height - Mm(297)) < Mm(0.5)
    assert Mm(20) <= section.top_margin <= Mm(25)
    assert Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35)
    assert Mm(15) - Mm(0.1) <= section.right_margin <= Mm(20)  # 1.5 cm is 850.4 twips


def test_times_new_roman_everywhere(example) -> None:
    _, _, document = example
    styles = document.styles.element
    fonts = list(styles.iter(qn("w:rFonts")))
    assert fonts
    for element in fonts:
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            assert element.get(qn(attr)) is None
    defaults = styles.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}"
    )
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        assert defaults.get(qn(attr)) == "Times New Roman"
    body = document.element.body
    for element in body.iter(qn("w:rFonts")):
        assert element.get(qn("w:ascii")) in (None, "Times New Roman")


def test_page_number_in_header_from_page_two(example) -> None:
    _, _, document = example
    section = document.sections[0]
    assert section.different_first_page_header_footer  # w:titlePg
    assert section.first_page_header.is_linked_to_previous is False
    assert all(not p.text.strip() for p in section.first_page_header.paragraphs)
    header = section.header.paragraphs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    instructions = [t.text.strip() for t in header._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE"]
    sizes = {int(s.get(qn("w:val"))) / 2 for s in header._p.iter(qn("w:sz"))}
    assert sizes and all(13 <= s <= 14 for s in sizes)


# --------------------------------------------------------------------------- header block


def test_header_block(example) -> None:
    _, composition, document = example
    report = composition.report
    table = document.tables[0]
    borders = table._tbl.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    assert len(table.columns) == 2
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.iter(qn("w:gridCol"))]
    assert grid[1] > grid[0]  # the motto column is wide enough for one line
    left = [p for p in table.cell(0, 0).paragraphs if p.text.strip()]
    agency_lines = [line.upper() for line in report.co_quan_ban_hanh]
    for paragraph in left:
        assert paragraph_alignment(paragraph) == WD_ALIGN_PARAGRAPH.CENTER
    agency = [p for p in left if p.text in agency_lines]
    assert [p.text for p in agency] == agency_lines
    for paragraph in agency:
        for run in text_runs(paragraph):
            assert run_flag(run, paragraph, "bold")
            assert 12 <= run_size_pt(run, paragraph) <= 13
    if report.co_quan_chu_quan:
        parent = find_paragraph(left, report.co_quan_chu_quan.upper())
        assert not run_flag(text_runs(parent)[0], parent, "bold")
    rule = table.cell(0, 0).paragraphs[-1]
    assert has_bottom_border(rule)
    longest = max(text_width_twips(line, 13, True) for line in agency_lines)
    column = int(table.cell(0, 0)._tc.tcPr.tcW.get(qn("w:w"))) - 170
    width = rule_width_twips(rule, column)
    assert longest / 3 <= width <= longest / 2
    number = table.cell(1, 0).paragraphs[0]
    expected = (
        "Số:      /BC-UBND"
        if report.du_thao or report.so is None
        else f"Số: {report.so:02d}/{report.ky_hieu}"
    )
    assert number.text == expected
    assert run_size_pt(text_runs(number)[0], number) == 13

    right = table.cell(0, 1).paragraphs
    motto_title, motto = right[0], right[1]
    assert motto_title.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert all(run_flag(r, motto_title, "bold") for r in text_runs(motto_title))
    assert all(12 <= run_size_pt(r, motto_title) <= 13 for r in text_runs(motto_title))
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert all(
        run_flag(r, motto, "bold") and 13 <= run_size_pt(r, motto) <= 14 for r in text_runs(motto)
    )
    motto_rule = right[2]
    assert has_bottom_border(motto_rule)
    column = int(table.cell(0, 1)._tc.tcPr.tcW.get(qn("w:w"))) - 170
    assert abs(rule_width_twips(motto_rule, column) - text_width_twips(motto.text, 14, True)) <= 2
    date = table.cell(1, 1).paragraphs[0]
    assert all(
        run_flag(r, date, "italic") and 13 <= run_size_pt(r, date) <= 14 for r in text_runs(date)
    )


def test_header_left_column_widens_for_a_long_name(tmp_path) -> None:
    from generator.docx_render import CELL_PADDING

    data = long_unit_names_report(tmp_path)
    table = open_docx(rendered_bytes(data)).tables[0]
    left, right = (int(c.get(qn("w:w"))) for c in table._tbl.iter(qn("w:gridCol")))
    assert left + right == 3515 + 5840  # the template's two columns, the text width
    assert left >= text_width_twips("UBND HUYỆN ĐAN PHƯỢNG", 13) + CELL_PADDING
    assert right >= text_width_twips("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12.5, True) + 216
    for row in table.rows:
        assert [int(c._tc.tcPr.tcW.get(qn("w:w"))) for c in row.cells] == [left, right]
    shipped = open_docx(rendered_bytes(EXAMPLE["xa_hoang_cat_6_thang_2024"])).tables[0]
    assert int(shipped._tbl.find(f"{qn('w:tblGrid')}/{qn('w:gridCol')}").get(qn("w:w"))) < left


def test_text_width_uses_times_new_roman_advances() -> None:
    # Liberation Serif / Times New Roman: "UBND HUYỆN ĐAN PHƯỢNG" at 13 pt is 3502 twips wide
    assert abs(text_width_twips("UBND HUYỆN ĐAN PHƯỢNG", 13) - 3502) <= 5
    assert abs(text_width_twips("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12.5, True) - 5215) <= 5
    assert text_width_twips("ƯỚ", 10) > text_width_twips("UÓ", 10)  # the horn takes room


def test_dates_follow_nd30_padding() -> None:
    document = open_docx(rendered_bytes(HUYEN))
    assert document.tables[0].cell(1, 1).paragraphs[0].text == "Hướng Hóa, ngày 16 tháng 3 năm 2021"
    assert (
        open_docx(rendered_bytes(XA)).tables[0].cell(1, 1).paragraphs[0].text
        == "Hoàng Cát, ngày 04 tháng 6 năm 2024"
    )


def test_title_and_trich_yeu(example) -> None:
    _, composition, document = example
    paragraphs = document.paragraphs
    title = find_paragraph(paragraphs, "BÁO CÁO")
    assert paragraph_alignment(title) == WD_ALIGN_PARAGRAPH.CENTER
    assert all(
        run_flag(r, title, "bold") and 13 <= run_size_pt(r, title) <= 14 for r in text_runs(title)
    )
    index = paragraphs.index(title)
    subject = paragraphs[index + 1]
    assert subject.text == composition.trich_yeu
    assert paragraph_alignment(subject) == WD_ALIGN_PARAGRAPH.CENTER
    assert all(
        run_flag(r, subject, "bold") and run_size_pt(r, subject) == 14 for r in text_runs(subject)
    )
    assert has_bottom_border(paragraphs[index + 2])


# --------------------------------------------------------------------------- body


def test_body_paragraph_format(example) -> None:
    _, _, document = example
    body = [
        p
        for p in document.paragraphs
        if p.style.style_id in ("BCDoan", "BCGach") and p.text.strip()
    ]
    assert len(body) > 10
    for paragraph in body:
        assert paragraph_alignment(paragraph) == WD_ALIGN_PARAGRAPH.JUSTIFY
        indent = paragraph_format(paragraph, "first_line_indent")
        assert indent in (Cm(1), Cm(1.27))
        assert paragraph_format(paragraph, "space_after").pt >= 6
        spacing = paragraph_format(paragraph, "line_spacing")
        assert 1.0 <= spacing <= 1.5
        for run in text_runs(paragraph):
            assert 13 <= run_size_pt(run, paragraph) <= 14


def test_headings_in_order_with_generated_numbers(example) -> None:
    _, composition, document = example
    headings = [p for p in document.paragraphs if p.style.style_id.startswith("BCMuc")]
    assert [p.text for p in headings] == composition.headings
    for paragraph in headings:
        assert paragraph.style.style_id != "BCMuc1" or run_flag(
            paragraph.runs[0], paragraph, "bold"
        )


def test_seed_headings_exactly() -> None:
    assert load_report(HUYEN).headings[:3] == [
        "I. Công tác chỉ đạo, điều hành",
        "1. Xây dựng và ban hành kế hoạch cải cách hành chính",
        "2. Công tác tổ chức chỉ đạo điều hành cải cách hành chính của UBND huyện",
    ]
    thi_xa = load_report(THI_XA).headings
    assert "2.1. Cải cách thể chế" in thi_xa
    assert (
        thi_xa.index("II. KẾT QUẢ THỰC HIỆN CẢI CÁCH HÀNH CHÍNH NĂM 2021")
        < thi_xa.index("2.1. Cải cách thể chế")
        < thi_xa.index("III. ĐÁNH GIÁ CHUNG")
    )
    xa = [h for h in load_report(XA).headings if re.match(r"^[IVX]+\.", h)]
    # the seed numbered its last part "IV." right after "II.": generated numbering fixes it
    assert [h.split(".")[0] for h in xa] == ["I", "II", "III"]


def test_bullets_and_inline_styles() -> None:
    document = open_docx(rendered_bytes(HUYEN))
    dashes = [p for p in document.paragraphs if p.text.startswith("- ")]
    assert len(dashes) > 20
    assert {p.style.style_id for p in dashes} == {"BCGach"}


def test_opening_paragraph_cites_the_document(example) -> None:
    _, composition, document = example
    opening = [
        p.text for p in document.paragraphs if p.style.style_id == "BCDoan" and p.text.strip()
    ][: len(composition.opening)]
    assert opening == [
        "".join(getattr(i, "text", "") for i in p.inlines) for p in composition.opening
    ]
    huyen = load_report(HUYEN).opening
    text = "".join(getattr(i, "text", "") for i in huyen[0].inlines)
    assert text.startswith(
        "Thực hiện Công văn số 172/SNV-CCHCVTVL ngày 09/3/2021 của Sở Nội "
        "vụ về việc Hướng dẫn báo cáo CCHC định kỳ năm 2021, UBND huyện "
        "Hướng Hóa báo cáo"
    )


# --------------------------------------------------------------------------- footnotes


def _footnote_reference_ids(document) -> list[int]:
    return [
        int(ref.get(qn("w:id"))) for ref in document.element.body.iter(qn("w:footnoteReference"))
    ]


def test_thi_xa_has_the_seeds_22_footnotes_in_order() -> None:
    document = open_docx(rendered_bytes(THI_XA))
    notes = read_footnotes(document)
    assert len(notes) == 22
    assert _footnote_reference_ids(document) == list(range(1, 23))
    assert notes[0].startswith("Kế hoạch số 11/KH-UBND ngày 02/02/2021")
    assert notes[5].startswith("Kế hoạch số 06/KH-UBND ngày 19/01/2021")  # seed: "06/KHUBND"
    assert notes[12].startswith("Công văn số 126/UBND-VP ngày 26/3/2021")
    assert notes[21].startswith("Kế hoạch liên tịch số 634/KHLT-PTP-CA-BHXH ngày 01/12/2020")


def test_footnotes_part_is_real_word_footnotes() -> None:
    data = rendered_bytes(THI_XA)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
        footnotes = archive.read("word/footnotes.xml")
        settings = archive.read("word/settings.xml").decode()
    assert 'PartName="/word/footnotes.xml"' in types
    assert "wordprocessingml.footnotes+xml" in types
    assert 'relationships/footnotes" Target="footnotes.xml"' in rels
    root = zipfile and __import__("lxml.etree").etree.fromstring(footnotes)
    notes = root.findall(qn("w:footnote"))
    assert [(n.get(qn("w:type")), n.get(qn("w:id"))) for n in notes[:2]] == [
        ("separator", "-1"),
        ("continuationSeparator", "0"),
    ]
    for note in notes[2:]:
        assert note.find(f".//{qn('w:footnoteRef')}") is not None
        style = note.find(f".//{qn('w:pStyle')}")
        assert style.get(qn("w:val")) == "FootnoteText"
    assert "<w:footnotePr>" in settings
    document = open_docx(data)
    text_style = document.styles["footnote text"]
    assert 10 <= text_style.font.size.pt <= 12
    assert document.styles["footnote reference"].font.superscript
    for ref in document.element.body.iter(qn("w:footnoteReference")):
        run_style = ref.getparent().find(f"{qn('w:rPr')}/{qn('w:rStyle')}")
        assert run_style.get(qn("w:val")) == "FootnoteReference"


def test_citation_correction_changes_every_place(examples_copy: Path) -> None:
    """One correction of a plan's number changes every citation and footnote."""
    path = examples_copy / THI_XA.name
    text = path.read_text(encoding="utf-8")
    assert text.count("so_ky_hieu: 11/KH-UBND") == 1
    path.write_text(
        text.replace("so_ky_hieu: 11/KH-UBND", "so_ky_hieu: 12/KH-UBND"), encoding="utf-8"
    )
    before = load_report(THI_XA)
    after = load_report(path)
    old = [n.text for n in before.footnotes]
    new = [n.text for n in after.footnotes]
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    assert changed == [0]
    assert new[0].startswith("Kế hoạch số 12/KH-UBND")
    body_before = " ".join(str(b) for b in before.body)
    body_after = " ".join(str(b) for b in after.body)
    assert body_before.count("11/KH-UBND") == body_after.count("12/KH-UBND") > 0
    assert "11/KH-UBND" not in body_after


# --------------------------------------------------------------------------- tables


def test_body_table_has_borders_and_bold_centred_header() -> None:
    document = open_docx(rendered_bytes(THI_XA))
    contact = next(t for t in document.tables if t.cell(0, 1).text == "Nội dung")
    borders = contact._tbl.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
    assert {b.get(qn("w:val")) for b in borders} == {"single"}
    header = contact.rows[0]
    assert header._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    for cell in header.cells:
        paragraph = cell.paragraphs[0]
        assert paragraph_alignment(paragraph) == WD_ALIGN_PARAGRAPH.CENTER
        assert all(run_flag(r, paragraph, "bold") for r in text_runs(paragraph))
    assert [c.text for c in contact.rows[1].cells] == [
        "1",
        "Lãnh đạo phụ trách CCHC",
        "Kim Thái Phong",
        "Chủ tịch UBND thị xã",
        "0918037364",
    ]


# --------------------------------------------------------------------------- closing block


def test_closing_block(example) -> None:
    _, composition, document = example
    closing_text = "".join(getattr(i, "text", "") for i in composition.closing.inlines)
    assert closing_text.endswith("./.")
    find_paragraph(document.paragraphs, closing_text)
    table = next(t for t in document.tables if t.cell(0, 0).paragraphs[0].text == "Nơi nhận:")
    borders = table._tbl.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    left = table.cell(0, 0).paragraphs
    heading = left[0]
    assert all(
        run_flag(r, heading, "bold")
        and run_flag(r, heading, "italic")
        and run_size_pt(r, heading) == 12
        for r in text_runs(heading)
    )
    lines = [p for p in left[1:] if p.text.strip()]
    assert [p.text for p in lines] == composition.noi_nhan
    for paragraph in lines[:-1]:
        assert paragraph.text.startswith("- ") and paragraph.text.endswith(";")
    assert re.fullmatch(r"- Lưu: VT(, .+)?\.", lines[-1].text)
    assert all(run_size_pt(r, p) == 11 for p in lines for r in text_runs(p))
    right = [p for p in table.cell(0, 1).paragraphs if p.text.strip()]
    assert [p.text for p in right] == [*composition.signature_lines, composition.signer]
    for paragraph in right:
        assert paragraph_alignment(paragraph) == WD_ALIGN_PARAGRAPH.CENTER
        assert all(
            run_flag(r, paragraph, "bold") and 13 <= run_size_pt(r, paragraph) <= 14
            for r in text_runs(paragraph)
        )
    gap = table.cell(0, 1).paragraphs
    assert sum(1 for p in gap if not p.text.strip()) >= 3  # room for signature and seal


def test_seed_signers() -> None:
    assert load_report(HUYEN).signature_lines == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert load_report(HUYEN).signer == "Đặng Trọng Vân"
    assert load_report(THI_XA).signer == "Kim Thái Phong"
    assert load_report(XA).signature_lines == ["CHỦ TỊCH"]
    assert load_report(HUYEN).noi_nhan == [
        "- Sở Nội vụ;",
        "- Chủ tịch, các PCT UBND huyện;",
        "- Các phòng, ban chuyên môn;",
        "- Lưu: VT, CCHC.",
    ]


# --------------------------------------------------------------------------- Phụ lục


def test_each_appendix_numbers_its_pages_from_one(tmp_path: Path) -> None:
    import yaml

    from generator import render_report

    data = yaml.safe_load(EXAMPLE["xa_hoang_cat_6_thang_2024"].read_text(encoding="utf-8"))
    data["phu_luc"] = [data["phu_luc"], dict(data["phu_luc"])]  # Phụ lục I and Phụ lục II
    source = tmp_path / "hai_phu_luc.yaml"
    source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    document = Document(str(render_report(source, tmp_path).outputs[0]))
    report, *appendices = document.sections
    assert len(appendices) == 2
    assert report._sectPr.find(qn("w:pgNumType")) is None
    for section in appendices:
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        assert section.different_first_page_header_footer


def test_appendix_in_its_own_section(example) -> None:
    _, composition, document = example
    assert len(document.sections) == 2
    first, appendix = document.sections
    assert first.different_first_page_header_footer
    # NĐ30 Phụ lục I: a Phụ lục's pages are numbered on their own, from 1, and like the
    # report's its first page shows no number
    assert appendix.different_first_page_header_footer
    assert all(not p.text.strip() for p in appendix.first_page_header.paragraphs)
    numbering = appendix._sectPr.find(qn("w:pgNumType"))
    assert numbering is not None and numbering.get(qn("w:start")) == "1"
    assert first._sectPr.find(qn("w:pgNumType")) is None
    expected = WD_ORIENT.LANDSCAPE if composition.appendix.landscape else WD_ORIENT.PORTRAIT
    assert appendix.orientation == expected
    paragraphs = document.paragraphs
    heading = find_paragraph(paragraphs, composition.appendix.heading)
    index = paragraphs.index(heading)
    title = paragraphs[index + 1]
    assert title.text == composition.appendix.title and title.text == title.text.upper()
    for paragraph in (heading, title):
        assert paragraph_alignment(paragraph) == WD_ALIGN_PARAGRAPH.CENTER
        assert all(
            run_flag(r, paragraph, "bold") and run_size_pt(r, paragraph) == 14
            for r in text_runs(paragraph)
        )
    attached = paragraphs[index + 2]
    assert attached.text == composition.appendix.attached_to
    assert paragraph_alignment(attached) == WD_ALIGN_PARAGRAPH.CENTER
    assert all(run_flag(r, attached, "italic") for r in text_runs(attached))


def test_appendix_attached_line_from_metadata() -> None:
    assert (
        load_report(HUYEN).appendix.attached_to
        == "(Kèm theo Báo cáo số 123/BC-UBND ngày 16/3/2021 của UBND huyện Hướng Hóa)"
    )
    assert (
        load_report(XA).appendix.attached_to
        == "(Kèm theo Báo cáo số      /BC-UBND ngày 04/6/2024 của UBND xã Hoàng Cát)"
    )


def _appendix_table(document):
    return document.tables[-1]


def test_appendix_table_header_and_rows(example) -> None:
    _, composition, document = example
    table = _appendix_table(document)
    columns = composition.appendix.tables[0].columns
    first, second = table.rows[0], table.rows[1]
    for row in (first, second):
        assert row._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    merged = first._tr.findall(qn("w:tc"))[2]
    assert merged.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}").get(qn("w:val")) == "2"
    assert element_text(merged) == columns[2].nhom == columns[3].nhom
    second_texts = [element_text(tc) for tc in second._tr.findall(qn("w:tc"))]
    assert second_texts[2:4] == [columns[2].label, columns[3].label]
    vmerge = [
        tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}") is not None
        for tc in second._tr.findall(qn("w:tc"))
    ]
    assert vmerge == [True, True, False, False, True]
    rows = composition.appendix.tables[0].rows
    body_rows = table.rows[2 + (1 if composition.appendix.tables[0].caption else 0) :]
    assert len(body_rows) == len(rows)
    widths = [int(c.get(qn("w:w"))) for c in table._tbl.iter(qn("w:gridCol"))]
    for row, expected in zip(body_rows, rows, strict=True):
        texts = [expected.stt, expected.label, expected.unit, expected.value_text, expected.note]
        tall = max(estimated_lines(t, w) for t, w in zip(texts, widths, strict=True))
        kept_whole = row._tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
        assert kept_whole == (tall <= MAX_UNSPLIT_LINES)  # only very tall rows may split
        cells = [element_text(tc) for tc in row._tr.findall(qn("w:tc"))]
        assert cells[:4] == [expected.stt, expected.label, expected.unit, expected.value_text]


def test_huyen_appendix_values() -> None:
    rows = {r.stt: r for r in load_report(HUYEN).appendix.tables[0].rows}
    assert rows["1.1.1."].value_text == "55"
    assert rows["1.2.1."].label == "Số phòng, ban, đơn vị đã kiểm tra"  # seed printed 1.1.1.
    assert rows["3.4.1."].value_text == "98,07"
    assert rows["1.5.2."].unit == "Trực tuyến = 0\nPhát phiếu = 1\nKết hợp = 2"
    thi_xa = load_report(THI_XA).appendix.tables[0]
    assert thi_xa.caption == "Báo cáo CCHC năm 2021"
    stts = [r.stt for r in thi_xa.rows]
    assert stts[:3] == ["I", "1", ""]


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("path", [HUYEN, THI_XA, XA], ids=lambda p: p.stem)
@pytest.mark.parametrize("part", ["word/document.xml", "word/footnotes.xml"])
def test_golden_xml(path: Path, part: str) -> None:
    with zipfile.ZipFile(io.BytesIO(rendered_bytes(path))) as archive:
        if part not in archive.namelist():
            assert path != THI_XA, "the thị xã report must have footnotes"
            return
        actual = normalised_xml(archive.read(part))
    golden = GOLDEN / f"{path.stem}.{Path(part).name}"
    if os.environ.get("BAOCAO_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"run with BAOCAO_UPDATE_GOLDEN=1 to create {golden.name}"
    assert actual == golden.read_text(encoding="utf-8"), (
        f"{part} of {path.name} differs from {golden}; if the change is intended, review the "
        "diff and regenerate with BAOCAO_UPDATE_GOLDEN=1"
    )


def test_appendix_alone_as_word(invoke, examples_copy: Path) -> None:
    """`baocao phu-luc --docx`: the appendix as a document of its own, same table as the
    report's appendix, its "(Kèm theo …)" line, the form's orientation, nothing else."""
    from docx import Document

    data = examples_copy / "thi_xa_nga_nam_nam_2021.yaml"
    result = invoke("phu-luc", data, "--docx")
    assert result.exit_code == 0, result.output
    alone = Document(str(examples_copy / "thi_xa_nga_nam_nam_2021_phu_luc.docx"))
    composition = load_report(data)
    appendix = composition.appendix
    texts = [p.text for p in alone.paragraphs if p.text]
    assert texts[:3] == [appendix.heading, appendix.title, appendix.attached_to]
    assert appendix.attached_to.startswith("(Kèm theo Báo cáo số 411/BC-UBND ngày 16/12/2021")
    assert len(alone.tables) == 1 and len(alone.sections) == 1
    report = Document(io.BytesIO(rendered_bytes(data)))
    assert [c.text for c in alone.tables[0].columns[1].cells] == [
        c.text for c in report.tables[-1].columns[1].cells
    ]
    assert alone.sections[0].different_first_page_header_footer
