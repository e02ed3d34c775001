"""The quarterly loop through the pages, with the library doing the work: start, sổ nhập,
upload with problems at their cells, correction with diff, edits, preview, downloads."""

from __future__ import annotations

import io
import shutil
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from generator.cli import cli
from generator.web.models import Report, Version
from tests.web.helpers import fill_workbook

pytestmark = pytest.mark.django_db
CATALOG = "cchc-xa-thanh-hoa-01b"


def start(client, **fields) -> Report:
    response = client.post(
        "/bao-cao/moi/",
        {"danh_muc": CATALOG, "ky_bao_cao": "quý I năm 2025", **fields},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))


def upload(client, report: Report, name: str, data: bytes):
    return client.post(f"/bao-cao/{report.pk}/tai-len/", {"tep": SimpleUploadedFile(name, data)})


def test_start_download_fill_upload_correct_accept(login):
    xa = login("xa_a")
    report = start(xa)
    first = report.current()
    assert first.so == 1 and first.nguon == "bat_dau"
    sheet = xa.get(f"/bao-cao/{report.pk}/so-nhap.xlsx")
    assert sheet.status_code == 200
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    info = openpyxl.load_workbook(io.BytesIO(sheet.content))["Thông tin"]
    assert any(row[1] == "Xã An" for row in info.iter_rows(values_only=True))  # header prefilled

    # one mistake: a count typed as words
    filled, cells = fill_workbook(sheet.content, {"1.1.1": 10, "1.1.2": "mười"})
    response = upload(xa, report, "so_nhap.xlsx", filled)
    assert response.status_code == 302
    page = xa.get(response["Location"]).content.decode()
    assert "chưa được nhận" in page
    assert cells["1.1.2"] in page  # the cell of the mistake
    assert "Số nhiệm vụ đã hoàn thành" in page  # the indicator's label
    wrong = report.latest()
    assert wrong.trang_thai == Version.ERRORS and wrong.so_loi >= 1
    assert report.current() == first  # nothing accepted while errors remain
    assert xa.get(f"/bao-cao/{report.pk}/phien-ban/{wrong.so}/tai/docx/").status_code == 404

    corrected, _ = fill_workbook(sheet.content, {"1.1.1": 10, "1.1.2": 7})
    response = upload(xa, report, "so_nhap.xlsx", corrected)
    pending = report.latest()
    assert pending.trang_thai == Version.PENDING
    page = xa.get(response["Location"]).content.decode()
    assert "Thay đổi so với bản đang dùng" in page
    assert "Số nhiệm vụ đã hoàn thành" in page and "7" in page
    assert (
        xa.post(f"/bao-cao/{report.pk}/phien-ban/{pending.so}/xac-nhan/", {"nhan": "1"}).status_code
        == 302
    )
    assert report.current() == Version.objects.get(pk=pending.pk)

    docx = xa.get(f"/bao-cao/{report.pk}/phien-ban/{pending.so}/tai/docx/")
    text = "\n".join(
        p.text for p in Document(io.BytesIO(b"".join(docx.streaming_content))).paragraphs
    )
    assert "UBND xã An" in text or "XÃ AN" in text.upper()
    xlsx = xa.get(f"/bao-cao/{report.pk}/phien-ban/{pending.so}/tai/xlsx/")
    values = [
        row
        for row in openpyxl.load_workbook(
            io.BytesIO(b"".join(xlsx.streaming_content))
        ).active.iter_rows(values_only=True)
    ]
    assert any(7 in row for row in values)

    # every version kept: the uploaded bytes come back as they were sent
    versions = list(report.phien_ban.order_by("so"))
    assert [v.so for v in versions] == [1, 2, 3]
    again = xa.get(f"/bao-cao/{report.pk}/phien-ban/2/tep/")
    assert again.content == filled


