"""Tổng hợp: many units' figures of one catalog and one period rolled up into one table.

A huyện collects the Phụ lục of its xã (data files or filled sổ nhập), a Sở Nội vụ those of
its huyện. ``tong_hop`` reads every unit, refuses inputs that cannot be added together
(another catalog, another period, the same unit twice), combines each indicator by the rule
its catalog gives (``ChiTieu.aggregation``: summed, recomputed from the summed parts, mean /
largest / smallest, a distribution of choices, a list by unit), counts who reported what,
runs the catalog's checks on the totals naming the units behind a violation, and writes the
workbook (``tonghop_xlsx``) and a data file of the totals that ``baocao render`` turns into
the aggregating unit's own Phụ lục.

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
    Catalog,
    Figures,
    children_sum,
    collect_figures,
    compute_and_check,
    load_catalog,
    shown,
    stt_labels,
)
from .errors import (
    BaocaoError,
    DataError,
    DuplicateUnitError,
    MismatchError,
    Problem,
    ProblemList,
)
from .expressions import Expression
from .formatting import KyBaoCao, ky
from .loader import LoadedFile
from .model import Ky, Model, PhuLuc, Text, VanBan

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


# --------------------------------------------------------------------------- units


class _DonVi(Model):
    """The fields of a unit's data file that tổng hợp needs; the rest is not its business."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    ten_co_quan: Text
    ky_bao_cao: Ky
    van_ban: dict[str, VanBan] = Field(default_factory=dict)
    phu_luc: PhuLuc | None = None


@dataclass
class Unit:
    """One unit's figures, as read from its file: numbers/choice codes and printed texts."""

    name: str  # ten_co_quan: "UBND xã Hoàng Cát"
    source: Path
    period: KyBaoCao
    catalog_source: str
    values: dict[str, Any]  # typed and computed figures by id (None: not reported)
    texts: dict[str, str]  # what the unit wrote as text (chu, van_ban citations, noi_dung)
    warnings: list[Problem] = field(default_factory=list)
    short: str = ""  # column heading: "Xã Hoàng Cát"

    def number(self, node_id: str) -> float | None:
        value = self.values.get(node_id)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return value

    def reported(self, node_id: str) -> bool:
        return self.values.get(node_id) is not None or bool(self.texts.get(node_id))


@dataclass
class FailedUnit:
    """A unit whose file could not be read or whose figures have errors: left out of totals."""

    source: Path
    name: str | None
    problems: list[Problem]

    @property
    def first_problems(self) -> list[Problem]:
        return self.problems[:FIRST_PROBLEMS]


@dataclass
class Total:
    """One indicator combined across units."""

    id: str
    rule: str  # see RULE_NAMES
    value: Any = None  # a number, or text (distribution, list by unit); None: nothing reported
    reported: int = 0  # units that reported it
    note: str = ""  # how the value was made, for the cell comment and the Ghi chú


@dataclass
class TongHopResult:
    catalog: Catalog
    period: KyBaoCao
    units: list[Unit]
    failed: list[FailedUnit]
    missing: list[str]  # listed in the danh sách, no file
    unlisted: list[str]  # a file, not in the danh sách (still added)
    totals: dict[str, Total]
    problems: list[Problem]  # the catalog's checks on the totals
    outputs: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)  # the danh sách's don_vi_tong_hop

    @property
    def expected(self) -> int:
        return len(self.units) + len(self.failed) + len(self.missing)

    def describe(self, node_id: str) -> str:
        from .catalog import describe_row

        return describe_row(self.catalog, stt_labels(self.catalog.spec), node_id)


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
    """A unit's figures, checked against its catalog; a FailedUnit with its problems when its
    file cannot be read or its figures have errors (warnings are kept, not failures)."""
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
    listed = loaded.data.get("phu_luc") if isinstance(loaded.data, dict) else None
    if isinstance(listed, list) and listed:
        return FailedUnit(path, name, [_several_appendices(loaded, len(listed))])
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
    try:
        catalog = load_catalog(unit.phu_luc.danh_muc, path.parent)
    except BaocaoError as exc:
        where = loaded.where(("phu_luc", "danh_muc"))
        return FailedUnit(
            path,
            name,
            [Problem(p.message, path="phu_luc.danh_muc", **where) for p in exc.problems],
        )

    def where(key: str, *fields: str) -> dict[str, Any]:
        return loaded.where(("phu_luc", "so_lieu", key, *fields))

    figures = collect_figures(catalog, unit.phu_luc.so_lieu, list(unit.van_ban), problems, where)
    computed = compute_and_check(figures, problems, where)
    if problems.errors:
        return FailedUnit(path, name, problems.errors)
    texts = _texts(catalog, figures, unit.van_ban, citation)
    return Unit(
        name=unit.ten_co_quan,
        source=path,
        period=unit.ky_bao_cao,
        catalog_source=catalog.source,
        values={**figures.values, **computed},
        texts=texts,
        warnings=problems.warnings,
        short=short_name(unit.ten_co_quan),
    )


