"""Text typed by users: sandboxed Jinja expressions, then inline markup (bold, italic, footnotes).

A paragraph like ``ban hành {{ so_lieu['1.1.3'] | dem }} kế hoạch[^kh11]`` is evaluated in a
SandboxedEnvironment that sees only the report's values and the formatting filters; what an
expression prints is escaped so it can never open markup. Then ``**đậm**``, ``*nghiêng*`` and
``[^khoa]`` become runs and footnote references.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.lexer import Token, TokenStream
from jinja2.parser import Parser
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from .formatting import FILTERS, phan_tram, round_half_up, so

# Private-use characters stand in for escaped markup characters while parsing.
_ESCAPES = {"\\\\": "\ue000", "\\*": "\ue001", "\\[": "\ue002", "\\]": "\ue003"}
_UNESCAPE = {"\ue000": "\\", "\ue001": "*", "\ue002": "[", "\ue003": "]"}
# Budgets that keep one hostile data file from hanging a render or exhausting memory.
MAX_FIELD_CHARS = 100_000  # one text field, as typed and as evaluated (~30 pages)
MAX_DOCUMENT_CHARS = 2_000_000  # every text field of one report together (~600 pages)
MAX_NESTING = 20  # brackets, unary signs or {% if %} inside one another
MAX_EXPRESSION_TOKENS = 150  # words, numbers and signs in one {{ … }} or {% … %}
_MAX_INT_BITS = 4_000  # ~1,200 digits: far past any figure, far below a slow print


class ProseError(Exception):
    """A mistake inside an expression of the user's text (message in Vietnamese)."""


class Percent(float):
    """A percentage computed by ty_le(); prints as "20%" but still does arithmetic."""


class Year(int):
    """A calendar year: prints as "2025", never grouped as a count ("2.025"), and stays a
    year through the arithmetic prose does with it (``nam - 1``)."""

    def __add__(self, other: object) -> Any:
        result = int.__add__(self, other)  # type: ignore[operator]
        return Year(result) if isinstance(result, int) else result

    __radd__ = __add__

    def __sub__(self, other: object) -> Any:
        result = int.__sub__(self, other)  # type: ignore[operator]
        return Year(result) if isinstance(result, int) else result


def clean_output(text: str) -> str:
    """What an expression printed, made fit for a document: NFC, no characters XML forbids
    (Jinja decodes escapes such as "\\x01" in string literals), no lone surrogates."""
    text = unicodedata.normalize("NFC", text)
    return _NOT_IN_XML.sub("", text)


# Also the bidirectional controls an expression could build ("\u202e"): see loader.BIDI_CONTROLS.
_NOT_IN_XML = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


def escape_markup(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("[", "\\[").replace("]", "\\]")


# --------------------------------------------------------------------------- value marks
# With marking on, each value an expression prints is framed by MARK_OPEN + a character that
# numbers it + MARK_CLOSE (private-use code points no one types); the Word writer turns each
# frame into a hidden bookmark so `baocao cap-nhat` can find the value again after hand edits.
MARK_OPEN, MARK_CLOSE = "\ue010", "\ue011"
_MARK_BASE = 0xF0000
MARKS = re.compile("\ue010([\U000f0000-\U000ffffd])|\ue011")


def mark_text(index: int, text: str) -> str:
    return f"{MARK_OPEN}{chr(_MARK_BASE + index)}{text}{MARK_CLOSE}"


def mark_index(char: str) -> int:
    return ord(char) - _MARK_BASE


def strip_marks(text: str) -> str:
    return MARKS.sub("", text) if MARK_OPEN in text or MARK_CLOSE in text else text


@dataclass(frozen=True)
class Marked:
    """What ``_dd(expression, index)`` returns while marking: the value and its mark number."""

    value: Any
    index: int


# `{{ … }}` with string literals skipped, so a "}}" inside quotes does not end it.
_EXPRESSION = re.compile(r"\{\{(-?)((?:[^'\"}]|'[^']*'|\"[^\"]*\"|\}(?!\}))*?)(-?)\}\}")


def marked_source(text: str) -> tuple[str, list[str]]:
    """The text with each ``{{ e }}`` rewritten as ``{{ _dd((e), n) }}``, and the expressions
    (whitespace normalised) in order: what each printed value is called in the marks."""
    expressions: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        expressions.append(" ".join(match.group(2).split()))
        number = len(expressions) - 1
        return f"{{{{{match.group(1)} _dd(({match.group(2)}), {number}) {match.group(3)}}}}}"

    return _EXPRESSION.sub(rewrite, text), expressions


def _finalize(value: Any) -> str:
    if isinstance(value, Marked):
        text = _finalize(value.value)
        if value.index < 0 or MARK_OPEN in text:  # a citation already marks its parts
            return text
        return mark_text(value.index, text)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, Year):
        return str(int(value))
    if isinstance(value, Percent):
        return phan_tram(float(value))  # ty_le() rounded it to the digits asked for
    if isinstance(value, float):
        return so(round_half_up(value, 3))  # as the Phụ lục prints figures
    if isinstance(value, int | Decimal):
        return so(value)
    if isinstance(value, str):
        return escape_markup(value)
    raise ProseError(unprintable(value))


