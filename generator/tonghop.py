"""Tổng hợp: many units' figures of one set of catalogs and one period rolled up into one table.

A huyện collects the Phụ lục of its xã (data files or filled sổ nhập), a Sở Nội vụ those of
its huyện. ``tong_hop`` reads every unit, refuses inputs that cannot be added together
(another catalog, another period, the same unit twice), matches the appendices of a report
of several (Phụ lục I, II…) by their catalog, combines each indicator and each of its figure
columns (Kế hoạch / Thực hiện / Tỷ lệ %, one per quarter…) by the rule its catalog gives
(``ChiTieu.aggregation``: summed, recomputed from the summed parts, mean / largest /
smallest, a distribution of choices, a list by unit), counts who reported what, runs the
catalog's checks on the totals naming the units behind a violation, and writes the workbook
(``tonghop_xlsx``) and a data file of the totals that ``baocao render`` turns into the
aggregating unit's own Phụ lục.

Units are read without composing their prose (only the header fields and figures matter),
in two processes when there are many: 600 xã files take a few seconds.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ConfigDict, Field

from .catalog import (
    FORMULA_DECIMALS,
    Catalog,
    Cot,
    Figures,
    children_sum,
    collect_figures,
    compute_and_check,
    describe_row,
    figure_columns,
    load_catalog,
    shown,
    stt_labels,
)
from .errors import (
    WORKER_GONE,
    BaocaoError,
    DataError,
    DuplicateUnitError,
    MismatchError,
    Problem,
    ProblemList,
)
from .expressions import Expression
from .formatting import KyBaoCao, ky, la_ma, round_half_up
from .loader import LoadedFile, format_path
from .model import Ky, Model, PhuLucs, Text, VanBan
from .shapes import DEFAULT_AGGREGATION

UNIT_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
PARALLEL_FROM = 40  # below this many files a second process costs more than it saves
FIRST_PROBLEMS = 3  # problems shown for a unit whose file failed

RULE_NAMES = {
    "cong": "cộng",
    "tinh_lai": "tính lại theo công thức",
    "trung_binh": "trung bình",
    "lon_nhat": "lớn nhất",
    "nho_nhat": "nhỏ nhất",
    "phan_bo": "phân bố",
    "liet_ke": "liệt kê theo đơn vị",
    "khong": "không tổng hợp",
}
NUMBER_RULES = ("cong", "trung_binh", "lon_nhat", "nho_nhat")


# --------------------------------------------------------------------------- units


class _DonVi(Model):
    """The fields of a unit's data file that tổng hợp needs; the rest is not its business."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    ten_co_quan: Text
    ky_bao_cao: Ky
    van_ban: dict[str, VanBan] = Field(default_factory=dict)
    phu_luc: PhuLucs | None = None


@dataclass
class UnitAppendix:
    """One appendix of a unit's file: its figures by id (first figure column), the values of
    its other figure columns, and the texts it wrote; ``problems``: its errors (the unit is
    then left out of this appendix's totals only)."""

    catalog_source: str
    values: dict[str, Any]  # typed and computed figures by id (None: not reported)
    texts: dict[str, str]  # what the unit wrote as text (chu, van_ban citations, noi_dung)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {ma: value}
    problems: list[Problem] = field(default_factory=list)
    unit: Unit | None = field(default=None, repr=False, compare=False)

    @property
    def short(self) -> str:
        return self.unit.short if self.unit else ""

    def number(self, node_id: str, column: str | None = None) -> float | None:
        """A figure of the first column, or of the figure column whose ma is ``column``."""
        value = self.value(node_id, column)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return value

    def value(self, node_id: str, column: str | None = None) -> Any:
        if column is None:
            return self.values.get(node_id)
        return self.columns.get(node_id, {}).get(column)

    def reported(self, node_id: str, column: str | None = None) -> bool:
        if column is not None:
            return self.value(node_id, column) not in (None, "")
        return self.values.get(node_id) is not None or bool(self.texts.get(node_id))


@dataclass
class Unit:
    """One unit's figures, as read from its file: one UnitAppendix per Phụ lục."""

    name: str  # ten_co_quan: "UBND xã Hoàng Cát"
    source: Path
    period: KyBaoCao
    appendices: list[UnitAppendix]
    warnings: list[Problem] = field(default_factory=list)
    short: str = ""  # column heading: "Xã Hoàng Cát"

    def __post_init__(self) -> None:
        for appendix in self.appendices:
            appendix.unit = self

    @property
    def catalog_source(self) -> str:
        return self.appendices[0].catalog_source

    def appendix_of(self, node_id: str, catalog_ma: str | None = None) -> UnitAppendix | None:
        """The appendix holding ``node_id``: the one of catalog ``catalog_ma`` when given,
        else the first whose figures name it (as the report's own prose looks it up)."""
        for appendix in self.appendices:
            if catalog_ma is not None:
                if load_catalog(appendix.catalog_source).spec.ma == catalog_ma:
                    return appendix
            elif node_id in appendix.values or node_id in appendix.texts:
                return appendix
        return None

    def number(self, node_id: str, catalog_ma: str | None = None) -> float | None:
        appendix = self.appendix_of(node_id, catalog_ma)
        return appendix.number(node_id) if appendix else None

    @property
    def errors(self) -> list[Problem]:
        """The errors in the figures of its appendices."""
        return [problem for appendix in self.appendices for problem in appendix.problems]


