"""`baocao cap-nhat`: put corrected data into a report already edited by hand in Word.

The report as first generated marked every value taken from the data (marks.py). The new data
is rendered in memory; each mark of the edited file then takes the new text of the same value,
and nothing else of the file changes: every part but the document body, the footnotes and the
list of marks is copied byte for byte (styles, comments, images, headers, page setup…), and in
those three only the text inside marks changes. A Phụ lục table whose text is still as
generated is regenerated whole (rows the danh mục gained appear); a table edited by hand is
updated cell by cell, its hand-added rows kept.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .errors import BaocaoError, DataError, OutputError
from .marks import (
    TEXT_TAGS,
    Found,
    Mark,
    find_manifest,
    find_marks,
    manifest_xml,
    normal,
    parse_manifest,
    piece_text,
    realign,
    replace_text,
)
from .wordml import element_text, qn

DOCUMENT = "word/document.xml"
FOOTNOTES = "word/footnotes.xml"

# What a change is, in the printed report, in this order.
KINDS = {
    "doi": "Đã đổi",
    "ep": "Đã thay cả chỗ sửa tay (--force)",
    "xung_dot": "Giữ nguyên vì đã sửa tay (chạy lại với --force để thay)",
    "mat": "Đã bị xóa trong tệp (không thêm lại)",
    "khong_dat": "Không đặt được (tệp không có chỗ nào cho giá trị này; thêm bằng tay nếu cần)",
    "bo": "Không còn trong số liệu mới (giữ nguyên trong tệp)",
    "hang_them": "Hàng thêm tay trong Phụ lục (giữ nguyên)",
    "hang_xoa": "Hàng đã xóa trong Phụ lục (không thêm lại)",
}
COLUMNS = {
    "stt": "STT",
    "chi_tieu": "Chỉ tiêu",
    "don_vi": "Đơn vị tính",
    "so_lieu": "Số liệu",
    "ghi_chu": "Ghi chú",
}
FIXED_PLACES = {
    "so": "Số, ký hiệu",
    "ngay": "Địa danh, ngày tháng",
    "trich_yeu": "Trích yếu",
    "nguoi_ky": "Người ký",
    "kem_theo": "Phụ lục, dòng “Kèm theo”",
}


class UpdateError(BaocaoError):
    """The edited file cannot be updated (not a report made by baocao, or its marks damaged)."""


@dataclass
class Change:
    kind: str  # a key of KINDS
    place: str
    old: str = ""
    new: str = ""

    def line(self) -> str:
        if self.kind in ("doi", "ep", "mat"):
            return f"{self.place}: {self.old} → {self.new}"
        if self.kind == "xung_dot":
            return f"{self.place}: trong tệp “{self.old}”, số liệu mới {self.new}"
        if self.kind == "khong_dat":
            return f"{self.place}: {self.new}"
        if self.kind == "bo":
            return f"{self.place}: {self.old}"
        return self.place


@dataclass
class UpdateResult:
    edited: Path
    output: Path | None
    changes: list[Change] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    warnings: list = field(default_factory=list)
    table_modes: dict[str, str] = field(default_factory=dict)  # table number → how updated
    gone_unchanged: int = 0  # marks deleted in the file whose value did not change

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def lines(self) -> list[str]:
        """The printed report: each group of changes with its heading, in document order."""
        out = []
        for kind, heading in KINDS.items():
            group = self.of_kind(kind)
            if group:
                out.append(f"{heading} ({len(group)}):")
                out.extend(f"  {change.line()}" for change in group)
        if not out:
            out.append("Không có giá trị nào thay đổi.")
        if self.gone_unchanged:
            out.append(
                f"({self.gone_unchanged} giá trị khác đã bị xóa trong tệp; số liệu của chúng "
                "không đổi nên không cần làm gì.)"
            )
        for number, mode in sorted(self.table_modes.items()):
            out.append(f"Bảng Phụ lục {int(number) + 1}: {mode}.")
        return out


# --------------------------------------------------------------------------- reading files


def _read_package(path: Path) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(path) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except FileNotFoundError:
        raise UpdateError("không có tệp này", file=str(path)) from None
    except (zipfile.BadZipFile, KeyError):
        raise UpdateError(
            "không đọc được tệp Word (.docx) này: tệp bị hỏng hoặc không phải tệp Word",
            file=str(path),
        ) from None
    except OSError as exc:
        from .loader import os_reason

        raise UpdateError(
            f"không đọc được tệp Word (.docx) này ({os_reason(exc)})", file=str(path)
        ) from None


def _marks_of(parts: dict[str, bytes], name: str) -> list[Mark]:
    blob = find_manifest(parts)
    if blob is None:
        raise UpdateError(
            "tệp này không phải báo cáo do baocao tạo (không có dấu các giá trị số liệu), nên "
            "không biết chỗ nào là số liệu để cập nhật; hãy xuất lại bằng `baocao render`",
            file=name,
        )
    try:
        return parse_manifest(blob)
    except ValueError as exc:
        raise UpdateError(
            f"dấu các giá trị số liệu trong tệp bị hỏng ({exc}); không cập nhật được, hãy "
            "xuất lại bằng `baocao render`",
            file=name,
        ) from None


class _Part:
    """One XML part of the package (body or footnotes) with its marks found."""

    def __init__(self, name: str, blob: bytes, file: str, headings: set[str]) -> None:
        self.name = name
        self.headings = headings  # style ids of section headings
        try:
            self.root = etree.fromstring(blob, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as exc:
            raise UpdateError(f"phần {name} của tệp Word bị hỏng ({exc})", file=file) from None
        self.found = find_marks(self.root)
        for mark_name, mark in self.found.items():
            if mark.end is None:
                raise UpdateError(
                    f"dấu giá trị {mark_name} bị hỏng (mất điểm cuối) ở "
                    f"{describe(mark, self)}; không cập nhật được",
                    file=file,
                )

    def footnote_number(self, note: etree._Element | None) -> int:
        """The printed number of a footnote: its rank among real footnotes (ids differ once
        LibreOffice has saved the file)."""
        real = [n for n in self.root.findall(qn("w:footnote")) if n.get(qn("w:type")) is None]
        return next((i for i, n in enumerate(real, start=1) if n is note), 0)


def _style_ids(parts: dict[str, bytes]) -> dict[str, str]:
    """Style name → style id of a package."""
    blob = parts.get("word/styles.xml")
    if not blob:
        return {}
    root = etree.fromstring(blob, parser=etree.XMLParser(resolve_entities=False))
    ids = {}
    for style in root.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None:
            ids[name.get(qn("w:val"), "")] = style.get(qn("w:styleId"), "")
    return ids


def _restyle(subtree: etree._Element, new: dict[str, str], old: dict[str, str]) -> None:
    """Point the style references of a table taken from a fresh rendering at the edited
    file's ids for the same styles (LibreOffice renames style ids when it saves)."""
    renamed = {new_id: old[name] for name, new_id in new.items() if name in old}
    for tag in ("w:pStyle", "w:rStyle", "w:tblStyle"):
        for node in subtree.iter(qn(tag)):
            value = node.get(qn("w:val"), "")
            if renamed.get(value, value) != value:
                node.set(qn("w:val"), renamed[value])


