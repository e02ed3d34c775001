"""Indicator catalogs (danh mục chỉ tiêu): one YAML file per Phụ lục form, no code per form.

A catalog gives the appendix heading and title, the column labels, how STT is written, and
one or more tables of indicators as a tree. Each indicator has an id, a label, a unit, a kind
(count, percent, money, decimal, enum, text, document reference), an optional formula and
checks. ``build_tables`` joins a catalog with a report's figures into rows shared by the Word
appendix and the Excel workbook, and reports every slip with the row's STT and label.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import OUT_OF_MEMORY, BaocaoError, CatalogError, ProblemList
from .expressions import (
    CHILDREN_SUM,
    FAILED_WORDS,
    Expression,
    ExpressionError,
    parse_expression,
    representable,
)
from .formatting import chu_cai, la_ma, non_decimal_form, parse_number, round_half_up, so
from .loader import FieldPath, LoadedFile, load_file
from .shapes import (
    ENTRY_FIELDS,
    BangChiTieu,
    ChiTieu,
    Cot,
    DanhMuc,
    GiaTri,
    KiemTra,
    plain_text,
)
from .validate import validate_model

CATALOG_DIR = Path(__file__).parent / "catalogs"

NUMERIC_KINDS = ("dem", "tien", "so", "phan_tram")

MAX_FIGURE = 10**15  # a figure this large is a typing slip (and beyond float precision)
FORMULA_DECIMALS = 2  # computed figures (ratios) are printed and cached with at most these
MAX_DECIMALS = 3  # typed figures are printed with at most these


# --------------------------------------------------------------------------- loading


@dataclass
class Catalog:
    """A validated catalog with its parsed formulas and the file it came from."""

    spec: DanhMuc
    source: str
    nodes: dict[str, ChiTieu] = field(default_factory=dict)
    parents: dict[str, ChiTieu | None] = field(default_factory=dict)
    formulas: dict[str, Expression] = field(default_factory=dict)
    checks: dict[str, list[tuple[KiemTra, Expression]]] = field(default_factory=dict)
    # id → the table's name, only when the catalog has several tables ("BIỂU MẪU 7")
    table_names: dict[str, str] = field(default_factory=dict)
    table_of: dict[str, int] = field(default_factory=dict)  # id → index of its table
    # table index → its figure columns, built once (see figure_columns)
    figure_columns_of: dict[int, list[Cot]] = field(default_factory=dict, repr=False)

    @property
    def ids(self) -> list[str]:
        return list(self.nodes)


def table_name(table: BangChiTieu, index: int) -> str:
    """How messages name a table: its heading, else its name, else "Bảng N"."""
    for text in (table.tieu_de, table.ten):
        if text and "{" not in text:
            return plain_text(text).strip()
    return f"Bảng {index + 1}"


def _compile(spec: DanhMuc, source: str, loaded: LoadedFile) -> Catalog:
    problems = ProblemList(source)
    catalog = Catalog(spec, source)
    paths: dict[str, FieldPath] = {}
    several = len(spec.tables) > 1

    def where(node_id: str, *field_names: str | int) -> dict[str, Any]:
        return {"line": loaded.line_of((*paths[node_id], *field_names))}

    def named(node_id: str, message: str) -> str:
        table = catalog.table_names.get(node_id)
        return f"{table}, {message}" if table else message

    for node, parent, path, table_index in spec.walk_paths():
        if node.id in catalog.nodes:
            first = loaded.line_of((*paths[node.id], "id"))
            here = table_name(spec.tables[table_index], table_index) if several else None
            earlier = catalog.table_names.get(node.id)
            used = ", ".join(
                part
                for part in (f"dòng {first}" if first else "", earlier if earlier != here else "")
                if part
            )
            problems.add(
                (f"{here}, " if here else "")
                + f"mã chỉ tiêu '{node.id}' bị trùng"
                + (f" (đã dùng ở {used})" if used else "")
                + "; mã phải khác nhau trong cả danh mục, kể cả giữa các bảng",
                path=f"chi_tieu.{node.id}",
                line=loaded.line_of((*path, "id")),
            )
            continue
        catalog.nodes[node.id] = node
        catalog.parents[node.id] = parent
        paths[node.id] = path
        catalog.table_of[node.id] = table_index
        if several:
            catalog.table_names[node.id] = table_name(spec.tables[table_index], table_index)
        if node.kind == "lua_chon" and not node.lua_chon:
            problems.add(
                named(node.id, "chỉ tiêu lựa chọn cần danh sách lua_chon"),
                path=f"chi_tieu.{node.id}",
                **where(node.id, "loai"),
            )
        rule = node.tong_hop
        if rule in ("cong", "trung_binh", "lon_nhat", "nho_nhat") and node.kind not in (
            NUMERIC_KINDS
        ):
            problems.add(
                named(
                    node.id,
                    f"tong_hop: {rule} chỉ dùng cho chỉ tiêu số (đếm, tiền, số, %), chỉ tiêu này "
                    f"là '{node.kind}'",
                ),
                path=f"chi_tieu.{node.id}.tong_hop",
                **where(node.id, "tong_hop"),
            )
        if rule == "phan_bo" and node.kind != "lua_chon":
            problems.add(
                named(node.id, "tong_hop: phan_bo chỉ dùng cho chỉ tiêu lựa chọn (lua_chon)"),
                path=f"chi_tieu.{node.id}.tong_hop",
                **where(node.id, "tong_hop"),
            )
    for node in catalog.nodes.values():
        path_text = f"chi_tieu.{node.id}"
        expressions: list[tuple[KiemTra | None, str, FieldPath]] = (
            [(None, node.cong_thuc, ("cong_thuc",))] if node.cong_thuc else []
        )
        expressions += [
            (check, check.bieu_thuc, ("kiem_tra", index))
            for index, check in enumerate(node.kiem_tra)
        ]
        for check, text, field_names in expressions:
            at = where(node.id, *field_names)
            try:
                expression = parse_expression(text, self_id=node.id if check else None)
            except ExpressionError as exc:
                problems.add(named(node.id, str(exc)), path=path_text, **at)
                continue
            for ref in expression.refs:
                if ref not in catalog.nodes:
                    close = difflib.get_close_matches(ref, catalog.ids, n=1, cutoff=0.6)
                    hint = f"; có phải ý bạn là '{close[0]}'?" if close else ""
                    problems.add(
                        named(
                            node.id,
                            f"biểu thức \"{text}\" dùng mã '{ref}' không có trong danh mục{hint}",
                        ),
                        path=path_text,
                        **at,
                    )
            if check is None:
                if expression.comparison:
                    problems.add(
                        named(node.id, "công thức không được là phép so sánh"),
                        path=path_text,
                        **at,
                    )
                catalog.formulas[node.id] = expression
            else:
                if not expression.comparison:
                    problems.add(
                        named(node.id, f'kiểm tra "{text}" phải là một phép so sánh'),
                        path=path_text,
                        **at,
                    )
                catalog.checks.setdefault(node.id, []).append((check, expression))
    for index, node_id in enumerate(spec.bieu_do):
        node = catalog.nodes.get(node_id)
        if node is None or node.kind not in NUMERIC_KINDS:
            problems.add(
                f"bieu_do: '{node_id}' không phải mã một chỉ tiêu số trong danh mục",
                path=f"bieu_do[{index + 1}]",
                line=loaded.line_of(("bieu_do", index)),
            )
    order, cycle = _formula_order(catalog.formulas)
    # evaluated in this order, each formula finds the formulas it reads already computed
    catalog.formulas = {node_id: catalog.formulas[node_id] for node_id in order}
    if cycle:
        problems.add(
            named(
                cycle[0],
                "công thức tính vòng tròn: "
                + " → ".join(cycle)
                + " (chỉ tiêu nào cũng chờ chỉ tiêu kia)",
            ),
            path=f"chi_tieu.{cycle[0]}",
            **where(cycle[0], "cong_thuc"),
        )
    problems.raise_if_errors(CatalogError)
    return catalog


def _formula_order(formulas: dict[str, Expression]) -> tuple[list[str], list[str] | None]:
    """Formula ids with each one after the formulas it reads, and a chain of formulas that
    reads itself ("1.6 → 1.7 → 1.6") or None. Walked without recursion: a catalog may chain
    a thousand formulas."""
    state: dict[str, int] = {}  # 1: being visited, 2: done
    order: list[str] = []
    for start in formulas:
        if start in state:
            continue
        state[start] = 1
        trail = [start]
        pending = [iter(formulas[start].refs)]
        while pending:
            for ref in pending[-1]:
                if ref not in formulas or state.get(ref) == 2:
                    continue
                if state.get(ref) == 1:
                    return order, [*trail[trail.index(ref) :], ref]
                state[ref] = 1
                trail.append(ref)
                pending.append(iter(formulas[ref].refs))
                break
            else:
                pending.pop()
                done = trail.pop()
                state[done] = 2
                order.append(done)
    return order, None


def shipped_catalogs() -> dict[str, Path]:
    """Catalog id → file, for the catalogs shipped in generator/catalogs/."""
    found = {}
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        found[path.stem] = path
    return found


@lru_cache(maxsize=32)
def _load_catalog_file(path: str, mtime: float) -> Catalog:
    loaded = load_file(path)
    problems = ProblemList(path)
    problems.items.extend(loaded.notes)
    spec = validate_model(loaded, "DanhMuc", problems, what="danh mục chỉ tiêu")
    problems.raise_if_errors(CatalogError)
    return _compile(spec, path, loaded)


def load_catalog(name: str, relative_to: Path | None = None) -> Catalog:
    """A catalog by shipped id ("huyen-quang-tri") or by path (relative to the data file)."""
    shipped = shipped_catalogs()
    if name in shipped:
        path = shipped[name]
    else:
        path = Path(name)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        if path.exists() and path.suffix.lower() not in (".yaml", ".yml", ".json"):
            raise CatalogError(
                f"danh mục chỉ tiêu '{name}' phải là mã có sẵn (xem `baocao danh-muc`) hoặc "
                "một tệp .yaml/.json"
            )
        if not path.is_file():
            close = difflib.get_close_matches(name, list(shipped), n=1, cutoff=0.5)
            hint = (
                f"; có phải '{close[0]}'?"
                if close
                else f"; các danh mục có sẵn: {', '.join(shipped)}"
            )
            raise CatalogError(f"không tìm thấy danh mục chỉ tiêu '{name}'{hint}")
    try:
        return _load_catalog_file(str(path), path.stat().st_mtime)
    except CatalogError:
        raise
    except BaocaoError as exc:  # a data-layer error inside a catalog is the catalog's fault
        raise CatalogError(
            exc.message, file=exc.file or str(path), line=exc.line, problems=exc.problems
        ) from None
    except MemoryError:
        raise CatalogError(OUT_OF_MEMORY, file=str(path)) from None
    except RecursionError:
        raise CatalogError("danh mục lồng nhau quá sâu", file=str(path)) from None
    except Exception as exc:  # a bug, not the catalog's fault: said as one, not in English alone
        raise CatalogError(
            f"lỗi không mong đợi khi đọc danh mục này ({exc.__class__.__name__}: {exc}); hãy "
            "báo cho người phát triển",
            file=str(path),
        ) from exc


# --------------------------------------------------------------------------- STT numbering


def stt_labels(spec: DanhMuc) -> dict[str, str]:
    """The STT printed for each indicator: generated from the tree with each table's style,
    or written in the catalog (``stt: "6.4."``)."""
    labels: dict[str, str] = {}
    last_top = 0  # the last first-level number of the previous table ("bat_dau: tiep")

    for table in spec.tables:
        numbering = spec.numbering(table)
        styles = numbering.cap
        dot = "." if numbering.cham_cuoi else ""
        start = last_top + 1 if numbering.bat_dau == "tiep" else numbering.bat_dau

        def style_at(depth: int, styles: list[str] = styles) -> str:
            return styles[min(depth, len(styles) - 1)]

        def visit(
            nodes: list[ChiTieu],
            path: list[int],
            depth: int,
            first: int = 1,
            dot: str = dot,
            style_at: Callable[[int], str] = style_at,
        ) -> int:
            counter = first - 1
            for node in nodes:
                if node.numbered:
                    counter += 1
                    own_path = [*path, counter]
                    style = style_at(depth)
                    if node.stt is not None:
                        labels[node.id] = node.stt
                    elif style == "thap_phan":
                        labels[node.id] = ".".join(str(n) for n in own_path) + dot
                    elif style == "la_ma":
                        labels[node.id] = la_ma(counter)
                    elif style == "so":
                        labels[node.id] = str(counter) + ("." if dot and depth > 0 else "")
                    elif style == "chu":
                        labels[node.id] = chu_cai(counter) + ")"
                    else:
                        labels[node.id] = ""
                    visit(node.con, own_path if style == "thap_phan" else [], depth + 1)
                else:
                    labels[node.id] = node.nhan_stt or ""
                    visit(node.con, path, depth + 1)
            return counter

        last_top = visit(table.chi_tieu, [], 0, start)
    return labels


def catalog_listing(catalog: Catalog) -> list[str]:
    """``baocao danh-muc FILE``: STT, id, kind, name and unit of every indicator; a catalog
    of several tables lists each under its own heading, with its columns."""
    spec = catalog.spec
    labels = stt_labels(spec)
    lines: list[str] = []
    for index, table in enumerate(spec.tables):
        if len(spec.tables) > 1:
            if lines:
                lines.append("")
            title = table_name(table, index)
            name = plain_text(table.ten) if table.ten and title != table.ten else ""
            lines.append(f"== {title}" + (f": {name}" if name else "") + " ==")
        figures = [c for c in spec.columns(table) if c.loai == "so_lieu"]
        if len(figures) > 1:
            names = ", ".join(f"{c.ma or 'gia_tri'} ({plain_text(c.label)})" for c in figures)
            lines.append(f"Cột số liệu: {names}")
        for node, _parent in _table_walk(table.chi_tieu):
            unit = node.unit_text().replace("\n", "; ")
            lines.append(
                f"{labels[node.id]:<10} {node.id:<12} {node.kind:<10} {node.name}"
                + (f" [{unit}]" if unit else "")
            )
    return lines


def _table_walk(nodes: list[ChiTieu]) -> Iterator[tuple[ChiTieu, ChiTieu | None]]:
    for node in nodes:
        yield node, None
        yield from _table_walk(node.con)


# --------------------------------------------------------------------------- figures → rows


@dataclass
class Cell:
    """A figure in one of a row's extra figure columns ("Thực hiện", "Quý II"…)."""

    value: Any  # number, text or None, as stored in Excel
    text: str  # as printed in Word
    kind: str


