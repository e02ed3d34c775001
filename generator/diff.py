"""`baocao diff OLD NEW`: which figures and documents changed, and what prose they change."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compose import BodyTable, Composition, Heading, Paragraph, citation, plain_inlines
from .formatting import round_half_up, so


@dataclass
class Change:
    what: str  # "1.1.2 Số nhiệm vụ đã hoàn thành" or "văn bản kh11"
    old: str
    new: str
    ref: str  # "so_lieu:1.1.2" or "van_ban:kh11"


@dataclass
class ProseChange:
    where: str  # "Mục II. 2. Cải cách thủ tục hành chính, đoạn 3"
    old: str
    new: str
    refs: list[str]


@dataclass
class ReportDiff:
    figures: list[Change] = field(default_factory=list)
    documents: list[Change] = field(default_factory=list)
    prose: list[ProseChange] = field(default_factory=list)
    footnotes: list[ProseChange] = field(default_factory=list)
    edited: list[ProseChange] = field(default_factory=list)  # text changed by hand

    @property
    def empty(self) -> bool:
        return not (self.figures or self.documents or self.prose or self.footnotes or self.edited)

    def lines(self) -> list[str]:
        """The report in Vietnamese, as `baocao diff` prints it."""
        if self.empty:
            return ["Không có số liệu, văn bản hay đoạn văn nào thay đổi."]
        out: list[str] = []
        if self.figures:
            out.append(f"Số liệu thay đổi ({len(self.figures)}):")
            out += [
                f"  {c.what}: {c.old or '(trống)'} → "
                + (c.new or ("(trống: đã xóa, không báo cáo)" if c.old else "(trống)"))
                for c in self.figures
            ]
        if self.documents:
            out.append(f"Văn bản trích dẫn thay đổi ({len(self.documents)}):")
            out += [f"  {c.what}: {c.old} → {c.new}" for c in self.documents]
        if self.prose:
            out.append(f"Đoạn văn thay đổi theo ({len(self.prose)}):")
            for change in self.prose:
                out.append(f"  {change.where} (do {', '.join(_ref_name(r) for r in change.refs)}):")
                out += _before_after(change)
        if self.footnotes:
            out.append(f"Chú thích cuối trang thay đổi theo ({len(self.footnotes)}):")
            for change in self.footnotes:
                out.append(f"  {change.where}: {change.old} → {change.new}")
        if self.edited:
            out.append(f"Đoạn văn được sửa ({len(self.edited)}):")
            for change in self.edited:
                out.append(f"  {change.where}:")
                out += _before_after(change)
        return out


def _before_after(change: ProseChange) -> list[str]:
    return [f"    trước: {change.old or '(chưa có)'}", f"    sau:   {change.new or '(đã bỏ)'}"]


def _ref_name(ref: str) -> str:
    kind, _, key = ref.partition(":")
    return {"so_lieu": "số liệu", "ky_truoc": "số liệu kỳ trước"}.get(kind, "văn bản") + f" {key}"


def _previous_changes(old: Composition, new: Composition) -> list[Change]:
    """Figures of the ky_truoc files that so_sanh() read and that differ between the two
    versions (another previous file, or the same one corrected)."""
    used = set()
    for dependencies in (old.dependencies, new.dependencies):
        for refs in dependencies.values():
            used |= {r.partition(":")[2] for r in refs if r.startswith("ky_truoc:")}
    changes = []
    for key in sorted(used):
        before, after = _previous_value(old, key), _previous_value(new, key)
        if before != after:
            figures = _figures_of(new, key) or _figures_of(old, key)
            describe = figures.describe(key) if figures else key
            changes.append(Change(f"{describe} (kỳ trước)", before, after, f"ky_truoc:{key}"))
    return changes


def _figures_of(composition: Composition, key: str) -> Any:
    """The figures of the appendix ``key`` is in (the first that has it, as prose reads)."""
    return next((f for f in composition.all_figures if key in f.catalog.nodes), None)


def _previous_value(composition: Composition, key: str) -> str:
    """The ky_truoc file's figure ``key``, from its appendix of the same catalog."""
    if not composition.previous:
        return ""
    figures = _figures_of(composition, key)
    return _shown(composition.previous.number(key, figures.catalog.spec.ma if figures else None))


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int | float):
        return so(round_half_up(value, 3) if isinstance(value, float) else value)
    return str(value)


def _figure_texts(composition: Composition) -> dict[str, tuple[str, str]]:
    """Indicator id → (description, printed value with its notes) from the appendix rows."""
    out: dict[str, tuple[str, str]] = {}
    for appendix, figures in zip(composition.appendices, composition.all_figures, strict=True):
        for table in appendix.tables:
            for row in table.rows:
                value = row.value_text if row.value_text else _shown(row.value)
                for column in table.figure_columns[1:]:
                    cell = row.extra[column.ma or ""]
                    if cell.text:
                        value = f"{value}; {column.label}: {cell.text}"
                if row.note:
                    value = f"{value} (ghi chú: {row.note})" if value else f"(ghi chú: {row.note})"
                out.setdefault(row.id, (figures.describe(row.id), value))
    return out


