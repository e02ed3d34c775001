"""What a killed or stopped run leaves behind, and a full disk or temporary folder.

A run killed outright (kill -9) cannot clean up: its temporary files beside the outputs and
its PDF folder (with the LibreOffice it started) are removed by the next run. A run stopped
by SIGTERM or Ctrl+C cleans up itself. A full disk or temporary folder ends the run with a
Vietnamese message, the earlier outputs untouched.

These tests run `baocao` in real subprocesses and kill them; the PDF ones need LibreOffice and
/proc (Linux), the full-disk ones a small tmpfs (root, as on CI): each skips without it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import output
from tests.conftest import EXAMPLE, ROOT

REPORT = EXAMPLE["xa_hoang_cat_6_thang_2024"]
OUTPUTS = {"bc.docx", "bc_phu_luc.xlsx"}

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None or not Path("/proc/self/cmdline").exists(),
    reason="LibreOffice (soffice) and /proc are needed",
)

# `baocao ARGS…`, killed (SIGKILL) at its first rename: every temporary file is written then
KILLED_AT_FIRST_RENAME = """
import os, signal, sys
os.replace = lambda source, target: os.kill(os.getpid(), signal.SIGKILL)
from generator.cli import cli
cli(sys.argv[1:], prog_name="baocao")
"""


def baocao(*args: object, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "generator", *(str(a) for a in args)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def start(*args: object, cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", *(str(a) for a in args)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def write_report(folder: Path, town: str = "Hoàng Cát") -> Path:
    text = REPORT.read_text(encoding="utf-8").replace("Hoàng Cát", town)
    (folder / "bc.yaml").write_text(text, encoding="utf-8")
    return folder / "bc.yaml"


# --------------------------------------------------------------------------- killed runs


@pytest.mark.parametrize(
    ("command", "made"),
    [(("render", "bc.yaml"), OUTPUTS), (("mau-nhap", "bc.yaml", "-o", "nhap.xlsx"), {"nhap.xlsx"})],
)
def test_the_next_run_removes_the_files_of_a_killed_one(
    command: tuple[str, ...], made: set[str], tmp_path: Path
) -> None:
    write_report(tmp_path)
    assert baocao(*command, cwd=tmp_path)[0] == 0
    good = contents(tmp_path)
    write_report(tmp_path, "Hoàng Cát Mới")
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT_FIRST_RENAME, *command],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))
    assert left and all(name.startswith(f".bc-{killed_pid(left[0])}-") for name in left)
    for name in made:  # the killed run replaced nothing
        assert (tmp_path / name).read_bytes() == good[name]

    code, said = baocao(*command, cwd=tmp_path)
    assert code == 0, said
    assert {p.name for p in tmp_path.iterdir()} == {"bc.yaml", *made}
    assert all((tmp_path / name).read_bytes() != good[name] for name in made)


def killed_pid(name: str) -> str:
    return name.split("-")[1]


def test_only_the_temporary_files_of_gone_runs_are_removed(tmp_path: Path, monkeypatch) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    host = output._host_tag()
    other_host = "0000" if host != "0000" else "1111"
    gone = [f".bc-{finished.pid}-{host}-0123abcd.tmp"]
    kept = [
        f".bc-{os.getppid()}-{host}-0123abcd.tmp",  # a live process of this machine
        f".bc-{finished.pid}-{other_host}-0123abcd.tmp",  # another machine's, just written
        ".bc-0123abcd.tmp",  # an earlier version's, just written
        ".bc_phu_luc.xlsx.k2j_x9ab.tmp",
        ".ghi-chu.tmp",  # not baocao's
        "bc.docx.0123abcd.tmp",
    ]
    for name in gone + kept:
        (tmp_path / name).write_bytes(b"x")
    output.sweep_temp_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)

    # a quarter of an hour later, the ones judged by their age go too
    later = tmp_path / "later"
    later.mkdir()
    for name in kept:
        (later / name).write_bytes(b"x")
    now = time.time()
    monkeypatch.setattr(output.time, "time", lambda: now + output.STALE_TEMP + 1)
    output.sweep_temp_files(later)
    assert sorted(p.name for p in later.iterdir()) == sorted(
        [kept[0], ".ghi-chu.tmp", "bc.docx.0123abcd.tmp"]
    )


# --------------------------------------------------------------------------- the PDF's LibreOffice


def test_a_folder_named_like_a_pdf_folder_is_not_removed(tmp_path: Path, monkeypatch) -> None:
    """Only the private folders mkdtemp makes are swept; a user's folder in the temporary
    folder whose name starts the same (with a finished process's id, or a day old) is kept."""
    from generator import pdf

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    left = f"baocao-pdf-{finished.pid}-ab12_c34"
    users = [
        f"baocao-pdf-{finished.pid}-quy1",
        "baocao-pdf-2024",
        f"baocao-pdf-{finished.pid}-thang_12",
    ]
    for name in [left, *users]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "bao_cao.pdf").write_bytes(b"x")
    (tmp_path / left).chmod(0o700)
    (tmp_path / users[2]).chmod(0o755)
    later = time.time() + 2 * pdf.STALE_LEGACY
    monkeypatch.setattr(pdf.time, "time", lambda: later)
    pdf.sweep_pdf_folders(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(users)


def processes_mentioning(text: str) -> dict[int, str]:
    """Live (not zombie) processes whose command line contains ``text``: pid → program."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if text.encode() in command and state != "Z":
                found[int(entry)] = command.split(b"\0")[0].decode(errors="replace")
    return found


def frozen_libreoffice(temp: Path, run: subprocess.Popen) -> dict[int, str]:
    """Wait for the run's LibreOffice (soffice.bin) to start, then freeze it (SIGSTOP): the
    run is then surely in the middle of its conversion when the test signals it."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and run.poll() is None:
        found = processes_mentioning(str(temp))
        if any(program.endswith("soffice.bin") for program in found.values()):
            for pid in found:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
            return found
        time.sleep(0.02)
    raise AssertionError(f"LibreOffice did not start: {run.communicate()[0]}")


def eventually(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@needs_soffice
@pytest.mark.parametrize(
    ("stop", "code"),
    [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 1)],  # kill; Ctrl+C
)
def test_a_stopped_pdf_run_stops_libreoffice_and_removes_its_folder(
    stop: signal.Signals, code: int, tmp_path: Path
) -> None:
    temp = tmp_path / "tam"
    temp.mkdir()
    write_report(tmp_path)
    run = start("render", "bc.yaml", "--pdf", cwd=tmp_path, env={"TMPDIR": str(temp)})
    frozen_libreoffice(temp, run)
    run.send_signal(stop)
    said = run.communicate(timeout=60)[0]
    assert run.returncode == code, said
    assert "Đã dừng." in said
    assert eventually(lambda: not processes_mentioning(str(temp))), processes_mentioning(str(temp))
    assert list(temp.iterdir()) == []  # the conversion folder and LibreOffice's lu*.tmp
    assert {p.name for p in tmp_path.iterdir()} == {"bc.yaml", "tam"}  # nothing half-written


@needs_soffice
def test_the_next_pdf_run_stops_the_libreoffice_of_a_killed_one(tmp_path: Path) -> None:
    temp = tmp_path / "tam"
    temp.mkdir()
    write_report(tmp_path)
    run = start("render", "bc.yaml", "--pdf", cwd=tmp_path, env={"TMPDIR": str(temp)})
    orphans = frozen_libreoffice(temp, run)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    (left,) = temp.iterdir()
    assert left.name.startswith(f"baocao-pdf-{run.pid}-")
    assert processes_mentioning(left.name)  # LibreOffice outlived the killed run

    code, said = baocao("render", "bc.yaml", "--pdf", cwd=tmp_path, env={"TMPDIR": str(temp)})
    assert code == 0, said
    assert eventually(lambda: not set(orphans) & set(processes_mentioning("soffice"))), orphans
    assert list(temp.iterdir()) == []
    assert OUTPUTS | {"bc.pdf"} <= {p.name for p in tmp_path.iterdir()}


# --------------------------------------------------------------------------- a full disk


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/cmdline").exists(), reason="/proc is needed to see the workers"
)


