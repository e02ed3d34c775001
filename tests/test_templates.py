"""Templates users edit in Word: reproducible build, export, check, custom templates, escaping."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document

from generator.api import load_report
from generator.docx_render import render_docx
from generator.template_tools import check_template
from generator.templates import shipped_template

from .conftest import EXAMPLE, ROOT
from .docx_helpers import open_docx

HUYEN = EXAMPLE["huyen_huong_hoa_quy1_2021"]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("relative", ["docx/bao_cao.docx", "xlsx/phu_luc.xlsx"])
def test_committed_templates_match_the_build_script(tmp_path: Path, relative: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_templates.py"), str(tmp_path), relative],
        check=True,
        capture_output=True,
    )
    built = _parts((tmp_path / relative).read_bytes())
    committed = _parts((ROOT / "templates" / relative).read_bytes())
    assert built.keys() == committed.keys()
    changed = [name for name in built if built[name] != committed[name]]
    assert changed == [], f"run `make templates`: {relative} differs in {changed}"


def test_export_then_check(invoke, tmp_path: Path) -> None:
    result = invoke("template", "export", tmp_path)
    assert result.exit_code == 0
    assert (tmp_path / "bao_cao.docx").is_file() and (tmp_path / "phu_luc.xlsx").is_file()
    check = invoke("template", "check", tmp_path / "bao_cao.docx")
    assert check.exit_code == 0
    assert "đạt (0 vấn đề)" in check.output
    again = invoke("template", "export", tmp_path)
    assert again.exit_code == 1 and "--force" in again.output


def _edit(path: Path, target: Path, change) -> Path:
    document = Document(str(path))
    change(document)
    document.save(str(target))
    return target


def _set_title(document, text: str) -> None:
    paragraph = next(p for p in document.paragraphs if p.text == "BÁO CÁO")
    paragraph.runs[0].text = text


def test_check_names_unknown_tag_and_paragraph(tmp_path: Path) -> None:
    path = _edit(
        shipped_template("docx"),
        tmp_path / "mau.docx",
        lambda d: _set_title(d, "BÁO CÁO {{ loai_bao_cao }}"),
    )
    problems = check_template(path)
    assert len(problems) == 1
    assert (
        "thẻ 'loai_bao_cao' không có trong dữ liệu (ở đoạn “BÁO CÁO {{ loai_bao_cao }}”)"
        in problems[0].message
    )


def test_check_names_syntax_error(tmp_path: Path) -> None:
    path = _edit(
        shipped_template("docx"),
        tmp_path / "mau.docx",
        lambda d: _set_title(d, "BÁO CÁO {{ ky_bao_cao | }}"),
    )
    problems = check_template(path)
    assert "thẻ sai cú pháp" in problems[0].message
    assert "“BÁO CÁO {{ ky_bao_cao | }}”" in problems[0].message


def test_check_refuses_a_template_without_a_part_tag(tmp_path: Path, invoke) -> None:
    def drop_appendix(document) -> None:
        paragraph = next(p for p in document.paragraphs if "phu_luc" in p.text)
        paragraph._p.getparent().remove(paragraph._p)

    path = _edit(shipped_template("docx"), tmp_path / "mau.docx", drop_appendix)
    problems = check_template(path)
    assert [p.message for p in problems] == [
        "mẫu không có thẻ {{p phu_luc }} nên phụ lục không in được (baocao render từ chối mẫu "
        "này khi báo cáo có phần đó): thêm một đoạn chỉ chứa thẻ này"
    ]
    assert all(p.is_error for p in problems)
    result = invoke("template", "check", path)
    assert result.exit_code == 1 and "không đạt" in result.output


def _set_part_tag(text: str):
    def change(document) -> None:
        paragraph = next(p for p in document.paragraphs if "ket_luan" in p.text)
        paragraph.runs[0].text = text
        for run in paragraph.runs[1:]:
            run.text = ""

    return change


@pytest.mark.parametrize("tag", ["{{p ket_luan }", "{p ket_luan }}", "{{p ket_luan"])
def test_check_reports_a_malformed_part_tag_as_malformed(tmp_path: Path, invoke, tag) -> None:
    path = _edit(shipped_template("docx"), tmp_path / "mau.docx", _set_part_tag(tag))
    problems = check_template(path)
    assert [p.message for p in problems] == [
        f"thẻ “{tag}” viết sai (thiếu hoặc thừa dấu ngoặc nhọn); viết đúng là {{{{p ket_luan }}}}"
    ]
    result = invoke("template", "check", path)
    assert result.exit_code == 1
    assert "không có thẻ" not in result.output  # malformed, not missing


def test_check_reports_unbalanced_braces_in_any_tag(tmp_path: Path) -> None:
    path = _edit(
        shipped_template("docx"),
        tmp_path / "mau.docx",
        lambda d: _set_title(d, "BÁO CÁO {{ ky_bao_cao }"),
    )
    messages = [p.message for p in check_template(path)]
    assert any("không khớp ở đoạn “BÁO CÁO {{ ky_bao_cao }”" in m for m in messages), messages


def test_excel_template_export_check_and_render(tmp_path: Path, invoke) -> None:
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    assert invoke("template", "export", tmp_path / "mau").exit_code == 0
    template = tmp_path / "mau" / "phu_luc.xlsx"
    check = invoke("template", "check", template)
    assert check.exit_code == 0, check.output
    assert "đạt (0 vấn đề)" in check.output
    workbook = load_workbook(template)  # a user restyles the figures in Excel
    style = next(s for s in workbook._named_styles if s.name == "BC Số liệu")
    style.font = Font(name="Times New Roman", size=12, bold=True, color="FFC00000")
    workbook.save(template)
    out = tmp_path / "out"
    result = invoke("render", HUYEN, "-o", out, "--template-xlsx", template)
    assert result.exit_code == 0, result.output
    alone = invoke("phu-luc", HUYEN, "-o", tmp_path / "pl.xlsx", "--template-xlsx", template)
    assert alone.exit_code == 0, alone.output
    for made in (out / "huyen_huong_hoa_quy1_2021_phu_luc.xlsx", tmp_path / "pl.xlsx"):
        sheet = load_workbook(made).active
        figures = [cell for row in sheet.iter_rows() for cell in row if cell.style == "BC Số liệu"]
        assert figures
        assert all(cell.font.b and cell.font.color.rgb == "FFC00000" for cell in figures)


def test_check_refuses_an_excel_file_that_is_not_a_workbook(tmp_path: Path, invoke) -> None:
    broken = tmp_path / "mau.xlsx"
    broken.write_bytes(b"khong phai excel")
    result = invoke("template", "check", broken)
    assert result.exit_code == 1
    assert f"{broken}: không mở được mẫu Excel" in result.output


def test_render_with_unknown_tag_names_template_and_tag(tmp_path: Path, invoke) -> None:
    path = _edit(
        shipped_template("docx"),
        tmp_path / "mau.docx",
        lambda d: _set_title(d, "BÁO CÁO {{ loai_bao_cao }}"),
    )
    result = invoke("render", HUYEN, "-o", tmp_path / "out", "--template", path)
    assert result.exit_code == 1
    assert f"{path}: mẫu dùng thẻ 'loai_bao_cao' không có trong dữ liệu" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_user_template_wording_and_font_are_kept(tmp_path: Path) -> None:
    def restyle(document) -> None:
        _set_title(document, "BÁO CÁO TỔNG HỢP")
        document.styles["BC Đoạn văn"].font.name = "Arial"

    path = _edit(shipped_template("docx"), tmp_path / "mau.docx", restyle)
    document = open_docx(render_docx(load_report(HUYEN), path))
    assert any(p.text == "BÁO CÁO TỔNG HỢP" for p in document.paragraphs)
    assert document.styles["BC Đoạn văn"].font.name == "Arial"
    assert any(p.text.startswith("Để tăng cường công tác lãnh đạo") for p in document.paragraphs)


def test_tag_split_across_runs_still_renders(tmp_path: Path) -> None:
    """Word splits a tag into several runs when it is edited; rendering must not care."""

    def split(document) -> None:
        paragraph = next(p for p in document.paragraphs if p.text == "{{ trich_yeu }}")
        run = paragraph.runs[0]
        run.text = "{{ trich"
        second = paragraph.add_run("_ye")
        second.italic = True
        paragraph.add_run("u }}").bold = True

    path = _edit(shipped_template("docx"), tmp_path / "mau.docx", split)
    composition = load_report(HUYEN)
    document = open_docx(render_docx(composition, path))
    assert any(p.text == composition.trich_yeu for p in document.paragraphs)


def test_user_template_without_bc_styles_gets_them(tmp_path: Path) -> None:
    """A template made from scratch in Word lacks our paragraph styles: they are added."""
    document = Document()
    for line in (
        "{{ so }} {{ dia_danh_ngay }}",
        "{{ trich_yeu }}",
        "{{p mo_dau }}",
        "{{p noi_dung }}",
        "{{p ket_luan }}",
        "{{p phu_luc }}",
    ):
        document.add_paragraph(line)
    path = tmp_path / "tu_lam.docx"
    document.save(str(path))
    rendered = open_docx(render_docx(load_report(HUYEN), path))
    style_ids = {s.style_id for s in rendered.styles}
    assert {"BCDoan", "BCMuc1", "BCPhuLucBang", "FootnoteText"} <= style_ids


def test_markup_characters_in_metadata_do_not_corrupt(minimal_file: Path, tmp_path: Path) -> None:
    text = minimal_file.read_text(encoding="utf-8")
    text = text.replace("ten_co_quan: UBND huyện Thử", 'ten_co_quan: "UBND <huyện> & \\"Thử\\""')
    text = text.replace("nguoi_ky: Nguyễn Văn A", 'nguoi_ky: "A & B </w:t> {{ so }}"')
    text = text.replace('- "- Một gạch', '- "- <b>không</b> & </w:p> gạch')
    minimal_file.write_text(text, encoding="utf-8")
    data = render_docx(load_report(minimal_file), shipped_template("docx"))
    document = open_docx(data)
    texts = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert any("A & B </w:t> {{ so }}" in t for t in texts)
    paragraphs = [p.text for p in document.paragraphs]
    assert any("<b>không</b> & </w:p> gạch" in p for p in paragraphs)
    assert any('UBND <huyện> & "Thử"' in p for p in paragraphs)


def test_render_refuses_a_template_that_would_drop_a_part(tmp_path: Path, invoke) -> None:
    def drop_body(document) -> None:
        paragraph = next(p for p in document.paragraphs if "noi_dung" in p.text)
        paragraph._p.getparent().remove(paragraph._p)

    path = _edit(shipped_template("docx"), tmp_path / "mau.docx", drop_body)
    result = invoke("render", HUYEN, "-o", tmp_path / "out", "--template", path)
    assert result.exit_code == 1
    assert f"{path}: mẫu không có thẻ {{{{p noi_dung }}}} nên nội dung báo cáo" in result.output
    assert not (tmp_path / "out").exists()


def test_check_refuses_internal_attributes(tmp_path: Path) -> None:
    path = _edit(
        shipped_template("docx"),
        tmp_path / "mau.docx",
        lambda d: _set_title(d, "BÁO CÁO {{ trich_yeu.__class__ }}"),
    )
    problems = check_template(path)
    assert any("thuộc tính nội bộ '__class__'" in p.message for p in problems)