def test_downloads_are_byte_identical_to_baocao_render(login, example_bytes, tmp_path):
    from click.testing import CliRunner

    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("xa_hoang_cat.yaml", example_bytes)
    )
    version = report.current()
    assert version is not None and version.so_canh_bao >= 1  # the example's known warning
    source = tmp_path / "xa_hoang_cat.yaml"
    source.write_bytes(example_bytes)
    result = CliRunner().invoke(cli, ["render", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    for kind, suffix in (("docx", ".docx"), ("xlsx", "_phu_luc.xlsx")):
        response = xa.get(f"/bao-cao/{report.pk}/phien-ban/1/tai/{kind}/")
        assert response.status_code == 200
        assert (
            b"".join(response.streaming_content)
            == (tmp_path / "out" / f"xa_hoang_cat{suffix}").read_bytes()
        )


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_pdf_download_is_byte_identical_to_baocao_render(login, example_bytes, tmp_path):
    from click.testing import CliRunner

    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("xa_hoang_cat.yaml", example_bytes)
    )
    source = tmp_path / "xa_hoang_cat.yaml"
    source.write_bytes(example_bytes)
    result = CliRunner().invoke(cli, ["render", str(source), "-o", str(tmp_path), "--pdf"])
    assert result.exit_code == 0, result.output
    response = xa.get(f"/bao-cao/{report.pk}/phien-ban/1/tai/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (tmp_path / "xa_hoang_cat.pdf").read_bytes()


def test_preview_shows_header_body_footnotes_and_phu_luc(login, example_bytes):
    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("xa_hoang_cat.yaml", example_bytes)
    )
    page = xa.get(f"/bao-cao/{report.pk}/xem/").content.decode()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert "XÃ HOÀNG CÁT" in page
    assert "Hoàng Cát, ngày 04 tháng 6 năm 2024" in page
    assert 'id="phu-luc"' in page and "Số nhiệm vụ đề ra trong kế hoạch" in page


def test_preview_footnotes(login):
    from tests.conftest import EXAMPLE

    xa = login("xa_a")
    data = EXAMPLE["thi_xa_nga_nam_nam_2021"].read_bytes()
    report = start(xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("tx.yaml", data))
    page = xa.get(f"/bao-cao/{report.pk}/xem/").content.decode()
    assert '<sup class="note"><a href="#cc1">1</a></sup>' in page
    assert '<li id="cc1" value="1">' in page


def test_header_form_saves_a_checked_data_file(login, example_bytes):
    import yaml

    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("xa_hoang_cat.yaml", example_bytes)
    )
    form = xa.get(f"/bao-cao/{report.pk}/sua/thong-tin/").context["form"]
    fields = {k: v for k, v in form.initial.items() if v is not None}
    fields.update(
        nguoi_ky="Lê Thị Bình",
        tham_quyen="KT.",
        thay_cho="Chủ tịch",
        chuc_vu="Phó Chủ tịch",
        du_thao="on",
    )
    assert xa.post(f"/bao-cao/{report.pk}/sua/thong-tin/", fields).status_code == 302
    saved = report.current()
    assert saved.so == 2 and saved.nguon == "sua" and saved.ten_tep == "xa_hoang_cat.yaml"
    data = yaml.safe_load(bytes(saved.noi_dung))
    assert data["chu_ky"] == {
        "tham_quyen": "KT.",
        "thay_cho": "Chủ tịch",
        "chuc_vu": "Phó Chủ tịch",
        "nguoi_ky": "Lê Thị Bình",
    }
    assert data["noi_dung"]  # the rest of the report is kept
    page = xa.get(f"/bao-cao/{report.pk}/xem/").content.decode()
    assert "KT. CHỦ TỊCH" in page and "Lê Thị Bình" in page

    # a wrong value is reported on save and not accepted
    fields["ky_hieu"] = "BC/UBND"
    response = xa.post(f"/bao-cao/{report.pk}/sua/thong-tin/", fields)
    assert response.status_code == 200
    assert "ký hiệu không gồm số" in response.content.decode()
    assert report.current() == saved


