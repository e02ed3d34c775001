"""`make bench`: how fast baocao is, each figure a ratio against a baseline measured in the
same run, plus the CPU seconds (which do not depend on how busy the machine is).

1. A one-off render, whole process (`baocao render X.yaml`), against the floor: a process that
   imports python-docx and openpyxl and opens and saves the same two output files. Target ≤ 1.5×.
2. CLI start: `baocao --help` against `python -c pass`. Target ≤ 60 ms more.
3. Scale: a Phụ lục of 10,000 rows (target < 3 s) and a body of 10,000 paragraphs, half of
   them with an expression (50 different ones), each against the floor for its own outputs.
4. A folder of 500 xã reports rendered with `-j 2`: reports per CPU second (target ≥ 10) and
   peak memory of all processes together (target < 150 MB), as the sum of their resident
   sizes (RSS), the target's measure. That sum counts each page the processes share (the
   Python binary, lxml's and libyaml's libraries) once per process; the proportional sum
   (PSS, from /proc/PID/smaps_rollup: a shared page split between its sharers) is what they
   take from the machine together, and is printed beside it.
5. 600 different xã files written by tools/make_units.py (3 of them spoiled): `baocao tong-hop`
   (target < 5 s on 2 cores) against a process that only parses the 600 YAML files with
   libyaml, and `render DIR -j 2` (target < 60 s), which must end with its summary and exit 1.

Baseline and subject alternate round by round; the ratio printed is the median of the
per-round ratios, so a busy moment slows both sides of a round alike.

`python tools/bench.py 3 4` runs only the sections named (all of them without arguments).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "data_examples").glob("*.yaml"))
XA = ROOT / "data_examples" / "xa_hoang_cat_6_thang_2024.yaml"
PYTHON = sys.executable
BAOCAO = str(Path(sys.executable).with_name("baocao"))
ROUNDS = 15
BATCH = 500
# Installed packages run from compiled bytecode; a PYTHONDONTWRITEBYTECODE left in the
# environment would make every run recompile baocao's own modules and measure that instead.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
FLOOR = """
import sys
import docx, openpyxl
docx.Document(sys.argv[1]).save(sys.argv[3] + "/floor.docx")
if sys.argv[2]:
    openpyxl.load_workbook(sys.argv[2]).save(sys.argv[3] + "/floor.xlsx")
"""


class Run:
    """One process: wall seconds, CPU seconds (user + system, its children included) and peak
    resident memory; with ``tree``, of all its processes together (sampled every 20 ms), also
    as their proportional sum (``peak_pss_mb``, see the module's docstring)."""

    def __init__(self, command: list[str], tree: bool = False) -> None:
        with tempfile.TemporaryFile() as errors:
            started = time.perf_counter()
            process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=errors)
            self.peak_mb = self.peak_pss_mb = 0.0
            sampler = threading.Thread(target=self._sample, args=(process,), daemon=True)
            if tree:
                sampler.start()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            self.seconds = time.perf_counter() - started
            self.cpu = usage.ru_utime + usage.ru_stime
            if tree:
                sampler.join()
            self.peak_mb = max(self.peak_mb, usage.ru_maxrss / 1024)
            if process.returncode != 0:
                errors.seek(0)
                raise SystemExit(f"{' '.join(command)} thất bại:\n{errors.read().decode()}")

    def _sample(self, process: subprocess.Popen[bytes]) -> None:
        while process.returncode is None:
            pids = _tree(process.pid)
            self.peak_mb = max(self.peak_mb, _rss_mb(pids))
            self.peak_pss_mb = max(self.peak_pss_mb, _pss_mb(pids))
            time.sleep(0.02)


def _tree(root: int) -> list[int]:
    """A process and its children (the batch workers)."""
    pids = [root]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(entry))
    return pids


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/statm").read_text().split()
        except OSError:
            continue
        total += int(fields[1]) * os.sysconf("SC_PAGE_SIZE")
    return total / 2**20


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])  # kB
    return total / 1024


def alternate(commands: dict[str, list[str]], rounds: int) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            runs[name].append(Run(command))
    return runs


def ratio(subject: list[Run], baseline: list[Run], measure: Callable[[Run], float]) -> float:
    return statistics.median(
        measure(s) / measure(b) for s, b in zip(subject, baseline, strict=True)
    )


def median(runs: list[Run], measure: Callable[[Run], float]) -> float:
    return statistics.median(measure(r) for r in runs)


def render_command(data: Path, out: Path) -> list[str]:
    return [BAOCAO, "render", str(data), "-o", str(out), "--force"]


def floor_command(data: Path, out: Path, work: Path) -> list[str]:
    subprocess.run(render_command(data, out), env=ENV, check=True, capture_output=True)
    xlsx = out / f"{data.stem}_phu_luc.xlsx"
    return [
        PYTHON,
        "-c",
        FLOOR,
        str(out / f"{data.stem}.docx"),
        str(xlsx) if xlsx.exists() else "",
        str(work),
    ]


