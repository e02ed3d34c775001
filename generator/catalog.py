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

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

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
from .model import MAX_COLUMN_WEIGHT, GiaTri, Model
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

    model_config = ConfigDict(
        json_schema_extra={
            "description": 'Kiểm tra một chỉ tiêu: chuỗi "<= [1.1.1]" hoặc bảng '
            "(bieu_thuc, thong_bao, muc_do, lam_tron)."
        }
    )

    bieu_thuc: str = Field(
        description='Biểu thức so sánh, ví dụ "<= [1.1.1]", "= tong_con" hoặc '
        '"≈ [3.2] / [3.1] * 100 ±0,01".'
    )
    thong_bao: str | None = Field(None, description="Thông báo riêng khi kiểm tra không đạt.")
    muc_do: Literal["canh_bao", "loi"] = Field(
        "canh_bao", description="canh_bao (nên xem lại) hoặc loi (phải sửa)."
    )
    lam_tron: Annotated[int, Field(ge=0, le=6)] | None = Field(
        None,
        description="So sánh sau khi làm tròn hai vế đến từng ấy chữ số thập phân: 2 coi "
        "76,70 và 76,704 là bằng.",
    )

    @model_validator(mode="before")
    @classmethod
    def _text_is_expression(cls, value: Any) -> Any:
        return {"bieu_thuc": value} if isinstance(value, str) else value


class ChiTieu(Model):
    """One row of the form: a group heading or an indicator."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Một hàng của biểu mẫu: nhóm hoặc chỉ tiêu (id, ten, dvt, loai, con…)."
        }
    )

    id: Id = Field(
        description="Mã chỉ tiêu, duy nhất trong cả danh mục (mọi bảng); số liệu ghi theo mã này."
    )
    ten: str = Field(
        description="Tên chỉ tiêu như trên biểu mẫu; **đậm** và *nghiêng* in đúng từng phần."
    )
    dvt: str | None = Field(
        None, description="Đơn vị tính; với chỉ tiêu lựa chọn, thay cho danh sách mã in ra."
    )
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
    kiem_tra: list[KiemTra] = Field(
        default_factory=list, description="Một hoặc nhiều kiểm tra (chuỗi hoặc bảng)."
    )
    stt: str | None = Field(
        None, description='STT in đúng như viết thay cho số tự sinh: "6.4.", "a)"; vẫn được đếm.'
    )
    danh_so: bool = Field(True, description="false: hàng không đánh STT (không được đếm).")
    nhan_stt: str | None = Field(
        None, description='Chữ ghi ở cột STT của hàng không đánh số: "Trong đó".'
    )
    dam: bool | None = Field(None, description="In đậm (mặc định: hàng nhóm, hàng có con in đậm).")
    nghieng: bool | Literal["ten"] = Field(
        False, description="true: cả hàng in nghiêng; ten: chỉ tên chỉ tiêu in nghiêng."
    )
    tong_hop: (
        Literal["cong", "trung_binh", "lon_nhat", "nho_nhat", "phan_bo", "liet_ke", "khong"] | None
    ) = Field(
        None,
        description="Cách `baocao tong-hop` gộp chỉ tiêu này của nhiều đơn vị; mặc định theo "
        "kiểu: cộng (đếm, tiền, số), tính lại theo công thức, trung bình (tỷ lệ không có "
        "công thức), phân bố (lựa chọn), liệt kê (chữ, văn bản).",
    )
    con: list[ChiTieu] = Field(default_factory=list, description="Các chỉ tiêu con.")

    @field_validator("kiem_tra", mode="before")
    @classmethod
    def _single_check(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | dict) else value

    @field_validator("stt", mode="before")
    @classmethod
    def _stt_text(cls, value: Any) -> Any:
        return _id_text(value)

    @model_validator(mode="after")
    def _one_stt(self) -> ChiTieu:
        if self.stt is not None and (self.nhan_stt is not None or not self.danh_so):
            raise ValueError("stt (STT ghi sẵn) không dùng cùng nhan_stt hay danh_so: false")
        return self

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

    @property
    def name(self) -> str:
        """The label without its **bold** / *italic* marks, for messages and lists."""
        return plain_text(self.ten)

    def unit_text(self) -> str:
        if self.kind == "lua_chon" and self.lua_chon and not self.dvt:
            return "\n".join(f"{label} = {code}" for code, label in self.lua_chon.items())
        return self.dvt or ""


def plain_text(text: str) -> str:
    """``"**Trong đó**: nữ"`` → ``"Trong đó: nữ"``."""
    from .prose import Run, parse_inline

    if "*" not in text:
        return text
    return "".join(item.text for item in parse_inline(text) if isinstance(item, Run))


class CotTieuDe(Model):
    """Column labels of the standard two-row header (the short form of ``cot``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Nhãn 5 cột chuẩn, tiêu đề hai hàng: STT | Chỉ tiêu | Kết quả thống "
            "kê (Đơn vị tính, Số liệu) | Ghi chú."
        }
    )

    stt: str = Field("STT", description="Nhãn cột STT.")
    chi_tieu: str = Field("Chỉ tiêu thống kê", description="Nhãn cột chỉ tiêu.")
    ket_qua: str = Field(
        "Kết quả thống kê", description="Nhãn ô gộp trên hai cột Đơn vị tính và Số liệu."
    )
    don_vi: str = Field("Đơn vị tính", description="Nhãn cột đơn vị tính.")
    so_lieu: str = Field("Số liệu", description="Nhãn cột số liệu.")
    ghi_chu: str = Field("Ghi chú", description="Nhãn cột ghi chú.")


