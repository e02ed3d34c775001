"""`baocao template export` and `baocao template check`: templates users edit in Word."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .errors import OutputError, Problem, ProblemList, Severity, TemplateError
from .templates import shipped_templates


def export_templates(folder: str | Path, force: bool = False) -> list[Path]:
    """Copy the shipped Word and Excel templates into ``folder`` for editing."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for source in shipped_templates():
        target = folder / source.name
        if target.exists() and not force:
            raise OutputError("tệp đã có; thêm --force để ghi đè", file=str(target))
        shutil.copyfile(source, target)
        written.append(target)
    return written


def _paragraph_lines(xml: str) -> list[str]:
    """The patched template XML one paragraph a line, as docxtpl hands it to Jinja."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml).split("\n")


def _visible(line: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", line).split())


def check_template(path: str | Path) -> list[Problem]:
    """Every tag of the template that the data does not define, syntax errors, and missing
    body tags, each naming the tag and its paragraph."""
    from docx import Document
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError, meta, nodes

    from .docx_render import PART_NAMES, TEMPLATE_NAMES, _environment

    path = Path(path)
    problems = ProblemList(str(path))
    try:
        document = Document(str(path))
    except Exception as exc:
        raise TemplateError(
            f"không mở được mẫu Word ({exc.__class__.__name__})", file=str(path)
        ) from exc
    template = DocxTemplate(str(path))
    xml = template.patch_xml(template.xml_to_string(document.element.body))
    for rel in document.part.rels.values():
        if rel.reltype.endswith(("/header", "/footer")):
            xml += template.patch_xml(rel.target_part.blob.decode("utf-8", "replace"))
    lines = _paragraph_lines(xml)
    env = _environment()
    try:
        parsed = env.parse("\n".join(lines))
    except TemplateSyntaxError as exc:
        where = _visible(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
        problems.add(f"thẻ sai cú pháp: {exc.message}; ở đoạn “{where}”")
        return problems.items
    for node in parsed.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            where = next((_visible(line) for line in lines if f".{node.attr}" in line), "")
            problems.add(
                f"thẻ dùng thuộc tính nội bộ '{node.attr}' (ở đoạn “{where}”); "
                "mẫu chỉ được dùng các thẻ của báo cáo"
            )
    loop_names = set(re.findall(r"{%-?\s*(?:p |tr |tc |r )?\s*for\s+(\w+)\s+in", xml))
    for name in sorted(meta.find_undeclared_variables(parsed) - set(TEMPLATE_NAMES) - loop_names):
        where = next((_visible(line) for line in lines if re.search(rf"\b{name}\b", line)), "")
        problems.add(
            f"thẻ '{name}' không có trong dữ liệu (ở đoạn “{where}”); các thẻ dùng được: "
            + ", ".join(TEMPLATE_NAMES)
        )
    for tag, part in PART_NAMES.items():
        if not re.search(r"{{\s*" + tag + r"\s*}}", xml):  # patch_xml drops the "p"
            problems.warn(f"mẫu không có thẻ {{{{p {tag} }}}} nên {part} sẽ không được in")
    return problems.items


def template_ok(problems: list[Problem]) -> bool:
    return not any(p.severity is Severity.ERROR for p in problems)
