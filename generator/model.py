"""The data file's shape: one report (BÁO CÁO) with its body, references and Phụ lục figures.

pydantic models give typed fields, an error path for every mistake and the JSON Schema
(`baocao schema`). Values are normalised on the way in (a single line becomes a list, a
date typed "16/3/2021" becomes NgayThang), so later layers see one canonical shape.
"""

from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .formatting import KyBaoCao, NgayThang, so

# --------------------------------------------------------------------------- value types


def _date(value: Any) -> NgayThang:
    return NgayThang.of(value)


def _period(value: Any) -> KyBaoCao:
    if isinstance(value, dict):
        loai, nam, quy = value.get("loai"), value.get("nam"), value.get("quy")
        if not isinstance(nam, int) or isinstance(nam, bool) or loai is None:
            raise ValueError("kỳ báo cáo dạng bảng cần 'loai' và 'nam' (số năm, ví dụ 2021)")
        if quy is not None and (not isinstance(quy, int) or isinstance(quy, bool)):
            raise ValueError("'quy' phải là số từ 1 đến 4")
        return KyBaoCao(str(loai), nam, quy)
    return KyBaoCao.of(value)


def _as_list(value: Any) -> Any:
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


# A NgayThang (a KyBaoCao below), made by the validator. The annotated type is Any: named
# here, the dataclass would have pydantic build a schema for it, only to replace it, in every
# run (and import pydantic.dataclasses), ~5 ms of a render.
Ngay = Annotated[
    Any,
    PlainValidator(_date),
    PlainSerializer(lambda d: f"{d.ngay or ''}/{d.thang or ''}/{d.nam}", return_type=str),
    WithJsonSchema(
        {
            "type": ["string", "integer"],
            "description": 'Ngày "16/3/2021" hoặc "2021-03-16"; dự thảo để trống ngày/tháng: '
            '"12/2024", "/12/2024" hoặc chỉ năm 2024.',
            "examples": ["16/3/2021", "2021-03-16", "12/2024"],
        }
    ),
]

Ky = Annotated[
    Any,
    PlainValidator(_period),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": 'Kỳ báo cáo: "quý I năm 2021", "6 tháng đầu năm 2024", '
            '"9 tháng năm 2023" hoặc "năm 2021".',
            "examples": ["quý I năm 2021", "6 tháng đầu năm 2024", "năm 2021"],
        }
    ),
]

Text = Annotated[str, Field(min_length=1)]
CellText = Annotated[str, BeforeValidator(text_or_number)]
Lines = Annotated[list[Text], BeforeValidator(_as_list)]

Scalar = Annotated[
    Any,
    WithJsonSchema({"type": ["number", "string", "null"]}),
]


MAX_COLUMN_WEIGHT = 100  # relative widths; README "Giới hạn"


class Model(BaseModel):
    # defer_build: validators are built on first use, only for the models a command needs
    model_config = ConfigDict(
        extra="forbid", frozen=False, str_strip_whitespace=True, defer_build=True
    )


# --------------------------------------------------------------------------- references


