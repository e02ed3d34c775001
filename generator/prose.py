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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from .formatting import FILTERS, phan_tram, round_half_up, so

# Private-use characters stand in for escaped markup characters while parsing.
_ESCAPES = {"\\\\": "\ue000", "\\*": "\ue001", "\\[": "\ue002", "\\]": "\ue003"}
_UNESCAPE = {"\ue000": "\\", "\ue001": "*", "\ue002": "[", "\ue003": "]"}
_MAX_TEXT = 100_000  # longest string an expression may build (a '*' bomb is refused)


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


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    return escape_markup(str(value))


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
# A printf-style width or precision above this would build a huge string ("%0200000000d").
_FORMAT_SIZE = re.compile(r"%[-+ #0]*(\d+)|\.(\d+)")
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


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, narrowed to what report prose needs, with bounds on what an expression
    may build (strings, powers) so one data file cannot hang or exhaust a render."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def wrap_str_format(self, value: Any) -> None:
        """No str.format: its widths ("{:>200000000}") build arbitrarily long strings."""
        return None

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, FigureLookup):
            return attr in ("get", "keys", "values", "items")
        allowed = next(
            (names for kind, names in _SAFE_METHODS.items() if isinstance(obj, kind)), set()
        )
        return attr in allowed and super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise SecurityError("lũy thừa quá lớn")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and abs(left).bit_length() * right > 10_000
            ):
                raise SecurityError("lũy thừa quá lớn")
            return left**right
        if operator == "%":
            if isinstance(left, str) and any(
                int(a or b) > 1000 for a, b in _FORMAT_SIZE.findall(left)
            ):
                raise SecurityError("định dạng tạo ra chuỗi quá dài")
            return left % right
        for text, count in ((left, right), (right, left)):
            if (
                isinstance(text, str | list)
                and isinstance(count, int)
                and len(text) * count > _MAX_TEXT
            ):
                raise SecurityError("chuỗi tạo ra quá dài")
        return left * right


def make_environment() -> SandboxedEnvironment:
    env = _Sandbox(
        autoescape=False, finalize=_finalize, undefined=StrictUndefined, keep_trailing_newline=False
    )
    env.filters = {name: env.filters[name] for name in _SAFE_JINJA_FILTERS}
    env.filters.update(FILTERS)
    env.globals.clear()  # no range(), lipsum(), dict(), cycler()…: the report's names only
    return env


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
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class NoteRef:
    """A footnote reference: the key of the cited document; ``number`` is set when composed."""

    key: str
    number: int = 0


Inline = Run | NoteRef

_TOKEN = re.compile(
    r"(?P<bi>\*\*\*(?=\S)(?P<bi_t>.+?)(?<=\S)\*\*\*)"
    r"|(?P<b>\*\*(?=\S)(?P<b_t>.+?)(?<=\S)\*\*)"
    r"|(?P<i>(?<!\*)\*(?=[^\s*])(?P<i_t>.+?)(?<=[^\s*])\*(?!\*))"
    r"|(?P<note>\[\^(?P<note_k>[^\]\s]+)\])",
    re.DOTALL,
)


def _protect(text: str) -> str:
    for raw, mark in _ESCAPES.items():
        text = text.replace(raw, mark)
    return text


def _restore(text: str) -> str:
    for mark, char in _UNESCAPE.items():
        text = text.replace(mark, char)
    return text


def _parse(text: str, bold: bool, italic: bool, out: list[Inline]) -> None:
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            out.append(Run(_restore(text[position : match.start()]), bold, italic))
        if match.group("note"):
            out.append(NoteRef(_restore(match.group("note_k"))))
        elif match.group("bi"):
            _parse(match.group("bi_t"), True, True, out)
        elif match.group("b"):
            _parse(match.group("b_t"), True, italic, out)
        else:
            _parse(match.group("i_t"), bold, True, out)
        position = match.end()
    if position < len(text):
        out.append(Run(_restore(text[position:]), bold, italic))


def parse_inline(text: str) -> list[Inline]:
    """``"a **b** [^k]"`` → [Run("a "), Run("b", bold), Run(" "), NoteRef("k")]; merges runs."""
    parsed: list[Inline] = []
    _parse(_protect(text), False, False, parsed)
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


