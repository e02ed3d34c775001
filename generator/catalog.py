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
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .errors import CatalogError, ProblemList
from .expressions import (
    CHILDREN_SUM,
    FAILED_WORDS,
    Expression,
    ExpressionError,
    parse_expression,
)
from .formatting import chu_cai, la_ma, non_decimal_form, parse_number, round_half_up, so
from .loader import LoadedFile, load_file
from .model import GiaTri, Model
from .validate import validate_model

CATALOG_DIR = Path(__file__).parent / "catalogs"

# `baocao tong-hop`: how each kind of indicator is combined across units by default
DEFAULT_AGGREGATION = {
    "dem": "cong",
    "tien": "cong",
    "so": "cong",
    "phan_tram": "trung_binh",
    "lua_chon": "phan_bo",
    "chu": "liet_ke",
    "van_ban": "liet_ke",
    "nhom": "liet_ke",
}
NUMERIC_KINDS = ("dem", "tien", "so", "phan_tram")

MAX_FIGURE = 10**15  # a figure this large is a typing slip (and beyond float precision)
FORMULA_DECIMALS = 2  # computed figures (ratios) are printed and cached with at most these
MAX_DECIMALS = 3  # typed figures are printed with at most these


def _id_text(value: Any) -> Any:
    """An id typed unquoted as 1.2 (a YAML float) is "1.2"; 1 is "1"."""
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int | float) else value


Id = Annotated[str, BeforeValidator(_id_text), Field(min_length=1)]


class KiemTra(Model):
    """A check on an indicator: ``<= [1.1.1]``; failures are warnings unless muc_do: loi."""

    bieu_thuc: str = Field(description='Biểu thức so sánh, ví dụ "<= [1.1.1]" hoặc "= tong_con".')
    thong_bao: str | None = Field(None, description="Thông báo riêng khi kiểm tra không đạt.")
    muc_do: Literal["canh_bao", "loi"] = "canh_bao"

    @model_validator(mode="before")
    @classmethod
    def _text_is_expression(cls, value: Any) -> Any:
        return {"bieu_thuc": value} if isinstance(value, str) else value


class ChiTieu(Model):
    """One row of the form: a group heading or an indicator."""

    id: Id = Field(description="Mã chỉ tiêu, duy nhất trong danh mục; số liệu ghi theo mã này.")
    ten: str = Field(description="Tên chỉ tiêu như trên biểu mẫu.")
    dvt: str | None = Field(None, description="Đơn vị tính.")
    loai: Literal["nhom", "dem", "phan_tram", "so", "tien", "lua_chon", "chu", "van_ban"] | None = (
        Field(
            None,
            description="Kiểu số liệu; mặc định: lua_chon nếu có lựa chọn, phan_tram nếu "
            "đơn vị là %, dem nếu có đơn vị, nhom nếu không.",
        )
    )
    lua_chon: dict[int, str] | None = Field(
        None, description='Các mã lựa chọn theo thứ tự in: {1: "Có", 0: "Không"}.'
    )
    cong_thuc: str | None = Field(None, description='Công thức tính: "[1.1.2] / [1.1.1] * 100".')
    kiem_tra: list[KiemTra] = Field(default_factory=list)
    danh_so: bool = Field(True, description="false: hàng không đánh STT.")
    nhan_stt: str | None = Field(None, description='Chữ ghi ở cột STT thay cho số: "Trong đó".')
    dam: bool | None = Field(None, description="In đậm (mặc định: hàng nhóm in đậm).")
    nghieng: bool = False
    tong_hop: (
        Literal["cong", "trung_binh", "lon_nhat", "nho_nhat", "phan_bo", "liet_ke", "khong"] | None
    ) = Field(
        None,
        description="Cách `baocao tong-hop` gộp chỉ tiêu này của nhiều đơn vị; mặc định theo "
        "kiểu: cộng (đếm, tiền, số), tính lại theo công thức, trung bình (tỷ lệ không có "
        "công thức), phân bố (lựa chọn), liệt kê (chữ, văn bản).",
    )
    con: list[ChiTieu] = Field(default_factory=list)

    @field_validator("kiem_tra", mode="before")
    @classmethod
    def _single_check(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | dict) else value

    @property
    def kind(self) -> str:
        if self.loai:
            return self.loai
        if self.lua_chon:
            return "lua_chon"
        if self.dvt and self.dvt.strip() == "%":
            return "phan_tram"
        return "dem" if self.dvt else "nhom"

    @property
    def aggregation(self) -> str:
        """How `baocao tong-hop` combines the units' values (the catalog's tong_hop, else by
        kind); "tinh_lai" recomputes a formula row from the combined parts."""
        if self.tong_hop:
            return self.tong_hop
        if self.cong_thuc:
            return "tinh_lai"
        return DEFAULT_AGGREGATION[self.kind]

    @property
    def numbered(self) -> bool:
        return self.danh_so and self.nhan_stt is None

    def unit_text(self) -> str:
        if self.kind == "lua_chon" and self.lua_chon and not self.dvt:
            return "\n".join(f"{label} = {code}" for code, label in self.lua_chon.items())
        return self.dvt or ""


