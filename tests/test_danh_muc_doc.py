"""docs/danh-muc.md is the catalog language's whole documentation: every key the loader
accepts is documented there (and every documented key is accepted), and its worked example,
which uses every documented key, renders to Word and Excel with each layout property it
promises, checked by reopening the files."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from pydantic import BaseModel

from generator.api import check_data, load_report, render_report, write_phu_luc
from generator.catalog_model import BangChiTieu, ChiTieu, Cot, CotTieuDe, DanhMuc, KiemTra, KieuStt
from generator.model import GiaTri, PhuLuc
from generator.wordml import qn

from .conftest import ROOT

DOC = (ROOT / "docs" / "danh-muc.md").read_text(encoding="utf-8")
MODELS: dict[str, type[BaseModel]] = {
    model.__name__: model
    for model in (DanhMuc, BangChiTieu, Cot, CotTieuDe, KieuStt, ChiTieu, KiemTra, PhuLuc, GiaTri)
}
CATALOG_MODELS = ("DanhMuc", "BangChiTieu", "Cot", "CotTieuDe", "KieuStt", "ChiTieu", "KiemTra")


def documented_keys() -> dict[str, list[str]]:
    """Model name → the keys of its table in the documentation, in order."""
    found: dict[str, list[str]] = {}
    for model, table in re.findall(r"<!-- khoa: (\w+) -->\n((?:\|.*\n)+)", DOC):
        found[model] = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    return found


def examples() -> dict[str, str]:
    return dict(re.findall(r"<!-- vi-du: (\S+) -->\n```yaml\n(.*?)```", DOC, flags=re.DOTALL))


@pytest.mark.parametrize("model", MODELS)
def test_every_key_is_documented_and_every_documented_key_exists(model: str) -> None:
    documented = documented_keys()
    assert model in documented, f"docs/danh-muc.md has no table of {model}'s keys"
    keys = documented[model]
    assert len(keys) == len(set(keys)), f"{model}: a key is documented twice"
    assert set(keys) == set(MODELS[model].model_fields), model
    assert set(documented) == set(MODELS)


def _keys_used(node: object, model: str, used: dict[str, set[str]]) -> None:
    """Which keys of which model a parsed catalog uses (walking it as the loader does)."""
    if not isinstance(node, dict):
        return
    used.setdefault(model, set()).update(node)
    children = {
        "DanhMuc": {"stt": "KieuStt", "chi_tieu": "ChiTieu", "bang": "BangChiTieu", "cot": "cot"},
        "BangChiTieu": {"stt": "KieuStt", "chi_tieu": "ChiTieu", "cot": "cot"},
        "ChiTieu": {"con": "ChiTieu", "kiem_tra": "KiemTra"},
    }.get(model, {})
    for key, child in children.items():
        value = node.get(key)
        if child == "cot":
            child = "Cot" if isinstance(value, list) else "CotTieuDe"
        for item in value if isinstance(value, list) else [value]:
            _keys_used(item, child, used)


def test_the_worked_example_uses_every_documented_key() -> None:
    found = examples()
    used: dict[str, set[str]] = {}
    for name in ("bieu_mau_ket_qua.yaml", "bieu_mau_tu_chu.yaml"):
        _keys_used(yaml.safe_load(found[name]), "DanhMuc", used)
    data = yaml.safe_load(found["bao_cao.yaml"])
    for appendix in data["phu_luc"]:
        used.setdefault("PhuLuc", set()).update(appendix)
        for entry in appendix["so_lieu"].values():
            if isinstance(entry, dict):
                used.setdefault("GiaTri", set()).update(
                    k for k in entry if k in GiaTri.model_fields
                )
    for model, keys in documented_keys().items():
        assert set(keys) <= used.get(model, set()), (model, set(keys) - used.get(model, set()))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, Document, object]:
    folder = tmp_path_factory.mktemp("vi_du")
    for name, text in examples().items():
        (folder / name).write_text(text, encoding="utf-8")
    data = folder / "bao_cao.yaml"
    result = check_data(data)
    assert [str(p) for p in result.problems] == []
    render_report(data, folder)
    document = Document(str(folder / "bao_cao.docx"))
    workbook = openpyxl.load_workbook(folder / "bao_cao_phu_luc.xlsx", rich_text=True)
    return data, load_report(data), document, workbook


def _paragraph_texts(document: Document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_appendix_headings_titles_and_attached_lines(rendered) -> None:
    _, composition, document, _ = rendered
    texts = _paragraph_texts(document)
    attached = "(Kèm theo Báo cáo số 25/BC-UBND ngày 20/12/2024 của UBND huyện Thử)"
    first = texts.index("Phụ lục I")
    # titles printed as written (no upper case forced); the attached line once per appendix
    assert texts[first : first + 5] == [
        "Phụ lục I",
        "Kết quả thực hiện kế hoạch cải cách hành chính năm 2024",
        attached,
        "Biểu 1",
        "Thực hiện nhiệm vụ",
    ]
    second = texts.index("Phụ lục II")
    # no ten_bang, no table title: nothing printed for them, not even an empty paragraph;
    # kem_theo: bang puts the line under the (absent) table title
    assert texts[second : second + 2] == ["Phụ lục II", attached]
    assert texts.count(attached) == 2
    assert [a.heading for a in composition.appendices] == ["Phụ lục I", "Phụ lục II"]


def _header_texts(table) -> list[list[str]]:
    rows = []
    for tr in table._tbl.tr_lst:
        if tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None:
            break
        rows.append(["".join(t.text for t in tc.iter(qn("w:t"))) for tc in tr.tc_lst])
    return rows


def test_word_tables_have_their_own_columns_and_headers(rendered) -> None:
    _, _, document, _ = rendered
    one_row, quarters, standard, tu_chu = document.tables[-4:]
    # one-row header, no Đơn vị tính and no Ghi chú, three figure columns
    assert _header_texts(one_row) == [["TT", "Chỉ tiêu", "Kế hoạch", "Thực hiện", "Tỷ lệ %"]]
    widths = [int(w.get(qn("w:w"))) for w in one_row._tbl.tblGrid.iter(qn("w:gridCol"))]
    assert widths[1] == pytest.approx(6 / 2 * widths[2], rel=0.01)  # do_rong 6 against 2
    rows = {row.cells[1].text: [c.text for c in row.cells] for row in one_row.rows}
    given = rows["Nhiệm vụ được giao trong năm"]
    assert given == ["1", "Nhiệm vụ được giao trong năm", "20", "18", "90"]
    assert rows["Trong đó hoàn thành đúng hạn"] == [
        "Trong đó",
        rows["Trong đó hoàn thành đúng hạn"][1],
        "18",
        "15",
        "83,33",
    ]
    assert rows["Tuyên truyền cải cách hành chính"][0] == "6.4."  # STT written in the catalog
    # two-row header: the quarters under one group label, the other labels on both rows
    assert _header_texts(quarters) == [
        ["STT", "Loại hồ sơ", "ĐVT", "Số hồ sơ theo quý", "Ghi chú"],
        ["", "", "", "Quý I", "Quý II", "Quý III", "Quý IV", ""],
    ]
    body = [[c.text for c in row.cells] for row in quarters.rows[3:]]
    assert body[0] == ["3.", "Hồ sơ tiếp nhận", "Hồ sơ", "1.230", "1.285", "1.385", "1.412", ""]
    assert body[2][-1] == "Cổng DVC"
    assert body[3][3] == "66,67 (cả năm)"  # dien_giai after the figure, in the same cell
    assert _header_texts(standard)[1][2:4] == ["Đơn vị tính", "Kết quả"]
    assert _header_texts(tu_chu)[0][:3] == ["Số TT", "Nội dung", "Kết quả"]
    assert [row.cells[0].text for row in tu_chu.rows[3:]] == ["5", "6", "7"]  # bat_dau: 5
    assert tu_chu.rows[3].cells[2].text == "Có/Không"  # dvt instead of the option list


def _runs(cell) -> list[tuple[str, bool, bool]]:
    return [(run.text, bool(run.bold), bool(run.italic)) for run in cell.paragraphs[0].runs]


def test_bold_and_italic_inside_labels(rendered) -> None:
    _, _, document, _ = rendered
    one_row, quarters = document.tables[-4:-2]
    labels = {row.cells[1].text: row for row in one_row.rows}
    assert _runs(labels["Nhiệm vụ được giao trong năm"].cells[1]) == [
        ("Nhiệm vụ ", False, False),
        ("được giao", False, True),
        (" trong năm", False, False),
    ]
    assert _runs(labels["Tuyên truyền cải cách hành chính"].cells[1]) == [
        ("Tuyên truyền", True, False),
        (" cải cách hành chính", False, False),
    ]
    # nghieng: ten: the label alone is italic, its figures are not
    row = labels["Trong đó hoàn thành đúng hạn"]
    assert all(italic for _, _, italic in _runs(row.cells[1]))
    assert not any(italic for cell in row.cells[2:] for _, _, italic in _runs(cell))
    # nghieng: true: the whole row
    whole = next(r for r in quarters.rows if r.cells[1].text == "Trực tuyến")
    assert all(italic for cell in whole.cells[1:4] for _, _, italic in _runs(cell))


def test_each_table_in_its_own_orientation(rendered) -> None:
    _, _, document, _ = rendered
    orientations = [section.orientation for section in document.sections]
    # report body, Biểu 1, Biểu 2 (ngang), Biểu 3, Phụ lục II (ngang)
    assert orientations == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
    ]
    assert document.sections[2].page_width > document.sections[2].page_height


def test_excel_sheets_follow_the_same_layout(rendered) -> None:
    _, composition, _, workbook = rendered
    assert workbook.sheetnames == ["Biểu 1", "Biểu 2", "Biểu 3", "Phụ lục II"]
    first = workbook["Biểu 1"]
    assert [first.cell(1, 1).value, first.cell(2, 1).value] == [
        "Phụ lục I",
        "Kết quả thực hiện kế hoạch cải cách hành chính năm 2024",
    ]
    header = next(r for r in range(1, 12) if first.cell(r, 1).value == "TT")
    assert [first.cell(header, c).value for c in range(1, 6)] == [
        "TT",
        "Chỉ tiêu",
        "Kế hoạch",
        "Thực hiện",
        "Tỷ lệ %",
    ]
    assert first.max_column == 5 and first.print_title_rows == f"${header}:${header}"
    values = {
        str(first.cell(r, 2).value): [first.cell(r, c).value for c in range(1, 6)]
        for r in range(header + 1, first.max_row + 1)
    }
    assert values["Nhiệm vụ được giao trong năm"][2:] == [20, 18, 90]
    rich = next(
        first.cell(r, 2).value
        for r in range(header + 1, first.max_row + 1)
        if str(first.cell(r, 2).value) == "Nhiệm vụ được giao trong năm"
    )
    italic_parts = [block.text for block in rich if not isinstance(block, str) and block.font.i]
    assert italic_parts == ["được giao"]
    assert first.page_setup.orientation == "portrait"
    quarters = workbook["Biểu 2"]
    assert quarters.page_setup.orientation == "landscape"
    top = next(r for r in range(1, 12) if quarters.cell(r, 1).value == "STT")
    assert [quarters.cell(top, c).value for c in (1, 2, 3, 4, 8)] == [
        "STT",
        "Loại hồ sơ",
        "ĐVT",
        "Số hồ sơ theo quý",
        "Ghi chú",
    ]
    assert [quarters.cell(top + 1, c).value for c in range(4, 8)] == [
        "Quý I",
        "Quý II",
        "Quý III",
        "Quý IV",
    ]
    assert f"D{top}:G{top}" in {str(r) for r in quarters.merged_cells.ranges}
    total = top + 3  # the caption row, then Hồ sơ tiếp nhận
    assert quarters.cell(total, 4).value.startswith("=")  # tong_con stays a live formula
    assert [quarters.cell(total, c).value for c in range(5, 8)] == [1285, 1385, 1412]
    assert quarters.cell(total + 3, 4).value == "66,67 (cả năm)"  # as in Word
    second = workbook["Phụ lục II"]
    assert second.page_setup.orientation == "landscape"
    texts = [second.cell(r, 1).value for r in range(1, 4)]
    assert texts[:2] == ["Phụ lục II", composition.appendices[1].tables[0].attached_to]


def test_wording_of_the_attached_line_follows_the_document_type(rendered, tmp_path: Path) -> None:
    data, _, _, _ = rendered
    for name in ("bieu_mau_ket_qua.yaml", "bieu_mau_tu_chu.yaml"):
        (tmp_path / name).write_text((data.parent / name).read_text(encoding="utf-8"))
    text = data.read_text(encoding="utf-8").replace("ky_hieu: BC-UBND", "ky_hieu: TTr-UBND")
    text = text.replace("    kem_theo: true\n", "    kem_theo: false\n")
    (tmp_path / "to_trinh.yaml").write_text(text, encoding="utf-8")
    composition = load_report(tmp_path / "to_trinh.yaml")
    first, second = composition.appendices
    assert first.attached_to.startswith("(Kèm theo Tờ trình số 25/TTr-UBND ngày 20/12/2024")
    assert second.tables[0].attached_to is None  # kem_theo: false in the data file


def test_appendices_alone_as_word(rendered, tmp_path: Path) -> None:
    data, _, _, _ = rendered
    target = tmp_path / "phu_luc.docx"
    write_phu_luc(data, target, docx=True)
    alone = Document(str(target))
    texts = [p.text for p in alone.paragraphs if p.text]
    assert texts[0] == "Phụ lục I" and "Phụ lục II" in texts
    assert len(alone.tables) == 4
    assert [s.orientation for s in alone.sections] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
    ]


def test_approximate_and_rounded_checks_warn_when_off(rendered, tmp_path: Path) -> None:
    data, _, _, _ = rendered
    for name in ("bieu_mau_ket_qua.yaml", "bieu_mau_tu_chu.yaml"):
        (tmp_path / name).write_text((data.parent / name).read_text(encoding="utf-8"))
    text = data.read_text(encoding="utf-8").replace("gia_tri: 66.67", "gia_tri: 66.7")
    (tmp_path / "sai.yaml").write_text(text, encoding="utf-8")
    warnings = [str(p) for p in check_data(tmp_path / "sai.yaml").warnings]
    assert len(warnings) == 1
    assert (
        "phu_luc[1].so_lieu.hs.ty_le: Biểu 2, Tỷ lệ hồ sơ trực tuyến: tỷ lệ không khớp"
        in (warnings[0])
    )
