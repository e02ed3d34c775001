"""What a validated data file or catalog becomes: plain records, with the models' methods.

The pydantic models (model.py, catalog_model.py) declare the files' shape: typed fields,
Vietnamese error paths, the JSON Schema. Rendering does not need them: importing pydantic and
building the model classes cost about a third of a one-off render. So the objects every later
layer sees are the records below, made from a file by fast_validate along a plan generated from
the models (model_plan.py), and made from pydantic's own objects when pydantic had to decide
(a mistake to report, a value to convert). This module holds everything both sides run: the
records' methods, the validator functions the models declare and the constants they share,
so nothing is written twice. It imports no pydantic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .formatting import KyBaoCao, NgayThang, so

FieldPath = tuple[str | int, ...]

MAX_COLUMN_WEIGHT = 100  # relative widths; README "Giới hạn"
DEFAULT_NUMBERING = ["la_ma", "so", "thap_phan", "thap_phan", "chu"]
THAM_QUYEN = ("TM.", "KT.", "Q.", "TL.", "TUQ.")

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
COLUMN_LABELS = {
    "stt": "STT",
    "chi_tieu": "Chỉ tiêu thống kê",
    "dvt": "Đơn vị tính",
    "so_lieu": "Số liệu",
    "ghi_chu": "Ghi chú",
}
COLUMN_WIDTHS = {"stt": 1.3, "chi_tieu": 7.0, "dvt": 3.0, "so_lieu": 1.9, "ghi_chu": 2.8}
WIDTHS_DEFAULT = [1.3, 7.0, 3.0, 1.9, 2.8]
# Names a data entry uses for itself; a figure column cannot take them as its ma.
ENTRY_FIELDS = ("gia_tri", "noi_dung", "dien_giai", "ghi_chu", "stt")


class Record:
    """A validated object: its fields as plain attributes, in the model's order. ``extra``: the
    fields a model allows beyond its own (GiaTri's other figure columns), else None."""

    extra: dict[str, Any] | None = None

    def __init__(self, **values: Any) -> None:
        """A record made in code: the model's defaults for the fields not given."""
        from .model_plan import FACTORY, MODELS, REQUIRED  # the plan imports this module

        name = type(self).__name__
        for field, default, factory, *_ in MODELS[name][5]:
            if field in values:
                value = values.pop(field)
            elif default is FACTORY:
                value = factory()
            elif default is REQUIRED:
                raise TypeError(f"{name} needs {field}")
            else:
                value = default
            setattr(self, field, value)
        if values:
            raise TypeError(f"{name} has no field {sorted(values)[0]!r}")

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__, **changes)
        return copy

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"{type(self).__name__}({fields})"


# --------------------------------------------------------------------------- value types


def as_date(value: Any) -> NgayThang:
    return NgayThang.of(value)


def as_period(value: Any) -> KyBaoCao:
    if isinstance(value, dict):
        loai, nam, quy = value.get("loai"), value.get("nam"), value.get("quy")
        if not isinstance(nam, int) or isinstance(nam, bool) or loai is None:
            raise ValueError("kỳ báo cáo dạng bảng cần 'loai' và 'nam' (số năm, ví dụ 2021)")
        if quy is not None and (not isinstance(quy, int) or isinstance(quy, bool)):
            raise ValueError("'quy' phải là số từ 1 đến 4")
        return KyBaoCao(str(loai), nam, quy)
    return KyBaoCao.of(value)


def as_list(value: Any) -> Any:
    return [value] if isinstance(value, str | dict) else value


def text_or_number(value: Any) -> Any:
    """Table cells and names may be typed as numbers in YAML; keep them as text."""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return so(value)
    return value


def id_text(value: Any) -> Any:
    """An id typed unquoted as 1.2 (a YAML float) is "1.2"; 1 is "1"."""
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int | float) else value


def appendix_shape(value: Any) -> str:
    """One appendix (a table of fields) or several (a list)."""
    return "nhieu_phu_luc" if isinstance(value, list) else "mot_phu_luc"


def default_numbering() -> list[str]:
    return list(DEFAULT_NUMBERING)


def default_stt_levels() -> list[str]:
    return ["thap_phan"]


def plain_text(text: str) -> str:
    """``"**Trong đó**: nữ"`` → ``"Trong đó: nữ"``."""
    from .prose import Run, parse_inline

    if "*" not in text:
        return text
    return "".join(item.text for item in parse_inline(text) if isinstance(item, Run))


# --------------------------------------------------------------------------- the report


class VanBan(Record):
    """A document the report cites (kế hoạch, quyết định, công văn…), cited by its key."""


def code_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) else value


class Bang(Record):
    """A simple body table: a bold header row and rows of text."""