class CotTieuDe(Model):
    """Column labels of the two-row header."""

    stt: str = "STT"
    chi_tieu: str = "Chỉ tiêu thống kê"
    ket_qua: str = "Kết quả thống kê"
    don_vi: str = "Đơn vị tính"
    so_lieu: str = "Số liệu"
    ghi_chu: str = "Ghi chú"


class KieuStt(Model):
    cap: list[Literal["thap_phan", "la_ma", "so", "chu", "trong"]] = Field(
        default_factory=lambda: ["thap_phan"],
        description="Kiểu STT mỗi cấp; cấp sâu hơn dùng kiểu cuối.",
    )
    cham_cuoi: bool = Field(True, description='Thêm dấu chấm cuối: "1.1." thay vì "1.1".')


class BangChiTieu(Model):
    """One table of the appendix (a catalog may hold several: "Biểu mẫu 1 … 7")."""

    tieu_de: str | None = Field(None, description='Dòng đầu riêng của bảng: "BIỂU MẪU 1".')
    ten: str | None = Field(None, description="Tên bảng (in hoa, đậm, giữa).")
    dong_tieu_de: str | None = Field(
        None, description='Hàng chú thích ngay dưới tiêu đề cột: "Báo cáo CCHC {{ ky_bao_cao }}".'
    )
    cot: CotTieuDe | None = None
    chi_tieu: list[ChiTieu]


class DanhMuc(Model):
    """A whole catalog file."""

    ma: Id = Field(description="Mã danh mục, dùng trong phu_luc.danh_muc của tệp số liệu.")
    mo_ta: str = Field("", description="Mô tả ngắn (hiện trong `baocao danh-muc`).")
    tieu_de: str = Field("PHỤ LỤC", description='Dòng đầu: "PHỤ LỤC", "Phụ lục 2, Bảng 2".')
    ten_bang: str = Field(description="Tên phụ lục (in hoa); được dùng {{ ten_co_quan }} …")
    kem_theo: bool = Field(True, description='In dòng "(Kèm theo Báo cáo số … ngày … của …)".')
    huong: Literal["doc", "ngang"] = Field("doc", description="Khổ giấy dọc hay ngang.")
    stt: KieuStt = Field(default_factory=KieuStt)
    cot: CotTieuDe = Field(default_factory=CotTieuDe)
    do_rong_cot: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.3, 7.0, 3.0, 1.9, 2.8],
        description="Độ rộng tương đối 5 cột: STT, chỉ tiêu, đơn vị, số liệu, ghi chú.",
    )
    dong_tieu_de: str | None = None
    bieu_do: list[Id] = Field(
        default_factory=list,
        description="Mã các chỉ tiêu số vẽ trên biểu đồ của `baocao tong-hop` (tối đa 6).",
        max_length=6,
    )
    chi_tieu: list[ChiTieu] = Field(default_factory=list)
    bang: list[BangChiTieu] = Field(default_factory=list)

    @model_validator(mode="after")
    def _tables(self) -> DanhMuc:
        if self.chi_tieu and self.bang:
            raise ValueError("dùng chi_tieu (một bảng) hoặc bang (nhiều bảng), không dùng cả hai")
        if not self.chi_tieu and not self.bang:
            raise ValueError("danh mục chưa có chỉ tiêu nào (chi_tieu hoặc bang)")
        if len(self.do_rong_cot) != 5:
            raise ValueError("do_rong_cot cần đúng 5 số")
        return self

    @property
    def tables(self) -> list[BangChiTieu]:
        if self.bang:
            return self.bang
        return [BangChiTieu(ten=None, dong_tieu_de=self.dong_tieu_de, chi_tieu=self.chi_tieu)]

    def walk(self) -> Iterator[tuple[ChiTieu, ChiTieu | None]]:
        """Every indicator with its parent, in print order, across all tables."""

        def visit(
            nodes: list[ChiTieu], parent: ChiTieu | None
        ) -> Iterator[tuple[ChiTieu, ChiTieu | None]]:
            for node in nodes:
                yield node, parent
                yield from visit(node.con, node)

        for table in self.tables:
            yield from visit(table.chi_tieu, None)


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

    @property
    def ids(self) -> list[str]:
        return list(self.nodes)


