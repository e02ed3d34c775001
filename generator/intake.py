"""Where report data comes from: a YAML/JSON data file, optionally merged with figures
typed into a data-entry workbook (`baocao mau-nhap`)."""

from __future__ import annotations

from pathlib import Path

from .errors import DataError
from .loader import LoadedFile, load_file


def load_source(path: Path, so_lieu: Path | None = None) -> tuple[LoadedFile, list[bytes]]:
    """The loaded data and the raw bytes of every input (for the outputs' fingerprint)."""
    if path.suffix.lower() == ".xlsx":
        from .entry import load_workbook_data

        loaded = load_workbook_data(path)
    else:
        loaded = load_file(path)
    inputs = [path.read_bytes()]
    if so_lieu is not None:
        from .entry import merge_figures

        if not isinstance(loaded.data, dict):
            raise DataError("tệp dữ liệu phải là một bảng các trường", file=loaded.name, line=1)
        merge_figures(loaded, so_lieu)
        inputs.append(so_lieu.read_bytes())
    return loaded, inputs
