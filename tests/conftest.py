"""Shared fixtures: the data examples, a minimal valid report, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "data_examples").glob("*.yaml"))
EXAMPLE = {path.stem: path for path in EXAMPLES}

# The smallest report that passes `baocao check`; tests mutate copies of it.
MINIMAL = """\
co_quan_ban_hanh: ["Ủy ban nhân dân", "Huyện Thử"]
ten_co_quan: UBND huyện Thử
so: 5
ky_hieu: BC-UBND
dia_danh: Thử
ngay: 16/3/2021
ky_bao_cao: quý I năm 2021
trich_yeu: Kết quả cải cách hành chính {{ ky_bao_cao }}
can_cu: kh11
van_ban:
  kh11:
    loai: Kế hoạch
    so_ky_hieu: 11/KH-UBND
    ngay: 02/02/2021
    co_quan: UBND tỉnh Thử
    trich_yeu: về cải cách hành chính năm 2021
noi_dung:
  - tieu_de: Công tác chỉ đạo
    doan:
      - "Ban hành {{ so_lieu['1.1.1'] | dem }} nhiệm vụ, đã xong {{ so_lieu['1.1.2'] }}[^kh11]."
      - "- Một gạch đầu dòng có **chữ đậm** và *chữ nghiêng*."
    muc:
      - tieu_de: Kế hoạch
        doan: ["Tỷ lệ hoàn thành {{ ty_le('1.1.2', '1.1.1') }}."]
noi_nhan: [Sở Nội vụ, Chủ tịch UBND huyện]
luu: VT, NV
chu_ky:
  tham_quyen: TM.
  thay_cho: Ủy ban nhân dân
  chuc_vu: Chủ tịch
  nguoi_ky: Nguyễn Văn A
phu_luc:
  danh_muc: cchc-xa-thanh-hoa-01b
  so_lieu: {}
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner: CliRunner):
    """Run `baocao ARGS…` in-process; returns the click Result (exit_code, output)."""

    def run(*args: object):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture
def minimal_file(tmp_path: Path) -> Path:
    from generator.catalog import load_catalog

    catalog = load_catalog("cchc-xa-thanh-hoa-01b")
    figures = "\n".join(
        f'    "{node_id}": null'
        for node_id, node in catalog.nodes.items()
        if node.kind != "nhom" and node_id not in catalog.formulas
    )
    text = MINIMAL.replace("  so_lieu: {}\n", "  so_lieu:\n" + figures + "\n")
    text = text.replace('    "1.1.1": null', '    "1.1.1": 38').replace(
        '    "1.1.2": null', '    "1.1.2": 25'
    )
    path = tmp_path / "bao_cao.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def examples_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "examples"
    shutil.copytree(ROOT / "data_examples", folder)
    return folder
