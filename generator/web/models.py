"""What the web application stores: units, accounts' units, reporting periods, reports and
every version of each report (the uploaded or edited bytes, their hash, who and when)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone


class Unit(models.Model):
    """An administrative unit (tỉnh, huyện, xã) or an agency (Sở, phòng, ban) in a tree."""

    KINDS = [
        ("tinh", "Tỉnh"),
        ("huyen", "Huyện"),
        ("xa", "Xã"),
        ("so", "Sở"),
        ("phong", "Phòng"),
        ("ban", "Ban"),
        ("khac", "Khác"),
    ]
    ma = models.SlugField("mã", max_length=64, unique=True)
    ten = models.CharField("tên", max_length=200)
    loai = models.CharField("loại", max_length=10, choices=KINDS, default="khac")
    cap_tren = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cap_duoi",
    )

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ["ten"]

    def __str__(self) -> str:
        return self.ten

    def ancestors(self) -> list[Unit]:
        found, unit, seen = [], self.cap_tren, {self.pk}
        while unit is not None and unit.pk not in seen:
            found.append(unit)
            seen.add(unit.pk)
            unit = unit.cap_tren
        return found


class Member(models.Model):
    """An account belongs to exactly one unit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thanh_vien"
    )
    don_vi = models.ForeignKey(Unit, verbose_name="đơn vị", on_delete=models.PROTECT)

    class Meta:
        verbose_name = "tài khoản của đơn vị"
        verbose_name_plural = "tài khoản của đơn vị"

    def __str__(self) -> str:
        return f"{self.user} ({self.don_vi})"


class Period(models.Model):
    """A reporting period a parent unit opens for its child units."""

    don_vi = models.ForeignKey(
        Unit, verbose_name="đơn vị mở kỳ", on_delete=models.PROTECT, related_name="ky_da_mo"
    )
    danh_muc = models.CharField("biểu mẫu", max_length=100)
    ky_bao_cao = models.CharField("kỳ báo cáo", max_length=100)
    han_nop = models.DateTimeField("hạn nộp")
    nguoi_mo = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    luc_mo = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "kỳ báo cáo"
        verbose_name_plural = "kỳ báo cáo"
        ordering = ["-luc_mo"]

    def __str__(self) -> str:
        return f"{self.ky_bao_cao} ({self.danh_muc}) — {self.don_vi}"


class Report(models.Model):
    """One unit's report for one period; its versions hold the data."""

    don_vi = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="bao_cao"
    )
    ky = models.ForeignKey(
        Period,
        verbose_name="kỳ",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bao_cao",
    )
    ten = models.CharField("tên", max_length=200)
    danh_muc = models.CharField("biểu mẫu", max_length=100, blank=True)
    ky_bao_cao = models.CharField("kỳ báo cáo", max_length=100, blank=True)
    luc_tao = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-luc_tao"]
        constraints = [models.UniqueConstraint(fields=["don_vi", "ky"], name="mot_bao_cao_moi_ky")]

    def __str__(self) -> str:
        return self.ten

    def current(self) -> Version | None:
        """The accepted version that downloads and previews show."""
        return self.phien_ban.filter(trang_thai=Version.ACCEPTED).order_by("-so").first()

    def latest(self) -> Version | None:
        return self.phien_ban.order_by("-so").first()

    @transaction.atomic
    def add_version(self, **fields) -> Version:
        """Numbers versions 1, 2, … without gaps or duplicates under concurrent uploads: the
        report row is locked while the next number is taken."""
        Report.objects.select_for_update().get(pk=self.pk)
        last = self.phien_ban.aggregate(models.Max("so"))["so__max"] or 0
        data = fields["noi_dung"]
        return Version.objects.create(
            bao_cao=self, so=last + 1, sha256=hashlib.sha256(data).hexdigest(), **fields
        )


class Version(models.Model):
    """The bytes of one upload or edit, exactly as received, with what the check found."""

    ERRORS, PENDING, ACCEPTED, SUPERSEDED = "loi", "cho", "nhan", "bo"
    STATES = [
        (ERRORS, "Có lỗi, chưa nhận"),
        (PENDING, "Chờ xác nhận"),
        (ACCEPTED, "Đã nhận"),
        (SUPERSEDED, "Không nhận"),
    ]
    SOURCES = [
        ("bat_dau", "Lập mới"),
        ("tai_len", "Tải lên"),
        ("sua", "Sửa trên trang"),
        ("tong_hop", "Tổng hợp"),
    ]
    bao_cao = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="phien_ban")
    so = models.PositiveIntegerField("phiên bản")
    ten_tep = models.CharField("tên tệp", max_length=200)
    noi_dung = models.BinaryField("nội dung")
    sha256 = models.CharField(max_length=64)
    nguon = models.CharField("nguồn", max_length=10, choices=SOURCES)
    trang_thai = models.CharField("trạng thái", max_length=4, choices=STATES)
    so_loi = models.PositiveIntegerField(default=0)
    so_canh_bao = models.PositiveIntegerField(default=0)
    van_de = models.JSONField("lỗi và cảnh báo", default=list)
    nguoi = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    luc = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "phiên bản"
        verbose_name_plural = "phiên bản"
        ordering = ["bao_cao", "so"]
        constraints = [
            models.UniqueConstraint(fields=["bao_cao", "so"], name="so_phien_ban_duy_nhat")
        ]

    def __str__(self) -> str:
        return f"{self.bao_cao} — phiên bản {self.so}"


class LoginFailure(models.Model):
    """A failed login, kept for the rate limit (by account name and by address)."""

    ten = models.CharField(max_length=150, db_index=True)
    dia_chi = models.CharField(max_length=64, db_index=True)
    luc = models.DateTimeField(default=timezone.now, db_index=True)
