"""Who sees what. A unit sees its own reports; a parent unit also sees its descendants'
(read only). Every view fetches objects through these functions, which answer 404 for what
the account may not see, so another unit's data is never shown and its existence not revealed."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Member, Period, Report, Unit

LOCAL_USER = "may-nay"


class LocalUserMiddleware:
    """On one's own computer (not --shared) there is one local user and no login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.SHARED:
            request.user = local_user()
        return self.get_response(request)


def local_user():
    with transaction.atomic():
        user, created = get_user_model().objects.get_or_create(
            username=LOCAL_USER, defaults={"first_name": "Người dùng máy này"}
        )
        if created or not Member.objects.filter(user=user).exists():
            unit, _ = Unit.objects.get_or_create(
                ma="don-vi-cua-toi", defaults={"ten": "Đơn vị của tôi", "loai": "khac"}
            )
            Member.objects.get_or_create(user=user, defaults={"don_vi": unit})
    return user


def context(request):
    # a request refused before the authentication middleware ran (a bad Host: 400) has no user
    return {"shared": settings.SHARED, "my_unit": unit_of(getattr(request, "user", None))}


def unit_of(user) -> Unit | None:
    if not getattr(user, "is_authenticated", False):
        return None
    member = Member.objects.filter(user=user).select_related("don_vi").first()
    return member.don_vi if member else None


def my_unit(request) -> Unit:
    unit = unit_of(request.user)
    if unit is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào; nhờ quản trị gán đơn vị.")
    return unit


def descendants(unit: Unit) -> list[Unit]:
    found, frontier = [], [unit]
    while frontier:
        children = list(Unit.objects.filter(cap_tren__in=frontier))
        children = [c for c in children if c not in found and c != unit]
        found += children
        frontier = children
    return found


def can_see_unit(viewer: Unit, unit: Unit) -> bool:
    return unit == viewer or viewer in unit.ancestors()


def report_for(request, report_id: int, write: bool = False) -> Report:
    """The report if the account's unit may see it (404 otherwise); writing is for the
    report's own unit only (403 for a parent looking at a child's report)."""
    viewer = my_unit(request)
    report = get_object_or_404(Report.objects.select_related("don_vi", "ky"), pk=report_id)
    if not can_see_unit(viewer, report.don_vi):
        raise Http404
    if write and report.don_vi != viewer:
        raise PermissionDenied("Chỉ đơn vị lập báo cáo được sửa hoặc nộp báo cáo này.")
    return report


def period_for(request, period_id: int, manage: bool = False) -> Period:
    """A period is seen by the unit that opened it (and its ancestors) and by the units it was
    opened for (the opener's children); only the opener manages it (board, tổng hợp)."""
    viewer = my_unit(request)
    period = get_object_or_404(Period.objects.select_related("don_vi"), pk=period_id)
    opener = period.don_vi
    if manage:
        if not can_see_unit(viewer, opener):
            raise Http404
        return period
    if can_see_unit(viewer, opener) or viewer.cap_tren_id == opener.pk:
        return period
    raise Http404