def unprintable(value: Any) -> str:
    """Why ``value`` cannot be printed in a report: a Python repr is never report text."""
    if isinstance(value, FigureLookup):
        return "so_lieu là cả bảng số liệu, không in được; ghi một chỉ tiêu: so_lieu['1.1.1']"
    if callable(value):
        return (
            "biểu thức cho ra một hàm, không phải giá trị để in; hãy gọi hàm với dấu ngoặc, "
            "ví dụ van_ban('kh11') hoặc ten_co_quan.upper()"
        )
    if isinstance(value, list | tuple | dict | Mapping):
        return "biểu thức cho ra cả một danh sách hoặc bảng, không in được; chọn một phần tử"
    if isinstance(value, complex):
        return "biểu thức cho ra số phức, không in được"
    return f"biểu thức cho ra giá trị kiểu '{type(value).__name__}', không in được"


def _printed_size(value: Any) -> int:
    """About how many characters ``value`` prints as, counted only as far as the budget."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if isinstance(value, list | tuple | dict):
        total = len(value)
        for item in value.items() if isinstance(value, dict) else value:
            total += _printed_size(item)
            if total > MAX_FIELD_CHARS:
                break
        return total
    return 1


# Filters an expression may use: ours, and Jinja's that cannot build huge text.
_SAFE_JINJA_FILTERS = (
    "abs",
    "capitalize",
    "default",
    "first",
    "float",
    "int",
    "last",
    "length",
    "lower",
    "max",
    "min",
    "round",
    "string",
    "sum",
    "title",
    "trim",
    "upper",
)
_SAFE_METHODS = {
    str: {
        "upper",
        "lower",
        "title",
        "capitalize",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
    }
}
# One printf-style conversion: "%(ten)-10.2f"; its width and precision must be small numbers.
_FORMAT_SPEC = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")
_MAX_FORMAT_WIDTH = 1000
# Statements are refused: only expressions are needed, and loops or macros could run forever.
_STATEMENTS = (
    nodes.For,
    nodes.Macro,
    nodes.CallBlock,
    nodes.FilterBlock,
    nodes.Assign,
    nodes.AssignBlock,
    nodes.With,
    nodes.Block,
    nodes.Extends,
    nodes.Include,
    nodes.Import,
    nodes.FromImport,
    nodes.Scope,
    nodes.ScopedEvalContextModifier,
)


class _JoinThroughEnvironment(CodeGenerator):
    """Compiles ``a ~ b`` into a call the environment can bound (Jinja joins it inline)."""

    def visit_Concat(self, node: nodes.Concat, frame: Any) -> None:
        self.write("environment.join_text((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")

    def _output_child_to_const(self, node: nodes.Expr, frame: Any, finalize: Any) -> str:
        """Constant output is printed at compile time; a list in it must reach the checks."""
        if isinstance(node, nodes.List | nodes.Tuple | nodes.Dict) or any(
            node.find_all((nodes.List, nodes.Tuple, nodes.Dict))
        ):
            raise nodes.Impossible()
        return super()._output_child_to_const(node, frame, finalize)


class BoundedOperations(SandboxedEnvironment):
    """Jinja's sandbox with bounds on what an expression may build (strings, lists, powers,
    big integers, printf widths), checked before it is built, so that one data file or
    template cannot hang a render or exhaust memory."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])
    code_generator_class = _JoinThroughEnvironment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optimized = False  # constant folding would join "a" ~ [1] unchecked

    def wrap_str_format(self, value: Any) -> None:
        """No str.format: its widths ("{:>200000000}") build arbitrarily long strings."""
        return None

    def join_text(self, pieces: tuple[Any, ...]) -> str:
        for piece in pieces:
            if not isinstance(piece, str | int | float | Decimal | type(None)) and not hasattr(
                piece, "__html__"
            ):
                raise ProseError(unprintable(piece))
        if sum(_printed_size(piece) for piece in pieces) > MAX_FIELD_CHARS:
            raise SecurityError("chuỗi tạo ra quá dài")
        return markup_join(pieces) if self.autoescape else str_join(pieces)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            return _power(left, right)
        if operator == "%":
            if isinstance(left, str):
                _check_format(left)
                if _printed_size(left) + _printed_size(right) > MAX_FIELD_CHARS:
                    raise SecurityError("chuỗi tạo ra quá dài")
            return left % right
        if operator == "+":
            if _printed_size(left) + _printed_size(right) > MAX_FIELD_CHARS:
                raise SecurityError("chuỗi tạo ra quá dài")
            return left + right
        for sequence, count in ((left, right), (right, left)):
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(count, int)
                and _printed_size(sequence) * count > MAX_FIELD_CHARS
            ):
                raise SecurityError("chuỗi tạo ra quá dài")
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and left.bit_length() + right.bit_length() > _MAX_INT_BITS
        ):
            raise SecurityError("số tạo ra quá lớn")
        return left * right


def _power(base: Any, exponent: Any) -> Any:
    if isinstance(exponent, int | float) and abs(exponent) > 100:
        raise SecurityError("lũy thừa quá lớn")
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and abs(base).bit_length() * exponent > 10_000
    ):
        raise SecurityError("lũy thừa quá lớn")
    result = base**exponent
    if isinstance(result, complex):
        raise ProseError("lũy thừa này không ra số thực (căn của số âm)")
    return result


