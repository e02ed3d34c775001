"""Reading a data or catalog file into plain Python data, with a line number for every field.

YAML is read with PyYAML's safe loader only; JSON with the json module. Text is decoded as
UTF-8 (with or without BOM), normalised to NFC, and stripped of characters XML cannot hold.
Duplicate keys, tab indentation, wrong encodings and alias bombs become DataError with a line.
"""

from __future__ import annotations

import errno
import json
import re
import stat
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Problem, Severity

FieldPath = tuple[str | int, ...]

# Expanded size above which a document of aliases is refused (a "billion laughs" bomb
# is tiny on disk and explodes when walked); real reports have a few thousand nodes.
MAX_EXPANDED_NODES = 200_000
# Characters XML 1.0 forbids: C0 controls except tab/newline/CR, and the non-characters.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Bidirectional overrides and isolates: in an official document they make text display in an
# order other than the one stored (a figure or a name that reads differently than it is).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_WARNING = (
    "đã bỏ ký tự điều khiển hướng chữ (U+202A–U+202E, U+2066–U+2069): chúng làm văn bản hiển "
    "thị khác với nội dung thật"
)


@dataclass
class LoadedFile:
    """A parsed file: its data, where each field starts, and what was fixed on the way."""

    name: str
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)
    # fields read from a workbook: field path → "nhap.xlsx!Chỉ tiêu!E14" (errors name the cell)
    cells: dict[FieldPath, str] = field(default_factory=dict)
    # figures and notes a merged workbook's empty cells took away (said, not warned)
    cleared: list[Problem] = field(default_factory=list)
    # written by `baocao init` (its first comment line is still there)
    from_skeleton: bool = False

    def line_of(self, path: FieldPath) -> int | None:
        """Line of the deepest known field on ``path`` (the field itself, else its parent)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def where(self, path: FieldPath) -> dict[str, Any]:
        """``file``/``line`` keywords for a Problem about ``path``: a YAML line, or the
        workbook cell ("nhap.xlsx!Chỉ tiêu!D14") the value was typed in."""
        for end in range(len(path), 0, -1):
            cell = self.cells.get(tuple(path[:end]))
            if cell is not None:
                return {"file": cell, "line": None}
        return {"file": self.name, "line": self.line_of(path)}


def format_path(path: FieldPath) -> str:
    """``("phu_luc", "so_lieu", "1.1.2")`` → ``phu_luc.so_lieu.1.1.2``; list items as ``[3]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# Largest input read (a data file, a catalog or a template; a sổ nhập workbook has its own
# bound in entry.py); a real report is a few dozen kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024

# Fields within fields (README "Giới hạn"): 20 levels of mục take about 50; the recursive
# steps after this check (and PyYAML's writer for the sổ nhập) stay far from Python's limit.
MAX_NESTING = 100
TOO_DEEP = f"dữ liệu lồng nhau quá sâu (quá {MAX_NESTING} cấp)"
MAX_SECTION_DEPTH = 20  # levels of mục, noi_dung's own counted (README "Giới hạn")
SECTION_TOO_DEEP = f"mục lồng quá sâu (quá {MAX_SECTION_DEPTH} cấp); hãy gộp bớt cấp"


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 ", " ").replace(".", ",")


def check_input_file(path: Path, name: str, limit: int = MAX_FILE_BYTES) -> int:
    """Refuse, before reading a byte, anything that is not a regular file (a device such as
    /dev/zero, a FIFO that would block forever, a folder) or is larger than ``limit``."""
    try:
        status = path.stat()  # follows a symbolic link to what it names
    except FileNotFoundError:
        raise DataError("không tìm thấy tệp", file=name) from None
    except OSError as exc:
        raise DataError(f"không đọc được tệp ({os_reason(exc)})", file=name) from None
    if stat.S_ISDIR(status.st_mode):
        raise DataError("đây là một thư mục, không phải một tệp", file=name)
    if not stat.S_ISREG(status.st_mode):
        raise DataError(
            "không phải tệp thông thường (thiết bị, đường ống FIFO hay socket); hãy chỉ ra một "
            "tệp .yaml, .json hoặc .xlsx",
            file=name,
        )
    if status.st_size > limit:
        raise DataError(
            f"tệp quá lớn ({_size_text(status.st_size)}; giới hạn {_size_text(limit)}); một báo "
            "cáo chỉ vài chục KB, hãy kiểm tra lại có chọn nhầm tệp không",
            file=name,
        )
    return status.st_size