# --------------------------------------------------------------------------- evaluation


_ENVIRONMENT: SandboxedEnvironment | None = None
_COMPILED: dict[str, Any] = {}  # source → template; a folder of similar reports compiles once


def _compiled(text: str) -> Any:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = make_environment()
    template = _COMPILED.get(text)
    if template is None:
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        tree = _ENVIRONMENT.parse(text)  # parsed once: checked, then compiled from the tree
        _refuse_statements(tree)
        template = _COMPILED[text] = _ENVIRONMENT.from_string(tree)
    return template


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

    def _render(self, text: str, field_path: str) -> str:
        pieces = _pieces(text)
        if pieces is not None:
            try:
                return "".join(self._render_pieces(pieces, field_path))
            except TemplateSyntaxError:  # cut wrongly ("{{ {'a': {'b': 1}} }}"): whole text
                pass
        if self.register is None or "{{" not in text:
            return _compiled(text).render(self.names)
        source, expressions = marked_source(text)
        try:
            template = _compiled(source)
        except TemplateSyntaxError:  # the rewrite did not fit this text: print it unmarked
            return _compiled(text).render(self.names)
        register = self.register

        def mark(value: Any, number: int) -> Marked:
            return Marked(value, register(f"bt:{expressions[number]}", field_path))

        return template.render({**self.names, "_dd": mark})

    def _render_pieces(self, pieces: list[str], field_path: str) -> list[str]:
        """Literal text as it is, each ``{{ e }}`` compiled alone: expressions repeat across a
        report's paragraphs far more than whole paragraphs do, so most are compiled already."""
        register = self.register
        sources = [marked_source(p) if register else (p, []) for p in pieces[1::2]]
        templates = [_compiled(source) for source, _ in sources]  # all compile before any runs
        out = [pieces[0]]
        for template, (_, expressions), literal in zip(
            templates, sources, pieces[2::2], strict=True
        ):
            names = self.names
            if register is not None:

                def mark(value: Any, number: int, key: str = f"bt:{expressions[0]}") -> Marked:
                    return Marked(value, register(key, field_path))

                names = {**names, "_dd": mark}
            out += [template.render(names), literal]
        return out

    def evaluate(self, text: str, field_path: str, on_error: Callable[[str], None]) -> str:
        """The text with its expressions evaluated; on a mistake, report it and return ""."""
        self.deps.current = field_path
        try:
            if "{{" not in text and "{%" not in text and "{#" not in text:
                return text
            return clean_output(self._render(text, field_path))
        except TemplateSyntaxError as exc:
            on_error(f"lỗi cú pháp trong biểu thức {{{{ … }}}}: {_syntax_message(exc)}")
        except UndefinedError as exc:
            on_error(_undefined_message(exc, self.names))
        except ProseError as exc:
            on_error(str(exc))
        except SecurityError as exc:
            on_error(f"biểu thức không được phép: {exc}")
        except TypeError as exc:
            on_error(f"biểu thức không tính được (kiểu dữ liệu hoặc số tham số không hợp): {exc}")
        except (ValueError, ArithmeticError, LookupError, NameError) as exc:
            on_error(f"biểu thức không tính được: {exc}")
        except RecursionError:
            on_error("biểu thức lồng nhau quá sâu")
        finally:
            self.deps.current = None
        return ""


def _syntax_message(exc: TemplateSyntaxError) -> str:
    message = exc.message or "sai cú pháp"
    if "unexpected end of template" in message:
        return "thiếu dấu đóng }} hoặc %}"
    if "unexpected '}'" in message:
        return "thừa dấu }"
    if "expected token" in message:
        return "biểu thức viết sai (" + message + ")"
    return message


def _undefined_message(exc: UndefinedError, names: Mapping[str, Any]) -> str:
    match = re.search(r"'([^']+)' is undefined", str(exc))
    if not match:
        return f"biểu thức dùng giá trị không có: {exc}"
    name = match.group(1)
    user_names = list(names)  # the report's values, not Jinja's own globals
    close = difflib.get_close_matches(name, user_names, n=1, cutoff=0.6)
    hint = f"; có phải '{close[0]}'?" if close else f"; dùng được: {', '.join(sorted(user_names))}"
    return f"'{name}' không được định nghĩa{hint}"
