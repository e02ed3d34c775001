"""The small formula language of catalogs.

Formulas and checks read ``[1.1.2] / [1.1.1] * 100``, ``<= [1.1.1]``, ``= tong_con``.

References to indicators are written in square brackets; ``tong_con`` is the sum of the
indicator's children. Only numbers, + - * /, parentheses and one comparison are allowed:
expressions come from YAML files, so they are parsed with ``ast`` and walked, never eval'ed.
The same tree is evaluated in Python (checks, computed values) and written as an Excel formula.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from .formatting import round_half_up

_REF = re.compile(r"\[([^\[\]]+)\]")
_SINGLE_EQUALS = re.compile(r"(?<![<>=!])=(?!=)")
CHILDREN_SUM = "tong_con"
_PLUS_MINUS = re.compile(r"±\s*(\d+(?:[.,]\d+)?)\s*$")
APPROX_DEFAULT = 0.01  # "≈ A" without "±": within 0,01
# Bounds that keep parsing and the recursive evaluation far from Python's recursion limit.
MAX_OPERATORS = 200
MAX_DEPTH = 100

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
# What a failed comparison means, said of the left side ("5 lớn hơn 4").
FAILED_WORDS = {
    "<": "không nhỏ hơn",
    "<=": "lớn hơn",
    ">": "không lớn hơn",
    ">=": "nhỏ hơn",
    "==": "khác",
    "!=": "bằng",
}


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Expression:
    """A parsed formula or check; ``refs`` are the indicator ids it reads."""

    text: str
    tree: ast.expr
    names: dict[str, str]  # placeholder name → indicator id
    tolerance: float | None = None  # "≈ … ±0,01": how far apart the sides may be

    @property
    def refs(self) -> list[str]:
        return list(self.names.values())

    @property
    def comparison(self) -> tuple[str, ast.expr, ast.expr] | None:
        if isinstance(self.tree, ast.Compare):
            return _COMPARE[type(self.tree.ops[0])], self.tree.left, self.tree.comparators[0]
        return None

    def ref_of(self, node: ast.expr) -> str | None:
        """The indicator id when ``node`` is a plain reference, else None."""
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        return None

    def evaluate(
        self,
        value_of: Callable[[str], float | None],
        children_sum: Callable[[], float | None] | None = None,
        node: ast.expr | None = None,
        rounding: int | None = None,
    ) -> float | bool | None:
        """Value of the expression (or of one of its nodes); None when an input is missing.
        A comparison rounds both sides to ``rounding`` decimals first when given."""
        tree = node if node is not None else self.tree
        if isinstance(tree, ast.Compare) and (rounding is not None or self.tolerance is not None):
            left = _evaluate(tree.left, self.names, value_of, children_sum)
            right = _evaluate(tree.comparators[0], self.names, value_of, children_sum)
            if left is None or right is None:
                return None
            if rounding is not None:
                left, right = round_half_up(left, rounding), round_half_up(right, rounding)
            return _compare(_COMPARE[type(tree.ops[0])], left, right, self.tolerance)
        return _evaluate(tree, self.names, value_of, children_sum)

    def to_excel(
        self,
        cell_of: Callable[[str], str | None],
        children_cells: Callable[[], list[str]] | None = None,
    ) -> str | None:
        """The formula as Excel text (without '='); None when a reference has no cell.

        A formula that divides shows an empty cell, not #DIV/0!, while its inputs are empty.
        """
        try:
            formula = _excel(self.tree, self.names, cell_of, children_cells)
        except LookupError:
            return None
        divides = any(
            isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(self.tree)
        )
        return f'IFERROR({formula},"")' if divides else formula


def parse_expression(text: str, self_id: str | None = None) -> Expression:
    """Parse ``text``; a leading comparison ("<= [1.1.1]") compares the indicator itself.
    ``≈ A ±0,01`` is an equality within 0,01 (±0,01 when the ± part is left out)."""
    source = text.strip()
    tolerance = None
    if "≈" in source:
        plus_minus = _PLUS_MINUS.search(source)
        tolerance = APPROX_DEFAULT
        if plus_minus:
            tolerance = float(plus_minus.group(1).replace(",", "."))
            source = source[: plus_minus.start()].rstrip()
        if source.count("≈") != 1:
            raise ExpressionError(f'biểu thức "{text}" chỉ được có một dấu ≈')
        source = source.replace("≈", "==")
    elif "±" in source:
        raise ExpressionError(f'biểu thức "{text}": ± chỉ dùng sau phép so sánh ≈')
    if self_id is not None and re.match(r"^(<=|>=|==|!=|<|>|=)", source):
        source = f"[{self_id}] {source}"
    names: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = f"_r{len(names)}"
        names[name] = match.group(1).strip()
        return name

    source = _REF.sub(placeholder, source)
    source = _SINGLE_EQUALS.sub("==", source)
    if sum(source.count(sign) for sign in "+-*/(") > MAX_OPERATORS:
        raise ExpressionError(
            f'biểu thức "{_short(text)}" quá dài (quá {MAX_OPERATORS} phép tính và dấu ngoặc)'
        )
    try:
        tree = ast.parse(source, mode="eval").body
    except (SyntaxError, RecursionError, MemoryError):
        raise ExpressionError(f'biểu thức "{_short(text)}" sai cú pháp') from None
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(
            f'biểu thức "{_short(text)}" lồng nhau quá sâu (quá {MAX_DEPTH} tầng)'
        )
    _check_nodes(tree, names, text)
    if isinstance(tree, ast.Compare) and len(tree.ops) != 1:
        raise ExpressionError(f'biểu thức "{text}" chỉ được có một phép so sánh')
    if tolerance is not None and not isinstance(tree, ast.Compare):
        raise ExpressionError(f'biểu thức "{text}": ≈ phải là phép so sánh')
    return Expression(text, tree, names, tolerance)


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "…"


def _depth(tree: ast.expr) -> int:
    """How deeply the tree nests, found without recursion."""
    deepest = 0
    pending = [(tree, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_nodes(tree: ast.expr, names: dict[str, str], text: str) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            continue
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            if not representable(node.value):
                raise ExpressionError(f'biểu thức "{text}" có số quá lớn')
            continue
        if isinstance(node, ast.Name) and (node.id in names or node.id == CHILDREN_SUM):
            continue
        if isinstance(node, ast.operator | ast.unaryop | ast.cmpop | ast.expr_context):
            continue
        raise ExpressionError(
            f'biểu thức "{text}" chỉ được dùng số, [mã chỉ tiêu], {CHILDREN_SUM}, + - * / và so '
            "sánh"
        )


def representable(number: int | float) -> bool:
    """A finite number within float range: every figure is computed and printed as a float."""
    try:
        return math.isfinite(float(number))
    except OverflowError:  # an integer literal of hundreds of digits
        return False


def _evaluate(
    node: ast.expr,
    names: dict[str, str],
    value_of: Callable[[str], float | None],
    children_sum: Callable[[], float | None] | None,
) -> float | bool | None:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id == CHILDREN_SUM:
            return children_sum() if children_sum else None
        return value_of(names[node.id])
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, names, value_of, children_sum)
        if operand is None:
            return None
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, names, value_of, children_sum)
        right = _evaluate(node.right, names, value_of, children_sum)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return None if right == 0 else left / right
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, names, value_of, children_sum)
        right = _evaluate(node.comparators[0], names, value_of, children_sum)
        if left is None or right is None:
            return None
        return _compare(_COMPARE[type(node.ops[0])], left, right)
    raise ExpressionError("biểu thức không hợp lệ")


def _compare(op: str, left: float, right: float, within: float | None = None) -> bool:
    tolerance = 1e-9
    equal = (
        abs(left - right) <= within + 1e-9
        if within is not None
        else abs(left - right) <= 1e-6 * max(1.0, abs(right))
    )
    return {
        "<": left < right - tolerance,
        "<=": left <= right + tolerance,
        ">": left > right + tolerance,
        ">=": left >= right - tolerance,
        "==": equal,
        "!=": not equal,
    }[op]


def _excel(
    node: ast.expr,
    names: dict[str, str],
    cell_of: Callable[[str], str | None],
    children_cells: Callable[[], list[str]] | None,
) -> str:
    if isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Name):
        if node.id == CHILDREN_SUM:
            cells = children_cells() if children_cells else []
            if not cells:
                raise LookupError(CHILDREN_SUM)
            return "SUM(" + ",".join(cells) + ")"
        cell = cell_of(names[node.id])
        if cell is None:
            raise LookupError(names[node.id])
        return cell
    if isinstance(node, ast.UnaryOp):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + _excel(node.operand, names, cell_of, children_cells)
    if isinstance(node, ast.BinOp):
        left = _excel(node.left, names, cell_of, children_cells)
        right = _excel(node.right, names, cell_of, children_cells)
        op = _BINOPS[type(node.op)]
        return f"({left}{op}{right})"
    raise LookupError("comparison")