def os_reason(exc: OSError) -> str:
    """An operating-system error in Vietnamese (never "No such file or directory")."""
    reasons = {
        errno.ENOENT: "không tìm thấy tệp hoặc thư mục",
        errno.EACCES: "không có quyền",
        errno.EPERM: "không có quyền",
        errno.EISDIR: "đây là một thư mục",
        errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
        errno.ENOSPC: "ổ đĩa hoặc thư mục tạm đã đầy",
        errno.EDQUOT: "đã hết dung lượng được cấp trên ổ đĩa",
        errno.EROFS: "ổ đĩa chỉ cho đọc",
        errno.EEXIST: "tên này đã có",
        errno.ENAMETOOLONG: "tên tệp quá dài",
        errno.ELOOP: "liên kết tượng trưng vòng quanh",
        errno.EIO: "lỗi đọc ghi ổ đĩa",
        errno.EMFILE: "mở quá nhiều tệp cùng lúc",
    }
    return reasons.get(exc.errno or 0, f"lỗi hệ điều hành số {exc.errno}")


def read_bytes(path: Path, name: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes; a missing, unreadable, special or oversize file is a DataError."""
    check_input_file(path, name, limit)
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)  # the file may have grown since it was checked
    except OSError as exc:
        raise DataError(f"không đọc được tệp ({os_reason(exc)})", file=name) from None
    if len(raw) > limit:
        raise DataError(f"tệp quá lớn (giới hạn {_size_text(limit)})", file=name)
    return raw


def read_text(path: Path, display_name: str | None = None) -> str:
    """Decode a file as UTF-8 (BOM allowed); explain Windows-1258/TCVN3 files instead of failing."""
    name = display_name or str(path)
    return decode_bytes(read_bytes(path, name), name)


def decode_bytes(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if len(raw) >= 4 and (raw[1::2].count(0) > len(raw) // 4 or raw[0::2].count(0) > len(raw) // 4):
        raise DataError(
            "tệp mã UTF-16 không có BOM (Notepad cũ lưu kiểu 'Unicode'); hãy mở bằng trình soạn "
            "thảo và lưu lại với mã hóa UTF-8",
            file=name,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        guess = ""
        try:
            raw.decode("cp1258")
            guess = " (có vẻ là Windows-1258 hoặc TCVN3)"
        except UnicodeDecodeError:
            pass
        raise DataError(
            f"tệp không phải mã UTF-8{guess}; hãy mở bằng trình soạn thảo và lưu lại với "
            "mã hóa UTF-8",
            file=name,
            line=line,
        ) from None


class _NamesAsKeys:
    """Mapping keys are always names: ``1.10:`` stays "1.10" (an indicator id), never the
    float 1.1, and ``no:`` stays "no", never False."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)  # type: ignore[attr-defined]
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "tên trường phải là chữ, không phải danh sách hay bảng",
                    key_node.start_mark,
                )
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)  # type: ignore[attr-defined]
        return mapping


# libyaml's parser (PyYAML's C extension) is an order of magnitude faster; both keep marks.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _MarkedLoader(_NamesAsKeys, _Base):  # type: ignore[misc, valid-type]
    """Safe loader whose documents are composed first, so nodes keep their line marks."""