def compare_render(label: str, data: Path, work: Path, rounds: int) -> tuple[float, float]:
    out = work / "out"
    out.mkdir(exist_ok=True)
    runs = alternate(
        {"floor": floor_command(data, out, work), "render": render_command(data, out)}, rounds
    )
    floor, render = runs["floor"], runs["render"]
    wall = ratio(render, floor, lambda r: r.seconds)
    cpu = ratio(render, floor, lambda r: r.cpu)
    print(
        f"   {label:<28}{median(floor, lambda r: r.seconds):>7.2f}s"
        f"{median(render, lambda r: r.seconds):>8.2f}s{wall:>7.2f}×"
        f"{median(floor, lambda r: r.cpu):>8.2f}s{median(render, lambda r: r.cpu):>8.2f}s"
        f"{cpu:>7.2f}×{median(render, lambda r: r.peak_mb):>7.0f}MB"
    )
    return wall, cpu


RENDER_HEADER = (
    f"   {'':<28}{'mốc':>8}{'render':>8}{'tỷ lệ':>8}{'CPU mốc':>8}{'CPU':>8}{'tỷ lệ':>8}"
    f"{'bộ nhớ':>7}"
)


def one_report(work: Path) -> None:
    print(
        f"1. Một báo cáo, cả tiến trình (trung vị {ROUNDS} vòng xen kẽ; mốc = tiến trình nạp "
        "python-docx + openpyxl, mở và lưu chính hai tệp kết quả). Mục tiêu ≤ 1,5×"
    )
    print(RENDER_HEADER)
    for path in EXAMPLES:
        compare_render(path.stem, path, work, ROUNDS)


def cli_start() -> None:
    runs = alternate({"bare": [PYTHON, "-c", "pass"], "help": [BAOCAO, "--help"]}, ROUNDS)
    bare, help_ = runs["bare"], runs["help"]
    extra = statistics.median(h.seconds - b.seconds for h, b in zip(help_, bare, strict=True))
    extra_cpu = statistics.median(h.cpu - b.cpu for h, b in zip(help_, bare, strict=True))
    print(f"2. Khởi động CLI (trung vị {ROUNDS} vòng xen kẽ). Mục tiêu ≤ 60 ms hơn python -c pass")
    print(
        f"   python -c pass {median(bare, lambda r: r.seconds) * 1000:.0f} ms; baocao --help "
        f"{median(help_, lambda r: r.seconds) * 1000:.0f} ms: thêm {extra * 1000:.0f} ms "
        f"(CPU thêm {extra_cpu * 1000:.0f} ms)"
    )


# --------------------------------------------------------------------------- generated inputs


def _example() -> dict:
    """The xã example's header and closing block, a one-paragraph body, no Phụ lục."""
    data = yaml.safe_load(XA.read_text(encoding="utf-8"))
    data.pop("phu_luc", None)
    data["noi_dung"] = [{"tieu_de": "Kết quả", "doan": ["Số liệu chi tiết tại Phụ lục kèm theo."]}]
    return data


