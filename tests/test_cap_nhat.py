"""Value marks in generated reports, and `baocao cap-nhat`: corrected data into a report
already edited by hand in Word."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.text.run import Run
from lxml import etree

from generator import wordml
from generator.api import render_report
from generator.cap_nhat import update_report
from generator.marks import find_manifest, find_marks, parse_manifest
from generator.output import package
from generator.wordml import qn

from .conftest import EXAMPLE, EXAMPLES
from .docx_helpers import rendered_bytes, soffice_convert


def package_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_marked_value_is_a_bookmark_around_the_text_printed(path: Path) -> None:
    parts = package_parts(rendered_bytes(path))
    marks = parse_manifest(find_manifest(parts))
    found = find_marks(etree.fromstring(parts["word/document.xml"]))
    if "word/footnotes.xml" in parts:
        found.update(find_marks(etree.fromstring(parts["word/footnotes.xml"])))
    assert len({m.name for m in marks}) == len(marks)  # names are unique
    for mark in marks:
        assert mark.name in found, mark
        assert found[mark.name].end is not None
        assert found[mark.name].text == mark.text, mark
    keys = {m.key for m in marks}
    assert {"so", "ngay", "trich_yeu", "nguoi_ky"} <= keys
    assert any(k.startswith("o:0:") and k.endswith(":so_lieu") for k in keys)


def test_figures_citations_and_footnotes_are_marked_by_what_they_are() -> None:
    parts = package_parts(rendered_bytes(EXAMPLE["thi_xa_nga_nam_nam_2021"]))
    marks = parse_manifest(find_manifest(parts))
    by_key = {}
    for mark in marks:
        by_key.setdefault(mark.key, []).append(mark)
    assert by_key["bt:so_lieu['1.1.1']"][0].text == "28"
    assert by_key["vb:kh142:so_ky_hieu"][0].text == "142/KH-UBND"
    assert by_key["vb:kh142:ngay"][0].text == "24/12/2020"
    assert by_key["so"][0].text == "411/BC-UBND"
    assert by_key["nguoi_ky"][0].text == "Kim Thái Phong"
    in_footnotes = [m for m in marks if m.path.startswith("chu_thich.")]
    assert in_footnotes and in_footnotes[0].text == "11/KH-UBND"
    # the marks are bookmarks hidden from Word's list ("_" names) and nothing else is added
    document = parts["word/document.xml"].decode()
    assert "<w:sdt>" not in document and 'w:name="_bc' in document


# --------------------------------------------------------------------------- cap-nhat

THI_XA = EXAMPLE["thi_xa_nga_nam_nam_2021"]
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


def manifest_of(path: Path) -> list:
    return parse_manifest(find_manifest(package_parts(path.read_bytes())))


def mark_paragraph(document, name: str):
    """The python-docx paragraph holding bookmark ``name``."""
    for paragraph in document.paragraphs:
        for start in paragraph._p.iter(qn("w:bookmarkStart")):
            if start.get(qn("w:name")) == name:
                return paragraph
    raise AssertionError(f"no paragraph holds {name}")


def unmarked_body_paragraphs(document) -> list:
    return [
        p
        for p in document.paragraphs
        if p.style.name.startswith("BC Đoạn")
        and len(p.text) > 30
        and not any(True for _ in p._p.iter(qn("w:bookmarkStart"), qn("w:footnoteReference")))
    ]


def appendix_table(document, marks):
    first_cell = next(m.name for m in marks if m.key.startswith("o:0:"))
    for table in document.tables:
        if any(b.get(qn("w:name")) == first_cell for b in table._tbl.iter(qn("w:bookmarkStart"))):
            return table
    raise AssertionError("no Phụ lục table")


def bold_first_word(paragraph) -> str:
    """Split the paragraph's first run after its first word and make that word bold."""
    run = paragraph.runs[0]
    word, rest = run.text.split(" ", 1)
    tail = deepcopy(run._r)
    run._r.addnext(tail)
    run.text = word
    run.bold = True
    Run(tail, paragraph).text = " " + rest
    return word


