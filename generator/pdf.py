"""PDF through LibreOffice headless: several files in one LibreOffice process."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .errors import OutputError, ToolMissingError
from .output import _reason, process_alive

INSTALL_HINT = (
    "chưa cài LibreOffice nên chưa xuất được PDF (tệp Word/Excel vẫn đã được ghi). Cài đặt: "
    "trên Ubuntu/Debian chạy `sudo apt-get install libreoffice-writer-nogui`; trên Windows "
    "tải tại https://www.libreoffice.org/download/ rồi chạy lại với --pdf"
)
TIMEOUT_PER_FILE = 60
# Letters that only a font made for Vietnamese has (ả ế ể ờ ự đ ư): Debian's fonts-liberation
# 1.x, which stands in for Times New Roman on Linux, lacks them, and LibreOffice then mixes
# in another font and text copied from the PDF comes out garbled ("đi ện t ử").
VIETNAMESE_LETTERS = "ảếểờựđư"
FONT_HINT = (
    "cảnh báo: trên máy này, phông chữ thay cho Times New Roman ({family}) không có đủ chữ "
    "tiếng Việt: PDF sẽ trộn phông khác và chữ chép từ PDF bị vỡ. Cài phông Liberation bản 2 "
    "(cùng kích thước chữ với Times New Roman): `sudo apt-get install fonts-liberation2` "
    "trên Ubuntu/Debian, hoặc cài phông Times New Roman, rồi xuất lại PDF"
)


def find_soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (
        r"C:\Program Files\LibreOffice\program\soffice.exe",
        "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    ):
        if os.path.exists(candidate):
            return candidate
    return None


def _fontconfig(*args: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def font_warning() -> str | None:
    """A warning when the font LibreOffice prints Times New Roman with lacks Vietnamese
    letters. Asked of fontconfig, which LibreOffice uses on Linux; where there is none
    (Windows), Times New Roman itself is installed."""
    fc_match, fc_list = shutil.which("fc-match"), shutil.which("fc-list")
    if fc_match is None or fc_list is None:
        return None
    family = _fontconfig(fc_match, "--format=%{family[0]}", "Times New Roman")
    if not family:
        return None
    escaped = re.sub(r"([\\:,=-])", r"\\\1", family)
    charset = " ".join(f"{ord(letter):x}" for letter in VIETNAMESE_LETTERS)
    if _fontconfig(fc_list, f"{escaped}:charset={charset}", "family"):
        return None
    return FONT_HINT.format(family=family)


def convert_bytes(documents: list[bytes]) -> list[bytes]:
    """The PDF of each DOCX given as bytes, all in one LibreOffice run (in a private folder:
    nothing is written beside the outputs until the caller writes the whole set)."""
    if not documents:
        return []
    soffice = find_soffice()
    if soffice is None:
        raise ToolMissingError(INSTALL_HINT)
    root = _temp_root()
    sweep_pdf_folders(root)
    work_dir = _work_folder(root)
    try:
        sources = []
        for number, data in enumerate(documents, start=1):
            source = work_dir / f"bc{number:04d}.docx"  # short, distinct names: one run
            try:
                source.write_bytes(data)
            except OSError as exc:
                raise OutputError(
                    f"không ghi được tệp tạm để xuất PDF vào thư mục tạm ({_reason(exc)})",
                    file=str(root),
                ) from None
            sources.append(source)
        _run_soffice(soffice, work_dir, sources)
        produced = [work_dir / f"{source.stem}.pdf" for source in sources]
        if not all(pdf.exists() for pdf in produced):
            raise OutputError("LibreOffice không xuất được PDF" + _full(work_dir))
        return [
            reproducible(pdf.read_bytes(), data)
            for pdf, data in zip(produced, documents, strict=True)
        ]
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


# --------------------------------------------------------------------------- leftovers
#
# The private folder of a conversion is named after its process (baocao-pdf-PID-XXXXXXXX, in
# the temporary folder): a run killed outright (kill -9) cannot remove it, nor stop the
# LibreOffice it started, so the next conversion does both for runs whose process is gone.

_WORK_PREFIX = "baocao-pdf-"
# mkdtemp's names (and TemporaryDirectory's, an older version's): 8 characters of its own
_WORK_FOLDER = re.compile(r"baocao-pdf-(?:(\d+)-)?[a-z0-9_]{8}")
# a folder without a process id in its name (an older version's), or where the process
# cannot be asked (Windows): no conversion lasts a day
STALE_LEGACY = 24 * 3600


def _temp_root() -> Path:
    try:
        return Path(tempfile.gettempdir())
    except FileNotFoundError:  # every candidate (TMPDIR, /tmp, …) full or read-only
        raise OutputError(
            "không có thư mục tạm nào ghi được để xuất PDF (thư mục tạm đầy hoặc chỉ đọc); "
            "dọn bớt ổ đĩa, hoặc đặt biến TMPDIR tới một thư mục còn chỗ trống"
        ) from None


def _work_folder(root: Path) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=f"{_WORK_PREFIX}{os.getpid()}-", dir=root))
    except OSError as exc:
        raise OutputError(
            f"không tạo được thư mục tạm để xuất PDF ({_reason(exc)})", file=str(root)
        ) from None


def _full(folder: Path) -> str:
    """Why LibreOffice may have failed: its folder's disk is (nearly) full."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    if free > 16 * 1024 * 1024:
        return ""
    return f" (thư mục tạm {folder.parent} đã đầy: còn {free // 1024} KB trống)"


