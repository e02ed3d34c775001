"""Prose expressions rendered piece by piece print exactly what the whole text would."""

from __future__ import annotations

import pytest

from generator.prose import Dependencies, ProseEngine, _compiled, clean_output

NAMES = {"a": 1200, "ten": "Hướng Hóa"}
TEXTS = [
    "có {{ a }} hồ sơ",
    'dấu {{ "}}" }} trong chuỗi, {{ a }} hồ sơ',
    "{{ {'x': {'y': 1}}['x']['y'] }} (ngoặc lồng nhau)",
    "trước   {{- a -}}   sau",
    "dòng cuối {{ a }}\n",
    "{{ a }}{{ ten | upper }}",
    "{% if a > 1 %}nhiều{% endif %} {{ a }}",
    "}} lẻ {{ a }}",
    "{{ a }} và {{ a + 1 }}\r\nrồi {{ a * 2 }}",
]


@pytest.mark.parametrize("text", TEXTS)
def test_pieces_print_what_the_whole_text_prints(text: str) -> None:
    errors: list[str] = []
    printed = ProseEngine(NAMES, Dependencies()).evaluate(text, "doan", errors.append)
    assert printed == clean_output(_compiled(text).render(NAMES))
    assert not errors


def test_each_printed_value_is_marked_once_in_order() -> None:
    marks: list[tuple[str, str]] = []

    def register(key: str, path: str) -> int:
        marks.append((key, path))
        return len(marks) - 1

    engine = ProseEngine(NAMES, Dependencies(), register)
    errors: list[str] = []
    printed = engine.evaluate("{{ a }} và {{  ten }} và {{ a }}", "doan", errors.append)
    assert marks == [("bt:a", "doan"), ("bt:ten", "doan"), ("bt:a", "doan")]
    assert "1.200" in printed and "Hướng Hóa" in printed and not errors
    marks.clear()
    assert engine.evaluate("{{ a }} và {{ ( }}", "doan", errors.append) == ""
    assert marks == []  # nothing marked for a text that cannot print
    assert errors and "cú pháp" in errors[0]


def test_texts_differing_only_in_literals_share_one_compiled_template() -> None:
    names = {"so_lieu": {"1.1": 7, "1.2": 1500}, "ten": "Hướng Hóa", "_hang_0": "của người dùng"}
    engine = ProseEngine(names, Dependencies())
    errors: list[str] = []
    first = _compiled("{{ so_lieu['1.1'] }}")
    assert first.template is _compiled("{{ so_lieu['1.2'] }}").template
    text = "có {{ so_lieu['1.1'] }} và {{ so_lieu['1.2'] }}"
    assert engine.evaluate(text, "d", errors.append) == "có 7 và 1.500"
    text = "{{ ten ~ 'x' if none is none else 3 }}"
    assert engine.evaluate(text, "d", errors.append) == "Hướng Hóax"
    # strings Jinja joins into one, an index written after a dot, a literal in a condition
    assert engine.evaluate("{{ 'a' 'b' }}{{ 'c' 'd' }}", "d", errors.append) == "abcd"
    names["ds"] = [4, 5]
    assert engine.evaluate("{{ ds.0 }} {{ ds.1 }} {{ 'x' if 1 else 'y' }}", "d", errors.append) == (
        "4 5 x"
    )
    # a text naming the lifted literals' own names is compiled as it is, never confused
    assert engine.evaluate("{{ _hang_0 ~ ' a' }}", "d", errors.append) == "của người dùng a"
    assert not errors


@pytest.mark.parametrize(
    ("first", "then", "printed"),
    [
        ("{{ van_ban('a', 'ngan') }}", "{{ van_ban('b c', 'ngan') }}", "b c/ngan"),
        ("{{ \"x 'a' y\" }}", "{{ \"x 'bb' y\" }}", "x 'bb' y"),  # inside a longer string
        ("{# 'a' #}{{ 'k' }}", "{# 'b' #}{{ 'm' }}", "m"),  # in a comment
        ("trước 'a' {{ 'k' }}", "trước 'b' {{ 'k' }}", "trước 'b' k"),  # in the text around
        ("{{ 'a' 'b' }}", "{{ 'c' 'd' }}", "cd"),  # joined into one literal
        ("{{ '\\u0041' ~ 'a' }}", "{{ '\\u0042' ~ 'b' }}", "Bb"),  # escapes are not plain
    ],
)
def test_a_text_like_one_before_but_for_its_quoted_literals_prints_its_own(
    first: str, then: str, printed: str
) -> None:
    names = {"van_ban": lambda key, kieu: f"{key}/{kieu}"}
    errors: list[str] = []
    engine = ProseEngine(names, Dependencies())
    engine.evaluate(first, "d", errors.append)
    assert engine.evaluate(then, "d", errors.append) == printed
    assert not errors