@dataclass
class FailedUnit:
    """A unit whose file could not be read or whose figures have errors: left out of totals
    (of every appendix; ``appendix``: of that one only, e.g. "Phụ lục II")."""

    source: Path
    name: str | None
    problems: list[Problem]
    appendix: str | None = None

    @property
    def first_problems(self) -> list[Problem]:
        return self.problems[:FIRST_PROBLEMS]


@dataclass
class Total:
    """One indicator (one of its figure columns) combined across units."""

    id: str
    rule: str  # see RULE_NAMES
    value: Any = None  # a number, or text (distribution, list by unit); None: nothing reported
    reported: int = 0  # units that reported it
    note: str = ""  # how the value was made, for the cell comment and the Ghi chú
    columns: dict[str, Total] = field(default_factory=dict)  # the other figure columns, by ma


@dataclass
class AppendixTotals:
    """One Phụ lục of the reports, totalled: its catalog, the units in it and the totals."""

    index: int  # 0 for Phụ lục I
    several: bool  # the reports have several appendices (headings then say which)
    catalog: Catalog
    units: list[UnitAppendix]  # units whose file has this appendix without errors
    failed: list[FailedUnit]  # files that failed whole or in this appendix
    absent: list[str]  # units whose file has no such appendix
    totals: dict[str, Total] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # the catalog's checks on the totals

    @property
    def heading(self) -> str:
        """ "Phụ lục II" (empty for the only appendix of a report)."""
        return f"Phụ lục {la_ma(self.index + 1)}" if self.several else ""

    def describe(self, node_id: str) -> str:
        return describe_row(self.catalog, stt_labels(self.catalog.spec), node_id)


@dataclass
class TongHopResult:
    period: KyBaoCao
    units: list[Unit]
    failed: list[FailedUnit]  # whole files, and files with errors in one appendix
    missing: list[str]  # listed in the danh sách, no file
    unlisted: list[str]  # a file, not in the danh sách (still added)
    appendices: list[AppendixTotals]
    outputs: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)  # the danh sách's don_vi_tong_hop

    @property
    def catalog(self) -> Catalog:
        """The first (usually only) appendix's catalog."""
        return self.appendices[0].catalog

    @property
    def totals(self) -> dict[str, Total]:
        """The first (usually only) appendix's totals."""
        return self.appendices[0].totals

    @property
    def problems(self) -> list[Problem]:
        """The checks on the totals of every appendix."""
        return [p for appendix in self.appendices for p in appendix.problems]

    @property
    def expected(self) -> int:
        failed_files = {f.source for f in self.failed if f.appendix is None}
        return len(self.units) + len(failed_files) + len(self.missing)

    def describe(self, node_id: str) -> str:
        return self.appendices[0].describe(node_id)


def short_name(name: str) -> str:
    """ "UBND xã Hoàng Cát" → "Xã Hoàng Cát"; "Phòng Nội vụ" stays."""
    short = re.sub(r"^(UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+", "", name, flags=re.IGNORECASE)
    return short[:1].upper() + short[1:] if short else name


def unit_key(name: str) -> str:
    """Names compared the way people write them: case, spacing, "UBND" = "Ủy ban nhân dân"."""
    text = unicodedata.normalize("NFC", name).casefold().replace("uỷ", "ủy")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^ủy ban nhân dân\b", "ubnd", text)


def read_unit(path: Path) -> Unit | FailedUnit:
    """A unit's figures, checked against its catalogs; a FailedUnit with its problems when its
    file cannot be read. Errors in the figures of one appendix stay with that appendix
    (``UnitAppendix.problems``); warnings are kept, not failures."""
    from .compose import citation
    from .intake import load_source
    from .validate import validate_model

    try:
        loaded, _ = load_source(path)
    except BaocaoError as exc:
        return FailedUnit(path, None, exc.problems)
    problems = ProblemList(loaded.name)
    problems.items.extend(loaded.notes)
    name = _name_of(loaded)
    unit = validate_model(loaded, _DonVi, problems)
    if unit is None:
        return FailedUnit(path, name, problems.errors)
    if unit.phu_luc is None:
        return FailedUnit(
            path,
            name,
            [
                Problem(
                    "tệp không có phụ lục số liệu (phu_luc) nên không tổng hợp được",
                    file=loaded.name,
                    path="phu_luc",
                )
            ],
        )
    listed = unit.phu_luc if isinstance(unit.phu_luc, list) else [unit.phu_luc]
    several = isinstance(unit.phu_luc, list)
    bases = [("phu_luc", i) for i in range(len(listed))] if several else [("phu_luc",)]
    catalogs = []
    for phu_luc, base in zip(listed, bases, strict=True):
        try:
            catalogs.append(load_catalog(phu_luc.danh_muc, path.parent))
        except BaocaoError as exc:
            where = loaded.where((*base, "danh_muc"))
            at = format_path((*base, "danh_muc"))
            return FailedUnit(
                path, name, [Problem(p.message, path=at, **where) for p in exc.problems]
            )
    appendices = []
    for phu_luc, base, catalog in zip(listed, bases, catalogs, strict=True):

        def where(key: str, *fields: str, base: tuple = base) -> dict[str, Any]:
            return loaded.where((*base, "so_lieu", key, *fields))

        found = ProblemList(loaded.name)
        at = format_path((*base, "so_lieu"))
        figures = collect_figures(
            catalog, phu_luc.so_lieu, list(unit.van_ban), found, where, base_path=at
        )
        computed = compute_and_check(figures, found, where, base_path=at)
        problems.items.extend(found.warnings)
        cited = _cited(catalog, figures, unit.van_ban, citation)
        appendices.append(
            UnitAppendix(
                catalog_source=catalog.source,
                values={**figures.values, **computed},
                texts=_texts(catalog, figures, unit.van_ban, citation),
                columns=cited,
                problems=found.errors,
            )
        )
    return Unit(
        name=unit.ten_co_quan,
        source=path,
        period=unit.ky_bao_cao,
        appendices=appendices,
        warnings=problems.warnings,
        short=short_name(unit.ten_co_quan),
    )


