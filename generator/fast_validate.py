"""A quick path past pydantic's validator for data already typed as the models say.

pydantic builds a model's validator the first time it validates one: for the report and its
catalog that costs more than a one-off render's whole validation (and loads pydantic's plugin
machinery). Most files are typed exactly as the models ask (text where text is asked, whole
numbers for counts), and for those the result is known without that validator. ``construct``
reads the models' own declarations (field types, constraints, defaults, validator functions,
config), read once from pydantic's ``model_fields`` and decorators, so nothing is declared
twice, and builds the same objects with ``model_construct``. At the first value it is not sure
of (a type pydantic might convert, a constraint not met, a validator that refuses, anything it
does not know), it gives up and pydantic validates the whole file: every error message is
pydantic's. tests/test_fast_validate.py checks that both give identical objects. It pays only
once per process and for small files (``construct_first``): a batch or a big file goes
through pydantic's validator, faster per value once built.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any

import annotated_types as at
from pydantic import (
    BaseModel,
    BeforeValidator,
    Discriminator,
    PlainSerializer,
    PlainValidator,
    Tag,
    WithJsonSchema,
)
from pydantic.fields import FieldInfo

# model_config keys whose meaning is handled here (the others leave a model to pydantic)
_CONFIG = {"extra", "frozen", "str_strip_whitespace", "defer_build", "json_schema_extra", "title"}
_CONSTRAINTS = (at.Gt, at.Ge, at.Lt, at.Le, at.MinLen, at.MaxLen)
_IGNORED = (PlainSerializer, WithJsonSchema, Tag)  # serialising and the JSON Schema only
_NONE = type(None)
_IMMUTABLE = (str, int, float, bool, _NONE)


class _Unsure(Exception):
    """pydantic decides."""


class _Field:
    def __init__(self, info: FieldInfo, before: list[Any], after: list[Any]) -> None:
        self.annotation = info.annotation
        self.metadata = info.metadata
        self.required = info.is_required()
        # the default, made as pydantic makes it (given to model_construct, which would
        # otherwise inspect each default factory's signature for every object it makes)
        self.factory = info.default_factory
        self.default = info.default
        self.before = before  # the model's field validators, mode="before", in pydantic's order
        self.after = after

    def usable(self) -> bool:
        if self.factory is not None:
            return not _takes_data(self.factory)
        return self.required or isinstance(self.default, _IMMUTABLE)  # shared, never copied


class _Plan:
    """What validating one model does, from its declarations; None fields: pydantic only."""

    def __init__(self, model: type[BaseModel]) -> None:
        config = model.model_config
        self.strip = bool(config.get("str_strip_whitespace"))
        self.fields: dict[str, _Field] | None = None
        decorators = model.__pydantic_decorators__
        if set(config) - _CONFIG or config.get("extra") not in ("forbid", "allow"):
            return
        if decorators.validators or decorators.root_validators or decorators.field_serializers:
            return
        if any(d.info.mode == "wrap" for d in decorators.model_validators.values()):
            return
        # each validator wraps the ones declared before it: "before" ones run last-declared first
        validators = list(decorators.model_validators.values())
        self.before = [d.func for d in reversed(validators) if d.info.mode == "before"]
        self.after = [d.func for d in validators if d.info.mode == "after"]
        fields = {}
        for name, info in model.model_fields.items():
            if info.alias or info.validation_alias or info.validate_default:
                return
            checks = [d for d in decorators.field_validators.values() if name in d.info.fields]
            if any(d.info.mode not in ("before", "after") for d in checks):
                return
            before = [d.func for d in reversed(checks) if d.info.mode == "before"]
            after = [d.func for d in checks if d.info.mode == "after"]
            fields[name] = _Field(info, before, after)
            if not fields[name].usable():
                return
        functions = self.before + self.after
        for field in fields.values():
            functions += field.before + field.after
        if any(len(inspect.signature(f).parameters) != 1 for f in functions):
            return  # a validator that takes ValidationInfo
        self.fields = fields


_PLANS: dict[type[BaseModel], _Plan] = {}

# Past its first use in a process, or past this many fields, pydantic's own validator is the
# faster one: built once (~20 ms), it then takes a few µs per value where this module takes
# 7-15 µs (a batch of files, a Phụ lục of 10,000 rows).
QUICK_MAX_FIELDS = 2000
_TRIED: set[type[BaseModel]] = set()


def _takes_data(factory: Any) -> bool:
    """Whether pydantic gives this default factory the data validated so far."""
    if factory in (list, dict):  # inspecting a builtin's signature costs a tokenizer
        return False
    try:
        parameters = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):  # a builtin such as list: no signature, no data
        return False
    return len(parameters) == 1 and parameters[0].default is inspect.Parameter.empty


def construct_first(model: type[BaseModel], data: Any, fields: int) -> BaseModel | None:
    """``construct`` for the process's first ``model`` of a file of up to QUICK_MAX_FIELDS
    ``fields``; None (pydantic validates) otherwise."""
    if model in _TRIED or fields > QUICK_MAX_FIELDS:
        return None
    _TRIED.add(model)
    return construct(model, data)


def construct(model: type[BaseModel], data: Any) -> BaseModel | None:
    """``data`` validated as ``model`` exactly as pydantic would, or None when not sure."""
    try:
        return _model(model, data)
    except _Unsure:
        return None


def _call(function: Any, value: Any) -> Any:
    try:
        return function(value)
    except Exception:  # refused (ValueError…): pydantic reports it in its words
        raise _Unsure from None


def _model(model: type[BaseModel], value: Any) -> BaseModel:
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _Plan(model)
    if plan.fields is None:
        raise _Unsure
    for validator in plan.before:
        value = _call(validator, value)
    if type(value) is not dict or not set(value) <= plan.fields.keys():
        raise _Unsure  # not a table of fields, or a field the model lacks (even where allowed)
    values = {}
    for name, field in plan.fields.items():
        if name not in value:
            if field.required:
                raise _Unsure
            values[name] = field.default if field.factory is None else field.factory()
            continue
        item = value[name]
        for validator in field.before:
            item = _call(validator, item)
        item = _annotated(field.annotation, field.metadata, item, plan.strip)
        for validator in field.after:
            item = _call(validator, item)
        values[name] = item
    instance = model.model_construct(set(value), **values)
    for validator in plan.after:
        instance = _call(validator, instance)
    return instance


def _annotated(annotation: Any, metadata: list[Any], value: Any, strip: bool) -> Any:
    """``Annotated[annotation, *metadata]``: validators, then the type, then constraints."""
    before = plain = discriminator = None
    constraints = []
    for item in metadata:
        if isinstance(item, BeforeValidator | PlainValidator):
            if before is not None or plain is not None:
                raise _Unsure  # several: their order is pydantic's business
            if isinstance(item, BeforeValidator):
                before = item.func
            else:
                plain = item.func
        elif isinstance(item, Discriminator):
            discriminator = item
        elif isinstance(item, FieldInfo):  # Annotated[float, Field(gt=0, le=100)]
            if not all(isinstance(c, _CONSTRAINTS) for c in item.metadata):
                raise _Unsure
            constraints += item.metadata
        elif isinstance(item, _CONSTRAINTS):
            constraints.append(item)
        elif not isinstance(item, _IGNORED):
            raise _Unsure
    if before is not None:
        value = _call(before, value)
    if plain is not None:
        if constraints or discriminator is not None:
            raise _Unsure
        return _call(plain, value)
    if discriminator is not None:
        value = _discriminated(annotation, discriminator, value, strip)
    else:
        value = _typed(annotation, value, strip)
    if value is not None:
        for constraint in constraints:
            _check(constraint, value)
    return value


def _check(constraint: Any, value: Any) -> None:
    if isinstance(constraint, at.Gt):
        ok = value > constraint.gt
    elif isinstance(constraint, at.Ge):
        ok = value >= constraint.ge
    elif isinstance(constraint, at.Lt):
        ok = value < constraint.lt
    elif isinstance(constraint, at.Le):
        ok = value <= constraint.le
    elif isinstance(constraint, at.MinLen):
        ok = len(value) >= constraint.min_length
    else:
        ok = len(value) <= constraint.max_length
    if not ok:
        raise _Unsure


def _typed(annotation: Any, value: Any, strip: bool) -> Any:
    """``value`` as ``annotation`` when it already has exactly that type (a whole number for a
    float is made a float, as pydantic does); anything else is for pydantic."""
    if annotation is Any:
        return value
    if annotation is str:
        if type(value) is not str:
            raise _Unsure
        return value.strip() if strip else value
    if annotation is float:
        if type(value) is float:
            return value
        if type(value) is int:
            try:
                return float(value)
            except OverflowError:  # too big for a float: pydantic says so
                raise _Unsure from None
        raise _Unsure
    if annotation is int and type(value) is str:
        # written digits, as the keys of lua_chon come from YAML: pydantic reads them as well
        canonical = value.isascii() and value.isdigit() and value[0] != "0" and len(value) < 19
        if canonical or value == "0":
            return int(value)
        raise _Unsure
    if annotation in (int, bool, _NONE):
        if type(value) is not annotation:
            raise _Unsure
        return value
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _annotated(arguments[0], list(arguments[1:]), value, strip)
    if origin is typing.Literal:
        if not any(type(value) is type(choice) and value == choice for choice in arguments):
            raise _Unsure
        return value
    if origin is list:
        if type(value) is not list:
            raise _Unsure
        return [_typed(arguments[0], item, strip) for item in value]
    if origin is dict:
        if type(value) is not dict:
            raise _Unsure
        key_type, value_type = arguments
        return {
            _typed(key_type, key, strip): _typed(value_type, item, strip)
            for key, item in value.items()
        }
    if origin in (typing.Union, types.UnionType):
        # the unions of the models take disjoint kinds of values: at most one member fits
        for member in arguments:
            try:
                return _typed(member, value, strip)
            except _Unsure:
                continue
        raise _Unsure
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(annotation, value)
    raise _Unsure


def _discriminated(annotation: Any, discriminator: Discriminator, value: Any, strip: bool) -> Any:
    """A union whose member is chosen by a function of the value (each member has a Tag)."""
    if not callable(discriminator.discriminator):
        raise _Unsure
    tag = _call(discriminator.discriminator, value)
    for member in typing.get_args(annotation):
        tags = [m.tag for m in typing.get_args(member)[1:] if isinstance(m, Tag)]
        if tags == [tag]:
            return _typed(member, value, strip)
    raise _Unsure
