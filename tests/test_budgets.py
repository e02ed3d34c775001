"""Hostile input within budgets: every case ends within seconds, within 1 GB of address space,
with exit 0 or 1 and a Vietnamese message that names the file, the line (or cell) and the field.

Each case runs `baocao` in a subprocess under RLIMIT_AS = 1 GB and a 10 s hang guard (generous:
a slow CI still passes; the cases took minutes or gigabytes before their bound existed).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import MINIMAL

MEMORY_LIMIT = 1 << 30
TIME_LIMIT = 10.0
# English fragments that must never reach a user (Python, pydantic, click, the OS).
ENGLISH = re.compile(
    r"Traceback|Error\b|Input should|Unable to|is not in the range|No such file|Exceeds the "
    r"limit|not found|unexpected|Overflow|BadZipFile|not a zip|Invalid|Missing|Recursion|does "
    r"not|is a (?:file|directory)|\[OPTIONS\]"
)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_baocao(*args: object, cwd: Path) -> tuple[int, str, float]:
    """`baocao ARGS…` in a subprocess under the memory limit: exit code, output, seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "generator", *(str(a) for a in args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT * 3,  # the assertion below is the bound; this only stops a hang
        preexec_fn=_limit_memory,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def report_with(paragraph: str, extra: str = "") -> str:
    """The minimal report (no Phụ lục) with its second paragraph replaced by ``paragraph``."""
    text = MINIMAL.replace(
        '      - "- Một gạch đầu dòng có **chữ đậm** và *chữ nghiêng*."',
        "      - " + json.dumps(paragraph),
    )
    text = text.split("phu_luc:")[0]
    for figure in ("{{ so_lieu['1.1.1'] | dem }}", "{{ so_lieu['1.1.2'] }}"):
        text = text.replace(figure, "1")
    return text.replace("{{ ty_le('1.1.2', '1.1.1') }}", "3") + extra


@dataclass
class Case:
    """One hostile input: files to write, the command, and what must come out."""

    files: Callable[[Path], None]
    args: tuple[str, ...]
    code: int
    message: str  # a regex the output must match (the location and the Vietnamese reason)
    absent: tuple[str, ...] = ()  # files that must not exist afterwards (nothing half-written)


def data(paragraph: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / "bc.yaml").write_text(report_with(paragraph), encoding="utf-8")

    return write


PARAGRAPH = r"bc\.yaml:21: noi_dung\[1\]\.doan\[2\]: .*"

PROSE_CASES = {
    "format-star-width": (
        "{{ '%*d' % (1500000000, 1) }}",
        PARAGRAPH + r"biểu thức không được phép: định dạng % không được dùng độ rộng",
    ),
    "format-named-width": (
        "{{ '%(a)1500000000d' % {'a': 1} }}",
        PARAGRAPH + "biểu thức không được phép: định dạng tạo ra chuỗi quá dài",
    ),
    "format-star-precision": (
        "{{ '%.*f' % (1500000000, 1.0) }}",
        PARAGRAPH + r"biểu thức không được phép: định dạng % không được dùng độ rộng",
    ),
    "list-of-long-strings": (
        "{{ ['a'*99999]*99999 }}",
        PARAGRAPH + "biểu thức không được phép: chuỗi tạo ra quá dài",
    ),
    "huge-tuple": ("{{ (0,)*1000000000 }}", PARAGRAPH + "chuỗi tạo ra quá dài"),
    "chu-cai-huge": (
        "{{ 100000000000 | chu_cai }}",
        PARAGRAPH + "không đánh được bằng chữ cái",
    ),
    "dem-huge-width": ("{{ 1 | dem(2000000000) }}", PARAGRAPH + "độ rộng 2000000000 của dem"),
    "field-budget": ("{{ ky_bao_cao*4500 }}" * 20, PARAGRAPH + "dài quá 100.000 ký tự"),
    "paragraph-too-long": ("chữ " * 500_000, PARAGRAPH + "dài quá 100.000 ký tự"),
    "deep-unary-minus": ("{{ " + "-" * 190 + "nam }}", PARAGRAPH + "lồng nhau quá sâu"),
    "deep-not": ("{{ " + "not " * 200 + "nam }}", PARAGRAPH + "lồng nhau quá sâu"),
    "deep-parentheses": ("{{ " + "(" * 200 + "1" + ")" * 200 + " }}", PARAGRAPH + "lồng nhau"),
    "deep-if": ("{% if 1 %}" * 101 + "x" + "{% endif %}" * 101, PARAGRAPH + "lồng nhau"),
    "long-sum": ("{{ 1" + "+1" * 2000 + " }}", PARAGRAPH + "quá dài"),
    "concatenated-strings": (
        "{{ 'a'*60000 ~ 'a'*60000 }}",
        PARAGRAPH + "chuỗi tạo ra quá dài",
    ),
    "big-products": ("{{ " + "*".join(["10**100"] * 13) + " }}", PARAGRAPH + "số tạo ra quá lớn"),
    "million-digit-text": ("{{ '" + "9" * 99_000 + "' | so }}", PARAGRAPH + "chữ số"),
    "print-function": ("{{ van_ban }}", PARAGRAPH + "cho ra một hàm"),
    "print-method": ("{{ ky_bao_cao.upper }}", PARAGRAPH + "cho ra một hàm"),
    "print-figures": ("{{ so_lieu }}", PARAGRAPH + "so_lieu là cả bảng số liệu"),
    "print-list": ("{{ 'a' ~ [1] }}", PARAGRAPH + "danh sách"),
    "complex-power": ("{{ (-8)**(1/3) }}", PARAGRAPH + "không ra số thực"),
    "inline-italic-openers": ("*a " * 33_000, ""),
    # markup left open is reported (it would print as typed), in linear time
    "inline-note-openers": ("[^" * 50_000, PARAGRAPH + r'chú thích "\[\^…" thiếu dấu "\]" đóng'),
    "inline-bold-openers": ("**a " * 25_000, PARAGRAPH + r"dấu \*\* mở chữ đậm mà không đóng"),
}


def _prose_case(paragraph: str, message: str) -> Case:
    return Case(data(paragraph), ("check", "bc.yaml"), 1 if message else 0, message)


CASES = {name: _prose_case(*spec) for name, spec in PROSE_CASES.items()}


def _document_budget(folder: Path) -> None:
    paragraphs = "".join(f'      - "Đoạn {i}: {{{{ ky_bao_cao*4500 }}}}"\n' for i in range(40))
    text = report_with("x").replace('      - "x"\n', paragraphs)
    (folder / "bc.yaml").write_text(text, encoding="utf-8")


CASES["document-budget"] = Case(
    _document_budget,
    ("check", "bc.yaml"),
    1,
    r"bc\.yaml:\d+: noi_dung\[1\]\.doan\[\d+\]: báo cáo dài quá 2\.000\.000 ký tự",
)


# --------------------------------------------------------------------------- input files


def _write(name: str, text: str) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")

    return write


def _special(folder: Path) -> None:
    (folder / "bc.yaml").write_text(report_with("x"), encoding="utf-8")
    os.mkfifo(folder / "fifo.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")


NOT_REGULAR = "không phải tệp thông thường"
CASES.update(
    {
        "render-dev-zero": Case(_special, ("render", "/dev/zero"), 1, r"/dev/zero: " + NOT_REGULAR),
        "render-symlink-to-dev-zero": Case(
            _special, ("render", "zero.yaml"), 1, r"zero\.yaml: " + NOT_REGULAR
        ),
        "check-fifo": Case(_special, ("check", "fifo.yaml"), 1, r"fifo\.yaml: " + NOT_REGULAR),
        "so-lieu-dev-zero": Case(
            _special, ("check", "bc.yaml", "--so-lieu", "/dev/zero"), 1, "/dev/zero: "
        ),
        "so-lieu-fifo": Case(
            _special,
            ("render", "bc.yaml", "--so-lieu", "fifo.yaml"),
            1,
            "fifo.yaml: ",
        ),
        "mau-nhap-dev-zero": Case(
            _special, ("mau-nhap", "/dev/zero", "-o", "nhap.xlsx"), 1, "/dev/zero: " + NOT_REGULAR
        ),
        "oversize-data": Case(
            _write("bc.yaml", report_with("chữ " * 2_000_000)),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml: tệp quá lớn \([\d,]+ MB; giới hạn 10 MB\)",
        ),
        "oversize-catalog": Case(
            lambda folder: (
                (folder / "bc.yaml").write_text(
                    MINIMAL.replace("cchc-xa-thanh-hoa-01b", "dm.yaml"), encoding="utf-8"
                ),
                (folder / "dm.yaml").write_text("#" + "x" * 11_000_000, encoding="utf-8"),
            ),
            ("check", "bc.yaml"),
            1,
            r"dm\.yaml: phu_luc\.danh_muc: tệp quá lớn",
        ),
        "many-nodes-without-alias": Case(
            _write("bc.yaml", "a:\n" + "".join(f"  - {i}\n" for i in range(210_000))),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:1: tệp có quá nhiều phần tử",
        ),
        "bidi-override-in-heading": Case(
            _write("bc.yaml", report_with("x").replace("Công tác chỉ", "Công tác \u202echỉ")),
            ("check", "bc.yaml"),
            0,
            r"bc\.yaml:18: cảnh báo: noi_dung\[1\]\.tieu_de: đã bỏ ký tự điều khiển hướng chữ",
        ),
        "bidi-isolate-in-recipient": Case(
            _write("bc.yaml", report_with("x").replace("Sở Nội vụ", "Sở \u2067Nội vụ")),
            ("check", "bc.yaml"),
            0,
            r"bc\.yaml:\d+: cảnh báo: noi_nhan\[1\]: đã bỏ ký tự điều khiển hướng chữ",
        ),
    }
)


def _damaged_output(folder: Path) -> None:
    """An earlier bc.docx whose properties say baocao made it but whose content fails its CRC."""
    import zipfile

    from generator.output import CONTENT_HASH, _custom_xml

    (folder / "bc.yaml").write_text(report_with("x"), encoding="utf-8")
    target = folder / "bc.docx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("docProps/custom.xml", _custom_xml({CONTENT_HASH: "0" * 64}, []))
        archive.writestr("word/document.xml", b"<w:document>" + b"a" * 1000 + b"</w:document>")
    raw = bytearray(target.read_bytes())
    raw[raw.index(b"aaaa")] = ord("b")  # a bad CRC
    target.write_bytes(bytes(raw))


CASES.update(
    {
        "damaged-earlier-output": Case(
            _damaged_output,
            ("render", "bc.yaml"),
            1,
            r"bc\.docx: không ghi đè: tệp không phải do baocao tạo ra",
        ),
        "damaged-earlier-output-force": Case(
            _damaged_output, ("render", "bc.yaml", "--force"), 0, r"bc\.bak\.docx"
        ),
        "long-ten-co-quan": Case(
            _write(
                "bc.yaml",
                report_with("x").replace(
                    "ten_co_quan: UBND huyện Thử", "ten_co_quan: " + "Ủy ban " * 60
                ),
            ),
            ("render", "bc.yaml"),
            0,
            "",
        ),
    }
)


def _folders(folder: Path) -> None:
    """A file where a folder is expected, and a read-only folder (root writes anywhere it
    can: there the read-only case uses /sys, which refuses even root)."""
    (folder / "tep").write_text("x", encoding="utf-8")
    (folder / "chi_doc").mkdir()
    (folder / "chi_doc").chmod(0o555)


READ_ONLY = "/sys" if os.geteuid() == 0 else "chi_doc"
CANNOT_WRITE = r"\((không có quyền|ổ đĩa chỉ (cho )?đọc)"
CASES.update(
    {
        "schema-into-missing-folder": Case(
            _folders,
            ("schema", "-o", "khong_co/schema.json"),
            1,
            r"khong_co/schema\.json: không ghi được: không có thư mục \S*/khong_co; hãy tạo",
            absent=("khong_co",),
        ),
        "schema-under-a-file": Case(
            _folders,
            ("schema", "-o", "tep/schema.json"),
            1,
            r"tep/schema\.json: không ghi được: \S*/tep là một tệp, không phải thư mục",
        ),
        "schema-into-read-only-folder": Case(
            _folders,
            ("schema", "-o", f"{READ_ONLY}/schema.json"),
            1,
            rf"schema\.json: không ghi được vào thư mục \S*{READ_ONLY} " + CANNOT_WRITE,
            absent=("chi_doc/schema.json",),
        ),
        "template-export-into-missing-folder": Case(
            _folders,
            ("template", "export", "khong_co/mau"),
            1,
            r"khong_co/mau: không ghi được: không có thư mục \S*/khong_co; hãy tạo",
            absent=("khong_co",),
        ),
        "template-export-under-a-file": Case(
            _folders,
            ("template", "export", "tep/mau"),
            1,
            r"tep/mau: không ghi được: \S*/tep là một tệp, không phải thư mục",
        ),
        "template-export-new-folder-in-read-only-folder": Case(
            _folders,
            ("template", "export", f"{READ_ONLY}/mau"),
            1,
            rf"mau: không tạo được thư mục \S*{READ_ONLY}/mau " + CANNOT_WRITE,
            absent=("chi_doc/mau",),
        ),
        "template-export-into-read-only-folder": Case(
            _folders,
            ("template", "export", READ_ONLY),
            1,
            rf"bao_cao\.docx: không ghi được vào thư mục \S*{READ_ONLY} " + CANNOT_WRITE,
            absent=("chi_doc/bao_cao.docx", "chi_doc/phu_luc.xlsx"),
        ),
        "jobs-out-of-range": Case(
            _write("bc.yaml", report_with("x")),
            ("render", "bc.yaml", "-j", "100"),
            2,
            "100 không nằm trong khoảng 0–64",
        ),
    }
)


def _templates(folder: Path) -> None:
    """Templates over the caps: sparse 30 MB files, a zip that unpacks to 150 MB, a FIFO."""
    import zipfile

    (folder / "bc.yaml").write_text(report_with("x", PHU_LUC), encoding="utf-8")
    for name in ("lon.docx", "lon.xlsx"):
        (folder / name).touch()
        os.truncate(folder / name, 30 * 1024 * 1024)
    with (
        zipfile.ZipFile(folder / "bom.docx", "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/anh.bin", "w") as part,
    ):
        for _ in range(150):
            part.write(bytes(1024 * 1024))
    os.mkfifo(folder / "ong.docx")
    for name in ("gia.docx", "gia.xlsx"):  # text under a Word/Excel name
        (folder / name).write_text("không phải tệp nén", encoding="utf-8")


PHU_LUC = "phu_luc:\n  danh_muc: cchc-xa-thanh-hoa-01b\n  so_lieu: {'1.1.1': 5}\n"
TEMPLATE_TOO_BIG = r"tệp mẫu quá lớn \(30 MB; giới hạn 20 MB\)"
CASES.update(
    {
        "render-template-oversize": Case(
            _templates,
            ("render", "bc.yaml", "--template", "lon.docx"),
            1,
            r"lon\.docx: " + TEMPLATE_TOO_BIG,
            absent=("bc.docx",),
        ),
        "render-excel-template-oversize": Case(
            _templates,
            ("render", "bc.yaml", "--template-xlsx", "lon.xlsx"),
            1,
            r"lon\.xlsx: " + TEMPLATE_TOO_BIG,
            absent=("bc.docx", "bc.xlsx"),
        ),
        "template-check-oversize": Case(
            _templates, ("template", "check", "lon.docx"), 1, r"lon\.docx: " + TEMPLATE_TOO_BIG
        ),
        "render-template-zip-bomb": Case(
            _templates,
            ("render", "bc.yaml", "--template", "bom.docx"),
            1,
            r"bom\.docx: tệp mẫu giải nén ra quá lớn \(150 MB; giới hạn 100 MB\)",
        ),
        "render-excel-template-not-a-workbook": Case(
            _templates,
            ("render", "bc.yaml", "--template-xlsx", "gia.xlsx"),
            1,
            r"gia\.xlsx: không đọc được mẫu Excel: không phải tệp Excel \(\.xlsx\) hợp lệ",
            absent=("bc.docx",),
        ),
        "template-check-not-a-workbook": Case(
            _templates,
            ("template", "check", "gia.xlsx"),
            1,
            r"gia\.xlsx: không mở được mẫu Excel: không phải tệp Excel \(\.xlsx\) hợp lệ",
        ),
        "template-check-not-a-word-file": Case(
            _templates,
            ("template", "check", "gia.docx"),
            1,
            r"gia\.docx: không mở được mẫu Word: không phải tệp Word \(\.docx\) hợp lệ",
        ),
        "cap-nhat-not-a-word-file": Case(
            _templates,
            ("cap-nhat", "gia.docx", "bc.yaml"),
            1,
            r"gia\.docx: không đọc được tệp Word \(\.docx\) này: tệp bị hỏng",
        ),
        "render-template-fifo": Case(
            _templates,
            ("render", "bc.yaml", "--template", "ong.docx"),
            1,
            r"ong\.docx: mẫu phải là một tệp Word \(\.docx\) hoặc Excel \(\.xlsx\), không phải",
        ),
    }
)


# pydantic's and Python's English once reached the user for these
CASES.update(
    {
        "table-where-text-is-expected": Case(
            _write(
                "bc.yaml",
                report_with("x").replace("ten_co_quan: UBND huyện Thử", "ten_co_quan: {a: 1}"),
            ),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:2: ten_co_quan: phải là một chuỗi chữ, không phải một bảng",
        ),
        "integer-of-5000-digits": Case(
            _write("bc.yaml", report_with("x").replace("\nso: 5\n", "\nso: " + "9" * 5000 + "\n")),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:3: so: \"9+…\" có quá nhiều chữ số",
        ),
        "integer-of-5000-digits-in-json": Case(
            _write("bc.json", '{"so": ' + "9" * 5000 + "}"),
            ("check", "bc.json"),
            1,
            r"bc\.json:1: so: \"9+…\" có quá nhiều chữ số",
        ),
        "not-a-boolean-not-a-choice": Case(
            _write(
                "bc.yaml",
                report_with("x").replace(
                    "\nso: 5\n", "\nso: 5\ndu_thao: maybe\nkieu_danh_so: [so, abc]\n"
                ),
            ),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:4: du_thao: \"maybe\" phải là true \(có\) hoặc false \(không\)\n.*"
            r"bc\.yaml:5: kieu_danh_so\[2\]: \"abc\" không hợp lệ; chọn một trong: 'la_ma', 'so', "
            r"'thap_phan' hoặc 'chu'",
        ),
    }
)


BAD_TAGS = {
    "the-dong": "{{ ten_co_quan }",
    "the-la": "{% khong_co %}",
    "bo-loc-la": "{{ ten_co_quan | khong_co }}",
    "chia-0": "{{ 1/0 }}",
    "thuoc-tinh-la": "{{ ten_co_quan.x.y }}",
}


def _tagged_templates(folder: Path) -> None:
    """Word templates each with one broken tag in a paragraph of its own."""
    from docx import Document

    from generator.templates import shipped_template

    (folder / "bc.yaml").write_text(report_with("x"), encoding="utf-8")
    for name, tag in BAD_TAGS.items():
        document = Document(str(shipped_template("docx")))
        document.add_paragraph(tag)
        document.save(str(folder / f"{name}.docx"))


TAG_MESSAGES = {
    "the-dong": r'thẻ (mẫu )?sai cú pháp: dấu "}" không đúng chỗ',
    "the-la": r"thẻ (mẫu )?sai cú pháp: không có thẻ {% khong_co %}",
    "bo-loc-la": r"thẻ (mẫu )?sai cú pháp: không có bộ lọc 'khong_co'",
    "chia-0": r"không dùng được mẫu: chia cho 0",
    "thuoc-tinh-la": r"mẫu dùng thuộc tính 'x' không có trong dữ liệu",
}
for _name, _message in TAG_MESSAGES.items():
    CASES[f"render-template-{_name}"] = Case(
        _tagged_templates,
        ("render", "bc.yaml", "--template", f"{_name}.docx"),
        1,
        rf"{_name}\.docx: " + _message,
        absent=("bc.docx",),
    )
    if _name in ("the-dong", "the-la", "bo-loc-la"):  # template check reads tags, not values
        CASES[f"template-check-{_name}"] = Case(
            _tagged_templates,
            ("template", "check", f"{_name}.docx"),
            1,
            rf"{_name}\.docx: " + _message,
        )


YAML_TAG = r"thẻ YAML{} \(phần bắt đầu bằng !\) không dùng được"
CASES.update(
    {
        "yaml-python-tag": Case(
            _write("bc.yaml", 'a: !!python/object/apply:os.system ["echo x"]\n'),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:1: " + YAML_TAG.format(r" !!python/object/apply:os\.system"),
        ),
        "yaml-custom-tag": Case(
            _write("bc.yaml", "a: b\nc: !rieng x\n"),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:2: " + YAML_TAG.format(" !rieng"),
        ),
        "yaml-list-as-key": Case(
            _write("bc.yaml", "? [1, 2]\n: x\n"),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:1: tên trường phải là chữ, không phải danh sách hay bảng",
        ),
    }
)


def _spaces_in_choice(folder: Path) -> None:
    """A sổ nhập whose choice cell holds "a", 32,000 spaces and "b" (the choice pattern once
    took half a minute on it)."""
    from openpyxl import load_workbook

    from generator.entry import SINGLE_TABLE_SHEET, write_entry_workbook
    from tests.conftest import EXAMPLE
    from tests.test_entry import _row_of

    book = write_entry_workbook(EXAMPLE["xa_hoang_cat_6_thang_2024"], folder / "nhap.xlsx")
    workbook = load_workbook(book)
    sheet = workbook[SINGLE_TABLE_SHEET]
    sheet.cell(_row_of(sheet, "1.4.2"), 5).value = "a" + " " * 32_000 + "b"
    workbook.save(book)


CASES["spaces-in-choice-cell"] = Case(
    _spaces_in_choice, ("check", "nhap.xlsx"), 1, r"nhap\.xlsx!.*!E\d+: .*1\.4\.2"
)


def _hidden_sheet(line: str) -> Callable[[Path], None]:
    """A sổ nhập whose hidden _du_lieu sheet has ``line`` typed over its first row (A1, a
    comment: the rest of the YAML stays whole)."""

    def write(folder: Path) -> None:
        from openpyxl import load_workbook

        from generator.entry import DATA_SHEET, write_entry_workbook
        from tests.conftest import EXAMPLE

        book = write_entry_workbook(EXAMPLE["xa_hoang_cat_6_thang_2024"], folder / "nhap.xlsx")
        workbook = load_workbook(book)
        workbook[DATA_SHEET].cell(1, 1).value = line
        workbook.save(book)

    return write


HIDDEN_SHEET = r"nhap\.xlsx!_du_lieu!A1: trang ẩn '_du_lieu' bị hỏng \("
CASES.update(
    {
        "hidden-sheet-broken-yaml": Case(
            _hidden_sheet("hai: cham: lien"), ("check", "nhap.xlsx"), 1, HIDDEN_SHEET
        ),
        "hidden-sheet-nested-too-deep": Case(
            _hidden_sheet("sau: " + "[" * 150 + "1" + "]" * 150),
            ("render", "nhap.xlsx"),
            1,
            HIDDEN_SHEET + r"dữ liệu lồng nhau quá sâu \(quá 100 cấp\)\)",
            absent=("nhap.docx",),
        ),
    }
)


FORMULA_CATALOG = """\
ma: thu-so-lon
ten_bang: BẢNG THỬ
bang:
  - tieu_de: BIỂU MẪU 1
    chi_tieu:
      - {id: "1.1", ten: Số nhiệm vụ, dvt: Nhiệm vụ}
      - {id: "1.2", ten: Tính ra, dvt: Nhiệm vụ, cong_thuc: "FORMULA"}
"""


def _catalog_formula(formula: str, field: str = "cong_thuc") -> Callable[[Path], None]:
    """The catalog with indicator 1.2's formula (or, ``field="kiem_tra"``, its check)."""

    def write(folder: Path) -> None:
        catalog = FORMULA_CATALOG.replace("cong_thuc: ", field + ": ")
        (folder / "dm.yaml").write_text(catalog.replace("FORMULA", formula), encoding="utf-8")
        appendix = "phu_luc:\n  danh_muc: dm.yaml\n  so_lieu: {'1.1': 5}\n"
        (folder / "bc.yaml").write_text(report_with("x", appendix), encoding="utf-8")

    return write


TOO_BIG = r"dm\.yaml:\d+: chi_tieu\.1\.2: .*có số quá lớn"
CASES.update(
    {
        "catalog-formula-infinite-literal": Case(
            _catalog_formula("[1.1] * 1e999"), ("check", "bc.yaml"), 1, TOO_BIG
        ),
        "catalog-formula-400-digit-integer": Case(
            _catalog_formula("[1.1] + " + "9" * 400), ("render", "bc.yaml"), 1, TOO_BIG
        ),
        "catalog-formula-overflows": Case(
            _catalog_formula("[1.1]*1e308*10"),
            ("render", "bc.yaml"),
            1,
            r"bc\.yaml:\d+: phu_luc\.so_lieu\.1\.2: .*công thức \[1\.1\]\*1e308\*10 "
            r"\(danh mục dm\.yaml\) cho kết quả quá lớn",
        ),
        "catalog-check-overflows": Case(
            _catalog_formula("== [1.1]*1e308*10", field="kiem_tra"),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:\d+: phu_luc\.so_lieu\.1\.2: .*kiểm tra == \[1\.1\]\*1e308\*10 "
            r"\(danh mục dm\.yaml\) cho kết quả quá lớn",
        ),
        "catalog-formula-2000-terms": Case(
            _catalog_formula("[1.1]" + " + 1" * 2000),
            ("check", "bc.yaml"),
            1,
            r"dm\.yaml:\d+: chi_tieu\.1\.2: .*quá dài \(quá 200 phép tính",
        ),
        "catalog-formula-5000-unary-minus": Case(
            _catalog_formula("-" * 5000 + "[1.1]"),
            ("check", "bc.yaml"),
            1,
            r"dm\.yaml:\d+: chi_tieu\.1\.2: .*quá dài",
        ),
        "catalog-formula-deep-nesting": Case(
            _catalog_formula("-" * 150 + "[1.1]"),
            ("check", "bc.yaml"),
            1,
            r"dm\.yaml:\d+: chi_tieu\.1\.2: .*lồng nhau quá sâu \(quá 100 tầng\)",
        ),
    }
)


EXCEL_CELL = "quá giới hạn 32.767 ký tự của một ô Excel"
CASES.update(
    {
        # Excel holds 32,767 characters in a cell: the sổ nhập refuses a longer text, never cuts it
        "mau-nhap-long-paragraph": Case(
            data("chữ" * 12_000),
            ("mau-nhap", "bc.yaml", "-o", "nhap.xlsx"),
            1,
            r"bc\.yaml:21: noi_dung\[1\]\.doan\[2\]: văn bản dài 36\.000 ký tự, " + EXCEL_CELL,
        ),
        "mau-nhap-long-hidden-field": Case(
            _write("bc.yaml", report_with("x", "ghi_chu_rieng: " + "a" * 40_000 + "\n")),
            ("mau-nhap", "bc.yaml", "-o", "nhap.xlsx"),
            1,
            r"bc\.yaml:\d+: ghi_chu_rieng: văn bản dài 40\.000 ký tự, " + EXCEL_CELL,
        ),
        # a text under the limit whose line of the hidden sheet (with its "  - ") is over it
        "mau-nhap-long-hidden-line": Case(
            data("a" * 32_765),
            ("mau-nhap", "bc.yaml", "-o", "nhap.xlsx"),
            1,
            r"bc\.yaml:21: noi_dung\[1\]\.doan\[2\]: văn bản này thành một dòng dài 32\.769 ký "
            r"tự ở ô nhap\.xlsx!_du_lieu!A\d+ \(phần dữ liệu ẩn của sổ nhập\), " + EXCEL_CELL,
            absent=("nhap.xlsx",),
        ),
    }
)


def _formula_chain(folder: Path) -> None:
    """1,000 formulas each reading the one before, listed last first: 1.1000 = 1.1 + 999."""
    rows = "".join(
        f'      - {{id: "1.{i}", ten: Bước {i}, dvt: Nhiệm vụ, cong_thuc: "[1.{i - 1}] + 1"}}\n'
        for i in range(1000, 1, -1)
    )
    catalog = FORMULA_CATALOG.split('      - {id: "1.2"')[0] + rows
    (folder / "dm.yaml").write_text(catalog, encoding="utf-8")
    appendix = "phu_luc:\n  danh_muc: dm.yaml\n  so_lieu: {'1.1': 5, '1.1000': 7}\n"
    (folder / "bc.yaml").write_text(report_with("x", appendix), encoding="utf-8")


# the typed 7 differs from the computed 5 + 999: the warning shows the chain was computed
CASES["catalog-formula-chain-of-1000"] = Case(
    _formula_chain,
    ("check", "bc.yaml"),
    0,
    r"phu_luc\.so_lieu\.1\.1000: .*số nhập 7 khác giá trị tính theo công thức 1\.004",
)


def _chain_and_readers(folder: Path) -> None:
    """The probe's catalog: 800 chained formulas (1.801 = 1.1 + 800) and 10,000 rows reading
    the chain's end (41 s when every formula was evaluated again per level)."""
    chain = "".join(
        f'      - {{id: "1.{i}", ten: Bước {i}, dvt: Nhiệm vụ, cong_thuc: "[1.{i - 1}] + 1"}}\n'
        for i in range(801, 1, -1)
    )
    readers = "".join(
        f'      - {{id: "2.{i}", ten: Đọc {i}, dvt: Nhiệm vụ, cong_thuc: "[1.801] * 2"}}\n'
        for i in range(1, 10_001)
    )
    catalog = FORMULA_CATALOG.split('      - {id: "1.2"')[0] + chain + readers
    (folder / "dm.yaml").write_text(catalog, encoding="utf-8")
    appendix = "phu_luc:\n  danh_muc: dm.yaml\n  so_lieu: {'1.1': 5, '2.10000': 7}\n"
    (folder / "bc.yaml").write_text(report_with("x", appendix), encoding="utf-8")


# the last reader's typed 7 differs from (5 + 800) * 2: the warning shows it was computed
CASES["catalog-formula-chain-of-800-read-by-10000-rows"] = Case(
    _chain_and_readers,
    ("check", "bc.yaml"),
    0,
    r"phu_luc\.so_lieu\.2\.10000: .*số nhập 7 khác giá trị tính theo công thức 1\.610",
)


def _long_catalog(folder: Path) -> None:
    """A catalog of 5,000 indicators (mau-nhap took 45 s: each row and each validated cell
    was compared with every earlier one)."""
    rows = "".join(
        f'      - {{id: "1.{i}", ten: Chỉ tiêu {i}, dvt: Nhiệm vụ}}\n' for i in range(2, 5001)
    )
    (folder / "dm.yaml").write_text(
        FORMULA_CATALOG.split('      - {id: "1.2"')[0] + rows, encoding="utf-8"
    )
    appendix = "phu_luc:\n  danh_muc: dm.yaml\n  so_lieu: {'1.1': 5}\n"
    (folder / "bc.yaml").write_text(report_with("x", appendix), encoding="utf-8")


CASES["mau-nhap-catalog-of-5000-rows"] = Case(
    _long_catalog, ("mau-nhap", "bc.yaml", "-o", "nhap.xlsx"), 0, "Đã ghi: nhap.xlsx"
)


def _sections(levels: int) -> Callable[[Path], None]:
    """A report whose mục nest ``levels`` deep (the README's cap is 20)."""

    def write(folder: Path) -> None:
        inner = levels - 3  # under noi_dung[1].muc[1] (level 2), the innermost "Đáy" the last
        deep = "{tieu_de: Cấp, muc: [" * inner + "{tieu_de: Đáy}" + "]}" * inner
        last = '        doan: ["Tỷ lệ hoàn thành 3."]'
        text = report_with("x").replace(last, f"{last}\n        muc: [{deep}]", 1)
        (folder / "bc.yaml").write_text(text, encoding="utf-8")

    return write


# check, render and mau-nhap draw the line at exactly the README's 20 levels, in one message
DEEP_SECTION = r"bc\.yaml:25: noi_dung\[1\](\.muc\[1\]){20}: mục lồng quá sâu \(quá 20 cấp\)"
for _levels in (20, 21, 200):
    for _command in (("check", "bc.yaml"), ("render", "bc.yaml"), ("mau-nhap", "bc.yaml")):
        _args = _command + (("-o", "nhap.xlsx") if _command[0] == "mau-nhap" else ())
        CASES[f"{_command[0]}-sections-{_levels}-deep"] = Case(
            _sections(_levels),
            _args,
            0 if _levels <= 20 else 1,
            "" if _levels <= 20 else DEEP_SECTION,
        )


def _json_sections(folder: Path) -> None:
    """A JSON report whose mục nest 121 deep: deeper than the loader's 100 fields, said as mục."""
    section: dict[str, object] = {"tieu_de": "Đáy"}
    for _ in range(120):
        section = {"tieu_de": "Cấp", "muc": [section]}
    text = json.dumps({"noi_dung": [section]}, ensure_ascii=False, indent=1)
    (folder / "bc.json").write_text(text, encoding="utf-8")


def _nested_lists(levels: int, flow: bool) -> Callable[[Path], None]:
    if flow:
        text = "a: " + "[" * levels + "1" + "]" * levels + "\n"
    else:
        text = (
            "a:\n" + "".join("  " * i + "-\n" for i in range(1, levels)) + "  " * levels + "- x\n"
        )
    return _write("bc.yaml", text)


TOO_DEEP = r"dữ liệu lồng nhau quá sâu \(quá 100 cấp\)"
CASES.update(
    {
        "json-sections-121-deep": Case(
            _json_sections,
            ("check", "bc.json"),
            1,
            r"bc\.json:63: noi_dung\[1\](\.muc\[1\]){20}: mục lồng quá sâu \(quá 20 cấp\)",
        ),
        "yaml-lists-150-deep": Case(
            _nested_lists(150, flow=False),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:102: a(\[1\]){100}: " + TOO_DEEP,
        ),
        "yaml-flow-lists-150-deep": Case(
            _nested_lists(150, flow=True),
            ("check", "bc.yaml"),
            1,
            r"bc\.yaml:1: a(\[1\]){100}: " + TOO_DEEP,
        ),
        "yaml-flow-lists-2000-deep": Case(
            _nested_lists(2000, flow=True), ("check", "bc.yaml"), 1, r"bc\.yaml:1: " + TOO_DEEP
        ),
        "json-lists-2000-deep": Case(
            _write("bc.json", '{"a": ' + "[" * 2000 + "1" + "]" * 2000 + "}"),
            ("check", "bc.json"),
            1,
            r"bc\.json:1: " + TOO_DEEP,
        ),
        "mau-nhap-lists-150-deep": Case(
            _nested_lists(150, flow=False),
            ("mau-nhap", "bc.yaml", "-o", "nhap.xlsx"),
            1,
            r"bc\.yaml:102: a(\[1\]){100}: " + TOO_DEEP,
            absent=("nhap.xlsx",),
        ),
    }
)


def _table_width(width: str) -> Callable[[Path], None]:
    row = "      - bang: {tieu_de_cot: [A, B], dong: [[a, b]], do_rong: [1, WIDTH]}\n"
    row = row.replace("WIDTH", width)
    return _write("bc.yaml", report_with("x").replace('      - "x"\n', row))


def _catalog_width(width: str) -> Callable[[Path], None]:
    columns = "cot:\n  - {loai: stt}\n  - {loai: chi_tieu, do_rong: WIDTH}\n".replace(
        "WIDTH", width
    )
    columns += "  - {loai: dvt}\n  - {loai: so_lieu}\n"

    def write(folder: Path) -> None:
        _catalog_formula("[1.1]")(folder)
        catalog = folder / "dm.yaml"
        text = catalog.read_text(encoding="utf-8").replace("bang:\n", columns + "bang:\n", 1)
        catalog.write_text(text, encoding="utf-8")

    return write


# a width that overflows the arithmetic crashed render although check passed
for _width in (".inf", "1.0e+308"):
    CASES[f"table-width-{_width}"] = Case(
        _table_width(_width),
        ("check", "bc.yaml"),
        1,
        r"bc\.yaml:21: noi_dung\[1\]\.doan\[2\]\.bang\.do_rong\[2\]: \S+ phải ≤ 100\b",
    )
    CASES[f"catalog-width-{_width}"] = Case(
        _catalog_width(_width),
        ("check", "bc.yaml"),
        1,
        r"dm\.yaml:5: cot\[2\]\.do_rong: \S+ phải ≤ 100\b",
    )

CASES["catalog-standard-widths-inf"] = Case(
    lambda folder: (
        _catalog_formula("[1.1]")(folder),
        (folder / "dm.yaml").write_text(
            (folder / "dm.yaml").read_text(encoding="utf-8") + "do_rong_cot: [1, .inf, 1, 1, 1]\n",
            encoding="utf-8",
        ),
    ),
    ("check", "bc.yaml"),
    1,
    r"dm\.yaml:\d+: do_rong_cot\[2\]: inf phải ≤ 100\b",
)


# --------------------------------------------------------------------------- every case


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_ends_within_budget(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    case.files(tmp_path)
    code, output, seconds = run_baocao(*case.args, cwd=tmp_path)
    assert seconds < TIME_LIMIT, f"{name}: {seconds:.1f} s"
    assert code == case.code, output
    if case.message:
        assert re.search(case.message, output), output
    assert not ENGLISH.search(output), output
    assert "không mong đợi" not in output
    for name in case.absent:
        assert not (tmp_path / name).exists(), name
        assert not list((tmp_path / name).parent.glob(".*.tmp")), name