@dataclass
class HandEdits:
    rewritten: str
    inserted: str
    deleted: str
    bold_word: str
    bold_in: str  # the start of the paragraph where a word was bolded
    comment: str
    row_label: str


def edit_by_hand(source: Path, target: Path, bold_mark: str, delete_mark: str) -> HandEdits:
    """What a văn phòng does in Word, done with python-docx: rewrite, insert and delete
    paragraphs, bold a word in a sentence that holds a figure, delete a sentence with a
    figure, add a row to the Phụ lục, answer with a comment."""
    marks = manifest_of(source)
    document = Document(str(source))
    plain = unmarked_body_paragraphs(document)
    rewritten = "Đoạn này văn phòng đã viết lại hoàn toàn bằng tay."
    plain[0].text = rewritten
    deleted = plain[1].text
    plain[1]._p.getparent().remove(plain[1]._p)
    inserted = "Đoạn văn phòng chèn thêm bằng tay, có **dấu sao** và 2024 con số."
    plain[2].insert_paragraph_before(inserted, style=plain[2].style)
    bold_paragraph = mark_paragraph(document, bold_mark)
    bold_word = bold_first_word(bold_paragraph)
    comment = "Anh Chánh Văn phòng xem lại số này"
    document.add_comment(bold_paragraph.runs[0], text=comment, author="Chuyên viên", initials="CV")
    gone = mark_paragraph(document, delete_mark)
    gone._p.getparent().remove(gone._p)
    table = appendix_table(document, marks)
    row = table.add_row()
    row_label = "Chỉ tiêu văn phòng thêm tay"
    row.cells[1].text = row_label
    row.cells[3].text = "7"
    document.save(str(target))
    return HandEdits(
        rewritten, inserted, deleted, bold_word, bold_paragraph.text[:12], comment, row_label
    )


def correct_data(source: Path, target: Path, figures: dict[str, int], document: tuple[str, str]):
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for key, value in figures.items():
        entry = data["phu_luc"]["so_lieu"][key]
        if isinstance(entry, dict):
            entry["gia_tri"] = value
        else:
            data["phu_luc"]["so_lieu"][key] = value
    data["van_ban"][document[0]]["so_ky_hieu"] = document[1]
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def soffice_round_trip(path: Path, folder: Path) -> Path:
    """The file opened and saved as .docx by LibreOffice Writer."""
    folder.mkdir()
    return soffice_convert(path, "docx:MS Word 2007 XML", folder, folder / "profile")


def body_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def mark_texts(path: Path) -> dict[str, list[str]]:
    """The text of each mark in a file, by what it marks."""
    parts = package_parts(path.read_bytes())
    found = find_marks(etree.fromstring(parts["word/document.xml"]))
    if "word/footnotes.xml" in parts:
        found.update(find_marks(etree.fromstring(parts["word/footnotes.xml"])))
    out: dict[str, list[str]] = {}
    for mark in parse_manifest(find_manifest(parts)):
        if mark.name in found:
            out.setdefault(mark.key, []).append(found[mark.name].text)
    return out


@pytest.fixture(scope="module")
def thi_xa_case(tmp_path_factory) -> dict:
    """The thị xã report rendered, edited by hand, and its data corrected: 1.1.1 28 → 30,
    3.6.1 5.068 → 5.070 (its sentence deleted by hand), 4.1.1 12 → 13, and Kế hoạch kh11
    numbered 12/KH-UBND instead of 11/KH-UBND."""
    folder = tmp_path_factory.mktemp("thi_xa")
    data = folder / "bao_cao.yaml"
    shutil.copy(THI_XA, data)
    render_report(data, folder)
    marks = {m.key: m.name for m in manifest_of(folder / "bao_cao.docx")}
    edits = edit_by_hand(
        folder / "bao_cao.docx",
        folder / "da_sua.docx",
        bold_mark=marks["bt:so_lieu['1.1.1']"],
        delete_mark=marks["bt:so_lieu['3.6.1']"],
    )
    corrected = folder / "bao_cao_dung.yaml"
    correct_data(data, corrected, {"1.1.1": 30, "3.6.1": 5070, "4.1.1": 13}, ("kh11", "12/KH-UBND"))
    return {"folder": folder, "edited": folder / "da_sua.docx", "data": corrected, "edits": edits}


