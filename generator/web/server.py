"""`baocao web`: Django set up from command-line options, the schema migrated, served by
waitress (a pure-Python WSGI server that runs on Windows as on Linux)."""

from __future__ import annotations

import os
import socket
import threading
import webbrowser
from pathlib import Path


def configure(db: str | None, shared: bool, data_dir: Path | None, no_https: bool = False) -> None:
    """Environment for generator.web.settings, then django.setup()."""
    if no_https:
        os.environ["BAOCAO_WEB_NO_HTTPS"] = "1"
    if data_dir is not None:
        os.environ["BAOCAO_WEB_DATA"] = str(data_dir)
    if db:
        os.environ["BAOCAO_WEB_DB"] = db
    os.environ["BAOCAO_WEB_SHARED"] = "1" if shared else "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = (
        os.environ.get("DJANGO_SETTINGS_MODULE") or "generator.web.settings"
    )
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def serve(host: str, port: int, open_browser: bool, threads: int = 8) -> None:
    """Serve until interrupted (Ctrl+C)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application
    from waitress import serve as waitress_serve

    application = StaticFilesHandler(get_wsgi_application())
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    print(f"baocao web đang chạy tại {url} (Ctrl+C để dừng)", flush=True)
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    waitress_serve(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="baocao",
        trusted_proxy="127.0.0.1",
        trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-for"},
        clear_untrusted_proxy_headers=True,
        max_request_body_size=64 * 1024 * 1024,
    )


def manage(args: list[str]) -> None:
    """Django's management commands (createsuperuser, import_units, changepassword…)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["baocao web quan-tri", *args])
