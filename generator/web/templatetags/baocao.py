"""Template filters of the web pages."""

from __future__ import annotations

from django import template

from generator.web import library

register = template.Library()


@register.filter
def bieu_mau(catalog_id: str) -> str:
    """A form as a clerk knows it: its title, with its id ("Thống kê … (cchc-xa-…)"); an id
    that is not a shipped catalog as it is."""
    return dict(library.catalogs()).get(catalog_id, catalog_id)