_MarkedLoader.add_constructor("tag:yaml.org,2002:map", _MarkedLoader.construct_yaml_map)
# An unquoted 2021-02-30 would make PyYAML raise while building a date: keep dates as the
# text typed, so the model reads them ("ngày 30/02/2021 không tồn tại").
_MarkedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)

# YAML 1.1 reads 010 as octal 8, 0x1F as 31, 0b101 as 5 and 1:30 as 90, without a word. These
# stay the text typed: a figure or a number field reads "010" as the decimal the clerk meant
# (10), a text field prints it as typed, and the other forms are refused where a number is
# expected, with a message naming the form (formatting.non_decimal_form).
_AS_TYPED = re.compile(
    r"[-+]?(?:0[0-9_]+|0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)"
)


# Python refuses to read an integer this long (a denial-of-service guard): it stays text, so
# a number field says "có quá nhiều chữ số" and a text field prints it as typed.
_MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300


def _construct_int(loader: Any, node: yaml.ScalarNode) -> Any:
    if _AS_TYPED.fullmatch(str(node.value)) or len(str(node.value)) > _MAX_INT_DIGITS:
        return str(node.value)
    return loader.construct_yaml_int(node)


def _json_int(text: str) -> int | str:
    return int(text) if len(text) <= _MAX_INT_DIGITS else text


def _construct_float(loader: Any, node: yaml.ScalarNode) -> Any:
    if _AS_TYPED.fullmatch(str(node.value)):
        return str(node.value)
    return loader.construct_yaml_float(node)


_MarkedLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_MarkedLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


_YAML_MESSAGES = (
    (
        "could not find expected ':'",
        "thiếu dấu hai chấm ':' sau tên trường (hoặc một chuỗi nhiều dòng chưa đóng ngoặc)",
    ),
    (
        "mapping values are not allowed",
        "dấu ':' không đúng chỗ; nếu nội dung có dấu ':' hãy đặt cả chuỗi trong ngoặc kép \"...\"",
    ),
    ("found undefined alias", "dùng bí danh (*alias) chưa được định nghĩa"),
    ("expected ',' or ']'", "danh sách [...] thiếu dấu phẩy ',' hoặc dấu đóng ']'"),
    ("while parsing a flow node", "danh sách [...] hoặc bảng {...} chưa được đóng"),
    ("while scanning a quoted scalar", "chuỗi trong ngoặc kép chưa được đóng"),
    ("expected ',' or '}'", "bảng {...} thiếu dấu phẩy ',' hoặc dấu đóng '}'"),
    ("expected <block end>", "thụt lề không thẳng hàng hoặc thiếu dấu '-' đầu mục danh sách"),
    ("did not find expected", "thụt lề không thẳng hàng hoặc thiếu dấu '-' đầu mục danh sách"),
    ("unexpected end", "tệp kết thúc giữa chừng (thiếu dấu ngoặc kép hoặc ngoặc đóng)"),
    ("maximum nesting depth", TOO_DEEP),
)


def _yaml_problem(exc: yaml.YAMLError, name: str, text: str) -> DataError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = (getattr(exc, "problem", None) or str(exc)).strip()
    context = getattr(exc, "context", None) or ""
    source_line = (
        text.splitlines()[mark.line]
        if mark is not None and mark.line < len(text.splitlines())
        else ""
    )
    indent = source_line[: len(source_line) - len(source_line.lstrip())]
    if "\t" in indent or ("\t" in source_line and "cannot start any token" in problem):
        return DataError(
            "dòng thụt lề bằng phím Tab; YAML chỉ chấp nhận dấu cách (space) để thụt lề",
            file=name,
            line=line,
        )
    unclosed = _unclosed_quote_line(text, mark.line if mark is not None else None)
    if unclosed is not None:
        return DataError(
            'chuỗi mở bằng ngoặc kép " ở dòng này chưa được đóng: thêm dấu " ở cuối chuỗi',
            file=name,
            line=unclosed,
        )
    for needle, message in _YAML_MESSAGES:
        if needle in problem or needle in context:
            return DataError(message, file=name, line=line)
    if any(ord(char) > 127 for char in problem):  # our own constructors speak Vietnamese
        return DataError(problem, file=name, line=line)
    if isinstance(exc, yaml.constructor.ConstructorError):
        tag = re.search(r"for the tag '([^']*)'", problem)
        shown = f" {tag.group(1).replace('tag:yaml.org,2002:', '!!')}" if tag else ""
        return DataError(
            f"thẻ YAML{shown} (phần bắt đầu bằng !) không dùng được: baocao chỉ đọc chữ, số, "
            "danh sách và bảng; bỏ thẻ đi và ghi giá trị trực tiếp",
            file=name,
            line=line,
        )
    return DataError(
        "lỗi cú pháp YAML: kiểm tra thụt lề, dấu ':' sau tên trường và các dấu ngoặc kép",
        file=name,
        line=line,
    )