@dataclass
class Row:
    """One printed row of an appendix table, the same for DOCX and XLSX."""

    id: str
    stt: str
    label: str  # plain text (for lists and messages)
    unit: str
    value: Any  # first figure column: number, text or None, as stored in Excel
    value_text: str  # as printed in Word (formatted, with its explanation)
    explanation: str  # dien_giai: printed after the figure in the same cell
    note: str
    kind: str
    depth: int
    bold: bool
    italic: bool  # the whole row
    formula: Expression | None = None
    computed: bool = False
    label_markup: str = ""  # the label as written, with **bold** / *italic* parts
    label_italic: bool = False  # the label alone
    extra: dict[str, Cell] = field(default_factory=dict)  # other figure columns, by ma


@dataclass
class Table:
    """One table of a Phụ lục: its headings, columns and rows, as printed."""

    heading: str | None
    title: str | None
    caption: str | None
    columns: list[Cot]
    rows: list[Row]
    landscape: bool = False
    attached_to: str | None = None  # "(Kèm theo …)" under this table's title

    @property
    def widths(self) -> list[float]:
        return [column.weight for column in self.columns]

    @property
    def figure_columns(self) -> list[Cot]:
        return [column for column in self.columns if column.loai == "so_lieu"]


@dataclass
class Figures:
    """A report's figures checked against its catalog: typed values by id."""

    catalog: Catalog
    values: dict[str, Any]  # id → number/text/None (None: not reported)
    entries: dict[str, GiaTri]
    stt: dict[str, str]
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → {ma: value}

    def describe(self, node_id: str) -> str:
        """ "1.2.1 Số phòng, ban đã kiểm tra"; an unnumbered row names its numbered parent."""
        return describe_row(self.catalog, self.stt, node_id)


