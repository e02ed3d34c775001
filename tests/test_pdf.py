"""The Word output converted by LibreOffice: pages, page numbers from page 2, footnotes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.errors import OutputError, ToolMissingError
from generator.pdf import convert_bytes, convert_to_pdf, reproducible

from .conftest import EXAMPLE
from .docx_helpers import long_unit_names_report, rendered_bytes

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) and poppler-utils (pdftotext) are not installed",
)


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _all_pages(pdf: Path) -> list[str]:
    """Every page's text in one pdftotext run (pages end with a form feed)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdf")
    documents = []
    for name in ("huyen_huong_hoa_quy1_2021", "thi_xa_nga_nam_nam_2021"):
        path = folder / f"{name}.docx"
        path.write_bytes(rendered_bytes(EXAMPLE[name]))
        documents.append(path)
    return {p.stem: p for p in convert_to_pdf(documents)}  # one LibreOffice run for both


@pytest.mark.libreoffice
@needs_soffice
def test_page_numbers_start_on_page_two(converted) -> None:
    pdf = converted["huyen_huong_hoa_quy1_2021"]
    pages = _pages(pdf)
    assert 8 <= pages <= 16  # 7 pages of text in the seed plus a multi-page Phụ lục
    first = [line.strip() for line in _page_text(pdf, 1).splitlines() if line.strip()]
    assert first[0].startswith("ỦY BAN NHÂN DÂN")  # no number above the header block
    texts = [_page_text(pdf, page) for page in range(1, pages + 1)]
    tops = [next(line.strip() for line in text.splitlines() if line.strip()) for text in texts]
    appendix = next(i for i, text in enumerate(texts) if "THỐNG KÊ SỐ LIỆU" in text)
    assert tops[1:appendix] == [str(n) for n in range(2, appendix + 1)]
    # the Phụ lục is numbered on its own (NĐ30 Phụ lục I), its first page unnumbered
    assert not tops[appendix].isdigit()
    assert tops[appendix + 1 :] == [str(n) for n in range(2, pages - appendix + 1)]


@pytest.mark.libreoffice
@needs_soffice
def test_appendix_page_and_repeated_header(converted) -> None:
    pdf = converted["huyen_huong_hoa_quy1_2021"]
    pages = _pages(pdf)
    texts = [_page_text(pdf, page) for page in range(1, pages + 1)]
    start = next(i for i, text in enumerate(texts) if "THỐNG KÊ SỐ LIỆU" in text)
    assert "Kèm theo Báo cáo số 123/BC-UBND ngày 16/3/2021" in texts[start]
    assert "Đặng Trọng Vân" in "".join(texts[: start + 1])
    assert start + 1 < pages
    for text in texts[start + 1 :]:  # the table header repeats on every appendix page
        assert "Đơn vị tính" in text and "Kết quả thống kê" in text


@pytest.mark.libreoffice
@needs_soffice
def test_footnotes_survive_conversion(converted) -> None:
    pdf = converted["thi_xa_nga_nam_nam_2021"]
    text = "".join(_page_text(pdf, page) for page in range(1, _pages(pdf) + 1))
    assert "Kế hoạch số 11/KH-UBND ngày 02/02/2021" in text
    assert "Kế hoạch liên tịch số 634/KHLT-PTP-CA-BHXH ngày 01/12/2020" in text


def test_missing_libreoffice_says_how_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr("generator.pdf.find_soffice", lambda: None)
    document = tmp_path / "a.docx"
    document.write_bytes(b"x")
    with pytest.raises(ToolMissingError) as error:
        convert_to_pdf([document])
    assert "sudo apt-get install libreoffice-writer-nogui" in str(error.value)
    assert "libreoffice.org" in str(error.value)


@pytest.mark.libreoffice
@needs_soffice
def test_a_pdf_not_made_by_baocao_is_kept(invoke, tmp_path: Path) -> None:
    data = EXAMPLE["xa_hoang_cat_6_thang_2024"]
    signed = tmp_path / "xa_hoang_cat_6_thang_2024.pdf"
    signed.write_bytes(b"%PDF-1.4 ban da ky, baocao")  # "baocao" in it proves nothing
    result = invoke("render", data, "-o", tmp_path, "--pdf")
    assert result.exit_code == 1
    assert "PDF này không phải bản baocao đã xuất" in result.output
    assert signed.read_bytes() == b"%PDF-1.4 ban da ky, baocao"
    assert sorted(p.name for p in tmp_path.iterdir()) == [signed.name]  # the set, or nothing
    again = invoke("render", data, "-o", tmp_path, "--pdf", "--force")
    assert again.exit_code == 0, again.output
    backup = tmp_path / "xa_hoang_cat_6_thang_2024.bak.pdf"
    assert backup.read_bytes() == b"%PDF-1.4 ban da ky, baocao"
    ours = signed.read_bytes()
    assert ours.startswith(b"%PDF") and ours != b"%PDF-1.4 ban da ky, baocao"
    third = invoke("render", data, "-o", tmp_path, "--pdf")  # our own PDF is replaced
    assert third.exit_code == 0, third.output


