"""Validating a file as a model: its records (shapes.py) made along the plan without
pydantic when the file is typed as declared, else pydantic's validation, whose findings become
Vietnamese problems that name file, line and field."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from . import shapes
from .errors import ProblemList
from .fast_validate import construct
from .formatting import non_decimal_form
from .loader import FieldPath, LoadedFile, format_path


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 60 else f'"{value[:57]}…"'
    if isinstance(value, dict):
        return "một bảng"
    if isinstance(value, list):
        return "một danh sách"
    if value is None:
        return "trống"
    if isinstance(value, int) and value.bit_length() > 200:
        return "một số quá lớn"  # str() of thousands of digits would itself fail
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
    if isinstance(annotation, type) and hasattr(annotation, "__pydantic_fields__"):
        return [annotation]
    return []


def _model_at(root: Any, loc: tuple[Any, ...]) -> Any:
    """The pydantic model at ``loc`` below ``root``."""
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


_A_TABLE = "phải là một bảng các trường (tên: giá trị), không phải {value}"
_A_LIST = "phải là một danh sách (mỗi mục một dòng bắt đầu bằng '- '), không phải {value}"
_A_DATE = "{value} không phải là ngày hợp lệ"
_A_TIME = "{value} không phải là giờ hợp lệ"
_ARGUMENTS = "tham số không hợp lệ"
# Every error type pydantic_core can give, in Vietnamese ({value}: the input as typed; other
# names: the error's context). tests/test_messages.py walks pydantic_core's list against this
# table and _message's own cases, so a type a new release adds cannot reach a user in English.
MESSAGES = {
    "no_such_attribute": "không có thuộc tính '{attribute}'",
    "json_invalid": "không phải JSON hợp lệ",
    "json_type": "phải là chuỗi JSON, không phải {value}",
    "needs_python_object": "không đọc được giá trị {value}",
    "recursion_loop": "dữ liệu tự tham chiếu vòng quanh (bí danh YAML trỏ về chính nó)",
    "recursion_depth_exceeded": "dữ liệu lồng nhau quá sâu",
    "frozen_field": "trường này không được thay đổi",
    "frozen_instance": "giá trị này không được thay đổi",
    "invalid_key": "tên trường phải là chữ, không phải {value}",
    "get_attribute_error": "không đọc được giá trị {value}",
    "model_type": _A_TABLE,
    "model_attributes_type": _A_TABLE,
    "dataclass_type": _A_TABLE,
    "dataclass_exact_type": _A_TABLE,
    "named_tuple_type": _A_LIST,
    "default_factory_not_called": "không tính được giá trị mặc định vì trường khác có lỗi",
    "none_required": "phải để trống, không phải {value}",
    "multiple_of": "{value} phải là bội số của {multiple_of}",
    "finite_number": "{value} phải là một số hữu hạn (không phải vô cực hay NaN)",
    "too_short": "cần ít nhất {min_length} mục",
    "too_long": "nhiều nhất {max_length} mục",
    "iterable_type": _A_LIST,
    "iteration_error": "không đọc được danh sách này",
    "string_type": "phải là một chuỗi chữ, không phải {value}",
    "string_unicode": "không phải chữ Unicode hợp lệ",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_pattern_mismatch": "{value} không đúng dạng yêu cầu ({pattern})",
    "string_not_ascii": "chỉ được dùng chữ không dấu (ASCII)",
    "dict_type": _A_TABLE,
    "frozen_dict_type": _A_TABLE,
    "ordered_dict_type": _A_TABLE,
    "counter_type": _A_TABLE,
    "mapping_type": _A_TABLE,
    "list_type": _A_LIST,
    "deque_type": _A_LIST,
    "tuple_type": _A_LIST,
    "set_type": _A_LIST,
    "frozen_set_type": _A_LIST,
    "set_item_not_hashable": "mỗi mục của danh sách phải là một giá trị đơn (số hoặc chữ)",
    "bool_type": "{value} phải là true (có) hoặc false (không)",
    "bool_parsing": "{value} phải là true (có) hoặc false (không)",
    "int_parsing_size": "{value} có quá nhiều chữ số",
    "bytes_type": "phải là dữ liệu nhị phân, không phải {value}",
    "bytes_too_short": "cần ít nhất {min_length} byte",
    "bytes_too_long": "dài quá {max_length} byte",
    "bytes_invalid_encoding": "không giải mã được theo {encoding}",
    "missing_sentinel_error": "giá trị {value} không hợp lệ",
    "ellipsis_error": "giá trị {value} không hợp lệ",
    "date_type": _A_DATE,
    "date_parsing": _A_DATE,
    "date_from_datetime_parsing": _A_DATE,
    "date_from_datetime_inexact": "ngày không được kèm giờ",
    "date_past": "ngày phải ở trong quá khứ",
    "date_future": "ngày phải ở trong tương lai",
    "time_type": _A_TIME,
    "time_parsing": _A_TIME,
    "datetime_type": _A_DATE,
    "datetime_parsing": _A_DATE,
    "datetime_object_invalid": _A_DATE,
    "datetime_from_date_parsing": _A_DATE,
    "datetime_past": "thời điểm phải ở trong quá khứ",
    "datetime_future": "thời điểm phải ở trong tương lai",
    "timezone_naive": "không được kèm múi giờ",
    "timezone_aware": "cần kèm múi giờ",
    "timezone_offset": "múi giờ phải là {tz_expected} giây so với giờ quốc tế",
    "time_delta_type": "{value} không phải là khoảng thời gian hợp lệ",
    "time_delta_parsing": "{value} không phải là khoảng thời gian hợp lệ",
    "is_instance_of": "giá trị {value} không đúng loại",
    "is_subclass_of": "giá trị {value} không đúng loại",
    "callable_type": "giá trị {value} không đúng loại",
    "union_tag_invalid": "không nhận ra dạng của giá trị này",
    "union_tag_not_found": "không nhận ra dạng của giá trị này",
    "arguments_type": _ARGUMENTS,
    "missing_argument": "thiếu tham số bắt buộc",
    "unexpected_keyword_argument": "tham số này không có",
    "missing_keyword_only_argument": "thiếu tham số bắt buộc",
    "unexpected_positional_argument": "thừa tham số",
    "missing_positional_only_argument": "thiếu tham số bắt buộc",
    "multiple_argument_values": "tham số được ghi hai lần",
    "url_type": "{value} không phải là địa chỉ URL hợp lệ",
    "url_parsing": "{value} không phải là địa chỉ URL hợp lệ",
    "url_syntax_violation": "{value} không phải là địa chỉ URL hợp lệ",
    "url_too_long": "địa chỉ dài quá {max_length} ký tự",
    "url_scheme": "địa chỉ phải bắt đầu bằng {expected_schemes}",
    "uuid_type": "{value} không phải là mã UUID hợp lệ",
    "uuid_parsing": "{value} không phải là mã UUID hợp lệ",
    "uuid_version": "mã UUID phải là phiên bản {expected_version}",
    "decimal_type": "{value} không phải là số",
    "decimal_max_digits": "{value} có quá {max_digits} chữ số",
    "decimal_max_places": "{value} có quá {decimal_places} chữ số sau dấu phẩy",
    "decimal_whole_digits": "{value} có quá {whole_digits} chữ số trước dấu phẩy",
    "fraction_type": "{value} không phải là phân số hợp lệ",
    "fraction_parsing": "{value} không phải là phân số hợp lệ",
    "complex_type": "{value} không phải là số phức hợp lệ",
    "complex_str_parsing": "{value} không phải là số phức hợp lệ",
}
# types _message words itself (with a hint, a close field name, the number's own form…)
WORDED_TYPES = {
    "missing",
    "extra_forbidden",
    "int_type",
    "int_parsing",
    "int_from_float",
    "float_type",
    "float_parsing",
    "decimal_parsing",
    "greater_than",
    "greater_than_equal",
    "less_than",
    "less_than_equal",
    "literal_error",
    "enum",
    "string_too_short",
    "value_error",
    "assertion_error",
}
# English a validator's own ValueError may carry (a library call inside it): never shown
_ENGLISH = re.compile(
    r"\b(?:the|is|not|for|with|should|must|invalid|expected|object|error|value|literal)\b", re.I
)


def _own_words(text: str) -> str | None:
    """A validator's message, unless it is English (quoted values aside)."""
    unquoted = re.sub(r"\"[^\"]*\"|'[^']*'", "", text)
    return None if _ENGLISH.search(unquoted) else text


