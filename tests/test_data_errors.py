"""Bad data files: each gives exit 1 and a Vietnamese message naming file, line and field,
never a traceback, a written output, or executed code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from generator.api import check_data


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the data")


# name → (how to break the minimal file, text the message must contain, line anchor or None)
CASES = {
    "text_for_number": (
        lambda t: t.replace("so: 5", 'so: "mười"'),
        'so: "mười" không phải là số',
        'so: "mười"',
    ),
    "unknown_key_hint": (
        lambda t: t.replace("trich_yeu: Kết quả", "trich_yue: Kết quả"),
        "trich_yue: trường 'trich_yue' không có trong mẫu; có phải ý bạn là 'trich_yeu'?",
        "trich_yue:",
    ),
    "bad_date": (
        lambda t: t.replace("ngay: 16/3/2021", "ngay: 31/02/2021"),
        "ngay: ngày 31/02/2021 không tồn tại",
        "ngay: 31/02/2021",
    ),
    "missing_required": (
        lambda t: t.replace("dia_danh: Thử\n", ""),
        "dia_danh: thiếu trường bắt buộc",
        None,
    ),
    "duplicate_key": (
        lambda t: t.replace("dia_danh: Thử\n", "dia_danh: Thử\ndia_danh: Khác\n"),
        "khóa 'dia_danh' bị lặp lại",
        "dia_danh: Khác",
    ),
    "tab_indent": (lambda t: t.replace("  kh11:\n    loai:", "  kh11:\n\tloai:"), "Tab", "\tloai:"),
    "figure_not_number": (
        lambda t: t.replace('"1.1.1": 38', '"1.1.1": "ba mươi tám"'),
        'phu_luc.so_lieu.1.1.1: 1.1.1 Số nhiệm vụ đề ra trong kế hoạch: "ba mươi tám" không '
        "phải là số",
        '"1.1.1": "ba mươi tám"',
    ),
    "unknown_indicator": (
        lambda t: t.replace('"1.1.1": 38', '"1.1.1": 38\n    "1.1.9": 4'),
        "mã chỉ tiêu '1.1.9' không có trong danh mục 'cchc-xa-thanh-hoa-01b'; có phải '1.1.",
        '"1.1.9": 4',
    ),
    "enum_out_of_range": (
        lambda t: t.replace('"1.5": null', '"1.5": 3'),
        '"3" không phải là mã lựa chọn hợp lệ (Không = 0, Có = 1)',
        '"1.5": 3',
    ),
    "unknown_document_in_prose": (
        lambda t: t.replace("Tỷ lệ hoàn thành", "Theo {{ van_ban('kh12') }}, tỷ lệ"),
        "văn bản 'kh12' không có trong van_ban; có phải 'kh11'?",
        "van_ban('kh12')",
    ),
    "jinja_syntax": (
        lambda t: t.replace("{{ so_lieu['1.1.2'] }}", "{{ so_lieu['1.1.2' }}"),
        "noi_dung[1].doan[1]: lỗi cú pháp trong biểu thức",
        "so_lieu['1.1.2' }}",
    ),
    "open_brace_missing": (
        lambda t: t.replace("{{ so_lieu['1.1.2'] }}", "{ so_lieu['1.1.2'] }}"),
        'biểu thức "{ so_lieu[\'1.1.2\'] }}" thiếu dấu "{" mở',
        "{ so_lieu['1.1.2'] }}",
    ),
    "close_brace_missing": (
        lambda t: t.replace("{{ so_lieu['1.1.2'] }}", "{{ so_lieu['1.1.2'] }"),
        'biểu thức "{{ so_lieu[\'1.1.2\'] }" thiếu dấu "}" đóng',
        "{{ so_lieu['1.1.2'] }[",
    ),
    "footnote_not_closed": (
        lambda t: t.replace("[^kh11]", "[^kh11"),
        'noi_dung[1].doan[1]: chú thích "[^…" thiếu dấu "]" đóng',
        "[^kh11",
    ),
    "bold_not_closed": (
        lambda t: t.replace("**chữ đậm**", "**chữ đậm"),
        "noi_dung[1].doan[2]: dấu ** mở chữ đậm mà không đóng: viết **chữ đậm**",
        "**chữ đậm",
    ),
    "no_such_filter": (
        lambda t: t.replace("| dem }}", "| so_lieu }}"),
        "không có bộ lọc 'so_lieu'; sau dấu | chỉ dùng bộ lọc định dạng",
        "| so_lieu }}",
    ),
    "two_expressions_in_one": (
        lambda t: t.replace("{{ so_lieu['1.1.2'] }}", "{{ so_lieu['1.1.2'] so }}"),
        'biểu thức viết sai ở "so": mỗi {{ … }} chứa một biểu thức',
        "so_lieu['1.1.2'] so }}",
    ),
    "unknown_footnote": (
        lambda t: t.replace("[^kh11]", "[^kh_khong_co]"),
        "chú thích [^kh_khong_co]: văn bản 'kh_khong_co' không có trong van_ban",
        "[^kh_khong_co]",
    ),
    "sandbox_escape": (
        lambda t: t.replace("Tỷ lệ hoàn thành", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        "biểu thức không được phép",
        "__subclasses__",
    ),
    "string_bomb": (
        lambda t: t.replace("Tỷ lệ hoàn thành", "{{ 'x' * 100000000 }}"),
        "biểu thức không được phép: chuỗi tạo ra quá dài",
        "'x' * 100000000",
    ),
    "printf_width_bomb": (
        lambda t: t.replace("Tỷ lệ hoàn thành", "{{ '%0200000000d' % 1 }}"),
        "biểu thức không được phép: định dạng tạo ra chuỗi quá dài",
        "%0200000000d",
    ),
    "str_format_bomb": (
        lambda t: t.replace("Tỷ lệ hoàn thành", "{{ '{:>200000000}'.format(1) }}"),
        "biểu thức không được phép: không dùng thuộc tính hay phương thức 'format'",
        ".format(1)",
    ),
    "loop_statement": (
        lambda t: t.replace(
            "Tỷ lệ hoàn thành",
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        ),
        "không dùng câu lệnh 'for'",
        "{% for i",
    ),
    "power_bomb": (
        lambda t: t.replace("Tỷ lệ hoàn thành", "{{ ((9**100)**100)**100 }}"),
        "biểu thức không được phép: lũy thừa quá lớn",
        "((9**100)",
    ),
    "missing_figure_in_prose": (
        lambda t: t.replace("{{ so_lieu['1.1.2'] }}", "{{ so_lieu['1.2.1'] }}"),
        "chỉ tiêu 1.2.1 Số bộ phận, công chức chuyên môn cấp xã đã kiểm tra chưa có số liệu",
        "so_lieu['1.2.1']",
    ),
    "tm_without_collective": (
        lambda t: t.replace("  thay_cho: Ủy ban nhân dân\n", ""),
        "chu_ky: TM. cần ghi rõ thay_cho",
        "chu_ky:",
    ),
    "official_without_number": (
        lambda t: t.replace("so: 5", "so: null"),
        "so: thiếu số văn bản (hoặc ghi du_thao: true nếu là dự thảo)",
        "so: null",
    ),
    "bad_period": (
        lambda t: t.replace("ky_bao_cao: quý I năm 2021", "ky_bao_cao: quý V năm 2021"),
        'ky_bao_cao: "quý V năm 2021": quý phải từ I đến IV',
        "ky_bao_cao:",
    ),
    "list_expected": (
        lambda t: t.replace("noi_nhan: [Sở Nội vụ, Chủ tịch UBND huyện]", "noi_nhan: 5"),
        "noi_nhan: phải là một danh sách",
        "noi_nhan: 5",
    ),
    "unknown_catalog": (
        lambda t: t.replace("danh_muc: cchc-xa-thanh-hoa-01b", "danh_muc: cchc-xa-thanh-hoa"),
        "không tìm thấy danh mục chỉ tiêu 'cchc-xa-thanh-hoa'; có phải 'cchc-xa-thanh-hoa-01b'?",
        "danh_muc: cchc-xa-thanh-hoa",
    ),
    "catalog_not_a_catalog_file": (
        lambda t: t.replace("danh_muc: cchc-xa-thanh-hoa-01b", "danh_muc: /etc/passwd"),
        "danh mục chỉ tiêu '/etc/passwd' phải là mã có sẵn",
        "danh_muc: /etc/passwd",
    ),
    "percent_sign_in_a_count": (
        lambda t: t.replace('"3.3.1": null', '"3.3.1": "50%"'),
        '"50%" có dấu % nhưng chỉ tiêu này không phải tỷ lệ phần trăm',
        '"3.3.1": "50%"',
    ),
    "function_called_wrongly": (
        lambda t: t.replace("Tỷ lệ hoàn thành", "{{ van_ban() }}"),
        "biểu thức không tính được: kiểu dữ liệu hoặc số tham số không hợp",
        "van_ban()",
    ),
    "count_typed_vietnamese_float": (
        lambda t: t.replace('"3.3.1": null', '"3.3.1": 1.253'),
        "1.253 phải là số nguyên (nếu là 1.253 theo cách viết Việt Nam, hãy ghi 1253",
        '"3.3.1": 1.253',
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_data_file(name: str, minimal_file: Path, invoke) -> None:
    breaker, expected, anchor = CASES[name]
    text = breaker(minimal_file.read_text(encoding="utf-8"))
    bad = minimal_file.with_name(f"{name}.yaml")
    bad.write_text(text, encoding="utf-8")
    result = invoke("check", bad)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert expected in result.output
    english = re.search(
        r"\b(expected|unexpected|named|Errno|object|undefined|access|token|got)\b", result.output
    )
    assert english is None, result.output
    message_line = next(line for line in result.output.splitlines() if expected[:25] in line)
    assert message_line.startswith(str(bad))
    if anchor is not None:
        assert message_line.startswith(f"{bad}:{_line_of(text, anchor)}:"), message_line


def test_all_errors_reported_at_once(minimal_file: Path, invoke) -> None:
    text = minimal_file.read_text(encoding="utf-8")
    text = text.replace("so: 5", 'so: "năm"').replace("ngay: 16/3/2021", "ngay: 30/02/2021")
    text = text.replace("dia_danh: Thử", "dia_danhh: Thử")
    minimal_file.write_text(text, encoding="utf-8")
    result = invoke("check", minimal_file)
    assert result.exit_code == 1
    for expected in (
        'so: "năm" không phải là số',
        "ngày 30/02/2021 không tồn tại",
        "có phải ý bạn là 'dia_danh'?",
        "dia_danh: thiếu trường bắt buộc",
    ):
        assert expected in result.output
    assert "4 lỗi" in result.output


def test_json_syntax_error(tmp_path: Path, invoke) -> None:
    bad = tmp_path / "bao_cao.json"
    bad.write_text(
        '{\n  "so": 5,\n  "dia_danh": "Thử"\n  "ngay": "16/3/2021"\n}\n', encoding="utf-8"
    )
    result = invoke("check", bad)
    assert result.exit_code == 1
    assert f"{bad}:4: lỗi cú pháp JSON: thiếu dấu phẩy ','" in result.output


def test_json_duplicate_key(tmp_path: Path, invoke) -> None:
    bad = tmp_path / "bao_cao.json"
    bad.write_text('{\n  "so": 5,\n  "so": 6\n}\n', encoding="utf-8")
    result = invoke("check", bad)
    assert result.exit_code == 1
    assert f"{bad}:3: khóa 'so' bị lặp lại" in result.output


def test_json_file_has_field_lines(minimal_file: Path, tmp_path: Path, invoke) -> None:
    data = yaml.safe_load(minimal_file.read_text(encoding="utf-8"))
    data["so"] = "mười"
    path = tmp_path / "bao_cao.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 1
    line = _line_of(path.read_text(encoding="utf-8"), '"so": "mười"')
    assert f'{path}:{line}: so: "mười" không phải là số' in result.output


def test_windows_1258_file(minimal_file: Path, invoke) -> None:
    bad = minimal_file.with_name("cp1258.yaml")
    # Windows-1258 stores Vietnamese with combining tones: not decodable as UTF-8
    bad.write_bytes("dia_danh: Hà Nô\u0323i\n".encode("cp1258"))
    result = invoke("check", bad)
    assert result.exit_code == 1
    assert f"{bad}:1: tệp không phải mã UTF-8 (có vẻ là Windows-1258 hoặc TCVN3)" in result.output


def test_utf8_bom_and_nfd_accepted(minimal_file: Path) -> None:
    import unicodedata

    text = unicodedata.normalize("NFD", minimal_file.read_text(encoding="utf-8"))
    minimal_file.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = check_data(minimal_file)
    assert result.errors == []


def test_alias_bomb_refused(tmp_path: Path, invoke) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("check", bomb)
    assert result.exit_code == 1
    assert f"{bomb}:1: tệp dùng bí danh YAML" in result.output


def test_python_tags_not_executed(tmp_path: Path, invoke) -> None:
    evil = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    evil.write_text(f"so: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    result = invoke("check", evil)
    assert result.exit_code == 1
    assert not marker.exists()
    assert f"{evil}:1:" in result.output


@pytest.mark.parametrize(
    "content, expected",
    [
        ("", "tệp dữ liệu phải là một bảng các trường"),
        ("- a\n- b\n", "tệp dữ liệu phải là một bảng các trường"),
    ],
)
def test_not_a_mapping(tmp_path: Path, invoke, content: str, expected: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(content, encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 1
    assert expected in result.output


def test_render_of_bad_file_writes_nothing(minimal_file: Path, tmp_path: Path, invoke) -> None:
    text = minimal_file.read_text(encoding="utf-8").replace("so: 5", 'so: "mười"')
    minimal_file.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("render", minimal_file, "-o", out)
    assert result.exit_code == 1
    assert not out.exists() or not any(out.iterdir())


def test_control_characters_removed_with_warning(minimal_file: Path) -> None:
    text = minimal_file.read_text(encoding="utf-8")
    minimal_file.write_text(
        text.replace("nguoi_ky: Nguyễn Văn A", 'nguoi_ky: "Nguyễn\\x07 Văn A"'), encoding="utf-8"
    )
    result = check_data(minimal_file)
    assert result.errors == []
    assert any(
        "ký tự điều khiển" in p.message and p.path == "chu_ky.nguoi_ky" for p in result.warnings
    )


def test_carriage_returns_in_data_are_line_ends(minimal_file: Path, tmp_path: Path) -> None:
    """A line end typed as "\\r\\n" or "\\r" (an escape in YAML, a JSON export from Windows) is a
    line end, as "\\n" is and as a sổ nhập reads it: a line break in Word, not a space."""
    import zipfile

    from generator.api import render_report

    text = minimal_file.read_text(encoding="utf-8")
    paragraph = '"- Một gạch đầu dòng có **chữ đậm** và *chữ nghiêng*."'
    parts = {}
    for name, end in (("lf", "\\n"), ("crlf", "\\r\\n"), ("cr", "\\r")):
        data = tmp_path / name / "bao_cao.yaml"
        data.parent.mkdir()
        typed = text.replace(paragraph, f'"dòng một{end}dòng hai"').replace(
            '"1.1.1": 38', f'"1.1.1": {{gia_tri: 38, ghi_chu: "ghi{end}chú"}}'
        )
        data.write_text(typed, encoding="utf-8")
        result = render_report(data, tmp_path / name / "out")
        for output in result.outputs:
            with zipfile.ZipFile(output) as package:
                for part in ("word/document.xml", "xl/worksheets/sheet1.xml"):
                    if part in package.namelist():
                        parts[name, part] = package.read(part)
    document = parts["lf", "word/document.xml"]
    assert "dòng một</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>dòng hai".encode() in document
    for name in ("crlf", "cr"):
        assert parts[name, "word/document.xml"] == document
        assert parts[name, "xl/worksheets/sheet1.xml"] == parts["lf", "xl/worksheets/sheet1.xml"]


def test_markup_characters_in_data_are_text(minimal_file: Path) -> None:
    from generator.api import load_report

    text = minimal_file.read_text(encoding="utf-8").replace(
        "nguoi_ky: Nguyễn Văn A", 'nguoi_ky: "A & B <c> {{ 7*7 }}"'
    )
    minimal_file.write_text(text, encoding="utf-8")
    composition = load_report(minimal_file)
    assert composition.signer == "A & B <c> {{ 7*7 }}"  # names are never evaluated


def test_markup_characters_in_names_are_printed_as_typed(minimal_file: Path) -> None:
    """A name with * or [ ] goes through expressions and generated sentences unchanged."""
    from generator.api import load_report

    text = minimal_file.read_text(encoding="utf-8").replace(
        "ten_co_quan: UBND huyện Thử", 'ten_co_quan: "UBND *huyện* [Thử]"'
    )
    minimal_file.write_text(text, encoding="utf-8")
    composition = load_report(minimal_file)
    assert composition.appendix.title.endswith("CỦA UBND *HUYỆN* [THỬ]")
    assert composition.appendix.attached_to.endswith("của UBND *huyện* [Thử])")
    closing = "".join(getattr(i, "text", "") for i in composition.closing.inlines)
    assert closing.endswith("của UBND *huyện* [Thử]./.")
    assert all(not getattr(i, "bold", False) for i in composition.opening[0].inlines)


def test_pasted_control_characters_are_dropped_with_a_warning(minimal_file: Path) -> None:
    text = minimal_file.read_text(encoding="utf-8").replace("dia_danh: Thử", "dia_danh: Th\x0bử")
    minimal_file.write_text(text, encoding="utf-8")
    result = check_data(minimal_file)
    assert result.errors == []
    assert [str(p) for p in result.warnings] == [
        f"{minimal_file}:5: cảnh báo: đã bỏ ký tự điều khiển không in được (thường do dán từ "
        "Word) ở dòng 5"
    ]


@pytest.mark.parametrize("suffix", [".docx", ".xls", ".ods", ".pdf"])
def test_office_files_are_not_data(invoke, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bao_cao{suffix}"
    path.write_bytes(b"PK\x03\x04 not data")
    result = invoke("check", path)
    assert result.exit_code == 1
    assert f"{path}: đây là" in result.output and "baocao mau-nhap" in result.output


def test_a_folder_without_data_files_is_an_error(invoke, tmp_path: Path) -> None:
    empty = tmp_path / "trong.yaml"
    empty.mkdir()
    for command in ("check", "render"):
        result = invoke(command, empty)
        assert result.exit_code == 1
        assert f"{empty}: thư mục không có tệp số liệu nào" in result.output


def test_headings_deeper_than_the_numbering_styles_are_flagged(minimal_file: Path) -> None:
    deep = (
        "    muc:\n      - tieu_de: Kế hoạch\n        doan: [\"Tỷ lệ hoàn thành {{ ty_le('1.1.2', "
        "'1.1.1') }}.\"]\n"
    )
    nested = deep
    for level in range(3, 7):
        indent = "  " * (level * 2 - 2)
        nested = nested.rstrip("\n") + f"\n{indent}muc:\n{indent}  - tieu_de: Cấp {level}\n"
    text = minimal_file.read_text(encoding="utf-8").replace(deep, nested)
    minimal_file.write_text(text, encoding="utf-8")
    warnings = [p.message for p in check_data(minimal_file).warnings]
    assert any("mục lồng tới cấp 6" in w for w in warnings), warnings


def _figure_row(composition, node_id: str):
    return next(r for t in composition.appendix.tables for r in t.rows if r.id == node_id)


def test_leading_zeros_are_the_decimal_meant(minimal_file: Path) -> None:
    """YAML 1.1 reads 010 as octal 8: a clerk who pads figures with zeros means ten."""
    from generator.api import load_report

    text = minimal_file.read_text(encoding="utf-8")
    text = text.replace('"1.1.1": 38', '"1.1.1": 010').replace('"1.1.2": 25', '"1.1.2": 07')
    text = text.replace("so: 5", "so: 010")
    minimal_file.write_text(text, encoding="utf-8")
    composition = load_report(minimal_file)
    assert _figure_row(composition, "1.1.1").value_text == "10"
    assert _figure_row(composition, "1.1.2").value_text == "7"
    assert composition.so_ky_hieu == "Số: 10/BC-UBND"


@pytest.mark.parametrize(
    "typed, words",
    [
        ("0x1F", '"0x1F" là số viết theo hệ mười sáu (0x…); số liệu báo cáo ghi bằng số thập'),
        ("0b101", '"0b101" là số viết theo hệ hai (0b…)'),
        ("0o17", '"0o17" là số viết theo hệ tám (0o…)'),
        ("1:30", '"1:30" có dạng giờ:phút (hệ sáu mươi), không phải số thập phân'),
    ],
)
def test_other_bases_are_refused_with_a_clear_message(
    minimal_file: Path, invoke, typed: str, words: str
) -> None:
    text = minimal_file.read_text(encoding="utf-8")
    text = text.replace('"1.1.1": 38', f'"1.1.1": {typed}')
    minimal_file.write_text(text, encoding="utf-8")
    result = invoke("check", minimal_file)
    assert result.exit_code == 1
    line = _line_of(text, f'"1.1.1": {typed}')
    assert f"{minimal_file}:{line}: phu_luc.so_lieu.1.1.1: 1.1.1 " in result.output
    assert words in result.output, result.output
    number = minimal_file.with_name("so.yaml")
    number.write_text(minimal_file.read_text(encoding="utf-8").replace("so: 5", f"so: {typed}"))
    result = invoke("check", number)
    assert f"{number}:3: so: {words}" in result.output, result.output


def test_text_fields_keep_what_was_typed(minimal_file: Path) -> None:
    """A time or a zero-padded code in a body table is text, printed as typed (not 90 or 8)."""
    from generator.api import load_report

    text = minimal_file.read_text(encoding="utf-8").replace(
        '      - "- Một gạch',
        "      - bang:\n          tieu_de_cot: [Mã, Giờ]\n          dong: [[010, 7:30]]\n"
        '      - "- Một gạch',
    )
    minimal_file.write_text(text, encoding="utf-8")
    from generator.compose import BodyTable, plain_inlines

    table = next(b for b in load_report(minimal_file).body if isinstance(b, BodyTable))
    assert [[plain_inlines(cell) for cell in row] for row in table.rows] == [["010", "7:30"]]


def test_json_leading_zeros_and_other_bases(minimal_file: Path, tmp_path: Path, invoke) -> None:
    from generator.api import load_report

    data = yaml.safe_load(minimal_file.read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    text = text.replace('"1.1.1": 38', '"1.1.1": 010').replace('"so": 5', '"so": 07')
    path = tmp_path / "bao_cao.json"
    path.write_text(text, encoding="utf-8")
    composition = load_report(path)
    assert _figure_row(composition, "1.1.1").value_text == "10"
    assert composition.so_ky_hieu == "Số: 07/BC-UBND"
    path.write_text(text.replace('"1.1.1": 010', '"1.1.1": 0x1F'), encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 1
    line = _line_of(text, '"1.1.1": 010')
    assert f'{path}:{line}: "0x1F" là số viết theo hệ mười sáu' in result.output, result.output


@pytest.mark.parametrize(
    "ngay, ky_bao_cao, words",
    [
        ("25/9/2024", "quý III năm 2025", "báo cáo ngày 25/9/2024 (năm 2024) nhưng kỳ báo cáo là"),
        ("25/9/2026", "quý III năm 2025", "(năm 2026) nhưng kỳ báo cáo là quý III năm 2025"),
        (
            "05/7/2025",
            "quý III năm 2025",
            "sớm hơn 87 ngày so với cuối quý III năm 2025 (30/9/2025)",
        ),
        ("15/3/2026", "quý III năm 2025", "(năm 2026) nhưng kỳ báo cáo là quý III năm 2025"),
        ("30/12/2025", "quý III năm 2025", "muộn 91 ngày sau cuối quý III năm 2025"),
        ("/11/2025", "quý III năm 2025", None),
        ("/03/2026", "quý III năm 2025", "báo cáo ngày tháng 3/2026 (năm 2026) nhưng kỳ"),
    ],
)
def test_report_dated_far_from_its_period_is_flagged(
    minimal_file: Path, ngay: str, ky_bao_cao: str, words: str | None
) -> None:
    text = minimal_file.read_text(encoding="utf-8")
    text = text.replace("ngay: 16/3/2021", f'ngay: "{ngay}"\ndu_thao: true')
    text = text.replace("ky_bao_cao: quý I năm 2021", f"ky_bao_cao: {ky_bao_cao}")
    minimal_file.write_text(text, encoding="utf-8")
    warnings = [str(p) for p in check_data(minimal_file).warnings if p.path == "ngay"]
    expected = f"{minimal_file}:{_line_of(text, 'ngay: ')}: cảnh báo: ngay: "
    if words is None:  # within the usual window: nothing to say
        assert warnings == []
        return
    assert len(warnings) == 1 and warnings[0].startswith(expected), warnings
    assert words in warnings[0], warnings


@pytest.mark.parametrize(
    "ngay, ky_bao_cao",
    [
        ("16/3/2021", "quý I năm 2021"),
        ("10/01/2022", "quý IV năm 2021"),
        ("04/6/2024", "6 tháng đầu năm 2024"),
        ("16/12/2021", "năm 2021"),
        ("12/2024", "năm 2024"),
        ("2024", "năm 2024"),
    ],
)
def test_usual_report_dates_pass(minimal_file: Path, ngay: str, ky_bao_cao: str) -> None:
    text = minimal_file.read_text(encoding="utf-8")
    text = text.replace("ngay: 16/3/2021", f'ngay: "{ngay}"\ndu_thao: true')
    text = text.replace("ky_bao_cao: quý I năm 2021", f"ky_bao_cao: {ky_bao_cao}")
    text = text.replace("ngay: 02/02/2021", "ngay: 02/02/2020")
    minimal_file.write_text(text, encoding="utf-8")
    assert [p for p in check_data(minimal_file).warnings if "ngay" in (p.path or "")] == []


def test_document_cited_after_the_report_is_flagged(minimal_file: Path) -> None:
    text = minimal_file.read_text(encoding="utf-8").replace("ngay: 02/02/2021", "ngay: 20/3/2021")
    minimal_file.write_text(text, encoding="utf-8")
    warnings = [str(p) for p in check_data(minimal_file).warnings]
    assert f"{minimal_file}:{_line_of(text, 'ngay: 20/3/2021')}: cảnh báo: van_ban.kh11.ngay: " in (
        "\n".join(warnings)
    ), warnings
    assert any(
        "văn bản 'kh11' ngày 20/3/2021 ban hành sau ngày của báo cáo (16/3/2021)" in w
        for w in warnings
    ), warnings


def test_lone_star_is_a_warning(minimal_file: Path) -> None:
    text = minimal_file.read_text(encoding="utf-8").replace("*chữ nghiêng*", "*chữ nghiêng")
    minimal_file.write_text(text, encoding="utf-8")
    result = check_data(minimal_file)
    assert result.errors == []
    assert [(p.path, p.line) for p in result.warnings if "dấu * không thành cặp" in p.message] == [
        ("noi_dung[1].doan[2]", _line_of(text, "*chữ nghiêng"))
    ]


def test_sentence_read_as_a_key_gets_a_hint_to_quote(minimal_file: Path, invoke) -> None:
    text = minimal_file.read_text(encoding="utf-8").replace(
        '      - "- Một gạch', '      - UBND xã kiến nghị như sau:\n      - "- Một gạch'
    )
    minimal_file.write_text(text, encoding="utf-8")
    result = invoke("check", minimal_file)
    assert result.exit_code == 1
    line = _line_of(text, "UBND xã kiến nghị như sau:")
    assert (
        f'{minimal_file}:{line}: noi_dung[1].doan[2].UBND xã kiến nghị như sau: "UBND xã kiến '
        'nghị như sau:" là một câu, nhưng YAML đọc thành tên trường vì có dấu ":" ở cuối; hãy '
        "đặt cả câu trong ngoặc kép"
    ) in result.output, result.output


def test_missing_closing_quote_is_reported_on_its_own_line(minimal_file: Path, invoke) -> None:
    text = minimal_file.read_text(encoding="utf-8").replace(
        '"- Một gạch đầu dòng có **chữ đậm** và *chữ nghiêng*."',
        '"- Một gạch đầu dòng có **chữ đậm** và *chữ nghiêng*.',
    )
    minimal_file.write_text(text, encoding="utf-8")
    result = invoke("check", minimal_file)
    assert result.exit_code == 1
    line = _line_of(text, "- Một gạch đầu dòng")
    assert f'{minimal_file}:{line}: chuỗi mở bằng ngoặc kép " ở dòng này chưa được đóng' in (
        result.output
    ), result.output


def test_utf16_without_bom_is_named(minimal_file: Path, invoke) -> None:
    minimal_file.write_bytes(minimal_file.read_text(encoding="utf-8").encode("utf-16-le"))
    result = invoke("check", minimal_file)
    assert result.exit_code == 1
    assert f"{minimal_file}: tệp mã UTF-16 không có BOM" in result.output


@pytest.mark.parametrize(
    "suffix, words",
    [(".csv", "đây là tệp CSV"), (".xlsm", "đây là sổ Excel có macro (.xlsm)")],
)
def test_csv_and_macro_workbooks_are_named(
    minimal_file: Path, invoke, suffix: str, words: str
) -> None:
    other = minimal_file.with_name(f"so_lieu{suffix}")
    other.write_bytes(b"ma,so_lieu\n1.1.1,38\n")
    result = invoke("check", other)
    assert result.exit_code == 1 and f"{other}: {words}" in result.output
    merged = invoke("check", minimal_file, "--so-lieu", other)
    assert merged.exit_code == 1 and f"{other}: {words}" in merged.output, merged.output


def test_hash_cutting_a_paragraph_short_is_a_warning(minimal_file: Path) -> None:
    """Unquoted, "Đạt 100% #1 của tỉnh" is read as "Đạt 100%" and a YAML comment."""
    text = minimal_file.read_text(encoding="utf-8").replace(
        '      - "- Một gạch', '      - Xếp hạng #1 của tỉnh về cải cách\n      - "- Một gạch'
    )
    text = text.replace("so: 5", "so: 5  # số văn bản")
    minimal_file.write_text(text, encoding="utf-8")
    warnings = [str(p) for p in check_data(minimal_file).warnings]
    line = _line_of(text, "Xếp hạng #1")
    assert warnings == [
        f"{minimal_file}:{line}: cảnh báo: noi_dung[1].doan[2]: dấu # bắt đầu chú thích YAML nên "
        '"#1 của tỉnh về cải cách" bị bỏ khỏi nội dung; nếu đó là nội dung, đặt cả đoạn trong '
        'ngoặc kép "…"'
    ]
