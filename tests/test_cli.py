"""The `baocao` command line: Vietnamese help, exit codes, check, init, schema, danh-muc."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from generator.api import check_data
from generator.formatting import so

from .conftest import EXAMPLE, EXAMPLES, ROOT


def test_help_is_vietnamese(invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "Cách dùng: baocao" in result.output
    assert "Các lệnh" in result.output and "Tùy chọn" in result.output
    for command in ("render", "check", "init", "schema", "phu-luc", "danh-muc"):
        assert command in result.output


@pytest.mark.parametrize("command", ["render", "check", "init", "schema", "phu-luc", "danh-muc"])
def test_every_command_has_vietnamese_help(invoke, command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Hiện hướng dẫn này rồi thoát." in result.output


def test_bad_usage_exits_2(invoke) -> None:
    result = invoke("render", "--khong-co", "x.yaml")
    assert result.exit_code == 2
    assert "Lỗi cách dùng: không có tùy chọn --khong-co" in result.output


def test_unknown_command_suggests(invoke) -> None:
    result = invoke("redner")
    assert result.exit_code == 2
    assert "không có lệnh 'redner'; có phải render?" in result.output


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_pass_check(invoke, path: Path) -> None:
    result = invoke("check", path)
    assert result.exit_code == 0, result.output
    assert f"{path}: đạt (0 lỗi" in result.output


def test_seed_slips_are_reported_as_warnings() -> None:
    """The seeds' own slips are caught, not copied: the numbering of 1.2's rows in the huyện
    report, and 207 in a percent row of the xã report."""
    huyen = check_data(EXAMPLE["huyen_huong_hoa_quy1_2021"])
    assert huyen.errors == []
    assert sorted(p.message for p in huyen.warnings) == [
        "1.2.1 Số phòng, ban, đơn vị đã kiểm tra: STT ghi '1.1.1' nhưng theo danh mục là "
        "'1.2.1.' (đánh số sai)",
        "1.2.2 Số vấn đề phát hiện qua kiểm tra: STT ghi '1.1.2' nhưng theo danh mục là "
        "'1.2.2.' (đánh số sai)",
        "1.2.3 Số vấn đề phát hiện đã xử lý xong: STT ghi '1.1.3' nhưng theo danh mục là "
        "'1.2.3.' (đánh số sai)",
    ]
    xa = check_data(EXAMPLE["xa_hoang_cat_6_thang_2024"])
    assert xa.errors == []
    assert [p.path for p in xa.warnings] == ["phu_luc.so_lieu.7.2.2.1"]
    assert "207 nằm ngoài khoảng 0–100" in xa.warnings[0].message
    assert check_data(EXAMPLE["thi_xa_nga_nam_nam_2021"]).problems == []


def test_strict_turns_warnings_into_failure(invoke) -> None:
    result = invoke("check", "--strict", EXAMPLE["xa_hoang_cat_6_thang_2024"])
    assert result.exit_code == 1
    assert "không đạt (0 lỗi, 1 cảnh báo)" in result.output


def test_schema_is_json_schema(invoke) -> None:
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["additionalProperties"] is False
    for field in ("co_quan_ban_hanh", "trich_yeu", "noi_dung", "chu_ky", "phu_luc"):
        assert field in schema["properties"]
    assert set(schema["required"]) >= {
        "co_quan_ban_hanh",
        "ten_co_quan",
        "dia_danh",
        "ngay",
        "trich_yeu",
        "ky_bao_cao",
        "noi_dung",
        "noi_nhan",
        "chu_ky",
    }


@pytest.mark.parametrize("cap", ["huyen", "xa", "so"])
def test_init_writes_a_skeleton_to_fill_in(invoke, tmp_path: Path, cap: str) -> None:
    """The skeleton's placeholders are errors until replaced (a report saying "Nội dung …",
    signed "Họ và tên người ký" by the example unit must not pass); filled in, it passes."""
    path = tmp_path / f"{cap}.yaml"
    assert invoke("init", "--cap", cap, path).exit_code == 0
    text = path.read_text(encoding="utf-8")
    for area in (
        "Cải cách thể chế",
        "Cải cách thủ tục hành chính",
        "Cải cách tổ chức bộ máy hành chính nhà nước",
        "Cải cách chế độ công vụ",
        "Cải cách tài chính công",
        "Chính quyền điện tử",
        "Khó khăn, vướng mắc",
        "Kiến nghị, đề xuất",
        "Phương hướng",
    ):
        assert area in text
    assert text.count("\n#") > 10  # fields are explained
    result = invoke("check", path)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith(f"{path}:")]
    errors = [line for line in errors if "cảnh báo:" not in line and "không đạt" not in line]
    assert errors and all("`baocao init`" in line for line in errors), errors
    joined = "\n".join(errors)
    for field in (
        "chu_ky.nguoi_ky: còn là chữ mẫu",
        "ten_co_quan: còn là tên đơn vị mẫu",
        "dia_danh: còn là tên đơn vị mẫu",
        "noi_dung[3].doan[1]: đoạn văn còn là",
    ):
        assert field in joined, joined
    if cap != "so":
        assert "cảnh báo: phu_luc.so_lieu: Phụ lục chưa có số liệu nào" in result.output
    from generator.skeleton import LEVELS, SIGNER_PLACEHOLDER, placeholder_paragraphs

    filled = text.replace(SIGNER_PLACEHOLDER, "Nguyễn Văn A")
    for sample in sorted(placeholder_paragraphs(), key=len, reverse=True):
        filled = filled.replace(json.dumps(sample, ensure_ascii=False), '"- Đã làm xong."')
    _, ban_hanh, ten, dia_danh, *_ = LEVELS[cap]
    for old_name in (*ban_hanh[1:], ten, dia_danh):
        filled = filled.replace(old_name, old_name.replace(old_name.split()[-1], "Thử"))
    filled = re.sub(r'(    "[0-9.]+"): null', r"\1: 1", filled, count=1)
    path.write_text(filled, encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 0, result.output
    assert "(0 lỗi, " in result.output


def test_init_keeps_an_existing_file(invoke, tmp_path: Path) -> None:
    path = tmp_path / "bao_cao.yaml"
    path.write_text("giữ nguyên\n", encoding="utf-8")
    result = invoke("init", path)
    assert result.exit_code == 1
    assert "tệp đã có" in result.output
    assert path.read_text(encoding="utf-8") == "giữ nguyên\n"


def test_danh_muc_lists_shipped_catalogs(invoke) -> None:
    result = invoke("danh-muc")
    assert result.exit_code == 0
    for name in ("cchc-huyen-quang-tri", "cchc-soc-trang-pl2-bang2", "cchc-xa-thanh-hoa-01b"):
        assert name in result.output
    rows = invoke("danh-muc", "cchc-huyen-quang-tri").output.splitlines()
    assert rows[0].split()[:3] == ["1.", "1", "nhom"]
    assert any(line.split()[:2] == ["1.2.1.", "1.2.1"] for line in rows)


def test_debug_shows_traceback(minimal_file: Path) -> None:
    minimal_file.write_text(
        minimal_file.read_text(encoding="utf-8").replace("so: 5", 'so: "mười"'), encoding="utf-8"
    )
    plain = subprocess.run(
        [sys.executable, "-m", "generator", "render", str(minimal_file)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr and '"mười" không phải là số' in plain.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "generator", "--debug", "render", str(minimal_file)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "DataError" in debug.stderr


def test_program_flushes_output_and_exit_code_before_ending(
    minimal_file: Path, tmp_path: Path
) -> None:
    """The program ends without the interpreter's teardown (cli.main): what it printed
    still reaches the pipe, the files are complete and the exit code is kept."""
    done = subprocess.run(
        [sys.executable, "-m", "generator", "render", str(minimal_file), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    written = tmp_path / f"{minimal_file.stem}.docx"
    assert f"Đã ghi: {written}" in done.stdout
    assert docx.Document(written).paragraphs
    usage = subprocess.run(
        [sys.executable, "-m", "generator", "render", str(tmp_path / "khong_co.yaml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert usage.returncode == 2 and "không có tệp hoặc thư mục" in usage.stderr


@pytest.mark.parametrize("closed", ["stdout", "stderr"])
def test_program_started_without_an_output_stream_ends_cleanly(closed: str) -> None:
    """Python sets sys.stdout/sys.stderr to None when started without them (a closed
    descriptor, pythonw): the final flush skips it instead of ending in a traceback, exit 1."""
    program = (
        "import sys\n"
        f"sys.{closed} = None\n"
        "from generator import cli\n"
        "sys.argv = ['baocao', '--version']\n"
        "cli.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_program_runs_the_exit_handlers_before_ending() -> None:
    """Temporary folders, worker pools and a LibreOffice child are cleaned up by exit handlers:
    skipping the teardown must not skip them."""
    program = (
        "import atexit, sys\n"
        "from generator import cli\n"
        "atexit.register(lambda: print('dọn dẹp xong'))\n"
        "sys.argv = ['baocao', '--version']\n"
        "cli.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "dọn dẹp xong"


def test_cli_starts_without_heavy_imports() -> None:
    code = (
        "import sys; from generator.cli import cli; "
        "heavy = [m for m in ('docxtpl', 'openpyxl', 'pydantic', 'docx', 'num2words', "
        "'jinja2', 'lxml') if m in sys.modules]; print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_init_keeps_yaml_and_backs_up_on_force(invoke, tmp_path: Path) -> None:
    result = invoke("init", tmp_path / "bao_cao.json")
    assert result.exit_code == 1 and "đặt tên có đuôi .yaml" in result.output
    path = tmp_path / "bao_cao.yaml"
    path.write_text("bản cũ\n", encoding="utf-8")
    assert invoke("init", path, "--force").exit_code == 0
    assert (tmp_path / "bao_cao.bak.yaml").read_text(encoding="utf-8") == "bản cũ\n"


def test_thousands_of_problems_end_with_a_summary(invoke, minimal_file: Path) -> None:
    """A broken file with 2,000 problems prints the first 50 and counts the rest by kind;
    --all prints every one."""
    text = minimal_file.read_text(encoding="utf-8")
    bad = "".join(f'    "9.{n}": "x"\n' for n in range(2000))
    text = text.replace("  so_lieu:\n", "  so_lieu:\n" + bad)
    minimal_file.write_text(text, encoding="utf-8")
    total = len(check_data(minimal_file).problems)
    assert total >= 2000
    result = invoke("check", minimal_file)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 52, lines[-3:]
    hidden = total - 50
    assert lines[50].startswith(f"… và {so(hidden)} vấn đề nữa (")
    assert lines[50].endswith("baocao check --all")
    assert lines[51].startswith(f"{minimal_file}: không đạt (")
    everything = invoke("check", "--all", minimal_file)
    assert len(everything.output.splitlines()) == total + 1
    out = minimal_file.parent / "out"
    render = invoke("render", minimal_file, "-o", out)
    assert render.exit_code == 1
    assert len(render.output.splitlines()) == 52
    assert "baocao check --all" in render.output.splitlines()[-1]
