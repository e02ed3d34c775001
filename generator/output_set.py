"""Writing a report's outputs (DOCX, XLSX, PDF) as one set: all of them or none.

A run first takes a lock on every file of the set, then checks every target (hand edits,
files not made by baocao, read-only files, files open in Word/Excel/LibreOffice, names too
long), and only then writes: every temporary file first (short names, beside the targets),
then every rename. If a rename still fails, the earlier versions are put back, so the folder
never holds a new DOCX beside an old XLSX or PDF.

A PDF is known as baocao's own only when it is byte for byte the one baocao wrote: the
SHA-256 of the whole file is recorded beside it, in a small hidden file written with it
(``.baocao-XXXXXXXXXXXX.sha256``, sha256sum's format). A PDF signed, stamped or edited since,
or exported by Word from the DOCX, is kept. (The DOCX does not carry the record: it stays
byte for byte the same with or without --pdf.)
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import OutputError, Problem
from .output import (
    _mode_for,
    _reason,
    backup_path,
    host_name,
    inspect_output,
    open_temp,
    process_alive,
    temp_name,
)
from .output import write_temp as _write_temp

LOCK_WAIT = 60.0  # seconds a second run waits for the first one to finish with the set
STALE_LOCK = 15 * 60  # a lock this old whose owner cannot be asked is taken over
_POLL = 0.2


@dataclass
class Output:
    """One file of a set to write: its path and its bytes."""

    path: Path
    data: bytes


@dataclass
class Checked:
    """What the check found: backups to keep (with --force) before writing."""

    backups: list[tuple[Path, Path]] = field(default_factory=list)  # (old file, its backup)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pdf_record_path(pdf: Path) -> Path:
    # a short name whatever the PDF's (a 240-byte name must still get its record)
    digest = hashlib.sha1(pdf.name.encode("utf-8")).hexdigest()[:12]
    return pdf.parent / f".baocao-{digest}.sha256"


def recorded_pdf_hash(pdf: Path) -> str | None:
    """The SHA-256 of the PDF baocao last wrote as ``pdf``, or None."""
    try:
        fields = pdf_record_path(pdf).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    return fields[0] if fields and len(fields[0]) == 64 else None


def pdf_record(pdf: Path, data: bytes) -> Output:
    """The record written with ``pdf`` that lets the next run know it as baocao's."""
    line = f"{hashlib.sha256(data).hexdigest()}  {pdf.name}\n"
    return Output(pdf_record_path(pdf), line.encode("utf-8"))


def hide(path: Path) -> None:
    """Windows does not hide dot files: set the hidden attribute there."""
    if os.name == "nt":
        import ctypes

        ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x2)  # FILE_ATTRIBUTE_HIDDEN


# --------------------------------------------------------------------------- the lock


def _lock_path(target: Path) -> Path:
    # a short name whatever the target's: a 240-byte file name must still get its lock
    digest = hashlib.sha1(target.name.encode("utf-8")).hexdigest()[:12]
    return target.parent / f".baocao-{digest}.lock"


def _owner_text() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name on some service accounts
        user = "?"
    return f"{os.getpid()}\n{host_name()}\n{user}\n{int(time.time())}\n"


def _owner(lock: Path) -> tuple[int, str, str, float] | None:
    try:
        pid, host, user, since = lock.read_text(encoding="utf-8").split("\n")[:4]
        return int(pid), host, user, float(since)
    except (OSError, ValueError):
        return None


def _is_stale(lock: Path) -> bool:
    owner = _owner(lock)
    if owner is None:  # being written, or unreadable: judge by its age only
        try:
            return time.time() - lock.stat().st_mtime > STALE_LOCK
        except OSError:
            return False
    pid, host, _, since = owner
    if host == host_name() and os.name == "posix":
        return not process_alive(pid)
    return time.time() - since > STALE_LOCK


def _holder_message(lock: Path, target: Path) -> str:
    owner = _owner(lock)
    who = ""
    if owner is not None:
        pid, host, user, since = owner
        who = (
            f" (tiến trình {pid} của người dùng {user} trên máy {host}, từ "
            f"{time.strftime('%H:%M:%S', time.localtime(since))})"
        )
    return (
        f"một lần chạy baocao khác đang ghi bộ kết quả này{who}; đã chờ {LOCK_WAIT:.0f} giây. "
        f"Chờ lần chạy đó xong rồi chạy lại; nếu chắc không còn lần chạy nào, xóa tệp khóa "
        f"{lock.name} trong thư mục {lock.parent}"
    )


