"""Where report data comes from: a YAML/JSON data file, optionally merged with figures
typed into a data-entry workbook (`baocao mau-nhap`)."""

from __future__ import annotations

from pathlib import Path

from .errors import DataError
from .loader import LoadedFile, load_file, read_bytes

_WORKBOOK_HINT = (
    "; dữ liệu cho baocao là tệp .yaml/.json, hoặc sổ nhập .xlsx tạo bằng `baocao mau-nhap` "
    "(mở bằng Excel rồi lưu lại dạng Excel Workbook .xlsx)"
)
NOT_DATA = {
    ".xls": "đây là tệp Excel đời cũ (.xls)" + _WORKBOOK_HINT,
    ".ods": "đây là bảng tính LibreOffice (.ods)" + _WORKBOOK_HINT,
    ".docx": "đây là tệp Word, không phải tệp số liệu" + _WORKBOOK_HINT,
    ".doc": "đây là tệp Word, không phải tệp số liệu" + _WORKBOOK_HINT,
    ".odt": "đây là văn bản LibreOffice, không phải tệp số liệu" + _WORKBOOK_HINT,
    ".pdf": "đây là tệp PDF, không phải tệp số liệu" + _WORKBOOK_HINT,
    ".csv": "đây là tệp CSV (bảng số liệu dạng chữ, cách nhau bởi dấu phẩy), không phải tệp "
    "số liệu báo cáo" + _WORKBOOK_HINT,
    ".xlsm": "đây là sổ Excel có macro (.xlsm); baocao không mở tệp có macro" + _WORKBOOK_HINT,
}


def load_source(path: Path, so_lieu: Path | None = None) -> tuple[LoadedFile, list[bytes]]:
    """The loaded data and the raw bytes of every input (for the outputs' fingerprint)."""
    suffix = path.suffix.lower()
    if suffix in NOT_DATA:
        raise DataError(NOT_DATA[suffix], file=str(path))
    if suffix == ".xlsx":
        from .entry import load_workbook_data

        loaded = load_workbook_data(path)
    else:
        loaded = load_file(path)
    inputs = [read_bytes(path, str(path), _limit(path))]
    if so_lieu is not None:
        from .entry import merge_figures

        if so_lieu.is_file() and so_lieu.suffix.lower() != ".xlsx":  # special files: read_bytes
            raise DataError(
                NOT_DATA.get(so_lieu.suffix.lower(), "sổ nhập phải là tệp .xlsx").replace(
                    _WORKBOOK_HINT, ""
                )
                + "; --so-lieu nhận sổ nhập .xlsx tạo bằng `baocao mau-nhap`",
                file=str(so_lieu),
            )
        if not isinstance(loaded.data, dict):
            raise DataError("tệp dữ liệu phải là một bảng các trường", file=loaded.name, line=1)
        merge_figures(loaded, so_lieu)
        inputs.append(read_bytes(so_lieu, str(so_lieu), _limit(so_lieu)))
    return loaded, inputs


def _limit(path: Path) -> int:
    if path.suffix.lower() == ".xlsx":
        from .entry import MAX_WORKBOOK_BYTES

        return MAX_WORKBOOK_BYTES
    from .loader import MAX_FILE_BYTES

    return MAX_FILE_BYTES