def describe_row(catalog: Catalog, stt: dict[str, str], node_id: str) -> str:
    """ "1.2.1 Số phòng …"; in a catalog of several tables "BIỂU MẪU 7, 6.2.2 …"."""
    table = catalog.table_names.get(node_id)
    text = _describe(catalog, stt, node_id)
    return f"{table}, {text}" if table else text


def _describe_from(catalog: Catalog, stt: dict[str, str], here: str, node_id: str) -> str:
    """A row named from another: the table is said only when it is another table."""
    if catalog.table_names.get(here) == catalog.table_names.get(node_id):
        return _describe(catalog, stt, node_id)
    return describe_row(catalog, stt, node_id)


def _describe(catalog: Catalog, stt: dict[str, str], node_id: str) -> str:
    node = catalog.nodes[node_id]
    if node.numbered:
        return f"{stt.get(node_id, '').rstrip('.')} {node.name}".strip()
    parent = catalog.parents.get(node_id)
    if parent is None:
        return node.name
    return f"{_describe(catalog, stt, parent.id).split(' ', 1)[0]} › {node.name}"


def figure_columns(catalog: Catalog, node_id: str) -> list[Cot]:
    """The figure columns of the table ``node_id`` is printed in (built once a table: asked
    for every row, they were most of a 10,000-row Phụ lục's time)."""
    index = catalog.table_of.get(node_id, 0)
    if index not in catalog.figure_columns_of:
        spec = catalog.spec
        catalog.figure_columns_of[index] = [
            column for column in spec.columns(spec.tables[index]) if column.loai == "so_lieu"
        ]
    return catalog.figure_columns_of[index]


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Decimal):
        return float(value)
    return None