def rows_fit_header(table: Any) -> Any:
    width = len(table.tieu_de_cot)
    for index, row in enumerate(table.dong, start=1):
        if len(row) != width:
            raise ValueError(f"hàng {index} có {len(row)} ô, bảng có {width} cột")
    if table.do_rong is not None and len(table.do_rong) != width:
        raise ValueError(f"do_rong có {len(table.do_rong)} số, bảng có {width} cột")
    return table


class Khoi(Record):
    """One block of a section: a paragraph (text) or a table."""


def text_is_paragraph(value: Any) -> Any:
    if isinstance(value, str):
        return {"doan": value}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"doan": text_or_number(value)}
    return value


def one_kind(block: Any) -> Any:
    if (block.doan is None) == (block.bang is None):
        raise ValueError("mỗi khối là một đoạn văn (chuỗi) hoặc một bảng (bang:)")
    return block


class Muc(Record):
    """A section of the body; its number (I., 1., 1.1., a)) is generated from its depth."""


def single_paragraph(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class ChuKy(Record):
    """Thẩm quyền ký and the signer: "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / … / Đặng Trọng Vân"."""

    def lines(self) -> list[str]:
        """The upper-case lines above the signature space."""
        if self.tham_quyen == "Q.":
            return [f"Q. {self.chuc_vu}".upper()]
        if self.tham_quyen:
            return [f"{self.tham_quyen} {self.thay_cho}".upper(), self.chuc_vu.upper()]
        return [self.chuc_vu.upper()]


def with_dot(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().upper()
        if value and not value.endswith("."):
            value += "."
        return value or None
    return value


def principal_named(signature: Any) -> Any:
    if signature.tham_quyen in ("TM.", "KT.", "TL.", "TUQ.") and not signature.thay_cho:
        raise ValueError(f"{signature.tham_quyen} cần ghi rõ thay_cho (thay mặt/ký thay cho ai)")
    return signature


class GiaTri(Record):
    """One indicator's entry; the values of a table's other figure columns are in ``extra``
    under those columns' ma."""


def scalar_is_value(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    return {"gia_tri": value}


def scalar_only(value: Any) -> Any:
    if isinstance(value, list | dict):
        raise ValueError("số liệu phải là một số hoặc một chuỗi, không phải danh sách")
    return value


class PhuLuc(Record):
    """The statistics appendix: which catalog (biểu mẫu) and the figures by indicator id."""


class BaoCao(Record):
    """A BÁO CÁO: header block, title, body tree, closing block and optional Phụ lục."""

    @property
    def appendices(self) -> list[tuple[PhuLuc, FieldPath]]:
        """Each appendix with its field path ("phu_luc" or "phu_luc", 1)."""
        if self.phu_luc is None:
            return []
        if isinstance(self.phu_luc, list):
            return [(item, ("phu_luc", index)) for index, item in enumerate(self.phu_luc)]
        return [(self.phu_luc, ("phu_luc",))]


def one_or_two_lines(value: list[str]) -> list[str]:
    if not 1 <= len(value) <= 2:
        raise ValueError("cơ quan ban hành ghi một hoặc hai dòng")
    return value


def code_shape(value: str) -> str:
    if "/" in value:
        raise ValueError('ký hiệu không gồm số và dấu "/": ghi "BC-UBND", số ghi ở trường so')
    if not re.fullmatch(r"[A-ZĐa-zđ]+(-[A-ZĐa-zđ0-9]+)+", value):
        raise ValueError(f'ký hiệu "{value}" không đúng dạng LOẠI-CƠQUAN, ví dụ "BC-UBND"')
    return value


def some_appendix(report: Any) -> Any:
    if isinstance(report.phu_luc, list) and not report.phu_luc:
        raise ValueError("phu_luc là danh sách rỗng; bỏ trường này nếu không có phụ lục")
    return report


# --------------------------------------------------------------------------- catalogs


class KiemTra(Record):
    """A check on an indicator: ``<= [1.1.1]``; failures are warnings unless muc_do: loi."""


def text_is_expression(value: Any) -> Any:
    return {"bieu_thuc": value} if isinstance(value, str) else value


class ChiTieu(Record):
    """One row of the form: a group heading or an indicator."""

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


def single_check(value: Any) -> Any:
    return [value] if isinstance(value, str | dict) else value


def one_stt(node: Any) -> Any:
    if node.stt is not None and (node.nhan_stt is not None or not node.danh_so):
        raise ValueError("stt (STT ghi sẵn) không dùng cùng nhan_stt hay danh_so: false")
    return node


class CotTieuDe(Record):
    """Column labels of the standard two-row header (the short form of ``cot``)."""


class Cot(Record):
    """One column of a table, in the long form of ``cot`` (a list, left to right)."""

    @property
    def label(self) -> str:
        return column_label(self)

    @property
    def weight(self) -> float:
        return self.do_rong or COLUMN_WIDTHS[self.loai]


def column_label(column: Any) -> str:
    """A column's heading (a pydantic Cot being validated has no ``label``)."""
    return COLUMN_LABELS[column.loai] if column.nhan is None else column.nhan


def figure_only(column: Any) -> Any:
    if column.loai != "so_lieu" and (column.ma is not None or column.kieu is not None):
        raise ValueError("ma và kieu chỉ dùng cho cột so_lieu")
    if column.ma in ENTRY_FIELDS:
        raise ValueError(f"ma '{column.ma}' trùng tên trường của số liệu; chọn tên khác")
    return column


def column_list(value: Any) -> Any:
    """One chi_tieu column, at most one stt/dvt/ghi_chu, one or more so_lieu with their ma."""
    if not isinstance(value, list):
        return value
    kinds = [c.loai for c in value]
    if kinds.count("chi_tieu") != 1:
        raise ValueError("danh sách cột cần đúng một cột chi_tieu")
    if "so_lieu" not in kinds:
        raise ValueError("danh sách cột cần ít nhất một cột so_lieu")
    for kind in ("stt", "dvt", "ghi_chu"):
        if kinds.count(kind) > 1:
            raise ValueError(f"cột {kind} chỉ được có một")
    figures = [c for c in value if c.loai == "so_lieu"]
    names: list[str] = []
    for index, column in enumerate(figures):
        if column.ma is None and index:
            raise ValueError(
                f"cột số liệu thứ {index + 1} ({column_label(column)}) cần ma để tệp số liệu "
                "ghi giá trị cho nó"
            )
        if column.ma in names:
            raise ValueError(f"hai cột số liệu cùng ma '{column.ma}'")
        if column.ma:
            names.append(column.ma)
    return value


def five_widths(value: list[float] | None) -> list[float] | None:
    if value is not None and len(value) != 5:
        raise ValueError("do_rong_cot cần đúng 5 số (STT, chỉ tiêu, đơn vị, số liệu, ghi chú)")
    return value


def _check_widths(cot: Any, widths: list[float] | None) -> None:
    if isinstance(cot, list) and widths is not None:
        raise ValueError(
            "với cot là danh sách cột, ghi do_rong trong từng cột, không dùng do_rong_cot"
        )


def standard_columns(labels: CotTieuDe, widths: list[float]) -> list[Cot]:
    """STT | Chỉ tiêu | Kết quả thống kê (Đơn vị tính, Số liệu) | Ghi chú."""
    return [
        Cot(loai="stt", nhan=labels.stt, do_rong=widths[0]),
        Cot(loai="chi_tieu", nhan=labels.chi_tieu, do_rong=widths[1]),
        Cot(loai="dvt", nhan=labels.don_vi, nhom=labels.ket_qua, do_rong=widths[2]),
        Cot(loai="so_lieu", nhan=labels.so_lieu, nhom=labels.ket_qua, do_rong=widths[3]),
        Cot(loai="ghi_chu", nhan=labels.ghi_chu, do_rong=widths[4]),
    ]


class KieuStt(Record):
    """How the STT column is numbered."""


class BangChiTieu(Record):
    """One table of the appendix (a catalog may hold several: "Biểu mẫu 1 … 7")."""


def table_widths(table: Any) -> Any:
    _check_widths(table.cot, table.do_rong_cot)
    return table


class DanhMuc(Record):
    """A whole catalog file."""

    @property
    def tables(self) -> list[BangChiTieu]:
        if self.bang:
            return self.bang
        # the one table of a one-table catalog
        return [BangChiTieu(dong_tieu_de=self.dong_tieu_de, chi_tieu=self.chi_tieu)]

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


def tables_given(catalog: Any) -> Any:
    if catalog.chi_tieu and catalog.bang:
        raise ValueError("dùng chi_tieu (một bảng) hoặc bang (nhiều bảng), không dùng cả hai")
    if not catalog.chi_tieu and not catalog.bang:
        raise ValueError("danh mục chưa có chỉ tiêu nào (chi_tieu hoặc bang)")
    _check_widths(catalog.cot, catalog.do_rong_cot)
    return catalog


def default_stt() -> KieuStt:
    return KieuStt()


def default_columns() -> CotTieuDe:
    return CotTieuDe()


RECORDS = {
    record.__name__: record
    for record in (
        VanBan,
        Bang,
        Khoi,
        Muc,
        ChuKy,
        GiaTri,
        PhuLuc,
        BaoCao,
        KiemTra,
        ChiTieu,
        CotTieuDe,
        Cot,
        KieuStt,
        BangChiTieu,
        DanhMuc,
    )
}
