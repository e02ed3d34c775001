"""Reading a rendered DOCX the way Word would: effective run properties through the styles."""

from __future__ import annotations

import io
import subprocess
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Length
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from generator.api import load_report
from generator.docx_render import render_docx
from generator.templates import shipped_template
from generator.wordml import qn


@lru_cache(maxsize=8)
def rendered_bytes(data_path: Path) -> bytes:
    """The Word document as `baocao render` makes it (values marked)."""
    return render_docx(load_report(data_path, marks=True), shipped_template("docx"))


def open_docx(data: bytes) -> DocumentObject:
    return Document(io.BytesIO(data))


def _style_chain(style):
    while style is not None:
        yield style
        style = style.base_style


def run_size_pt(run: Run, paragraph: Paragraph) -> float:
    if run.font.size is not None:
        return run.font.size.pt
    for style in _style_chain(paragraph.style):
        if style.font.size is not None:
            return style.font.size.pt
    defaults = paragraph.part.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}")
    size = defaults.find(f".//{qn('w:sz')}") if defaults is not None else None
    return int(size.get(qn("w:val"))) / 2 if size is not None else 10.0


def _inherited(direct, paragraph: Paragraph, read):
    """A property set on the run or paragraph itself, else on its style chain (Word's rule)."""
    if direct is not None:
        return direct
    for style in _style_chain(paragraph.style):
        value = read(style)
        if value is not None:
            return value
    return None


def run_flag(run: Run, paragraph: Paragraph, name: str) -> bool:
    """Effective bold/italic."""
    return bool(_inherited(getattr(run.font, name), paragraph, lambda s: getattr(s.font, name)))


def paragraph_alignment(paragraph: Paragraph):
    return _inherited(paragraph.alignment, paragraph, lambda s: s.paragraph_format.alignment)


def paragraph_format(paragraph: Paragraph, name: str) -> Length | float | None:
    return _inherited(
        getattr(paragraph.paragraph_format, name),
        paragraph,
        lambda s: getattr(s.paragraph_format, name),
    )


def text_runs(paragraph: Paragraph) -> list[Run]:
    return [run for run in paragraph.runs if run.text.strip()]


def find_paragraph(paragraphs: list[Paragraph], text: str) -> Paragraph:
    for paragraph in paragraphs:
        if paragraph.text.strip() == text:
            return paragraph
    raise AssertionError(f"no paragraph {text!r} in {[p.text for p in paragraphs][:40]}")


def has_bottom_border(paragraph: Paragraph) -> bool:
    border = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
    return border is not None and border.get(qn("w:val")) == "single"


def rule_width_twips(paragraph: Paragraph, column_twips: int) -> int:
    ind = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:ind')}")
    return column_twips - int(ind.get(qn("w:left"))) - int(ind.get(qn("w:right")))


def normalised_xml(blob: bytes) -> str:
    """Canonical, pretty XML: attribute order and namespace prefixes no longer matter."""
    root = etree.fromstring(blob)
    canonical = etree.tostring(root, method="c14n")
    return etree.tostring(etree.fromstring(canonical), pretty_print=True, encoding="unicode")


def long_unit_names_report(folder: Path) -> Path:
    """The xã example with a parent body and unit whose names are long: "UBND HUYỆN ĐAN
    PHƯỢNG" over "ỦY BAN NHÂN DÂN / XÃ TÂN HỘI" (the header's left column must fit them)."""
    from .conftest import EXAMPLE

    text = EXAMPLE["xa_hoang_cat_6_thang_2024"].read_text(encoding="utf-8")
    data = folder / "tan_hoi.yaml"
    data.write_text(
        text.replace(
            'co_quan_ban_hanh: ["Ủy ban nhân dân", "Xã Hoàng Cát"]',
            "co_quan_chu_quan: UBND huyện Đan Phượng\n"
            'co_quan_ban_hanh: ["Ủy ban nhân dân", "xã Tân Hội"]',
        ),
        encoding="utf-8",
    )
    return data


def soffice_convert(source: Path, target: str, outdir: Path, profile: Path) -> Path:
    """``source`` converted by LibreOffice (``target`` as --convert-to takes it) into
    ``outdir``, in the private profile folder ``profile`` (other runs may be going on); the
    file it made."""
    outdir.mkdir(exist_ok=True)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    produced = sorted(outdir.glob(source.stem + ".*"))
    assert produced, f"LibreOffice produced nothing for {source.name}"
    return produced[0]
