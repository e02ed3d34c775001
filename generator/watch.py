"""`baocao render --watch`: render again each time a data file is saved."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import BaocaoError


def _render_all(
    paths: list[Path], out_dir: Path | None, options: dict[str, Any], echo: Callable[..., None]
) -> None:
    from .api import render_many

    started = time.perf_counter()
    results = render_many(paths, out_dir, jobs=1, **options)
    for result in results:
        if isinstance(result, BaocaoError):
            echo(str(result), err=True)
            continue
        for problem in result.warnings:
            echo(str(problem), err=True)
        for output in result.outputs:
            echo(f"Đã ghi: {output}")
        for note in result.notes:
            echo(note, err=True)
    echo(
        f"[{time.strftime('%H:%M:%S')}] xong sau {time.perf_counter() - started:.1f} giây; "
        "đang chờ tệp thay đổi (Ctrl+C để dừng)…"
    )


def watch_and_render(
    paths: list[Path],
    out_dir: Path | None,
    options: dict[str, Any],
    echo: Callable[..., None],
    stop_after: int | None = None,
) -> None:
    """Render, then render again whenever one of ``paths`` (or the --so-lieu workbook, or the
    --template) is saved. Editors save by writing a new file and renaming it, so the folders
    are watched. ``stop_after`` ends the loop after that many re-renders (tests)."""
    import logging

    from watchfiles import watch

    from .api import DATA_SUFFIXES

    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its messages are English

    files = {p.resolve() for p in paths if p.is_file()}
    for option in ("so_lieu", "template"):  # a saved workbook or template renders again too
        if options.get(option):
            files.add(Path(options[option]).resolve())
    data_folders = {p.resolve() for p in paths if p.is_dir()}

    def relevant(_change: Any, name: str) -> bool:
        path = Path(name).resolve()
        if path in files:
            return True
        # in a watched data folder any data file counts; outputs and temporary files do not
        return (
            path.parent in data_folders
            and path.suffix.lower() in DATA_SUFFIXES
            and not path.name.startswith(".")
        )

    _render_all(paths, out_dir, options, echo)
    folders = {p.parent for p in files} | data_folders
    changes_seen = watch(*folders, debounce=300, raise_interrupt=False, watch_filter=relevant)
    for rounds, changes in enumerate(changes_seen, start=1):
        names = sorted({Path(name).name for _, name in changes})
        echo(f"Tệp thay đổi: {', '.join(names)}")
        _render_all(paths, out_dir, options, echo)
        if stop_after is not None and rounds >= stop_after:
            return
    echo("Đã dừng theo dõi.")