def _paragraphs(composition: Composition) -> dict[str, tuple[str, str]]:
    """Field path → (where it is printed, its text), for every piece of prose and every line of
    the header and closing blocks."""
    found: dict[str, tuple[str, str]] = {
        "co_quan": (
            "Cơ quan ban hành",
            " / ".join(filter(None, [composition.co_quan_chu_quan, *composition.co_quan_ban_hanh])),
        ),
        "so": ("Số, ký hiệu", composition.so_ky_hieu),
        "ngay": ("Địa danh, ngày tháng", composition.dia_danh_ngay),
        "trich_yeu": ("Trích yếu", composition.trich_yeu),
        "noi_nhan": ("Nơi nhận", " ".join(composition.noi_nhan)),
        "chu_ky": ("Chữ ký", " / ".join([*composition.signature_lines, composition.signer])),
    }
    for index, paragraph in enumerate(composition.opening):
        found[paragraph.path or f"mo_dau[{index}]"] = (
            "Đoạn mở đầu",
            plain_inlines(paragraph.inlines),
        )
    heading = ""
    trail: list[str] = []  # numbers of the enclosing headings: ["II.", "2."]
    count = 0
    for block in composition.body:
        if isinstance(block, Heading):
            trail = [*trail[: block.level - 1], block.number]
            title = plain_inlines(block.inlines)
            heading = " › ".join(n.rstrip(".") for n in trail) + f". {title}"
            count = 0
            found[f"{block.path}.tieu_de"] = (f"Tiêu đề mục {' › '.join(trail)}", title)
        elif isinstance(block, Paragraph):
            count += 1
            found[block.path] = (
                f"Mục {_short(heading)}, đoạn {count}",
                plain_inlines(block.inlines),
            )
        elif isinstance(block, BodyTable):
            count += 1
            cells = " | ".join(plain_inlines(c) for row in block.rows for c in row)
            found[block.path] = (f"Mục {_short(heading)}, bảng (đoạn {count})", cells)
    found["ket_luan"] = ("Đoạn kết", plain_inlines(composition.closing.inlines))
    return found


def changed_window(before: str, after: str, context: int = 70) -> tuple[str, str]:
    """The part of two long texts around where they differ, with "…" for what is cut."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while (
        end < min(len(before), len(after)) - start
        and before[len(before) - 1 - end] == after[len(after) - 1 - end]
    ):
        end += 1
    left = max(0, start - context)
    left = before.rfind(" ", 0, left) + 1 if left else 0

    def cut(text: str) -> str:
        right = min(len(text), len(text) - end + context)
        if right < len(text):
            space = text.find(" ", right)
            right = len(text) if space == -1 else space
        return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")

    return cut(before), cut(after)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _owner(path: str, paragraphs: dict[str, tuple[str, str]]) -> str | None:
    """The printed paragraph a dependency's field belongs to (a table cell → its table)."""
    while path:
        if path in paragraphs:
            return path
        trimmed = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", path)
        if trimmed == path:
            return None
        path = trimmed
    return None


def diff_compositions(old: Composition, new: Composition) -> ReportDiff:
    result = ReportDiff()
    old_figures, new_figures = _figure_texts(old), _figure_texts(new)
    for key in new_figures.keys() | old_figures.keys():
        before = old_figures.get(key, ("", ""))[1]
        what, after = new_figures.get(key, old_figures.get(key, ("", "")))
        if key not in new_figures:
            after = ""
        if before != after:
            result.figures.append(Change(what, before, after, f"so_lieu:{key}"))
    order = list(new_figures) + [k for k in old_figures if k not in new_figures]
    result.figures.sort(key=lambda c: order.index(c.ref.partition(":")[2]))

    old_docs, new_docs = old.report.van_ban, new.report.van_ban
    for key in list(new_docs) + [k for k in old_docs if k not in new_docs]:
        before = citation(old_docs[key]) if key in old_docs else ""
        after = citation(new_docs[key]) if key in new_docs else ""
        if before != after:
            result.documents.append(
                Change(
                    f"văn bản {key}", before or "(không có)", after or "(đã bỏ)", f"van_ban:{key}"
                )
            )

    result.figures += _previous_changes(old, new)
    changed_refs = {c.ref for c in result.figures + result.documents}
    old_text, new_text = _paragraphs(old), _paragraphs(new)
    affected: dict[str, list[str]] = {}
    for dependencies in (old.dependencies, new.dependencies):
        for field_path, refs in dependencies.items():
            hits = sorted(refs & changed_refs)
            owner = _owner(field_path, new_text) or _owner(field_path, old_text)
            if hits and owner:
                affected.setdefault(owner, [])
                affected[owner] = sorted(set(affected[owner]) | set(hits))
    for path in [p for p in new_text if p in affected] + [
        p for p in old_text if p in affected and p not in new_text
    ]:
        where, after = new_text[path] if path in new_text else (old_text[path][0], "")
        before = old_text.get(path, ("", ""))[1]
        before, after = changed_window(before, after)
        result.prose.append(ProseChange(where, before, after, affected[path]))

    for path in [p for p in new_text if p not in affected] + [
        p for p in old_text if p not in new_text and p not in affected
    ]:
        before = old_text.get(path, ("", ""))[1]
        where, after = new_text[path] if path in new_text else (old_text[path][0], "")
        if before != after:
            before, after = changed_window(before, after)
            result.edited.append(ProseChange(where, before, after, []))

    old_notes = {n.number: n for n in old.footnotes}
    for note in new.footnotes:
        before = old_notes.get(note.number)
        if f"van_ban:{note.key}" in changed_refs or (before and before.text != note.text):
            owner = _owner(note.path, new_text)
            place = f" ({new_text[owner][0]})" if owner else ""
            result.footnotes.append(
                ProseChange(
                    f"Chú thích {note.number}{place}",
                    before.text if before else "",
                    note.text,
                    [f"van_ban:{note.key}"],
                )
            )
    return result


def diff_reports(
    old: str | Path, new: str | Path | None = None, so_lieu: str | Path | None = None
) -> ReportDiff:
    """Compare two data files (or filled workbooks) of the same report; with ``so_lieu``, the
    new side takes that workbook's figures (NEW defaults to OLD: what the workbook changes)."""
    from .api import load_report

    return diff_compositions(load_report(old), load_report(new or old, so_lieu=so_lieu))
