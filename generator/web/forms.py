"""The page forms. Checks of the report itself are the library's (run on every save); these
only shape what the browser sends."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from . import library

THAM_QUYEN = [
    ("", "(người đứng đầu ký)"),
    ("TM.", "TM."),
    ("KT.", "KT."),
    ("Q.", "Q."),
    ("TL.", "TL."),
    ("TUQ.", "TUQ."),
]


class UploadForm(forms.Form):
    tep = forms.FileField(
        label="Tệp số liệu (.yaml, .json) hoặc sổ nhập Excel (.xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.yaml,.yml,.json"}),
    )


class StartForm(forms.Form):
    danh_muc = forms.ChoiceField(label="Biểu mẫu (danh mục chỉ tiêu)", required=False)
    ky_bao_cao = forms.CharField(
        label="Kỳ báo cáo",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "quý I năm 2025"}),
    )
    tep = forms.FileField(
        label="…hoặc tải lên tệp số liệu / sổ nhập của kỳ trước",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.yaml,.yml,.json"}),
    )

    def __init__(self, *args, fixed_period=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["danh_muc"].choices = library.catalogs()
        if fixed_period is not None:
            self.fields["danh_muc"].initial = fixed_period.danh_muc
            self.fields["ky_bao_cao"].initial = fixed_period.ky_bao_cao
            self.fields["danh_muc"].disabled = True
            self.fields["ky_bao_cao"].disabled = True

    def clean(self):
        data = super().clean()
        if not data.get("tep") and not (data.get("danh_muc") and data.get("ky_bao_cao")):
            raise forms.ValidationError(
                "Chọn biểu mẫu và ghi kỳ báo cáo, hoặc tải lên tệp của kỳ trước."
            )
        return data


class HeaderForm(forms.Form):
    co_quan_chu_quan = forms.CharField(label="Cơ quan chủ quản (dòng trên)", required=False)
    co_quan_1 = forms.CharField(label="Cơ quan ban hành, dòng 1")
    co_quan_2 = forms.CharField(label="Cơ quan ban hành, dòng 2", required=False)
    ten_co_quan = forms.CharField(label="Tên cơ quan trong câu văn")
    so = forms.IntegerField(label="Số", required=False, min_value=1)
    ky_hieu = forms.CharField(label="Ký hiệu", initial="BC-UBND")
    du_thao = forms.BooleanField(label="Dự thảo", required=False)
    dia_danh = forms.CharField(label="Địa danh")
    ngay = forms.CharField(label="Ngày (16/3/2025)")
    ky_bao_cao = forms.CharField(label="Kỳ báo cáo")
    trich_yeu = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 2}))
    loi_dan = forms.CharField(
        label="Câu dẫn đoạn mở đầu (để trống: tự sinh)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    ket_luan = forms.CharField(
        label="Đoạn kết (để trống: tự sinh)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    noi_nhan = forms.CharField(
        label="Nơi nhận (mỗi dòng một nơi)", widget=forms.Textarea(attrs={"rows": 4})
    )
    luu = forms.CharField(label="Lưu", initial="VT")
    tham_quyen = forms.ChoiceField(label="Thẩm quyền ký", choices=THAM_QUYEN, required=False)
    thay_cho = forms.CharField(label="Thay mặt / thay cho", required=False)
    chuc_vu = forms.CharField(label="Chức vụ người ký")
    nguoi_ky = forms.CharField(label="Người ký")

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        lines = data.get("co_quan_ban_hanh") or []
        if isinstance(lines, str):
            lines = [lines]
        chu_ky = data.get("chu_ky") if isinstance(data.get("chu_ky"), dict) else {}
        noi_nhan = data.get("noi_nhan") or []
        if isinstance(noi_nhan, str):
            noi_nhan = [noi_nhan]
        text = lambda v: "" if v is None else str(v)  # noqa: E731
        return {
            "co_quan_chu_quan": text(data.get("co_quan_chu_quan")),
            "co_quan_1": text(lines[0] if lines else ""),
            "co_quan_2": text(lines[1] if len(lines) > 1 else ""),
            "ten_co_quan": text(data.get("ten_co_quan")),
            "so": data.get("so"),
            "ky_hieu": text(data.get("ky_hieu") or "BC-UBND"),
            "du_thao": bool(data.get("du_thao")),
            "dia_danh": text(data.get("dia_danh")),
            "ngay": text(data.get("ngay")),
            "ky_bao_cao": text(data.get("ky_bao_cao")),
            "trich_yeu": text(data.get("trich_yeu")),
            "loi_dan": text(data.get("loi_dan")),
            "ket_luan": text(data.get("ket_luan")),
            "noi_nhan": "\n".join(text(x) for x in noi_nhan),
            "luu": text(data.get("luu") or "VT"),
            "tham_quyen": text(chu_ky.get("tham_quyen")),
            "thay_cho": text(chu_ky.get("thay_cho")),
            "chuc_vu": text(chu_ky.get("chuc_vu")),
            "nguoi_ky": text(chu_ky.get("nguoi_ky")),
        }

    def apply(self, data: dict) -> dict:
        """The data file's fields, updated from the form (other fields untouched)."""
        c = self.cleaned_data

        def put(key, value):
            if value in ("", None):
                data.pop(key, None)
            else:
                data[key] = value

        put("co_quan_chu_quan", c["co_quan_chu_quan"])
        data["co_quan_ban_hanh"] = [x for x in (c["co_quan_1"], c["co_quan_2"]) if x]
        data["ten_co_quan"] = c["ten_co_quan"]
        data["so"] = c["so"]
        data["ky_hieu"] = c["ky_hieu"]
        data["du_thao"] = c["du_thao"]
        data["dia_danh"] = c["dia_danh"]
        data["ngay"] = c["ngay"]
        data["ky_bao_cao"] = c["ky_bao_cao"]
        data["trich_yeu"] = c["trich_yeu"]
        put("loi_dan", c["loi_dan"])
        put("ket_luan", c["ket_luan"])
        data["noi_nhan"] = [x.strip() for x in c["noi_nhan"].splitlines() if x.strip()]
        data["luu"] = c["luu"]
        chu_ky = {"chuc_vu": c["chuc_vu"], "nguoi_ky": c["nguoi_ky"]}
        if c["tham_quyen"]:
            chu_ky = {"tham_quyen": c["tham_quyen"], "thay_cho": c["thay_cho"] or None, **chu_ky}
        data["chu_ky"] = chu_ky
        return data


class PeriodForm(forms.Form):
    danh_muc = forms.ChoiceField(label="Biểu mẫu (danh mục chỉ tiêu)")
    ky_bao_cao = forms.CharField(
        label="Kỳ báo cáo",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "quý I năm 2025"}),
    )
    han_nop = forms.DateTimeField(
        label="Hạn nộp",
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["danh_muc"].choices = library.catalogs()


class UnitsCsvForm(forms.Form):
    tep = forms.FileField(label="Tệp CSV (ma,ten,loai,ma_cap_tren)")


class LocalUnitForm(forms.Form):
    """On one's own computer: the unit's name and level, used to prefill new reports."""

    ten = forms.CharField(
        label="Tên đơn vị",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Xã Hoàng Cát"}),
    )
    loai = forms.ChoiceField(label="Cấp", choices=[])

    def __init__(self, *args, **kwargs):
        from .models import Unit

        super().__init__(*args, **kwargs)
        self.fields["loai"].choices = Unit.KINDS


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "inactive": "Tài khoản đã bị khóa.",
    }
