"""The pages. Each view checks who may see the object (access.py) and calls the library
through library.py; nothing about reports is computed here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from generator import BaocaoError

from . import library, outline
from .access import my_unit, period_for, report_for, unit_of
from .forms import (
    HeaderForm,
    LocalUnitForm,
    LoginForm,
    PeriodForm,
    StartForm,
    UnitsCsvForm,
    UploadForm,
)
from .models import LoginFailure, Period, Report, Unit, Version

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {"docx": DOCX, "xlsx": XLSX, "pdf": "application/pdf"}


# --------------------------------------------------------------------------- helpers


def _refused(what: str, error: BaocaoError) -> HttpResponse:
    """What the library refused to make from a stored file, said in Vietnamese (409: the
    request was right, the file's content is not)."""
    return HttpResponse(f"{what}: {error}", status=409, content_type="text/plain; charset=utf-8")


def _download(
    data: bytes | memoryview | BinaryIO, name: str, content_type: str
) -> FileResponse | HttpResponse:
    if hasattr(data, "read"):  # an open file, streamed
        return FileResponse(data, as_attachment=True, filename=name, content_type=content_type)
    response = HttpResponse(bytes(data), content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(name)}"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _receive(report: Report, user, name: str, data: bytes, source: str) -> Version:
    """Store an upload or an edit with what the check found. Accepted at once when it has no
    error and nothing was accepted before; a correction waits for the user to see the diff."""
    findings = library.check(name, data, report.danh_muc or None)
    errors = sum(f.severity == "loi" for f in findings)
    if errors:
        state = Version.ERRORS
    elif source in ("sua", "bat_dau", "tong_hop") or report.current() is None:
        state = Version.ACCEPTED
    else:
        state = Version.PENDING
    return report.add_version(
        ten_tep=name,
        noi_dung=data,
        nguon=source,
        trang_thai=state,
        so_loi=errors,
        so_canh_bao=len(findings) - errors,
        van_de=[f.as_dict() for f in findings],
        nguoi=user if user.is_authenticated else None,
    )


def _version(report: Report, number: int) -> Version:
    try:
        return report.phien_ban.get(so=number)
    except Version.DoesNotExist:
        raise Http404 from None


def _working(report: Report) -> tuple[Version, dict]:
    """The newest version whose data can be read: what the edit forms start from."""
    for version in report.phien_ban.order_by("-so"):
        try:
            return version, library.data_of(version.ten_tep, version.noi_dung)
        except BaocaoError:
            continue
    raise Http404


def _save_edit(request, report: Report, base: Version, data: dict) -> Version:
    name = str(Path(base.ten_tep).with_suffix(".yaml"))
    version = _receive(report, request.user, name, library.yaml_bytes(data), "sua")
    if version.so_loi:
        messages.error(
            request,
            f"Đã lưu phiên bản {version.so} nhưng còn {version.so_loi} lỗi: "
            "sửa rồi lưu lại; bản đang dùng vẫn là bản đã nhận trước đó.",
        )
    else:
        messages.success(request, f"Đã lưu và kiểm tra: phiên bản {version.so} đã được nhận.")
    return version


def _status(report: Report | None, period: Period) -> tuple[str, str]:
    """Board status: (code, Vietnamese label)."""
    if report is None or not report.phien_ban.exists():
        return "chua", "Chưa nộp"
    current = report.current()
    latest = report.latest()
    if current is None:
        return "loi", "Có lỗi, chưa nộp được"
    accepted = report.phien_ban.filter(trang_thai=Version.ACCEPTED)
    if accepted.count() > 1 and current.luc > period.han_nop:
        return "nop-lai-muon", "Nộp lại sau hạn"
    if current.luc > period.han_nop and accepted.filter(luc__lte=period.han_nop).count() == 0:
        return "muon", "Nộp muộn"
    if latest.trang_thai == Version.ERRORS:
        return "loi-sau", "Đã nộp; bản sửa sau còn lỗi"
    return "da-nop", "Đã nộp"


# --------------------------------------------------------------------------- home & start


def home(request):
    if unit_of(request.user) is None and request.user.is_staff:
        messages.info(
            request,
            "Tài khoản quản trị chưa thuộc đơn vị nào: gán đơn vị cho tài "
            "khoản (mục Người dùng) để lập và theo dõi báo cáo.",
        )
        return redirect("admin:index")
    unit = my_unit(request)
    reports = Report.objects.filter(don_vi=unit).select_related("ky")
    open_for_me = Period.objects.filter(don_vi_id=unit.cap_tren_id) if unit.cap_tren_id else []
    started = {r.ky_id: r for r in reports if r.ky_id}
    return render(
        request,
        "baocao/home.html",
        {
            "unit": unit,
            "reports": reports,
            "open_for_me": [(p, started.get(p.pk)) for p in open_for_me],
            "opened": Period.objects.filter(don_vi=unit),
            "has_children": Unit.objects.filter(cap_tren=unit).exists(),
            "unit_form": None
            if settings.SHARED
            else LocalUnitForm(initial={"ten": unit.ten, "loai": unit.loai}),
        },
    )


def local_unit(request):
    """Name and level of the unit on one's own computer (a shared server's come from the
    admin)."""
    if settings.SHARED:
        raise PermissionDenied("Tên đơn vị do quản trị viên đặt.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = LocalUnitForm(request.POST)
    if form.is_valid():
        unit = my_unit(request)
        unit.ten, unit.loai = form.cleaned_data["ten"], form.cleaned_data["loai"]
        unit.save(update_fields=["ten", "loai"])
        messages.success(request, "Đã lưu tên đơn vị; báo cáo lập mới sẽ điền sẵn tên này.")
    return redirect("trang-chu")


def report_new(request):
    unit = my_unit(request)
    period = None
    if request.GET.get("ky"):
        ky = request.GET["ky"]
        period = period_for(
            request, int(ky) if ky.isascii() and ky.isdigit() and len(ky) <= 18 else 0
        )
        if period.don_vi_id != unit.cap_tren_id:
            raise PermissionDenied("Kỳ này không mở cho đơn vị của bạn.")
        existing = Report.objects.filter(don_vi=unit, ky=period).first()
        if existing:
            return redirect("bao-cao", existing.pk)
    form = StartForm(request.POST or None, request.FILES or None, fixed_period=period)
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            report = _start(request, unit, period, form.cleaned_data)
        except BaocaoError as exc:
            refused = exc
        else:
            return redirect("bao-cao", report.pk)
    return render(
        request,
        "baocao/new.html",
        {"form": form, "period": period, "refused": refused},
        status=400 if refused else 200,
    )


def _start(request, unit: Unit, period: Period | None, cleaned: dict) -> Report:
    upload = cleaned.get("tep")
    danh_muc = period.danh_muc if period else cleaned.get("danh_muc") or ""
    ky_bao_cao = period.ky_bao_cao if period else cleaned.get("ky_bao_cao") or ""
    if upload:
        data = upload.read(settings.UPLOAD_LIMIT + 1)
        name = library.sniff(upload.name, data)
        if ky_bao_cao:  # last period's file carried to the new period
            data = library.next_period_data(name, data, ky_bao_cao)
            name = str(Path(name).with_suffix(".yaml"))
        danh_muc = danh_muc if period else library.catalog_in(name, data) or ""
        source = "tai_len"
    else:
        previous = (
            Version.objects.filter(
                bao_cao__don_vi=unit, bao_cao__danh_muc=danh_muc, trang_thai=Version.ACCEPTED
            )
            .order_by("-luc")
            .first()
        )
        if previous is not None:
            name = str(Path(previous.ten_tep).with_suffix(".yaml"))
            data = library.next_period_data(previous.ten_tep, previous.noi_dung, ky_bao_cao)
        else:
            name = f"bao_cao_{unit.ma}.yaml"
            data = library.starting_data(danh_muc, ky_bao_cao, unit.ten, unit.loai)
        source = "bat_dau"
    with transaction.atomic():
        report = Report.objects.create(
            don_vi=unit,
            ky=period,
            ten=f"Báo cáo {ky_bao_cao or Path(name).stem} — {unit.ten}",
            danh_muc=danh_muc,
            ky_bao_cao=ky_bao_cao,
        )
        _receive(report, request.user, name, data, source)
    return report


# --------------------------------------------------------------------------- one report


def report_detail(request, report_id: int):
    report = report_for(request, report_id)
    return _report_page(request, report, UploadForm())


def _report_page(request, report: Report, form, refused=None, status=200):
    current = report.current()
    latest = report.latest()
    return render(
        request,
        "baocao/report.html",
        {
            "report": report,
            "current": current,
            "latest": latest,
            "versions": report.phien_ban.order_by("-so").select_related("nguoi"),
            "form": form,
            "refused": refused,
            "can_write": report.don_vi == my_unit(request),
            "pdf": library.pdf_available(),
        },
        status=status,
    )


def upload(request, report_id: int):
    report = report_for(request, report_id, write=True)  # access first: 404/403, never 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _report_page(request, report, form, status=400)
    upload = form.cleaned_data["tep"]
    data = upload.read(settings.UPLOAD_LIMIT + 1)
    try:
        name = library.sniff(upload.name, data)
    except BaocaoError as exc:
        return _report_page(request, report, form, refused=exc, status=400)
    version = _receive(report, request.user, name, data, "tai_len")
    return redirect("phien-ban", report.pk, version.so)


def version_detail(request, report_id: int, number: int):
    report = report_for(request, report_id)
    version = _version(report, number)
    current = report.current()
    changes = None
    if version.trang_thai == Version.PENDING and current is not None:
        try:
            changes = library.diff(
                (current.ten_tep, current.noi_dung), (version.ten_tep, version.noi_dung)
            )
        except BaocaoError as exc:
            messages.warning(request, f"Không so sánh được: {exc}")
    findings = version.van_de
    return render(
        request,
        "baocao/version.html",
        {
            "report": report,
            "version": version,
            "current": current,
            "changes": changes,
            "errors": [f for f in findings if f["severity"] == "loi"],
            "warnings": [f for f in findings if f["severity"] != "loi"],
            "can_write": report.don_vi == my_unit(request),
        },
    )


def version_decide(request, report_id: int, number: int):
    report = report_for(request, report_id, write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with transaction.atomic():
        version = Version.objects.select_for_update().get(pk=_version(report, number).pk)
        if version.trang_thai != Version.PENDING:
            messages.error(request, "Phiên bản này không chờ xác nhận.")
        elif request.POST.get("nhan") == "1":
            version.trang_thai = Version.ACCEPTED
            version.save(update_fields=["trang_thai"])
            messages.success(request, f"Đã nhận phiên bản {version.so}.")
        else:
            version.trang_thai = Version.SUPERSEDED
            version.save(update_fields=["trang_thai"])
            messages.info(request, f"Không nhận phiên bản {version.so}; bản cũ vẫn được dùng.")
    return redirect("bao-cao", report.pk)


def version_file(request, report_id: int, number: int):
    report = report_for(request, report_id)
    version = _version(report, number)
    kind = XLSX if version.ten_tep.endswith(".xlsx") else "text/plain; charset=utf-8"
    return _download(version.noi_dung, version.ten_tep, kind)


def version_output(request, report_id: int, number: int, kind: str):
    report = report_for(request, report_id)
    version = _version(report, number)
    if version.so_loi or kind not in CONTENT_TYPES:
        raise Http404
    try:
        made = library.open_output(version.ten_tep, version.noi_dung, version.sha256, kind)
    except BaocaoError as exc:
        return _refused("Không xuất được", exc)
    if made is None:
        raise Http404
    return _download(made, Path(made.name).name, CONTENT_TYPES[kind])


def so_nhap(request, report_id: int):
    report = report_for(request, report_id)
    current = report.current()
    try:
        if current is not None:
            data = library.entry_workbook((current.ten_tep, current.noi_dung))
        elif report.danh_muc:
            data = library.entry_workbook(report.danh_muc)
        else:
            raise Http404
    except BaocaoError as exc:
        return _refused("Không tạo được sổ nhập", exc)
    return _download(data, f"so_nhap_{report.don_vi.ma}_{report.pk}.xlsx", XLSX)


# --------------------------------------------------------------------------- editing


def edit_header(request, report_id: int):
    report = report_for(request, report_id, write=True)
    base, data = _working(report)
    form = HeaderForm(request.POST or None, initial=HeaderForm.initial_from(data))
    if request.method == "POST" and form.is_valid():
        version = _save_edit(request, report, base, form.apply(data))
        if not version.so_loi:
            return redirect("bao-cao", report.pk)
        base = version
    return render(
        request, "baocao/edit_header.html", {"report": report, "form": form, "base": base}
    )


DOC_FIELDS = ("loai", "so_ky_hieu", "ngay", "co_quan", "trich_yeu")


def edit_documents(request, report_id: int):
    report = report_for(request, report_id, write=True)
    base, data = _working(report)
    documents = data.get("van_ban") if isinstance(data.get("van_ban"), dict) else {}
    if request.method == "POST":
        updated = {}
        keys = request.POST.getlist("khoa")
        columns = {f: request.POST.getlist(f) for f in DOC_FIELDS}
        removed = set(request.POST.getlist("xoa"))
        for index, key in enumerate(keys):
            key = key.strip()
            values = {
                f: (columns[f][index] if index < len(columns[f]) else "").strip()
                for f in DOC_FIELDS
            }
            if (not key and not any(values.values())) or str(index) in removed:
                continue
            if not key:
                key = f"vb{index + 1}"
            entry = dict(documents.get(key) or {}) if isinstance(documents.get(key), dict) else {}
            for field, value in values.items():
                if value:
                    entry[field] = value
                else:
                    entry.pop(field, None)
            updated[key] = entry
        data["van_ban"] = updated
        version = _save_edit(request, report, base, data)
        if not version.so_loi:
            return redirect("bao-cao", report.pk)
        base, documents = version, updated
    rows = [
        {"khoa": k, **{f: str(v.get(f) or "") for f in DOC_FIELDS}}
        for k, v in documents.items()
        if isinstance(v, dict)
    ]
    rows += [{"khoa": "", **dict.fromkeys(DOC_FIELDS, "")} for _ in range(3)]
    return render(
        request,
        "baocao/edit_documents.html",
        {
            "report": report,
            "rows": rows,
            "base": base,
            "problems": base.van_de if base.so_loi else [],
        },
    )


def edit_outline(request, report_id: int):
    report = report_for(request, report_id, write=True)
    base, data = _working(report)
    rows, tables = outline.flatten(data.get("noi_dung"))
    if request.method == "POST":
        rows = outline.rows_from_post(request.POST)
        operation = request.POST.get("op", "")
        if operation:
            rows = outline.apply(rows, operation)
        else:
            data["noi_dung"] = outline.build(rows, tables)
            version = _save_edit(request, report, base, data)
            if not version.so_loi:
                return redirect("bao-cao", report.pk)
            base = version
    return render(
        request,
        "baocao/edit_outline.html",
        {
            "report": report,
            "rows": list(enumerate(rows)),
            "tables": len(tables),
            "base": base,
            "problems": base.van_de if base.so_loi else [],
        },
    )


# --------------------------------------------------------------------------- preview


def _inlines(inlines) -> str:
    from generator.prose import NoteRef

    parts = []
    for item in inlines:
        if isinstance(item, NoteRef):
            parts.append(
                format_html('<sup class="note"><a href="#cc{0}">{0}</a></sup>', item.number)
            )
            continue
        html = format_html("{}", item.text)
        if item.bold:
            html = format_html("<strong>{}</strong>", html)
        if item.italic:
            html = format_html("<em>{}</em>", html)
        parts.append(html)
    return mark_safe("".join(parts))


def _body_html(composition) -> str:
    from generator.compose import BodyTable, Heading

    out = []
    for block in composition.body:
        if isinstance(block, Heading):
            out.append(
                format_html(
                    '<p class="h h{}"><strong>{} {}</strong></p>',
                    block.level,
                    block.number,
                    _inlines(block.inlines),
                )
            )
        elif isinstance(block, BodyTable):
            head = format_html_join("", "<th>{}</th>", ((_inlines(c),) for c in block.header))
            rows = format_html_join(
                "",
                "<tr>{}</tr>",
                (
                    (format_html_join("", "<td>{}</td>", ((_inlines(c),) for c in row)),)
                    for row in block.rows
                ),
            )
            out.append(format_html('<table class="body"><tr>{}</tr>{}</table>', head, rows))
        else:
            out.append(format_html('<p class="p {}">{}</p>', block.kind, _inlines(block.inlines)))
    return mark_safe("".join(out))


def preview(request, report_id: int, number: int | None = None):
    report = report_for(request, report_id)
    version = _version(report, number) if number else report.current()
    if version is None or version.so_loi:
        return render(
            request, "baocao/preview.html", {"report": report, "version": version}, status=404
        )
    try:
        composition = library.composition(version.ten_tep, version.noi_dung)
    except BaocaoError as exc:
        return _refused("Không xem trước được", exc)
    return render(
        request,
        "baocao/preview.html",
        {
            "report": report,
            "version": version,
            "c": composition,
            "opening": [_inlines(p.inlines) for p in composition.opening],
            "body": _body_html(composition),
            "closing": _inlines(composition.closing.inlines),
            "pdf": library.pdf_available(),
        },
    )


def preview_pages(request, report_id: int, number: int):
    report = report_for(request, report_id)
    version = _version(report, number)
    if version.so_loi or not library.pdf_available():
        raise Http404
    try:
        pages = library.pdf_pages(version.ten_tep, version.noi_dung, version.sha256)
    except BaocaoError as exc:
        return _refused("Không tạo được PDF", exc)
    return render(
        request,
        "baocao/pages.html",
        {"report": report, "version": version, "pages": range(1, len(pages) + 1)},
    )


def preview_page(request, report_id: int, number: int, page: int):
    report = report_for(request, report_id)
    version = _version(report, number)
    if version.so_loi or not library.pdf_available():
        raise Http404
    image = library.open_page(version.ten_tep, version.noi_dung, version.sha256, page)
    if image is None:
        raise Http404
    return FileResponse(image, content_type="image/png")


# --------------------------------------------------------------------------- collection


def period_new(request):
    unit = my_unit(request)
    if not Unit.objects.filter(cap_tren=unit).exists():
        raise PermissionDenied("Đơn vị của bạn không có đơn vị cấp dưới để mở kỳ báo cáo.")
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        period = Period.objects.create(don_vi=unit, nguoi_mo=request.user, **form.cleaned_data)
        messages.success(request, "Đã mở kỳ báo cáo cho các đơn vị cấp dưới.")
        return redirect("ky", period.pk)
    return render(request, "baocao/period_new.html", {"form": form})


def board(request, period_id: int):
    period = period_for(request, period_id, manage=True)
    children = Unit.objects.filter(cap_tren=period.don_vi).order_by("ten")
    reports = {r.don_vi_id: r for r in Report.objects.filter(ky=period)}
    rows = []
    for child in children:
        report = reports.get(child.pk)
        code, label = _status(report, period)
        versions = list(report.phien_ban.order_by("so")) if report else []
        rows.append(
            {"unit": child, "report": report, "code": code, "label": label, "versions": versions}
        )
    counts = {}
    for row in rows:
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    own = Report.objects.filter(don_vi=period.don_vi, ky=period).first()
    return render(
        request,
        "baocao/board.html",
        {
            "period": period,
            "rows": rows,
            "counts": counts,
            "own": own,
            "late": timezone.now() > period.han_nop,
            "is_opener": my_unit(request) == period.don_vi,
            "submitted": sum(1 for row in rows if row["report"] and row["report"].current()),
        },
    )


def _submitted_files(period: Period) -> list[tuple[str, bytes]]:
    """The accepted version of every child's report for the period, one file per unit."""
    files = []
    for report in Report.objects.filter(ky=period).exclude(don_vi=period.don_vi):
        current = report.current()
        if current is not None:
            files.append((f"{report.don_vi.ma}{Path(current.ten_tep).suffix}", current.noi_dung))
    return files


def tong_hop_download(request, period_id: int):
    period = period_for(request, period_id, manage=True)
    files = _submitted_files(period)
    if not files:
        messages.error(request, "Chưa có đơn vị nào nộp báo cáo được nhận để tổng hợp.")
        return redirect("ky", period.pk)
    try:
        workbook, _, _ = library.tong_hop(files)
    except BaocaoError as exc:
        return _refused("Không tổng hợp được", exc)
    return _download(workbook, f"tong_hop_{period.don_vi.ma}_{period.pk}.xlsx", XLSX)


def start_from_totals(request, period_id: int):
    """The opener's own report for the period, prefilled with the children's totals."""
    period = period_for(request, period_id, manage=True)
    unit = my_unit(request)
    if unit != period.don_vi:
        raise PermissionDenied("Chỉ đơn vị mở kỳ lập được báo cáo tổng hợp của kỳ này.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    existing = Report.objects.filter(don_vi=unit, ky=period).first()
    if existing:
        return redirect("bao-cao", existing.pk)
    files = _submitted_files(period)
    if not files:
        messages.error(request, "Chưa có đơn vị nào nộp báo cáo được nhận để tổng hợp.")
        return redirect("ky", period.pk)
    try:
        _, phu_luc, result = library.tong_hop(files)
    except BaocaoError as exc:
        return _refused("Không tổng hợp được", exc)
    data = library.with_figures(
        library.starting_data(period.danh_muc, period.ky_bao_cao, unit.ten, unit.loai), phu_luc
    )
    with transaction.atomic():
        report = Report.objects.create(
            don_vi=unit,
            ky=period,
            ten=f"Báo cáo {period.ky_bao_cao} — {unit.ten} (tổng hợp)",
            danh_muc=period.danh_muc,
            ky_bao_cao=period.ky_bao_cao,
        )
        _receive(report, request.user, f"bao_cao_{unit.ma}.yaml", data, "tong_hop")
    messages.success(
        request,
        f"Đã lập báo cáo từ số liệu tổng hợp của {len(result.units)} "
        "đơn vị; sửa thông tin, dàn ý rồi tải về.",
    )
    return redirect("bao-cao", report.pk)


# --------------------------------------------------------------------------- accounts


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


@login_not_required
def login(request):
    if not settings.SHARED:
        return redirect("trang-chu")
    if request.method == "POST":
        name = request.POST.get("username", "")[:150]
        since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_WINDOW)
        recent = LoginFailure.objects.filter(luc__gte=since)
        if (
            recent.filter(ten=name).count() >= settings.LOGIN_FAILURES
            or recent.filter(dia_chi=_client_address(request)).count()
            >= settings.LOGIN_FAILURES * 4
        ):
            return render(
                request,
                "baocao/login.html",
                {
                    "form": LoginForm(request),
                    "blocked": True,
                },
                status=429,
            )
    view = auth_views.LoginView.as_view(
        template_name="baocao/login.html",
        authentication_form=LoginForm,
        redirect_authenticated_user=True,
    )
    response = view(request)
    if request.method == "POST" and not request.user.is_authenticated:
        LoginFailure.objects.create(
            ten=request.POST.get("username", "")[:150], dia_chi=_client_address(request)
        )
    return response


def units_import(request):
    if not request.user.is_staff:
        raise PermissionDenied("Chỉ quản trị viên nhập được danh sách đơn vị.")
    from .units import import_units

    form = UnitsCsvForm(request.POST or None, request.FILES or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["tep"]
        try:
            created, updated = import_units(upload.read(settings.UPLOAD_LIMIT), upload.name)
        except BaocaoError as exc:
            refused = exc
        else:
            messages.success(request, f"Đã nhập {created} đơn vị mới, cập nhật {updated} đơn vị.")
            return redirect(reverse("admin:baocao_unit_changelist"))
    return render(
        request,
        "baocao/units_import.html",
        {"form": form, "refused": refused},
        status=400 if refused else 200,
    )
