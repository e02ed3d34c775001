"""No English reaches a user: every message click and pydantic can give is said in Vietnamese.

The tests walk the libraries' own lists (click's gettext message ids, pydantic_core's error
types), so a message added by a new release fails here instead of reaching a clerk.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import string
from pathlib import Path

import click
import pytest

from generator.cli import _usage_message, cli

# --------------------------------------------------------------------------- click

# click message ids a user never sees from baocao, and why
CLICK_NOT_SHOWN = {
    "Error: {message}": "the CLI prints its own 'Lỗi cách dùng:' before the message",
    "Try '{command} {option}' for help.": "the CLI prints its own 'Xem thêm: … --help'",
    "Aborted!": "the CLI catches Abort and prints 'Đã dừng.'",
    "Choice({choices})": "a repr, for programmers",
    "file": "part of the Path messages, tested through them",
    "directory": "part of the Path messages, tested through them",
    "path": "part of the Path messages, tested through them",
    "Options": "help headings: the CLI writes its own (Tùy chọn, Các lệnh)",
    "Positional arguments": "help headings",
    "Commands": "help headings",
    "deprecated": "no command or option of baocao is deprecated",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "none deprecated",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": "none",
    "env var: {var}": "no option reads an environment variable",
    "(dynamic)": "no option has a computed default",
    "default: {default}": "help text: test_help_says_defaults_and_kinds_in_vietnamese",
}
CLICK_MODULES = ("exceptions", "types", "parser", "core")
SAMPLES = {
    "message": "x",
    "param_hint": "'-j' / '--jobs'",
    "name": "--so",
    "value": "q",
    "range": "0<=x<=64",
    "choices": "'huyen', 'xa'",
    "choice": "'huyen'",
    "possibility": "'render'",
    "possibilities": "'render', 'check'",
    "filename": "bc.yaml",
    "format": "'%Y'",
    "formats": "'%Y', '%m'",
    "states": "true, false",
    "len_type": "2",
    "len_value": "1",
    "nargs": "2",
    "len": "3",
    "param_type": "option",
    "param_name": "so",
    "args": "a, b",
    "option": "x",
}
# placeholders that click fills with English words of its own
VARIANTS = {
    "number_type": ["integer", "float", "integer range", "float range"],
    "name": ["File", "Directory", "Path"],
    "range": ["0<=x<=64", "x>=1", "x<5", "0<x<1", "0<=x<1"],
}


def _click_message_ids() -> list[str]:
    """Every string click passes to gettext/ngettext in the modules that raise usage errors."""
    found = []
    root = Path(click.__file__).parent
    for module in CLICK_MODULES:
        tree = ast.parse((root / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
            ):
                found += [
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
    return sorted(set(found))


def _developer_error(message_id: str) -> bool:
    """Messages about a command defined wrongly (raised while the program is written)."""
    return bool(
        re.search(r"defined twice|declaration|same flag|Could not determine|No options", message_id)
    )


SHOWN = [m for m in _click_message_ids() if m not in CLICK_NOT_SHOWN and not _developer_error(m)]


def _filled(message_id: str) -> list[str]:
    fields = {f for _, f, _, _ in string.Formatter().parse(message_id) if f}
    variants = [dict(SAMPLES)]
    for field, values in VARIANTS.items():
        if field in fields:
            variants = [{**v, field: value} for v in variants for value in values]
    return [message_id.format(**v) for v in variants]


def _english_words(message_id: str) -> set[str]:
    literal = re.sub(r"\{[^}]*\}", " ", message_id)
    words = set(re.findall(r"[A-Za-z]{3,}", literal)) - {"UUID"}
    return words | {"integer", "float", "range"}


def test_click_messages_walked() -> None:
    assert len(SHOWN) >= 30, SHOWN  # the walk found click's messages
    assert "{value} is not in the range {range}." in SHOWN


@pytest.mark.parametrize("message_id", SHOWN)
def test_every_click_usage_message_is_vietnamese(message_id: str) -> None:
    for message in _filled(message_id):
        # alone, and wrapped as click wraps a parameter type's message
        for shown in (message, f"Invalid value for '-j' / '--jobs': {message}"):
            said = _usage_message(shown)
            left = {w for w in _english_words(message_id) if re.search(rf"\b{w}\b", said)}
            left |= {w for w in ("Invalid", "value", "for") if re.search(rf"\b{w}\b", said)}
            assert not left, f"{shown!r} → {said!r}: {left}"


def test_range_in_words() -> None:
    assert _usage_message("100 is not in the range 0<=x<=64.") == "100 không nằm trong khoảng 0–64"
    assert _usage_message("0 is not in the range x>=1.") == "0 phải ≥ 1"
    assert _usage_message("1 is not in the range 0<x<1.") == "1 phải > 0 và < 1"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["render", "x.yaml", "-j", "100"], "giá trị không hợp lệ cho -j / --jobs: 100 không nằm "),
        (["render", "x.yaml", "-j", "abc"], "'abc' không phải là số nguyên"),
        (["render", "--force=1", "x.yaml"], "tùy chọn --force không nhận giá trị"),
        (["template", "check", "."], "giá trị không hợp lệ cho FILE: '.' là một thư mục"),
        (["mau-nhap", "x"], "thiếu tùy chọn -o / --output"),
        (["tong-hop"], "thiếu tham số INPUTS..."),
        (["init", "x.yaml", "--cap", "q"], "'q' không phải một trong 'huyen', 'xa', 'so'"),
    ],
)
def test_usage_errors_from_the_command_line(invoke, args: list[str], said: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert "Lỗi cách dùng: " in result.output and said in result.output
    assert "[OPTIONS]" not in result.output


def test_help_says_defaults_and_kinds_in_vietnamese(invoke) -> None:
    assert "[mặc định: huyen]" in invoke("init", "--help").output
    web = invoke("web", "--help").output
    assert "--host CHỮ" in web and "--port SỐ" in web
    assert "default" not in web and "TEXT" not in web and "INTEGER" not in web


def test_version_without_installed_metadata(invoke, monkeypatch) -> None:
    """A source checkout run without `pip install` has no package metadata."""

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    result = invoke("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"baocao \d+\.\d+\.\d+\n", result.output)


def test_cli_is_the_group_tested() -> None:
    assert cli.name == "baocao"


# --------------------------------------------------------------------------- pydantic

# context values as pydantic fills them: English where pydantic writes English
CONTEXT_SAMPLES = {
    "error": "input is too short",
    "field_type": "List",
    "expected": "'la_ma', 'so' or 'chu'",
    "class_name": "Muc",
    "attribute": "x",
    "method_name": "model_validate",
    "gt": 0,
    "ge": 1,
    "lt": 100,
    "le": 100,
    "multiple_of": 5,
    "min_length": 2,
    "max_length": 10,
    "actual_length": 12,
    "pattern": "^[A-Z]+$",
    "encoding": "base64",
    "encoding_error": "Invalid padding",
    "tz_expected": 25200,
    "tz_actual": 0,
    "class": "Muc",
    "discriminator": "'_appendix_shape()'",
    "tag": "x",
    "expected_tags": "'mot_phu_luc', 'nhieu_phu_luc'",
    "expected_schemes": "'http', 'https'",
    "expected_version": 4,
    "max_digits": 5,
    "decimal_places": 2,
    "whole_digits": 3,
}
# words that are the same in Vietnamese text (names of formats)
SAME_IN_VIETNAMESE = {"JSON", "URL", "UUID", "ASCII", "NaN", "Unicode", "true", "false", "http"}


def _pydantic_error_types() -> list[str]:
    import typing

    from pydantic_core import core_schema

    return list(typing.get_args(core_schema.ErrorType))


def _known_error(kind: str) -> tuple[dict[str, object], str]:
    """The context pydantic requires for ``kind`` (learnt from its own complaints) and its
    English message."""
    from pydantic_core import PydanticKnownError

    context: dict[str, object] = {}
    while True:
        try:
            error = PydanticKnownError(kind, context or None)
        except (KeyError, TypeError) as exc:
            missing = re.search(r"'(\w+)' required in context", str(exc))
            assert missing, exc
            context[missing.group(1)] = CONTEXT_SAMPLES[missing.group(1)]
            continue
        return context, error.message()


def test_pydantic_error_types_walked() -> None:
    kinds = _pydantic_error_types()
    assert len(kinds) > 100 and "recursion_depth_exceeded" in kinds and "int_parsing_size" in kinds


@pytest.mark.parametrize("kind", _pydantic_error_types())
def test_every_pydantic_error_type_is_vietnamese(kind: str) -> None:
    from pydantic import ValidationError

    from generator.errors import ProblemList
    from generator.loader import LoadedFile
    from generator.model import BaoCao
    from generator.validate import MESSAGES, WORDED_TYPES, problems_from_validation

    assert kind in MESSAGES or kind in WORDED_TYPES, f"{kind}: no Vietnamese message"
    context, english = _known_error(kind)
    where = ("noi_dung", 0, "tieu_de")
    exc = ValidationError.from_exception_data(
        "BaoCao", [{"type": kind, "loc": where, "input": "abc", "ctx": context}]
    )
    problems = ProblemList("bc.yaml")
    problems_from_validation(exc, LoadedFile("bc.yaml", {}, {where: 18}), BaoCao, problems)
    (problem,) = problems.items
    said = str(problem)
    assert said.startswith("bc.yaml:18: noi_dung[1].tieu_de: "), said
    english_words = set(re.findall(r"[A-Za-z]{3,}", english))
    for english_context in ("error", "encoding_error"):
        english_words |= set(re.findall(r"[A-Za-z]{3,}", str(context.get(english_context, ""))))
    english_words |= {"Input", "should", "valid", "Unable", "Recursion", "List"}
    # the context's own values (choices, schemes) are data, said as they are
    english_words -= {
        w for name, v in context.items() if "error" not in name for w in re.findall(r"\w+", str(v))
    }
    left = {
        w for w in english_words - SAME_IN_VIETNAMESE if re.search(rf"\b{w}\b", problem.message)
    }
    assert not left, f"{kind}: {said!r} keeps {left}"
    assert re.search("[à-ỹđ]", problem.message), said  # Vietnamese words, not a bare value


def test_english_from_a_validator_is_not_shown() -> None:
    from generator.validate import _own_words

    assert _own_words("invalid literal for int() with base 10: 'mười'") is None
    assert _own_words('ký hiệu "the BC" không đúng dạng') == 'ký hiệu "the BC" không đúng dạng'


# --------------------------------------------------------------------------- the OS


def test_an_os_error_while_rendering_is_said_in_vietnamese(monkeypatch, tmp_path: Path) -> None:
    """A file gone or unreadable mid-render: the OS's own words never reach the user."""
    from generator import api
    from generator.errors import BaocaoError

    def vanished(*_args: object, **_options: object) -> None:
        raise FileNotFoundError(2, "No such file or directory", "mau.docx")

    monkeypatch.setattr(api, "_plan_report", vanished)
    result = api._plan_one((tmp_path / "bc.yaml", None, {}))
    assert isinstance(result, BaocaoError)
    assert str(result) == "mau.docx: không thực hiện được (không tìm thấy tệp hoặc thư mục)"