def _heading_styles(parts: dict[str, bytes]) -> set[str]:
    """Ids of the section heading styles (named "BC Mục cấp N"; LibreOffice renames ids)."""
    headings = {f"BCMuc{level}" for level in range(1, 5)}
    blob = parts.get("word/styles.xml")
    if blob:
        root = etree.fromstring(blob, parser=etree.XMLParser(resolve_entities=False))
        for style in root.findall(qn("w:style")):
            name = style.find(qn("w:name"))
            if name is not None and name.get(qn("w:val"), "").startswith("BC Mục"):
                headings.add(style.get(qn("w:styleId"), ""))
    return headings


def _parts(parts: dict[str, bytes], file: str) -> list[_Part]:
    if DOCUMENT not in parts:
        raise UpdateError("tệp không có phần nội dung văn bản (word/document.xml)", file=file)
    headings = _heading_styles(parts)
    return [
        _Part(name, parts[name], file, headings) for name in (DOCUMENT, FOOTNOTES) if name in parts
    ]


# --------------------------------------------------------------------------- places


def _ancestor(node: etree._Element, tag: str) -> etree._Element | None:
    node = node.getparent()
    while node is not None and node.tag != qn(tag):
        node = node.getparent()
    return node


def _heading_before(paragraph: etree._Element, headings: set[str]) -> str:
    """The nearest section heading (a BC Mục… style) at or above the paragraph."""
    body = paragraph
    while body.getparent() is not None and body.getparent().tag != qn("w:body"):
        body = body.getparent()
    node: etree._Element | None = body
    while node is not None:
        if node.tag == qn("w:p"):
            style = node.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            if style is not None and style.get(qn("w:val"), "") in headings:
                return _short(element_text(node), 60)
        node = node.getprevious()
    return ""


