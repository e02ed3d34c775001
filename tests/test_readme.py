"""The README stays true: every command and option it shows exists."""

from __future__ import annotations

import re
import shlex

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shown_commands() -> list[list[str]]:
    """`baocao …` lines of the README's code blocks and inline code, as argument lists;
    alternatives written "export|check" give one command each."""
    lines, fenced = [], False
    for line in README.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
        elif fenced:
            lines.append(line.split("#")[0].strip())
    lines += re.findall(r"`(baocao [^`]*)`", README)
    commands = []
    for line in lines:
        if not line.startswith("baocao "):
            continue
        args = [a.strip("[]") for a in shlex.split(line.replace("…", "").replace("\\|", "|"))]
        alternatives = next((a for a in args[1:3] if "|" in a and not a.startswith("-")), None)
        for choice in alternatives.split("|") if alternatives else [None]:
            commands.append([choice if a == alternatives else a for a in args[1:]])
    return commands


def _command_path(args: list[str]) -> list[str]:
    path = []
    for arg in args:
        if arg.startswith("-") or arg.isupper() or "." in arg or "/" in arg or "[" in arg:
            break
        path.append(arg)
        if arg != "template":
            break
    return path


COMMANDS = _shown_commands()


def test_readme_shows_commands() -> None:
    assert len(COMMANDS) >= 15
    assert "make demo" in README and "make test" in README


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_readme_command_exists(invoke, args: list[str]) -> None:
    path = _command_path(args)
    result = invoke(*path, "--help")
    assert result.exit_code == 0, f"baocao {' '.join(path)} does not exist"
    for option in (a.split("=")[0] for a in args if a.startswith("-")):
        assert re.search(rf"(^|[\s,/]){re.escape(option)}\b", result.output), (
            f"baocao {' '.join(path)} has no option {option}"
        )


def test_readme_data_example_is_valid(tmp_path) -> None:
    from generator.api import check_data, load_report

    block = re.search(r"```yaml\n(.*?)```", README, re.DOTALL).group(1)
    path = tmp_path / "readme.yaml"
    path.write_text(block, encoding="utf-8")
    assert check_data(path).errors == []
    composition = load_report(path)
    assert composition.dia_danh_ngay == "Hoàng Cát, ngày 04 tháng 6 năm 2024"
    assert [n.text for n in composition.footnotes] == [
        "Kế hoạch số 11/KH-UBND ngày 04/01/2024 về tuyên truyền cải cách hành chính năm 2024"
    ]


def test_readme_lists_every_filter() -> None:
    from generator.formatting import FILTERS

    missing = [name for name in FILTERS if f"`{name}`" not in README]
    assert not missing, f"README's filter list lacks {missing}"


def test_first_screen_says_how_to_run_baocao_after_make_demo() -> None:
    first_screen = "\n".join(README.splitlines()[:40])
    assert "make demo" in first_screen
    # baocao lives in the virtual environment make creates: say how to reach it
    assert ".venv/bin/baocao" in first_screen
    assert "source .venv/bin/activate" in first_screen
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^VENV\s*:=\s*\.venv$", makefile, re.M)
    assert "Cài đặt trên Windows" in first_screen


def test_windows_set_up_is_described() -> None:
    section = README.split("## Cài đặt trên Windows", 1)[1].split("\n## ", 1)[0]
    for step in (
        "py -m venv .venv",
        ".venv\\Scripts\\pip install .",
        ".venv\\Scripts\\activate",
        "https://www.libreoffice.org/download/",
        "--pdf",
    ):
        assert step in section, step