class VanBan(Model):
    """A document the report cites (kế hoạch, quyết định, công văn…), cited by its key."""

    loai: Text = Field(
        description='Loại văn bản viết hoa chữ đầu: "Kế hoạch", "Quyết định", "Công văn"…'
    )
    so_ky_hieu: Text | None = Field(
        None, description='Số và ký hiệu: "11/KH-UBND", "108/2014/NĐ-CP", "04-CTr/TU".'
    )
    ngay: Ngay | None = Field(None, description="Ngày ban hành.")
    co_quan: Text | None = Field(
        None, description='Cơ quan ban hành như viết trong câu: "UBND tỉnh Quảng Trị".'
    )
    trich_yeu: Text | None = Field(
        None, description='Trích yếu, kể cả chữ mở đầu: "về cải cách hành chính năm 2021".'
    )

    @field_validator("so_ky_hieu", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


# --------------------------------------------------------------------------- body


class Bang(Model):
    """A simple body table: a bold header row and rows of text (seed 002's contact table)."""

    tieu_de_cot: list[CellText] = Field(description="Tên các cột (hàng tiêu đề in đậm).")
    dong: list[list[CellText]] = Field(description="Các hàng, mỗi hàng một danh sách ô.")
    do_rong: list[Annotated[float, Field(gt=0, le=MAX_COLUMN_WEIGHT)]] | None = Field(
        None,
        description="Độ rộng tương đối của các cột (mỗi số ≤ 100), ví dụ [1, 5, 3, 4, 3].",
    )

    @model_validator(mode="after")
    def _rows_fit_header(self) -> Bang:
        width = len(self.tieu_de_cot)
        for index, row in enumerate(self.dong, start=1):
            if len(row) != width:
                raise ValueError(f"hàng {index} có {len(row)} ô, bảng có {width} cột")
        if self.do_rong is not None and len(self.do_rong) != width:
            raise ValueError(f"do_rong có {len(self.do_rong)} số, bảng có {width} cột")
        return self


class Khoi(Model):
    """One block of a section: a paragraph (text) or a table."""

    doan: str | None = Field(
        None,
        description='Đoạn văn. Bắt đầu bằng "- " hoặc "+ " là gạch đầu dòng. '
        "Trong đoạn: **đậm**, *nghiêng*, [^khoa] chú thích cuối trang, "
        "{{ so_lieu['1.1.2'] }} số liệu.",
    )
    bang: Bang | None = None

    @model_validator(mode="before")
    @classmethod
    def _text_is_paragraph(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"doan": value}
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"doan": text_or_number(value)}
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Khoi:
        if (self.doan is None) == (self.bang is None):
            raise ValueError("mỗi khối là một đoạn văn (chuỗi) hoặc một bảng (bang:)")
        return self