def _several_appendices(loaded: LoadedFile, count: int) -> Problem:
    """Tổng hợp has one catalog and one column of totals per indicator: a report of several
    appendices is refused with what to do instead, not read as a wrong phu_luc."""
    return Problem(
        f"báo cáo có {count} phụ lục (phu_luc là danh sách); baocao tong-hop chưa hỗ trợ tổng "
        "hợp báo cáo nhiều phụ lục. Hãy tổng hợp từng phụ lục riêng: với mỗi phụ lục, mỗi đơn "
        "vị một tệp số liệu có ten_co_quan, ky_bao_cao và phu_luc là một bảng (danh_muc, "
        "so_lieu) của phụ lục đó",
        path="phu_luc",
        **loaded.where(("phu_luc",)),
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


def _read_all(paths: list[Path], jobs: int = 0) -> list[Unit | FailedUnit]:
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(paths) < PARALLEL_FROM:
        return [read_unit(path) for path in paths]
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: ~20 ms to import

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(read_unit, paths, chunksize=max(1, len(paths) // (workers * 4))))


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


def _refuse_mismatches(units: list[Unit], catalogs: dict[str, Catalog]) -> None:
    """Every unit must use one catalog and one period; the odd ones out are named."""
    problems: list[Problem] = []

    def odd_ones(key_of: Any, describe: Any, what: str) -> None:
        counts = Counter(key_of(u) for u in units)
        if len(counts) < 2:
            return
        common = max(counts, key=lambda k: (counts[k], -_first_index(units, key_of, k)))
        for unit in units:
            if key_of(unit) != common:
                problems.append(
                    Problem(
                        f"{what} {describe(key_of(unit))}, khác với {counts[common]} tệp còn lại "
                        f"({describe(common)}); chỉ tổng hợp được các tệp cùng {what}",
                        file=str(unit.source),
                    )
                )

    odd_ones(
        lambda u: _catalog_identity(catalogs[u.catalog_source]),
        lambda key: f"'{key[0]}'",
        "danh mục chỉ tiêu",
    )
    odd_ones(lambda u: u.period, ky, "kỳ báo cáo")
    if problems:
        raise MismatchError(
            "các tệp không cùng danh mục chỉ tiêu hoặc kỳ báo cáo", problems=problems
        )


def _first_index(units: list[Unit], key_of: Any, key: Any) -> int:
    return next(i for i, u in enumerate(units) if key_of(u) == key)


def _catalog_identity(catalog: Catalog) -> tuple[str, str]:
    """Two copies of one catalog (the shipped id, a path to the same file, an identical
    copy) are the same catalog; a changed copy with the same ``ma`` is not."""
    return catalog.spec.ma, catalog.spec.model_dump_json()


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


def unit_text(catalog: Catalog, unit: Unit, node_id: str) -> str:
    """What a unit reported for one indicator, as printed (choices by their label)."""
    if node_id in unit.texts:
        return unit.texts[node_id]
    value = unit.values.get(node_id)
    node = catalog.nodes[node_id]
    if node.kind == "lua_chon" and value is not None:
        return (node.lua_chon or {}).get(value, str(value))
    return _number_text(value)


def _combine(catalog: Catalog, node_id: str, units: list[Unit]) -> Total:
    node = catalog.nodes[node_id]
    rule = node.aggregation
    total = Total(node_id, rule, reported=sum(u.reported(node_id) for u in units))
    numbers = [(u, u.number(node_id)) for u in units if u.number(node_id) is not None]
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
        counts = Counter(u.values.get(node_id) for u in units if u.values.get(node_id) is not None)
        options = node.lua_chon or {}
        parts = [f"{label}: {counts[code]}" for code, label in options.items() if counts[code]]
        if parts:
            total.value = "; ".join(parts)
            total.note = f"Số đơn vị chọn mỗi phương án ({sum(counts.values())} đơn vị trả lời)"
    elif rule == "liet_ke":
        lines = [
            f"{u.short}: {unit_text(catalog, u, node_id)}" for u in units if u.reported(node_id)
        ]
        if lines:
            total.value = "\n".join(lines)
    else:
        total.note = "Chỉ tiêu này không tổng hợp (danh mục ghi tong_hop: khong)"
    worded = [u.short for u in units if node_id in u.texts and u.number(node_id) is None]
    if worded and rule in ("cong", "trung_binh", "lon_nhat", "nho_nhat"):
        total.note = "; ".join(
            filter(None, [total.note, "trả lời bằng chữ, không tính: " + ", ".join(worded)])
        )
    return total


def _blame(catalog: Catalog, units: list[Unit]) -> Any:
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


def combine(catalog: Catalog, units: list[Unit]) -> tuple[dict[str, Total], list[Problem]]:
    """Every indicator's total and the catalog's checks run on the totals."""
    totals = {node_id: _combine(catalog, node_id, units) for node_id in catalog.nodes}
    numbers = {
        node_id: total.value
        for node_id, total in totals.items()
        if total.rule in ("cong", "trung_binh", "lon_nhat", "nho_nhat")
        and isinstance(total.value, int | float)
    }
    problems = ProblemList()
    figures = Figures(catalog, numbers, {}, stt_labels(catalog.spec))
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
    """Roll up the figures of many units (data files, sổ nhập, folders of them).

    Raises MismatchError (another catalog or period), DuplicateUnitError (one unit twice),
    DataError (nothing readable, a bad danh sách) and OutputError (an output edited by hand,
    unless ``force``). Units whose file fails are returned in ``failed``, not raised.
    ``out_xlsx``: the workbook; ``data_out``: a data file of the totals for `baocao render`.
    """
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    skip = [Path(p) for p in (out_xlsx, danh_sach, data_out) if p]
    paths = unit_files(list(inputs), skip)
    listing = load_danh_sach(danh_sach) if danh_sach else None
    expected = listing.units if listing else None
    read = _read_all(paths, jobs)
    units = [r for r in read if isinstance(r, Unit)]
    failed = [r for r in read if isinstance(r, FailedUnit)]
    if not units:
        problems = [p for f in failed for p in f.first_problems]
        raise DataError(
            "không có tệp nào tổng hợp được", problems=problems or [Problem("không có tệp nào")]
        )
    catalogs = {source: load_catalog(source) for source in {u.catalog_source for u in units}}
    _refuse_mismatches(units, catalogs)
    _refuse_duplicates(units, failed)
    catalog = catalogs[units[0].catalog_source]
    missing: list[str] = []
    unlisted: list[str] = []
    if expected is not None:
        order = {unit_key(e.name): i for i, e in enumerate(expected)}
        shorts = {unit_key(e.name): e.short for e in expected if e.short}
        for unit in units:
            unit.short = shorts.get(unit_key(unit.name), unit.short)
        present = {unit_key(u.name) for u in units} | {unit_key(f.name) for f in failed if f.name}
        missing = [e.name for e in expected if unit_key(e.name) not in present]
        unlisted = [u.name for u in units if unit_key(u.name) not in order]
        units.sort(key=lambda u: order.get(unit_key(u.name), len(order)))
    totals, problems = combine(catalog, units)
    result = TongHopResult(
        catalog, units[0].period, units, failed, missing, unlisted, totals, problems
    )
    result.header = listing.header if listing else {}
    _write_outputs(result, out_xlsx, data_out, force, paths)
    return result


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
    period of the units, and their totals as its Phụ lục figures."""
    import json

    from .skeleton import skeleton_text

    catalog = result.catalog
    labels = stt_labels(catalog.spec)
    reference = _catalog_reference(catalog, folder)
    lines = [
        "",
        f"# --- Phụ lục: tổng hợp số liệu của {len(result.units)} đơn vị (`baocao tong-hop`) ---",
        "phu_luc:",
        f"  danh_muc: {json.dumps(reference, ensure_ascii=False)}",
        "  so_lieu:",
    ]
    for node_id, node in catalog.nodes.items():
        if node.kind == "nhom" or node_id in catalog.formulas:
            continue
        total = result.totals[node_id]
        lines.append(f"    # {labels[node_id] or '—'} {node.ten} ({RULE_NAMES[total.rule]})")
        lines.append(f"    {json.dumps(node_id)}: {_entry_yaml(total, len(result.units))}")
    header = [
        f"# Số liệu tổng hợp {ky(result.period)} từ {len(result.units)} đơn vị: "
        + _some([u.short for u in result.units]),
        "# Sửa phần đầu, nội dung và chữ ký của đơn vị tổng hợp; số liệu phụ lục đã điền sẵn.",
    ]
    if result.failed or result.missing:
        header.append(
            f"# Chưa gồm {len(result.failed) + len(result.missing)} đơn vị chưa báo cáo hoặc "
            "tệp có lỗi (xem trang 'Đơn vị chưa đạt' của bảng tổng hợp)."
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


def _entry_yaml(total: Total, everyone: int) -> str:
    import json

    value = total.value
    if value is None:
        return "null"
    if isinstance(value, str):  # a distribution or a list: a text answer in place of a figure
        if "{" in value:
            value = "{% raw %}" + value + "{% endraw %}"
        entry = {"noi_dung": value}
    else:
        entry = {"gia_tri": value}
    note = total.note if total.rule not in ("liet_ke", "phan_bo") else ""
    if note:
        entry["ghi_chu"] = note
    if set(entry) == {"gia_tri"}:
        return json.dumps(value)
    return json.dumps(entry, ensure_ascii=False)


__all__ = [
    "FailedUnit",
    "TongHopResult",
    "Total",
    "Unit",
    "combine",
    "load_danh_sach",
    "tong_hop",
    "unit_files",
]