# A double-quoted value opening on a line: after "key: ", "- " or a flow "[", "{", ",".
_QUOTE_OPENS = re.compile(r'(?:^\s*(?:-\s+)?(?:[^\s#"][^:#"]*:\s+)?|[\[{,]\s*)"')


def _unclosed_quote_line(text: str, error_line: int | None) -> int | None:
    """The line (1-based) of a double-quoted value that never closes on its line, at or
    before where YAML gave up: a missing closing quote is reported where it is missing."""
    if error_line is None:
        return None
    lines = text.splitlines()
    last = min(error_line, len(lines) - 1)
    # a few lines up: the next value's opening quote may have closed the unclosed one
    for index in range(last, max(-1, last - 20), -1):
        opening = _QUOTE_OPENS.match(lines[index])
        if opening is None:
            continue
        rest = re.sub(r"\\.", "", lines[index][opening.end() :])
        if rest.count('"') % 2 == 0:  # no closing quote after the opening one
            return index + 1
    return None


def _section_too_deep(path: FieldPath) -> FieldPath | None:
    """The mục one level past MAX_SECTION_DEPTH that ``path`` runs through, if it does (nesting
    that deep is mục in mục: said as such, as `check` says it)."""
    size = 2 + 2 * MAX_SECTION_DEPTH  # noi_dung, i, then muc, j for each level below
    head = path[:size]
    if len(head) == size and head[0] == "noi_dung" and set(head[2::2]) == {"muc"}:
        return head
    return None


def _too_deep(path: FieldPath, name: str, line: Callable[[FieldPath], int | None]) -> DataError:
    section = _section_too_deep(path)
    if section is not None:
        return DataError(SECTION_TOO_DEEP, file=name, line=line(section), path=format_path(section))
    return DataError(TOO_DEEP, file=name, line=line(path), path=format_path(path))


def _node_at(root: yaml.Node, path: FieldPath) -> yaml.Node:
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next(value for key, value in node.value if str(key.value) == part)
        else:
            node = node.value[int(part)]
    return node


def _refuse_deep_nodes(root: yaml.Node, name: str) -> int | None:
    """The first field nested deeper than MAX_NESTING, with its line and path (no recursion).

    Returns the number of nodes (names and values) when no node is reached twice and every
    name is plain text, as in any file without aliases: that is then its expanded size too."""
    stack: list[tuple[yaml.Node, FieldPath]] = [(root, ())]
    seen: set[int] = set()
    count: int | None = 0
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_NESTING:
            raise _too_deep(path, name, lambda at: _node_at(root, at).start_mark.line + 1)
        if id(node) in seen:
            count = None
            continue
        seen.add(id(node))
        if count is not None:
            count += 1
        if isinstance(node, yaml.MappingNode):
            if count is not None:
                count += len(node.value)
                if not all(isinstance(key, yaml.ScalarNode) for key, _ in node.value):
                    count = None
            stack += [(value, (*path, str(key.value))) for key, value in reversed(node.value)]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(child, (*path, i)) for i, child in reversed(list(enumerate(node.value)))]
    return count