class Muc(Model):
    """A section of the body; its number (I., 1., 1.1., a)) is generated from its depth."""

    tieu_de: Text = Field(description="Tiêu đề mục, không gõ số thứ tự (số được tự sinh).")
    doan: list[Khoi] = Field(default_factory=list, description="Các đoạn văn và bảng của mục.")
    muc: list[Muc] = Field(default_factory=list, description="Các mục con.")

    @field_validator("doan", mode="before")
    @classmethod
    def _single_paragraph(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


# --------------------------------------------------------------------------- closing block

ThamQuyen = Literal["TM.", "KT.", "Q.", "TL.", "TUQ."]
THAM_QUYEN: tuple[str, ...] = typing.get_args(ThamQuyen)


class ChuKy(Model):
    """Thẩm quyền ký and the signer: "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / … / Đặng Trọng Vân"."""

    tham_quyen: ThamQuyen | None = Field(
        None,
        description="TM. (thay mặt tập thể), KT. (ký thay), Q. (quyền), TL. (thừa lệnh), "
        "TUQ. (thừa ủy quyền); bỏ trống khi người đứng đầu ký.",
    )
    thay_cho: Text | None = Field(
        None,
        description="Tập thể (sau TM.) hoặc người đứng đầu (sau KT./TL./TUQ.): "
        '"Ủy ban nhân dân", "Chủ tịch".',
    )
    chuc_vu: Text = Field(description='Chức vụ người ký: "Chủ tịch", "Phó Chủ tịch".')
    nguoi_ky: Text = Field(description="Họ và tên người ký.")

    @field_validator("tham_quyen", mode="before")
    @classmethod
    def _with_dot(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
            if value and not value.endswith("."):
                value += "."
            return value or None
        return value

    @model_validator(mode="after")
    def _principal_named(self) -> ChuKy:
        if self.tham_quyen in ("TM.", "KT.", "TL.", "TUQ.") and not self.thay_cho:
            raise ValueError(f"{self.tham_quyen} cần ghi rõ thay_cho (thay mặt/ký thay cho ai)")
        return self

    def lines(self) -> list[str]:
        """The upper-case lines above the signature space."""
        if self.tham_quyen == "Q.":
            return [f"Q. {self.chuc_vu}".upper()]
        if self.tham_quyen:
            return [f"{self.tham_quyen} {self.thay_cho}".upper(), self.chuc_vu.upper()]
        return [self.chuc_vu.upper()]


# --------------------------------------------------------------------------- Phụ lục figures


class GiaTri(Model):
    """One indicator's entry: the figure, or a text answer, plus notes; the values of a
    table's other figure columns go under those columns' ma ("thuc_hien: 8"), checked
    against the catalog."""

    model_config = ConfigDict(
        extra="allow",
        str_strip_whitespace=True,
        json_schema_extra={
            "additionalProperties": {
                "type": ["number", "string", "null"],
                "description": "Số liệu của cột số liệu khác theo ma của cột trong danh mục.",
            }
        },
    )

    gia_tri: Scalar = Field(None, description="Số liệu (số, mã lựa chọn, khóa văn bản).")
    noi_dung: str | None = Field(
        None, description='Trả lời bằng chữ thay cho số liệu: "Đang thực hiện theo hướng dẫn".'
    )
    dien_giai: str | None = Field(
        None,
        description='Diễn giải in ngay sau số liệu trong cùng ô (Word và Excel): "(Bài Quý I …)".',
    )
    ghi_chu: str | None = Field(None, description="Nội dung cột Ghi chú.")
    stt: CellText | None = Field(
        None, description="STT như trên bản gốc khi chép lại; được đối chiếu với STT tự sinh."
    )

    @model_validator(mode="before")
    @classmethod
    def _scalar_is_value(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        return {"gia_tri": value}

    @field_validator("gia_tri")
    @classmethod
    def _scalar_only(cls, value: Any) -> Any:
        if isinstance(value, list | dict):
            raise ValueError("số liệu phải là một số hoặc một chuỗi, không phải danh sách")
        return value


class PhuLuc(Model):
    """The statistics appendix: which catalog (biểu mẫu) and the figures by indicator id."""

    danh_muc: Text = Field(
        description="Mã danh mục chỉ tiêu có sẵn (xem `baocao danh-muc`) hoặc đường dẫn tệp YAML."
    )
    so_lieu: dict[str, GiaTri] = Field(
        default_factory=dict,
        description="Số liệu theo mã chỉ tiêu: '1.1.1': 55. Để null khi không báo cáo.",
    )
    kem_theo: bool | None = Field(
        None,
        description='false: không in dòng "(Kèm theo …)" dù danh mục có; mặc định theo danh mục.',
    )


def _appendix_shape(value: Any) -> str:
    return "nhieu_phu_luc" if isinstance(value, list) else "mot_phu_luc"


# One appendix (a table of fields) or several (a list): "Phụ lục I", "Phụ lục II"…
PhuLucs = Annotated[
    Annotated[PhuLuc, Tag("mot_phu_luc")] | Annotated[list[PhuLuc], Tag("nhieu_phu_luc")],
    Discriminator(_appendix_shape),
]


# --------------------------------------------------------------------------- the report

DEFAULT_NUMBERING = ["la_ma", "so", "thap_phan", "thap_phan", "chu"]


class BaoCao(Model):
    """A BÁO CÁO: header block, title, body tree, closing block and optional Phụ lục."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        defer_build=True,
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
        title="Tệp số liệu báo cáo (baocao)",
    )

    co_quan_chu_quan: str | None = Field(
        None, description='Cơ quan chủ quản (dòng trên), ví dụ "UBND TỈNH QUẢNG TRỊ".'
    )
    co_quan_ban_hanh: Lines = Field(
        description='Cơ quan ban hành, một hoặc hai dòng: ["Ủy ban nhân dân", "Huyện Hướng Hóa"].'
    )
    ten_co_quan: Text = Field(
        description='Tên cơ quan như viết trong câu văn: "UBND huyện Hướng Hóa".'
    )
    so: int | None = Field(None, ge=1, description="Số văn bản; bỏ trống khi là dự thảo.")
    ky_hieu: Text = Field("BC-UBND", description='Ký hiệu: "BC-UBND".')
    dia_danh: Text = Field(description='Địa danh ở dòng ngày tháng: "Hướng Hóa".')
    ngay: Ngay = Field(description="Ngày ban hành; dự thảo có thể để trống ngày, tháng.")
    du_thao: bool = Field(False, description="Dự thảo: để trống số và các phần ngày chưa có.")
    trich_yeu: Text = Field(description="Trích yếu nội dung (dòng dưới chữ BÁO CÁO).")
    ky_bao_cao: Ky
    ky_truoc: Text | None = Field(
        None,
        description="Tệp số liệu của kỳ để so sánh (đường dẫn tính từ tệp này), ví dụ "
        "bao_cao_quy1_2020.yaml; trong đoạn văn: {{ so_sanh('1.1.2') }} → \"tăng 12 văn bản "
        '(15,0%) so với cùng kỳ năm 2020".',
    )
    can_cu: Annotated[list[Text], BeforeValidator(_as_list)] = Field(
        default_factory=list,
        description="Khóa các văn bản làm căn cứ của đoạn mở đầu (trong van_ban).",
    )
    loi_dan: str | None = Field(
        None, description='Câu dẫn của đoạn mở đầu; mặc định: "<ten_co_quan> báo cáo … như sau:".'
    )
    can_cu_rieng_doan: bool = Field(
        False, description="Đặt căn cứ thành đoạn riêng, câu dẫn thành đoạn sau (như mẫu thị xã)."
    )
    noi_dung: list[Muc] = Field(description="Các phần của báo cáo (I., II., …) theo thứ tự.")
    kieu_danh_so: list[Literal["la_ma", "so", "thap_phan", "chu"]] = Field(
        default_factory=lambda: list(DEFAULT_NUMBERING),
        min_length=1,
        description="Kiểu số mỗi cấp: la_ma (I.), so (1.), thap_phan (1.1.), chu (a)).",
    )
    ket_luan: str | None = Field(
        None, description='Đoạn kết "Trên đây là báo cáo …./."; mặc định sinh từ trích yếu.'
    )
    noi_nhan: Lines = Field(description="Nơi nhận, mỗi dòng một nơi (không cần '- ' và ';').")
    luu: Text = Field("VT", description='Dòng lưu: "VT, CCHC" thành "- Lưu: VT, CCHC.".')
    chu_ky: ChuKy
    van_ban: dict[str, VanBan] = Field(
        default_factory=dict, description="Văn bản được trích dẫn, theo khóa tự đặt."
    )
    phu_luc: PhuLucs | None = Field(
        None,
        description="Phụ lục: một bảng (danh_muc, so_lieu) hoặc danh sách nhiều phụ lục, "
        "đánh số Phụ lục I, II….",
    )

    @field_validator("co_quan_ban_hanh")
    @classmethod
    def _one_or_two_lines(cls, value: list[str]) -> list[str]:
        if not 1 <= len(value) <= 2:
            raise ValueError("cơ quan ban hành ghi một hoặc hai dòng")
        return value

    @field_validator("ky_hieu")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if "/" in value:
            raise ValueError('ký hiệu không gồm số và dấu "/": ghi "BC-UBND", số ghi ở trường so')
        if not re.fullmatch(r"[A-ZĐa-zđ]+(-[A-ZĐa-zđ0-9]+)+", value):
            raise ValueError(f'ký hiệu "{value}" không đúng dạng LOẠI-CƠQUAN, ví dụ "BC-UBND"')
        return value

    @model_validator(mode="after")
    def _some_appendix(self) -> BaoCao:
        if isinstance(self.phu_luc, list) and not self.phu_luc:
            raise ValueError("phu_luc là danh sách rỗng; bỏ trường này nếu không có phụ lục")
        return self

    @property
    def appendices(self) -> list[tuple[PhuLuc, tuple[str | int, ...]]]:
        """Each appendix with its field path ("phu_luc" or "phu_luc", 1)."""
        if self.phu_luc is None:
            return []
        if isinstance(self.phu_luc, list):
            return [(item, ("phu_luc", index)) for index, item in enumerate(self.phu_luc)]
        return [(self.phu_luc, ("phu_luc",))]
