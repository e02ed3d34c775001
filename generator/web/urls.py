from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from . import views


class IdConverter:
    """Database ids: at most 18 digits, so a huge number in a URL is a 404, not an integer
    overflow in PostgreSQL."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("", views.home, name="trang-chu"),
    path("don-vi/", views.local_unit, name="don-vi"),
    path("bao-cao/moi/", views.report_new, name="bao-cao-moi"),
    path("bao-cao/<id:report_id>/", views.report_detail, name="bao-cao"),
    path("bao-cao/<id:report_id>/tai-len/", views.upload, name="tai-len"),
    path("bao-cao/<id:report_id>/so-nhap.xlsx", views.so_nhap, name="so-nhap"),
    path("bao-cao/<id:report_id>/sua/thong-tin/", views.edit_header, name="sua-thong-tin"),
    path("bao-cao/<id:report_id>/sua/van-ban/", views.edit_documents, name="sua-van-ban"),
    path("bao-cao/<id:report_id>/sua/dan-y/", views.edit_outline, name="sua-dan-y"),
    path("bao-cao/<id:report_id>/xem/", views.preview, name="xem"),
    path("bao-cao/<id:report_id>/phien-ban/<id:number>/", views.version_detail, name="phien-ban"),
    path(
        "bao-cao/<id:report_id>/phien-ban/<id:number>/xac-nhan/",
        views.version_decide,
        name="xac-nhan",
    ),
    path("bao-cao/<id:report_id>/phien-ban/<id:number>/tep/", views.version_file, name="tep-goc"),
    path("bao-cao/<id:report_id>/phien-ban/<id:number>/xem/", views.preview, name="xem-phien-ban"),
    path(
        "bao-cao/<id:report_id>/phien-ban/<id:number>/trang/",
        views.preview_pages,
        name="xem-trang",
    ),
    path(
        "bao-cao/<id:report_id>/phien-ban/<id:number>/trang/<id:page>.png",
        views.preview_page,
        name="anh-trang",
    ),
    path(
        "bao-cao/<id:report_id>/phien-ban/<id:number>/tai/<str:kind>/",
        views.version_output,
        name="tai-ve",
    ),
    path("ky/moi/", views.period_new, name="ky-moi"),
    path("ky/<id:period_id>/", views.board, name="ky"),
    path("ky/<id:period_id>/tong-hop.xlsx", views.tong_hop_download, name="tong-hop"),
    path("ky/<id:period_id>/bao-cao-tong-hop/", views.start_from_totals, name="bao-cao-tong-hop"),
    path("dang-nhap/", views.login, name="dang-nhap"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="dang-xuat"),
    path("quan-tri/don-vi/nhap/", views.units_import, name="nhap-don-vi"),
]
if settings.SHARED:
    urlpatterns.append(path("quan-tri/", admin.site.urls))