@contextlib.contextmanager
def locked(targets: list[Path]) -> Iterator[None]:
    """Hold a lock on each target for the duration of a run: a second run writing the same
    files (``--watch`` and a manual ``--pdf``) waits for the first, or says who holds it."""
    held: list[Path] = []
    try:
        for target in sorted({t.resolve() for t in targets}):  # one order: no deadlock
            lock = _lock_path(target)
            _acquire(lock, target)
            held.append(lock)
        yield
    finally:
        for lock in held:
            with contextlib.suppress(OSError):
                lock.unlink()


def _acquire(lock: Path, target: Path) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            lock.parent.mkdir(parents=True, exist_ok=True)
            _create_lock(lock)
        except FileExistsError:
            if _is_stale(lock):
                _remove_stale(lock)
                continue
            if time.monotonic() >= deadline:
                raise OutputError(_holder_message(lock, target), file=str(target)) from None
            time.sleep(_POLL)
            continue
        except OSError as exc:
            raise OutputError(
                f"không ghi được vào thư mục {target.absolute().parent} ({_reason(exc)})",
                file=str(target),
            ) from None
        return


def _remove_stale(lock: Path) -> None:
    """Remove the lock of a dead run. Two runs can judge it stale at the same moment; had each
    removed the path, the slower one would remove the lock the faster one had just made, and
    both would write. So the lock is first moved aside under this run's own name (only one
    run gets a given file), checked again there, and put back if it is a live run's."""
    aside = temp_name(lock.parent)
    try:
        os.rename(lock, aside)
    except OSError:
        return  # already moved or removed by the other run
    try:
        if not _is_stale(aside):
            try:
                os.link(aside, lock)  # refuses to replace a lock a third run has made since
            except FileExistsError:
                pass
            except OSError:  # no hard links here (FAT, some network shares)
                if not lock.exists():
                    os.rename(aside, lock)
    finally:
        with contextlib.suppress(OSError):
            aside.unlink()


def _create_lock(lock: Path) -> None:
    """Create ``lock`` already holding its owner (FileExistsError when it is taken): a run
    killed at any moment leaves no lock, or one naming its gone process, never an empty one
    that would look like a lock being written for the next quarter of an hour."""
    owner = _owner_text().encode("utf-8")
    handle, temp = open_temp(lock.parent)
    try:
        with os.fdopen(handle, "wb") as file:  # a full disk fails here: no lock is made
            file.write(owner)
        os.chmod(temp, 0o644)
        try:
            os.link(temp, lock)  # atomic, and refuses a lock that exists
            return
        except FileExistsError:
            raise
        except OSError:  # no hard links here (FAT, some network shares)
            pass
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(owner)
    except BaseException:  # an empty lock would stop the next runs for STALE_LOCK
        with contextlib.suppress(OSError):
            lock.unlink()
        raise


# --------------------------------------------------------------------------- checking