ColumnKind = Literal["stt", "chi_tieu", "dvt", "so_lieu", "ghi_chu"]
FigureKind = Literal["dem", "phan_tram", "so", "tien", "lua_chon", "chu", "van_ban"]
COLUMN_LABELS = {
    "stt": "STT",
    "chi_tieu": "Chỉ tiêu thống kê",
    "dvt": "Đơn vị tính",
    "so_lieu": "Số liệu",
    "ghi_chu": "Ghi chú",
}
COLUMN_WIDTHS = {"stt": 1.3, "chi_tieu": 7.0, "dvt": 3.0, "so_lieu": 1.9, "ghi_chu": 2.8}
# Names a data entry uses for itself; a figure column cannot take them as its ma.
ENTRY_FIELDS = ("gia_tri", "noi_dung", "dien_giai", "ghi_chu", "stt")


class Cot(Model):
    """One column of a table, in the long form of ``cot`` (a list, left to right)."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Một cột của bảng (cot dạng danh sách, từ trái sang phải)."
        }
    )

    loai: ColumnKind = Field(
        description="Nội dung cột: stt, chi_tieu (tên chỉ tiêu), dvt (đơn vị tính), so_lieu "
        "(số liệu; có thể nhiều cột), ghi_chu."
    )
    nhan: str | None = Field(
        None, description='Nhãn in ở tiêu đề cột; mặc định theo loại ("STT", "Số liệu"…).'
    )
    nhom: str | None = Field(
        None,
        description="Nhãn ô gộp phía trên (tiêu đề hai hàng): các cột liền nhau cùng nhom được "
        'gộp, ví dụ "Kết quả thống kê". Không cột nào có nhom: tiêu đề một hàng.',
    )
    do_rong: Annotated[float, Field(gt=0, le=MAX_COLUMN_WEIGHT)] | None = Field(
        None,
        description="Độ rộng tương đối (≤ 100); mặc định stt 1,3, chi_tieu 7, dvt 3, so_lieu 1,9, "
        "ghi_chu 2,8.",
    )
    ma: Id | None = Field(
        None,
        description="Cột số liệu: tên khóa ghi số liệu của cột này trong tệp số liệu "
        '("ke_hoach"); bắt buộc với cột số liệu thứ hai trở đi.',
    )
    kieu: FigureKind | None = Field(
        None,
        description="Cột số liệu: kiểu số liệu của mọi hàng trong cột (phan_tram cho cột "
        '"Tỷ lệ %"); mặc định theo kiểu của từng chỉ tiêu.',
    )

    @model_validator(mode="after")
    def _figure_only(self) -> Cot:
        if self.loai != "so_lieu" and (self.ma is not None or self.kieu is not None):
            raise ValueError("ma và kieu chỉ dùng cho cột so_lieu")
        if self.ma in ENTRY_FIELDS:
            raise ValueError(f"ma '{self.ma}' trùng tên trường của số liệu; chọn tên khác")
        return self

    @property
    def label(self) -> str:
        return COLUMN_LABELS[self.loai] if self.nhan is None else self.nhan

    @property
    def weight(self) -> float:
        return self.do_rong or COLUMN_WIDTHS[self.loai]


def _check_columns(columns: list[Cot]) -> None:
    """One chi_tieu column, at most one stt/dvt/ghi_chu, one or more so_lieu with their ma."""
    kinds = [c.loai for c in columns]
    if kinds.count("chi_tieu") != 1:
        raise ValueError("danh sách cột cần đúng một cột chi_tieu")
    if "so_lieu" not in kinds:
        raise ValueError("danh sách cột cần ít nhất một cột so_lieu")
    for kind in ("stt", "dvt", "ghi_chu"):
        if kinds.count(kind) > 1:
            raise ValueError(f"cột {kind} chỉ được có một")
    figures = [c for c in columns if c.loai == "so_lieu"]
    names: list[str] = []
    for index, column in enumerate(figures):
        if column.ma is None and index:
            raise ValueError(
                f"cột số liệu thứ {index + 1} ({column.label}) cần ma để tệp số liệu ghi giá "
                "trị cho nó"
            )
        if column.ma in names:
            raise ValueError(f"hai cột số liệu cùng ma '{column.ma}'")
        if column.ma:
            names.append(column.ma)


def standard_columns(labels: CotTieuDe, widths: list[float]) -> list[Cot]:
    """STT | Chỉ tiêu | Kết quả thống kê (Đơn vị tính, Số liệu) | Ghi chú. Labels and widths
    are validated already: constructed without validating again (which would build Cot's
    validator in every render)."""
    column = Cot.model_construct
    return [
        column(loai="stt", nhan=labels.stt, do_rong=widths[0]),
        column(loai="chi_tieu", nhan=labels.chi_tieu, do_rong=widths[1]),
        column(loai="dvt", nhan=labels.don_vi, nhom=labels.ket_qua, do_rong=widths[2]),
        column(loai="so_lieu", nhan=labels.so_lieu, nhom=labels.ket_qua, do_rong=widths[3]),
        column(loai="ghi_chu", nhan=labels.ghi_chu, do_rong=widths[4]),
    ]


class KieuStt(Model):
    """How the STT column is numbered."""

    model_config = ConfigDict(
        json_schema_extra={"description": "Cách đánh STT: kiểu mỗi cấp, dấu chấm cuối, số bắt đầu."}
    )

    cap: list[Literal["thap_phan", "la_ma", "so", "chu", "trong"]] = Field(
        default_factory=lambda: ["thap_phan"],
        description="Kiểu STT mỗi cấp: thap_phan (1.1.), la_ma (I), so (1), chu (a)), trong "
        "(để trống); cấp sâu hơn dùng kiểu cuối.",
    )
    cham_cuoi: bool = Field(True, description='Thêm dấu chấm cuối: "1.1." thay vì "1.1".')
    bat_dau: Annotated[int, Field(ge=1)] | Literal["tiep"] = Field(
        1,
        description='Số của hàng cấp 1 đầu tiên; "tiep": đánh tiếp theo bảng trước.',
    )


WIDTHS_DEFAULT = [1.3, 7.0, 3.0, 1.9, 2.8]
Columns = CotTieuDe | list[Cot]


class _ColumnLayout(Model):
    """The checks of ``cot`` and ``do_rong_cot``, which a catalog and each of its tables
    declare (with their own descriptions and defaults)."""

    @field_validator("cot", check_fields=False)
    @classmethod
    def _columns(cls, value: Columns | None) -> Columns | None:
        return _column_list(value)

    @field_validator("do_rong_cot", check_fields=False)
    @classmethod
    def _five(cls, value: list[float] | None) -> list[float] | None:
        return _five_widths(value)


class BangChiTieu(_ColumnLayout):
    """One table of the appendix (a catalog may hold several: "Biểu mẫu 1 … 7")."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": 'Một bảng của phụ lục (danh mục nhiều bảng: "BIỂU MẪU 1 … 7").'
        }
    )

    tieu_de: str | None = Field(None, description='Dòng đầu riêng của bảng: "BIỂU MẪU 1".')
    ten: str | None = Field(None, description="Tên bảng, in đậm, giữa, đúng như viết.")
    dong_tieu_de: str | None = Field(
        None, description='Hàng chú thích ngay dưới tiêu đề cột: "Báo cáo CCHC {{ ky_bao_cao }}".'
    )
    cot: Columns | None = Field(None, description="Các cột của bảng; mặc định: cot của danh mục.")
    do_rong_cot: list[Annotated[float, Field(gt=0, le=MAX_COLUMN_WEIGHT)]] | None = Field(
        None, description="Độ rộng 5 cột chuẩn của bảng; mặc định: do_rong_cot của danh mục."
    )
    huong: Literal["doc", "ngang"] | None = Field(
        None, description="Khổ giấy của bảng; mặc định: huong của danh mục."
    )
    stt: KieuStt | None = Field(None, description="Kiểu STT của bảng; mặc định: stt của danh mục.")
    chi_tieu: list[ChiTieu] = Field(description="Các chỉ tiêu của bảng (cây, theo thứ tự in).")

    @model_validator(mode="after")
    def _widths(self) -> BangChiTieu:
        _check_widths(self.cot, self.do_rong_cot)
        return self