def _deep_path(data: Any) -> FieldPath | None:
    """The path of the first value nested deeper than MAX_NESTING (no recursion)."""
    stack: list[tuple[Any, FieldPath]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_NESTING:
            return path
        if isinstance(value, dict):
            stack += [(item, (*path, str(key))) for key, item in reversed(value.items())]
        elif isinstance(value, list):
            stack += [(item, (*path, i)) for i, item in reversed(list(enumerate(value)))]
    return None


def _deep_line(text: str, limit: int = MAX_NESTING) -> int | None:
    """The line where brackets first nest deeper than ``limit`` (JSON, YAML flow style): where
    a value that deep is, or where a parser that gave out would have found it."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for char in re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", line):
            if char in "[{":
                depth += 1
                if depth > limit:
                    return number
            elif char in "]}":
                depth -= 1
    return None


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a node that reaches itself counts once, not forever
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[key] = size
    return size


def _collect_marks(
    node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int], name: str, seen: set[int]
) -> None:
    """Record the line of every field and refuse duplicate keys (PyYAML keeps the last one)."""
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:  # an alias: its fields were marked at the anchor
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = unicodedata.normalize("NFC", str(key_node.value))
            line = key_node.start_mark.line + 1
            if key in keys:
                raise DataError(
                    f"khóa '{key}' bị lặp lại (đã có ở dòng {keys[key]}); mỗi trường chỉ được "
                    "ghi một lần",
                    file=name,
                    line=line,
                    path=format_path((*path, key)),
                )
            keys[key] = line
            lines[(*path, key)] = line
            _collect_marks(value_node, (*path, key), lines, name, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _collect_marks(child, (*path, index), lines, name, seen)


# What _normal_text changes: a carriage return, a bidirectional control, an XML-illegal character
_TO_CLEAN = re.compile(f"[\r{BIDI_CONTROLS.pattern[1:-1]}{_XML_ILLEGAL.pattern[1:-1]}]")


def _normal_text(
    value: str, path: FieldPath, notes: list[Problem], name: str, lines: dict[FieldPath, int]
) -> str:
    text = unicodedata.normalize("NFC", value)
    if not _TO_CLEAN.search(text):  # most texts: one scan
        return text
    if "\r" in text:  # typed as an escape, or a JSON export from Windows
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if BIDI_CONTROLS.search(text):
        text = BIDI_CONTROLS.sub("", text)
        notes.append(
            Problem(
                BIDI_WARNING,
                file=name,
                line=lines.get(path),
                path=format_path(path),
                severity=Severity.WARNING,
            )
        )
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
        notes.append(
            Problem(
                "đã bỏ ký tự điều khiển không in được trong nội dung",
                file=name,
                line=lines.get(path),
                path=format_path(path),
                severity=Severity.WARNING,
            )
        )
    return text


def _normalise(
    value: Any, path: FieldPath, notes: list[Problem], name: str, lines: dict[FieldPath, int]
) -> Any:
    """NFC-normalise every string, line ends "\\r\\n" and "\\r" as "\\n" (as a sổ nhập reads them),
    and drop characters XML 1.0 cannot hold (with a warning)."""
    if isinstance(value, str):
        return _normal_text(value, path, notes, name, lines)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            norm_key = unicodedata.normalize("NFC", key) if isinstance(key, str) else key
            out[norm_key] = _normalise(item, (*path, str(norm_key)), notes, name, lines)
        return out
    if isinstance(value, list):
        return [_normalise(item, (*path, i), notes, name, lines) for i, item in enumerate(value)]
    return value


# Characters YAML refuses to read (control characters pasted from Word and the like).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def _strip_unprintable(text: str, name: str) -> tuple[str, list[Problem]]:
    if not _UNPRINTABLE.search(text):
        return text, []
    lines = sorted({text.count("\n", 0, m.start()) + 1 for m in _UNPRINTABLE.finditer(text)})
    note = Problem(
        "đã bỏ ký tự điều khiển không in được (thường do dán từ Word) ở dòng "
        + ", ".join(str(line) for line in lines[:10]),
        file=name,
        line=lines[0],
        severity=Severity.WARNING,
    )
    return _UNPRINTABLE.sub("", text), [note]


def parse_yaml(text: str, name: str) -> LoadedFile:
    text, stripped = _strip_unprintable(text, name)
    loaded = _parse_yaml(text, name)
    loaded.notes[:0] = stripped
    loaded.from_skeleton = "tạo bởi `baocao init`" in text.split("\n", 1)[0]
    return loaded


def _parse_yaml(text: str, name: str) -> LoadedFile:
    loader = _MarkedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedFile(name, None)
        size = _refuse_deep_nodes(node, name)
        distinct: dict[int, int] = {}
        if size is None or size > MAX_EXPANDED_NODES:
            size = _expanded_size(node, distinct)
        if size > MAX_EXPANDED_NODES:
            if len(distinct) > MAX_EXPANDED_NODES:
                raise DataError(
                    "tệp có quá nhiều phần tử (hơn 200.000 trường và giá trị); một báo cáo chỉ "
                    "có vài nghìn",
                    file=name,
                    line=1,
                )
            raise DataError(
                "tệp dùng bí danh YAML (&anchor/*alias) lồng nhau tạo ra quá nhiều phần tử; "
                "hãy viết dữ liệu trực tiếp",
                file=name,
                line=1,
            )
        lines: dict[FieldPath, int] = {}
        _collect_marks(node, (), lines, name, set())
        cut = _cut_by_comments(node, text, name)
        loaded = None
        if size is not None:  # no aliases: most likely plain data, built in one walk
            notes: list[Problem] = []
            try:
                data = _plain_data(loader, node, (), notes, name, lines)
                loaded = LoadedFile(name, data, lines, notes)
            except _NotPlain:
                pass
        if loaded is None:
            data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_problem(exc, name, text) from None
    except RecursionError:
        raise DataError(TOO_DEEP, file=name, line=_deep_line(text)) from None
    finally:
        loader.dispose()
    if loaded is None:
        loaded = _loaded(name, data, lines)
    loaded.notes.extend(cut)
    return loaded


class _NotPlain(Exception):
    """A node that _plain_data leaves to PyYAML's constructor (a merge, a tag of its own)."""


_STR, _MAP, _SEQ = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq"))
_PLAIN_SCALARS = {f"tag:yaml.org,2002:{kind}" for kind in ("null", "bool", "int", "float")}
_PLAIN_SCALARS.add("tag:yaml.org,2002:timestamp")


def _plain_data(
    loader: Any,
    node: yaml.Node,
    path: FieldPath,
    notes: list[Problem],
    name: str,
    lines: dict[FieldPath, int],
) -> Any:
    """The data of a document without aliases, built and normalised in one walk: what
    construct_document and _normalise give, with the same notes in the same order. Raises
    _NotPlain at anything else (a merge key, a set, a tag of its own)."""
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return _normal_text(node.value, path, notes, name, lines)
        if tag not in _PLAIN_SCALARS:
            raise _NotPlain
        value = loader.yaml_constructors[tag](loader, node)
        return _normal_text(value, path, notes, name, lines) if isinstance(value, str) else value
    if isinstance(node, yaml.MappingNode) and tag == _MAP:
        mapping = {}
        for key_node, value_node in node.value:
            if key_node.tag != _STR or not isinstance(key_node, yaml.ScalarNode):
                raise _NotPlain
            key = unicodedata.normalize("NFC", key_node.value)
            mapping[key] = _plain_data(loader, value_node, (*path, key), notes, name, lines)
        return mapping
    if isinstance(node, yaml.SequenceNode) and tag == _SEQ:
        return [
            _plain_data(loader, child, (*path, index), notes, name, lines)
            for index, child in enumerate(node.value)
        ]
    raise _NotPlain


# "#" after one space ends an unquoted value: "Đạt 100% #1 của tỉnh" loses "#1 của tỉnh".
# A comment meant as one is set apart by two spaces or more, or stands on its own line; in
# prose fields ("Đạt # của tỉnh") any "#" after one space is taken as cut text.
_COMMENT_CUT = re.compile(r"[ \t]#[^\s#]")
_PROSE_CUT = re.compile(r"[ \t]#[^#]*\S")
_PROSE_FIELDS = {"doan", "tieu_de", "trich_yeu", "loi_dan", "ket_luan", "noi_dung", "dien_giai"}


def _cut_by_comments(root: yaml.Node, text: str, name: str) -> list[Problem]:
    """Warnings for unquoted values that a "#" cut short in the middle of the text."""
    if " #" not in text and "\t#" not in text:  # most files: no line to look at
        return []
    source = text.splitlines()
    # both patterns start with a blank and "#": only values ending on such a line can be cut
    suspect = {index for index, line in enumerate(source) if " #" in line or "\t#" in line}
    if not suspect:
        return []
    found: list[Problem] = []
    stack: list[tuple[yaml.Node, FieldPath]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [(value, (*path, str(key.value))) for key, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(child, (*path, index)) for index, child in enumerate(node.value)]
        elif not node.style and node.value and node.end_mark.line in suspect:
            rest = source[node.end_mark.line][node.end_mark.column :]
            prose = any(part in _PROSE_FIELDS for part in path if isinstance(part, str))
            if (_PROSE_CUT if prose else _COMMENT_CUT).match(rest):
                found.append(
                    Problem(
                        f'dấu # bắt đầu chú thích YAML nên "{rest.strip()[:40]}" bị bỏ khỏi nội '
                        'dung; nếu đó là nội dung, đặt cả đoạn trong ngoặc kép "…"',
                        file=name,
                        line=node.end_mark.line + 1,
                        path=format_path(path) or None,
                        severity=Severity.WARNING,
                    )
                )
    return sorted(found, key=lambda problem: problem.line or 0)


def _loaded(name: str, data: Any, lines: dict[FieldPath, int]) -> LoadedFile:
    notes: list[Problem] = []
    try:
        normalised = _normalise(data, (), notes, name, lines)
    except RecursionError:
        raise DataError(TOO_DEEP, file=name) from None
    return LoadedFile(name, normalised, lines, notes)


def drop_bidi_controls(loaded: LoadedFile) -> None:
    """Remove bidirectional controls from every text of ``loaded`` (a workbook's cells), each
    with a warning that names its cell."""

    def clean(value: Any, path: FieldPath) -> Any:
        if isinstance(value, str) and BIDI_CONTROLS.search(value):
            loaded.notes.append(
                Problem(
                    BIDI_WARNING,
                    path=format_path(path),
                    severity=Severity.WARNING,
                    **loaded.where(path),
                )
            )
            return BIDI_CONTROLS.sub("", value)
        if isinstance(value, dict):
            return {key: clean(item, (*path, str(key))) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item, (*path, index)) for index, item in enumerate(value)]
        return value

    loaded.data = clean(loaded.data, ())


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateJsonKey(key)
        out[key] = value
    return out


class _DuplicateJsonKey(Exception):
    pass


# Outside strings: a number with leading zeros (JSON refuses "07"), or a hex, octal, binary or
# h:mm number (JSON has none of them).
_JSON_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"'
    r"|(?<![\w.])(?P<zeros>-?0+(?=\d))"
    r"|(?<![\w.])(?P<other>-?(?:0[xXoObB][0-9a-fA-F_]+|\d+(?::[0-5]?\d)+(?:\.\d*)?))(?![\w.:])"
)


