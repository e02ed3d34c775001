"""`make bench`: how fast baocao is, as ratios against baselines measured in the same run.

1. One report: the Word rendering and the whole pipeline (read, check, compose, DOCX) against
   python-docx opening and saving the same output (the yardstick: aim for ≤ 2×).
2. CLI start: `baocao --help` against a bare `python -c pass`.
3. A folder of 500 unit reports rendered with 2 processes (aim: about a minute).

Machines here are noisy: medians of several runs are printed, never asserted.
"""

from __future__ import annotations

import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docx import Document  # noqa: E402

from generator.api import _prepare  # noqa: E402
from generator.docx_render import render_docx  # noqa: E402
from generator.templates import shipped_template  # noqa: E402

EXAMPLES = sorted((ROOT / "data_examples").glob("*.yaml"))
BATCH = 500


def median_seconds(action, runs: int = 15) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(path: Path, template: Path) -> tuple[float, float, float]:
    """Seconds for: python-docx open+save of the output, rendering it, the whole pipeline."""
    composition = _prepare(path).composition
    output = render_docx(composition, template, "0" * 32)
    baseline = median_seconds(lambda: Document(io.BytesIO(output)).save(io.BytesIO()))
    render = median_seconds(lambda: render_docx(composition, template, "0" * 32))
    whole = median_seconds(lambda: render_docx(_prepare(path).composition, template, "0" * 32))
    return baseline, render, whole


def one_report() -> None:
    template = shipped_template("docx")
    print("1. Một báo cáo (trung vị 15 lần; mốc = python-docx mở và lưu chính tệp kết quả)")
    print(f"   {'báo cáo':<28}{'mốc':>9}{'render':>9}{'tỷ lệ':>7}{'cả quy trình':>14}{'tỷ lệ':>7}")
    for path in EXAMPLES:
        baseline, render, whole = measure(path, template)
        print(
            f"   {path.stem:<28}{baseline * 1000:>7.1f}ms{render * 1000:>7.1f}ms"
            f"{render / baseline:>6.2f}×{whole * 1000:>12.1f}ms{whole / baseline:>6.2f}×"
        )


def process_seconds(command: list[str], runs: int = 7) -> float:
    return median_seconds(lambda: subprocess.run(command, capture_output=True, check=True), runs)


def cli_start() -> None:
    baocao = str(Path(sys.executable).with_name("baocao"))
    bare = process_seconds([sys.executable, "-c", "pass"])
    help_ = process_seconds([baocao, "--help"])
    print("2. Khởi động CLI (trung vị 7 lần)")
    print(
        f"   python -c pass {bare * 1000:.0f}ms; baocao --help {help_ * 1000:.0f}ms "
        f"(thêm {(help_ - bare) * 1000:.0f}ms)"
    )


def batch() -> None:
    with tempfile.TemporaryDirectory(prefix="baocao-bench-") as work:
        folder = Path(work) / "don_vi"
        folder.mkdir()
        for index in range(BATCH):
            source = EXAMPLES[index % len(EXAMPLES)]
            shutil.copyfile(source, folder / f"don_vi_{index:03d}_{source.name}")
        baocao = str(Path(sys.executable).with_name("baocao"))
        started = time.perf_counter()
        result = subprocess.run(
            [baocao, "render", str(folder), "-o", str(Path(work) / "out"), "-j", "2"],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        written = len(list((Path(work) / "out").glob("*.docx")))
    print(f"3. Lô {BATCH} báo cáo đơn vị, 2 tiến trình")
    print(
        f"   {written} tệp Word (+ Phụ lục Excel) trong {elapsed:.1f} giây "
        f"({elapsed / BATCH * 1000:.0f}ms mỗi báo cáo); mã thoát {result.returncode}"
    )


def main() -> int:
    one_report()
    cli_start()
    batch()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
