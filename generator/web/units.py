"""Units imported from a CSV file: ma,ten,loai,ma_cap_tren (header row required; UTF-8, with or
without BOM as Excel saves it; comma or semicolon)."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils.text import slugify

from generator.errors import DataError

from .models import Unit

KIND_CODES = {code for code, _ in Unit.KINDS}


@transaction.atomic
def import_units(data: bytes, name: str = "don_vi.csv") -> tuple[int, int]:
    """Create or update the units of the file; returns (created, updated). Nothing is saved
    when any row is wrong: every wrong row is reported together."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("tệp CSV phải lưu dạng UTF-8 (Excel: CSV UTF-8)", file=name) from None
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;")
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    problems = []
    needed = {"ma", "ten"}
    if not rows or not needed <= set(rows[0]):
        raise DataError("dòng đầu phải là tiêu đề cột: ma,ten,loai,ma_cap_tren", file=name, line=1)
    seen: dict[str, dict] = {}
    for line, row in enumerate(rows, start=2):
        code = slugify((row.get("ma") or "").strip())
        kind = (row.get("loai") or "khac").strip().lower() or "khac"
        if not code or not (row.get("ten") or "").strip():
            problems.append(f"{name}:{line}: thiếu mã hoặc tên đơn vị")
        elif code in seen:
            problems.append(f"{name}:{line}: mã {code} trùng với một dòng trước")
        elif kind not in KIND_CODES:
            problems.append(
                f"{name}:{line}: loại '{kind}' không có; chọn: {', '.join(sorted(KIND_CODES))}"
            )
        else:
            seen[code] = {
                "ten": row["ten"].strip(),
                "loai": kind,
                "cap_tren": slugify((row.get("ma_cap_tren") or "").strip()),
                "line": line,
            }
    existing = set(Unit.objects.values_list("ma", flat=True))
    for row in seen.values():
        parent = row["cap_tren"]
        if parent and parent not in seen and parent not in existing:
            problems.append(f"{name}:{row['line']}: không có đơn vị cấp trên mã {parent}")
    if problems:
        raise DataError(
            "danh sách đơn vị có lỗi, chưa nhập gì",
            file=name,
            problems=[DataError(p).problems[0] for p in problems],
        )
    created = updated = 0
    units = {}
    for code, row in seen.items():
        unit, made = Unit.objects.update_or_create(
            ma=code, defaults={"ten": row["ten"], "loai": row["loai"]}
        )
        units[code] = unit
        created, updated = created + made, updated + (not made)
    for code, row in seen.items():
        if row["cap_tren"]:
            parent = units.get(row["cap_tren"]) or Unit.objects.get(ma=row["cap_tren"])
            if unit_would_loop(units[code], parent):
                raise DataError(f"{name}:{row['line']}: cấp trên tạo vòng lặp", file=name)
            units[code].cap_tren = parent
            units[code].save(update_fields=["cap_tren"])
    return created, updated


def unit_would_loop(unit: Unit, parent: Unit) -> bool:
    return parent == unit or unit in parent.ancestors()