def big_appendix(folder: Path, rows: int = 10_000) -> Path:
    """A report whose Phụ lục has `rows` rows: groups of 99 indicators under a heading."""
    groups, indicators, figures = [], 0, {}
    while indicators + len(groups) < rows:
        number = len(groups) + 1
        children = []
        for child in range(1, 100):
            if indicators + len(groups) + 1 >= rows:
                break
            ident = f"{number}.{child}"
            children.append(
                {"id": ident, "ten": f"Số hồ sơ lĩnh vực {number}, thủ tục {child}", "dvt": "Hồ sơ"}
            )
            figures[ident] = number * 100 + child
            indicators += 1
        groups.append({"id": str(number), "ten": f"Lĩnh vực thứ {number}", "con": children})
    catalog = {
        "ma": "bench-10000",
        "ten_bang": "THỐNG KÊ SỐ LIỆU CỦA {{ ten_co_quan | viet_hoa }}",
        "chi_tieu": groups,
    }
    (folder / "bench-10000.yaml").write_text(
        yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    data = _example()
    data["phu_luc"] = {"danh_muc": "bench-10000.yaml", "so_lieu": figures}
    target = folder / "phu_luc_10000_hang.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def big_body(folder: Path, paragraphs: int = 10_000) -> Path:
    """A report of `paragraphs` paragraphs in 100 sections, each paragraph's text different;
    every other one has an expression, 50 different ones (as figures are cited again)."""
    data = _example()
    sections = []
    per_section = paragraphs // 100
    for number in range(1, 101):
        texts = []
        for index in range(per_section):
            text = (
                f"Trong kỳ, bộ phận {number}.{index} đã tiếp nhận và giải quyết các hồ sơ "
                "đúng hạn, công khai thủ tục hành chính tại trụ sở và trên cổng thông tin"
            )
            if index % 2:
                text += f", cấp {{{{ {index + 1000} | dem }}}} giấy chứng nhận"
            texts.append(text + ".")
        sections.append({"tieu_de": f"Lĩnh vực thứ {number}", "doan": texts})
    data["noi_dung"] = sections
    target = folder / "noi_dung_10000_doan.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def scale(work: Path) -> None:
    rounds = 3
    print(
        f"3. Quy mô lớn (trung vị {rounds} vòng xen kẽ, cùng mốc như mục 1). "
        "Mục tiêu Phụ lục 10.000 hàng < 3 giây"
    )
    print(RENDER_HEADER)
    inputs = work / "lon"
    inputs.mkdir()
    compare_render("Phụ lục 10.000 hàng", big_appendix(inputs), work, rounds)
    compare_render("10.000 đoạn văn", big_body(inputs), work, rounds)


def batch(work: Path) -> None:
    folder = work / "xa"
    folder.mkdir()
    for index in range(BATCH):
        shutil.copyfile(XA, folder / f"xa_{index:03d}.yaml")
    one = work / "one"
    one.mkdir()
    floor = Run(floor_command(XA, one, work))
    run = Run([BAOCAO, "render", str(folder), "-o", str(work / "lo"), "-j", "2"], tree=True)
    written = len(list((work / "lo").glob("*.docx")))
    print(f"4. Lô {BATCH} báo cáo xã, -j 2. Mục tiêu ≥ 10 báo cáo mỗi giây CPU, bộ nhớ < 150 MB")
    print(
        f"   {written} báo cáo (Word + Excel) trong {run.seconds:.1f} s, CPU {run.cpu:.1f} s: "
        f"{BATCH / run.cpu:.1f} báo cáo mỗi giây CPU; mỗi báo cáo {run.cpu / BATCH * 1000:.0f} ms "
        f"CPU = {run.cpu / BATCH / floor.cpu:.2f}× tiến trình mốc của một báo cáo xã "
        f"({floor.cpu * 1000:.0f} ms); bộ nhớ đỉnh (mọi tiến trình) {run.peak_mb:.0f} MB "
        f"(cộng RSS; cộng PSS, trang dùng chung chia đều: {run.peak_pss_mb:.0f} MB)"
    )


UNITS = 600
SPOILED = 3
PARSE_ONLY = """
import sys, pathlib, yaml
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.yaml")):
    yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
"""


def timed(command: list[str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """The finished process, its wall seconds and CPU seconds (its workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=ENV, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return done, wall, cpu


def units(work: Path) -> None:
    folder = work / "don_vi"
    make_units = [PYTHON, str(ROOT / "tools" / "make_units.py"), str(folder)]
    subprocess.run(
        [*make_units, "-n", str(UNITS), "--loi", str(SPOILED)],
        env=ENV,
        check=True,
        capture_output=True,
    )
    rounds: dict[str, list[tuple[float, float]]] = {"floor": [], "tong_hop": []}
    for _ in range(3):
        *_, wall, cpu = timed([PYTHON, "-c", PARSE_ONLY, str(folder)])
        rounds["floor"].append((wall, cpu))
        done, wall, cpu = timed(
            [BAOCAO, "tong-hop", str(folder), "-o", str(work / "tong_hop.xlsx"), "--force"]
        )
        rounds["tong_hop"].append((wall, cpu))
    wall = statistics.median(w for w, _ in rounds["tong_hop"])
    cpu = statistics.median(c for _, c in rounds["tong_hop"])
    factor = statistics.median(
        t[0] / f[0] for t, f in zip(rounds["tong_hop"], rounds["floor"], strict=True)
    )
    floor = statistics.median(w for w, _ in rounds["floor"])
    print(f"5. {UNITS} xã khác nhau (tools/make_units.py, {SPOILED} tệp cố ý lỗi), 2 tiến trình")
    print(
        f"   tổng hợp: {wall:.1f} s (trung vị 3 lần; mục tiêu < 5 s), CPU {cpu:.1f} s, "
        f"{factor:.1f}× chỉ đọc YAML {UNITS} tệp ({floor:.1f} s); mã thoát {done.returncode}"
    )
    done, wall, cpu = timed(
        [BAOCAO, "render", str(folder), "-o", str(work / "lo_don_vi"), "-j", "2"]
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "(không có)"
    print(
        f"   xuất lô -j 2: {wall:.1f} s (mục tiêu < 60 s), CPU {cpu:.1f} s, mã thoát "
        f"{done.returncode}; dòng cuối: {summary}"
    )


SECTIONS: dict[str, Callable[[Path], None]] = {
    "1": one_report,
    "2": lambda work: cli_start(),
    "3": scale,
    "4": batch,
    "5": units,
}


def main(argv: list[str]) -> int:
    chosen = argv or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"không có mục {', '.join(unknown)}; các mục: {', '.join(SECTIONS)}")
    print(f"make bench, {time.strftime('%Y-%m-%d %H:%M')}, nproc {os.cpu_count()}")
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "generator")], env=ENV, check=True)
    with tempfile.TemporaryDirectory(prefix="baocao-bench-") as folder:
        for name in chosen:
            SECTIONS[name](Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