def test_documents_and_outline_forms(login, example_bytes):
    import yaml

    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("xa_hoang_cat.yaml", example_bytes)
    )
    rows = xa.get(f"/bao-cao/{report.pk}/sua/van-ban/").context["rows"]
    post = {
        f: [r[f] for r in rows]
        for f in ("khoa", "loai", "so_ky_hieu", "ngay", "co_quan", "trich_yeu")
    }
    post["so_ky_hieu"][0] = "99/QĐ-UBND"
    assert xa.post(f"/bao-cao/{report.pk}/sua/van-ban/", post).status_code == 302
    data = yaml.safe_load(bytes(report.current().noi_dung))
    assert data["van_ban"]["qd01"]["so_ky_hieu"] == "99/QĐ-UBND"

    def posted(rows):
        form = {"depth": [r.depth for r in rows], "title": [r.title for r in rows]}
        form.update({f"para-{i}": r.paragraphs for i, r in enumerate(rows)})
        return form

    context = xa.get(f"/bao-cao/{report.pk}/sua/dan-y/").context
    rows = [row for _, row in context["rows"]]
    first_title = rows[0].title
    # move the first section down (with its subsections): a page with the new order
    moved = xa.post(f"/bao-cao/{report.pk}/sua/dan-y/", {**posted(rows), "op": "down-0"})
    new_rows = [row for _, row in moved.context["rows"]]
    assert new_rows[0].title != first_title
    assert [r.title for r in new_rows].count(first_title) == 1
    # a paragraph box added to the last section, typed in, then moved first
    last = len(new_rows) - 1
    added = xa.post(
        f"/bao-cao/{report.pk}/sua/dan-y/", {**posted(new_rows), "op": f"p-add-{last}-0"}
    )
    new_rows = [row for _, row in added.context["rows"]]
    assert new_rows[last].paragraphs[1] == ""
    new_rows[last].paragraphs[1] = "Đoạn mới thêm trên trang web."
    swapped = xa.post(
        f"/bao-cao/{report.pk}/sua/dan-y/", {**posted(new_rows), "op": f"p-up-{last}-1"}
    )
    new_rows = [row for _, row in swapped.context["rows"]]
    assert new_rows[last].paragraphs[0] == "Đoạn mới thêm trên trang web."
    assert xa.post(f"/bao-cao/{report.pk}/sua/dan-y/", posted(new_rows)).status_code == 302
    data = yaml.safe_load(bytes(report.current().noi_dung))
    assert data["noi_dung"][0]["tieu_de"] != first_title
    page = xa.get(f"/bao-cao/{report.pk}/xem/").content.decode()
    assert "Đoạn mới thêm trên trang web." in page
    # Enter in a box presses no button: nothing moves, nothing is saved
    versions = report.phien_ban.count()
    kept = xa.post(f"/bao-cao/{report.pk}/sua/dan-y/", {**posted(new_rows), "op": "giu"})
    assert [r.title for _, r in kept.context["rows"]] == [r.title for r in new_rows]
    assert report.phien_ban.count() == versions


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("so_nhap.xlsx", b"not a zip at all", "không phải Excel"),
        ("bao_cao.yaml", b"PK\x03\x04broken", "hỏng"),
        ("bao_cao.xlsx", None, "tệp Word"),
        ("bao_cao.yaml", b"\x00\x01\x02\x03" * 100, "không phải văn bản"),
        (
            "bao_cao.yaml",
            b"a: &a [1,2,3,4,5,6,7,8,9]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
            "bí danh",
        ),
        (
            "bao_cao.yaml",
            b"trich_yeu: '=HYPERLINK(\"x\")'\nphu_luc: {danh_muc: /etc/passwd}\n",
            "không có trên máy chủ",
        ),
    ],
)
def test_hostile_uploads_get_a_clear_message(login, name, data, expected):
    xa = login("xa_a")
    report = start(xa)
    if data is None:
        from docx import Document as NewDocument

        buffer = io.BytesIO()
        NewDocument().save(buffer)
        data = buffer.getvalue()
    response = upload(xa, report, name, data)
    if response.status_code == 302:
        response = xa.get(response["Location"])
    assert response.status_code in (200, 400)
    assert expected in response.content.decode()
    assert report.current().so == 1


def test_upload_size_limit(login, settings):
    settings.UPLOAD_LIMIT = 1000
    xa = login("xa_a")
    report = start(xa)
    response = upload(xa, report, "bao_cao.yaml", b"a: 1\n" * 1000)
    assert response.status_code == 400
    assert "lớn hơn giới hạn" in response.content.decode()


