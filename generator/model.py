"""The data file's shape: one report (BÁO CÁO) with its body, references and Phụ lục figures.

pydantic models give typed fields, an error path for every mistake and the JSON Schema
(`baocao schema`). Values are normalised on the way in (a single line becomes a list, a
date typed "16/3/2021" becomes NgayThang), so later layers see one canonical shape.
"""

from __future__ import annotations

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

from . import shapes
from .shapes import MAX_COLUMN_WEIGHT, THAM_QUYEN, text_or_number

# A NgayThang (a KyBaoCao below), made by the validator. The annotated type is Any: named
# here, the dataclass would have pydantic build a schema for it, only to replace it, in every
# run (and import pydantic.dataclasses), ~5 ms of a render.
Ngay = Annotated[
    Any,
    PlainValidator(shapes.as_date),
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
    PlainValidator(shapes.as_period),
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
ColumnWeight = Annotated[float, Field(gt=0, le=MAX_COLUMN_WEIGHT)]  # a relative column width
CellText = Annotated[str, BeforeValidator(text_or_number)]
Lines = Annotated[list[Text], BeforeValidator(shapes.as_list)]

Scalar = Annotated[
    Any,
    WithJsonSchema({"type": ["number", "string", "null"]}),
]


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

    _code_as_text = field_validator("so_ky_hieu", mode="before")(shapes.code_as_text)


# --------------------------------------------------------------------------- body


class Bang(Model):
    """A simple body table: a bold header row and rows of text (seed 002's contact table)."""

    tieu_de_cot: list[CellText] = Field(description="Tên các cột (hàng tiêu đề in đậm).")
    dong: list[list[CellText]] = Field(description="Các hàng, mỗi hàng một danh sách ô.")
    do_rong: list[ColumnWeight] | None = Field(
        None,
        description="Độ rộng tương đối của các cột (mỗi số ≤ 100), ví dụ [1, 5, 3, 4, 3].",
    )

    _rows_fit_header = model_validator(mode="after")(shapes.rows_fit_header)


class Khoi(Model):
    """One block of a section: a paragraph (text) or a table."""

    doan: str | None = Field(
        None,
        description='Đoạn văn. Bắt đầu bằng "- " hoặc "+ " là gạch đầu dòng. '
        "Trong đoạn: **đậm**, *nghiêng*, [^khoa] chú thích cuối trang, "
        "{{ so_lieu['1.1.2'] }} số liệu.",
    )
    bang: Bang | None = None

    _text_is_paragraph = model_validator(mode="before")(shapes.text_is_paragraph)
    _one_kind = model_validator(mode="after")(shapes.one_kind)


class Muc(Model):
    """A section of the body; its number (I., 1., 1.1., a)) is generated from its depth."""

    tieu_de: Text = Field(description="Tiêu đề mục, không gõ số thứ tự (số được tự sinh).")
    doan: list[Khoi] = Field(default_factory=list, description="Các đoạn văn và bảng của mục.")
    muc: list[Muc] = Field(default_factory=list, description="Các mục con.")

    _single_paragraph = field_validator("doan", mode="before")(shapes.single_paragraph)


# --------------------------------------------------------------------------- closing block

ThamQuyen = Literal[THAM_QUYEN]


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

    _with_dot = field_validator("tham_quyen", mode="before")(shapes.with_dot)
    _principal_named = model_validator(mode="after")(shapes.principal_named)


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

    _scalar_is_value = model_validator(mode="before")(shapes.scalar_is_value)
    _scalar_only = field_validator("gia_tri")(shapes.scalar_only)


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


# One appendix (a table of fields) or several (a list): "Phụ lục I", "Phụ lục II"…
PhuLucs = Annotated[
    Annotated[PhuLuc, Tag("mot_phu_luc")] | Annotated[list[PhuLuc], Tag("nhieu_phu_luc")],
    Discriminator(shapes.appendix_shape),
]


# --------------------------------------------------------------------------- the report


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
    can_cu: Annotated[list[Text], BeforeValidator(shapes.as_list)] = Field(
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
        default_factory=shapes.default_numbering,
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

    _one_or_two_lines = field_validator("co_quan_ban_hanh")(shapes.one_or_two_lines)
    _code_shape = field_validator("ky_hieu")(shapes.code_shape)
    _some_appendix = model_validator(mode="after")(shapes.some_appendix)
