"""Writing outputs safely: atomic replace, and never over a file someone edited by hand.

Every DOCX/XLSX baocao writes carries two custom document properties:
- ``baocao-dau-van`` (fingerprint): a hash of the data file and template that made it;
- ``baocao-noi-dung``: a hash of the package's content parts as written.
Before replacing an output, its content hash is recomputed; if it no longer matches, the file
was changed since it was generated and is kept (unless ``force``, which keeps a .bak copy).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError

CUSTOM_PART = "docProps/custom.xml"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
FINGERPRINT = "baocao-dau-van"
CONTENT_HASH = "baocao-noi-dung"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def _hash_parts(parts: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(parts):
        if name.startswith("docProps/"):
            continue
        digest.update(name.encode())
        digest.update(hashlib.sha256(parts[name]).digest())
    return digest.hexdigest()


def content_hash(package: bytes) -> str:
    """Hash of every part except docProps/* (properties change without the content changing)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return _hash_parts({name: archive.read(name) for name in archive.namelist()})


def _escape(text: str) -> str:
    # xml.sax.saxutils.escape would import urllib.request, http.client and ssl (~40 ms)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _custom_xml(props: dict[str, str], others: list[bytes]) -> bytes:
    ours = [
        f'<property fmtid="{_FMTID}" pid="{pid}" name="{_escape(name)}">'
        f"<vt:lpwstr>{_escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(sorted(props.items()), start=2)
    ]
    items = "".join(ours) + "".join(
        re.sub(rb' pid="\d+"', f' pid="{pid}"'.encode(), other, count=1).decode()
        for pid, other in enumerate(others, start=2 + len(ours))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
        ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"{items}</Properties>"
    ).encode()


def _other_properties(custom: bytes | None) -> list[bytes]:
    """The custom properties of a package that are not baocao's (a user's own, set in Word's
    File › Properties), serialised, so that stamping the package keeps them."""
    if not custom:
        return []
    from lxml import etree

    try:
        root = etree.fromstring(custom)
    except etree.XMLSyntaxError:
        return []
    return [
        etree.tostring(prop)
        for prop in root
        if isinstance(prop.tag, str) and prop.get("name") not in (FINGERPRINT, CONTENT_HASH)
    ]


def read_custom_properties(package: bytes) -> dict[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            if CUSTOM_PART not in archive.namelist():
                return {}
            xml = archive.read(CUSTOM_PART).decode("utf-8", "replace")
    except zipfile.BadZipFile:
        return {}
    found = {}
    for name, value in re.findall(
        r'<property [^>]*name="([^"]+)"[^>]*>\s*<vt:lpwstr>([^<]*)</vt:lpwstr>', xml
    ):
        found[name] = value
    return found


FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # zip entry times: the same data gives the same bytes


def package(parts: dict[str, bytes], fingerprint: str | None = None) -> bytes:
    """Zip the parts of a package in one pass; with a fingerprint, add the custom properties
    (fingerprint and content hash) that let a later run tell whether the file was edited."""
    parts = dict(parts)
    if fingerprint is not None:
        others = _other_properties(parts.pop(CUSTOM_PART, None))
        types = parts["[Content_Types].xml"]
        if CUSTOM_PART.encode() not in types:
            override = f'<Override PartName="/{CUSTOM_PART}" ContentType="{CUSTOM_TYPE}"/>'
            parts["[Content_Types].xml"] = types.replace(
                b"</Types>", override.encode() + b"</Types>"
            )
        rels = parts["_rels/.rels"]
        if CUSTOM_REL.encode() not in rels:
            relation = (
                f'<Relationship Id="rIdBaocaoCustom" Type="{CUSTOM_REL}" Target="{CUSTOM_PART}"/>'
            )
            parts["_rels/.rels"] = rels.replace(
                b"</Relationships>", relation.encode() + b"</Relationships>"
            )
        props = {FINGERPRINT: fingerprint, CONTENT_HASH: _hash_parts(parts)}
        parts[CUSTOM_PART] = _custom_xml(props, others)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()


def stamp(data: bytes, fingerprint: str) -> bytes:
    """Add the fingerprint and content hash to an already zipped package (XLSX)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    return package(parts, fingerprint)


class _PartCollector:
    """Stands in for python-docx's zip writer: keeps each part's bytes by member name."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri: object, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob  # type: ignore[attr-defined]


def document_parts(document: object) -> dict[str, bytes]:
    """The serialised parts of a python-docx Document, as Document.save would zip them."""
    from docx.opc.pkgwriter import PackageWriter

    opc_package = document.part.package  # type: ignore[attr-defined]
    for part in opc_package.parts:
        part.before_marshal()
    collector = _PartCollector()
    PackageWriter._write_content_types_stream(collector, opc_package.parts)
    PackageWriter._write_pkg_rels(collector, opc_package.rels)
    PackageWriter._write_parts(collector, opc_package.parts)
    return collector.parts


@dataclass
class OutputState:
    """What is at an output's path: a file, baocao's own, edited since, its fingerprint."""

    exists: bool
    ours: bool = False
    edited: bool = False
    fingerprint: str | None = None


def inspect_output(path: Path) -> OutputState:
    """Was ``path`` written by baocao, and has it been changed since?"""
    if not path.exists():
        return OutputState(exists=False)
    try:
        if path.stat().st_size > _MAX_OUTPUT_BYTES:
            return OutputState(exists=True)
        package = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_OUTPUT_BYTES:
                return OutputState(exists=True)  # a zip bomb under the output's name
        props = read_custom_properties(package)
        if CONTENT_HASH not in props:
            return OutputState(exists=True, ours=False)
        edited = content_hash(package) != props[CONTENT_HASH]
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile):
        # unreadable or damaged (bad CRC, truncated): not a file baocao can vouch for
        return OutputState(exists=True)
    return OutputState(exists=True, ours=True, edited=edited, fingerprint=props.get(FINGERPRINT))


# An earlier output larger than this (packed or unpacked) is not read: baocao never made it.
_MAX_OUTPUT_BYTES = 200 * 1024 * 1024


def backup_path(path: Path) -> Path:
    """NAME.bak.docx, or NAME.bak2.docx, NAME.bak3.docx… when earlier backups exist: a second
    --force must not lose the first hand-edited copy."""
    candidate = path.with_name(f"{path.stem}.bak{path.suffix}")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.bak{number}{path.suffix}")
        number += 1
    return candidate


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``: a crash
    at any moment leaves either the old file or the new one, never half of one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = open_temp(path.parent)
    except OSError as exc:
        raise OutputError(
            f"không ghi được vào thư mục {path.absolute().parent} ({_reason(exc)})",
            file=str(path),
        ) from None
    try:
        _fill(handle, temp, data, _mode_for(path))
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"không ghi được tệp ({_reason(exc)})", file=str(path)) from None
        raise


def require_folder(path: Path) -> None:
    """Refuse to write ``path`` when its folder does not exist (a mistyped folder is said, not
    silently made)."""
    folder = path.absolute().parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"không ghi được: {folder} là một tệp, không phải thư mục; hãy chọn thư mục khác",
            file=str(path),
        )
    if not folder.is_dir():
        raise OutputError(
            f"không ghi được: không có thư mục {folder}; hãy tạo thư mục trước hoặc chọn thư "
            "mục khác",
            file=str(path),
        )


# --------------------------------------------------------------------------- temporary files
#
# A run killed outright (kill -9, a power cut, the task manager) cannot remove its temporary
# files, so each one carries its writer's process id and a tag of its machine: the next run
# writing into the folder removes those whose process is gone. A file of another machine (a
# shared folder) is judged by its age: no write lasts STALE_TEMP.

TEMP_PREFIX = ".bc-"
STALE_TEMP = 15 * 60
_TEMP = re.compile(r"\.bc-(?:(\d+)-([0-9a-f]{4})-)?[0-9a-f]{8}\.tmp")
# atomic_write's names before they carried a process id: .NAME.EXT.XXXXXXXX.tmp (mkstemp)
_OLD_TEMP = re.compile(r"\..+\.(?:docx|xlsx|pdf|yaml|yml|json|sha256)\.[a-z0-9_]{8}\.tmp", re.I)
_swept: set[Path] = set()


def host_name() -> str:
    """This machine's name, as socket.gethostname() gives it; without importing socket
    (~3 ms of a one-off render) where the system tells it directly."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket  # Windows

    return socket.gethostname()


def _host_tag() -> str:
    return hashlib.sha1(host_name().encode("utf-8")).hexdigest()[:4]


def temp_name(folder: Path) -> Path:
    """A new temporary file's name in ``folder``: .bc-PID-HOST-XXXXXXXX.tmp (short: a folder
    whose outputs have 240-byte names must still take it)."""
    return folder / f"{TEMP_PREFIX}{os.getpid()}-{_host_tag()}-{os.urandom(4).hex()}.tmp"


def open_temp(folder: Path) -> tuple[int, Path]:
    """A new temporary file in ``folder`` (first removing those of killed runs): its open
    handle and its path."""
    sweep_temp_files(folder)
    while True:
        temp = temp_name(folder)
        try:
            flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue


def _fill(handle: int, temp: Path, data: bytes, mode: int) -> None:
    with os.fdopen(handle, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    # a new file gets the permissions the old one had (or the umask's), not the 0600 of a
    # private file: colleagues on a shared folder must open the report
    os.chmod(temp, mode)


def write_temp(folder: Path, data: bytes, mode: int) -> Path:
    """``data`` in a new temporary file of ``folder``, flushed to disk, with permissions
    ``mode``; nothing is left when it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = open_temp(folder)
    try:
        _fill(handle, temp, data, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def process_alive(pid: int) -> bool:
    """Is process ``pid`` of this machine still running? (POSIX; elsewhere assumed so.)"""
    if os.name != "posix":
        return True  # Windows' os.kill would end the process, not ask about it
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _stale_temp(entry: os.DirEntry) -> bool:
    match = _TEMP.fullmatch(entry.name)
    if match is None and not _OLD_TEMP.fullmatch(entry.name):
        return False
    if (
        match is not None
        and match.group(1)
        and match.group(2) == _host_tag()
        and os.name == "posix"
    ):
        pid = int(match.group(1))  # elsewhere (Windows) the process cannot be asked: its age
        return pid != os.getpid() and not process_alive(pid)
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    # a hard link made for a rollback keeps its file's old mtime; its ctime is the link's
    return time.time() - max(info.st_mtime, info.st_ctime) > STALE_TEMP


def sweep_temp_files(folder: Path) -> None:
    """Remove the temporary files killed runs left in ``folder`` (once per folder and process);
    never one of a run still going."""
    if folder in _swept:
        return
    _swept.add(folder)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if (
            entry.name.endswith(".tmp")
            and entry.is_file(follow_symlinks=False)
            and _stale_temp(entry)
        ):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    known = {
        "PermissionError": "không có quyền ghi, hoặc tệp đang mở trong chương trình khác",
        "NotADirectoryError": "một phần của đường dẫn là tệp, không phải thư mục",
        "IsADirectoryError": "tên này đang là một thư mục",
        "FileExistsError": "tên này đang là một tệp",
    }
    by_errno = {
        errno.ENOSPC: "ổ đĩa đã đầy",
        errno.ENAMETOOLONG: "tên tệp quá dài",
        errno.EROFS: "ổ đĩa chỉ đọc",
        getattr(errno, "EDQUOT", -1): "đã hết dung lượng được cấp",
    }
    if type(exc).__name__ in known:
        return known[type(exc).__name__]
    if exc.errno in by_errno:
        return by_errno[exc.errno]
    from .loader import os_reason

    return os_reason(exc)  # never the system's English text


def guard_overwrite(path: Path, force: bool) -> Path | None:
    """Refuse to replace an output edited by hand (or not made by baocao) unless ``force``;
    with ``force``, copy the old file to NAME.bak.EXT first. Returns the backup path, if any."""
    state = inspect_output(path)
    if not state.exists:
        return None
    if state.ours and not state.edited:
        return None
    reason = "đã được sửa tay sau lần xuất trước" if state.ours else "không phải do baocao tạo ra"
    if not force:
        raise OutputError(
            f"không ghi đè: tệp {reason}. Giữ nguyên tệp này; để xuất lại, đổi tên hoặc chuyển "
            "nó đi, hoặc chạy lại với --force (tệp cũ sẽ được giữ thành "
            f"{backup_path(path).name})",
            file=str(path),
        )
    backup = backup_path(path)
    atomic_write(backup, path.read_bytes())
    return backup


def fingerprint_of(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]
