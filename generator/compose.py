"""From a validated report to what is printed: numbered outline, evaluated prose, footnotes,
header and closing lines, Phụ lục rows. Every problem found is collected, not raised one by one.

The DOCX and XLSX writers only lay out a ``Composition``; nothing here knows about XML.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import (
    NUMERIC_KINDS,
    Catalog,
    Cell,
    ChiTieu,
    Cot,
    Figures,
    Row,
    Table,
    collect_figures,
    compute_and_check,
    format_value,
    load_catalog,
)
from .errors import CatalogError, ProblemList
from .formatting import (
    TYPE_CODES,
    chu_cai,
    dia_danh_ngay,
    ky,
    ky_sau,
    la_ma,
    lower_first,
    ngay_ngan,
    round_half_up,
    so_ky_hieu,
)
from .loader import MAX_SECTION_DEPTH, SECTION_TOO_DEEP, FieldPath, LoadedFile, format_path
from .prose import (
    Dependencies,
    FigureLookup,
    Inline,
    NoteRef,
    Percent,
    ProseEngine,
    ProseError,
    Run,
    Year,
    mark_text,
    parse_checked,
    strip_marks,
)
from .shapes import BaoCao, Muc, VanBan

# --------------------------------------------------------------------------- printed pieces


@dataclass
class Paragraph:
    """A body paragraph (``kind``: plain, or a "- ", "+ ", "* " item)."""

    inlines: list[Inline]
    kind: str = "doan"  # doan | gach ("- ") | cong ("+ ") | sao ("* ")
    path: str = ""


@dataclass
class Heading:
    """A section heading of the body, numbered at its level."""

    level: int  # 1 = I., 2 = 1., …
    number: str
    inlines: list[Inline]
    path: str = ""


@dataclass
class BodyTable:
    """A table in the body: header cells and rows of cells, each cell its inline runs."""

    header: list[list[Inline]]
    rows: list[list[list[Inline]]]
    widths: list[float] | None
    path: str = ""


Block = Paragraph | Heading | BodyTable


@dataclass
class Footnote:
    """A footnote: its number, text, and the document key it cites."""

    number: int
    text: str
    key: str
    path: str


@dataclass
class Appendix:
    """One Phụ lục: its heading, title, "(Kèm theo …)" line and tables."""

    heading: str
    title: str
    attached_to: str | None  # "(Kèm theo Báo cáo số … ngày … của …)" under the title
    tables: list[Table]

    @property
    def landscape(self) -> bool:
        """Whether the appendix starts on a landscape page (its first table does)."""
        return bool(self.tables) and self.tables[0].landscape


@dataclass
class Composition:
    """Everything the writers print, already formatted."""

    report: BaoCao
    co_quan_chu_quan: str | None
    co_quan_ban_hanh: list[str]
    so_ky_hieu: str
    dia_danh_ngay: str
    trich_yeu: str
    opening: list[Paragraph]
    body: list[Block]
    closing: Paragraph
    noi_nhan: list[str]
    signature_lines: list[str]
    signer: str
    footnotes: list[Footnote]
    appendices: list[Appendix]
    figures: Figures | None  # of the first appendix
    dependencies: dict[str, set[str]] = field(default_factory=dict)
    # (key, field path) of each value marked in the text, by mark number (marking on only)
    marks: list[tuple[str, str]] = field(default_factory=list)
    marked: bool = False  # the Word writer marks every value from the data
    previous: Any = None  # the ky_truoc file's figures (tonghop.Unit), when it has one
    all_figures: list[Figures] = field(default_factory=list)  # one per appendix

    @property
    def appendix(self) -> Appendix | None:
        """The first (usually only) appendix."""
        return self.appendices[0] if self.appendices else None

    @property
    def headings(self) -> list[str]:
        """'I. Công tác …' lines in order, as printed."""
        return [
            f"{b.number} {plain_inlines(b.inlines)}" for b in self.body if isinstance(b, Heading)
        ]


def plain_inlines(inlines: list[Inline]) -> str:
    return strip_marks("".join(item.text for item in inlines if isinstance(item, Run)))


# --------------------------------------------------------------------------- citations


def citation(
    doc: VanBan,
    kieu: str = "day_du",
    ngay: bool = True,
    co_quan: bool | None = None,
    trich_yeu: bool | None = None,
    mark: Callable[[str, str], str] | None = None,
) -> str:
    """ "Kế hoạch số 11/KH-UBND ngày 02/02/2021 của UBND thị xã Ngã Năm về …"; ``ngan`` stops
    after the date. ``mark(part, text)`` frames the number and the date as marked values."""
    if kieu not in ("day_du", "ngan"):
        raise ProseError(f"kiểu trích dẫn '{kieu}' không có; dùng 'day_du' hoặc 'ngan'")
    full = kieu == "day_du"
    if mark is None:
        mark = _unmarked
    parts = [doc.loai]
    if doc.so_ky_hieu:
        parts.append(f"số {mark('so_ky_hieu', doc.so_ky_hieu)}")
    if ngay and doc.ngay is not None:
        parts.append(f"ngày {mark('ngay', ngay_ngan(doc.ngay))}")
    if (full if co_quan is None else co_quan) and doc.co_quan:
        parts.append(f"của {doc.co_quan}")
    if (full if trich_yeu is None else trich_yeu) and doc.trich_yeu:
        parts.append(doc.trich_yeu)
    return " ".join(parts)


def _unmarked(part: str, text: str) -> str:
    return text


def _last_day(year: int, month: int | None) -> dt.date:
    """The last day of a month, or of the year without one."""
    if not month:
        return dt.date(year, 12, 31)
    import calendar  # only for a date without its day

    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _code_slips(doc: VanBan) -> str | None:
    """A ký hiệu that does not match its document type ("06/KHUBND", a công văn with "CV-").

    State documents read "11/KH-UBND" or "108/2014/NĐ-CP"; party documents "05-CT/TW"."""
    if not doc.so_ky_hieu or "/" not in doc.so_ky_hieu:
        return None
    parts = doc.so_ky_hieu.split("/")
    expected = TYPE_CODES.get(doc.loai)
    if "-" in parts[0]:  # party format: the type follows the number
        type_code = parts[0].split("-", 1)[1]
        if expected and type_code != expected:
            return (
                f"ký hiệu '{doc.so_ky_hieu}' có mã loại '{type_code}', {doc.loai} là '{expected}'"
            )
        return None
    code = parts[-1]
    if doc.loai == "Công văn":
        first = code.split("-", 1)[0]
        if first in TYPE_CODES.values() or first == "CV":
            return (
                f"công văn không có mã loại văn bản trong ký hiệu ('{doc.so_ky_hieu}'); "
                "chỉ ghi tên cơ quan, ví dụ 172/SNV-CCHC"
            )
        return None
    if expected and not code.startswith(expected + "-"):
        if code.startswith(expected):
            return (
                f"ký hiệu '{doc.so_ky_hieu}' thiếu dấu '-' sau mã loại '{expected}' "
                f"(viết {expected}-{code[len(expected) :]})"
            )
        return f"ký hiệu '{doc.so_ky_hieu}' không bắt đầu bằng mã loại '{expected}' của {doc.loai}"
    return None


# --------------------------------------------------------------------------- numbering

# How far a report's date may lie from the end of its period before it looks mistyped: reports
# are dated from about the data cut-off (mid last month, NĐ 09/2019/NĐ-CP) to a few weeks after.
EARLY_REPORT_DAYS = {"quy": 45, "6_thang": 45, "9_thang": 45, "nam": 60}
LATE_REPORT_DAYS = 90

_TYPED_NUMBER = re.compile(r"^\s*((?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])\s*[.)])\s+(?=\S)")


def section_number(style: str, counters: list[int]) -> str:
    """The printed number of a section at depth len(counters) with the given style."""
    own = counters[-1]
    if style == "la_ma":
        return f"{la_ma(own)}."
    if style == "so":
        return f"{own}."
    if style == "chu":
        return f"{chu_cai(own)})"
    # thap_phan: the path of numbers below the first Roman level ("2.1." under "II. > 2.")
    return ".".join(str(c) for c in counters) + "."


# --------------------------------------------------------------------------- composing


class Composer:
    def __init__(
        self,
        report: BaoCao,
        loaded: LoadedFile,
        problems: ProblemList,
        base_dir: Path | None,
        marks: bool = False,
    ) -> None:
        self.report = report
        self.loaded = loaded
        self.problems = problems
        self.base_dir = base_dir
        self.deps = Dependencies()
        self.footnotes: list[Footnote] = []
        self.figures: Figures | None = None
        self.catalog: Catalog | None = None
        self.values: dict[str, Any] = {}  # typed and computed figures by indicator id
        self.computed: dict[str, float] = {}
        self.marks: list[tuple[str, str]] | None = [] if marks else None
        self.previous: Any = None
        # each appendix: (its data, field path, catalog, figures, computed values)
        self.loaded_appendices: list[tuple[Any, FieldPath, Catalog, Figures, dict[str, float]]] = []
        self.figures_of: dict[str, Figures] = {}  # indicator id → figures of its appendix
        self._load_figures()
        self.engine = ProseEngine(self._names(), self.deps, self._register if marks else None)

    # ----- names visible to expressions

    def _load_figures(self) -> None:
        for phu_luc, base in self.report.appendices:
            try:
                catalog = load_catalog(phu_luc.danh_muc, self.base_dir)
            except CatalogError as exc:
                for problem in exc.problems:
                    where = self._where((*base, "danh_muc"))
                    if problem.file:  # the catalog file itself is at fault
                        where = {"file": problem.file, "line": problem.line}
                    self.problems.add(
                        problem.message,
                        path=problem.path or format_path((*base, "danh_muc")),
                        **where,
                    )
                continue

            def where(key: str, *fields: str, base: FieldPath = base) -> dict[str, Any]:
                return self._where((*base, "so_lieu", key, *fields))

            so_lieu_path = format_path((*base, "so_lieu"))
            figures = collect_figures(
                catalog,
                phu_luc.so_lieu,
                list(self.report.van_ban),
                self.problems,
                where,
                so_lieu_path,
            )
            computed = compute_and_check(figures, self.problems, where, so_lieu_path)
            self.loaded_appendices.append((phu_luc, base, catalog, figures, computed))
            for node_id in catalog.nodes:
                self.figures_of.setdefault(node_id, figures)
            for key, value in {**figures.values, **computed}.items():
                self.values.setdefault(key, value)
        if self.loaded_appendices:
            _phu_luc, _base, self.catalog, self.figures, self.computed = self.loaded_appendices[0]
        if self.loaded_appendices:
            self._load_previous()

    def _load_previous(self) -> None:
        """The figures of the period named by ky_truoc, for so_sanh() (read, not composed)."""
        name = self.report.ky_truoc
        if name is None:
            return
        from .tonghop import FailedUnit, read_unit

        where = self._where(("ky_truoc",))
        path = Path(name)
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        if not path.is_file():
            self.problems.add(f"không tìm thấy tệp kỳ trước '{name}'", path="ky_truoc", **where)
            return
        previous = read_unit(path)
        errors = previous.problems if isinstance(previous, FailedUnit) else previous.errors
        if isinstance(previous, FailedUnit) or errors:
            first = errors[0] if errors else "không đọc được"
            self.problems.add(
                f"tệp kỳ trước '{name}' có lỗi, chưa so sánh được: {first}",
                path="ky_truoc",
                **where,
            )
            return
        if previous.period == self.report.ky_bao_cao:
            self.problems.warn(
                f"tệp kỳ trước '{name}' cũng là {ky(previous.period)}, cùng kỳ với báo cáo này",
                path="ky_truoc",
                **where,
            )
        self.previous = previous

    def _describe(self, key: str) -> str:
        return self.figures_of[key].describe(key)

    def _names(self) -> dict[str, Any]:
        """What expressions in the report's text can use."""
        report = self.report
        ids = list(self.figures_of)
        lookup = FigureLookup(self.values, self._describe if self.catalog else None, ids, self.deps)

        def ty_le(part: str, whole: str, chu_so: int = 2) -> Percent:
            numerator, denominator = lookup[part], lookup[whole]
            if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
                raise ProseError(f"ty_le('{part}', '{whole}'): cả hai chỉ tiêu phải là số")
            if denominator == 0:
                raise ProseError(f"ty_le('{part}', '{whole}'): chỉ tiêu {whole} bằng 0")
            return Percent(round_half_up(numerator / denominator * 100, chu_so))

        def so_sanh(key: str) -> str:
            """ "tăng 12 văn bản (15,0%) so với cùng kỳ năm 2020" against ky_truoc."""
            from .sosanh import change_phrase, period_phrase

            key = str(key)
            current = lookup[key]
            if self.report.ky_truoc is None:
                raise ProseError(
                    f"so_sanh('{key}'): chưa có tệp kỳ trước (ghi ky_truoc: tên tệp số liệu "
                    "kỳ trước)"
                )
            previous = self.previous
            if previous is None:
                raise ProseError(f"so_sanh('{key}'): tệp kỳ trước có lỗi (xem ky_truoc)")
            self.deps.note(f"ky_truoc:{key}")
            catalog = self.figures_of[key].catalog  # the appendix the figure is in
            node = catalog.nodes[key]
            if node.kind not in NUMERIC_KINDS:
                raise ProseError(f"so_sanh('{key}'): chỉ so sánh được chỉ tiêu là số")
            before = previous.number(key, catalog.spec.ma)
            if before is None:
                raise ProseError(
                    f"so_sanh('{key}'): kỳ trước ({ky(previous.period)}) chưa có số liệu chỉ "
                    f"tiêu {self._describe(key)}"
                )
            period = period_phrase(previous.period, report.ky_bao_cao)
            return change_phrase(before, current, period, node.dvt, node.kind == "phan_tram")

        def van_ban(
            key: str,
            kieu: str = "day_du",
            ngay: bool = True,
            co_quan: bool | None = None,
            trich_yeu: bool | None = None,
        ) -> str:
            return self._cite(
                str(key),
                self.deps.current or "",
                kieu=kieu,
                ngay=ngay,
                co_quan=co_quan,
                trich_yeu=trich_yeu,
            )

        return {
            "so_lieu": lookup,
            "ty_le": ty_le,
            "so_sanh": so_sanh,
            "van_ban": van_ban,
            "ky_bao_cao": ky(report.ky_bao_cao),
            "ky_sau": ky_sau(report.ky_bao_cao),
            "ten_co_quan": report.ten_co_quan,
            "dia_danh": report.dia_danh,
            "nam": Year(report.ky_bao_cao.nam),
        }

    def _register(self, key: str, path: str) -> int:
        """Number a marked value: ``key`` names what it is, ``path`` where the data put it."""
        assert self.marks is not None
        self.marks.append((key, path))
        return len(self.marks) - 1

    def _cite(self, key: str, path: str, **options: Any) -> str:
        """The citation of document ``key``, its number and date marked when marking is on."""
        doc = self._document(key)
        if self.marks is None:
            return citation(doc, **options)

        def mark(part: str, text: str) -> str:
            return mark_text(self._register(f"vb:{key}:{part}", path), text)

        return citation(doc, mark=mark, **options)

    def _document(self, key: str) -> VanBan:
        self.deps.note(f"van_ban:{key}")
        doc = self.report.van_ban.get(key)
        if doc is None:
            close = difflib.get_close_matches(key, list(self.report.van_ban), n=1, cutoff=0.6)
            hint = f"; có phải '{close[0]}'?" if close else ""
            raise ProseError(f"văn bản '{key}' không có trong van_ban{hint}")
        return doc

    # ----- helpers

    def _where(self, path: FieldPath) -> dict[str, Any]:
        return self.loaded.where(path)

    def _text(self, text: str, path: FieldPath) -> str:
        where = format_path(path)
        return self.engine.evaluate(
            text,
            where,
            lambda message: self.problems.add(message, path=where, **self._where(path)),
        )

    def _parsed(self, text: str, path: FieldPath) -> list[Inline]:
        """The text evaluated and parsed into runs; markup left open is reported."""
        inlines, slips = parse_checked(self._text(text, path))
        for message, is_error in slips:
            add = self.problems.add if is_error else self.problems.warn
            add(message, path=format_path(path), **self._where(path))
        return inlines

    def _title_text(self, text: str, path: FieldPath) -> str:
        """A line printed as plain text (the trích yếu): a footnote there has no place."""
        inlines = self._parsed(text, path)
        if any(isinstance(item, NoteRef) for item in inlines):
            self.problems.warn(
                "chú thích [^…] không đặt được ở đây nên đã bỏ; hãy đặt trong đoạn văn",
                path=format_path(path),
                **self._where(path),
            )
        return strip_marks("".join(item.text for item in inlines if isinstance(item, Run)))

    def _inlines(self, text: str, path: FieldPath) -> list[Inline]:
        """Evaluate and parse one text; footnote markers get their numbers here, in order."""
        where = format_path(path)
        inlines: list[Inline] = []
        for item in self._parsed(text, path):
            if isinstance(item, NoteRef):
                self.deps.current = where
                try:
                    doc = self._document(item.key)
                except ProseError as exc:
                    self.problems.add(
                        f"chú thích [^{item.key}]: {exc}", path=where, **self._where(path)
                    )
                    continue
                finally:
                    self.deps.current = None
                number = len(self.footnotes) + 1
                text = (
                    self._cite(item.key, f"chu_thich.{number}")
                    if self.marks is not None
                    else citation(doc)
                )
                self.footnotes.append(Footnote(number, text, item.key, where))
                item = NoteRef(item.key, number)
            inlines.append(item)
        return inlines

    # ----- the parts

    def compose(self) -> Composition:
        report = self.report
        self._check_header()
        self._check_dates()
        self._check_placeholders()
        for key, doc in report.van_ban.items():
            slip = _code_slips(doc)
            if slip:
                self.problems.warn(
                    slip,
                    path=f"van_ban.{key}.so_ky_hieu",
                    **self._where(("van_ban", key, "so_ky_hieu")),
                )
        trich_yeu = self._title_text(report.trich_yeu, ("trich_yeu",))
        opening = self._opening(trich_yeu)
        body: list[Block] = []
        for index, section in enumerate(report.noi_dung):
            self._section(section, [index + 1], ("noi_dung", index), body)
        closing = self._closing(trich_yeu)
        appendices = [
            self._appendix(index, *loaded) for index, loaded in enumerate(self.loaded_appendices)
        ]
        number = None if report.du_thao else report.so
        return Composition(
            report=report,
            co_quan_chu_quan=report.co_quan_chu_quan.upper() if report.co_quan_chu_quan else None,
            co_quan_ban_hanh=[line.upper() for line in report.co_quan_ban_hanh],
            so_ky_hieu=f"Số: {so_ky_hieu(number, report.ky_hieu)}",
            dia_danh_ngay=dia_danh_ngay(report.dia_danh, report.ngay),
            trich_yeu=trich_yeu,
            opening=opening,
            body=body,
            closing=closing,
            noi_nhan=self._recipients(),
            signature_lines=report.chu_ky.lines(),
            signer=report.chu_ky.nguoi_ky,
            footnotes=self.footnotes,
            appendices=appendices,
            figures=self.figures,
            dependencies=self.deps.by_field,
            marks=self.marks or [],
            marked=self.marks is not None,
            previous=self.previous,
            all_figures=[loaded[3] for loaded in self.loaded_appendices],
        )

    def _check_header(self) -> None:
        report = self.report
        if report.du_thao:
            if report.so is not None:
                self.problems.warn(
                    "dự thảo nhưng đã ghi số văn bản; số sẽ để trống khi in",
                    path="so",
                    **self._where(("so",)),
                )
            return
        if report.so is None:
            self.problems.add(
                "thiếu số văn bản (hoặc ghi du_thao: true nếu là dự thảo)",
                path="so",
                **self._where(("so",)),
            )
        if not report.ngay.complete:
            self.problems.add(
                "văn bản chính thức cần đủ ngày, tháng, năm (hoặc du_thao: true)",
                path="ngay",
                **self._where(("ngay",)),
            )

    def _check_placeholders(self) -> None:
        """What `baocao init` wrote in place of the report's own words must be replaced: errors
        in a file `baocao init` wrote (its first comment line kept), warnings elsewhere (a
        report started from the skeleton by the web application or `tong-hop`)."""
        from .skeleton import SIGNER_PLACEHOLDER, example_names, placeholder_paragraphs

        report = self.report
        add = self.problems.add if self.loaded.from_skeleton else self.problems.warn
        if report.chu_ky.nguoi_ky == SIGNER_PLACEHOLDER:
            add(
                f'còn là chữ mẫu "{SIGNER_PLACEHOLDER}" của `baocao init`: ghi họ và tên người ký',
                path="chu_ky.nguoi_ky",
                **self._where(("chu_ky", "nguoi_ky")),
            )
        samples = placeholder_paragraphs()

        def visit(sections: list[Muc], path: FieldPath) -> None:
            for index, section in enumerate(sections):
                here = (*path, index)
                for number, block in enumerate(section.doan):
                    if block.doan is not None and block.doan.strip() in samples:
                        add(
                            f'đoạn văn còn là nội dung mẫu của `baocao init` ("{block.doan}"): '
                            "viết nội dung báo cáo vào đây, hoặc xóa đoạn này",
                            path=format_path((*here, "doan", number)),
                            **self._where((*here, "doan", number)),
                        )
                visit(section.muc, (*here, "muc"))

        visit(report.noi_dung, ("noi_dung",))
        if self.loaded.from_skeleton:
            shown = {
                "co_quan_ban_hanh": " / ".join(report.co_quan_ban_hanh),
                "ten_co_quan": report.ten_co_quan,
                "dia_danh": report.dia_danh,
            }
            for name, value in shown.items():
                if value in example_names(name):
                    self.problems.add(
                        f'còn là tên đơn vị mẫu "{value}" của `baocao init`: ghi tên đơn vị '
                        "của mình",
                        path=name,
                        **self._where((name,)),
                    )
        figures = self.figures
        if (
            figures is not None
            and figures.entries
            and all(value is None for value in figures.values.values())
            and all(entry.noi_dung is None for entry in figures.entries.values())
        ):
            self.problems.warn(
                "Phụ lục chưa có số liệu nào (mọi chỉ tiêu đều để trống): điền số liệu, hoặc bỏ "
                "phần phu_luc nếu báo cáo không kèm phụ lục",
                path="phu_luc.so_lieu",
                **self._where(("phu_luc", "so_lieu")),
            )

    def _check_dates(self) -> None:
        """Dates that contradict each other: likely a year or a date typed wrong (warnings)."""
        report = self.report
        period, date = report.ky_bao_cao, report.ngay
        where = self._where(("ngay",))
        if date.ngay:
            shown = ngay_ngan(date)
        else:
            shown = f"tháng {date.thang}/{date.nam}" if date.thang else f"năm {date.nam}"
        # a draft without a day counts as the middle of its month
        day = date.as_date() or (dt.date(date.nam, date.thang, 15) if date.thang else None)
        early = (period.end - day).days if day else None
        late = (day - period.end).days if day else None
        if (early is not None and early > EARLY_REPORT_DAYS[period.loai]) or (
            late is not None and late > LATE_REPORT_DAYS
        ):
            if date.nam != period.nam:
                message = (
                    f"báo cáo ngày {shown} (năm {date.nam}) nhưng kỳ báo cáo là {ky(period)}; "
                    "năm của ngày ban hành hay của kỳ báo cáo có gõ nhầm không?"
                )
            elif early is not None and early > 0:
                message = (
                    f"báo cáo ngày {shown}, sớm hơn {early} ngày so với cuối {ky(period)} "
                    f"({ngay_ngan(period.end)}); kiểm tra lại ngày ban hành hoặc kỳ báo cáo"
                )
            else:
                message = (
                    f"báo cáo ngày {shown}, muộn {late} ngày sau cuối {ky(period)} "
                    f"({ngay_ngan(period.end)}); kiểm tra lại ngày ban hành hoặc kỳ báo cáo"
                )
            self.problems.warn(message, path="ngay", **where)
        elif day is None and date.nam not in (period.nam, period.nam + 1):
            self.problems.warn(
                f"báo cáo năm {date.nam} nhưng kỳ báo cáo là {ky(period)}; năm có gõ nhầm không?",
                path="ngay",
                **where,
            )
        # the last day the report can be dated: its day, or the end of its month or year
        latest = date.as_date() or _last_day(date.nam, date.thang)
        for key, doc in report.van_ban.items():
            cited = doc.ngay.as_date() if doc.ngay is not None else None
            if cited is not None and cited > latest:
                self.problems.warn(
                    f"văn bản '{key}' ngày {ngay_ngan(doc.ngay)} ban hành sau ngày của báo cáo "
                    f"({shown}); một báo cáo không trích dẫn được văn bản ban hành sau nó, "
                    "kiểm tra lại hai ngày này",
                    path=f"van_ban.{key}.ngay",
                    **self._where(("van_ban", key, "ngay")),
                )

    def _opening(self, trich_yeu: str) -> list[Paragraph]:
        report = self.report
        if report.loi_dan is not None:
            lead_inlines = self._inlines(report.loi_dan, ("loi_dan",))
        else:  # generated from text already evaluated: not evaluated nor parsed again
            lead_inlines = [Run(f"{report.ten_co_quan} báo cáo {lower_first(trich_yeu)} như sau:")]
        if not report.can_cu:
            return [Paragraph(lead_inlines, path="loi_dan")]
        cited = []
        for index, key in enumerate(report.can_cu):
            self.deps.current = "can_cu"
            try:
                cited.append(self._cite(key, "can_cu"))
            except ProseError as exc:
                self.problems.add(
                    str(exc),
                    path=format_path(("can_cu", index)),
                    **self._where(("can_cu", index)),
                )
            finally:
                self.deps.current = None
        basis = "Thực hiện " + "; ".join(cited)
        if report.can_cu_rieng_doan:
            return [
                Paragraph([Run(basis + ";")], path="can_cu"),
                Paragraph(lead_inlines, path="loi_dan"),
            ]
        first = lead_inlines[0] if lead_inlines else Run("")
        if isinstance(first, Run):
            lead_inlines = [
                Run(lower_first(first.text), first.bold, first.italic),
                *lead_inlines[1:],
            ]
        return [Paragraph([Run(basis + ", "), *lead_inlines], path="can_cu")]

    def _section(
        self, section: Muc, counters: list[int], path: FieldPath, out: list[Block]
    ) -> None:
        level = len(counters)
        if level > MAX_SECTION_DEPTH:  # the sổ nhập's YAML writer and Word both give out deeper
            self.problems.add(
                SECTION_TOO_DEEP,
                path=format_path(path),
                **self._where(path),
            )
            return
        styles = self.report.kieu_danh_so
        if level == len(styles) + 1 and counters[-1] == 1:
            self.problems.warn(
                f"mục lồng tới cấp {level}, sâu hơn các kiểu số trong kieu_danh_so ({len(styles)} "
                "cấp) nên dùng lại kiểu cuối; nên gộp bớt cấp hoặc thêm kiểu số",
                path=format_path(path),
                **self._where(path),
            )
        style = styles[min(level, len(styles)) - 1]
        first_decimal = next((i for i, s in enumerate(styles) if s != "la_ma"), 0)
        number_path = counters[first_decimal:] if style == "thap_phan" else counters
        number = section_number(style, number_path or counters)
        title = section.tieu_de
        typed = _TYPED_NUMBER.match(title)
        if typed:
            self.problems.warn(
                f"tiêu đề có số gõ tay '{typed.group(1)}'; số được sinh tự động là '{number}' "
                "nên phần gõ tay đã được bỏ",
                path=format_path((*path, "tieu_de")),
                **self._where((*path, "tieu_de")),
            )
            title = title[typed.end() :]
        out.append(
            Heading(level, number, self._inlines(title, (*path, "tieu_de")), format_path(path))
        )
        for index, block in enumerate(section.doan):
            block_path = (*path, "doan", index)
            if block.bang is not None:
                out.append(self._table(block.bang, block_path))
            else:
                out.append(self._paragraph(block.doan or "", block_path))
        for index, child in enumerate(section.muc):
            self._section(child, [*counters, index + 1], (*path, "muc", index), out)

    def _paragraph(self, text: str, path: FieldPath) -> Paragraph:
        kind = "doan"
        fixed = re.match(r"^([-+])(?=[^\W\d_])", text)
        if fixed:
            self.problems.warn(
                f"thiếu dấu cách sau '{fixed.group(1)}' đầu dòng; đã thêm",
                path=format_path(path),
                **self._where(path),
            )
            text = f"{fixed.group(1)} {text[1:]}"
        for prefix, name in (("- ", "gach"), ("+ ", "cong"), ("* ", "sao")):
            if text.startswith(prefix):
                kind = name
        return Paragraph(self._inlines(text, path), kind, format_path(path))

    def _table(self, table: Any, path: FieldPath) -> BodyTable:
        header = [
            self._inlines(cell, (*path, "bang", "tieu_de_cot", i))
            for i, cell in enumerate(table.tieu_de_cot)
        ]
        rows = [
            [self._inlines(cell, (*path, "bang", "dong", r, c)) for c, cell in enumerate(row)]
            for r, row in enumerate(table.dong)
        ]
        return BodyTable(header, rows, table.do_rong, format_path(path))

    def _closing(self, trich_yeu: str) -> Paragraph:
        report = self.report
        if report.ket_luan is None:  # generated from text already evaluated
            text = f"Trên đây là báo cáo {lower_first(trich_yeu)} của {report.ten_co_quan}./."
            return Paragraph([Run(text)], path="ket_luan")
        text = report.ket_luan.rstrip()
        if not text.endswith("./."):
            text = text.rstrip(".") + "./."
        return Paragraph(self._inlines(text, ("ket_luan",)), path="ket_luan")

    def _recipients(self) -> list[str]:
        lines = []
        for index, item in enumerate(self.report.noi_nhan):
            name = re.sub(r"^[-–•+]\s*", "", item).rstrip(" ;.,")
            if name.lower().startswith("lưu"):
                self.problems.warn(
                    "dòng 'Lưu' ghi ở trường luu, không ghi trong noi_nhan",
                    path=format_path(("noi_nhan", index)),
                    **self._where(("noi_nhan", index)),
                )
                continue
            lines.append(f"- {name};")
        storage = re.sub(r"^(lưu\s*:?\s*)", "", self.report.luu, flags=re.IGNORECASE)
        lines.append(f"- Lưu: {storage.rstrip(' .;')}.")
        return lines

    # ----- Phụ lục

    def _attached_line(self) -> str:
        """ "(Kèm theo Báo cáo số 12/BC-UBND ngày …)": the document's type follows its ký
        hiệu ("KH-UBND" → Kế hoạch, "TTr-UBND" → Tờ trình)."""
        report = self.report
        number = None if report.du_thao else report.so
        code = report.ky_hieu.split("-", 1)[0]
        kind = next((name for name, c in TYPE_CODES.items() if c == code), "Báo cáo")
        return (
            f"(Kèm theo {kind} số {so_ky_hieu(number, report.ky_hieu)} ngày "
            f"{ngay_ngan(report.ngay)} của {report.ten_co_quan})"
        )

    def _appendix(
        self,
        index: int,
        phu_luc: Any,
        base: FieldPath,
        catalog: Catalog,
        figures: Figures,
        computed: dict[str, float],
    ) -> Appendix:
        spec = catalog.spec
        several = len(self.loaded_appendices) > 1
        place = "phu_luc" if spec.kem_theo is True else spec.kem_theo
        if phu_luc.kem_theo is False:
            place = False
        attached = self._attached_line() if place else None
        catalog_path = (*base, "danh_muc")

        def line(text: str | None) -> str | None:
            """A title line as written; empty lines print nothing."""
            if not text:
                return None
            return self._title_text(text, catalog_path) or None

        # several appendices are numbered "Phụ lục I", "Phụ lục II" (or where {{ so_phu_luc }} is)
        heading = _APPENDIX_NUMBER.sub(la_ma(index + 1), spec.tieu_de)
        if several and heading == spec.tieu_de:
            heading = f"{heading} {la_ma(index + 1)}"
        tables = []
        for table in spec.tables:
            columns = [
                column.replace(
                    nhan=self._title_text(column.label, catalog_path), nhom=line(column.nhom)
                )
                for column in spec.columns(table)
            ]
            tables.append(
                Table(
                    heading=line(table.tieu_de),
                    title=line(table.ten),
                    caption=line(table.dong_tieu_de),
                    columns=columns,
                    rows=self._rows(table.chi_tieu, 0, base, catalog, figures, computed, columns),
                    landscape=spec.landscape(table),
                    attached_to=attached if place == "bang" else None,
                )
            )
        return Appendix(
            heading=line(heading) or "",
            title=line(spec.ten_bang) or "",
            attached_to=attached if place == "phu_luc" else None,
            tables=tables,
        )

    def _rows(
        self,
        nodes: list[ChiTieu],
        depth: int,
        base: FieldPath,
        catalog: Catalog,
        figures: Figures,
        computed: dict[str, float],
        columns: list[Cot],
    ) -> list[Row]:
        rows = []
        entries = figures.entries
        cited = lambda key: citation(self.report.van_ban[key], "ngan")  # noqa: E731
        extra_columns = [c for c in columns if c.loai == "so_lieu"][1:]
        for node in nodes:
            entry = entries.get(node.id)
            at = (*base, "so_lieu", node.id)
            is_computed = node.id in computed
            value = computed[node.id] if is_computed else figures.values.get(node.id)
            text = format_value(node, value, cited)
            note = explanation = ""
            if entry is not None:
                if entry.noi_dung is not None:
                    value = text = self._title_text(entry.noi_dung, (*at, "noi_dung"))
                if entry.dien_giai:
                    explanation = self._title_text(entry.dien_giai, (*at, "dien_giai"))
                    text = f"{text} {explanation}".strip()
                if entry.ghi_chu:
                    note = self._title_text(entry.ghi_chu, (*at, "ghi_chu"))
            if node.kind == "van_ban" and isinstance(value, str) and value in self.report.van_ban:
                value = text
            extra = {}
            for column in extra_columns:
                assert column.ma is not None
                typed = figures.columns.get(node.id, {}).get(column.ma)
                kind = column.kieu or node.kind
                shown_value = format_value(node, typed, cited, kind)
                if kind == "van_ban" and typed is not None:
                    typed = shown_value
                extra[column.ma] = Cell(typed, shown_value, kind)
            rows.append(
                Row(
                    id=node.id,
                    stt=figures.stt.get(node.id, ""),
                    label=node.name,
                    unit=node.unit_text(),
                    value=value,
                    value_text=text,
                    explanation=explanation,
                    note=note,
                    kind=node.kind,
                    depth=depth,
                    bold=node.dam
                    if node.dam is not None
                    else (bool(node.con) or node.kind == "nhom"),
                    italic=node.nghieng is True,
                    formula=catalog.formulas.get(node.id),
                    computed=is_computed,
                    label_markup=node.ten,
                    label_italic=node.nghieng == "ten",
                    extra=extra,
                )
            )
            rows.extend(self._rows(node.con, depth + 1, base, catalog, figures, computed, columns))
        return rows


_APPENDIX_NUMBER = re.compile(r"\{\{\s*so_phu_luc\s*\}\}")


def compose(
    report: BaoCao,
    loaded: LoadedFile,
    problems: ProblemList,
    base_dir: Path | None = None,
    marks: bool = False,
) -> Composition:
    """What is printed; with ``marks``, values in the text carry marks for the Word writer."""
    return Composer(report, loaded, problems, base_dir, marks).compose()
