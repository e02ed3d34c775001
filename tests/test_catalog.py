"""The catalog language: every mistake in a catalog names its file, line and table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.catalog import catalog_listing, load_catalog
from generator.errors import CatalogError

TWO_TABLES = """\
ma: thu
ten_bang: THỬ
bang:
  - tieu_de: BIỂU MẪU 1
    chi_tieu:
      - {id: a, ten: Tổng, dvt: Người}
      - id: b
        ten: Nữ
        dvt: Người
        kiem_tra: "<= [aa]"
  - tieu_de: BIỂU MẪU 2
    ten: Tỷ lệ
    chi_tieu:
      - {id: a, ten: Lại, dvt: Người}
      - {id: c, ten: Tỷ lệ, dvt: "%", cong_thuc: "[d]"}
      - {id: d, ten: Tỷ lệ lại, dvt: "%", cong_thuc: "[c] + 1"}
"""


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bieu_mau.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as error:
        load_catalog(str(path))
    return [str(problem) for problem in error.value.problems]


def test_every_catalog_error_names_file_line_and_table(tmp_path: Path) -> None:
    path = tmp_path / "bieu_mau.yaml"
    assert _errors(tmp_path, TWO_TABLES) == [
        f"{path}:14: chi_tieu.a: BIỂU MẪU 2, mã chỉ tiêu 'a' bị trùng (đã dùng ở dòng 6, "
        "BIỂU MẪU 1); mã phải khác nhau trong cả danh mục, kể cả giữa các bảng",
        f"{path}:10: chi_tieu.b: BIỂU MẪU 1, biểu thức \"<= [aa]\" dùng mã 'aa' không có "
        "trong danh mục; có phải ý bạn là 'a'?",
        f"{path}:15: chi_tieu.c: BIỂU MẪU 2, công thức tính vòng tròn: c → d → c (chỉ tiêu "
        "nào cũng chờ chỉ tiêu kia)",
    ]


def test_unknown_catalog_keys_get_a_hint(tmp_path: Path) -> None:
    text = TWO_TABLES.replace("{id: b", "{id: b").replace(
        "dvt: Người}\n      - id: b", "dvtt: Người}\n      - id: b"
    )
    errors = _errors(tmp_path, text)
    assert errors == [
        f"{tmp_path / 'bieu_mau.yaml'}:6: bang[1].chi_tieu[1].dvtt: trường 'dvtt' không có "
        "trong mẫu; có phải ý bạn là 'dvt'?"
    ]
    errors = _errors(tmp_path, TWO_TABLES.replace("tieu_de: BIỂU MẪU 2", "tieu_dee: BIỂU MẪU 2"))
    assert "có phải ý bạn là 'tieu_de'?" in errors[0] and ":11:" in errors[0]


def test_column_list_mistakes(tmp_path: Path) -> None:
    text = TWO_TABLES.replace(
        "ten_bang: THỬ\n",
        "ten_bang: THỬ\ncot:\n  - {loai: chi_tieu}\n  - {loai: so_lieu}\n  - {loai: so_lieu}\n",
    )
    errors = _errors(tmp_path, text)
    assert errors == [
        f"{tmp_path / 'bieu_mau.yaml'}:3: cot: cột số liệu thứ 2 (Số liệu) cần ma để tệp số "
        "liệu ghi giá trị cho nó"
    ]


def test_listing_separates_tables(tmp_path: Path) -> None:
    path = tmp_path / "bieu_mau.yaml"
    path.write_text(
        TWO_TABLES.replace("[aa]", "[a]")
        .replace("{id: a, ten: Lại", "{id: a2, ten: Lại")
        .replace(' + 1"', ' * 1"')
        .replace('"[d]"', '"[a] * 2"'),
        encoding="utf-8",
    )
    lines = catalog_listing(load_catalog(str(path)))
    assert lines[0] == "== BIỂU MẪU 1 =="
    assert lines[3:5] == ["", "== BIỂU MẪU 2: Tỷ lệ =="]
    assert lines[5].split() == ["1.", "a2", "dem", "Lại", "[Người]"]


def test_catalog_schema_and_listing_from_the_command_line(invoke, tmp_path: Path) -> None:
    result = invoke("schema", "--danh-muc")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"ma", "ten_bang", "cot", "bang", "kem_theo"} <= set(schema["properties"])
    assert "Cot" in schema["$defs"] and "lam_tron" in schema["$defs"]["KiemTra"]["properties"]
    assert schema["description"].startswith("Danh mục chỉ tiêu")  # shown by editors: Vietnamese
    assert schema["$defs"]["Cot"]["description"].startswith("Một cột của bảng")
    bad = tmp_path / "bieu_mau.yaml"
    bad.write_text(TWO_TABLES, encoding="utf-8")
    result = invoke("danh-muc", bad)
    assert result.exit_code == 1 and f"{bad}:14:" in result.output


EXTRA_COLUMNS = """\
ma: ke-hoach
ten_bang: Thử
cot:
  - {loai: chi_tieu}
  - {loai: so_lieu, ma: ke_hoach, nhan: Kế hoạch}
  - {loai: so_lieu, ma: thuc_hien, nhan: Thực hiện}
  - {loai: so_lieu, ma: ty_le, nhan: Tỷ lệ %, kieu: phan_tram}
chi_tieu:
  - {id: nv, ten: Nhiệm vụ, loai: dem}
"""


def test_values_of_extra_columns_are_checked_with_their_lines(
    minimal_file: Path, tmp_path: Path
) -> None:
    from generator.api import check_data

    (minimal_file.parent / "ke_hoach.yaml").write_text(EXTRA_COLUMNS, encoding="utf-8")
    text = minimal_file.read_text(encoding="utf-8")
    start = text.index("phu_luc:")
    text = text[:start] + (
        "phu_luc:\n"
        "  danh_muc: ke_hoach.yaml\n"
        "  so_lieu:\n"
        "    nv:\n"
        "      ke_hoach: 10\n"
        "      thuc_hen: 8\n"
        "      ty_le: 120%\n"
    )
    minimal_file.write_text(text, encoding="utf-8")
    line = text.count("\n", 0, text.index("thuc_hen")) + 1
    problems = [str(p) for p in check_data(minimal_file).problems if "phu_luc" in str(p)]
    assert problems == [
        f"{minimal_file}:{line}: phu_luc.so_lieu.nv.thuc_hen: 1 Nhiệm vụ: 'thuc_hen' không "
        "phải trường của số liệu hay cột số liệu của bảng (ke_hoach, thuc_hien, ty_le); có "
        "phải ý bạn là 'thuc_hien'?",
        f"{minimal_file}:{line + 1}: cảnh báo: phu_luc.so_lieu.nv.ty_le: 1 Nhiệm vụ, cột Tỷ lệ "
        "%: 120 nằm ngoài khoảng 0–100 của một tỷ lệ phần trăm",
    ]