def _column_list(value: Columns | None) -> Columns | None:
    if isinstance(value, list):
        _check_columns(value)
    return value


def _five_widths(value: list[float] | None) -> list[float] | None:
    if value is not None and len(value) != 5:
        raise ValueError("do_rong_cot cần đúng 5 số (STT, chỉ tiêu, đơn vị, số liệu, ghi chú)")
    return value


def _check_widths(cot: Columns | None, widths: list[float] | None) -> None:
    if isinstance(cot, list) and widths is not None:
        raise ValueError(
            "với cot là danh sách cột, ghi do_rong trong từng cột, không dùng do_rong_cot"
        )


class DanhMuc(_ColumnLayout):
    """A whole catalog file."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Danh mục chỉ tiêu (biểu mẫu Phụ lục) của baocao; xem docs/danh-muc.md."
        }
    )

    ma: Id = Field(description="Mã danh mục, dùng trong phu_luc.danh_muc của tệp số liệu.")
    mo_ta: str = Field("", description="Mô tả ngắn (hiện trong `baocao danh-muc`).")
    tieu_de: str = Field("PHỤ LỤC", description='Dòng đầu: "PHỤ LỤC", "Phụ lục 2, Bảng 2".')
    ten_bang: str = Field(
        "", description="Tên phụ lục, in đúng như viết; được dùng {{ ten_co_quan }} …"
    )
    kem_theo: bool | Literal["phu_luc", "bang"] = Field(
        True,
        description='Dòng "(Kèm theo Báo cáo số … ngày … của …)": true hoặc phu_luc (một lần '
        "dưới tên phụ lục), bang (dưới tên từng bảng), false (không in).",
    )
    huong: Literal["doc", "ngang"] = Field("doc", description="Khổ giấy dọc hay ngang.")
    # defaults need no validation (which would build the model's validator in every render)
    stt: KieuStt = Field(default_factory=KieuStt.model_construct, description="Kiểu STT.")
    cot: Columns = Field(
        default_factory=CotTieuDe.model_construct,
        description="Nhãn 5 cột chuẩn (bảng các nhãn) hoặc danh sách cột tự chọn.",
    )
    do_rong_cot: list[Annotated[float, Field(gt=0, le=MAX_COLUMN_WEIGHT)]] | None = Field(
        None,
        description="Độ rộng tương đối 5 cột chuẩn: STT, chỉ tiêu, đơn vị, số liệu, ghi chú "
        "(mặc định [1.3, 7.0, 3.0, 1.9, 2.8]).",
    )
    dong_tieu_de: str | None = Field(
        None, description="Hàng chú thích ngay dưới tiêu đề cột (danh mục một bảng)."
    )
    chi_tieu: list[ChiTieu] = Field(
        default_factory=list, description="Các chỉ tiêu (danh mục một bảng)."
    )
    bang: list[BangChiTieu] = Field(
        default_factory=list, description="Các bảng (danh mục nhiều bảng)."
    )
    bieu_do: list[Id] = Field(
        default_factory=list,
        description="Mã các chỉ tiêu số vẽ trên biểu đồ của `baocao tong-hop` (tối đa 6).",
        max_length=6,
    )

    @model_validator(mode="after")
    def _tables(self) -> DanhMuc:
        if self.chi_tieu and self.bang:
            raise ValueError("dùng chi_tieu (một bảng) hoặc bang (nhiều bảng), không dùng cả hai")
        if not self.chi_tieu and not self.bang:
            raise ValueError("danh mục chưa có chỉ tiêu nào (chi_tieu hoặc bang)")
        _check_widths(self.cot, self.do_rong_cot)
        return self

    @property
    def tables(self) -> list[BangChiTieu]:
        if self.bang:
            return self.bang
        # the one table of a one-table catalog, from fields validated already
        return [
            BangChiTieu.model_construct(
                ten=None, dong_tieu_de=self.dong_tieu_de, chi_tieu=self.chi_tieu
            )
        ]

    def columns(self, table: BangChiTieu) -> list[Cot]:
        """The table's columns, left to right, with their widths."""
        cot = table.cot if table.cot is not None else self.cot
        if isinstance(cot, list):
            return cot
        widths = table.do_rong_cot or self.do_rong_cot or WIDTHS_DEFAULT
        return standard_columns(cot, list(widths))

    def landscape(self, table: BangChiTieu) -> bool:
        return (table.huong or self.huong) == "ngang"

    def numbering(self, table: BangChiTieu) -> KieuStt:
        return table.stt or self.stt

    def walk(self) -> Iterator[tuple[ChiTieu, ChiTieu | None]]:
        """Every indicator with its parent, in print order, across all tables."""
        for node, parent, _path, _table in self.walk_paths():
            yield node, parent

    def walk_paths(self) -> Iterator[tuple[ChiTieu, ChiTieu | None, FieldPath, int]]:
        """Every indicator with its parent, its field path in the file and its table index."""

        def visit(
            nodes: list[ChiTieu], parent: ChiTieu | None, path: FieldPath, table: int
        ) -> Iterator[tuple[ChiTieu, ChiTieu | None, FieldPath, int]]:
            for index, node in enumerate(nodes):
                own = (*path, index)
                yield node, parent, own, table
                yield from visit(node.con, node, (*own, "con"), table)

        if self.bang:
            for index, table in enumerate(self.bang):
                yield from visit(table.chi_tieu, None, ("bang", index, "chi_tieu"), index)
        else:
            yield from visit(self.chi_tieu, None, ("chi_tieu",), 0)


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
        for name, raw in (entry.model_extra or {}).items():
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