def test_outline_rows_round_trip():
    from generator.web import outline

    sections = [
        {
            "tieu_de": "A",
            "doan": ["a1", {"bang": {"tieu_de_cot": ["x"], "dong": [["1"]]}}],
            "muc": [{"tieu_de": "A.1", "doan": ["a11"]}],
        },
        {"tieu_de": "B"},
    ]
    rows, tables = outline.flatten(sections)
    assert [(r.depth, r.title) for r in rows] == [(1, "A"), (2, "A.1"), (1, "B")]
    assert rows[0].paragraphs == ["a1", "[[bảng 1]]"]
    assert outline.build(rows, tables) == [
        {
            "tieu_de": "A",
            "doan": ["a1", sections[0]["doan"][1]],
            "muc": [{"tieu_de": "A.1", "doan": ["a11"]}],
        },
        {"tieu_de": "B"},
    ]
    moved = outline.apply(rows, "up-2")
    assert [r.title for r in moved] == ["B", "A", "A.1"]
    assert [r.title for r in outline.apply(rows, "del-0")] == ["B"]
    indented = outline.apply(rows, "in-2")
    assert outline.build(indented, tables)[0]["muc"][1]["tieu_de"] == "B"
    first = outline.apply(rows, "p-add-2--1")
    assert first[2].paragraphs == [""] and rows[2].paragraphs == []  # rows are not changed
    assert outline.apply(rows, "p-down-0-0")[0].paragraphs == ["[[bảng 1]]", "a1"]
    assert outline.apply(rows, "p-del-0-1")[0].paragraphs == ["a1"]
    two = [outline.Row(1, "C", ["x\n\ny", "  "])]  # blank line: two paragraphs; empty: none
    assert outline.build(two, []) == [{"tieu_de": "C", "doan": ["x", "y"]}]


def test_outputs_cached_atomically(login, example_bytes, settings):
    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("xa_hoang_cat.yaml", example_bytes)
    )
    first = b"".join(xa.get(f"/bao-cao/{report.pk}/phien-ban/1/tai/docx/").streaming_content)
    second = b"".join(xa.get(f"/bao-cao/{report.pk}/phien-ban/1/tai/docx/").streaming_content)
    assert first == second and zipfile.is_zipfile(io.BytesIO(first))


@pytest.fixture
def downloaded(login, example_bytes, settings, tmp_path):
    """xã A's first version downloaded once as Word, its output cache in tmp_path/cache:
    (the client, the report, the download's URL, its bytes)."""
    settings.CACHE_DIR = tmp_path / "cache"
    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("xa_hoang_cat.yaml", example_bytes)
    )
    url = f"/bao-cao/{report.pk}/phien-ban/1/tai/docx/"
    return xa, report, url, b"".join(xa.get(url).streaming_content)


def test_the_output_cache_forgets_the_least_recently_used_and_makes_them_again(
    downloaded, tmp_path
):
    import os
    import time

    from generator.web import library

    xa, _, url, first = downloaded
    (entry,) = (tmp_path / "cache").glob("??/*")
    stale = []
    for number in range(3):  # old entries of other versions, 1 MB each, unused for an hour
        folder = tmp_path / "cache" / "ab" / f"{number:064d}-cu.yaml"
        folder.mkdir(parents=True)
        (folder / "cu.docx").write_bytes(b"x" * 1024 * 1024)
        hour_ago = time.time() - 3600 - number
        os.utime(folder, (hour_ago, hour_ago))
        stale.append(folder)
    # the limit leaves room for one old entry: the two used longest ago go, the fresh one stays
    removed = library.prune_cache(limit_bytes=1024 * 1024 + 200 * 1024)
    assert sorted(removed) == sorted(stale[1:])
    assert stale[0].exists() and entry.exists()
    assert library.prune_cache(limit_bytes=0) == [stale[0]]  # the one used recently is kept
    # once unused for a while it goes too, and is made again when asked for: the same bytes
    os.utime(entry, (time.time() - 3600, time.time() - 3600))
    assert library.prune_cache(limit_bytes=0) == [entry]
    assert b"".join(xa.get(url).streaming_content) == first
    assert entry.exists()