def test_every_os_error_is_worded_in_vietnamese() -> None:
    import errno

    from generator.loader import os_reason
    from generator.output import _reason

    for number in errno.errorcode:
        error = OSError(number, "English words from the system")
        for said in (os_reason(error), _reason(error)):
            assert "English" not in said and re.search("[à-ỹđ]", said), (number, said)


# --------------------------------------------------------------------------- json


def _json_decoder_messages() -> list[str]:
    """The messages json.decoder raises (the C scanner raises the same ones)."""
    import json.decoder

    tree = ast.parse(Path(json.decoder.__file__).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "JSONDecodeError":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute):
                first = first.func.value  # "Invalid \\escape: {0!r}".format(esc)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value.split("{")[0].strip())
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "msg":
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                value = value.func.value  # msg = "Invalid control character {0!r} at".format(…)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value.split("{")[0].strip())
    return sorted(found)


@pytest.mark.parametrize("message", _json_decoder_messages())
def test_every_json_syntax_message_is_vietnamese(message: str) -> None:
    from generator.loader import _json_message

    said = _json_message(message)
    assert said != _json_message("something new in a later Python"), message
    words = set(re.findall(r"[A-Za-z]{3,}", message)) - {"uXXXX"}  # the escape, as typed
    left = [w for w in words if re.search(rf"\b{w}\b", said)]
    assert not left, said