# `baocao ARGS…` whose worker processes die (SIGKILL, as the out-of-memory killer does) at
# their first file: workers are forked, so they inherit the patch
WORKERS_KILLED = """
import functools, multiprocessing, os, signal, sys
multiprocessing.set_start_method("fork")
from generator import api, tonghop
parent = os.getpid()
def killed_in_a_worker(function):
    @functools.wraps(function)  # pickled by its name, as the pool sends it
    def run(*args):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return function(*args)
    return run
api._plan_one = killed_in_a_worker(api._plan_one)
tonghop.read_unit = killed_in_a_worker(tonghop.read_unit)
from generator.cli import cli
cli(sys.argv[1:], prog_name="baocao")
"""


@pytest.mark.skipif(os.name != "posix", reason="fork is needed to patch the workers")
@pytest.mark.parametrize(("command", "files"), [("render", 4), ("tong-hop", 40)])
def test_a_killed_worker_is_said_in_vietnamese(command: str, files: int, tmp_path: Path) -> None:
    folder = tmp_path / "don_vi"
    folder.mkdir()
    text = REPORT.read_text(encoding="utf-8")
    for number in range(files):
        (folder / f"xa{number}.yaml").write_text(text.replace("Hoàng Cát", f"Xã {number}"))
    out = "ra/" if command == "render" else "tong_hop.xlsx"
    done = subprocess.run(
        [sys.executable, "-c", WORKERS_KILLED, command, "don_vi", "-o", out, "-j", "2"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "một tiến trình phụ bị dừng đột ngột" in done.stderr, done.stderr
    assert "BrokenProcessPool" not in done.stderr


@needs_proc
def test_sigterm_during_a_batch_stops_it_and_its_worker(tmp_path: Path) -> None:
    folder = tmp_path / "lo"
    folder.mkdir()
    for index in range(60):
        (folder / f"xa_{index:02d}.yaml").write_bytes(REPORT.read_bytes())
    out = tmp_path / "out"
    run = start("render", folder, "-o", out, "-j", "2", cwd=tmp_path, env={})
    try:
        assert eventually(lambda: len(list(out.glob("*.docx"))) >= 2, seconds=120)
        assert len(processes_mentioning(str(folder))) == 2  # this process and one worker
        run.send_signal(signal.SIGTERM)
        said = run.communicate(timeout=60)[0]  # a worker left waiting would hang it here
        assert eventually(lambda: not processes_mentioning(str(folder)))
    finally:
        run.kill()
        for pid in processes_mentioning(str(folder)):  # a worker the run left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert run.returncode == 128 + signal.SIGTERM, said
    assert "Đã dừng." in said
    assert len(list(out.glob("*.docx"))) < 60
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no temporary file


@contextlib.contextmanager
def small_disk(folder: Path, kilobytes: int) -> Iterator[Path]:
    """A tmpfs of ``kilobytes`` mounted at ``folder`` for the test."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(folder)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path, leave_kilobytes: int) -> None:
    """Fill ``folder``'s disk but for ``leave_kilobytes``."""
    handle = os.open(folder / "day.bin", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(handle, b"\0" * 4096)
        os.ftruncate(handle, max(0, os.fstat(handle).st_size - leave_kilobytes * 1024))
    finally:
        os.close(handle)


@pytest.mark.parametrize(
    ("command", "made"),
    [(("render", "bc.yaml"), OUTPUTS), (("mau-nhap", "bc.yaml", "-o", "nhap.xlsx"), {"nhap.xlsx"})],
)
def test_a_full_temporary_folder_does_not_stop_the_workbook(
    command: tuple[str, ...], made: set[str], tmp_path: Path
) -> None:
    """openpyxl writes each sheet to the temporary folder first; baocao keeps it in memory."""
    with small_disk(tmp_path / "tam", 64) as temp:
        fill(temp, 8)  # room for Python's check that the folder is writable, not for a sheet
        write_report(tmp_path)
        code, said = baocao(*command, cwd=tmp_path, env={"TMPDIR": str(temp)})
        assert code == 0, said
        assert [p.name for p in temp.iterdir()] == ["day.bin"]
    from openpyxl import load_workbook

    for name in made:
        if name.endswith(".xlsx"):
            assert load_workbook(tmp_path / name).worksheets[0].max_row > 10


def test_a_full_disk_keeps_the_earlier_outputs(tmp_path: Path) -> None:
    with small_disk(tmp_path / "dia", 512) as disk:
        write_report(disk)
        assert baocao("render", "bc.yaml", cwd=disk)[0] == 0
        write_report(disk, "Hoàng Cát Mới")
        before = contents(disk)
        fill(disk, 8)
        code, said = baocao("render", "bc.yaml", cwd=disk)
        assert code == 1, said
        assert said.startswith("bc.docx: không ghi được tệp (ổ đĩa đã đầy)")
        (disk / "day.bin").unlink()
        assert contents(disk) == before  # the old set, no temporary file


def test_a_disk_full_to_the_last_byte_leaves_no_lock(tmp_path: Path) -> None:
    """The lock's owner cannot be written either: no empty lock is left to make the next
    runs wait a minute and fail for a quarter of an hour after the disk is freed."""
    with small_disk(tmp_path / "dia", 512) as disk:
        write_report(disk)
        fill(disk, 0)
        code, said = baocao("render", "bc.yaml", cwd=disk)
        assert code == 1 and "ổ đĩa đã đầy" in said, said
        (disk / "day.bin").unlink()
        assert [p.name for p in disk.iterdir()] == ["bc.yaml"]
        assert baocao("render", "bc.yaml", cwd=disk)[0] == 0


@needs_soffice
@pytest.mark.parametrize(
    ("kilobytes", "free", "message"),
    [
        # no room for the Word file LibreOffice converts
        (64, 8, r"{temp}: không ghi được tệp tạm để xuất PDF vào thư mục tạm \(ổ đĩa đã đầy\)"),
        # room for it, not for LibreOffice's profile
        (200, None, r"LibreOffice .*PDF \(thư mục tạm {temp} đã đầy: còn \d+ KB trống\)"),
    ],
)
def test_a_full_temporary_folder_fails_the_pdf_only(
    kilobytes: int, free: int | None, message: str, tmp_path: Path
) -> None:
    write_report(tmp_path)
    assert baocao("render", "bc.yaml", "--pdf", cwd=tmp_path)[0] == 0
    good_pdf, good_docx = (tmp_path / "bc.pdf").read_bytes(), (tmp_path / "bc.docx").read_bytes()
    write_report(tmp_path, "Hoàng Cát Mới")
    with small_disk(tmp_path / "tam", kilobytes) as temp:
        if free is not None:
            fill(temp, free)
        code, said = baocao("render", "bc.yaml", "--pdf", cwd=tmp_path, env={"TMPDIR": str(temp)})
        assert code == 1, said
        expected = message.format(temp=re.escape(str(temp)))
        assert re.search(expected + "; tệp Word/Excel vẫn được ghi, chưa có PDF", said), said
        assert [p.name for p in temp.iterdir()] == (["day.bin"] if free is not None else [])
        assert not processes_mentioning(str(temp))
    assert (tmp_path / "bc.pdf").read_bytes() == good_pdf  # the earlier PDF is kept
    assert (tmp_path / "bc.docx").read_bytes() != good_docx  # the Word file is written