def _coerce(
    node: ChiTieu, value: Any, van_ban_keys: list[str], kind: str | None = None
) -> tuple[Any, str | None]:
    """The typed value for ``node``'s kind (or a column's ``kind``), or an error message."""
    if value is None:
        return None, None
    kind = kind or node.kind
    if kind == "chu":
        return (
            so(value)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else str(value)
        ), None
    if kind == "van_ban":
        if value in van_ban_keys:
            return value, None
        close = difflib.get_close_matches(str(value), van_ban_keys, n=1, cutoff=0.6)
        hint = f"; có phải '{close[0]}'?" if close else ""
        return None, f"'{value}' không phải là khóa văn bản trong van_ban{hint}"
    if kind == "lua_chon":
        options = node.lua_chon or {}
        if isinstance(value, str):
            for code, label in options.items():
                if value.strip().lower() == label.lower():
                    return code, None
            parsed = parse_number(value)
            value = int(parsed) if parsed is not None and parsed == int(parsed) else value
        if isinstance(value, int) and not isinstance(value, bool) and value in options:
            return value, None
        choices = ", ".join(f"{label} = {code}" for code, label in options.items())
        return None, f'"{value}" không phải là mã lựa chọn hợp lệ ({choices})'
    if isinstance(value, bool):
        return None, f"{value} không phải là số"
    number: Decimal | float | int | None
    if isinstance(value, str):
        if "%" in value and kind != "phan_tram":
            return None, f'"{value}" có dấu % nhưng chỉ tiêu này không phải tỷ lệ phần trăm'
        number = parse_number(value)
        if number is None:
            if kind == "nhom":
                return value, None
            return None, non_decimal_form(value) or f'"{value}" không phải là số'
        number = int(number) if number == number.to_integral_value() else float(number)
    else:
        number = value
    if isinstance(number, float) and not math.isfinite(number):
        return None, f"{value} không phải là số hữu hạn"
    if abs(number) >= MAX_FIGURE:
        return None, "số quá lớn (từ một triệu tỷ trở lên) không phải là số liệu báo cáo"
    if kind in ("dem", "tien"):
        if isinstance(number, float):
            if number.is_integer():
                return int(number), None
            hint = ""
            if len(repr(number).split(".")[1]) == 3:
                whole = repr(number).replace(".", "")
                hint = (
                    f" (nếu là {so(int(whole))} theo cách viết Việt Nam, hãy ghi {int(whole)}"
                    ' hoặc "' + so(int(whole)) + '")'
                )
            return None, f"{value} phải là số nguyên{hint}"
        if kind == "dem" and number < 0:
            return None, f"{value} là số âm; số đếm phải ≥ 0"
    return number, None