EXPECTED_REPORT = [
    "Đã đổi (8):",
    "  1. Về Kế hoạch cải cách hành chính › “Để chỉ đạo điều hành công tác cải…”: 28 → 30",
    "  2.1. Cải cách thể chế › “Ban hành Kế hoạch số 11/KH-UBND ngày 02/02/2021…”: "
    "11/KH-UBND → 12/KH-UBND",
    "  2.1. Cải cách thể chế › “Trong năm, Ủy ban nhân dân thị xã…”: 12 → 13",
    "  2.3. Công tác cải cách tổ chức bộ máy › “Ban hành Quyết định về sửa đổi, bổ…”: 12 → 13",
    "  Phụ lục, dòng Số nhiệm vụ đề ra trong kế hoạch — Số liệu: 28 → 30",
    "  Phụ lục, dòng Số hồ sơ TTHC do UBND cấp huyện tiếp nhận — Số liệu: 5.068 → 5.070",
    "  Phụ lục, dòng Số phòng ban chuyên môn thuộc UBND cấp huyện — Số liệu: 12 → 13",
    "  Chú thích 1: 11/KH-UBND → 12/KH-UBND",
    "Đã bị xóa trong tệp (không thêm lại) (1):",
    "  2.2. Cải cách thủ tục hành chính, thực hiện cơ chế một cửa… › “* Thị xã: Tổng số đã "
    "tiếp nhận…”: 5.068 → 5.070",
    "Hàng thêm tay trong Phụ lục (giữ nguyên) (1):",
    "  Phụ lục, dòng Chỉ tiêu văn phòng thêm tay",
    "(2 giá trị khác đã bị xóa trong tệp; số liệu của chúng không đổi nên không cần làm gì.)",
    "Bảng Phụ lục 1: cập nhật từng ô.",
]


def assert_edits_kept(path: Path, edits: HandEdits) -> None:
    text = body_text(path)
    assert edits.rewritten in text and edits.inserted in text
    assert edits.deleted not in text
    assert "Tổng số đã tiếp nhận 5.0" not in text  # the sentence deleted by hand stays deleted
    document = Document(str(path))
    bold = next(p for p in document.paragraphs if p.text.startswith(edits.bold_in))
    assert bold.runs[0].text == edits.bold_word and bold.runs[0].bold
    assert [c.text for c in document.comments] == [edits.comment]
    assert edits.row_label in [row.cells[1].text for t in document.tables for row in t.rows]


def test_cap_nhat_changes_only_the_corrected_values_and_keeps_every_hand_edit(
    thi_xa_case: dict, tmp_path: Path
) -> None:
    output = tmp_path / "moi.docx"
    result = update_report(thi_xa_case["edited"], thi_xa_case["data"], output)
    assert result.lines() == EXPECTED_REPORT
    assert_edits_kept(output, thi_xa_case["edits"])
    values = mark_texts(output)
    assert values["bt:so_lieu['1.1.1']"] == ["30"]
    assert values["bt:so_lieu['4.1.1']"] == ["13", "13"]
    assert values["vb:kh11:so_ky_hieu"] == ["12/KH-UBND", "12/KH-UBND"]  # text and footnote
    assert values["o:0:3.6.1:so_lieu"] == ["5.070"]
    text = body_text(output)
    assert "Kế hoạch số 12/KH-UBND ngày 02/02/2021" in text
    assert "11/KH-UBND" not in text
    assert (
        wordml.read_footnotes(Document(str(output)))[0] == "Kế hoạch số 12/KH-UBND ngày 02/02/2021"
    )
    # every part but the body, the footnotes and the list of marks is the edited file's own
    before, after = (
        package_parts(thi_xa_case["edited"].read_bytes()),
        package_parts(output.read_bytes()),
    )
    assert set(before) == set(after)
    changed = {name for name in before if before[name] != after[name]}
    assert changed <= {"word/document.xml", "word/footnotes.xml", "docProps/custom.xml"} | {
        n for n in before if n.startswith("customXml/item")
    }