def _orphans_of(folder: str) -> list[int]:
    """LibreOffice processes (Linux) still using the profile in ``folder``."""
    marker = f"UserInstallation={Path(folder, 'profile').as_uri()}".encode()
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if marker in handle.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def sweep_pdf_folders(root: Path) -> None:
    """Remove the conversion folders in ``root`` of runs that are gone (stopping the
    LibreOffice they left running); never one of a run still going, nor another user's."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for entry in entries:
        match = _WORK_FOLDER.fullmatch(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            continue
        if os.name == "posix" and info.st_mode & 0o777 != 0o700:
            continue  # mkdtemp makes it private: this one is a user's folder of that name
        if match.group(1) and os.name == "posix":
            pid = int(match.group(1))
            if pid == os.getpid() or process_alive(pid):
                continue
        elif time.time() - info.st_mtime < STALE_LEGACY:  # an older version's, or Windows
            continue
        for orphan in _orphans_of(entry.path):
            with contextlib.suppress(OSError):
                os.kill(orphan, signal.SIGKILL)
        shutil.rmtree(entry.path, ignore_errors=True)


_CREATION_DATE = re.compile(rb"/CreationDate\(D:(\d{14})")
_FILE_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]{32})>\s*<([0-9A-Fa-f]{32})>")
_DOC_CHECKSUM = re.compile(rb"/DocChecksum\s*/[0-9A-Fa-f]{32}")
_CREATED = re.compile(rb"<dcterms:created[^>]*>(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")


def reproducible(pdf: bytes, docx: bytes) -> bytes:
    """The PDF with LibreOffice's run-dependent parts made to follow the DOCX instead: the
    creation time (the conversion's clock) becomes the DOCX's own stamp, and the file
    identifier and LibreOffice's checksum (which covers the time) a digest of the DOCX. The
    same DOCX then gives the same PDF bytes, as the DOCX and XLSX do. Each replacement has
    the same length, so the cross-reference table's byte offsets stay right."""
    import hashlib
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            core = package.read("docProps/core.xml")
    except (zipfile.BadZipFile, KeyError):
        return pdf
    created = _CREATED.search(core)
    if created is not None:
        stamp = b"".join(created.groups())
        pdf = _CREATION_DATE.sub(lambda m: m.group(0)[: -len(stamp)] + stamp, pdf, count=1)
    digest = hashlib.md5(docx, usedforsecurity=False).hexdigest().upper().encode()
    pdf = _FILE_ID.sub(lambda m: b"/ID [ <" + digest + b"> <" + digest + b">", pdf, count=1)
    return _DOC_CHECKSUM.sub(lambda m: m.group(0)[:-32] + digest, pdf, count=1)


def convert_to_pdf(documents: list[Path], force: bool = False) -> list[Path]:
    """Convert DOCX files on disk to PDF beside them, in one LibreOffice run. A PDF of the
    same name that is not the one baocao wrote is kept (``force``: kept as NAME.bak.pdf)."""
    from .output_set import Output, check_targets, locked, pdf_record, write_set

    targets = [document.with_suffix(".pdf") for document in documents]
    with locked(targets):
        checked = check_targets(targets, force)
        pdfs = convert_bytes([document.read_bytes() for document in documents])
        pairs = list(zip(targets, pdfs, strict=True))
        write_set([Output(t, d) for t, d in pairs] + [pdf_record(t, d) for t, d in pairs], checked)
    return targets


def _run_soffice(soffice: str, work_dir: Path, documents: list[Path]) -> None:
    # a private profile: no clash with a LibreOffice the user has open, no first-run dialogs
    profile = (work_dir / "profile").as_uri()
    command = [
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(work_dir),
        *(str(d) for d in documents),
    ]
    try:
        # its own process group: `soffice` is a launcher whose child (soffice.bin) does the
        # work, and both must stop with this run (Ctrl+C, SIGTERM, a timeout)
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # its own temporary files (lu*.tmp) in the work folder too: removed with it
            env={
                **os.environ,
                "TMPDIR": str(work_dir),
                "TMP": str(work_dir),
                "TEMP": str(work_dir),
            },
        )
    except OSError as exc:
        from .loader import os_reason

        raise OutputError(f"không chạy được LibreOffice ({os_reason(exc)})") from None
    try:
        code = process.wait(timeout=TIMEOUT_PER_FILE * len(documents) + 30)
    except subprocess.TimeoutExpired:
        raise OutputError("LibreOffice chạy quá lâu khi xuất PDF; đã dừng") from None
    finally:
        _stop(process)
    if code != 0:
        raise OutputError(f"LibreOffice báo lỗi (mã {code}) khi xuất PDF" + _full(work_dir))


def _stop(process: subprocess.Popen) -> None:
    """End LibreOffice and whatever it started (nothing is left when it finished normally)."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    elif process.poll() is None:
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