def _short(text: str, limit: int) -> str:
    text = normal(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sentence_start(paragraph: etree._Element, start: etree._Element) -> str:
    """The first words of the sentence holding the mark."""
    before = []
    for node in paragraph.iter():
        if node is start:
            break
        if node.tag in TEXT_TAGS and node.getparent().tag == qn("w:r"):
            before.append(piece_text(node))
    text_before = "".join(before)
    cut = max(text_before.rfind(end) for end in (". ", "! ", "? "))
    sentence = text_before[cut + 2 :] if cut >= 0 else text_before
    words = normal(sentence + element_text(paragraph)[len(text_before) :]).split()
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def _row_label(row: etree._Element) -> str:
    cells = [normal(element_text(tc)) for tc in row.findall(qn("w:tc"))]
    return " ".join(c for c in cells[:2] if c)


def describe(mark: Found, part: _Part, key: str = "") -> str:
    """Where a mark stands, in words a clerk finds it by."""
    if key in FIXED_PLACES:
        return FIXED_PLACES[key]
    paragraph = _ancestor(mark.start, "w:p") if mark.start.tag != qn("w:p") else mark.start
    if part.name == FOOTNOTES:
        note = _ancestor(mark.start, "w:footnote")
        return f"Chú thích {part.footnote_number(note)}"
    if key.startswith("o:"):
        row = _ancestor(mark.start, "w:tr")
        column = COLUMNS.get(key.rsplit(":", 1)[-1], "")
        label = _short(_row_label(row), 60) if row is not None else ""
        return f"Phụ lục, dòng {label} — {column}"
    if paragraph is None:
        return "?"
    heading = _heading_before(paragraph, part.headings)
    sentence = _sentence_start(paragraph, mark.start)
    return f"{heading} › “{sentence}”" if heading else f"“{sentence}”"


# --------------------------------------------------------------------------- updating


@dataclass
class _Located:
    mark: Mark
    found: Found | None
    part: _Part | None


def _locate(marks: list[Mark], parts: list[_Part]) -> list[_Located]:
    located = []
    for mark in marks:
        for part in parts:
            if mark.name in part.found:
                located.append(_Located(mark, part.found[mark.name], part))
                break
        else:
            located.append(_Located(mark, None, None))
    return located


def _match(old: list[Mark], new: list[Mark]) -> dict[str, Mark]:
    """The new mark for each old one: the same name (same value at the same place), else the
    first unused one of the same key (the data's paragraphs moved; the value is the same)."""
    by_name = {m.name: m for m in new}
    by_key: dict[str, list[Mark]] = {}
    for mark in new:
        by_key.setdefault(mark.key, []).append(mark)
    used: set[str] = set()
    matched = {}
    for mark in old:
        candidate = by_name.get(mark.name)
        if candidate is not None and candidate.key == mark.key:
            matched[mark.name] = candidate
            used.add(candidate.name)
    for mark in old:
        if mark.name in matched:
            continue
        for candidate in by_key.get(mark.key, []):
            if candidate.name not in used:
                matched[mark.name] = candidate
                used.add(candidate.name)
                break
    return matched


def _table_of(located: _Located) -> etree._Element | None:
    return _ancestor(located.found.start, "w:tbl") if located.found is not None else None


def _is_header_row(row: etree._Element) -> bool:
    return row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


def _unmarked_rows(table: etree._Element) -> list[etree._Element]:
    """Rows of a Phụ lục table with no mark at all, past the header: added by hand."""
    rows = []
    for row in table.findall(qn("w:tr")):
        if _is_header_row(row):
            continue
        names = [b.get(qn("w:name"), "") for b in row.iter(qn("w:bookmarkStart"))]
        if not any(n.startswith("_bc") for n in names) and normal(element_text(row)):
            cells = row.findall(qn("w:tc"))
            if cells and not normal(element_text(cells[0])) and len(cells) == 2:
                continue  # the table's caption row
            rows.append(row)
    return rows


def _renumber_bookmarks(root: etree._Element, subtree: etree._Element) -> None:
    """Give the bookmarks of a transplanted subtree ids unused in the part."""
    used = {
        int(b.get(qn("w:id"), "0"))
        for b in root.iter(qn("w:bookmarkStart"))
        if b.get(qn("w:id"), "").isdigit()
    }
    next_id = max(used, default=0) + 1
    renamed: dict[str, str] = {}
    for node in subtree.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd")):
        old = node.get(qn("w:id"), "")
        if old not in renamed:
            renamed[old] = str(next_id)
            next_id += 1
        node.set(qn("w:id"), renamed[old])


def _is_text_equal(a: str, b: str) -> bool:
    return normal(a) == normal(b)


def update_report(
    edited: str | Path,
    data: str | Path,
    output: str | Path | None = None,
    *,
    force: bool = False,
    write: bool = True,
    strict: bool = False,
    so_lieu: str | Path | None = None,
    template: str | Path | None = None,
) -> UpdateResult:
    """Write ``output`` (default EDITED_cap_nhat.docx beside it): the edited report with each
    marked value changed to the new data's, everything else as the user left it. A value the
    user changed by hand is kept (and reported) unless ``force``. With ``write`` False nothing
    is written: the result says what would change (`baocao diff EDITED.docx DATA`)."""
    from . import __version__
    from .api import _prepare
    from .docx_render import render_docx
    from .output import atomic_write, backup_path, fingerprint_of, guard_overwrite, package
    from .templates import shipped_template, user_template

    edited = Path(edited)
    target = Path(output) if output else edited.with_name(f"{edited.stem}_cap_nhat.docx")
    if not edited.suffix.lower() == ".docx":
        raise UpdateError("tệp cần cập nhật phải là tệp Word .docx", file=str(edited))
    parts = _read_package(edited)
    old_marks = _marks_of(parts, str(edited))
    old_parts = _parts(parts, str(edited))

    prepared = _prepare(Path(data), Path(so_lieu) if so_lieu else None, marks=True)
    prepared.problems.raise_if_errors(DataError, strict=strict)
    docx_template = user_template(template) if template else shipped_template("docx")
    new_package = _read_package_bytes(render_docx(prepared.composition, docx_template))
    new_marks = _marks_of(new_package, "(bản mới)")
    new_parts = {p.name: p for p in _parts(new_package, "(bản mới)")}

    _realign_slipped(old_marks, old_parts)
    result = UpdateResult(edited, target if write else None)
    result.warnings = prepared.problems.warnings
    located = _locate(old_marks, old_parts)
    matched = _match(old_marks, new_marks)
    placed: set[str] = set(matched[m.name].name for m in old_marks if m.name in matched)
    new_text = {m.name: m.text for m in old_marks}  # the manifest of the output
    handled: set[str] = set()
    changes: list[tuple[tuple[int, int], Change]] = []
    order = {id(p): i for i, p in enumerate(old_parts)}

    def position(item: _Located) -> tuple[int, int]:
        if item.found is None or item.part is None:
            return (9, 0)
        return (order[id(item.part)], _index_of(item.part, item.found.start))

    # ----- Phụ lục tables: regenerated whole when untouched, else cell by cell
    new_located = {
        item.mark.name: item
        for item in _locate(new_marks, list(new_parts.values()))
        if item.found is not None
    }
    tables: dict[str, list[_Located]] = {}
    for item in located:
        if item.mark.key.startswith("o:"):
            tables.setdefault(item.mark.key.split(":")[1], []).append(item)
    for number, cells in tables.items():
        table = next((t for t in map(_table_of, cells) if t is not None), None)
        if table is None:
            continue
        untouched = all(
            c.found is not None and _is_text_equal(c.found.text, c.mark.text) for c in cells
        ) and not _unmarked_rows(table)
        new_table = None
        for cell in cells:
            counterpart = matched.get(cell.mark.name)
            if counterpart is not None and counterpart.name in new_located:
                new_table = _table_of(new_located[counterpart.name])
                break
        if untouched and new_table is not None:
            result.table_modes[number] = "tạo lại cả bảng"
            for cell in cells:
                handled.add(cell.mark.name)
                counterpart = matched.get(cell.mark.name)
                if counterpart is None:
                    del new_text[cell.mark.name]
                    continue
                if not _is_text_equal(counterpart.text, cell.mark.text):
                    changes.append(
                        (
                            position(cell),
                            Change(
                                "doi",
                                describe(cell.found, cell.part, cell.mark.key),
                                cell.mark.text,
                                counterpart.text,
                            ),
                        )
                    )
                del new_text[cell.mark.name]
            for mark in new_marks:  # the new table holds every cell of the new data
                if mark.key.startswith(f"o:{number}:"):
                    placed.add(mark.name)
                    new_text[mark.name] = mark.text
            copy = deepcopy(new_table)
            _restyle(copy, _style_ids(new_package), _style_ids(parts))
            table.getparent().replace(table, copy)
            part = next(p for p in old_parts if p.name == DOCUMENT)
            _renumber_bookmarks(part.root, copy)
            continue
        result.table_modes[number] = "cập nhật từng ô"
        for row in _unmarked_rows(table):
            changes.append(
                (
                    (order[id(cells[0].part)], _index_of(cells[0].part, row)),
                    Change("hang_them", f"Phụ lục, dòng {_short(_row_label(row), 70)}"),
                )
            )
        gone_rows: dict[str, list[_Located]] = {}
        for cell in cells:
            if cell.found is None:
                gone_rows.setdefault(cell.mark.key.split(":")[2], []).append(cell)
        for lost in gone_rows.values():
            if len(lost) == len(COLUMNS):  # the whole row was deleted
                label = next((c.mark.text for c in lost if c.mark.key.endswith(":chi_tieu")), "")
                stt = next((c.mark.text for c in lost if c.mark.key.endswith(":stt")), "")
                changes.append(
                    ((9, 0), Change("hang_xoa", f"Phụ lục, dòng {_short(f'{stt} {label}', 70)}"))
                )
                handled.update(c.mark.name for c in lost)

    # ----- every other mark (and the cells of tables edited by hand)
    for item in located:
        mark = item.mark
        if mark.name in handled:
            continue
        counterpart = matched.get(mark.name)
        if item.found is None:
            if counterpart is None or _is_text_equal(counterpart.text, mark.text):
                result.gone_unchanged += 1  # nothing to put there anyway
                continue
            place = _place_in(counterpart, new_located, new_parts) or _key_words(mark)
            changes.append(((9, 0), Change("mat", place, mark.text, counterpart.text)))
            continue
        place = describe(item.found, item.part, mark.key)
        if counterpart is None:
            changes.append((position(item), Change("bo", place, mark.text)))
            continue
        if _is_text_equal(counterpart.text, mark.text):
            continue
        current = item.found.text
        if not normal(current) and normal(mark.text):
            changes.append((position(item), Change("mat", place, mark.text, counterpart.text)))
            continue
        if _is_text_equal(current, mark.text) or force:
            if replace_text(item.found, counterpart.text):
                kind = "doi" if _is_text_equal(current, mark.text) else "ep"
                changes.append((position(item), Change(kind, place, current, counterpart.text)))
                new_text[mark.name] = counterpart.text
            continue
        changes.append((position(item), Change("xung_dot", place, current, counterpart.text)))

    # ----- values of the new data with no mark in the file
    for mark in new_marks:
        if mark.name in placed:
            continue
        place = _place_in(mark, new_located, new_parts) or _key_words(mark)
        changes.append(((9, 1), Change("khong_dat", place, "", mark.text)))

    changes.sort(key=lambda pair: pair[0])
    result.changes = [change for _, change in changes]
    if not write:
        return result

    out_parts = dict(parts)
    for part in old_parts:
        out_parts[part.name] = etree.tostring(
            part.root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    manifest_name = next(name for name, blob in parts.items() if blob is find_manifest(parts))
    by_name = {m.name: m for m in old_marks} | {m.name: m for m in new_marks}
    out_parts[manifest_name] = manifest_xml(
        [Mark(name, by_name[name].key, by_name[name].path, text) for name, text in new_text.items()]
    )
    same = target.resolve() == edited.resolve()
    if same and not force:
        raise OutputError(
            "không ghi đè tệp đang cập nhật; ghi ra tệp khác (-o TÊN_MỚI.docx, mặc định "
            f"{edited.stem}_cap_nhat.docx) hoặc thêm --force (tệp cũ được giữ thành "
            f"{backup_path(edited).name})",
            file=str(edited),
        )
    backup = guard_overwrite(target, force)
    if backup:
        result.backups.append(backup)
    # stamped like a render: an untouched output is replaced by the next run without --force
    edited_parts = (parts[name] for name in sorted(parts))
    fingerprint = fingerprint_of(__version__.encode(), *prepared.inputs, *edited_parts)
    atomic_write(target, package(out_parts, fingerprint))
    return result


def _realign_slipped(marks: list[Mark], parts: list[_Part]) -> None:
    """Put marks that slipped off their value (LibreOffice and comments) back onto it."""
    for part in parts:
        moved = False
        for mark in marks:
            found = part.found.get(mark.name)
            if found is not None and not _is_text_equal(found.text, mark.text):
                moved |= realign(found, mark.text)
        if moved:
            part.found = find_marks(part.root)


def _read_package_bytes(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _index_of(part: _Part, node: etree._Element) -> int:
    """Document order of a node (cached per part)."""
    index = getattr(part, "_order", None)
    if index is None:
        index = {id(n): i for i, n in enumerate(part.root.iter())}
        part._order = index  # type: ignore[attr-defined]
    return index.get(id(node), 0)


def _place_in(mark: Mark | None, located: dict[str, _Located], parts: dict[str, _Part]) -> str:
    """Where a value stands in the new rendering (for a value the file has no place for)."""
    if mark is None or mark.name not in located:
        return ""
    item = located[mark.name]
    return describe(item.found, item.part, mark.key) if item.found and item.part else ""


_FIGURE = re.compile(r"^bt:so_lieu\['([^']+)'\]")


def _key_words(mark: Mark) -> str:
    if mark.key in FIXED_PLACES:
        return FIXED_PLACES[mark.key]
    figure = _FIGURE.match(mark.key)
    if figure:
        return f"số liệu {figure.group(1)} ({mark.path})"
    if mark.key.startswith("vb:"):
        return f"văn bản {mark.key.split(':')[1]} ({mark.path})"
    return f"{mark.key} ({mark.path})"