def test_a_second_update_from_the_same_data_changes_nothing(
    thi_xa_case: dict, tmp_path: Path
) -> None:
    first = tmp_path / "lan1.docx"
    update_report(thi_xa_case["edited"], thi_xa_case["data"], first)
    result = update_report(first, thi_xa_case["data"], tmp_path / "lan2.docx")
    assert not result.of_kind("doi") and not result.of_kind("xung_dot")
    assert body_text(tmp_path / "lan2.docx") == body_text(first)


@needs_soffice
def test_cap_nhat_after_the_file_was_saved_by_libreoffice(
    thi_xa_case: dict, tmp_path: Path
) -> None:
    saved = soffice_round_trip(thi_xa_case["edited"], tmp_path / "lo")
    output = tmp_path / "moi.docx"
    result = update_report(saved, thi_xa_case["data"], output)
    assert result.lines() == EXPECTED_REPORT
    assert_edits_kept(output, thi_xa_case["edits"])
    values = mark_texts(output)
    assert values["vb:kh11:so_ky_hieu"] == ["12/KH-UBND", "12/KH-UBND"]
    assert values["o:0:3.6.1:so_lieu"] == ["5.070"]


def set_mark_text(source: Path, target: Path, key: str, occurrence: int, text: str) -> None:
    """Change by hand the text inside one mark (as typing over a figure in Word does)."""
    name = [m.name for m in manifest_of(source) if m.key == key][occurrence]
    document = Document(str(source))
    mark = find_marks(document.element.body)[name]
    mark.nodes[0].text = text
    for node in mark.nodes[1:]:
        node.getparent().remove(node)
    document.save(str(target))


def test_a_value_changed_by_hand_is_kept_and_reported_unless_forced(
    thi_xa_case: dict, tmp_path: Path
) -> None:
    edited = tmp_path / "sua_so.docx"
    set_mark_text(thi_xa_case["edited"], edited, "bt:so_lieu['4.1.1']", 0, "14")
    kept = update_report(edited, thi_xa_case["data"], tmp_path / "giu.docx")
    assert [c.line() for c in kept.of_kind("xung_dot")] == [
        "2.1. Cải cách thể chế › “Trong năm, Ủy ban nhân dân thị xã…”: trong tệp “14”, "
        "số liệu mới 13"
    ]
    assert mark_texts(tmp_path / "giu.docx")["bt:so_lieu['4.1.1']"] == ["14", "13"]
    forced = update_report(edited, thi_xa_case["data"], tmp_path / "ep.docx", force=True)
    assert [c.line() for c in forced.of_kind("ep")] == [
        "2.1. Cải cách thể chế › “Trong năm, Ủy ban nhân dân thị xã…”: 14 → 13"
    ]
    assert mark_texts(tmp_path / "ep.docx")["bt:so_lieu['4.1.1']"] == ["13", "13"]


def test_a_value_deleted_by_hand_is_reported_as_gone_not_put_back(
    thi_xa_case: dict, tmp_path: Path
) -> None:
    edited = tmp_path / "xoa_so.docx"
    set_mark_text(thi_xa_case["edited"], edited, "bt:so_lieu['1.1.1']", 0, "")
    result = update_report(edited, thi_xa_case["data"], tmp_path / "moi.docx")
    assert next(c.line() for c in result.of_kind("mat")) == (
        "1. Về Kế hoạch cải cách hành chính › “Để chỉ đạo điều hành công tác cải…”: 28 → 30"
    )
    assert mark_texts(tmp_path / "moi.docx")["bt:so_lieu['1.1.1']"] == [""]


