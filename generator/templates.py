"""Where the shipped Word and Excel templates live (a source checkout or an installed copy)."""

from __future__ import annotations

import stat
import sys
import zipfile
from pathlib import Path

from .errors import TemplateError

NAMES = {"docx": "docx/bao_cao.docx", "xlsx": "xlsx/phu_luc.xlsx"}

# A user's template is refused beyond these (README "Giới hạn") before a byte of it is read:
# the shipped ones are about 40 KB; a logo or a few pictures leave room to spare.
MAX_TEMPLATE_BYTES = 20 * 1024 * 1024
MAX_TEMPLATE_UNPACKED = 100 * 1024 * 1024


def template_dirs() -> list[Path]:
    return [
        Path(__file__).resolve().parent.parent / "templates",  # source checkout / editable
        Path(sys.prefix) / "share" / "baocao" / "templates",  # pip install (data_files)
    ]


def shipped_template(kind: str) -> Path:
    """The shipped template of ``kind`` ("docx" or "xlsx")."""
    for folder in template_dirs():
        path = folder / NAMES[kind]
        if path.is_file():
            return path
    raise TemplateError(
        f"không tìm thấy mẫu có sẵn {NAMES[kind]} (cài đặt thiếu thư mục templates/)"
    )


def shipped_templates() -> list[Path]:
    return [shipped_template(kind) for kind in NAMES]


def user_template(given: str | Path) -> Path:
    """A template the user names (``--template``, ``template check``): refused when it is not
    a regular file (a folder, a device, a FIFO), is larger than MAX_TEMPLATE_BYTES, or unpacks
    to more than MAX_TEMPLATE_UNPACKED (a zip bomb); a damaged one is left for the reader to
    explain."""
    from .loader import os_reason

    path = Path(given)
    name = str(given)
    try:
        status = path.stat()
    except FileNotFoundError:
        raise TemplateError("không tìm thấy tệp mẫu", file=name) from None
    except OSError as exc:
        raise TemplateError(f"không đọc được tệp mẫu ({os_reason(exc)})", file=name) from None
    if not stat.S_ISREG(status.st_mode):
        raise TemplateError(
            "mẫu phải là một tệp Word (.docx) hoặc Excel (.xlsx), không phải thư mục, thiết bị "
            "hay đường ống",
            file=name,
        )
    megabytes = 1024 * 1024
    if status.st_size > MAX_TEMPLATE_BYTES:
        raise TemplateError(
            f"tệp mẫu quá lớn ({status.st_size // megabytes} MB; giới hạn "
            f"{MAX_TEMPLATE_BYTES // megabytes} MB); mẫu báo cáo chỉ vài chục KB, hãy kiểm tra "
            "lại có chọn nhầm tệp, hoặc thu nhỏ ảnh trong mẫu",
            file=name,
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(part.file_size for part in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return path  # not a zip: render and template check say it is not a Word/Excel file
    if unpacked > MAX_TEMPLATE_UNPACKED:
        raise TemplateError(
            f"tệp mẫu giải nén ra quá lớn ({unpacked // megabytes} MB; giới hạn "
            f"{MAX_TEMPLATE_UNPACKED // megabytes} MB)",
            file=name,
        )
    return path
