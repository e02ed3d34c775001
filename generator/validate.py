"""Turning pydantic's findings into Vietnamese problems that name file, line and field."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import ProblemList
from .formatting import non_decimal_form
from .loader import FieldPath, LoadedFile, format_path

_TYPE_NAMES = {
    "string": "một chuỗi chữ",
    "int": "một số nguyên",
    "float": "một số",
    "bool": "đúng/sai (true/false)",
    "list": "một danh sách (mỗi mục một dòng bắt đầu bằng '- ')",
    "dict": "một bảng các trường (tên: giá trị)",
    "model": "một bảng các trường (tên: giá trị)",
}


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 60 else f'"{value[:57]}…"'
    if isinstance(value, dict):
        return "một bảng"
    if isinstance(value, list):
        return "một danh sách"
    if value is None:
        return "trống"
    return str(value)


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation can hold (through Optional, list, dict, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        found = []
        for arg in typing.get_args(annotation):
            found += _unwrap(arg)
        return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            # a dict key (e.g. a van_ban key): stay with the dict's value model
            continue
        candidates = _unwrap(field.annotation)
        if not candidates:
            return None
        model = candidates[0]
    return model


def _clean_loc(loc: tuple[Any, ...]) -> FieldPath:
    """Drop pydantic's internal steps (union members, validator names) from an error location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (
            "[" in part
            or part
            in (
                "function-after",
                "function-plain",
                "function-before",
                "str",
                "int",
                "float",
                "none",
                "mot_phu_luc",
                "nhieu_phu_luc",
            )
        ):
            continue
        out.append(part)
    return tuple(out)


def _message(error: dict[str, Any], root: type[BaseModel], loc: FieldPath) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "thiếu trường bắt buộc"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        model = _model_at(root, loc[:-1])
        hint = ""
        if model is not None:
            close = difflib.get_close_matches(name, list(model.model_fields), n=1, cutoff=0.6)
            if close:
                hint = f"; có phải ý bạn là '{close[0]}'?"
        if not hint and (" " in name or any(ord(char) > 127 for char in name)):
            return (
                f'"{name}:" là một câu, nhưng YAML đọc thành tên trường vì có dấu ":" ở cuối; '
                f'hãy đặt cả câu trong ngoặc kép: "{name}:"'
            )
        return f"trường '{name}' không có trong mẫu{hint}"
    if kind in ("int_parsing", "float_parsing", "int_type", "float_type", "decimal_parsing"):
        if isinstance(value, str) and non_decimal_form(value):
            return str(non_decimal_form(value))
        if isinstance(value, str | bool) or value is None:
            return f"{_shown(value)} không phải là số"
        if kind == "int_from_float" or isinstance(value, float):
            return f"{_shown(value)} phải là số nguyên"
        return f"{_shown(value)} không phải là số"
    if kind == "int_from_float":
        return f"{_shown(value)} phải là số nguyên"
    if kind in ("greater_than_equal", "greater_than"):
        sign = "≥" if kind == "greater_than_equal" else ">"
        return f"{_shown(value)} phải {sign} {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        sign = "≤" if kind == "less_than_equal" else "<"
        limit = ctx.get("le", ctx.get("lt"))
        return f"{_shown(value)} phải {sign} {limit:g}"
    if kind in ("bool_parsing", "bool_type"):
        return f"{_shown(value)} phải là true (có) hoặc false (không)"
    if kind == "literal_error":
        choices = str(ctx.get("expected", "")).replace(" or ", " hoặc ")
        return f"{_shown(value)} không hợp lệ; chọn một trong: {choices}"
    if kind == "string_too_short":
        return "không được để trống"
    if kind == "too_short":
        return f"cần ít nhất {ctx.get('min_length', 1)} mục"
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        wanted = _TYPE_NAMES.get(kind.split("_")[0], "giá trị khác")
        return f"phải là {wanted}, không phải {_shown(value)}"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    if kind == "assertion_error":
        return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", kind))


def problems_from_validation(
    exc: ValidationError,
    loaded: LoadedFile,
    root: type[BaseModel],
    problems: ProblemList,
    prefix: FieldPath = (),
) -> None:
    seen: set[tuple[FieldPath, str]] = set()
    for error in exc.errors(include_url=False):
        loc = (*prefix, *_clean_loc(tuple(error["loc"])))
        message = _message(error, root, _clean_loc(tuple(error["loc"])))
        if (loc, message) in seen:
            continue
        seen.add((loc, message))
        problems.add(message, path=format_path(loc) or None, **loaded.where(loc))


def validate_model(
    loaded: LoadedFile, root: type[BaseModel], problems: ProblemList, what: str = "tệp dữ liệu"
) -> Any:
    """Validate loaded data against ``root``; every error goes to ``problems``; None on errors."""
    if not isinstance(loaded.data, dict):
        problems.add(f"{what} phải là một bảng các trường (tên: giá trị)", line=1)
        return None
    try:
        return root.model_validate(loaded.data)
    except ValidationError as exc:
        problems_from_validation(exc, loaded, root, problems)
        return None