def test_a_new_value_in_the_data_is_listed_as_not_placed(thi_xa_case: dict, tmp_path: Path) -> None:
    data = yaml.safe_load(thi_xa_case["data"].read_text(encoding="utf-8"))
    data["noi_dung"][0]["muc"][0]["doan"].append(
        "Đoạn mới: {{ so_lieu['1.2.1'] }} phòng được kiểm tra."
    )
    changed = tmp_path / "them_doan.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    result = update_report(thi_xa_case["edited"], changed, write=False)
    assert [c.line() for c in result.of_kind("khong_dat")] == [
        "1. Về Kế hoạch cải cách hành chính › “Đoạn mới: 4 phòng được kiểm tra.”: 4"
    ]
    assert "Đoạn mới" not in body_text(thi_xa_case["edited"])


def test_an_untouched_phu_luc_table_is_regenerated_whole(tmp_path: Path) -> None:
    data = tmp_path / "bao_cao.yaml"
    shutil.copy(THI_XA, data)
    render_report(data, tmp_path)
    corrected = tmp_path / "dung.yaml"
    correct_data(data, corrected, {"1.1.1": 30}, ("kh11", "11/KH-UBND"))
    result = update_report(tmp_path / "bao_cao.docx", corrected, tmp_path / "moi.docx")
    assert result.table_modes == {"0": "tạo lại cả bảng"}
    assert [c.line() for c in result.of_kind("doi")] == [
        "1. Về Kế hoạch cải cách hành chính › “Để chỉ đạo điều hành công tác cải…”: 28 → 30",
        "Phụ lục, dòng Số nhiệm vụ đề ra trong kế hoạch — Số liệu: 28 → 30",
    ]
    assert mark_texts(tmp_path / "moi.docx")["o:0:1.1.1:so_lieu"] == ["30"]


# --------------------------------------------------------------------------- command line


