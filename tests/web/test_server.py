"""`baocao web` as a user starts it: waitress on 127.0.0.1, a free port, SQLite in the data
folder, no login; and the library and CLI without the web extra."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_embedded_server_serves_the_loop_without_login(embedded_server, tmp_path):
    page = urllib.request.urlopen(embedded_server + "/", timeout=5).read().decode()
    assert "Đơn vị của tôi" in page and "Lập báo cáo mới" in page  # no login page
    css = urllib.request.urlopen(embedded_server + "/static/baocao/style.css", timeout=5).read()
    assert b".page" in css
    data = tmp_path / "du_lieu"
    assert (data / "baocao.sqlite3").is_file() and (data / "secret_key").is_file()


def test_the_server_collects_its_garbage(tmp_path):
    """One-shot commands run without the cyclic garbage collector; the server runs for days:
    without it, every request's reference cycles (~170 objects) would stay until it stops."""
    script = (
        "import gc\n"
        "from generator.web import server\n"
        "server.migrate = lambda: None\n"
        "server.serve = lambda *args, **options: print('collector on:', gc.isenabled())\n"
        "from generator.cli import cli\n"
        f"cli(['web', '--no-browser', '--port', '8000', '--data-dir', {str(tmp_path)!r}])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "", "BAOCAO_WEB_DATA": ""}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "collector on: True"


def test_library_and_cli_work_without_django(tmp_path):
    script = (
        "import sys; sys.modules['django'] = None; sys.modules['waitress'] = None\n"
        "from click.testing import CliRunner\n"
        "from generator.cli import cli\n"
        f"examples, out = {str(ROOT / 'data_examples')!r}, {str(tmp_path)!r}\n"
        "r = CliRunner().invoke(cli, ['render', examples, '-o', out])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert not any(m.startswith('generator.web') for m in sys.modules)\n"
        "r = CliRunner().invoke(cli, ['web'])\n"
        "assert r.exit_code == 1 and 'baocao[web]' in r.output, r.output\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": ""},
    )
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.docx"))) == 3


def test_migrations_match_the_models(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "baocao", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_wrong_database_addresses_get_a_clear_message(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "", "BAOCAO_WEB_DATA": ""}
    wrong = subprocess.run(
        [sys.executable, "-m", "generator", "web", "--no-browser", "--db", "mysql://x/y"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2 and "--db" in wrong.stderr
    unreachable = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "web",
            "--no-browser",
            "--data-dir",
            str(tmp_path),
            "--db",
            f"postgresql://nobody@/nothing?host={tmp_path}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unreachable.returncode == 1
    assert "không mở được cơ sở dữ liệu" in unreachable.stderr + unreachable.stdout
    assert "Traceback" not in unreachable.stderr
