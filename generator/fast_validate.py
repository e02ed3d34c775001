"""Makes a file's records (shapes.py) along the plan in model_plan.py, without pydantic.

Importing pydantic and building its model classes and validators would cost about a third of
a one-off render. Most files are typed exactly as the models ask (text where text is asked,
whole numbers for counts), and for those the result is known from the plan, which
plan_build.py reads from the models' own declarations: field types, constraints, defaults,
validator functions (shared, in shapes.py) and config. At the first value it is not sure of (a
type pydantic might convert, a constraint not met, a validator that refuses), it gives up and
pydantic validates the whole file (validate.py): every error message is pydantic's.
tests/test_fast_validate.py checks that both give equal records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model_plan import FACTORY, MODELS, REQUIRED

Check = Callable[[Any, bool], Any]  # (value, strip whitespace) → the value as validated
Make = Callable[[Any], Any]


class _Unsure(Exception):
    """pydantic decides."""


_MADE: dict[str, Make] = {}


def construct(name: str, data: Any) -> Any:
    """``data`` as the records of model ``name`` (BaoCao, DanhMuc), exactly as pydantic would
    validate it, or None when not sure."""
    try:
        return _maker(name)(data)
    except _Unsure:
        return None


def _call(function: Callable[[Any], Any], value: Any) -> Any:
    try:
        return function(value)
    except Exception:  # refused (ValueError…): pydantic reports it in its words
        raise _Unsure from None


def _maker(name: str) -> Make:
    made = _MADE.get(name)
    if made is None:
        plan = MODELS.get(name)
        made = _MADE[name] = _unsure if plan is None else _model(*plan)
    return made


def _unsure(value: Any) -> Any:
    raise _Unsure


def _model(
    record: type,
    strip: bool,
    extra_allowed: bool,
    before: tuple[Callable[[Any], Any], ...],
    after: tuple[Callable[[Any], Any], ...],
    fields: tuple[tuple[Any, ...], ...],
) -> Make:
    names = {field[0] for field in fields}
    steps = [
        (name, default, factory, field_before, _check(kind), field_after)
        for name, default, factory, field_before, kind, field_after in fields
    ]

    def make(value: Any) -> Any:
        for validator in before:
            value = _call(validator, value)
        if type(value) is not dict:
            raise _Unsure
        if not extra_allowed and not value.keys() <= names:
            raise _Unsure  # a field the model lacks: pydantic words it
        values = {}
        for name, default, factory, field_before, check, field_after in steps:
            if name not in value:
                if default is REQUIRED:
                    raise _Unsure
                values[name] = factory() if default is FACTORY else default
                continue
            item = value[name]
            for validator in field_before:
                item = _call(validator, item)
            item = check(item, strip)
            for validator in field_after:
                item = _call(validator, item)
            values[name] = item
        instance = object.__new__(record)
        instance.__dict__ = values
        if extra_allowed:
            instance.extra = {k: v for k, v in value.items() if k not in names}
        for validator in after:
            instance = _call(validator, instance)
        return instance

    return make


def _check(kind: Any) -> Check:
    """The check of one type of the plan (see model_plan.py's types)."""
    if isinstance(kind, str):
        return _SIMPLE[kind]
    tag, *arguments = kind
    return _COMPOUND[tag](*arguments)


def _any(value: Any, strip: bool) -> Any:
    return value


def _str(value: Any, strip: bool) -> Any:
    if type(value) is not str:
        raise _Unsure
    return value.strip() if strip else value


def _float(value: Any, strip: bool) -> Any:
    if type(value) is float:
        return value
    if type(value) is int:  # a whole number for a float is made a float, as pydantic does
        try:
            return float(value)
        except OverflowError:  # too big for a float: pydantic says so
            raise _Unsure from None
    raise _Unsure


def _int(value: Any, strip: bool) -> Any:
    if type(value) is int:
        return value
    if type(value) is str:
        # written digits, as the keys of lua_chon come from YAML: pydantic reads them as well
        canonical = value.isascii() and value.isdigit() and value[0] != "0" and len(value) < 19
        if canonical or value == "0":
            return int(value)
    raise _Unsure


def _bool(value: Any, strip: bool) -> Any:
    if type(value) is not bool:
        raise _Unsure
    return value


def _none(value: Any, strip: bool) -> Any:
    if value is not None:
        raise _Unsure
    return value


_SIMPLE: dict[str, Check] = {
    "any": _any,
    "str": _str,
    "float": _float,
    "int": _int,
    "bool": _bool,
    "none": _none,
}


def _literal(*choices: Any) -> Check:
    def check(value: Any, strip: bool) -> Any:
        if not any(type(value) is type(choice) and value == choice for choice in choices):
            raise _Unsure
        return value

    return check


def _list(item_kind: Any) -> Check:
    item = _check(item_kind)

    def check(value: Any, strip: bool) -> Any:
        if type(value) is not list:
            raise _Unsure
        return [item(entry, strip) for entry in value]

    return check


def _dict(key_kind: Any, value_kind: Any) -> Check:
    key_check, value_check = _check(key_kind), _check(value_kind)

    def check(value: Any, strip: bool) -> Any:
        if type(value) is not dict:
            raise _Unsure
        return {key_check(k, strip): value_check(v, strip) for k, v in value.items()}

    return check


def _union(*member_kinds: Any) -> Check:
    # the unions of the models take disjoint kinds of values: at most one member fits
    members = [_check(kind) for kind in member_kinds]

    def check(value: Any, strip: bool) -> Any:
        for member in members:
            try:
                return member(value, strip)
            except _Unsure:
                continue
        raise _Unsure

    return check


def _model_field(name: str) -> Check:
    def check(value: Any, strip: bool) -> Any:
        return _maker(name)(value)  # its own config: strip is the model's

    return check


def _annotated(
    kind: Any, before: Callable[[Any], Any] | None, constraints: tuple[tuple[str, Any], ...]
) -> Check:
    """A validator, then the type, then constraints (not on None)."""
    inner = _check(kind)
    tests = [_CONSTRAINTS[name](bound) for name, bound in constraints]

    def check(value: Any, strip: bool) -> Any:
        if before is not None:
            value = _call(before, value)
        value = inner(value, strip)
        if value is not None:
            for test in tests:
                if not test(value):
                    raise _Unsure
        return value

    return check


_CONSTRAINTS: dict[str, Callable[[Any], Callable[[Any], bool]]] = {
    "gt": lambda bound: lambda value: value > bound,
    "ge": lambda bound: lambda value: value >= bound,
    "lt": lambda bound: lambda value: value < bound,
    "le": lambda bound: lambda value: value <= bound,
    "min_len": lambda bound: lambda value: len(value) >= bound,
    "max_len": lambda bound: lambda value: len(value) <= bound,
}


def _plain(function: Callable[[Any], Any]) -> Check:
    return lambda value, strip: _call(function, value)


def _tagged(choose: Callable[[Any], Any], members: tuple[tuple[str, Any], ...]) -> Check:
    """A union whose member is chosen by a function of the value."""
    checks = {tag: _check(kind) for tag, kind in members}

    def check(value: Any, strip: bool) -> Any:
        member = checks.get(_call(choose, value))
        if member is None:
            raise _Unsure
        return member(value, strip)

    return check


_COMPOUND: dict[str, Callable[..., Check]] = {
    "literal": _literal,
    "list": _list,
    "dict": _dict,
    "union": _union,
    "model": _model_field,
    "annotated": _annotated,
    "plain": _plain,
    "tagged": _tagged,
}