def _compile(spec: DanhMuc, source: str, loaded: LoadedFile) -> Catalog:
    problems = ProblemList(source)
    catalog = Catalog(spec, source)
    for node, parent in spec.walk():
        if node.id in catalog.nodes:
            problems.add(f"mã chỉ tiêu '{node.id}' bị trùng", path=f"chi_tieu.{node.id}")
        catalog.nodes[node.id] = node
        catalog.parents[node.id] = parent
        if node.kind == "lua_chon" and not node.lua_chon:
            problems.add("chỉ tiêu lựa chọn cần danh sách lua_chon", path=f"chi_tieu.{node.id}")
        rule = node.tong_hop
        if rule in ("cong", "trung_binh", "lon_nhat", "nho_nhat") and node.kind not in (
            NUMERIC_KINDS
        ):
            problems.add(
                f"tong_hop: {rule} chỉ dùng cho chỉ tiêu số (đếm, tiền, số, %), chỉ tiêu này là "
                f"'{node.kind}'",
                path=f"chi_tieu.{node.id}.tong_hop",
            )
        if rule == "phan_bo" and node.kind != "lua_chon":
            problems.add(
                "tong_hop: phan_bo chỉ dùng cho chỉ tiêu lựa chọn (lua_chon)",
                path=f"chi_tieu.{node.id}.tong_hop",
            )
    for node in catalog.nodes.values():
        where = f"chi_tieu.{node.id}"
        expressions: list[tuple[KiemTra | None, str]] = (
            [(None, node.cong_thuc)] if node.cong_thuc else []
        )
        expressions += [(check, check.bieu_thuc) for check in node.kiem_tra]
        for check, text in expressions:
            try:
                expression = parse_expression(text, self_id=node.id if check else None)
            except ExpressionError as exc:
                problems.add(str(exc), path=where)
                continue
            for ref in expression.refs:
                if ref not in catalog.nodes:
                    problems.add(
                        f"biểu thức \"{text}\" dùng mã '{ref}' không có trong danh mục", path=where
                    )
            if check is None:
                if expression.comparison:
                    problems.add("công thức không được là phép so sánh", path=where)
                catalog.formulas[node.id] = expression
            else:
                if not expression.comparison:
                    problems.add(f'kiểm tra "{text}" phải là một phép so sánh', path=where)
                catalog.checks.setdefault(node.id, []).append((check, expression))
    for index, node_id in enumerate(spec.bieu_do):
        node = catalog.nodes.get(node_id)
        if node is None or node.kind not in NUMERIC_KINDS:
            problems.add(
                f"bieu_do: '{node_id}' không phải mã một chỉ tiêu số trong danh mục",
                path=f"bieu_do[{index + 1}]",
            )
    cycle = _formula_cycle(catalog.formulas)
    if cycle:
        problems.add(
            "công thức tính vòng tròn: " + " → ".join(cycle) + " (chỉ tiêu nào cũng chờ chỉ "
            "tiêu kia)",
            path=f"chi_tieu.{cycle[0]}",
        )
    problems.raise_if_errors(CatalogError)
    return catalog


def _formula_cycle(formulas: dict[str, Expression]) -> list[str] | None:
    """A chain of formulas that reads itself ("1.6 → 1.7 → 1.6"), or None."""
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(node_id: str, trail: list[str]) -> list[str] | None:
        if state.get(node_id) == 1:
            return [*trail[trail.index(node_id) :], node_id]
        if state.get(node_id) == 2 or node_id not in formulas:
            return None
        state[node_id] = 1
        for ref in formulas[node_id].refs:
            found = visit(ref, [*trail, node_id])
            if found:
                return found
        state[node_id] = 2
        return None

    for node_id in formulas:
        found = visit(node_id, [])
        if found:
            return found
    return None


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
    spec = validate_model(loaded, DanhMuc, problems, what="danh mục chỉ tiêu")
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
    except Exception as exc:  # a data-layer error inside a catalog is the catalog's fault
        raise CatalogError(str(exc), file=str(path)) from exc


# --------------------------------------------------------------------------- STT numbering


def stt_labels(spec: DanhMuc) -> dict[str, str]:
    """The STT printed for each indicator, generated from the tree (never typed)."""
    labels: dict[str, str] = {}
    styles = spec.stt.cap
    dot = "." if spec.stt.cham_cuoi else ""

    def style_at(depth: int) -> str:
        return styles[min(depth, len(styles) - 1)]

    def visit(nodes: list[ChiTieu], path: list[int], depth: int) -> None:
        counter = 0
        for node in nodes:
            if node.numbered:
                counter += 1
                own_path = [*path, counter]
                style = style_at(depth)
                if style == "thap_phan":
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

    for table in spec.tables:
        visit(table.chi_tieu, [], 0)
    return labels


# --------------------------------------------------------------------------- figures → rows