def _office_lock(path: Path) -> Path | None:
    """The owner file Word/Excel (~$…) or LibreOffice (.~lock.…#) keeps while ``path`` is
    open. Word shortens long names: ~$ replaces their first two characters."""
    for name in (f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#"):
        candidate = path.with_name(name)
        with contextlib.suppress(OSError):  # a name too long to have a lock file
            if candidate.exists():
                return candidate
    return None


def _name_max(folder: Path) -> int:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


def _open_elsewhere(path: Path) -> bool:
    """Windows refuses to open a file another program holds (a sharing violation)."""
    try:
        with path.open("r+b"):
            return False
    except PermissionError:
        return os.name == "nt"
    except OSError:
        return False


def check_targets(targets: list[Path], force: bool) -> Checked:
    """Every reason the set cannot be written, found before anything is written (one
    OutputError listing them all); with ``force``, the files to keep as backups."""
    problems: list[Problem] = []
    checked = Checked()
    for target in targets:

        def refuse(message: str, target: Path = target) -> None:
            problems.append(Problem(message, file=str(target)))

        if len(target.name.encode("utf-8")) > _name_max(target.parent):
            refuse("tên tệp quá dài cho thư mục này; đặt tên tệp số liệu ngắn hơn")
            continue
        if target.is_dir():
            refuse("tên này đang là một thư mục, không ghi tệp vào đây được")
            continue
        office = _office_lock(target)
        if office is not None:
            refuse(
                f"tệp đang mở trong Word/Excel/LibreOffice (có tệp khóa {office.name}); đóng "
                "tệp rồi chạy lại. Nếu tệp không mở, xóa tệp khóa đó"
            )
            continue
        if not target.exists():
            continue
        if not os.access(target, os.W_OK) or not target.stat().st_mode & 0o200:
            refuse("tệp chỉ đọc (read-only): bỏ thuộc tính chỉ đọc rồi chạy lại")
            continue
        if _open_elsewhere(target):
            refuse(
                "tệp đang mở trong một chương trình khác (Word, Excel, trình đọc PDF); đóng "
                "tệp rồi chạy lại"
            )
            continue
        reason = _not_ours(target)
        if reason is None:
            continue
        if force:
            checked.backups.append((target, backup_path(target)))
        else:
            refuse(
                f"không ghi đè: tệp {reason}. Giữ nguyên tệp này; để xuất lại, đổi tên hoặc "
                "chuyển nó đi, hoặc chạy lại với --force (tệp cũ sẽ được giữ thành "
                f"{backup_path(target).name})"
            )
    if problems:
        raise OutputError("không ghi được bộ kết quả", problems=problems)
    return checked


def _not_ours(target: Path) -> str | None:
    """Why an existing file must not be replaced, or None when it is baocao's own."""
    if target.suffix.lower() == ".pdf":
        recorded = recorded_pdf_hash(target)
        if recorded is not None and sha256_file(target) == recorded:
            return None
        return (
            "PDF này không phải bản baocao đã xuất (có thể là bản đã ký, đã đóng dấu, đã sửa "
            "hay xuất từ Word)"
        )
    state = inspect_output(target)
    if state.ours and not state.edited:
        return None
    return "đã được sửa tay sau lần xuất trước" if state.ours else "không phải do baocao tạo ra"


# --------------------------------------------------------------------------- writing


def _keep_old(target: Path) -> Path:
    """A second name for the current version, to put back if a later rename fails."""
    old = temp_name(target.parent)
    try:
        os.link(target, old)  # no copy: the same file under a short temporary name
    except OSError:  # no hard links here (FAT, some network shares): copy it
        old = _write_temp(target.parent, target.read_bytes(), _mode_for(target))
    return old


def write_set(outputs: list[Output], checked: Checked) -> list[Path]:
    """Write ``outputs`` together: temporary files first, then the renames; on any failure
    the earlier versions stay (or are put back) and no temporary file is left."""
    temps: list[Path] = []
    olds: dict[Path, Path] = {}
    replaced: list[Path] = []
    backups: list[Path] = []
    copies: list[Path] = []  # the backups' temporary files
    try:
        for item in outputs:
            temps.append(_write_temp(item.path.parent, item.data, _mode_for(item.path)))
        for old, backup in checked.backups:
            copies.append(_write_temp(backup.parent, old.read_bytes(), _mode_for(old)))
            os.replace(copies[-1], backup)
            backups.append(backup)
        for item in outputs:
            if item.path.exists():
                olds[item.path] = _keep_old(item.path)
        for item, temp in zip(outputs, temps, strict=True):
            os.replace(temp, item.path)
            replaced.append(item.path)
    except BaseException as exc:  # a full disk, or Ctrl+C / SIGTERM between two renames
        for path in reversed(replaced):
            with contextlib.suppress(OSError):
                if path in olds:
                    os.replace(olds.pop(path), path)
                else:
                    path.unlink()
        for path in [*temps, *copies, *olds.values(), *backups]:
            with contextlib.suppress(OSError):
                path.unlink()
        if not isinstance(exc, OSError):
            raise
        failed = next((o.path for o in outputs if o.path not in replaced), outputs[0].path)
        kept = " (các tệp cũ được giữ nguyên)" if replaced or olds else ""
        raise OutputError(f"không ghi được tệp ({_reason(exc)}){kept}", file=str(failed)) from None
    for path in olds.values():
        with contextlib.suppress(OSError):
            path.unlink()
    return backups
