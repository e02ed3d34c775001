"""Writes model_plan.py: what validating each model does, read from the pydantic models.

fast_validate makes a file's records (shapes.py) without importing pydantic, along a plan: for
each model its fields with their types, constraints, defaults and validator functions, and
its own validators, in the order pydantic runs them. The plan is read here from the models'
own declarations (``model_fields``, ``__pydantic_decorators__``, ``model_config``), so nothing
is declared twice, and written out as Python source that imports only shapes.py.
tests/test_fast_validate.py checks that model_plan.py is what this module writes today and
that the records it makes equal pydantic's objects; after changing a model, run
``python -m generator.plan_build``.

A model, or a type inside it, that the plan cannot express exactly (a config key, a wrap
validator, a validator taking ValidationInfo, a default made from other fields…) is written as
None: files holding it are always left to pydantic.
"""

from __future__ import annotations

import inspect
import types
import typing
from pathlib import Path
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

from . import shapes
from .validate import pydantic_model

PLAN_FILE = Path(__file__).with_name("model_plan.py")

# model_config keys whose meaning the plan keeps (the others leave a model to pydantic)
_CONFIG = {"extra", "frozen", "str_strip_whitespace", "defer_build", "json_schema_extra", "title"}
_CONSTRAINTS = {at.Gt: "gt", at.Ge: "ge", at.Lt: "lt", at.Le: "le"}
_LENGTHS = {at.MinLen: ("min_len", "min_length"), at.MaxLen: ("max_len", "max_length")}
_IGNORED = (PlainSerializer, WithJsonSchema, Tag)  # serialising and the JSON Schema only
_SIMPLE = {Any: "any", str: "str", int: "int", float: "float", bool: "bool", type(None): "none"}
_IMMUTABLE = (str, int, float, bool, type(None))


class _Unplannable(Exception):
    """pydantic decides."""


# the models a file is validated as (validate.validate_model's planned roots), by name
ROOTS = ("BaoCao", "DanhMuc")


def _function(function: Any) -> str:
    """A validator or default factory, named where the plan can import it from."""
    if function in (list, dict):
        return function.__name__
    name = getattr(function, "__name__", "")
    if getattr(shapes, name, None) is not function:
        raise _Unplannable  # declared in a module that imports pydantic
    return f"s.{name}"


def _one_argument(function: Any) -> None:
    if len(inspect.signature(function).parameters) != 1:
        raise _Unplannable  # a validator that takes ValidationInfo


