"""The shape of a catalog file (danh mục chỉ tiêu), as pydantic models.

They give the JSON Schema of catalog files (`baocao schema --danh-muc`), the Vietnamese error
paths of a catalog's mistakes and, through tools in plan_build.py, the plan by which
fast_validate makes a catalog's records (shapes.py) without pydantic. The validator functions
and the records' methods are in shapes.py, shared by both.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from . import shapes
from .model import ColumnWeight, Model

Id = Annotated[str, BeforeValidator(shapes.id_text), Field(min_length=1)]


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

    _text_is_expression = model_validator(mode="before")(shapes.text_is_expression)


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

    _single_check = field_validator("kiem_tra", mode="before")(shapes.single_check)
    _stt_text = field_validator("stt", mode="before")(shapes.id_text)
    _one_stt = model_validator(mode="after")(shapes.one_stt)


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
    do_rong: ColumnWeight | None = Field(
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

    _figure_only = model_validator(mode="after")(shapes.figure_only)


class KieuStt(Model):
    """How the STT column is numbered."""

    model_config = ConfigDict(
        json_schema_extra={"description": "Cách đánh STT: kiểu mỗi cấp, dấu chấm cuối, số bắt đầu."}
    )

    cap: list[Literal["thap_phan", "la_ma", "so", "chu", "trong"]] = Field(
        default_factory=shapes.default_stt_levels,
        description="Kiểu STT mỗi cấp: thap_phan (1.1.), la_ma (I), so (1), chu (a)), trong "
        "(để trống); cấp sâu hơn dùng kiểu cuối.",
    )
    cham_cuoi: bool = Field(True, description='Thêm dấu chấm cuối: "1.1." thay vì "1.1".')
    bat_dau: Annotated[int, Field(ge=1)] | Literal["tiep"] = Field(
        1,
        description='Số của hàng cấp 1 đầu tiên; "tiep": đánh tiếp theo bảng trước.',
    )


Columns = CotTieuDe | list[Cot]


class _ColumnLayout(Model):
    """The checks of ``cot`` and ``do_rong_cot``, which a catalog and each of its tables
    declare (with their own descriptions and defaults)."""

    _columns = field_validator("cot", check_fields=False)(shapes.column_list)
    _five = field_validator("do_rong_cot", check_fields=False)(shapes.five_widths)


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
    do_rong_cot: list[ColumnWeight] | None = Field(
        None, description="Độ rộng 5 cột chuẩn của bảng; mặc định: do_rong_cot của danh mục."
    )
    huong: Literal["doc", "ngang"] | None = Field(
        None, description="Khổ giấy của bảng; mặc định: huong của danh mục."
    )
    stt: KieuStt | None = Field(None, description="Kiểu STT của bảng; mặc định: stt của danh mục.")
    chi_tieu: list[ChiTieu] = Field(description="Các chỉ tiêu của bảng (cây, theo thứ tự in).")

    _widths = model_validator(mode="after")(shapes.table_widths)


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
    # defaults are records, as the plan makes them (pydantic's objects become records too)
    stt: KieuStt = Field(default_factory=shapes.default_stt, description="Kiểu STT.")
    cot: Columns = Field(
        default_factory=shapes.default_columns,
        description="Nhãn 5 cột chuẩn (bảng các nhãn) hoặc danh sách cột tự chọn.",
    )
    do_rong_cot: list[ColumnWeight] | None = Field(
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

    _tables = model_validator(mode="after")(shapes.tables_given)