def _name_of(loaded: LoadedFile) -> str | None:
    data = loaded.data
    name = data.get("ten_co_quan") if isinstance(data, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def _texts(catalog: Catalog, figures: Figures, van_ban: dict[str, VanBan], citation: Any) -> dict:
    texts: dict[str, str] = {}
    for node_id, entry in figures.entries.items():
        node = catalog.nodes.get(node_id)
        if node is None:
            continue
        value = figures.values.get(node_id)
        if entry.noi_dung:
            texts[node_id] = entry.noi_dung
        elif node.kind == "van_ban" and isinstance(value, str) and value in van_ban:
            texts[node_id] = citation(van_ban[value], "ngan")
        elif isinstance(value, str) and value:
            texts[node_id] = value
    return texts


def _cited(
    catalog: Catalog, figures: Figures, van_ban: dict[str, VanBan], citation: Any
) -> dict[str, dict[str, Any]]:
    """The other figure columns' values, a document key as its short citation."""
    columns: dict[str, dict[str, Any]] = {}
    for node_id, values in figures.columns.items():
        kinds = {c.ma: c.kieu for c in figure_columns(catalog, node_id)}
        node = catalog.nodes[node_id]
        for ma, value in values.items():
            if (kinds.get(ma) or node.kind) == "van_ban" and value in van_ban:
                value = citation(van_ban[value], "ngan")
            columns.setdefault(node_id, {})[ma] = value
    return columns


def _read_all(paths: list[Path], jobs: int = 0) -> list[Unit | FailedUnit]:
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(paths) < PARALLEL_FROM:
        return [read_unit(path) for path in paths]
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: ~20 ms to import
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, len(paths) // (workers * 4))
            return list(pool.map(read_unit, paths, chunksize=chunk))
    except BrokenProcessPool:  # a worker killed (out of memory)
        raise BaocaoError(WORKER_GONE) from None


# --------------------------------------------------------------------------- inputs


def _is_entry_workbook(path: Path) -> bool:
    """A sổ nhập (from `baocao mau-nhap`), not a Phụ lục or tổng hợp output lying beside."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return True  # let the reader say what is wrong with it
    return 'name="_du_lieu"' in workbook


def unit_files(inputs: list[str | Path], skip: list[Path] = ()) -> list[Path]:
    """The files named, folders expanded to their data files and sổ nhập (outputs, the
    danh sách and Office lock files are skipped); a folder without any is an error."""
    skipped = {p.resolve() for p in skip}
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if not path.exists():
            raise DataError("không tìm thấy tệp hoặc thư mục", file=str(path))
        if not path.is_dir():
            found.append(path)
            continue
        inside = [
            p
            for p in sorted(path.iterdir())
            if p.is_file()
            and p.suffix.lower() in UNIT_SUFFIXES
            and not p.name.startswith((".", "~$"))
            and p.resolve() not in skipped
            and (p.suffix.lower() != ".xlsx" or _is_entry_workbook(p))
        ]
        if not inside:
            raise DataError(
                "thư mục không có tệp số liệu nào (.yaml, .yml, .json, sổ nhập .xlsx)",
                file=str(path),
            )
        found.extend(inside)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


@dataclass
class ExpectedUnit:
    name: str
    short: str | None = None


class _DanhSachItem(Model):
    ten: Text
    ten_ngan: Text | None = None


class _DonViTongHop(Model):
    """The aggregating unit's own header, written into the --data-out file."""

    co_quan_chu_quan: Text | None = None
    co_quan_ban_hanh: list[Text] | Text | None = None
    ten_co_quan: Text | None = None
    dia_danh: Text | None = None
    ky_hieu: Text | None = None
    noi_nhan: list[Text] | None = None
    luu: Text | None = None
    chu_ky: dict[str, Text | None] | None = None


class _DanhSach(Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    don_vi: list[_DanhSachItem | Text] = Field(min_length=1)
    don_vi_tong_hop: _DonViTongHop | None = None


@dataclass
class DanhSach:
    units: list[ExpectedUnit]
    header: dict[str, Any]  # don_vi_tong_hop: fields of the aggregating unit's data file


def load_danh_sach(path: str | Path) -> DanhSach:
    """The units expected to report: a YAML list of names (``- UBND xã Hoàng Cát``), or
    ``don_vi:`` with names or ``{ten: …, ten_ngan: …}`` (ten_ngan heads the unit's column),
    and optionally ``don_vi_tong_hop:``, the header of the aggregating unit's own report."""
    from .loader import load_file
    from .validate import validate_model

    loaded = load_file(path)
    if isinstance(loaded.data, list):
        loaded = LoadedFile(
            loaded.name,
            {"don_vi": loaded.data},
            {("don_vi", *k): v for k, v in loaded.lines.items()},
            loaded.notes,
        )
    problems = ProblemList(loaded.name)
    spec = validate_model(loaded, _DanhSach, problems, what="danh sách đơn vị")
    problems.raise_if_errors(DataError)
    expected: list[ExpectedUnit] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(spec.don_vi):
        unit = (
            ExpectedUnit(item) if isinstance(item, str) else ExpectedUnit(item.ten, item.ten_ngan)
        )
        key = unit_key(unit.name)
        if key in seen:
            problems.add(
                f"'{unit.name}' có hai lần trong danh sách (mục {seen[key] + 1} và {index + 1})",
                path=f"don_vi[{index + 1}]",
                line=loaded.line_of(("don_vi", index)),
            )
        seen[key] = index
        expected.append(unit)
    problems.raise_if_errors(DataError)
    header = spec.don_vi_tong_hop.model_dump(exclude_none=True) if spec.don_vi_tong_hop else {}
    return DanhSach(expected, header)


# --------------------------------------------------------------------------- consistency

AppendixKey = tuple[tuple[str, str], int]  # (catalog identity, its n-th use in the report)


def _appendix_keys(unit: Unit, identities: dict[str, tuple[str, str]]) -> list[AppendixKey]:
    """Each appendix of a unit named by its catalog (the second appendix of one catalog by
    its number): appendices of several reports are matched by these, not by position."""
    seen: Counter = Counter()
    keys = []
    for appendix in unit.appendices:
        identity = identities[appendix.catalog_source]
        keys.append((identity, seen[identity]))
        seen[identity] += 1
    return keys


def _refuse_mismatches(
    units: list[Unit], identities: dict[str, tuple[str, str]]
) -> list[AppendixKey]:
    """Every unit must use one set of catalogs and one period; the odd ones out are named.
    A unit may leave out an appendix the others have (it is then counted as not reporting
    it), not bring one they do not. Returns the appendices to total, in report order."""
    problems: list[Problem] = []
    keys = [_appendix_keys(u, identities) for u in units]
    sets = Counter(frozenset(k) for k in keys)
    common = _usual(sets)
    common_order = next(k for k in keys if frozenset(k) == common)

    def named(items: list[AppendixKey]) -> str:
        return ", ".join(
            f"'{identity[0]}'" + (f" (phụ lục thứ {nth + 1} cùng danh mục)" if nth else "")
            for identity, nth in items
        )

    for unit, unit_keys in zip(units, keys, strict=True):
        foreign = [k for k in unit_keys if k not in common]
        if foreign:
            problems.append(
                Problem(
                    f"danh mục chỉ tiêu {named(foreign)}, khác với {sets[common]} tệp còn lại "
                    f"({named(common_order)}); chỉ tổng hợp được các tệp cùng danh mục chỉ tiêu",
                    file=str(unit.source),
                )
            )
    periods = Counter(u.period for u in units)
    if len(periods) > 1:
        usual = _usual(periods)
        problems += [
            Problem(
                f"kỳ báo cáo {ky(unit.period)}, khác với {periods[usual]} tệp còn lại "
                f"({ky(usual)}); chỉ tổng hợp được các tệp cùng kỳ báo cáo",
                file=str(unit.source),
            )
            for unit in units
            if unit.period != usual
        ]
    if problems:
        raise MismatchError(
            "các tệp không cùng danh mục chỉ tiêu hoặc kỳ báo cáo", problems=problems
        )
    return common_order


def _usual(counts: Counter) -> Any:
    """The most frequent of ``counts``; of equally frequent ones, the first counted (a Counter
    keeps its keys in the order first seen, and max returns the first of equal maxima)."""
    return max(counts, key=counts.__getitem__)


def _catalog_identity(catalog: Catalog) -> tuple[str, str]:
    """Two copies of one catalog (the shipped id, a path to the same file, an identical
    copy) are the same catalog; a changed copy with the same ``ma`` is not."""
    return catalog.spec.ma, repr(catalog.spec)


def _refuse_duplicates(units: list[Unit], failed: list[FailedUnit]) -> None:
    by_key: dict[str, list[Path]] = {}
    names: dict[str, str] = {}
    for name, source in [(u.name, u.source) for u in units] + [
        (f.name, f.source) for f in failed if f.name
    ]:
        key = unit_key(name)
        by_key.setdefault(key, []).append(source)
        names.setdefault(key, name)
    problems = []
    for key, sources in by_key.items():
        if len(sources) < 2:
            continue
        for source in sources:
            others = ", ".join(str(s) for s in sources if s != source)
            problems.append(
                Problem(
                    f"cùng là số liệu của {names[key]} với {others}; bỏ bớt một tệp",
                    file=str(source),
                )
            )
    if problems:
        raise DuplicateUnitError("có đơn vị được nộp hai lần", problems=problems)


# --------------------------------------------------------------------------- combining


def _number_text(value: Any) -> str:
    return shown(value) if value is not None else ""


def unit_text(
    catalog: Catalog, unit: UnitAppendix | Unit, node_id: str, column: Cot | None = None
) -> str:
    """What a unit reported for one indicator (in one of its other figure columns), as
    printed (choices by their label)."""
    node = catalog.nodes[node_id]
    if column is None:
        if node_id in unit.texts:
            return unit.texts[node_id]
        value, kind = unit.values.get(node_id), node.kind
    else:
        value, kind = unit.value(node_id, column.ma), column.kieu or node.kind
    if kind == "lua_chon" and value is not None:
        return (node.lua_chon or {}).get(value, str(value))
    if isinstance(value, str):
        return value
    return _number_text(value)


def _column_rule(node: Any, column: Cot) -> str:
    """A figure column without a kind of its own holds the row's figures and follows the
    row's rule (a formula row recomputed in it); a column of its own kind ("Tỷ lệ %" in a
    row of counts) follows that kind's rule, unless the row is not summed at all."""
    if column.kieu is None:
        return node.aggregation
    if column.kieu == node.kind and node.tong_hop:
        return node.tong_hop
    if node.tong_hop in ("khong", "liet_ke"):
        return node.tong_hop
    return DEFAULT_AGGREGATION[column.kieu]


def _combine(
    catalog: Catalog,
    node_id: str,
    units: list[UnitAppendix],
    rule: str,
    column: Cot | None = None,
) -> Total:
    """One indicator's total in its first figure column, or in ``column``."""
    node = catalog.nodes[node_id]
    ma = column.ma if column is not None else None
    total = Total(node_id, rule, reported=sum(u.reported(node_id, ma) for u in units))
    numbers = [(u, u.number(node_id, ma)) for u in units if u.number(node_id, ma) is not None]
    everyone = len(units)
    if rule in ("cong", "tinh_lai"):
        if rule == "cong" and numbers:
            amount = sum(v for _, v in numbers)
            total.value = round(amount, 3) if isinstance(amount, float) else amount
        if rule == "tinh_lai":
            total.note = (
                f"Tính lại theo công thức {node.cong_thuc} từ các số đã tổng hợp (không cộng "
                "các tỷ lệ của đơn vị)"
            )
        elif 0 < total.reported < everyone:
            total.note = f"Tổng của {total.reported}/{everyone} đơn vị có số liệu"
    elif rule in ("trung_binh", "lon_nhat", "nho_nhat"):
        if numbers:
            low = min(numbers, key=lambda pair: pair[1])
            high = max(numbers, key=lambda pair: pair[1])
            extremes = (
                f"thấp nhất {shown(low[1])} ({low[0].short}), cao nhất {shown(high[1])} "
                f"({high[0].short})"
            )
            if rule == "trung_binh":
                total.value = round(sum(v for _, v in numbers) / len(numbers), 2)
                total.note = (
                    f"Trung bình cộng của {len(numbers)} đơn vị (không phải tổng); {extremes}"
                )
            else:
                pick = high if rule == "lon_nhat" else low
                total.value = pick[1]
                word = "Lớn nhất" if rule == "lon_nhat" else "Nhỏ nhất"
                total.note = f"{word} trong {len(numbers)} đơn vị: {pick[0].short}"
    elif rule == "phan_bo":
        chosen = (u.value(node_id, ma) for u in units)
        counts = Counter(value for value in chosen if value is not None)
        options = node.lua_chon or {}
        parts = [f"{label}: {counts[code]}" for code, label in options.items() if counts[code]]
        if parts:
            total.value = "; ".join(parts)
            total.note = f"Số đơn vị chọn mỗi phương án ({sum(counts.values())} đơn vị trả lời)"
    elif rule == "liet_ke":
        lines = [
            f"{u.short}: {unit_text(catalog, u, node_id, column)}"
            for u in units
            if u.reported(node_id, ma)
        ]
        if lines:
            total.value = "\n".join(lines)
    else:
        total.note = "Chỉ tiêu này không tổng hợp (danh mục ghi tong_hop: khong)"
    worded = [
        u.short
        for u in units
        if u.number(node_id, ma) is None
        and (node_id in u.texts if ma is None else isinstance(u.value(node_id, ma), str))
    ]
    if worded and rule in NUMBER_RULES:
        total.note = "; ".join(
            filter(None, [total.note, "trả lời bằng chữ, không tính: " + ", ".join(worded)])
        )
    return total


def _recomputable(catalog: Catalog, node_id: str, ma: str) -> bool:
    """A formula can be run in another figure column when every row it reads has it."""
    formula = catalog.formulas.get(node_id)
    if formula is None:
        return False
    rows = [*formula.refs, node_id]
    return all(any(c.ma == ma for c in figure_columns(catalog, ref)) for ref in rows)


def _combine_row(catalog: Catalog, node_id: str, units: list[UnitAppendix]) -> Total:
    """The first figure column's total, with the other figure columns' totals in it."""
    node = catalog.nodes[node_id]
    main, *others = figure_columns(catalog, node_id)
    rule = node.aggregation if node.cong_thuc else _column_rule(node, main)
    total = _combine(catalog, node_id, units, rule)
    for column in others:
        assert column.ma is not None
        rule = _column_rule(node, column)
        if rule == "tinh_lai" and not _recomputable(catalog, node_id, column.ma):
            rule = DEFAULT_AGGREGATION[column.kieu or node.kind]
        total.columns[column.ma] = _combine(catalog, node_id, units, rule, column)
    return total


def _recompute_columns(catalog: Catalog, totals: dict[str, Total]) -> None:
    """Formula rows in the other figure columns: run on that column's totals (the catalog's
    formulas come in dependency order)."""
    for node_id, formula in catalog.formulas.items():
        for ma, total in totals[node_id].columns.items():
            if total.rule != "tinh_lai":
                continue

            def value_of(ref: str, ma: str = ma) -> float | None:
                found = totals[ref].columns.get(ma) if ref in totals else None
                value = found.value if found is not None else None
                return None if isinstance(value, bool | str) else value

            result = formula.evaluate(
                value_of, lambda node_id=node_id: children_sum(catalog, node_id, value_of)
            )
            total.value = None if result is None else round_half_up(float(result), FORMULA_DECIMALS)


def _blame(catalog: Catalog, units: list[UnitAppendix]) -> Any:
    """For a check the totals fail: the units failing it themselves, and the units that
    reported one side but not the other (their figure is summed, its counterpart is not)."""

    def blame(node_id: str, expression: Expression) -> str:
        failing, partial = [], []
        for unit in units:
            outcome = expression.evaluate(
                unit.number, lambda u=unit: children_sum(catalog, node_id, u.number)
            )
            if outcome is False:
                failing.append(unit.short)
            elif outcome is None and any(unit.number(ref) is not None for ref in expression.refs):
                partial.append(unit.short)
        text = ""
        if failing:
            text += f"; do đơn vị: {_some(failing)}"
        if partial:
            refs = ", ".join(f"[{ref}]" for ref in dict.fromkeys(expression.refs))
            text += f"; đơn vị báo cáo thiếu một trong {refs}: {_some(partial)}"
        return text

    return blame


NAMED_UNITS = 10  # units named in a message; the rest are counted


def _some(names: list[str]) -> str:
    shown_names = ", ".join(names[:NAMED_UNITS])
    rest = len(names) - NAMED_UNITS
    return shown_names + (f" và {rest} đơn vị khác" if rest > 0 else "")


def _numbers(total: Total) -> float | None:
    if total.rule in NUMBER_RULES and isinstance(total.value, int | float):
        return total.value
    return None


def combine(catalog: Catalog, units: list[UnitAppendix]) -> tuple[dict[str, Total], list[Problem]]:
    """Every indicator's totals (each figure column) and the catalog's checks on them."""
    totals = {node_id: _combine_row(catalog, node_id, units) for node_id in catalog.nodes}
    _recompute_columns(catalog, totals)
    numbers = {node_id: _numbers(total) for node_id, total in totals.items()}
    columns = {
        node_id: {ma: column.value for ma, column in total.columns.items()}
        for node_id, total in totals.items()
        if total.columns
    }
    problems = ProblemList()
    figures = Figures(
        catalog,
        {k: v for k, v in numbers.items() if v is not None},
        {},
        stt_labels(catalog.spec),
        columns,
    )
    computed = compute_and_check(
        figures,
        problems,
        lambda key, *fields: {},
        base_path="tong_hop",
        blame=_blame(catalog, units),
    )
    for node_id, value in computed.items():
        if totals[node_id].rule == "tinh_lai":
            totals[node_id].value = value
    return totals, problems.items


# --------------------------------------------------------------------------- the call


def tong_hop(
    inputs: list[str | Path] | str | Path,
    out_xlsx: str | Path | None = None,
    *,
    danh_sach: str | Path | None = None,
    data_out: str | Path | None = None,
    force: bool = False,
    jobs: int = 0,
) -> TongHopResult:
    """Roll up the figures of many units (data files, sổ nhập, folders of them): each Phụ
    lục of their reports, each figure column of its tables.

    Raises MismatchError (another catalog or period), DuplicateUnitError (one unit twice),
    DataError (nothing readable, a bad danh sách) and OutputError (an output edited by hand,
    unless ``force``). Units whose file fails (whole, or in one appendix) are returned in
    ``failed``, not raised.
    ``out_xlsx``: the workbook; ``data_out``: a data file of the totals for `baocao render`.
    """
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    skip = [Path(p) for p in (out_xlsx, danh_sach, data_out) if p]
    paths = unit_files(list(inputs), skip)
    listing = load_danh_sach(danh_sach) if danh_sach else None
    expected = listing.units if listing else None
    read = _read_all(paths, jobs)
    failed = [r for r in read if isinstance(r, FailedUnit)]
    units = []
    for unit in (r for r in read if isinstance(r, Unit)):
        if all(appendix.problems for appendix in unit.appendices):
            failed.append(FailedUnit(unit.source, unit.name, unit.errors))
        else:
            units.append(unit)
    failed.sort(key=lambda f: paths.index(f.source))
    if not units:
        problems = [p for f in failed for p in f.first_problems]
        raise DataError(
            "không có tệp nào tổng hợp được", problems=problems or [Problem("không có tệp nào")]
        )
    # each catalog loaded once, not once per unit (load_catalog lists the shipped catalogs)
    sources = dict.fromkeys(a.catalog_source for unit in units for a in unit.appendices)
    catalogs = {source: load_catalog(source) for source in sources}
    identities = {source: _catalog_identity(catalog) for source, catalog in catalogs.items()}
    order = _refuse_mismatches(units, identities)
    _refuse_duplicates(units, failed)
    missing: list[str] = []
    unlisted: list[str] = []
    if expected is not None:
        ranks = {unit_key(e.name): i for i, e in enumerate(expected)}
        shorts = {unit_key(e.name): e.short for e in expected if e.short}
        for unit in units:
            unit.short = shorts.get(unit_key(unit.name), unit.short)
        present = {unit_key(u.name) for u in units} | {unit_key(f.name) for f in failed if f.name}
        missing = [e.name for e in expected if unit_key(e.name) not in present]
        unlisted = [u.name for u in units if unit_key(u.name) not in ranks]
        units.sort(key=lambda u: ranks.get(unit_key(u.name), len(ranks)))
    appendices = [
        _appendix_totals(index, key, len(order) > 1, units, failed, catalogs, identities)
        for index, key in enumerate(order)
    ]
    whole = [f for f in failed if f.appendix is None]
    in_one = [f for appendix in appendices for f in appendix.failed if f.appendix is not None]
    result = TongHopResult(units[0].period, units, whole + in_one, missing, unlisted, appendices)
    result.header = listing.header if listing else {}
    _write_outputs(result, out_xlsx, data_out, force, paths)
    return result


def _appendix_totals(
    index: int,
    key: AppendixKey,
    several: bool,
    units: list[Unit],
    failed: list[FailedUnit],
    catalogs: dict[str, Catalog],
    identities: dict[str, tuple[str, str]],
) -> AppendixTotals:
    """One appendix of the reports: who is in it (the files with errors in it are named, the
    units without it counted apart), its totals and the checks on them."""
    heading = f"Phụ lục {la_ma(index + 1)}" if several else None
    members: list[UnitAppendix] = []
    failed_here = [f for f in failed if f.appendix is None]
    absent: list[str] = []
    catalog = None
    for unit in units:
        keys = _appendix_keys(unit, identities)
        if key not in keys:
            absent.append(unit.name)
            continue
        appendix = unit.appendices[keys.index(key)]
        catalog = catalogs[appendix.catalog_source]
        if appendix.problems:
            failed_here.append(FailedUnit(unit.source, unit.name, appendix.problems, heading))
        else:
            members.append(appendix)
    assert catalog is not None  # the key comes from one of the units
    totals, problems = combine(catalog, members)
    if heading:
        problems = [
            Problem(f"{heading}, {p.message}", p.file, p.line, p.path, p.severity) for p in problems
        ]
    return AppendixTotals(index, several, catalog, members, failed_here, absent, totals, problems)


def _workbook_bytes(result: TongHopResult, paths: list[Path], target: Path) -> bytes:
    from . import __version__
    from .output import fingerprint_of, stamp
    from .tonghop_xlsx import tong_hop_workbook

    fingerprint = fingerprint_of(__version__.encode(), *(p.read_bytes() for p in paths))
    return stamp(tong_hop_workbook(result), fingerprint)


def _data_bytes(result: TongHopResult, paths: list[Path], target: Path) -> bytes:
    return totals_data_text(result, target.parent).encode("utf-8")


def _write_outputs(
    result: TongHopResult,
    out_xlsx: str | Path | None,
    data_out: str | Path | None,
    force: bool,
    paths: list[Path],
) -> None:
    """Nothing is written unless every output can be: a workbook edited by hand, or a data
    file that exists (it may have been completed since), is kept unless ``force``."""
    from .errors import OutputError
    from .output import atomic_write, backup_path, guard_overwrite, inspect_output

    products: list[tuple[Path, Any]] = []
    if out_xlsx is not None:
        target = Path(out_xlsx)
        if target.suffix.lower() != ".xlsx":
            raise OutputError("bảng tổng hợp là tệp Excel: đặt đuôi .xlsx", file=str(target))
        products.append((target, _workbook_bytes))
    if data_out is not None:
        target = Path(data_out)
        if target.suffix.lower() not in (".yaml", ".yml"):
            raise OutputError(
                "tệp số liệu tổng hợp ghi dạng YAML: đặt đuôi .yaml", file=str(target)
            )
        if target.exists() and not force:
            raise OutputError(
                "tệp đã có (có thể đã được soạn tiếp); chọn tên khác hoặc thêm --force "
                f"(tệp cũ được giữ thành {backup_path(target).name})",
                file=str(target),
            )
        products.append((target, _data_bytes))
    contents = [(target, make(result, paths, target)) for target, make in products]
    for target, _ in contents:
        if target.suffix.lower() == ".xlsx":
            backup = guard_overwrite(target, force)
        elif inspect_output(target).exists:
            backup = backup_path(target)
            atomic_write(backup, target.read_bytes())
        else:
            backup = None
        if backup:
            result.backups.append(backup)
    for target, data in contents:
        atomic_write(target, data)
        result.outputs.append(target)


# --------------------------------------------------------------------------- totals data file


def totals_data_text(result: TongHopResult, folder: Path | None = None, cap: str = "huyen") -> str:
    """A data file for the aggregating unit, to be written in ``folder``: the `baocao init`
    outline (with the danh sách's don_vi_tong_hop header, else example values to edit), the
    period of the units, and their totals as its Phụ lục figures (every appendix, every
    figure column)."""
    import json

    from .skeleton import AppendixBlock, phu_luc_lines, skeleton_text

    blocks = []
    for appendix in result.appendices:
        blocks.append(
            AppendixBlock(
                json.dumps(_catalog_reference(appendix.catalog, folder), ensure_ascii=False),
                appendix.catalog,
                lambda node_id, appendix=appendix: _entry_yaml(appendix, node_id),
                lambda node, appendix=appendix: f" ({RULE_NAMES[appendix.totals[node.id].rule]})",
            )
        )
    lines = phu_luc_lines(
        f"Phụ lục: tổng hợp số liệu của {len(result.units)} đơn vị (`baocao tong-hop`)", blocks
    )
    header = [
        f"# Số liệu tổng hợp {ky(result.period)} từ {len(result.units)} đơn vị: "
        + _some([u.short for u in result.units]),
        "# Sửa phần đầu, nội dung và chữ ký của đơn vị tổng hợp; số liệu phụ lục đã điền sẵn.",
    ]
    left_out = len({f.source for f in result.failed}) + len(result.missing)
    if left_out:
        header.append(
            f"# Chưa gồm {left_out} đơn vị chưa báo cáo hoặc tệp có lỗi (xem trang 'Đơn vị "
            "chưa đạt' của bảng tổng hợp)."
        )
    for appendix in result.appendices:
        if appendix.absent:
            header.append(
                f"# {appendix.heading} chưa gồm đơn vị có báo cáo không có phụ lục này: "
                + _some(appendix.absent)
            )
    text = skeleton_text(cap, period=ky(result.period), figures=lines)
    for key, value in result.header.items():
        block = re.compile(rf"^{key}:.*\n(?:[ ]+.*\n)*", re.MULTILINE)
        dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=1000)
        text = block.sub(lambda _match, dumped=dumped: dumped, text, count=1)
    return "\n".join(header) + "\n" + text


def _catalog_reference(catalog: Catalog, folder: Path | None) -> str:
    """The shipped id, else the catalog's path from the data file's folder."""
    from .catalog import CATALOG_DIR

    source = Path(catalog.source).resolve()
    if source.parent == CATALOG_DIR.resolve():
        return catalog.spec.ma
    try:
        return Path(os.path.relpath(source, (folder or Path.cwd()).resolve())).as_posix()
    except ValueError:  # another drive (Windows): only the full path reaches it
        return str(source)


def _entry_yaml(appendix: AppendixTotals, node_id: str) -> str | None:
    """One row's entry in the totals data file (a flow YAML value); None leaves the row out
    (a formula row: `render` computes it, unless its other figure columns have totals)."""
    import json

    catalog = appendix.catalog
    node = catalog.nodes[node_id]
    total = appendix.totals[node_id]
    entry: dict[str, Any] = {}
    notes = []
    formula = node_id in catalog.formulas
    value = None if formula else total.value
    if isinstance(value, str):  # a distribution or a list: a text answer in place of a figure
        entry["noi_dung"] = "{% raw %}" + value + "{% endraw %}" if "{" in value else value
    elif value is not None:
        entry["gia_tri"] = value
    if total.note and total.rule not in ("liet_ke", "phan_bo") and not formula:
        notes.append(total.note)
    labels = {c.ma: c for c in figure_columns(catalog, node_id)}
    for ma, column_total in total.columns.items():
        column = labels[ma]
        text = column_total.value
        if isinstance(text, str) and (column.kieu or node.kind) != "chu":
            # a distribution or list where a figure or a document key goes: in Ghi chú
            notes.append(f"{column.label}: {text}")
        elif text is not None:
            entry[ma] = text
        if column_total.note and column_total.rule not in ("liet_ke", "phan_bo", "tinh_lai"):
            notes.append(f"{column.label}: {column_total.note}")
    if notes:
        entry["ghi_chu"] = "; ".join(notes)
    if formula and not entry:
        return None
    if not entry:
        return "null"
    if set(entry) == {"gia_tri"}:
        return json.dumps(entry["gia_tri"])
    return json.dumps(entry, ensure_ascii=False)


__all__ = [
    "AppendixTotals",
    "FailedUnit",
    "TongHopResult",
    "Total",
    "Unit",
    "UnitAppendix",
    "combine",
    "load_danh_sach",
    "tong_hop",
    "unit_files",
]
