"""`baocao template export` and `baocao template check`: templates users edit in Word."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

from .errors import BaocaoError, OutputError, Problem, ProblemList, Severity, TemplateError
from .templates import shipped_templates, user_template


def export_templates(folder: str | Path, force: bool = False) -> list[Path]:
    """Copy the shipped Word and Excel templates into ``folder`` (made when its parent folder
    exists) for editing: every template, or none when one cannot be written."""
    from .loader import os_reason
    from .output import atomic_write, require_folder

    folder = Path(folder)
    require_folder(folder)
    targets = [(source, folder / source.name) for source in shipped_templates()]
    for _source, target in targets:
        if target.exists() and not force:
            raise OutputError("tệp đã có; thêm --force để ghi đè", file=str(target))
    made = not folder.exists()
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"không tạo được thư mục {folder.absolute()} ({os_reason(exc)})", file=str(folder)
        ) from None
    written: list[Path] = []
    try:
        for source, target in targets:
            new = not target.exists()
            atomic_write(target, source.read_bytes())
            if new:
                written.append(target)
    except BaseException:
        for target in written:  # all or nothing: a half-exported set is not left behind
            target.unlink(missing_ok=True)
        if made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return [target for _source, target in targets]


def _paragraph_lines(xml: str) -> list[str]:
    """The patched template XML one paragraph a line, as docxtpl hands it to Jinja."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).split("\n")