def collect_figures(
    catalog: Catalog,
    entries: dict[str, GiaTri],
    van_ban_keys: list[str],
    problems: ProblemList,
    where: Callable[..., dict[str, Any]],
    base_path: str = "phu_luc.so_lieu",
) -> Figures:
    """Check the data's figures against the catalog (ids, kinds, codes, typed STT, values of
    extra figure columns). ``where(key, *fields)`` locates a field of an entry."""
    stt = stt_labels(catalog.spec)
    values: dict[str, Any] = {}
    columns: dict[str, dict[str, Any]] = {}

    def describe(node_id: str) -> str:
        return describe_row(catalog, stt, node_id)

    for key, entry in entries.items():
        field_path = f"{base_path}.{key}"
        if key not in catalog.nodes:
            close = difflib.get_close_matches(key, catalog.ids, n=1, cutoff=0.6)
            hint = f"; có phải '{close[0]}' ({catalog.nodes[close[0]].name})?" if close else ""
            problems.add(
                f"mã chỉ tiêu '{key}' không có trong danh mục '{catalog.spec.ma}'{hint}",
                path=field_path,
                **where(key),
            )
            continue
        node = catalog.nodes[key]
        main, *others = figure_columns(catalog, key)
        typed = entry.gia_tri
        for name, raw in (entry.extra or {}).items():
            column = next((c for c in (main, *others) if c.ma == name), None)
            if column is None:
                names = [*ENTRY_FIELDS, *(c.ma for c in (main, *others) if c.ma)]
                close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
                hint = f"; có phải ý bạn là '{close[0]}'?" if close else ""
                known = ", ".join(c.ma for c in (main, *others) if c.ma)
                problems.add(
                    f"{describe(key)}: '{name}' không phải trường của số liệu"
                    + (f" hay cột số liệu của bảng ({known})" if known else "")
                    + hint,
                    path=f"{field_path}.{name}",
                    **where(key, name),
                )
                continue
            if isinstance(raw, list | dict):
                problems.add(
                    f"{describe(key)}: cột '{name}' cần một số hoặc một chuỗi",
                    path=f"{field_path}.{name}",
                    **where(key, name),
                )
                continue
            if column is main:
                if typed is not None:
                    problems.add(
                        f"{describe(key)}: ghi cả gia_tri và '{name}' cho cùng một cột; bỏ một",
                        path=f"{field_path}.{name}",
                        **where(key, name),
                    )
                typed = raw
                continue
            value, error = _coerce(node, raw, van_ban_keys, column.kieu)
            if error:
                problems.add(
                    f"{describe(key)}, cột {column.label}: {error}",
                    path=f"{field_path}.{name}",
                    **where(key, name),
                )
            columns.setdefault(key, {})[name] = value
        value, error = _coerce(node, typed, van_ban_keys, main.kieu)
        if error:
            problems.add(f"{describe(key)}: {error}", path=field_path, **where(key))
        values[key] = value
        if entry.stt is not None:
            typed_stt = entry.stt.strip().rstrip(".")
            expected = stt.get(key, "").rstrip(".")
            if typed_stt != expected:
                problems.warn(
                    f"{describe(key)}: STT ghi '{entry.stt}' nhưng theo danh mục là "
                    f"'{stt.get(key) or '(không đánh số)'}' (đánh số sai)",
                    path=f"{field_path}.stt",
                    **where(key),
                )
    for node_id, node in catalog.nodes.items():
        if node_id in entries or node.kind == "nhom" or node_id in catalog.formulas:
            continue
        problems.warn(
            f"{describe(node_id)}: chưa có số liệu (ghi null nếu không báo cáo)",
            path=f"{base_path}.{node_id}",
        )
    return Figures(catalog, values, entries, stt, columns)


