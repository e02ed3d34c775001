"""One exception hierarchy for everything a user can cause.

Every error carries where it happened (file, line, field path) and a Vietnamese
message; the CLI prints ``str(error)`` and exits 1, ``--debug`` shows the traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

OUT_OF_MEMORY = (
    "không đủ bộ nhớ để xử lý tệp này; tệp quá lớn hoặc có nội dung tạo ra quá nhiều dữ liệu "
    "(xem bảng giới hạn trong README)"
)
WORKER_GONE = (
    "một tiến trình phụ bị dừng đột ngột (thường do máy hết bộ nhớ, hoặc bị tắt từ bên ngoài); "
    "chạy lại với ít tiến trình hơn, ví dụ -j 1"
)


class Severity(StrEnum):
    ERROR = "lỗi"
    WARNING = "cảnh báo"


@dataclass(frozen=True)
class Problem:
    """One finding about an input: where it is and what is wrong, in Vietnamese."""

    message: str
    file: str | None = None
    line: int | None = None
    path: str | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        elif self.line:
            where = f"dòng {self.line}: "
        field_path = f"{self.path}: " if self.path else ""
        tag = "cảnh báo: " if self.severity is Severity.WARNING else ""
        return f"{where}{tag}{field_path}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class BaocaoError(Exception):
    """Base of every error baocao raises on purpose; its text is meant for the user."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.problems: list[Problem] = list(problems or [])
        if not self.problems:
            self.problems = [Problem(message, file=file, line=line, path=path)]
        self.message = message
        self.file, self.line, self.path = file, line, path
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        errors = [p for p in self.problems if p.is_error]
        head = f"{self.message} ({len(errors)} lỗi):"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class DataError(BaocaoError):
    """The data file cannot be read or does not describe a valid report."""


class CatalogError(BaocaoError):
    """An indicator catalog (danh mục chỉ tiêu) is missing or malformed."""


class TemplateError(BaocaoError):
    """A Word or Excel template cannot be used; names the template and the tag."""


class OutputError(BaocaoError):
    """An output cannot be written, or would overwrite a file edited by hand."""


class ToolMissingError(BaocaoError):
    """An optional external program (LibreOffice) is not installed."""


@dataclass
class ProblemList:
    """Collects every problem of one input so they are reported together, not one by one."""

    file: str | None = None
    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        severity: Severity = Severity.ERROR,
        file: str | None = None,
    ) -> None:
        self.items.append(
            Problem(message, file=file or self.file, line=line, path=path, severity=severity)
        )

    def warn(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        file: str | None = None,
    ) -> None:
        self.add(message, path=path, line=line, severity=Severity.WARNING, file=file)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def raise_if_errors(
        self, error_class: type[BaocaoError] = DataError, strict: bool = False
    ) -> None:
        failing = self.items if strict else self.errors
        if failing:
            where = self.file or "dữ liệu"
            message = f"{where}: dữ liệu không hợp lệ"
            if strict:
                failing = [
                    Problem(p.message, p.file, p.line, p.path, Severity.ERROR) for p in failing
                ]
            raise error_class(message, file=self.file, problems=failing)


class MismatchError(DataError):
    """Files gathered for one tổng hợp are of different catalogs or periods."""


class DuplicateUnitError(DataError):
    """Two files gathered for one tổng hợp are of the same unit."""
