"""Filling a downloaded sổ nhập the way a user does in Excel: column E (Số liệu) by id."""

from __future__ import annotations

import io

import openpyxl


def fill_workbook(data: bytes, figures: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    """The workbook with the figures typed in, and the cell of each id ("Chỉ tiêu!E5")."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Chỉ tiêu"]
    cells = {}
    for row in ws.iter_rows(min_row=3):
        node_id = row[1].value
        if node_id in figures:
            row[4].value = figures[node_id]
            cells[node_id] = f"Chỉ tiêu!E{row[4].row}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), cells