def children_sum(
    catalog: Catalog, node_id: str, value_of: Callable[[str], float | None]
) -> float | None:
    numbers = [value_of(child.id) for child in catalog.nodes[node_id].con]
    present = [n for n in numbers if n is not None]
    return sum(present) if present else None


def compute_and_check(
    figures: Figures,
    problems: ProblemList,
    where: Callable[..., dict[str, Any]],
    base_path: str = "phu_luc.so_lieu",
    blame: Callable[[str, Expression], str] | None = None,
) -> dict[str, float]:
    """Computed values of formula rows, and every catalog check; slips become warnings.

    ``blame(node_id, check)`` adds to a failed check's message (tổng hợp names the units)."""
    catalog = figures.catalog
    computed: dict[str, float] = {}

    def value_of(node_id: str) -> float | None:
        if node_id in computed:
            return computed[node_id]
        return _as_number(figures.values.get(node_id))

    describe = figures.describe

    # formulas come in dependency order (see _formula_order): one pass computes them all,
    # a second finds nothing changed
    for _ in range(len(catalog.formulas) + 1):
        changed = False
        for node_id, formula in catalog.formulas.items():
            result = formula.evaluate(
                value_of, lambda node_id=node_id: children_sum(catalog, node_id, value_of)
            )
            if result is not None and not representable(result):
                problems.add(
                    f"{describe(node_id)}: công thức {formula.text} (danh mục {catalog.source}) "
                    "cho kết quả quá lớn",
                    path=f"{base_path}.{node_id}",
                    **where(node_id),
                )
                result = None
            if result is not None:
                # the Word table prints it, and the Excel cell caches and shows it, as this
                rounded = round_half_up(float(result), FORMULA_DECIMALS)
                if computed.get(node_id) != rounded:
                    computed[node_id] = rounded
                    changed = True
        if not changed:
            break
    for node_id, result in computed.items():
        typed = _as_number(figures.values.get(node_id))
        if typed is not None and abs(typed - result) > 0.01 * max(1.0, abs(result)):
            problems.warn(
                f"{describe(node_id)}: số nhập {shown(typed)} khác giá trị tính theo công "
                f"thức {shown(result)} ({catalog.formulas[node_id].text})",
                path=f"{base_path}.{node_id}",
                **where(node_id),
            )

    for node_id, node in catalog.nodes.items():
        value = value_of(node_id)
        if node.kind == "phan_tram" and value is not None and not 0 <= value <= 100:
            problems.warn(
                f"{describe(node_id)}: {shown(value)} nằm ngoài khoảng 0–100 của một tỷ lệ "
                "phần trăm",
                path=f"{base_path}.{node_id}",
                **where(node_id),
            )
        for column in figure_columns(catalog, node_id)[1:]:
            extra = _as_number(figures.columns.get(node_id, {}).get(column.ma or ""))
            percent = (column.kieu or node.kind) == "phan_tram"
            if percent and extra is not None and not 0 <= extra <= 100:
                problems.warn(
                    f"{describe(node_id)}, cột {column.label}: {shown(extra)} nằm ngoài "
                    "khoảng 0–100 của một tỷ lệ phần trăm",
                    path=f"{base_path}.{node_id}.{column.ma}",
                    **where(node_id, column.ma or ""),
                )
        for check, expression in catalog.checks.get(node_id, []):
            children = lambda node_id=node_id: children_sum(catalog, node_id, value_of)  # noqa: E731
            op, left, right = expression.comparison  # type: ignore[misc]
            sides = (expression.evaluate(value_of, children, side) for side in (left, right))
            if any(side is not None and not representable(side) for side in sides):
                # an infinite side passes or fails any comparison: neither would be true
                problems.add(
                    f"{describe(node_id)}: kiểm tra {expression.text} (danh mục "
                    f"{catalog.source}) cho kết quả quá lớn",
                    path=f"{base_path}.{node_id}",
                    **where(node_id),
                )
                continue
            if expression.evaluate(value_of, children, rounding=check.lam_tron) is not False:
                continue
            message = check.thong_bao or _check_message(
                expression,
                op,
                left,
                right,
                value_of,
                children,
                lambda ref, node_id=node_id: _describe_from(catalog, figures.stt, node_id, ref),
            )
            if check.thong_bao is None and expression.tolerance is not None:
                message += f" (sai lệch cho phép ±{so(expression.tolerance)})"
            elif check.thong_bao is None and check.lam_tron is not None:
                message += f" (khi làm tròn đến {check.lam_tron} chữ số thập phân)"
            text = f"{describe(node_id)}: {message}"
            if blame is not None:
                text += blame(node_id, expression)
            path = f"{base_path}.{node_id}"
            if check.muc_do == "loi":
                problems.add(text, path=path, **where(node_id))
            else:
                problems.warn(text, path=path, **where(node_id))
    return computed


