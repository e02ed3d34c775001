from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="trang-chu"),
    path("don-vi/", views.local_unit, name="don-vi"),
    path("bao-cao/moi/", views.report_new, name="bao-cao-moi"),
    path("bao-cao/<int:report_id>/", views.report_detail, name="bao-cao"),
    path("bao-cao/<int:report_id>/tai-len/", views.upload, name="tai-len"),
    path("bao-cao/<int:report_id>/so-nhap.xlsx", views.so_nhap, name="so-nhap"),
    path("bao-cao/<int:report_id>/sua/thong-tin/", views.edit_header, name="sua-thong-tin"),
    path("bao-cao/<int:report_id>/sua/van-ban/", views.edit_documents, name="sua-van-ban"),
    path("bao-cao/<int:report_id>/sua/dan-y/", views.edit_outline, name="sua-dan-y"),
    path("bao-cao/<int:report_id>/xem/", views.preview, name="xem"),
    path("bao-cao/<int:report_id>/phien-ban/<int:number>/", views.version_detail, name="phien-ban"),
    path(
        "bao-cao/<int:report_id>/phien-ban/<int:number>/xac-nhan/",
        views.version_decide,
        name="xac-nhan",
    ),
    path("bao-cao/<int:report_id>/phien-ban/<int:number>/tep/", views.version_file, name="tep-goc"),
    path(
        "bao-cao/<int:report_id>/phien-ban/<int:number>/xem/", views.preview, name="xem-phien-ban"
    ),
    path(
        "bao-cao/<int:report_id>/phien-ban/<int:number>/trang/",
        views.preview_pages,
        name="xem-trang",
    ),
    path(
        "bao-cao/<int:report_id>/phien-ban/<int:number>/trang/<int:page>.png",
        views.preview_page,
        name="anh-trang",
    ),
    path(
        "bao-cao/<int:report_id>/phien-ban/<int:number>/tai/<str:kind>/",
        views.version_output,
        name="tai-ve",
    ),
    path("ky/moi/", views.period_new, name="ky-moi"),
    path("ky/<int:period_id>/", views.board, name="ky"),
    path("ky/<int:period_id>/tong-hop.xlsx", views.tong_hop_download, name="tong-hop"),
    path("ky/<int:period_id>/bao-cao-tong-hop/", views.start_from_totals, name="bao-cao-tong-hop"),
    path("dang-nhap/", views.login, name="dang-nhap"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="dang-xuat"),
    path("quan-tri/don-vi/nhap/", views.units_import, name="nhap-don-vi"),
]
if settings.SHARED:
    urlpatterns.append(path("quan-tri/", admin.site.urls))
