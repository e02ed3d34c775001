"""The catalogs' formula language: evaluated safely, written as Excel formulas."""

from __future__ import annotations

import pytest

from generator.expressions import ExpressionError, parse_expression

CELLS = {"1.1": "E4", "1.2": "E5", "1.3": "E6"}


def _value(values):
    return lambda key: values.get(key)


@pytest.mark.parametrize(
    "text, values, expected",
    [
        ("[1.2] / [1.1] * 100", {"1.1": 40, "1.2": 10}, 25.0),
        ("[1.1] + [1.2] - 3", {"1.1": 4, "1.2": 5}, 6),
        ("-[1.1] * 2", {"1.1": 4}, -8),
        ("[1.2] / [1.1]", {"1.1": 0, "1.2": 5}, None),  # no division by zero
        ("[1.2] / [1.1]", {"1.2": 5}, None),  # a missing input gives no value
    ],
)
def test_evaluate(text: str, values: dict, expected) -> None:
    assert parse_expression(text).evaluate(_value(values)) == expected


@pytest.mark.parametrize(
    "text, values, holds",
    [
        ("<= [1.1]", {"1.1": 5, "1.2": 5}, True),
        ("<= [1.1]", {"1.1": 4, "1.2": 5}, False),
        ("= tong_con", {"1.2": 7}, True),
        ("= tong_con", {"1.2": 8}, False),
        (">= 0", {"1.2": -1}, False),
    ],
)
def test_checks_compare_the_indicator_itself(text: str, values: dict, holds: bool) -> None:
    check = parse_expression(text, self_id="1.2")
    assert check.comparison is not None
    assert check.evaluate(_value(values), lambda: 7) is holds


@pytest.mark.parametrize(
    "text, formula",
    [
        ("[1.2] / [1.1] * 100", 'IFERROR(((E5/E4)*100),"")'),
        ("[1.1] + [1.2]", "(E4+E5)"),
        ("tong_con", "SUM(E5,E6)"),
    ],
)
def test_excel_formula(text: str, formula: str) -> None:
    expression = parse_expression(text)
    assert expression.to_excel(CELLS.get, lambda: ["E5", "E6"]) == formula


def test_excel_formula_needs_every_cell() -> None:
    assert parse_expression("[1.9] + 1").to_excel(CELLS.get) is None


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "[1.1].__class__",
        "open('x')",
        "[1.1] if 1 else 2",
        "lambda: 1",
        "[1.1] < [1.2] < [1.3]",
        "[1.1] +",
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text)


def test_circular_formulas_are_refused(tmp_path) -> None:
    from generator.catalog import load_catalog
    from generator.errors import CatalogError

    path = tmp_path / "vong.yaml"
    path.write_text(
        "ma: vong\nten_bang: THỬ\nchi_tieu:\n"
        "  - {id: '1', ten: Tổng, dvt: Người}\n"
        "  - {id: '2', ten: Tỷ lệ, dvt: '%', cong_thuc: '[3]'}\n"
        "  - {id: '3', ten: Tỷ lệ lại, dvt: '%', cong_thuc: '[2] / [1] * 100'}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as error:
        load_catalog(str(path))
    assert "công thức tính vòng tròn: 2 → 3 → 2" in str(error.value)


@pytest.mark.parametrize(
    ("text", "typed", "holds"),
    [
        ("≈ [a] / [b] * 100 ±0,01", 76.70, True),  # computed 76,7042…
        ("≈ [a] / [b] * 100 ±0,001", 76.70, False),
        ("≈ [a] / [b] * 100", 76.70, True),  # ±0,01 when left out
        ("≈ [a] / [b] * 100 ±0.5", 77.1, True),
        ("= [a] / [b] * 100", 76.70, False),  # exact equality still warns
    ],
)
def test_approximate_equality(text: str, typed: float, holds: bool) -> None:
    values = {"p": typed, "a": 1813, "b": 2363.7}
    expression = parse_expression(text, self_id="p")
    assert expression.evaluate(values.get) is holds


def test_rounded_equality() -> None:
    values = {"p": 76.70, "a": 1813, "b": 2363.7}
    expression = parse_expression("= [a] / [b] * 100", self_id="p")
    assert expression.evaluate(values.get) is False
    assert expression.evaluate(values.get, rounding=2) is True
    assert expression.evaluate(values.get, rounding=3) is False


@pytest.mark.parametrize("text", ["[a] ≈ [b] ≈ [c]", "[a] ± 1", "≈ 1 ±x"])
def test_approximate_mistakes(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(text, self_id="p")