def _check_message(
    expression: Expression,
    op: str,
    left: Any,
    right: Any,
    value_of: Callable[[str], float | None],
    children: Callable[[], float | None],
    describe: Callable[[str], str],
) -> str:
    """ "5 lớn hơn 4 ở 1.2 Kiểm tra CCHC": the two sides of a failed comparison."""
    left_value = expression.evaluate(value_of, children, left)
    right_value = expression.evaluate(value_of, children, right)
    right_ref = expression.ref_of(right)
    if right_ref is not None:
        right_text = f"{shown(right_value)} ở {describe(right_ref)}"
    elif any(isinstance(n, ast.Name) and n.id == CHILDREN_SUM for n in ast.walk(right)):
        right_text = f"tổng các mục con {shown(right_value)}"
    else:
        right_text = shown(right_value)
    return f"{shown(left_value)} {FAILED_WORDS[op]} {right_text}"


def shown(value: Any) -> str:
    """A figure as printed in tables and messages: Vietnamese separators, at most 3 decimals."""
    return so(round_half_up(value, MAX_DECIMALS) if isinstance(value, float) else value)


def format_value(
    node: ChiTieu, value: Any, van_ban_text: Callable[[str], str], kind: str | None = None
) -> str:
    """How a figure is printed in the Word table (and the text of an Excel text cell)."""
    if value is None:
        return ""
    kind = kind or node.kind
    if kind == "van_ban":
        return van_ban_text(str(value))
    if isinstance(value, str):
        return value
    if kind == "lua_chon":
        return str(value)
    return shown(value)


__all__ = [
    "Catalog",
    "Cell",
    "ChiTieu",
    "Cot",
    "DanhMuc",
    "Figures",
    "Row",
    "Table",
    "collect_figures",
    "compute_and_check",
    "format_value",
    "load_catalog",
    "shipped_catalogs",
    "stt_labels",
]