def _visible(line: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", line).split())


def check_template(path: str | Path) -> list[Problem]:
    """The problems of a Word template (.docx) or an Excel Phụ lục template (.xlsx)."""
    path = user_template(path)
    if path.suffix.lower() == ".xlsx":
        return check_xlsx_template(path)
    return check_docx_template(path)


def check_xlsx_template(path: str | Path) -> list[Problem]:
    """An Excel template for the Phụ lục: it opens, and a sample Phụ lục (the xã example's)
    renders with it; what render will do with it (first sheet used, missing "BC …" styles
    taken from the shipped template, content cleared) is said as warnings."""
    from openpyxl import load_workbook

    from .xlsx_render import SHEET_NAME, _named_styles, render_xlsx

    path = Path(path)
    problems = ProblemList(str(path))
    try:
        workbook = load_workbook(path)
    except Exception as exc:
        raise TemplateError(
            "không mở được mẫu Excel: không phải tệp Excel (.xlsx) hợp lệ, hoặc tệp bị hỏng",
            file=str(path),
        ) from exc
    if SHEET_NAME not in workbook.sheetnames:
        problems.warn(
            f"mẫu không có trang tính “{SHEET_NAME}”: phụ lục được ghi vào trang tính đầu tiên "
            f"(“{workbook.worksheets[0].title}”)"
        )
    base = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.worksheets[0]
    others = [ws.title for ws in workbook.worksheets if ws is not base]
    if others:
        problems.warn("các trang tính khác bị bỏ khi xuất: " + ", ".join(others))
    if base.max_row > 1 or base["A1"].value is not None:
        problems.warn(f"nội dung đang có trên trang tính “{base.title}” bị xóa khi xuất")
    missing = [style.name for style in _named_styles() if style.name not in workbook.named_styles]
    if missing:
        problems.warn("mẫu thiếu kiểu ô (lấy theo mẫu có sẵn): " + ", ".join(missing))
    try:
        render_xlsx(_sample_report(), path)
    except Exception as exc:  # whatever the workbook holds: say it cannot be used
        reason = (
            exc.message if isinstance(exc, BaocaoError) else "mẫu có nội dung không ghi vào được"
        )
        problems.add(f"không xuất được phụ lục thử với mẫu này: {reason}")
    return problems.items


# A small report with a Phụ lục of a shipped form: what `template check` renders an Excel
# template with (the data examples are not installed with the package; names unlike the
# `baocao init` skeleton's, which `check` takes for placeholders).
SAMPLE_REPORT = """\
co_quan_ban_hanh: ["Ủy ban nhân dân", "Xã Tân Hội"]
ten_co_quan: UBND xã Tân Hội
so: 12
ky_hieu: BC-UBND
dia_danh: Tân Hội
ngay: 04/6/2024
ky_bao_cao: 6 tháng đầu năm 2024
trich_yeu: Kết quả cải cách hành chính {{ ky_bao_cao }}
noi_dung:
  - tieu_de: Công tác chỉ đạo, điều hành
    doan: ["UBND xã ban hành {{ so_lieu['1.1.1'] }} nhiệm vụ cải cách hành chính."]
noi_nhan: [UBND huyện]
luu: VT
chu_ky: {chuc_vu: Chủ tịch, nguoi_ky: Trần Văn Bình}
phu_luc:
  danh_muc: cchc-xa-thanh-hoa-01b
  so_lieu: {"1.1.1": 38, "1.1.2": 25}
"""


def _sample_report() -> Any:
    import tempfile

    from .api import load_report

    with tempfile.TemporaryDirectory(prefix="baocao-mau-") as folder:
        data = Path(folder) / "thu.yaml"
        data.write_text(SAMPLE_REPORT, encoding="utf-8")
        return load_report(data)


def check_docx_template(path: str | Path) -> list[Problem]:
    """Every tag of the template that the data does not define, syntax errors, malformed and
    missing body tags, each naming the tag and its paragraph."""
    from docx import Document
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError, meta, nodes

    from .docx_render import PART_NAMES, TEMPLATE_NAMES, _environment
    from .prose import syntax_message

    path = Path(path)
    problems = ProblemList(str(path))
    try:
        document = Document(str(path))
    except Exception as exc:
        raise TemplateError(
            "không mở được mẫu Word: không phải tệp Word (.docx) hợp lệ, hoặc tệp bị hỏng",
            file=str(path),
        ) from exc
    template = DocxTemplate(str(path))
    xml = template.patch_xml(template.xml_to_string(document.element.body))
    for rel in document.part.rels.values():
        if rel.reltype.endswith(("/header", "/footer")):
            xml += template.patch_xml(rel.target_part.blob.decode("utf-8", "replace"))
    malformed = _malformed_tags(document, problems)
    lines = _paragraph_lines(xml)
    env = _environment()
    try:
        parsed = env.parse("\n".join(lines))
        # names are found by compiling, which also finds an unknown filter or test
        undeclared = meta.find_undeclared_variables(parsed)
    except TemplateSyntaxError as exc:
        where = _visible(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
        problems.add(f"thẻ sai cú pháp: {syntax_message(exc)}; ở đoạn “{where}”")
        return problems.items
    for node in parsed.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            where = next((_visible(line) for line in lines if f".{node.attr}" in line), "")
            problems.add(
                f"thẻ dùng thuộc tính nội bộ '{node.attr}' (ở đoạn “{where}”); "
                "mẫu chỉ được dùng các thẻ của báo cáo"
            )
    loop_names = set(re.findall(r"{%-?\s*(?:p |tr |tc |r )?\s*for\s+(\w+)\s+in", xml))
    for name in sorted(undeclared - set(TEMPLATE_NAMES) - loop_names):
        where = next((_visible(line) for line in lines if re.search(rf"\b{name}\b", line)), "")
        problems.add(
            f"thẻ '{name}' không có trong dữ liệu (ở đoạn “{where}”); các thẻ dùng được: "
            + ", ".join(TEMPLATE_NAMES)
        )
    for tag, part in PART_NAMES.items():
        if tag in malformed:
            continue
        if not re.search(r"{{\s*" + tag + r"\s*}}", xml):  # patch_xml drops the "p"
            problems.add(
                f"mẫu không có thẻ {{{{p {tag} }}}} nên {part} không in được (baocao render từ "
                "chối mẫu này khi báo cáo có phần đó): thêm một đoạn chỉ chứa thẻ này"
            )
    return problems.items


_PART_TAG = re.compile(r"\{+\s*p?\s*(mo_dau|noi_dung|ket_luan|phu_luc)\b[^{}]*\}*")


def _malformed_tags(document: Any, problems: ProblemList) -> set[str]:
    """Tags with a brace too few or too many in a paragraph ("{{p ket_luan }", "{ so }}"),
    reported as malformed (Jinja would read them as text, or as the start of a tag that ends
    paragraphs later); the part names among them."""
    from .wordml import element_text, qn

    parts: set[str] = set()
    roots = [document.element.body] + [
        rel.target_part.element
        for rel in document.part.rels.values()
        if rel.reltype.endswith(("/header", "/footer"))
    ]
    for root in roots:
        for paragraph in root.iter(qn("w:p")):
            text = element_text(paragraph)
            if all(text.count(a) == text.count(b) for a, b in (("{{", "}}"), ("{%", "%}"))):
                continue
            broken = [
                match
                for match in _PART_TAG.finditer(text)
                if not re.fullmatch(r"\{\{p\s+\w+\s*\}\}", match.group(0).strip())
            ]
            for match in broken:
                parts.add(match.group(1))
                problems.add(
                    f"thẻ “{match.group(0).strip()}” viết sai (thiếu hoặc thừa dấu ngoặc "
                    f"nhọn); viết đúng là {{{{p {match.group(1)} }}}}"
                )
            if not broken:
                problems.add(
                    f"thẻ viết sai: số dấu mở “{{{{”/“{{%” và đóng “}}}}”/“%}}” không khớp ở "
                    f"đoạn “{' '.join(text.split())[:120]}”"
                )
    return parts


def template_ok(problems: list[Problem]) -> bool:
    return not any(p.severity is Severity.ERROR for p in problems)