def _json_decimal(text: str, name: str) -> str:
    """JSON text with leading zeros dropped (07 is read as the 7 the clerk meant); a number in
    another base or as h:mm is a DataError naming its line."""

    def fix(match: re.Match[str]) -> str:
        if match.group("other"):
            from .formatting import non_decimal_form

            raise DataError(
                non_decimal_form(match.group("other")) or "số không hợp lệ",
                file=name,
                line=text.count("\n", 0, match.start()) + 1,
            )
        if match.group("zeros") is not None:
            return "-" if match.group("zeros").startswith("-") else ""
        return match.group(0)

    return _JSON_TOKEN.sub(fix, text)


def parse_json(text: str, name: str) -> LoadedFile:
    try:
        try:
            data = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_int=_json_int)
        except json.JSONDecodeError:
            fixed = _json_decimal(text, name)
            if fixed == text:
                raise
            data = json.loads(fixed, object_pairs_hook=_refuse_duplicates, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"lỗi cú pháp JSON: {_json_message(exc.msg)} (cột {exc.colno})",
            file=name,
            line=exc.lineno,
        ) from None
    except _DuplicateJsonKey as exc:
        line = _json_key_line(text, str(exc.args[0]), second=True)
        raise DataError(
            f"khóa '{exc.args[0]}' bị lặp lại; mỗi trường chỉ được ghi một lần",
            file=name,
            line=line,
        ) from None
    except RecursionError:
        raise DataError(TOO_DEEP, file=name, line=_deep_line(text)) from None
    deep = _deep_path(data)
    if deep is not None:
        # a container at path length n opens bracket n + 1; a plain value sits inside bracket n
        raise _too_deep(
            deep, name, lambda at: _deep_line(text, len(at)) or _deep_line(text, len(at) - 1)
        )
    # JSON is YAML flow syntax, so the YAML composer gives the same fields their lines.
    lines: dict[FieldPath, int] = {}
    try:
        loader = _MarkedLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _collect_marks(node, (), lines, name, set())
        finally:
            loader.dispose()
    except (yaml.YAMLError, DataError, RecursionError):
        lines = {}
    return _loaded(name, data, lines)


