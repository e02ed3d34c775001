"""Nobody sees another unit's data except a parent its own children's: every URL that carries
a report, a version, a file or a period is tried as another unit (403/404), and the shared
server's login: rate limit, secure cookies, CSRF."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from generator.web.models import Period, Report

pytestmark = pytest.mark.django_db
WRITE_URLS = {"tai-len", "sua-thong-tin", "sua-van-ban", "sua-dan-y", "xac-nhan"}
MANAGE_URLS = {"ky", "tong-hop", "bao-cao-tong-hop"}


@pytest.fixture
def submitted(login, tree, example_bytes):
    """xã A's report for a period huyện H opened, with two versions (the second pending)."""
    huyen = login("huyen")
    response = huyen.post(
        "/ky/moi/",
        {
            "danh_muc": "cchc-xa-thanh-hoa-01b",
            "ky_bao_cao": "6 tháng đầu năm 2024",
            "han_nop": "2030-06-30T17:00",
        },
    )
    assert response.status_code == 302
    period = Period.objects.get()
    xa = login("xa_a")
    response = xa.post(
        f"/bao-cao/moi/?ky={period.pk}",
        {"tep": SimpleUploadedFile("hoang_cat.yaml", example_bytes)},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get(don_vi=tree["xa_a"])
    changed = example_bytes.replace(b'"1.1.2": 25', b'"1.1.2": 26')
    xa.post(
        f"/bao-cao/{report.pk}/tai-len/", {"tep": SimpleUploadedFile("hoang_cat.yaml", changed)}
    )
    assert report.phien_ban.count() == 2
    return report, period


def unit_urls(report: Report, period: Period) -> list[tuple[str, str]]:
    """(name, URL) of every route that carries a report, version, file or period."""
    values = {
        "report_id": report.pk,
        "period_id": period.pk,
        "number": 1,
        "kind": "docx",
        "page": 1,
    }
    found = []
    for pattern in get_resolver().url_patterns:
        converters = getattr(pattern.pattern, "converters", {})
        if not converters or not ({"report_id", "period_id"} & set(converters)):
            continue
        from django.urls import reverse

        found.append(
            (pattern.name, reverse(pattern.name, kwargs={k: values[k] for k in converters}))
        )
    return found


def test_every_unit_url_is_closed_to_another_unit(login, submitted):
    report, period = submitted
    urls = unit_urls(report, period)
    assert len(urls) >= 14
    other = login("xa_b")
    for name, url in urls:
        allowed_period_view = name not in MANAGE_URLS and "period_id" in url
        for method in (other.get, other.post):
            status = method(url).status_code
            if allowed_period_view:  # xã B may see the period itself (opened for it)
                continue
            assert status in (403, 404), f"{method.__name__} {url} as xã B → {status}"
    # the parent sees the child's data but cannot submit or edit for it
    huyen = login("huyen")
    for name, url in urls:
        if name == "bao-cao-tong-hop":  # the opener's own action: test_tong_hop_…
            continue
        status = huyen.post(url).status_code if name in WRITE_URLS else huyen.get(url).status_code
        if name in WRITE_URLS:
            assert status == 403, f"{url} as parent → {status}"
        elif name in ("xem-trang", "anh-trang", "tai-ve"):
            assert status in (200, 404), f"{url} as parent → {status}"  # PDF needs LibreOffice
        else:
            assert status in (200, 302), f"{url} as parent → {status}"
    # a sibling's parent's parent (tỉnh) sees too; a unit outside the tree does not
    assert login("tinh").get(f"/bao-cao/{report.pk}/").status_code == 200


def test_child_cannot_open_a_period_or_see_the_board(login, submitted):
    _, period = submitted
    xa = login("xa_a")
    assert xa.get(f"/ky/{period.pk}/").status_code == 404
    assert xa.get("/ky/moi/").status_code == 403
    assert (
        xa.post(
            "/ky/moi/", {"danh_muc": "x", "ky_bao_cao": "y", "han_nop": "2030-01-01"}
        ).status_code
        == 403
    )


def test_board_statuses(login, tree, submitted):
    report, period = submitted
    page = login("huyen").get(f"/ky/{period.pk}/").content.decode()
    assert "Xã An" in page and "Xã Bình" in page
    assert "Đã nộp" in page and "Chưa nộp" in page
    # after the deadline, a correction accepted shows as resubmitted late
    Period.objects.filter(pk=period.pk).update(han_nop=timezone.now() - dt.timedelta(days=1))
    login("xa_a").post(f"/bao-cao/{report.pk}/phien-ban/2/xac-nhan/", {"nhan": "1"})
    page = login("huyen").get(f"/ky/{period.pk}/").content.decode()
    assert "Nộp lại sau hạn" in page


def test_login_rate_limited_and_csrf(tree, settings):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/dang-nhap/")
    token = page.cookies["csrftoken"].value
    # a form without its CSRF token is refused
    assert client.post("/dang-nhap/", {"username": "xa_a", "password": "x"}).status_code == 403
    for _ in range(settings.LOGIN_FAILURES):
        response = client.post(
            "/dang-nhap/", {"username": "xa_a", "password": "sai", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 200
        assert "không đúng" in response.content.decode()
    # now even the right password waits
    response = client.post(
        "/dang-nhap/",
        {"username": "xa_a", "password": "mat-khau-dai-1", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_works_and_cookies_are_secure(tree):
    client = Client()
    assert client.get("/").status_code == 302  # login required on the shared server
    response = client.post(
        "/dang-nhap/", {"username": "xa_b", "password": "mat-khau-dai-1"}, secure=True
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "Xã Bình" in client.get("/", secure=True).content.decode()


def test_passwords_are_hashed_by_django(tree):
    user = tree["users"]["xa_a"]
    assert "mat-khau-dai-1" not in user.password and user.check_password("mat-khau-dai-1")


def test_units_csv_import(tree, db):
    from generator.errors import DataError
    from generator.web.models import Unit
    from generator.web.units import import_units

    created, updated = import_units(
        "ma,ten,loai,ma_cap_tren\nxa-c,Xã Cam,xa,huyen-h\nxa-a,Xã An Mới,xa,huyen-h\n".encode(
            "utf-8-sig"
        )
    )
    assert (created, updated) == (1, 1)
    assert Unit.objects.get(ma="xa-c").cap_tren == tree["huyen"]
    with pytest.raises(DataError) as error:
        import_units(b"ma,ten,loai,ma_cap_tren\nxa-d,,xa,huyen-h\nxa-e,E,xa,khong-co\n")
    assert "thiếu mã hoặc tên" in str(error.value) and "khong-co" in str(error.value)
    assert not Unit.objects.filter(ma="xa-e").exists()  # nothing saved when a row is wrong


def test_database_is_the_one_asked_for(db):
    from django.db import connection

    from tests.web.conftest import POSTGRES

    assert connection.vendor == ("postgresql" if POSTGRES else "sqlite")


def test_tong_hop_and_the_parents_report_from_totals(login, tree, submitted, example_bytes):
    import io

    import openpyxl
    import yaml

    _, period = submitted
    xa_b = login("xa_b")
    other = example_bytes.replace("Hoàng Cát".encode(), "Bình".encode())
    xa_b.post(f"/bao-cao/moi/?ky={period.pk}", {"tep": SimpleUploadedFile("b.yaml", other)})
    huyen = login("huyen")
    response = huyen.get(f"/ky/{period.pk}/tong-hop.xlsx")
    assert response.status_code == 200, response.content[:500]
    sheets = openpyxl.load_workbook(io.BytesIO(response.content))
    text = " ".join(str(v) for ws in sheets for row in ws.iter_rows(values_only=True) for v in row)
    assert "Hoàng Cát" in text and "Bình" in text
    response = huyen.post(f"/ky/{period.pk}/bao-cao-tong-hop/")
    assert response.status_code == 302
    own = Report.objects.get(don_vi=tree["huyen"], ky=period)
    data = yaml.safe_load(bytes(own.current().noi_dung))
    assert data["co_quan_ban_hanh"] == ["Ủy ban nhân dân", "Huyện Hòa"]
    assert data["phu_luc"]["so_lieu"]["1.1.2"] in (50, {"gia_tri": 50}) or "50" in str(
        data["phu_luc"]["so_lieu"]["1.1.2"]
    )  # 25 + 25
    # only the opener makes its report from the totals
    assert login("tinh").post(f"/ky/{period.pk}/bao-cao-tong-hop/").status_code == 403


def test_a_period_is_closed_to_units_it_was_not_opened_for(login, tree, submitted):
    from django.contrib.auth import get_user_model

    from generator.web.models import Member, Unit

    _, period = submitted
    other_huyen = Unit.objects.create(
        ma="huyen-k", ten="Huyện Khác", loai="huyen", cap_tren=tree["tinh"]
    )
    outsider = Unit.objects.create(ma="xa-k", ten="Xã Khác", loai="xa", cap_tren=other_huyen)
    user = get_user_model().objects.create_user("xa_k", password="mat-khau-dai-1")
    Member.objects.create(user=user, don_vi=outsider)
    client = Client()
    client.force_login(user)
    assert client.get(f"/bao-cao/moi/?ky={period.pk}").status_code == 404
    assert client.post(f"/bao-cao/moi/?ky={period.pk}", {}).status_code == 404
    assert client.get(f"/ky/{period.pk}/").status_code == 404
    assert client.get(f"/ky/{period.pk}/tong-hop.xlsx").status_code == 404
    # the opener's parent may look at the board (its descendants' data), not act for it
    assert login("tinh").get(f"/ky/{period.pk}/").status_code == 200


def test_huge_ids_are_not_found(login):
    xa = login("xa_a")
    assert xa.get("/bao-cao/9223372036854775808/").status_code == 404
    assert xa.get("/bao-cao/922337203685477580/phien-ban/99999999999999999/").status_code == 404
    assert xa.get("/ky/123456789012345678/").status_code == 404
    assert xa.get("/bao-cao/moi/?ky=99999999999999999999999").status_code == 404
    assert xa.get("/bao-cao/moi/?ky=²").status_code == 404


def test_units_csv_page_is_for_admins_only(login, tree):
    from django.contrib.auth import get_user_model

    from generator.web.models import Unit

    csv_file = SimpleUploadedFile(
        "don_vi.csv", "ma;ten;loai;ma_cap_tren\nxa-m;Xã Mới;xa;huyen-h\n".encode("utf-8-sig")
    )
    assert login("huyen").post("/quan-tri/don-vi/nhap/", {"tep": csv_file}).status_code == 403
    admin = get_user_model().objects.create_superuser("quantri", password="mat-khau-dai-1")
    client = Client()
    client.force_login(admin)
    csv_file.seek(0)
    response = client.post("/quan-tri/don-vi/nhap/", {"tep": csv_file})
    assert response.status_code == 302
    assert Unit.objects.get(ma="xa-m").cap_tren == tree["huyen"]
    bad = SimpleUploadedFile("x.csv", b"ma,ten\n,\n")
    response = client.post("/quan-tri/don-vi/nhap/", {"tep": bad})
    assert response.status_code == 400 and "thiếu mã hoặc tên" in response.content.decode()


def test_tong_hop_of_reports_with_two_appendices(login, tree, example_bytes):
    """The web's tổng hợp and the parent's report from totals go through the library: each
    appendix totalled, the parent's data gets both (the second is the huyện catalog's)."""
    import io

    import openpyxl
    import yaml

    huyen = login("huyen")
    huyen.post(
        "/ky/moi/",
        {
            "danh_muc": "cchc-xa-thanh-hoa-01b",
            "ky_bao_cao": "6 tháng đầu năm 2024",
            "han_nop": "2030-06-30T17:00",
        },
    )
    period = Period.objects.get()
    for account, name, planned in (("xa_a", "Hoàng Cát", 3), ("xa_b", "Bình", 4)):
        data = yaml.safe_load(example_bytes.replace("Hoàng Cát".encode(), name.encode()))
        data["phu_luc"] = [
            data["phu_luc"],
            {"danh_muc": "cchc-huyen-quang-tri", "so_lieu": {"1.1.1": planned, "1.1.2": 1}},
        ]
        upload = yaml.safe_dump(data, allow_unicode=True).encode()
        response = login(account).post(
            f"/bao-cao/moi/?ky={period.pk}", {"tep": SimpleUploadedFile("b.yaml", upload)}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    response = huyen.get(f"/ky/{period.pk}/tong-hop.xlsx")
    assert response.status_code == 200, response.content[:500]
    sheets = openpyxl.load_workbook(io.BytesIO(response.content))
    assert sheets.sheetnames[:2] == ["Tổng hợp PL I", "Tổng hợp PL II"]
    second = sheets["Tổng hợp PL II"]
    row = next(r for r in range(7, second.max_row + 1) if second.cell(r, 1).value == "1.1.1.")
    assert [second.cell(row, c).value for c in (4, 5)] == [7, "2/2"]
    response = huyen.post(f"/ky/{period.pk}/bao-cao-tong-hop/")
    assert response.status_code == 302
    own = Report.objects.get(don_vi=tree["huyen"], ky=period)
    data = yaml.safe_load(bytes(own.current().noi_dung))
    assert [a["danh_muc"] for a in data["phu_luc"]] == [
        "cchc-xa-thanh-hoa-01b",
        "cchc-huyen-quang-tri",
    ]
    assert data["phu_luc"][0]["so_lieu"]["1.1.2"] == 50  # 25 + 25
    assert data["phu_luc"][1]["so_lieu"]["1.1.1"] == 7


def test_a_catalog_path_in_a_second_appendix_is_refused(login, tree, submitted, example_bytes):
    import yaml

    _, period = submitted
    data = yaml.safe_load(example_bytes)
    data["phu_luc"] = [data["phu_luc"], {"danh_muc": "/etc/passwd", "so_lieu": {}}]
    upload = yaml.safe_dump(data, allow_unicode=True).encode()
    login("xa_b").post(
        f"/bao-cao/moi/?ky={period.pk}", {"tep": SimpleUploadedFile("b.yaml", upload)}
    )
    version = Report.objects.get(don_vi=tree["xa_b"]).phien_ban.get()
    assert version.so_loi == 1 and version.trang_thai == "loi"
    found = str(version.van_de)
    assert "danh mục chỉ tiêu '/etc/passwd' không có trên máy chủ" in found
    assert "phu_luc[2].danh_muc" in found


def test_refusals_and_failures_are_pages_in_vietnamese(login, tree, submitted, rf):
    """Another unit's report, a manager's page, a stale form, a broken request, a server
    error: each a page in Vietnamese with the way back, never Django's English one."""
    from django.views import defaults

    report, _ = submitted
    xa_b = login("xa_b")
    pages = [
        xa_b.get(f"/bao-cao/{report.pk}/"),
        login("xa_a").get("/ky/moi/"),
        defaults.bad_request(rf.get("/"), Exception()),
        defaults.server_error(rf.get("/")),
    ]
    stale = Client(enforce_csrf_checks=True)
    stale.force_login(tree["users"]["xa_b"])  # a form posted without its CSRF token
    pages.append(stale.post("/dang-xuat/"))
    expected = [
        (404, "Không tìm thấy trang này"),
        (403, "Tài khoản này không được làm việc này"),
        (400, "Yêu cầu không hợp lệ"),
        (500, "Máy chủ gặp lỗi"),
        (403, "Trang đã cũ, chưa lưu được"),
    ]
    for response, (status, heading) in zip(pages, expected, strict=True):
        text = response.content.decode()
        assert response.status_code == status
        assert heading in text and "Về trang chủ" in text and 'lang="vi"' in text
        assert "Not Found" not in text and "Forbidden" not in text and "Server Error" not in text
    # the view's own reason is shown
    assert "không có đơn vị cấp dưới để mở kỳ báo cáo" in pages[1].content.decode()