def _message(error: dict[str, Any], root: Any, loc: FieldPath) -> str:
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
        if isinstance(value, float):
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
        shown_limit = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"{_shown(value)} phải {sign} {shown_limit}"
    if kind in ("literal_error", "enum"):
        choices = str(ctx.get("expected", "")).replace(" or ", " hoặc ")
        return f"{_shown(value)} không hợp lệ; chọn một trong: {choices}"
    if kind == "string_too_short":
        length = ctx.get("min_length", 1)
        return "không được để trống" if length == 1 else f"cần ít nhất {length} ký tự"
    if kind in ("value_error", "assertion_error"):
        return _own_words(str(ctx.get("error", ""))) or f"giá trị {_shown(value)} không hợp lệ"
    template = MESSAGES.get(kind, "giá trị {value} không hợp lệ")  # a type pydantic adds later
    shown_ctx = {name: _shown(item) for name, item in ctx.items() if name != "value"}
    return template.format_map(_Blank({**shown_ctx, "value": _shown(value)}))


class _Blank(dict):  # type: ignore[type-arg]
    """A context without a name the message uses (an older pydantic): left out, not a crash."""

    def __missing__(self, key: str) -> str:
        return "…"


def problems_from_validation(
    exc: Any,  # pydantic's ValidationError
    loaded: LoadedFile,
    root: Any,  # the pydantic model
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
    loaded: LoadedFile, root: str | Any, problems: ProblemList, what: str = "tệp dữ liệu"
) -> Any:
    """The records of ``loaded`` validated as ``root``: the name of a planned model (BaoCao,
    DanhMuc) or a pydantic model of its own; every error goes to ``problems``, None on errors."""
    if not isinstance(loaded.data, dict):
        problems.add(f"{what} phải là một bảng các trường (tên: giá trị)", line=1)
        return None
    if isinstance(root, str):
        made = construct(root, loaded.data)
        if made is not None:
            return made
        root = pydantic_model(root)
    from pydantic import ValidationError

    try:
        return as_records(root.model_validate(loaded.data))
    except ValidationError as exc:
        problems_from_validation(exc, loaded, root, problems)
        return None


def pydantic_model(name: str) -> Any:
    """The pydantic model whose records are named ``name``."""
    from . import catalog_model, model

    return getattr(model, name, None) or getattr(catalog_model, name)


def as_records(value: Any) -> Any:
    """pydantic's objects as the records later layers see (shapes.py); a model without a
    record (tong-hop's unit list) stays pydantic's, its values converted."""
    if isinstance(value, list):
        return [as_records(item) for item in value]
    if isinstance(value, dict):
        return {key: as_records(item) for key, item in value.items()}
    if not hasattr(type(value), "__pydantic_fields__"):
        return value
    values = {name: as_records(item) for name, item in value.__dict__.items()}
    record = shapes.RECORDS.get(type(value).__name__)
    if record is None:
        value.__dict__.update(values)
        return value
    made = object.__new__(record)
    made.__dict__ = values
    if value.model_extra is not None:
        made.extra = as_records(value.model_extra)
    return made
