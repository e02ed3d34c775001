"""Where the shipped Word and Excel templates live (a source checkout or an installed copy)."""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import TemplateError

NAMES = {"docx": "docx/bao_cao.docx", "xlsx": "xlsx/phu_luc.xlsx"}


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
