"""PDF through LibreOffice headless: several files in one LibreOffice process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import OutputError, ToolMissingError

INSTALL_HINT = (
    "chưa cài LibreOffice nên chưa xuất được PDF (tệp Word/Excel vẫn đã được ghi). Cài đặt: "
    "trên Ubuntu/Debian chạy `sudo apt-get install libreoffice-writer-nogui`; trên Windows "
    "tải tại https://www.libreoffice.org/download/ rồi chạy lại với --pdf"
)
TIMEOUT_PER_FILE = 60
# Letters that only a font made for Vietnamese has (ả ế ể ờ ự đ ư): Debian's fonts-liberation
# 1.x, which stands in for Times New Roman on Linux, lacks them, and LibreOffice then mixes
# in another font and text copied from the PDF comes out garbled ("đi ện t ử").
VIETNAMESE_LETTERS = "ảếểờựđư"
FONT_HINT = (
    "cảnh báo: trên máy này, phông chữ thay cho Times New Roman ({family}) không có đủ chữ "
    "tiếng Việt: PDF sẽ trộn phông khác và chữ chép từ PDF bị vỡ. Cài phông Liberation bản 2 "
    "(cùng kích thước chữ với Times New Roman): `sudo apt-get install fonts-liberation2` "
    "trên Ubuntu/Debian, hoặc cài phông Times New Roman, rồi xuất lại PDF"
)


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        r"C:\Program Files\LibreOffice\program\soffice.exe",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if os.path.exists(candidate):
            return candidate
    return None


def _fontconfig(*args: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def font_warning() -> str | None:
    """A warning when the font LibreOffice prints Times New Roman with lacks Vietnamese
    letters. Asked of fontconfig, which LibreOffice uses on Linux; where there is none
    (Windows), Times New Roman itself is installed."""
    fc_match, fc_list = shutil.which("fc-match"), shutil.which("fc-list")
    if fc_match is None or fc_list is None:
        return None
    family = _fontconfig(fc_match, "--format=%{family[0]}", "Times New Roman")
    if not family:
        return None
    escaped = re.sub(r"([\\:,=-])", r"\\\1", family)
    charset = " ".join(f"{ord(letter):x}" for letter in VIETNAMESE_LETTERS)
    if _fontconfig(fc_list, f"{escaped}:charset={charset}", "family"):
        return None
    return FONT_HINT.format(family=family)


def convert_bytes(documents: list[bytes]) -> list[bytes]:
    """The PDF of each DOCX given as bytes, all in one LibreOffice run (in a private folder:
    nothing is written beside the outputs until the caller writes the whole set)."""
    if not documents:
        return []
    soffice = find_soffice()
    if soffice is None:
        raise ToolMissingError(INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="baocao-pdf-") as work:
        work_dir = Path(work)
        sources = []
        for number, data in enumerate(documents, start=1):
            source = work_dir / f"bc{number:04d}.docx"  # short, distinct names: one run
            source.write_bytes(data)
            sources.append(source)
        _run_soffice(soffice, work_dir, sources)
        produced = [work_dir / f"{source.stem}.pdf" for source in sources]
        if not all(pdf.exists() for pdf in produced):
            raise OutputError("LibreOffice không xuất được PDF")
        return [pdf.read_bytes() for pdf in produced]


def convert_to_pdf(documents: list[Path], force: bool = False) -> list[Path]:
    """Convert DOCX files on disk to PDF beside them, in one LibreOffice run. A PDF of the
    same name that is not the one baocao wrote is kept (``force``: kept as NAME.bak.pdf)."""
    from .output_set import Output, check_targets, locked, pdf_record, write_set

    targets = [document.with_suffix(".pdf") for document in documents]
    with locked(targets):
        checked = check_targets(targets, force)
        pdfs = convert_bytes([document.read_bytes() for document in documents])
        pairs = list(zip(targets, pdfs, strict=True))
        write_set([Output(t, d) for t, d in pairs] + [pdf_record(t, d) for t, d in pairs], checked)
    return targets


def _run_soffice(soffice: str, work_dir: Path, documents: list[Path]) -> None:
    # a private profile: no clash with a LibreOffice the user has open, no first-run dialogs
    profile = (work_dir / "profile").as_uri()
    command = [
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(work_dir),
        *(str(d) for d in documents),
    ]
    try:
        finished = subprocess.run(
            command,
            capture_output=True,
            timeout=TIMEOUT_PER_FILE * len(documents) + 30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OutputError("LibreOffice chạy quá lâu khi xuất PDF; đã dừng") from None
    except OSError as exc:
        raise OutputError(f"không chạy được LibreOffice ({exc.strerror})") from None
    if finished.returncode != 0:
        raise OutputError(f"LibreOffice báo lỗi (mã {finished.returncode}) khi xuất PDF")
