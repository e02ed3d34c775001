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