def test_cap_nhat_command_prints_the_changes_and_writes_beside_the_edited_file(
    thi_xa_case: dict, tmp_path: Path, invoke
) -> None:
    edited = tmp_path / "da_sua.docx"
    shutil.copy(thi_xa_case["edited"], edited)
    result = invoke("cap-nhat", edited, thi_xa_case["data"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[: len(EXPECTED_REPORT)] == EXPECTED_REPORT
    assert lines[-1] == f"Đã ghi: {tmp_path / 'da_sua_cap_nhat.docx'}"
    assert mark_texts(tmp_path / "da_sua_cap_nhat.docx")["bt:so_lieu['1.1.1']"] == ["30"]
    # the same through render, into a folder
    result = invoke(
        "render", thi_xa_case["data"], "--cap-nhat", edited, "-o", tmp_path / "ra", "--force"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ra" / "da_sua_cap_nhat.docx").exists()


def test_diff_of_an_edited_report_shows_what_cap_nhat_would_change_and_writes_nothing(
    thi_xa_case: dict, tmp_path: Path, invoke
) -> None:
    edited = tmp_path / "da_sua.docx"
    shutil.copy(thi_xa_case["edited"], edited)
    result = invoke("diff", edited, thi_xa_case["data"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[: len(EXPECTED_REPORT)] == EXPECTED_REPORT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["da_sua.docx"]


def test_cap_nhat_again_replaces_its_own_untouched_output_but_not_one_edited_since(
    thi_xa_case: dict, tmp_path: Path, invoke
) -> None:
    edited = tmp_path / "da_sua.docx"
    shutil.copy(thi_xa_case["edited"], edited)
    output = tmp_path / "da_sua_cap_nhat.docx"
    assert invoke("cap-nhat", edited, thi_xa_case["data"]).exit_code == 0
    first = output.read_bytes()
    again = invoke("cap-nhat", edited, thi_xa_case["data"])
    assert again.exit_code == 0, again.output
    assert output.read_bytes() == first  # the same inputs give the same bytes
    assert not list(tmp_path.glob("*.bak*"))
    # typed over in Word afterwards: kept, as for a rendered report
    set_mark_text(output, output, "nguoi_ky", 0, "Nguyễn Văn A")
    typed_over = output.read_bytes()
    refused = invoke("cap-nhat", edited, thi_xa_case["data"])
    assert refused.exit_code == 1
    assert "đã được sửa tay" in refused.output
    assert output.read_bytes() == typed_over


def test_cap_nhat_keeps_the_users_own_document_properties(
    thi_xa_case: dict, tmp_path: Path
) -> None:
    edited = tmp_path / "co_thuoc_tinh.docx"
    parts = package_parts(thi_xa_case["edited"].read_bytes())
    custom = etree.fromstring(parts["docProps/custom.xml"])
    own = deepcopy(custom[0])
    own.set("name", "Người soạn")
    own[0].text = "Chuyên viên Lê Thị B"
    custom.append(own)
    parts["docProps/custom.xml"] = etree.tostring(custom, xml_declaration=True, encoding="UTF-8")
    edited.write_bytes(package(parts))
    output = tmp_path / "ra.docx"
    update_report(edited, thi_xa_case["data"], output)
    props = etree.fromstring(package_parts(output.read_bytes())["docProps/custom.xml"])
    names = [prop.get("name") for prop in props]
    assert names == ["baocao-dau-van", "baocao-noi-dung", "Người soạn"]
    assert props[2][0].text == "Chuyên viên Lê Thị B"
    assert len({prop.get("pid") for prop in props}) == 3  # Word needs distinct ids


def test_the_edited_file_is_overwritten_only_with_force_and_kept_as_bak(
    thi_xa_case: dict, tmp_path: Path, invoke
) -> None:
    edited = tmp_path / "da_sua.docx"
    shutil.copy(thi_xa_case["edited"], edited)
    before = edited.read_bytes()
    result = invoke("cap-nhat", edited, thi_xa_case["data"], "-o", edited)
    assert result.exit_code == 1
    assert "không ghi đè tệp đang cập nhật" in result.output
    assert edited.read_bytes() == before
    result = invoke("cap-nhat", edited, thi_xa_case["data"], "-o", edited, "--force")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "da_sua.bak.docx").read_bytes() == before
    assert mark_texts(edited)["bt:so_lieu['1.1.1']"] == ["30"]


def test_a_word_file_not_made_by_baocao_is_refused(tmp_path: Path, invoke) -> None:
    other = tmp_path / "khac.docx"
    Document().save(str(other))
    result = invoke("cap-nhat", other, THI_XA)
    assert result.exit_code == 1
    assert "không phải báo cáo do baocao tạo" in result.output
    assert not (tmp_path / "khac_cap_nhat.docx").exists()
    text = tmp_path / "bao_cao.docx"
    text.write_text("không phải zip", encoding="utf-8")
    result = invoke("cap-nhat", text, THI_XA)
    assert result.exit_code == 1 and "không đọc được tệp Word" in result.output


def test_damaged_marks_are_refused_with_a_clear_message(
    thi_xa_case: dict, tmp_path: Path, invoke
) -> None:
    parts = package_parts(thi_xa_case["edited"].read_bytes())
    name = next(n for n, blob in parts.items() if blob is find_manifest(parts))
    parts[name] = parts[name][:200]  # cut short
    broken = tmp_path / "hong.docx"
    with zipfile.ZipFile(broken, "w") as archive:
        for part, blob in parts.items():
            archive.writestr(part, blob)
    result = invoke("cap-nhat", broken, thi_xa_case["data"])
    assert result.exit_code == 1
    assert "dấu các giá trị số liệu trong tệp bị hỏng" in result.output
    assert "Traceback" not in result.output


def _figure(so_lieu: dict, key: str) -> int | None:
    value = so_lieu.get(key)
    value = value.get("gia_tri") if isinstance(value, dict) else value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_edited_by_hand_takes_three_figures_and_a_document_number(
    path: Path, tmp_path: Path
) -> None:
    data = tmp_path / "bao_cao.yaml"
    shutil.copy(path, data)
    render_report(data, tmp_path)
    marks = manifest_of(tmp_path / "bao_cao.docx")
    so_lieu = yaml.safe_load(data.read_text(encoding="utf-8"))["phu_luc"]["so_lieu"]
    in_text = [m.key[len("bt:so_lieu['") : -2] for m in marks if m.key.startswith("bt:so_lieu[")]
    in_table = [m.key.split(":")[2] for m in marks if re.match(r"o:0:[^:]+:so_lieu$", m.key)]
    figures = list(dict.fromkeys(k for k in in_text + in_table if _figure(so_lieu, k)))[:3]
    cited = [m for m in marks if m.key.startswith("vb:") and m.key.endswith(":so_ky_hieu")]
    document_key = cited[0].key.split(":")[1]
    prose = [m for m in marks if m.key.startswith(("bt:", "vb:")) and "chu_thich" not in m.path]
    bold_mark = next(m for m in prose if m.key == f"bt:so_lieu['{figures[0]}']" or m is cited[0])
    delete_mark = next(m for m in reversed(prose) if m.path != bold_mark.path)
    edits = edit_by_hand(
        tmp_path / "bao_cao.docx", tmp_path / "da_sua.docx", bold_mark.name, delete_mark.name
    )
    corrected = tmp_path / "dung.yaml"
    correct_data(
        data,
        corrected,
        {k: _figure(so_lieu, k) + 1 for k in figures},
        (document_key, "999/KH-UBND"),
    )
    render_report(corrected, tmp_path / "moi_hoan_toan")
    expected = {m.key: m.text for m in manifest_of(tmp_path / "moi_hoan_toan" / "dung.docx")}
    changed = {f"bt:so_lieu['{k}']" for k in figures} | {f"o:0:{k}:so_lieu" for k in figures}
    changed.add(f"vb:{document_key}:so_ky_hieu")

    result = update_report(tmp_path / "da_sua.docx", corrected, tmp_path / "moi.docx")
    present = mark_texts(tmp_path / "da_sua.docx")
    updated = mark_texts(tmp_path / "moi.docx")
    expected_changes = 0
    for key in changed & set(present):
        assert updated[key] == [expected[key]] * len(present[key]), key
        expected_changes += len(present[key])
    assert len(result.of_kind("doi")) == expected_changes
    assert not result.of_kind("xung_dot") and not result.of_kind("ep")
    assert [c.place for c in result.of_kind("hang_them")] == [f"Phụ lục, dòng {edits.row_label}"]
    text = body_text(tmp_path / "moi.docx")
    assert edits.rewritten in text and edits.inserted in text and edits.deleted not in text
    document = Document(str(tmp_path / "moi.docx"))
    assert [c.text for c in document.comments] == [edits.comment]
    bold = next(p for p in document.paragraphs if p.text.startswith(edits.bold_in))
    assert bold.runs[0].text == edits.bold_word and bold.runs[0].bold


def test_values_are_found_after_paragraphs_are_split_and_merged_around_them(
    thi_xa_case: dict, tmp_path: Path
) -> None:
    names = {m.key: m.name for m in manifest_of(thi_xa_case["edited"])}
    document = Document(str(thi_xa_case["edited"]))
    # split "Trong năm, … 12 …" just before the figure: the figure starts a new paragraph
    split = mark_paragraph(document, names["bt:so_lieu['4.1.1']"])._p
    start = next(
        b
        for b in split.iter(qn("w:bookmarkStart"))
        if b.get(qn("w:name")) == names["bt:so_lieu['4.1.1']"]
    )
    second = deepcopy(split)
    for node in list(second)[1:]:
        second.remove(node)
    moving = [start, *start.itersiblings()]
    for node in moving:
        second.append(node)
    split.addnext(second)
    # merge the paragraph holding 1.1.1 with the one before it
    merged = mark_paragraph(document, names["bt:so_lieu['1.1.1']"])._p
    before = merged.getprevious()
    for node in list(merged)[1:]:
        before.append(node)
    merged.getparent().remove(merged)
    edited = tmp_path / "tach_noi.docx"
    document.save(str(edited))

    result = update_report(edited, thi_xa_case["data"], tmp_path / "moi.docx")
    values = mark_texts(tmp_path / "moi.docx")
    assert values["bt:so_lieu['4.1.1']"] == ["13", "13"]
    assert values["bt:so_lieu['1.1.1']"] == ["30"]
    assert len(result.of_kind("doi")) == len(EXPECTED_REPORT[1:9])
    assert not result.of_kind("xung_dot")
