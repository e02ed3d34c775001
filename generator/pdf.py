"""PDF through LibreOffice headless: several files in one LibreOffice process."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import OutputError, ToolMissingError
from .output import atomic_write, backup_path

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


def made_by_baocao(pdf: bytes) -> bool:
    """Our reports carry the keyword "baocao", which LibreOffice writes into the PDF (as text
    or as UTF-16 hex)."""
    return b"baocao" in pdf or "baocao".encode("utf-16-be").hex().upper().encode() in pdf.upper()


def convert_to_pdf(documents: list[Path], force: bool = False) -> list[Path]:
    """Convert documents to PDF beside them, as few LibreOffice runs as possible (one, unless
    two documents share a name, which would share a PDF name in LibreOffice's output folder).

    Each PDF is written atomically: LibreOffice writes into a private folder first. A PDF of
    the same name that baocao did not make (a scanned, signed copy) is kept unless ``force``,
    which keeps it as NAME.bak.pdf.
    """
    if not documents:
        return []
    soffice = find_soffice()
    if soffice is None:
        raise ToolMissingError(INSTALL_HINT)
    for document in documents:
        target = document.with_suffix(".pdf")
        if target.exists() and not made_by_baocao(target.read_bytes()):
            if not force:
                raise OutputError(
                    "không ghi đè: tệp PDF này không phải do baocao tạo ra (có thể là bản đã "
                    "ký, đã quét). Đổi tên hoặc chuyển nó đi, hoặc chạy lại với --force (tệp "
                    f"cũ được giữ thành {backup_path(target).name})",
                    file=str(target),
                )
            atomic_write(backup_path(target), target.read_bytes())
    rounds: list[list[Path]] = []
    for document in documents:
        free = next((r for r in rounds if all(d.stem != document.stem for d in r)), None)
        if free is None:
            rounds.append(free := [])
        free.append(document)
    written: dict[Path, Path] = {}
    for batch in rounds:
        written.update(_convert(soffice, batch))
    return [written[d] for d in documents]


def _convert(soffice: str, documents: list[Path]) -> dict[Path, Path]:
    with tempfile.TemporaryDirectory(prefix="baocao-pdf-") as work:
        work_dir = Path(work)
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
            raise OutputError(
                f"LibreOffice báo lỗi (mã {finished.returncode}) khi xuất PDF; tệp Word vẫn "
                "đã được ghi",
                file=str(documents[0]),
            )
        written = {}
        for document in documents:
            produced = work_dir / f"{document.stem}.pdf"
            if not produced.exists():
                raise OutputError("LibreOffice không xuất được PDF", file=str(document))
            target = document.with_suffix(".pdf")
            atomic_write(target, produced.read_bytes())
            written[document] = target
        return written