def _check_format(text: str) -> None:
    """Refuse a printf format whose width or precision would build a huge string."""
    for width, precision in _FORMAT_SPEC.findall(text):
        for size in (width, precision):
            if size == "*":
                raise SecurityError("định dạng % không được dùng độ rộng '*'")
            if size and int(size) > _MAX_FORMAT_WIDTH:
                raise SecurityError("định dạng tạo ra chuỗi quá dài")


class _Sandbox(BoundedOperations):
    """The sandbox report prose is evaluated in: the report's values and formatting filters."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, FigureLookup):
            return attr in ("get", "keys", "values", "items")
        allowed = next(
            (names for kind, names in _SAFE_METHODS.items() if isinstance(obj, kind)), set()
        )
        return attr in allowed and super().is_safe_attribute(obj, attr, value)


def make_environment() -> SandboxedEnvironment:
    env = _Sandbox(
        autoescape=False, finalize=_finalize, undefined=StrictUndefined, keep_trailing_newline=False
    )
    env.filters = {name: env.filters[name] for name in _SAFE_JINJA_FILTERS}
    env.filters.update(FILTERS)
    env.globals.clear()  # no range(), lipsum(), dict(), cycler()…: the report's names only
    return env


_OPENING = {"(": ")", "[": "]", "{": "}"}
_UNARY_AFTER = {"(", "[", "{", ",", ":", "+", "-", "*", "/", "//", "%", "**", "~", "|", "=="}


def check_nesting(source: str, environment: SandboxedEnvironment) -> None:
    """Refuse, before Jinja compiles it, an expression nested too deep or too long: compiling
    such text takes minutes or fails inside Python ("too many nested parentheses")."""
    for _token in _nesting_checked(environment.lex(source)):
        pass


def _nesting_checked(lexed: Iterable[tuple[int, str, str]]) -> Iterator[tuple[int, str, str]]:
    """The lexer's tokens passed on, each checked as check_nesting says."""
    depth = unary = tokens = 0
    blocks = 0  # {% if %} and {% for %} inside one another
    previous = ""
    for token in lexed:
        _line, kind, value = token
        yield token
        if kind in ("variable_begin", "block_begin"):
            depth = unary = tokens = 0
            previous = value
            continue
        if kind in ("whitespace", "data"):
            continue
        tokens += 1
        if kind == "operator" and value in _OPENING:
            depth += 1
        elif kind == "operator" and value in _OPENING.values():
            depth -= 1
        after_operator = previous in _UNARY_AFTER or previous.startswith("{")
        if (kind == "operator" and value in ("+", "-") and after_operator) or (
            kind == "name" and value == "not"
        ):
            unary += 1
        elif kind != "operator":
            unary = 0
        if previous.startswith("{%"):
            if kind == "name" and value in ("if", "for"):
                blocks += 1
            elif kind == "name" and value in ("endif", "endfor"):
                blocks -= 1
        if max(depth, unary, blocks) > MAX_NESTING:
            raise ProseError(
                f"biểu thức lồng nhau quá sâu (quá {MAX_NESTING} cấp ngoặc, dấu hoặc "
                "{% if %}); hãy viết gọn lại"
            )
        if tokens > MAX_EXPRESSION_TOKENS:
            raise ProseError(
                f"một biểu thức {{{{ … }}}} quá dài (hơn {MAX_EXPRESSION_TOKENS} phần); "
                "hãy chia nhỏ"
            )
        previous = value if kind == "operator" else kind


def _refuse_statements(tree: nodes.Template) -> None:
    for node in tree.find_all(_STATEMENTS):
        raise SecurityError(
            f"chỉ dùng biểu thức {{{{ … }}}} (và {{% if %}}), không dùng câu lệnh "
            f"'{type(node).__name__.lower()}'"
        )


@dataclass
class Dependencies:
    """What each text field read: indicator ids and document keys (for `baocao diff`)."""

    by_field: dict[str, set[str]] = field(default_factory=dict)
    current: str | None = None

    def note(self, ref: str) -> None:
        if self.current is not None:
            self.by_field.setdefault(self.current, set()).add(ref)


class FigureLookup(Mapping[str, Any]):
    """``so_lieu['1.1.2']`` in prose: the figure, or a clear error (unknown id, no figure)."""

    def __init__(
        self,
        values: dict[str, Any],
        describe: Callable[[str], str] | None,
        ids: list[str],
        deps: Dependencies,
    ) -> None:
        self._values = values
        self._describe = describe
        self._ids = ids
        self._known = set(ids)  # a lookup per expression: a list would cost O(ids) each
        self._deps = deps

    def __getitem__(self, key: Any) -> Any:
        key = str(key)
        self._deps.note(f"so_lieu:{key}")
        if self._describe is None:
            raise ProseError(f"so_lieu['{key}']: báo cáo không có phụ lục số liệu (phu_luc)")
        if key not in self._known:
            close = difflib.get_close_matches(key, self._ids, n=1, cutoff=0.6)
            hint = f"; có phải '{close[0]}'?" if close else ""
            raise ProseError(f"so_lieu['{key}']: mã chỉ tiêu không có trong danh mục{hint}")
        value = self._values.get(key)
        if value is None:
            raise ProseError(f"so_lieu['{key}']: chỉ tiêu {self._describe(key)} chưa có số liệu")
        return value

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


