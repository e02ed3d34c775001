"""The web application's only door to the library: stored versions are written to a private
temporary folder under their own name and handed to the same functions `baocao` calls, so a
download is what `baocao render` writes for the same file, byte for byte."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from django.conf import settings

from generator import BaocaoError, DataError, check_data, load_report, render_report
from generator.catalog import describe_row, load_catalog, shipped_catalogs, stt_labels
from generator.loader import format_path

DATA_SUFFIXES = (".yaml", ".yml", ".json")
KINDS = {"docx": ".docx", "xlsx": "_phu_luc.xlsx", "pdf": ".pdf"}
_FIGURE_PATH = re.compile(r"^phu_luc\.so_lieu\.([^.\s]+(?:\.[0-9]+)*)")


class UploadRefused(BaocaoError):
    """An upload that is not a data file or sổ nhập (by content, size or name)."""


# --------------------------------------------------------------------------- uploads


def safe_name(name: str, default: str = "bao_cao.yaml") -> str:
    """The file's own name without folders or characters Windows or a shell would choke on."""
    name = unicodedata.normalize("NFC", Path(name.replace("\\", "/")).name)
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .")
    return name[:120] or default


def sniff(name: str, data: bytes) -> str:
    """The upload's name, checked against its content: an Excel workbook is a zip holding
    xl/workbook.xml; a data file is text. Anything else is refused with the CLI's advice."""
    name = safe_name(name)
    suffix = Path(name).suffix.lower()
    if len(data) > settings.UPLOAD_LIMIT:
        raise UploadRefused(
            f"tệp lớn hơn giới hạn {settings.UPLOAD_LIMIT // (1024 * 1024)} MB", file=name
        )
    if not data.strip():
        raise UploadRefused("tệp rỗng", file=name)
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = set(archive.namelist())
        except zipfile.BadZipFile:
            raise UploadRefused("tệp nén bị hỏng, không mở được", file=name) from None
        if "xl/workbook.xml" in members:
            if suffix not in ("", ".xlsx"):
                raise UploadRefused(
                    f"tên tệp có đuôi {suffix} nhưng nội dung là bảng tính Excel; đổi đuôi "
                    "thành .xlsx",
                    file=name,
                )
            return str(Path(name).with_suffix(".xlsx"))
        from generator.intake import NOT_DATA

        if "word/document.xml" in members:
            raise UploadRefused(NOT_DATA[".docx"], file=name)
        raise UploadRefused(
            "tệp nén này không phải sổ nhập Excel (.xlsx) hay tệp số liệu", file=name
        )
    if data[:5] == b"%PDF-":
        from generator.intake import NOT_DATA

        raise UploadRefused(NOT_DATA[".pdf"], file=name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE: .xls / .doc
        from generator.intake import NOT_DATA

        raise UploadRefused(NOT_DATA[".xls"], file=name)
    if suffix == ".xlsx":
        raise UploadRefused("tên tệp có đuôi .xlsx nhưng nội dung không phải Excel", file=name)
    text_like = data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in data
    if not text_like:
        raise UploadRefused(
            "nội dung không phải văn bản: tệp số liệu là .yaml/.json, sổ nhập là .xlsx", file=name
        )
    if suffix not in DATA_SUFFIXES:
        name = str(Path(name).with_suffix(".yaml"))
    return name


# --------------------------------------------------------------------------- working copies


@contextlib.contextmanager
def working_copy(name: str, data: bytes) -> Iterator[Path]:
    """The stored bytes as a file of their own name in a private folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="baocao-web-"))
    try:
        path = folder / name
        path.write_bytes(bytes(data))
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _raw_data(path: Path) -> Any:
    if path.suffix.lower() == ".xlsx":
        from generator.entry import load_workbook_data

        return load_workbook_data(path).data
    from generator.loader import load_file

    return load_file(path).data


def _refuse_foreign_catalog(path: Path) -> str | None:
    """On a server, a data file may name only a shipped catalog (in each of its appendices):
    a path would make the server read files of its own disk. Returns the first appendix's
    shipped catalog id (None: no Phụ lục)."""
    data = _raw_data(path)
    phu_luc = data.get("phu_luc") if isinstance(data, dict) else None
    # each appendix with its field path, as BaoCao.appendices gives them (no model yet here)
    listed = (
        [(item, ("phu_luc", index)) for index, item in enumerate(phu_luc)]
        if isinstance(phu_luc, list)
        else [(phu_luc, ("phu_luc",))]
    )
    found = None
    for appendix, base in listed:
        if not isinstance(appendix, dict) or appendix.get("danh_muc") is None:
            continue
        ref = str(appendix["danh_muc"])
        if ref not in shipped_catalogs():
            raise DataError(
                f"danh mục chỉ tiêu '{ref}' không có trên máy chủ; chọn một mã có sẵn: "
                f"{', '.join(shipped_catalogs())}",
                file=path.name,
                path=format_path((*base, "danh_muc")),
            )
        found = found or ref
    return found


# --------------------------------------------------------------------------- checking


@dataclass
class Finding:
    """One problem as the page shows it."""

    severity: str  # "loi" | "canh_bao"
    where: str  # "nhap.xlsx!Chỉ tiêu!E14" or "bao_cao.yaml dòng 42"
    field: str
    stt: str
    label: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return self.__dict__.copy()


def _indicator(path: str | None, catalog_id: str | None) -> tuple[str, str]:
    match = _FIGURE_PATH.match(path or "")
    if not match or not catalog_id:
        return "", ""
    try:
        catalog = load_catalog(catalog_id)
    except BaocaoError:
        return "", ""
    node_id = match.group(1)
    while node_id not in catalog.nodes and "." in node_id:
        node_id = node_id.rsplit(".", 1)[0]
    if node_id not in catalog.nodes:
        return "", ""
    labels = stt_labels(catalog.spec)
    stt = labels.get(node_id, "").rstrip(".")
    if not stt:  # an unnumbered row: "7.2.2 ›" names its numbered parent
        stt = describe_row(catalog, labels, node_id).split(" ", 1)[0] + " ›"
    return stt, catalog.nodes[node_id].ten


def _findings(problems: list, catalog_id: str | None, folder: Path | None) -> list[Finding]:
    found = []
    for problem in problems:
        where = problem.file or ""
        if folder is not None:  # the private copy's folder is nobody's business
            where = where.replace(str(folder) + os.sep, "")
        if problem.line:
            where = f"{where} dòng {problem.line}".strip()
        stt, label = _indicator(problem.path, catalog_id)
        found.append(
            Finding(
                "loi" if problem.is_error else "canh_bao",
                where,
                problem.path or "",
                stt,
                label,
                problem.message,
            )
        )
    return found


def check(name: str, data: bytes, catalog_id: str | None = None) -> list[Finding]:
    """Every problem of a stored file, as `baocao check` finds them (never raises for data)."""
    with working_copy(name, data) as path:
        try:
            catalog_id = _refuse_foreign_catalog(path) or catalog_id
        except BaocaoError as exc:
            return _findings(exc.problems, None, path.parent)
        try:
            return _findings(check_data(path).problems, catalog_id, path.parent)
        except Exception as exc:  # a bug must show as a refused file, never as a server error
            return [
                Finding(
                    "loi",
                    name,
                    "",
                    "",
                    "",
                    f"lỗi không mong đợi khi đọc tệp ({exc.__class__.__name__}); hãy báo cho "
                    "người phát triển",
                )
            ]


def catalog_in(name: str, data: bytes) -> str | None:
    """The shipped catalog a stored file names, if any."""
    try:
        with working_copy(name, data) as path:
            return _refuse_foreign_catalog(path)
    except BaocaoError:
        return None


# --------------------------------------------------------------------------- outputs


def _cache_folder(name: str, sha256: str) -> Path:
    return Path(settings.CACHE_DIR) / sha256[:2] / f"{sha256}-{safe_name(name)}"


# An entry used this recently is never pruned: a download may be streaming from it.
_CACHE_IN_USE_SECONDS = 15 * 60


def prune_cache(limit_bytes: int | None = None) -> list[Path]:
    """Remove the least recently used outputs until the cache holds at most ``limit_bytes``
    (settings.CACHE_MAX_BYTES). Every entry can be made again from its stored version; entries
    used in the last 15 minutes and building folders of running requests are kept. Returns the
    folders removed."""
    limit = settings.CACHE_MAX_BYTES if limit_bytes is None else limit_bytes
    now = time.time()
    entries = []
    for folder in Path(settings.CACHE_DIR).glob("??/*"):
        try:
            used = folder.stat().st_mtime
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        except OSError:
            continue  # removed by another request meanwhile
        entries.append((used, size, folder))
    total = sum(size for _, size, _ in entries)
    removed = []
    for used, size, folder in sorted(entries, key=lambda entry: entry[0]):
        if total <= limit:
            break
        if now - used < _CACHE_IN_USE_SECONDS:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        total -= size
        removed.append(folder)
    return removed


def outputs(name: str, data: bytes, sha256: str, pdf: bool = False) -> dict[str, Path]:
    """The DOCX (and XLSX, and PDF when asked) `baocao render` writes for this file, made once
    per content and name and kept in the cache folder (least recently used entries are pruned
    past settings.CACHE_MAX_BYTES)."""
    folder = _cache_folder(name, sha256)
    stem = Path(name).stem
    found = {k: folder / f"{stem}{s}" for k, s in KINDS.items() if (folder / f"{stem}{s}").exists()}
    if found:
        with contextlib.suppress(OSError):
            os.utime(folder)  # used now: pruning goes by this time
    if "docx" not in found or (pdf and "pdf" not in found):
        folder.mkdir(parents=True, exist_ok=True)
        with working_copy(name, data) as path:
            _refuse_foreign_catalog(path)
            building = Path(tempfile.mkdtemp(prefix="out-", dir=folder))
            try:
                render_report(path, building, pdf=pdf)
                for made in building.iterdir():
                    made.replace(folder / made.name)  # atomic: a reader sees all or nothing
            finally:
                shutil.rmtree(building, ignore_errors=True)
        found = {
            k: folder / f"{stem}{s}" for k, s in KINDS.items() if (folder / f"{stem}{s}").exists()
        }
        prune_cache()
    return found


def _open_cached(find: Callable[[], Path | None]) -> BinaryIO | None:
    """Open the cached file ``find`` names (making it when needed), None when there is none.
    Once open it stays readable even if the cache is pruned meanwhile; an entry pruned between
    finding it and opening it is made again, once."""
    for last_try in (False, True):
        path = find()
        if path is None:
            return None
        try:
            return path.open("rb")
        except FileNotFoundError:
            if last_try:
                raise
    return None


def open_output(name: str, data: bytes, sha256: str, kind: str) -> BinaryIO | None:
    """The output of ``kind`` (docx, xlsx, pdf) opened for reading, or None when the file makes
    none (no Phụ lục)."""
    return _open_cached(lambda: outputs(name, data, sha256, pdf=kind == "pdf").get(kind))


def open_page(name: str, data: bytes, sha256: str, page: int) -> BinaryIO | None:
    """Page ``page`` (from 1) of the PDF as a PNG opened for reading, None past the last page."""

    def find() -> Path | None:
        pages = pdf_pages(name, data, sha256)
        return pages[page - 1] if 1 <= page <= len(pages) else None

    return _open_cached(find)


def pdf_pages(name: str, data: bytes, sha256: str) -> list[Path]:
    """PNG images of the PDF's pages (LibreOffice and pdftoppm needed), cached."""
    pdf = outputs(name, data, sha256, pdf=True)["pdf"]
    pages = sorted(pdf.parent.glob("trang-*.png"))
    if not pages:
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm is None:
            return []
        building = Path(tempfile.mkdtemp(prefix="pages-", dir=pdf.parent))
        try:
            subprocess.run(
                [pdftoppm, "-png", "-r", "60", str(pdf), str(building / "trang")],
                check=True,
                capture_output=True,
                timeout=120,
            )
            for page in building.glob("trang-*.png"):
                number = int(page.stem.rsplit("-", 1)[1])
                page.replace(pdf.parent / f"trang-{number:03d}.png")
        finally:
            shutil.rmtree(building, ignore_errors=True)
        pages = sorted(pdf.parent.glob("trang-*.png"))
    return pages


def pdf_available() -> bool:
    from generator.pdf import find_soffice

    return find_soffice() is not None


def composition(name: str, data: bytes):
    """The composed report (header, body, footnotes, Phụ lục rows) for the browser preview."""
    with working_copy(name, data) as path:
        _refuse_foreign_catalog(path)
        return load_report(path)


def diff(old: tuple[str, bytes], new: tuple[str, bytes]):
    """`baocao diff OLD NEW` between two stored files (a ReportDiff)."""
    from generator.diff import diff_reports

    with working_copy(*old) as old_path, working_copy(*new) as new_path:
        _refuse_foreign_catalog(old_path)
        _refuse_foreign_catalog(new_path)
        return diff_reports(old_path, new_path)


# --------------------------------------------------------------------------- data files


def data_of(name: str, data: bytes) -> dict[str, Any]:
    """The report's fields as a YAML data file holds them (a sổ nhập read like `render` does)."""
    with working_copy(name, data) as path:
        raw = _raw_data(path)
    if not isinstance(raw, dict):
        raise DataError("tệp dữ liệu phải là một bảng các trường", file=name, line=1)
    return raw


def yaml_bytes(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    ).encode("utf-8")


def entry_workbook(source: str | tuple[str, bytes]) -> bytes:
    """The sổ nhập `baocao mau-nhap` writes: from a catalog id, or prefilled from a data file
    (a stored sổ nhập is first read back to its data)."""
    from generator.entry import write_entry_workbook

    folder = Path(tempfile.mkdtemp(prefix="baocao-web-"))
    try:
        target = folder / "so_nhap.xlsx"
        if isinstance(source, str):
            write_entry_workbook(source, target)
        else:
            name, data = source
            if Path(name).suffix.lower() == ".xlsx":
                name, data = str(Path(name).with_suffix(".yaml")), yaml_bytes(data_of(name, data))
            path = folder / name
            path.write_bytes(bytes(data))
            _refuse_foreign_catalog(path)
            write_entry_workbook(path, target)
        return target.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def catalogs() -> list[tuple[str, str]]:
    """(id, title) of every shipped catalog."""
    found = []
    for catalog_id in shipped_catalogs():
        try:
            spec = load_catalog(catalog_id).spec
            found.append((catalog_id, f"{spec.mo_ta or spec.tieu_de} ({catalog_id})"))
        except BaocaoError:
            continue
    return found


def starting_data(catalog_id: str, ky_bao_cao: str, unit_name: str, unit_kind: str) -> bytes:
    """A new report's data file: `baocao init`'s skeleton for the unit's level, with the unit's
    name, the period and the chosen catalog."""
    from generator.skeleton import skeleton_text

    cap = {"huyen": "huyen", "xa": "xa", "tinh": "huyen"}.get(unit_kind, "so")
    data = yaml.safe_load(skeleton_text(cap))
    administrative = unit_kind in ("tinh", "huyen", "xa")
    data["co_quan_ban_hanh"] = ["Ủy ban nhân dân", unit_name] if administrative else [unit_name]
    data["ten_co_quan"] = (
        "UBND " + unit_name[:1].lower() + unit_name[1:] if administrative else unit_name
    )
    for prefix in ("Tỉnh ", "Huyện ", "Xã ", "Thị xã ", "Thành phố ", "Phường ", "Thị trấn "):
        if administrative and unit_name.startswith(prefix):
            data["dia_danh"] = unit_name[len(prefix) :]
    data["ky_bao_cao"] = ky_bao_cao
    data["so"] = None
    data["du_thao"] = True
    figures = (data.get("phu_luc") or {}).get("so_lieu") or {}
    if (data.get("phu_luc") or {}).get("danh_muc") != catalog_id:
        figures = {}
    data["phu_luc"] = {"danh_muc": catalog_id, "so_lieu": figures}
    return yaml_bytes(data)


def next_period_data(name: str, data: bytes, ky_bao_cao: str) -> bytes:
    """Last period's report carried to a new period: same text and documents, figures kept
    for the sổ nhập to prefill, a draft without number."""
    fields = data_of(name, data)
    fields["ky_bao_cao"] = ky_bao_cao
    fields["so"] = None
    fields["du_thao"] = True
    return yaml_bytes(fields)


def tong_hop(files: list[tuple[str, bytes]]) -> tuple[bytes, dict[str, Any], Any]:
    """`baocao tong-hop` over the units' stored files: the workbook, the totals as a data file's
    phu_luc, and the library's result (units added, files refused)."""
    from generator import tong_hop as run

    folder = Path(tempfile.mkdtemp(prefix="baocao-web-"))
    try:
        inputs = folder / "don_vi"
        inputs.mkdir()
        for name, data in files:
            (inputs / name).write_bytes(bytes(data))
            _refuse_foreign_catalog(inputs / name)
        result = run([inputs], folder / "tong_hop.xlsx", data_out=folder / "tong_hop.yaml")
        totals = yaml.safe_load((folder / "tong_hop.yaml").read_text(encoding="utf-8"))
        return (folder / "tong_hop.xlsx").read_bytes(), totals["phu_luc"], result
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def with_figures(data: bytes, phu_luc: dict[str, Any]) -> bytes:
    """A data file (YAML bytes) whose Phụ lục is replaced by the given one."""
    fields = yaml.safe_load(data)
    fields["phu_luc"] = phu_luc
    return yaml_bytes(fields)