@pytest.mark.libreoffice
@needs_soffice
def test_a_signed_copy_of_our_pdf_is_kept(invoke, tmp_path: Path) -> None:
    data = EXAMPLE["xa_hoang_cat_6_thang_2024"]
    pdf = tmp_path / "xa_hoang_cat_6_thang_2024.pdf"
    docx = tmp_path / "xa_hoang_cat_6_thang_2024.docx"
    assert invoke("render", data, "-o", tmp_path, "--pdf").exit_code == 0
    with_pdf = docx.read_bytes()
    assert invoke("render", data, "-o", tmp_path).exit_code == 0  # without --pdf: still ours
    assert docx.read_bytes() == with_pdf  # the DOCX is the same with or without --pdf
    assert invoke("render", data, "-o", tmp_path, "--pdf").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        docx.name,
        pdf.name,
        "xa_hoang_cat_6_thang_2024_phu_luc.xlsx",
    ]
    hidden = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert len(hidden) == 1 and hidden[0].endswith(".sha256")  # the PDF's record, no lock
    # a digital signature is an incremental update appended to the file baocao wrote
    pdf.write_bytes(pdf.read_bytes() + b"\n% chu ky so\n%%EOF\n")
    signed, docx_before = pdf.read_bytes(), docx.read_bytes()
    result = invoke("render", data, "-o", tmp_path, "--pdf")
    assert result.exit_code == 1
    assert f"{pdf}: không ghi đè: tệp PDF này không phải bản baocao đã xuất" in result.output
    assert pdf.read_bytes() == signed and docx.read_bytes() == docx_before
    forced = invoke("render", data, "-o", tmp_path, "--pdf", "--force")
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "xa_hoang_cat_6_thang_2024.bak.pdf").read_bytes() == signed


