"""The admin (shared server): units, accounts with their unit, periods, reports, versions."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import Member, Period, Report, Unit, Version

admin.site.site_header = "baocao — quản trị"
admin.site.site_title = "baocao"


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("ten", "ma", "loai", "cap_tren")
    list_filter = ("loai",)
    search_fields = ("ten", "ma")
    autocomplete_fields = ("cap_tren",)
    change_list_template = "admin/baocao/unit/change_list.html"


class MemberInline(admin.StackedInline):
    model = Member
    can_delete = False
    autocomplete_fields = ("don_vi",)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    inlines = (MemberInline,)
    list_display = ("username", "first_name", "last_name", "is_staff", "don_vi")

    @admin.display(description="đơn vị")
    def don_vi(self, user):
        member = Member.objects.filter(user=user).first()
        return member.don_vi if member else "—"


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("ky_bao_cao", "danh_muc", "don_vi", "han_nop")
    autocomplete_fields = ("don_vi",)


class VersionInline(admin.TabularInline):
    model = Version
    fields = ("so", "ten_tep", "trang_thai", "so_loi", "so_canh_bao", "nguoi", "luc", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("ten", "don_vi", "ky", "luc_tao")
    inlines = (VersionInline,)
    readonly_fields = ("don_vi", "ky")