def test_a_download_pruned_between_finding_and_opening_it_is_made_again(
    downloaded, example_bytes, monkeypatch
):
    from generator.web import library

    xa, report, url, first = downloaded
    found = library.outputs

    def pruned_right_after(*args, **kwargs):
        made = found(*args, **kwargs)
        shutil.rmtree(made["docx"].parent)  # another request's prune_cache, at the worst moment
        return made

    monkeypatch.setattr(library, "outputs", pruned_right_after)
    with pytest.raises(FileNotFoundError):  # pruned every time: the error is not hidden
        library.open_output("xa_hoang_cat.yaml", example_bytes, report.current().sha256, "docx")
    calls = []

    def pruned_once(*args, **kwargs):
        calls.append(args)
        return (pruned_right_after if len(calls) == 1 else found)(*args, **kwargs)

    monkeypatch.setattr(library, "outputs", pruned_once)
    response = xa.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == first
    assert len(calls) == 2


@pytest.mark.libreoffice
def test_pdf_pages_in_the_browser(login, example_bytes):
    from generator.pdf import find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice chưa cài")
    xa = login("xa_a")
    report = start(
        xa, danh_muc="", ky_bao_cao="", tep=SimpleUploadedFile("hoang_cat.yaml", example_bytes)
    )
    page = xa.get(f"/bao-cao/{report.pk}/phien-ban/1/trang/")
    assert page.status_code == 200
    assert page.context["pages"].stop >= 3  # several pages: body and Phụ lục
    image = xa.get(f"/bao-cao/{report.pk}/phien-ban/1/trang/1.png")
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = xa.get(f"/bao-cao/{report.pk}/phien-ban/1/tai/pdf/")
    assert b"".join(pdf.streaming_content)[:5] == b"%PDF-"


def test_admin_without_unit_is_sent_to_the_admin(db, tree):
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.create_superuser("quantri", password="mat-khau-dai-1")
    client = Client()
    client.force_login(admin)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/quan-tri/"
    assert client.get("/quan-tri/baocao/unit/").status_code == 200
    assert client.get("/quan-tri/don-vi/nhap/").status_code == 200


def test_local_mode_without_login_names_its_unit(db, settings):
    import yaml
    from django.test import Client

    settings.SHARED = False
    client = Client()
    page = client.get("/")
    assert page.status_code == 200 and "Đơn vị của tôi" in page.content.decode()
    assert client.post("/don-vi/", {"ten": "Xã Hoàng Cát", "loai": "xa"}).status_code == 302
    report = start(client)
    data = yaml.safe_load(bytes(report.current().noi_dung))
    assert data["co_quan_ban_hanh"] == ["Ủy ban nhân dân", "Xã Hoàng Cát"]
    assert data["ten_co_quan"] == "UBND xã Hoàng Cát" and data["dia_danh"] == "Hoàng Cát"
    assert report.current().nguoi.username == "may-nay"


def test_shared_server_unit_names_come_from_the_admin(login):
    assert login("xa_a").post("/don-vi/", {"ten": "X", "loai": "xa"}).status_code == 403


def test_next_period_starts_from_the_last_one(login):
    xa = login("xa_a")
    first = start(xa)
    sheet = xa.get(f"/bao-cao/{first.pk}/so-nhap.xlsx").content
    filled, _ = fill_workbook(sheet, {"1.1.1": 41, "1.1.2": 17})
    upload(xa, first, "so_nhap.xlsx", filled)
    xa.post(f"/bao-cao/{first.pk}/phien-ban/2/xac-nhan/", {"nhan": "1"})
    assert first.current().so == 2
    second = start(xa, ky_bao_cao="quý II năm 2025")
    assert second.current().nguon == "bat_dau"
    book = openpyxl.load_workbook(io.BytesIO(xa.get(f"/bao-cao/{second.pk}/so-nhap.xlsx").content))
    figures = {row[1]: row[4] for row in book["Chỉ tiêu"].iter_rows(min_row=3, values_only=True)}
    assert figures["1.1.1"] == 41 and figures["1.1.2"] == 17  # prefilled from last period
    info = [row for row in book["Thông tin"].iter_rows(values_only=True)]
    assert any(row[1] == "quý II năm 2025" for row in info)