@dataclass
class Row:
    """One printed row of an appendix table, the same for DOCX and XLSX."""

    id: str
    stt: str
    label: str
    unit: str
    value: Any  # number, text or None, as stored in Excel
    value_text: str  # as printed in Word (formatted, with its explanation)
    explanation: str  # text printed after the figure in the same Word cell
    note: str
    kind: str
    depth: int
    bold: bool
    italic: bool
    formula: Expression | None = None
    computed: bool = False


@dataclass
class Table:
    heading: str | None
    title: str | None
    caption: str | None
    columns: CotTieuDe
    rows: list[Row]


@dataclass
class Figures:
    """A report's figures checked against its catalog: typed values by id."""

    catalog: Catalog
    values: dict[str, Any]  # id → number/text/None (None: not reported)
    entries: dict[str, GiaTri]
    stt: dict[str, str]

    def describe(self, node_id: str) -> str:
        """ "1.2.1 Số phòng, ban đã kiểm tra"; an unnumbered row names its numbered parent."""
        return describe_row(self.catalog, self.stt, node_id)


def describe_row(catalog: Catalog, stt: dict[str, str], node_id: str) -> str:
    node = catalog.nodes[node_id]
    if node.numbered:
        return f"{stt.get(node_id, '').rstrip('.')} {node.ten}".strip()
    parent = catalog.parents.get(node_id)
    if parent is None:
        return node.ten
    return f"{describe_row(catalog, stt, parent.id).split(' ', 1)[0]} › {node.ten}"


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Decimal):
        return float(value)
    return None


def _coerce(node: ChiTieu, value: Any, van_ban_keys: list[str]) -> tuple[Any, str | None]:
    """The typed value for ``node``'s kind, or an error message in Vietnamese."""
    if value is None:
        return None, None
    kind = node.kind
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
    where: Callable[[str], dict[str, Any]],
    base_path: str = "phu_luc.so_lieu",
) -> Figures:
    """Check the data's figures against the catalog (ids, kinds, codes, typed STT)."""
    stt = stt_labels(catalog.spec)
    values: dict[str, Any] = {}

    def describe(node_id: str) -> str:
        return describe_row(catalog, stt, node_id)

    for key, entry in entries.items():
        field_path = f"{base_path}.{key}"
        if key not in catalog.nodes:
            close = difflib.get_close_matches(key, catalog.ids, n=1, cutoff=0.6)
            hint = f"; có phải '{close[0]}' ({catalog.nodes[close[0]].ten})?" if close else ""
            problems.add(
                f"mã chỉ tiêu '{key}' không có trong danh mục '{catalog.spec.ma}'{hint}",
                path=field_path,
                **where(key),
            )
            continue
        node = catalog.nodes[key]
        value, error = _coerce(node, entry.gia_tri, van_ban_keys)
        if error:
            problems.add(f"{describe(key)}: {error}", path=field_path, **where(key))
        values[key] = value
        if entry.stt is not None:
            typed = entry.stt.strip().rstrip(".")
            expected = stt.get(key, "").rstrip(".")
            if typed != expected:
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
    return Figures(catalog, values, entries, stt)


def children_sum(
    catalog: Catalog, node_id: str, value_of: Callable[[str], float | None]
) -> float | None:
    numbers = [value_of(child.id) for child in catalog.nodes[node_id].con]
    present = [n for n in numbers if n is not None]
    return sum(present) if present else None


def compute_and_check(
    figures: Figures,
    problems: ProblemList,
    where: Callable[[str], dict[str, Any]],
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

    # formulas may read other formulas: evaluate until nothing changes (depth is small)
    for _ in range(len(catalog.formulas) + 1):
        changed = False
        for node_id, formula in catalog.formulas.items():
            result = formula.evaluate(
                value_of, lambda node_id=node_id: children_sum(catalog, node_id, value_of)
            )
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
        for check, expression in catalog.checks.get(node_id, []):
            children = lambda node_id=node_id: children_sum(catalog, node_id, value_of)  # noqa: E731
            if expression.evaluate(value_of, children) is not False:
                continue
            op, left, right = expression.comparison  # type: ignore[misc]
            message = check.thong_bao or _check_message(
                expression, op, left, right, value_of, children, describe
            )
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


def format_value(node: ChiTieu, value: Any, van_ban_text: Callable[[str], str]) -> str:
    """How a figure is printed in the Word table (and the text of an Excel text cell)."""
    if value is None:
        return ""
    kind = node.kind
    if kind == "van_ban":
        return van_ban_text(str(value))
    if isinstance(value, str):
        return value
    if kind == "lua_chon":
        return str(value)
    return shown(value)


__all__ = [
    "Catalog",
    "ChiTieu",
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
