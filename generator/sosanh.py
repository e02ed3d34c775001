"""So sánh: one unit's figures in two periods, as a table and as the words of a report.

``so_sanh(ky_truoc, ky_nay)`` compares every indicator of two data files (or sổ nhập) of one
unit: both values, the change and the change in percent; indicators with a figure in only
one period are listed apart. ``change_phrase`` writes what a report says about one of them,
"tăng 12 văn bản (15,0%) so với cùng kỳ năm 2020", with the period phrase generated from the
two periods and the unit from the catalog; prose reaches it as ``so_sanh('1.1.2')`` when the
data file names its previous period (``ky_truoc: bao_cao_quy1_2020.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import NUMERIC_KINDS, Catalog, shown, stt_labels
from .errors import DataError
from .formatting import KyBaoCao, ky, la_ma, so

# --------------------------------------------------------------------------- phrases


def period_phrase(before: KyBaoCao, after: KyBaoCao) -> str:
    """How a report names the earlier period: "cùng kỳ năm 2020", "quý trước", "năm trước",
    else the period itself ("6 tháng đầu năm 2023")."""
    if (before.loai, before.quy) == (after.loai, after.quy) and before.nam == after.nam - 1:
        return "năm trước" if after.loai == "nam" else f"cùng kỳ năm {before.nam}"
    if before.loai == after.loai == "quy" and before.quy and after.quy:
        earlier = (after.nam, after.quy - 1) if after.quy > 1 else (after.nam - 1, 4)
        if (before.nam, before.quy) == earlier:
            return "quý trước"
    if before.loai == "quy" and before.quy:
        return f"quý {la_ma(before.quy)} năm {before.nam}"
    return ky(before)


def _unit_word(dvt: str | None) -> str:
    if not dvt or dvt.strip() == "%":
        return ""
    word = dvt.strip()
    first = word.split(" ", 1)[0]
    return word if len(first) > 1 and first.isupper() else word[:1].lower() + word[1:]


def change_phrase(
    before: float | None,
    after: float | None,
    period: str,
    dvt: str | None = None,
    percent_kind: bool = False,
) -> str:
    """ "tăng 12 văn bản (15,0%) so với cùng kỳ năm 2020", "giảm 3 văn bản (5,0%) so với …",
    "bằng cùng kỳ năm 2020". A percentage indicator changes by "điểm phần trăm"; from 0 there
    is no percent of change. ValueError when a value is missing."""
    if before is None or after is None:
        raise ValueError("thiếu số liệu của một trong hai kỳ")
    difference = after - before
    if abs(difference) < 1e-9:
        return f"bằng {period}"
    verb = "tăng" if difference > 0 else "giảm"
    amount = shown(abs(round(difference, 3)))
    if percent_kind:
        return f"{verb} {amount} điểm phần trăm so với {period}"
    unit = _unit_word(dvt)
    text = f"{verb} {amount}" + (f" {unit}" if unit else "")
    if before:
        text += f" ({so(abs(difference) / abs(before) * 100, 1)}%)"
    return f"{text} so với {period}"


# --------------------------------------------------------------------------- comparing files


@dataclass
class Comparison:
    id: str
    label: str  # "1.1.2 Số nhiệm vụ đã hoàn thành", "1.1 Hồ sơ (Thực hiện)"
    dvt: str
    before: Any
    after: Any
    column: str | None = None  # the ma of another figure column; None: the first
    appendix: str = ""  # "Phụ lục II" when the reports have several
    percent_kind: bool = False  # a change in "điểm phần trăm"
    stt: str = ""  # as printed in the Phụ lục: "1.1."
    name: str = ""  # the indicator's name (with its column): "Trực tiếp (Thực hiện)"
    table: str = ""  # the table's heading in a catalog of several: "Biểu 2"

    @property
    def group(self) -> str:
        """The heading the row is listed under: "Phụ lục II, Biểu 2"."""
        return ", ".join(part for part in (self.appendix, self.table) if part)

    @property
    def where(self) -> str:
        """The label with its appendix: "Phụ lục II, 2 Tổng thu"."""
        return f"{self.appendix}, {self.label}" if self.appendix else self.label

    @property
    def change(self) -> float | None:
        if not _is_number(self.before) or not _is_number(self.after):
            return None
        return round(self.after - self.before, 3)

    @property
    def percent(self) -> float | None:
        """Change in percent of the earlier value; None from 0 (no percent of nothing)."""
        change = self.change
        if change is None or not self.before:
            return None
        return round(change / abs(self.before) * 100, 1)


@dataclass
class SoSanhResult:
    before: Path
    after: Path
    name: str  # the unit
    before_period: KyBaoCao
    after_period: KyBaoCao
    catalog: Catalog
    rows: list[Comparison]  # indicators with a figure in both periods (or text in both)
    only_before: list[Comparison]
    only_after: list[Comparison]
    outputs: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. the two files name different units

    @property
    def period(self) -> str:
        return period_phrase(self.before_period, self.after_period)

    def phrase(self, node_id: str, column: str | None = None) -> str:
        """The words for one indicator (its first figure column, or the column ``column``)
        of the first appendix that has it."""
        row = next((r for r in self.rows if (r.id, r.column) == (node_id, column)), None)
        if row is None:
            raise DataError(f"chỉ tiêu {node_id} không có số liệu ở cả hai kỳ")
        return change_phrase(row.before, row.after, self.period, row.dvt, row.percent_kind)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_figures(path: Path) -> Any:
    """A data file's figures (typed and computed, every appendix) without composing its
    prose; DataError listing the problems when it cannot be read or its figures have errors."""
    from .tonghop import FailedUnit, read_unit

    unit = read_unit(path)
    problems = unit.problems if isinstance(unit, FailedUnit) else unit.errors
    if problems:
        raise DataError(f"{path}: không đọc được số liệu", file=str(path), problems=problems)
    return unit


def so_sanh(
    ky_truoc: str | Path,
    ky_nay: str | Path,
    out_xlsx: str | Path | None = None,
    *,
    force: bool = False,
) -> SoSanhResult:
    """Compare one unit's figures in two periods, every appendix (matched by catalog) and
    every figure column; writes the workbook when ``out_xlsx``."""
    from .catalog import load_catalog

    before_path, after_path = Path(ky_truoc), Path(ky_nay)
    before, after = read_figures(before_path), read_figures(after_path)
    if before.period == after.period:
        from .errors import Problem

        raise DataError(
            "hai tệp cùng một kỳ báo cáo; so sánh cần kỳ trước và kỳ này",
            problems=[
                Problem(f"kỳ báo cáo {ky(after.period)}", file=str(before_path)),
                Problem(f"kỳ báo cáo {ky(after.period)}", file=str(after_path)),
            ],
        )
    rows, only_before, only_after = [], [], []
    pairs = _matched_appendices(before, after)
    for index, (old, new) in enumerate(pairs):
        appendix = f"Phụ lục {la_ma(index + 1)}" if len(pairs) > 1 else ""
        older = load_catalog((old or new).catalog_source)
        catalog = load_catalog((new or old).catalog_source)
        for row in _compare(older, old, catalog, new):
            row.appendix = appendix
            if row.before is not None and row.after is not None:
                rows.append(row)
            elif row.before is not None:
                only_before.append(row)
            elif row.after is not None:
                only_after.append(row)
    catalog = load_catalog(after.catalog_source)
    result = SoSanhResult(
        before_path,
        after_path,
        after.name,
        before.period,
        after.period,
        catalog,
        rows,
        only_before,
        only_after,
    )
    from .tonghop import unit_key

    if before.period.end > after.period.end:
        result.notes.append(
            f"kỳ trước ({ky(before.period)}, {before_path}) ở sau kỳ này ({ky(after.period)}, "
            f"{after_path}): hai tệp có thể bị đổi chỗ (thứ tự là baocao so-sanh KỲ_TRƯỚC "
            "KỲ_NÀY); mọi mức tăng, giảm dưới đây tính ngược"
        )
    if unit_key(before.name) != unit_key(after.name):
        result.notes.append(
            f"hai tệp ghi hai đơn vị khác nhau: {before.name} ({before_path}) và {after.name} "
            f"({after_path}); kiểm tra lại có đúng là hai kỳ của một đơn vị không"
        )
    if out_xlsx is not None:
        from . import __version__
        from .output import atomic_write, fingerprint_of, guard_overwrite, stamp
        from .tonghop_xlsx import so_sanh_workbook

        target = Path(out_xlsx)
        data = stamp(
            so_sanh_workbook(result),
            fingerprint_of(__version__.encode(), before_path.read_bytes(), after_path.read_bytes()),
        )
        backup = guard_overwrite(target, force)
        if backup:
            result.backups.append(backup)
        atomic_write(target, data)
        result.outputs.append(target)
    return result


def _matched_appendices(before: Any, after: Any) -> list[tuple[Any, Any]]:
    """The two periods' appendices paired by catalog id (a catalog may change between
    years, keeping its ma), this period's order first; an appendix in one period only is
    paired with None."""
    from .catalog import load_catalog

    def ma(appendix: Any) -> str:
        return load_catalog(appendix.catalog_source).spec.ma

    left = list(before.appendices)
    pairs = []
    for new in after.appendices:
        old = next((a for a in left if ma(a) == ma(new)), None)
        if old is not None:
            left.remove(old)
        pairs.append((old, new))
    return pairs + [(old, None) for old in left]


def _compare(older: Catalog, old: Any, catalog: Catalog, new: Any) -> list[Comparison]:
    """One appendix's rows: each indicator's first figure column, then its other columns."""
    from .catalog import describe_row, figure_columns

    rows = []
    # numbered once per catalog, not once per row: stt_labels walks the whole catalog
    new_stt = stt_labels(catalog.spec)
    old_stt = new_stt if older is catalog else stt_labels(older.spec)
    ids = list(catalog.nodes) + [i for i in older.nodes if i not in catalog.nodes]
    for node_id in ids:
        node = catalog.nodes.get(node_id) or older.nodes[node_id]
        if node.kind == "nhom" and not node.con and node_id not in catalog.formulas:
            continue
        in_catalog, stt = (catalog, new_stt) if node_id in catalog.nodes else (older, old_stt)
        label = describe_row(in_catalog, stt, node_id)
        columns = figure_columns(in_catalog, node_id)
        for index, column in enumerate(columns):
            ma = column.ma if index else None
            kind = column.kieu or node.kind
            old_value = _shown_value(older, old, node_id, column if index else None)
            new_value = _shown_value(catalog, new, node_id, column if index else None)
            rows.append(
                Comparison(
                    node_id,
                    f"{label} ({column.label})" if len(columns) > 1 else label,
                    node.dvt or "",
                    old_value,
                    new_value,
                    column=ma,
                    percent_kind=kind == "phan_tram",
                    stt=stt.get(node_id, ""),
                    name=f"{node.name} ({column.label})" if len(columns) > 1 else node.name,
                    table=in_catalog.table_names.get(node_id, ""),
                )
            )
    return rows


def _shown_value(catalog: Catalog, unit: Any, node_id: str, column: Any = None) -> Any:
    """A number for numeric indicators; the text written for others (choices by label).
    None when the appendix or the indicator is not in the report."""
    from .tonghop import unit_text

    if unit is None or node_id not in catalog.nodes:
        return None
    node = catalog.nodes[node_id]
    value = unit.value(node_id, column.ma if column is not None else None)
    kind = (column.kieu if column is not None else None) or node.kind
    if kind in NUMERIC_KINDS and _is_number(value):
        return value
    text = unit_text(catalog, unit, node_id, column)
    return text or None


__all__ = [
    "Comparison",
    "SoSanhResult",
    "change_phrase",
    "period_phrase",
    "so_sanh",
]
