"""Value marks in generated reports, and `baocao cap-nhat`: corrected data into a report
already edited by hand in Word."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from generator.marks import find_manifest, find_marks, parse_manifest

from .conftest import EXAMPLE, EXAMPLES
from .docx_helpers import rendered_bytes


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
