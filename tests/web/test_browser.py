"""The whole loop in a real Chromium (Debian's package, driven by Playwright): a xã downloads
its sổ nhập, uploads it with one mistake, sees the problem at its cell, corrects it, previews
and downloads the DOCX; the huyện sees the board and downloads the tổng hợp; another xã cannot
open the submission. Screenshots go to BAOCAO_WEB_SCREENSHOTS (docs/img for the README)."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from tests.web.helpers import fill_workbook

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium chưa cài"),
    pytest.mark.django_db(transaction=True),
]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # plain synchronous ones all the same
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("BAOCAO_WEB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        """The page at desktop width, then its first screen on a 390 px phone (then back)."""
        page.screenshot(path=str(folder / f"web-{name}.png"), full_page=False)
        desktop = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(folder / f"web-{name}-390.png"), full_page=False)
        page.set_viewport_size(desktop)

    return take


def signed_in(browser, base: str, username: str):
    context = browser.new_context(
        accept_downloads=True, viewport={"width": 1200, "height": 900}, locale="vi-VN"
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(base + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", "mat-khau-dai-1")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_whole_loop_in_chromium(browser, live_server, tree, shots, tmp_path):
    from django.utils import timezone

    from generator.web.models import Period, Report

    base = live_server.url
    period = Period.objects.create(
        don_vi=tree["huyen"],
        danh_muc="cchc-xa-thanh-hoa-01b",
        ky_bao_cao="quý I năm 2025",
        han_nop=timezone.now() + timezone.timedelta(days=10),
    )
    page = signed_in(browser, base, "xa_a")
    assert "Kỳ báo cáo cấp trên giao" in page.content()
    shots(page, "trang-chu")
    page.click("text=Lập báo cáo kỳ này")
    page.click("button:has-text('Lập báo cáo')")
    page.wait_for_selector("#tai-so-nhap")
    shots(page, "bao-cao")
    report = Report.objects.get(don_vi=tree["xa_a"])

    with page.expect_download() as download:
        page.click("#tai-so-nhap")
    blank = Path(download.value.path()).read_bytes()
    wrong, cells = fill_workbook(blank, {"1.1.1": 12, "1.1.2": "mười"})
    (tmp_path / "so_nhap.xlsx").write_bytes(wrong)
    page.set_input_files("input[name=tep]", str(tmp_path / "so_nhap.xlsx"))
    page.click("button:has-text('Tải lên và kiểm tra')")
    page.wait_for_selector("#chua-nhan")
    errors = page.inner_text("#loi")
    assert cells["1.1.2"] in errors and "Số nhiệm vụ đã hoàn thành" in errors
    shots(page, "loi")

    page.click(f"text=← {report.ten}")
    right, _ = fill_workbook(blank, {"1.1.1": 12, "1.1.2": 9})
    (tmp_path / "so_nhap.xlsx").write_bytes(right)
    page.set_input_files("input[name=tep]", str(tmp_path / "so_nhap.xlsx"))
    page.click("button:has-text('Tải lên và kiểm tra')")
    page.wait_for_selector("#so-lieu-doi")
    assert "Số nhiệm vụ đã hoàn thành" in page.inner_text("#so-lieu-doi")
    shots(page, "thay-doi")
    page.click("#nhan-ban-sua")
    page.wait_for_selector("#xem-truoc")

    page.click("#xem-truoc")
    page.wait_for_selector("#ban-xem")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.inner_text("#ban-xem")
    assert "Số nhiệm vụ đã hoàn thành" in page.inner_text("#phu-luc")
    shots(page, "xem-truoc")
    page.go_back()
    with page.expect_download() as download:
        page.click("#tai-docx")
    document = Document(download.value.path())
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text and "quý I năm 2025" in text
    page.goto(f"{base}/bao-cao/{report.pk}/sua/dan-y/")
    shots(page, "dan-y")

    parent = signed_in(browser, base, "huyen")
    parent.goto(f"{base}/ky/{period.pk}/")
    board = parent.inner_text("#bang-theo-doi")
    assert "Xã An" in board and "Đã nộp" in board and "Xã Bình" in board and "Chưa nộp" in board
    shots(parent, "bang-theo-doi")
    with parent.expect_download() as download:
        parent.click("#tai-tong-hop")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert any(12 in row for ws in workbook for row in ws.iter_rows(values_only=True))

    other = signed_in(browser, base, "xa_b")
    response = other.goto(f"{base}/bao-cao/{report.pk}/")
    assert response.status == 404
    assert "Không tìm thấy trang này" in other.inner_text("main")
    shots(other, "khong-tim-thay")
    response = other.goto(f"{base}/bao-cao/{report.pk}/phien-ban/1/tai/docx/")
    assert response.status == 404


@pytest.mark.django_db(transaction=False)
def test_embedded_mode_from_nothing_to_a_docx(browser, embedded_server, shots, tmp_path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(embedded_server + "/")
    page.fill("#id_ten", "Xã Hoàng Cát")
    page.select_option("#id_loai", "xa")
    page.click("form.unit-form button")
    page.wait_for_selector("text=Đã lưu tên đơn vị")
    shots(page, "may-nay")
    page.click("text=Lập báo cáo mới")
    page.select_option("#id_danh_muc", "cchc-xa-thanh-hoa-01b")
    page.fill("#id_ky_bao_cao", "quý II năm 2025")
    page.click("button:has-text('Lập báo cáo')")
    with page.expect_download() as download:
        page.click("#tai-so-nhap")
    filled, _ = fill_workbook(Path(download.value.path()).read_bytes(), {"1.1.1": 20, "1.1.2": 15})
    (tmp_path / "nhap.xlsx").write_bytes(filled)
    page.set_input_files("input[name=tep]", str(tmp_path / "nhap.xlsx"))
    page.click("button:has-text('Tải lên và kiểm tra')")
    page.click("#nhan-ban-sua")
    with page.expect_download() as download:
        page.click("#tai-docx")
    document = Document(download.value.path())
    text = "\n".join(p.text for p in document.paragraphs)
    assert "UBND xã Hoàng Cát" in text and "quý II năm 2025" in text
    tables = " ".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "XÃ HOÀNG CÁT" in tables.upper()
    context.close()