_JSON_MESSAGES = {
    "Expecting ',' delimiter": "thiếu dấu phẩy ','",
    "Expecting ':' delimiter": "thiếu dấu hai chấm ':'",
    "Expecting value": "thiếu giá trị (hoặc thừa dấu phẩy)",
    "Expecting property name enclosed in double quotes": (
        "tên trường phải đặt trong ngoặc kép (hoặc thừa dấu phẩy cuối)"
    ),
    "Unterminated string starting at": "chuỗi chưa đóng ngoặc kép",
    "Extra data": "còn dữ liệu thừa sau khi kết thúc",
    "Invalid control character": "ký tự điều khiển trong chuỗi",
    "Invalid \\uXXXX escape": "mã \\uXXXX trong chuỗi không hợp lệ (cần 4 chữ số hệ 16)",
    "Invalid \\escape": "dấu \\ trong chuỗi không hợp lệ (một dấu \\ viết là \\\\)",
    "Illegal trailing comma": "thừa dấu phẩy trước dấu đóng ngoặc",
}


def _json_message(msg: str) -> str:
    """The json module's English, by how the message starts (some add the character found)."""
    for start, message in _JSON_MESSAGES.items():
        if msg.startswith(start):
            return message
    return "kiểm tra các dấu ngoặc, dấu phẩy và ngoặc kép"


def _json_key_line(text: str, key: str, second: bool) -> int | None:
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:')
    hits = [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]
    if not hits:
        return None
    return hits[1] if second and len(hits) > 1 else hits[0]


def load_file(path: str | Path, display_name: str | None = None) -> LoadedFile:
    """Read a YAML or JSON file (chosen by extension; unknown extensions are tried as YAML)."""
    path = Path(path)
    name = display_name or str(path)
    text = read_text(path, name)
    if path.suffix.lower() == ".json":
        return parse_json(text, name)
    return parse_yaml(text, name)