class _Writer:
    def __init__(self) -> None:
        self.models: dict[str, str | None] = {}
        self.pending: list[type[BaseModel]] = []

    def model(self, model: type[BaseModel]) -> str:
        name = model.__name__
        if name not in self.models and model not in self.pending:
            self.pending.append(model)
        return repr(name)

    def write_all(self, start: list[type[BaseModel]]) -> dict[str, str | None]:
        for model in start:
            self.model(model)
        while self.pending:
            model = self.pending.pop(0)
            try:
                self.models[model.__name__] = self._plan(model)
            except _Unplannable:
                self.models[model.__name__] = None
        return self.models

    def _plan(self, model: type[BaseModel]) -> str:
        if model.__name__ not in shapes.RECORDS:
            raise _Unplannable
        config = model.model_config
        decorators = model.__pydantic_decorators__
        if set(config) - _CONFIG or config.get("extra") not in ("forbid", "allow"):
            raise _Unplannable
        if decorators.validators or decorators.root_validators or decorators.field_serializers:
            raise _Unplannable
        validators = list(decorators.model_validators.values())
        if any(d.info.mode not in ("before", "after") for d in validators):
            raise _Unplannable
        # each validator wraps the ones declared before it: "before" ones run last-declared first
        before = [d.func for d in reversed(validators) if d.info.mode == "before"]
        after = [d.func for d in validators if d.info.mode == "after"]
        fields = []
        for name, info in model.model_fields.items():
            fields.append(self._field(model, name, info))
        for function in before + after:
            _one_argument(function)
        return (
            f"(\n        s.{model.__name__},\n"
            f"        {bool(config.get('str_strip_whitespace'))},\n"
            f"        {config.get('extra') == 'allow'},\n"
            f"        {_tuple(_function(f) for f in before)},\n"
            f"        {_tuple(_function(f) for f in after)},\n"
            f"        (\n{''.join(fields)}        ),\n    )"
        )

    def _field(self, model: type[BaseModel], name: str, info: FieldInfo) -> str:
        if info.alias or info.validation_alias or info.validate_default:
            raise _Unplannable
        decorators = model.__pydantic_decorators__.field_validators.values()
        checks = [d for d in decorators if name in d.info.fields]
        if any(d.info.mode not in ("before", "after") for d in checks):
            raise _Unplannable
        before = [d.func for d in reversed(checks) if d.info.mode == "before"]
        after = [d.func for d in checks if d.info.mode == "after"]
        for function in before + after:
            _one_argument(function)
        if info.default_factory is not None:
            factory = info.default_factory
            if factory not in (list, dict) and inspect.signature(factory).parameters:
                raise _Unplannable  # pydantic gives it the data validated so far
            default = f"FACTORY, {_function(info.default_factory)}"
        elif info.is_required():
            default = "REQUIRED, None"
        elif isinstance(info.default, _IMMUTABLE):  # shared, never copied
            default = f"{info.default!r}, None"
        else:
            raise _Unplannable
        kind = self._annotated(info.annotation, info.metadata)
        return (
            f"            ({name!r}, {default}, {_tuple(_function(f) for f in before)}, "
            f"{kind}, {_tuple(_function(f) for f in after)}),\n"
        )

    def _annotated(self, annotation: Any, metadata: list[Any]) -> str:
        """``Annotated[annotation, *metadata]``: validators, then the type, then constraints."""
        before = plain = discriminator = None
        constraints: list[str] = []
        for item in metadata:
            if isinstance(item, BeforeValidator | PlainValidator):
                if before is not None or plain is not None:
                    raise _Unplannable  # several: their order is pydantic's business
                _one_argument(item.func)
                if isinstance(item, BeforeValidator):
                    before = _function(item.func)
                else:
                    plain = _function(item.func)
            elif isinstance(item, Discriminator):
                discriminator = item
            elif isinstance(item, FieldInfo):  # Annotated[float, Field(gt=0, le=100)]
                constraints += [_constraint(c) for c in item.metadata]
            elif not isinstance(item, _IGNORED):
                constraints.append(_constraint(item))
        if plain is not None:
            if constraints or discriminator is not None:
                raise _Unplannable
            return f"('plain', {plain})"
        if discriminator is not None:
            kind = self._discriminated(annotation, discriminator)
        else:
            kind = self._type(annotation)
        if before is None and not constraints:
            return kind
        return f"('annotated', {kind}, {before}, {_tuple(constraints)})"

    def _type(self, annotation: Any) -> str:
        if annotation in _SIMPLE:
            return repr(_SIMPLE[annotation])
        origin = typing.get_origin(annotation)
        arguments = typing.get_args(annotation)
        if origin is typing.Annotated:
            return self._annotated(arguments[0], list(arguments[1:]))
        if origin is typing.Literal:
            return _tuple(["'literal'", *(repr(a) for a in arguments)])
        if origin is list:
            return f"('list', {self._type(arguments[0])})"
        if origin is dict:
            return f"('dict', {self._type(arguments[0])}, {self._type(arguments[1])})"
        if origin in (typing.Union, types.UnionType):
            # the unions of the models take disjoint kinds of values: at most one member fits
            return _tuple(["'union'", *(self._type(a) for a in arguments)])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return f"('model', {self.model(annotation)})"
        raise _Unplannable

    def _discriminated(self, annotation: Any, discriminator: Discriminator) -> str:
        """A union whose member is chosen by a function of the value (each member has a Tag)."""
        if not callable(discriminator.discriminator):
            raise _Unplannable
        _one_argument(discriminator.discriminator)
        members = []
        for member in typing.get_args(annotation):
            tags = [m.tag for m in typing.get_args(member)[1:] if isinstance(m, Tag)]
            if len(tags) != 1:
                raise _Unplannable
            members.append(f"({tags[0]!r}, {self._type(member)})")
        return f"('tagged', {_function(discriminator.discriminator)}, {_tuple(members)})"


def _constraint(item: Any) -> str:
    for kind, name in _CONSTRAINTS.items():
        if isinstance(item, kind):
            bound = getattr(item, name)
            if not isinstance(bound, int | float) or isinstance(bound, bool):
                raise _Unplannable
            return f"({name!r}, {bound!r})"
    for kind, (name, attribute) in _LENGTHS.items():
        if isinstance(item, kind):
            return f"({name!r}, {getattr(item, attribute)!r})"
    raise _Unplannable


def _tuple(items: Any) -> str:
    items = list(items)
    if len(items) == 1:
        return f"({items[0]},)"
    return f"({', '.join(items)})"


HEADER = '''"""How fast_validate makes records (shapes.py) from a file, without pydantic.

Written by ``python -m generator.plan_build`` from the pydantic models (model.py,
catalog_model.py); tests/test_fast_validate.py checks it is current. Do not edit by hand.

Each model: (record, strip whitespace, extra fields allowed, "before" validators, "after"
validators, fields); None: pydantic decides. Each field: (name, default or REQUIRED or FACTORY,
factory, "before" validators, type, "after" validators).
"""

from . import shapes as s

REQUIRED = "<required>"
FACTORY = "<factory>"

MODELS = {
'''


def plan_source() -> str:
    models = _Writer().write_all([pydantic_model(name) for name in ROOTS])
    body = "".join(f"    {name!r}: {plan},\n" for name, plan in sorted(models.items()))
    return HEADER + body + "}\n"


def main() -> None:
    PLAN_FILE.write_text(plan_source(), encoding="utf-8")
    print(f"Đã ghi {PLAN_FILE}")


if __name__ == "__main__":
    main()
