"""Web fixtures: units in a tree with one account each, logged-in clients, and the database
(SQLite, or a real PostgreSQL server when BAOCAO_TEST_POSTGRES is set: "1" starts a throwaway
server with Debian's postgresql binaries, anything else is a postgresql:// URL)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE

POSTGRES = os.environ.get("BAOCAO_TEST_POSTGRES", "")


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server of our own for the session (initdb in a temporary folder, socket
    only, as the postgres account when the tests run as root)."""
    if POSTGRES != "1":
        yield POSTGRES
        return
    binaries = _postgres_bin()
    if binaries is None:
        pytest.exit(
            "BAOCAO_TEST_POSTGRES=1 nhưng không tìm thấy PostgreSQL (apt-get install postgresql)"
        )
    folder = Path(tempfile.mkdtemp(prefix="baocao-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    subprocess.run(
        [
            *as_user,
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_user,
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(folder / "log"),
            "-o",
            f"-k {folder} -c listen_addresses='' -F",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@/postgres?host={folder}"
    finally:
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres_url):
    if postgres_url:
        from django.conf import settings

        from generator.web.settings import database_from_url

        # in place: Django's connection objects hold this very dict
        default = settings.DATABASES["default"]
        default["OPTIONS"] = {}
        default.update(database_from_url(postgres_url), CONN_MAX_AGE=0)
        from django.db import connections

        connections.close_all()
        del connections["default"]  # made again for the new engine on next use


@pytest.fixture
def tree(db):
    """huyện H with xã A and xã B, tỉnh T above H; an account per unit, password
    'mat-khau-dai-1'."""
    from django.contrib.auth import get_user_model

    from generator.web.models import Member, Unit

    tinh = Unit.objects.create(ma="tinh-t", ten="Tỉnh Thử", loai="tinh")
    huyen = Unit.objects.create(ma="huyen-h", ten="Huyện Hòa", loai="huyen", cap_tren=tinh)
    xa_a = Unit.objects.create(ma="xa-a", ten="Xã An", loai="xa", cap_tren=huyen)
    xa_b = Unit.objects.create(ma="xa-b", ten="Xã Bình", loai="xa", cap_tren=huyen)
    users = {}
    for name, unit in (("tinh", tinh), ("huyen", huyen), ("xa_a", xa_a), ("xa_b", xa_b)):
        user = get_user_model().objects.create_user(name, password="mat-khau-dai-1")
        Member.objects.create(user=user, don_vi=unit)
        users[name] = user
    return {"tinh": tinh, "huyen": huyen, "xa_a": xa_a, "xa_b": xa_b, "users": users}


@pytest.fixture
def login(client, tree):
    """login("xa_a") → a Django test client logged in as that unit's account."""
    from django.test import Client

    def as_unit(name: str) -> Client:
        other = Client()
        other.force_login(tree["users"][name])
        return other

    return as_unit


@pytest.fixture
def example_bytes():
    return EXAMPLE["xa_hoang_cat_6_thang_2024"].read_bytes()


@pytest.fixture
def embedded_server(tmp_path):
    """`baocao web` as a user starts it (waitress, SQLite in tmp_path/du_lieu, no login),
    once it answers: its address, without the trailing slash."""
    env = {**os.environ, "BAOCAO_WEB_DATA": "", "DJANGO_SETTINGS_MODULE": ""}
    env.pop("BAOCAO_WEB_SHARED", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "web",
            "--no-browser",
            "--data-dir",
            str(tmp_path / "du_lieu"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = server.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match, line + server.stdout.read(2000) if server.poll() is not None else line
        url = match.group(0)
        deadline = time.monotonic() + 20  # the server may still be migrating its new database
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(10)