# --------------------------------------------------------------------------- inline markup


@dataclass(frozen=True)
class Run:
    """A stretch of text in one style."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class NoteRef:
    """A footnote reference: the key of the cited document; ``number`` is set when composed."""

    key: str
    number: int = 0


Inline = Run | NoteRef


def _protect(text: str) -> str:
    for raw, mark in _ESCAPES.items():
        text = text.replace(raw, mark)
    return text


def _restore(text: str) -> str:
    for mark, char in _UNESCAPE.items():
        text = text.replace(mark, char)
    return text


def _next_closers(text: str, width: int, closes_at: Callable[[int], bool]) -> list[int]:
    """For every position, the first position at or after it where a ``width``-character
    closing marker (``closes_at``, which starts with a '*') starts; len(text) when there is
    none. One pass over the stars, filling the positions up to each closer at once: markup is
    matched in linear time however many unclosed markers a text holds."""
    length = len(text)
    following = [length] * (length + 1)
    previous = -1  # the closer before: the positions after it are filled
    star = text.find("*")
    while 0 <= star <= length - width:
        if closes_at(star):
            following[previous + 1 : star + 1] = [star] * (star - previous)
            previous = star
        star = text.find("*", star + 1)
    return following


class _Markers:
    """Where the markup of one text can close: ``**b**`` and ``*i*`` close at the first marker
    that follows a non-space character, ``[^key]`` at the first ']' of a key without spaces."""

    def __init__(self, text: str) -> None:
        self.bold_italic = self.bold = self.italic = self.key_end = []  # none to look up
        if "*" in text:
            self._stars(text)
        if "[^" in text:
            self._keys(text)

    def _stars(self, text: str) -> None:
        def solid(index: int) -> bool:
            return index > 0 and not text[index - 1].isspace()

        self.bold_italic = _next_closers(text, 3, lambda i: text.startswith("***", i) and solid(i))
        self.bold = _next_closers(text, 2, lambda i: text.startswith("**", i) and solid(i))
        self.italic = _next_closers(
            text,
            1,
            lambda i: (
                text[i] == "*"
                and solid(i)
                and text[i - 1] != "*"
                and not text.startswith("*", i + 1)
            ),
        )

    def _keys(self, text: str) -> None:
        key_end = [len(text)] * (len(text) + 1)  # first ']' or space at or after each position
        for index in range(len(text) - 1, -1, -1):
            char = text[index]
            key_end[index] = index if char == "]" or char.isspace() else key_end[index + 1]
        self.key_end = key_end


def _parse(
    text: str,
    bold: bool,
    italic: bool,
    out: list[Inline],
    restore: Callable[[str], str] = _restore,
) -> None:
    """``***bi***``, ``**b**``, ``*i*`` (opening before a non-space character, closing after
    one; the content parsed again) and ``[^key]``, tried in that order at each position."""
    if "*" not in text and "[^" not in text:  # most text: no marker, so no table of closers
        if text:
            out.append(Run(_restore(text), bold, italic))
        return
    markers = _Markers(text)
    length = len(text)
    position = start = 0

    def emit_text(end: int) -> None:
        if end > start:
            out.append(Run(restore(text[start:end]), bold, italic))

    while position < length:
        char = text[position]
        found: tuple[int, int, int, str] | None = None  # content start, end, match end, kind
        if char == "*":
            after = text[position + 1] if position + 1 < length else " "
            if text.startswith("***", position) and position + 3 < length:
                close = markers.bold_italic[position + 4] if position + 4 <= length else length
                if not text[position + 3].isspace() and close < length:
                    found = (position + 3, close, close + 3, "bi")
            if found is None and text.startswith("**", position) and position + 2 < length:
                close = markers.bold[position + 3] if position + 3 <= length else length
                if not text[position + 2].isspace() and close < length:
                    found = (position + 2, close, close + 2, "b")
            if (
                found is None
                and (position == 0 or text[position - 1] != "*")
                and not after.isspace()
                and after != "*"
                and position + 2 <= length
            ):
                close = markers.italic[position + 2]
                if close < length:
                    found = (position + 1, close, close + 1, "i")
        elif char == "[" and text.startswith("[^", position):
            end = markers.key_end[position + 2]
            if end > position + 2 and end < length and text[end] == "]":
                found = (position + 2, end, end + 1, "note")
        if found is None:
            position += 1
            continue
        inner_start, inner_end, match_end, kind = found
        emit_text(position)
        inner = text[inner_start:inner_end]
        if kind == "note":
            out.append(NoteRef(restore(inner)))
        elif kind == "bi":
            _parse(inner, True, True, out, restore)
        elif kind == "b":
            _parse(inner, True, italic, out, restore)
        else:
            _parse(inner, bold, True, out, restore)
        position = start = match_end
    emit_text(length)


def parse_inline(text: str) -> list[Inline]:
    """``"a **b** [^k]"`` → [Run("a "), Run("b", bold), Run(" "), NoteRef("k")]; merges runs."""
    parsed: list[Inline] = []
    _parse(_protect(text), False, False, parsed)
    return _merged(parsed)


def _merged(parsed: list[Inline]) -> list[Inline]:
    """Runs without text dropped, neighbouring runs of the same style joined."""
    merged: list[Inline] = []
    for item in parsed:
        if isinstance(item, Run) and not item.text:
            continue
        previous = merged[-1] if merged else None
        if (
            isinstance(item, Run)
            and isinstance(previous, Run)
            and (previous.bold, previous.italic) == (item.bold, item.italic)
        ):
            merged[-1] = Run(previous.text + item.text, item.bold, item.italic)
        else:
            merged.append(item)
    return merged


_LONE_STAR = re.compile(r"(?<![\s*])\*(?![\s*])|(?<!\S)\*(?=[^\s*])|(?<=[^\s*])\*(?!\S)")


def parse_checked(text: str) -> tuple[list[Inline], list[tuple[str, bool]]]:
    """``parse_inline`` and the markup left open in the same pass: (message, is_error) for
    ``[^key`` without its "]" and ``**`` without its pair (errors), a lone ``*`` (a warning:
    it may be meant). Escaped characters (``\\*``) are text and never a slip."""
    if "*" not in text and "[" not in text and "\\" not in text:
        return ([Run(text)] if text else []), []  # no markup: nothing to parse
    raw: list[Inline] = []
    _parse(_protect(text), False, False, raw, restore=lambda piece: piece)
    left = "".join(item.text for item in raw if isinstance(item, Run))
    slips = []
    if "[^" in left:
        slips.append(
            ('chú thích "[^…" thiếu dấu "]" đóng (hoặc có dấu cách trong khóa): viết [^khoa]', True)
        )
    if "**" in left:
        slips.append(("dấu ** mở chữ đậm mà không đóng: viết **chữ đậm**", True))
    elif _LONE_STAR.search(left):
        slips.append(
            (
                "dấu * không thành cặp nên in ra nguyên dấu *: chữ nghiêng viết *chữ nghiêng*, "
                "muốn in dấu * thì viết \\*",
                False,
            )
        )
    restored: list[Inline] = [
        Run(_restore(item.text), item.bold, item.italic)
        if isinstance(item, Run)
        else NoteRef(_restore(item.key))
        for item in raw
    ]
    return _merged(restored), slips


# --------------------------------------------------------------------------- evaluation


_ENVIRONMENT: SandboxedEnvironment | None = None
_COMPILED: dict[str, Any] = {}  # source → template; a folder of similar reports compiles once
# texts lexed alike but for their literals → their one template (None: compiled one by one)
_SHAPES: dict[tuple[tuple[int, str, Any], ...], Any] = {}
_LITERAL = "_hang_"  # literal number i of a text is the name _hang_i of its shape's template
_LITERAL_TOKENS = ("string", "integer")
# A quoted literal of plain characters ('kh11', "1.1.2"): no quote, backslash, brace or newline
# inside, so what it holds cannot change how the text around it is lexed.
_PLAIN_QUOTED = re.compile(r"'([\w .-]*)'|\"([\w .-]*)\"")
_STAND_IN = "\ue100{}\ue101"  # private-use characters no report text holds
# text with its plain quoted literals emptied, and where they stand → (template, its other
# literals, the names of the emptied ones in order), or None: such texts compile as they come
_SKELETONS: dict[tuple[str, tuple[int, ...]], tuple[Any, dict[str, Any], list[str]] | None] = {}


def _compiled(text: str) -> Any:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = make_environment()
    template = _COMPILED.get(text)
    if template is None:
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
            _SHAPES.clear()
            _SKELETONS.clear()
        template = _like_one_before(text, _ENVIRONMENT) or _compile(text, _ENVIRONMENT)
        _COMPILED[text] = template
    return template


def _like_one_before(text: str, environment: SandboxedEnvironment) -> Any:
    """The template of a text that differs from one seen before only inside plain quoted
    literals (van_ban('kh11') after van_ban('ct26')), without lexing it again: lexing is what
    is left of an expression's cost once its shape is compiled. None: compile it as it is."""
    held: list[str] = []
    places: list[int] = []  # where each emptied literal stands in the skeleton
    emptied = 0  # characters taken out before the current literal

    def empty(found: re.Match[str]) -> str:
        nonlocal emptied
        inside = found.group(1) if found.group(1) is not None else found.group(2)
        held.append(inside)
        places.append(found.start() - emptied)
        emptied += len(inside)
        return found.group(0)[0] * 2

    skeleton = (_PLAIN_QUOTED.sub(empty, text), tuple(places))
    if not held or "\ue100" in text:
        return None
    if skeleton not in _SKELETONS:
        _SKELETONS[skeleton] = _skeleton_of(text, len(held), environment)
    known = _SKELETONS[skeleton]
    if known is None:
        return None
    shared, fixed, names = known
    return _WithLiterals(shared, {**fixed, **dict(zip(names, held, strict=True))})


def _skeleton_of(
    text: str, count: int, environment: SandboxedEnvironment
) -> tuple[Any, dict[str, Any], list[str]] | None:
    """What texts of ``text``'s skeleton share: lexed with a stand-in in each plain quoted
    literal, each stand-in must be one whole string literal; then the shape's template (see
    _compile), its other literals, and the name each stand-in is read as."""
    stand_ins = iter(range(count))
    probe = _PLAIN_QUOTED.sub(
        lambda found: found.group(0)[0] + _STAND_IN.format(next(stand_ins)) + found.group(0)[0],
        text,
    )
    try:
        tokens = list(environment.lexer.wrap(list(_nesting_checked(environment.lex(probe)))))
    except Exception:  # a mistake: said when the text is compiled as it is
        return None
    fixed: dict[str, Any] = {}
    names: dict[str, str] = {}  # stand-in → name
    literals = (t for t in tokens if t.type in _LITERAL_TOKENS)
    for number, token in enumerate(literals):
        if isinstance(token.value, str) and token.value.startswith("\ue100"):
            names[token.value] = f"{_LITERAL}{number}"
        else:
            fixed[f"{_LITERAL}{number}"] = token.value
    wanted = [_STAND_IN.format(number) for number in range(count)]
    if sorted(names) != sorted(wanted) or any(
        "\ue100" in str(t.value) for t in tokens if t.value not in names
    ):
        return None  # a stand-in inside a longer literal, a comment, the text around
    shared = _shared_template(tokens, environment)
    if shared is None:
        return None
    return shared, fixed, [names[stand_in] for stand_in in wanted]


def _shared_template(tokens: list[Token], environment: SandboxedEnvironment) -> Any:
    """The template every text lexed as ``tokens`` but for its literals shares (see
    _compile_shape), compiled once per shape; None when there is none (a text that already
    names a _hang_ variable, or tokens that do not make one)."""
    if any(t.type == "name" and t.value.startswith(_LITERAL) for t in tokens):
        return None
    shape = tuple(
        (t.lineno, t.type, None if t.type in _LITERAL_TOKENS else t.value) for t in tokens
    )
    if shape not in _SHAPES:
        _SHAPES[shape] = _compile_shape(tokens, environment)
    return _SHAPES[shape]


def _compile(text: str, environment: SandboxedEnvironment) -> Any:
    """The text's template. Texts that differ only in their string and integer literals
    (``van_ban('kh11')``, ``van_ban('ct26')``, ``so_lieu['1.1.2']``) are lexed, then share one
    template, parsed and compiled once, that reads the literals as names: parsing and compiling
    are most of an expression's cost, and a report cites dozens of documents this way. The
    sandbox folds no constants (``optimized`` off), so a name prints what its literal did."""
    lexed = list(_nesting_checked(environment.lex(text)))
    try:
        tokens = list(environment.lexer.wrap(lexed))
    except Exception:  # a literal Jinja refuses: the parse below says so, as it always has
        tokens = []
    shared = _shared_template(tokens, environment) if tokens else None
    if shared is not None:
        literals = [t.value for t in tokens if t.type in _LITERAL_TOKENS]
        if not literals:
            return shared
        return _WithLiterals(shared, {f"{_LITERAL}{i}": v for i, v in enumerate(literals)})
    tree = environment.parse(text)  # parsed once: checked, then compiled from the tree
    _refuse_statements(tree)
    return environment.from_string(tree)


def _compile_shape(tokens: list[Token], environment: SandboxedEnvironment) -> Any:
    """The template of ``tokens`` with literal number i read as the name _hang_i; None when
    the tokens do not make one (a mistake, said when the text is compiled alone, or literals
    Jinja joins: "a" "b")."""
    marked, number = [], 0
    for token in tokens:
        if token.type in _LITERAL_TOKENS:
            # stand-ins no literal of the text can be: all of them are replaced
            value: Any = f"\x00{number}" if token.type == "string" else number
            token = Token(token.lineno, token.type, value)
            number += 1
        marked.append(token)
    parser = Parser(environment, "")
    parser.stream = TokenStream(iter(marked), None, None)
    lift = _LiftLiterals()
    try:
        tree = lift.visit(parser.parse())
        if lift.joined:
            return None
        _refuse_statements(tree)
        return environment.from_string(tree)
    except Exception:
        return None


class _LiftLiterals(NodeTransformer):
    """Each stand-in literal of a tree (see _compile_shape) becomes the name _hang_i."""

    joined = False

    def visit_Const(self, node: nodes.Const) -> nodes.Node:
        value = node.value
        if type(value) is str:
            if not (value[:1] == "\x00" and value[1:].isdigit()):
                self.joined = True  # adjacent strings made one literal
                return node
            value = int(value[1:])
        elif type(value) is not int:  # True, False, None, floats: part of the shape
            return node
        return nodes.Name(f"{_LITERAL}{value}", "load", lineno=node.lineno)


class _WithLiterals:
    """A template shared by texts of one shape, rendered with this text's literals."""

    def __init__(self, template: Any, literals: dict[str, Any]) -> None:
        self.template = template
        self.literals = literals

    def generate(self, names: dict[str, Any]) -> Iterator[str]:
        return self.template.generate({**names, **self.literals})

    def render(self, names: dict[str, Any]) -> str:
        return self.template.render({**names, **self.literals})


def _pieces(text: str) -> list[str] | None:
    """``text`` cut into literal text and ``{{ … }}`` pieces (alternating, literal first), when
    rendering the pieces one by one prints exactly what the whole template prints: no
    statements, comments or whitespace control, no newline Jinja would rewrite."""
    if "{%" in text or "{#" in text or "\r" in text or text.endswith("\n"):
        return None
    pieces = []
    position = 0
    for match in _EXPRESSION.finditer(text):
        if match.group(1) or match.group(3):
            return None
        pieces += [text[position : match.start()], match.group(0)]
        position = match.end()
    pieces.append(text[position:])
    if any("{{" in literal for literal in pieces[0::2]):
        return None
    return pieces


class ProseEngine:
    """Evaluates the expressions in users' text against one report's values.

    Templates are compiled in one shared sandbox; the report's values are the render context.
    """

    def __init__(
        self,
        names: dict[str, Any],
        deps: Dependencies,
        register: Callable[[str, str], int] | None = None,
    ) -> None:
        self.names = names
        self.deps = deps
        self.register = register  # marking on: (key, field path) → mark number
        self.printed = 0  # characters of every field so far, against MAX_DOCUMENT_CHARS

    def _render(self, text: str, field_path: str) -> str:
        pieces = _pieces(text)
        if pieces is not None:
            try:
                return "".join(self._render_pieces(pieces, field_path))
            except TemplateSyntaxError:  # cut wrongly ("{{ {'a': {'b': 1}} }}"): whole text
                pass
        if self.register is None or "{{" not in text:
            return self._generate(_compiled(text), self.names)
        source, expressions = marked_source(text)
        try:
            template = _compiled(source)
        except TemplateSyntaxError:  # the rewrite did not fit this text: print it unmarked
            return self._generate(_compiled(text), self.names)
        register = self.register

        def mark(value: Any, number: int) -> Marked:
            return Marked(value, register(f"bt:{expressions[number]}", field_path))

        return self._generate(template, {**self.names, "_dd": mark})

    def _render_pieces(self, pieces: list[str], field_path: str) -> list[str]:
        """Literal text as it is, each ``{{ e }}`` compiled alone: expressions repeat across a
        report's paragraphs far more than whole paragraphs do, so most are compiled already."""
        register = self.register
        sources = [marked_source(p) if register else (p, []) for p in pieces[1::2]]
        templates = [_compiled(source) for source, _ in sources]  # all compile before any runs
        out = [pieces[0]]
        size = len(pieces[0])  # the field's budget counts the whole text, as one template would
        for template, (_, expressions), literal in zip(
            templates, sources, pieces[2::2], strict=True
        ):
            names = self.names
            if register is not None:

                def mark(value: Any, number: int, key: str = f"bt:{expressions[0]}") -> Marked:
                    return Marked(value, register(key, field_path))

                names = {**names, "_dd": mark}
            printed = self._generate(template, names, size)
            size += len(printed) + len(literal)
            out += [printed, literal]
        if size > MAX_FIELD_CHARS:
            raise ProseError(_too_long(size, evaluated=True))
        return out

    def evaluate(self, text: str, field_path: str, on_error: Callable[[str], None]) -> str:
        """The text with its expressions evaluated; on a mistake, report it and return ""."""
        if self.printed > MAX_DOCUMENT_CHARS:
            return ""  # reported once, at the field that went over
        self.deps.current = field_path
        try:
            if len(text) > MAX_FIELD_CHARS:
                raise ProseError(_too_long(len(text)))
            if "{" in text or "}" in text:
                braces = brace_problem(text)
                if braces:
                    raise ProseError(braces)
            if "{{" not in text and "{%" not in text and "{#" not in text:
                result = text
            else:
                result = clean_output(self._render(text, field_path))
            self.printed += len(result)
            if self.printed > MAX_DOCUMENT_CHARS:
                raise ProseError(
                    f"báo cáo dài quá {so(MAX_DOCUMENT_CHARS)} ký tự (khoảng 600 trang) tính "
                    "đến trường này; các trường sau không được tính"
                )
            return result
        except TemplateSyntaxError as exc:
            on_error(f"lỗi cú pháp trong biểu thức {{{{ … }}}}: {syntax_message(exc)}")
        except UndefinedError as exc:
            on_error(_undefined_message(exc, self.names))
        except ProseError as exc:
            on_error(str(exc))
        except SecurityError as exc:
            on_error(f"biểu thức không được phép: {security_message(exc)}")
        except TypeError:
            on_error(
                "biểu thức không tính được: kiểu dữ liệu hoặc số tham số không hợp (ví dụ cộng "
                "chữ với số, hay gọi hàm thiếu tham số như van_ban() thay cho van_ban('khoa'))"
            )
        except (ValueError, ArithmeticError, LookupError, NameError) as exc:
            on_error(f"biểu thức không tính được: {computation_message(exc)}")
        except RecursionError:
            on_error("biểu thức lồng nhau quá sâu")
        finally:
            self.deps.current = None
        return ""

    @staticmethod
    def _generate(template: Any, names: dict[str, Any], already: int = 0) -> str:
        """Render piece by piece, stopping as soon as the text (with ``already`` characters
        printed before it) is over the field's budget."""
        pieces = []
        size = already
        for piece in template.generate(names):
            size += len(piece)
            if size > MAX_FIELD_CHARS:
                raise ProseError(_too_long(size, evaluated=True))
            pieces.append(piece)
        return "".join(pieces)


def _too_long(size: int, evaluated: bool = False) -> str:
    what = "sau khi tính các biểu thức " if evaluated else ""
    return (
        f"nội dung {what}dài quá {so(MAX_FIELD_CHARS)} ký tự (khoảng 30 trang) trong một trường"
        f"{'' if evaluated else f' ({so(size)} ký tự)'}; hãy chia thành nhiều đoạn"
    )


_BRACES = re.compile(r"\{\{|\}\}")
# inside an expression a quoted string may hold braces: {{ "}}" }}
_BRACES_OR_STRING = re.compile(r"\{\{|\}\}|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_EXAMPLE = "{{ so_lieu['1.1.2'] }}"


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "…"


def brace_problem(text: str) -> str | None:
    """A ``{{ … }}`` missing one of its braces, which Jinja would print as typed (``{ x }}``)
    or report backwards (``{{ x }``: "unexpected '}'"); None when the braces pair up."""
    opened: int | None = None
    position = 0
    while True:
        match = (_BRACES if opened is None else _BRACES_OR_STRING).search(text, position)
        if match is None:
            break
        position = match.end()
        if match.group()[0] in "'\"":
            continue
        if match.group() == "{{":
            if opened is not None:
                break  # the earlier {{ has no }} before this one
            opened = match.start()
        elif opened is None:
            start = text.rfind("{", 0, match.start())
            if start < 0 or "}}" in text[start : match.start()]:
                continue  # a "}}" with no "{" before it is text
            shown = text[start : match.end()]
            return (
                f'biểu thức "{_snippet(shown)}" thiếu dấu "{{" mở: mỗi biểu thức mở bằng hai '
                f"dấu {{{{ và đóng bằng hai dấu }}}}, ví dụ {_EXAMPLE}"
            )
        else:
            opened = None
    if opened is None:
        return None
    following = _BRACES.search(text, opened + 2)
    end = following.start() if following else len(text)
    single = text.find("}", opened, end)  # the one "}" typed: the expression ends there
    end = single + 1 if single >= 0 else end
    return (
        f'biểu thức "{_snippet(text[opened:end])}" thiếu dấu "}}" đóng: mỗi biểu thức đóng bằng '
        f"hai dấu }}}}, ví dụ {_EXAMPLE}"
    )


def syntax_message(exc: TemplateSyntaxError) -> str:
    """Jinja's English as a Vietnamese message that says what to write instead."""
    message = exc.message or ""
    name = re.search(r"No (filter|test) named '([^']*)'", message)
    if name:
        usable = ", ".join(sorted(FILTERS))
        return (
            f"không có bộ lọc '{name.group(2)}'; sau dấu | chỉ dùng bộ lọc định dạng ({usable}), "
            f"số liệu viết {_EXAMPLE} hoặc {{{{ so_lieu['1.1.2'] | dem }}}}"
        )
    tag = re.search(r"Encountered unknown tag '([^']*)'", message)
    if tag:
        return (
            f"không có thẻ {{% {tag.group(1)} %}}; kiểm tra lại chữ viết (thẻ điều kiện viết "
            "{% if … %} … {% endif %})"
        )
    if "unexpected end of template" in message:
        return "thiếu dấu đóng }} (hoặc %} của {% if %}, hay {% endif %})"
    if "unexpected '}'" in message:
        return f'dấu "}}" không đúng chỗ; biểu thức viết {_EXAMPLE}'
    got = re.search(r"got '([^']*)'", message)
    if "expected token" in message and got:
        return (
            f'biểu thức viết sai ở "{got.group(1)}": mỗi {{{{ … }}}} chứa một biểu thức, ví dụ '
            f"{_EXAMPLE}, {{{{ so_lieu['1.1.2'] | dem }}}} hay {{{{ ty_le('1.1.2', '1.1.1') }}}}"
        )
    return (
        f"biểu thức viết sai; viết như {_EXAMPLE}, {{{{ ty_le('1.1.2', '1.1.1') }}}} hoặc "
        "{{ ten_co_quan }}"
    )


def security_message(exc: SecurityError) -> str:
    attribute = re.search(r"access to attribute '([^']*)'", str(exc))
    if attribute:
        return f"không dùng thuộc tính hay phương thức '{attribute.group(1)}' trong biểu thức"
    text = str(exc)
    return text if _is_vietnamese(text) else "biểu thức có thao tác không an toàn"


def _is_vietnamese(text: str) -> bool:
    """Our own messages are Vietnamese (they carry its letters); Python's and Jinja's are not."""
    return any(ord(char) > 127 for char in text)


def computation_message(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "chia cho 0"
    if isinstance(exc, OverflowError):
        return "số quá lớn"
    if isinstance(exc, LookupError):
        return "không có mục hay chỉ số này"
    text = str(exc)
    return text if _is_vietnamese(text) else "giá trị không hợp với phép tính hay bộ lọc"


def _undefined_message(exc: UndefinedError, names: Mapping[str, Any]) -> str:
    match = re.search(r"'([^']+)' is undefined", str(exc))
    attribute = re.search(r"has no attribute '([^']*)'", str(exc))
    if attribute:
        return f"không có thuộc tính '{attribute.group(1)}'; biểu thức viết như {_EXAMPLE}"
    if not match:
        return f"biểu thức dùng giá trị không có; viết như {_EXAMPLE}"
    name = match.group(1)
    user_names = list(names)  # the report's values, not Jinja's own globals
    close = difflib.get_close_matches(name, user_names, n=1, cutoff=0.6)
    hint = f"; có phải '{close[0]}'?" if close else f"; dùng được: {', '.join(sorted(user_names))}"
    return f"'{name}' không được định nghĩa{hint}"