def test_a_failing_libreoffice_is_an_error(monkeypatch, tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text('#!/bin/sh\nfor a; do out=$a; done\necho x > "$out"\nexit 3\n')
    fake.chmod(0o755)
    monkeypatch.setattr("generator.pdf.find_soffice", lambda: str(fake))
    document = tmp_path / "a.docx"
    document.write_bytes(b"x")
    with pytest.raises(OutputError) as error:
        convert_to_pdf([document])
    assert "LibreOffice báo lỗi (mã 3)" in str(error.value)
    assert not (tmp_path / "a.pdf").exists()


def _with_extra_bullets(source: Path, count: int) -> str:
    """The xã example with ``count`` more bullets at the end of its last part: the signature
    block moves down the page, across the page break and beyond."""
    lines = source.read_text(encoding="utf-8").splitlines()
    last_part = max(i for i, line in enumerate(lines) if line.startswith("  - tieu_de:"))
    anchor = next(i for i in range(last_part, len(lines)) if lines[i] == "    doan:")
    extra = [
        f'      - "- Nhiệm vụ bổ sung số {n} của xã trong 6 tháng cuối năm."'
        for n in range(1, count + 1)
    ]
    lines[anchor + 1 : anchor + 1] = extra
    return "\n".join(lines) + "\n"


@pytest.mark.libreoffice
@needs_soffice
def test_signature_block_never_splits_from_its_signer_or_the_closing_lines(tmp_path) -> None:
    from generator import render_report

    source = EXAMPLE["xa_hoang_cat_6_thang_2024"]
    documents = []
    for count in range(41):
        data = tmp_path / f"xa_{count:02d}.yaml"
        data.write_text(_with_extra_bullets(source, count), encoding="utf-8")
        documents.append(render_report(data).outputs[0])
    pdfs = convert_to_pdf(documents)  # one LibreOffice run for all 41
    assert len({p.parent for p in pdfs}) == 1
    moved = set()
    for pdf in pdfs:
        pages = _all_pages(pdf)

        def page_of(text: str, pages=pages, pdf=pdf) -> int:
            found = [i for i, page in enumerate(pages) if text in " ".join(page.split())]
            assert found, f"{pdf.name}: không thấy {text!r}"
            return found[-1]

        signer = page_of("Nguyễn Văn An")
        assert page_of("CHỦ TỊCH") == signer, pdf.name
        assert page_of("Nơi nhận:") == signer, pdf.name
        assert page_of("Cán bộ, công chức xã") == signer, pdf.name
        assert page_of("Nội vụ tổng hợp./.") == signer, pdf.name  # the closing sentence
        moved.add(signer)
    assert len(moved) >= 2  # the extra bullets did push the block onto another page


@pytest.mark.libreoffice
@needs_soffice
def test_header_left_column_fits_the_names_it_holds(tmp_path) -> None:
    from generator import render_report

    data = long_unit_names_report(tmp_path)
    (pdf,) = convert_to_pdf([render_report(data).outputs[0]])
    lines = [" ".join(line.split()) for line in _page_text(pdf, 1).splitlines() if line.strip()]
    assert lines[0] == "UBND HUYỆN ĐAN PHƯỢNG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert lines[1] == "ỦY BAN NHÂN DÂN Độc lập - Tự do - Hạnh phúc"
    assert lines[2] == "XÃ TÂN HỘI"


def _fake_fontconfig(folder: Path, substitute: str, covered: bool) -> str:
    """fc-match answering ``substitute`` for Times New Roman; fc-list finding it only when it
    ``covered`` the Vietnamese letters asked for. Returns a PATH with them first."""
    folder.mkdir()
    (folder / "fc-match").write_text(f'#!/bin/sh\nprintf "%s" "{substitute}"\n')
    listed = f'case "$1" in *charset=*1ea3*) echo "{substitute}";; esac' if covered else "true"
    (folder / "fc-list").write_text(f"#!/bin/sh\n{listed}\n")
    for tool in folder.iterdir():
        tool.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_font_warning_names_the_package_when_vietnamese_letters_are_missing(
    monkeypatch, tmp_path: Path
) -> None:
    from generator.pdf import font_warning

    monkeypatch.setenv("PATH", _fake_fontconfig(tmp_path / "old", "Liberation Serif", False))
    warning = font_warning()
    assert warning is not None and "Liberation Serif" in warning
    assert "sudo apt-get install fonts-liberation2" in warning
    monkeypatch.setenv("PATH", _fake_fontconfig(tmp_path / "new", "Liberation Serif", True))
    assert font_warning() is None
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no fontconfig (Windows): no guess
    assert font_warning() is None


@pytest.mark.libreoffice
@needs_soffice
def test_render_pdf_warns_about_a_font_without_vietnamese(invoke, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", _fake_fontconfig(tmp_path / "bin", "Liberation Serif", False))
    result = invoke("render", EXAMPLE["xa_hoang_cat_6_thang_2024"], "-o", tmp_path, "--pdf")
    assert result.exit_code == 0, result.output
    assert "không có đủ chữ tiếng Việt" in result.output
    assert "fonts-liberation2" in result.output


@pytest.mark.libreoffice
@needs_soffice
def test_every_example_pdf_uses_one_font_family(tmp_path) -> None:
    from generator import render_report

    documents = [render_report(path, tmp_path).outputs[0] for path in EXAMPLE.values()]
    for pdf in convert_to_pdf(documents):
        listing = subprocess.run(
            ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        # "ABCDEF+LiberationSerif-Bold" → "LiberationSerif": a second family means letters
        # the first font lacked were taken from another one
        families = {line.split()[0].split("+")[-1].split("-")[0] for line in listing}
        assert len(families) == 1, f"{pdf.name}: {sorted(families)}"


def test_the_same_word_file_gives_the_same_pdf_bytes() -> None:
    """LibreOffice stamps each PDF with the clock and a random identifier; both are made to
    follow the DOCX, so a PDF is reproducible like the DOCX and XLSX (and the web download is
    the same file as `baocao render --pdf`)."""
    docx = rendered_bytes(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    run = (
        b"%PDF-1.7\n<</Creator<FEFF>/CreationDate(D:20261129075602+07'00')>>\n"
        b"trailer\n<</Size 9/ID [ <87EFC7F13F6049B8069FE044CCEBCB22>\n"
        b"<87EFC7F13F6049B8069FE044CCEBCB22> ]\n/DocChecksum /C3634E3C6CEC56190785E5B1A1712629\n"
        b">>\n%%EOF\n"
    )
    other_run = run.replace(b"20261129075602", b"20270304101112").replace(b"87EF", b"1234")
    other_run = other_run.replace(b"C3634E3C", b"07B158D3")
    made = reproducible(run, docx)
    assert made == reproducible(other_run, docx)
    assert len(made) == len(run)  # the cross-reference offsets stay right
    assert b"/CreationDate(D:20240101000000+07'00')" in made
    other_docx = rendered_bytes(EXAMPLE["huyen_huong_hoa_quy1_2021"])
    assert reproducible(run, other_docx) != made


@pytest.mark.libreoffice
@needs_soffice
def test_two_conversions_of_one_report_are_byte_identical(tmp_path: Path) -> None:
    docx = rendered_bytes(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    first, second = convert_bytes([docx, docx])
    assert first == second
    path = tmp_path / "bc.pdf"
    path.write_bytes(first)
    assert _pages(path) >= 2  # poppler still reads it: the offsets are intact
