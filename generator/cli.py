"""The `baocao` command: each subcommand parses its options and calls one library function.

Errors are converted once, here: a BaocaoError prints its Vietnamese message and exits 1,
bad usage exits 2, ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import OUT_OF_MEMORY, BaocaoError, Problem

# --------------------------------------------------------------------------- Vietnamese help


class _Vietnamese:
    """Help screens with Vietnamese headings (click's own are English)."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = " ".join(self.collect_usage_pieces(ctx))  # type: ignore[attr-defined]
        for english, vietnamese in _USAGE_WORDS:
            pieces = pieces.replace(english, vietnamese)
        formatter.write_usage(ctx.command_path, pieces, prefix="Cách dùng: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (_help_words(name), _help_words(text))
            for p in self.get_params(ctx)  # type: ignore[attr-defined]
            if (r := p.get_help_record(ctx)) is not None
            for name, text in [r]
        ]
        if rows:
            with formatter.section("Tùy chọn"):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            commands = []
            for name in self.list_commands(ctx):
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    commands.append((name, command.get_short_help_str(limit=70)))
            if commands:
                with formatter.section("Các lệnh"):
                    formatter.write_dl(commands)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = "Hiện hướng dẫn này rồi thoát."
        return option


_USAGE_WORDS = [
    ("[OPTIONS]", "[TÙY_CHỌN]"),
    ("[COMMAND] [ARGS]...", "[LỆNH] [THAM_SỐ]..."),
    ("COMMAND [ARGS]...", "LỆNH [THAM_SỐ]..."),
]
# what click adds to an option's help line: its value's kind, its default, "required"
_HELP_WORDS = [
    (r" INTEGER RANGE$", " SỐ"),
    (r" INTEGER$", " SỐ"),
    (r" FLOAT(?: RANGE)?$", " SỐ"),
    (r" TEXT$", " CHỮ"),
    (r" (?:FILE|PATH|DIRECTORY)$", " ĐƯỜNG_DẪN"),
    (r"\[default: ", "[mặc định: "),
    (r"\brequired\]", "bắt buộc]"),
]


def _help_words(text: str) -> str:
    for english, vietnamese in _HELP_WORDS:
        text = re.sub(english, vietnamese, text)
    return text


class Command(_Vietnamese, click.Command):
    pass


class Group(_Vietnamese, click.Group):
    command_class = Command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Listed by format_options, under a Vietnamese heading."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Convert errors once: BaocaoError → message, exit 1; bad usage → exit 2."""
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        # A one-shot command frees everything at exit: the cyclic collector would only cost time
        # (~0.1 s of a render). Batches collect between files (api); --watch turns it back on.
        gc.disable()
        with _stopped_by_sigterm():
            code = _run(
                lambda: super(Group, self).main(
                    argv, prog_name or "baocao", standalone_mode=False, **extra
                ),
                debug="--debug" in argv,
            )
        sys.exit(code)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service stopping, `kill`, a closed terminal's job) unwinds like Ctrl+C: the
    temporary files are removed, the earlier outputs put back, LibreOffice stopped."""


@contextlib.contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    import signal

    def stop(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: the caller's handling stays
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


Group.group_class = Group


def _run(invoke: Any, debug: bool) -> int:
    """Run the command line; the exit code (0 ok, 1 failed run, 2 bad usage)."""
    try:
        code = invoke()
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort as exc:  # click's name for Ctrl+C (and SIGTERM: Terminated)
        click.echo("Đã dừng.", err=True)
        return 143 if isinstance(exc.__cause__, Terminated) else 1
    except click.UsageError as exc:
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
            click.echo(f"Xem thêm: {exc.ctx.command_path} --help", err=True)
        click.echo(f"Lỗi cách dùng: {_usage_message(exc.format_message())}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"Lỗi: {_usage_message(exc.format_message())}", err=True)
        return exc.exit_code
    except BaocaoError as exc:
        if debug:
            raise
        click.echo(str(exc), err=True)
        return 1
    except KeyboardInterrupt as exc:
        click.echo("Đã dừng.", err=True)
        return 143 if isinstance(exc, Terminated) else 130  # 128 + the signal's number
    except MemoryError:
        if debug:
            raise
        click.echo(OUT_OF_MEMORY, err=True)
        return 1
    except OSError as exc:  # a folder missing or read-only, a full disk: said in Vietnamese
        if debug:
            raise
        from .loader import os_reason

        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"{where}không thực hiện được ({os_reason(exc)})", err=True)
        return 1
    except Exception as exc:  # a bug, not a user mistake: say so briefly, no traceback
        if debug:
            raise
        click.echo(
            f"Lỗi không mong đợi ({exc.__class__.__name__}: {exc}). Chạy lại với "
            "--debug để xem chi tiết và báo cho người phát triển.",
            err=True,
        )
        return 1
    return code if isinstance(code, int) else 0


def _range(match: re.Match[str]) -> str:
    """click's "0<=x<=64", "x>=1", "0<x<1" in words."""
    value, bounds = match.group(1), match.group(2)
    both = re.fullmatch(r"(\S+?)(<=?)x(<=?)(\S+)", bounds)
    if both and both.group(2) == both.group(3) == "<=":
        return f"{value} không nằm trong khoảng {both.group(1)}–{both.group(4)}"
    above, below = {"<=": "≥", "<": ">"}, {"<=": "≤", "<": "<"}
    if both:
        return (
            f"{value} phải {above[both.group(2)]} {both.group(1)} và "
            f"{below[both.group(3)]} {both.group(4)}"
        )
    one = re.fullmatch(r"x(<=|<|>=|>)(\S+)", bounds)
    if one:
        sign = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}[one.group(1)]
        return f"{value} phải {sign} {one.group(2)}"
    return f"{value} nằm ngoài khoảng cho phép ({bounds})"


_PATH_KIND = r"(?:File|Directory|Path)"
_HINT = r"( '[^']*'(?: / '[^']*')*)?"  # click's " '-o' / '--output'" after "Missing option"
# Every message click can give for bad usage (click.exceptions, .types, .parser, .core), in
# Vietnamese; tests/test_messages.py walks click's own list of messages against this table.
_CLICK_MESSAGES: list[tuple[str, Any]] = [
    (r"Invalid value for (.+?): ", r"giá trị không hợp lệ cho \1: "),
    (r"Invalid value: ", "giá trị không hợp lệ: "),
    (r"Could not open file '(.*?)': ", r"không mở được tệp '\1': "),
    (
        r"'(.*?)' is not one of (.*?)\.$",
        lambda m: f"'{m.group(1)}' không phải một trong {m.group(2).replace(' or ', ' hoặc ')}",
    ),
    (r"'(.*?)' is not '(.*?)'\.$", r"'\1' không phải '\2'"),
    (r"'(.*?)' is not a valid integer(?: range)?\.", r"'\1' không phải là số nguyên"),
    (r"'(.*?)' is not a valid float(?: range)?\.", r"'\1' không phải là số"),
    (
        r"'(.*?)' is not a valid boolean\. Recognized values: (.*)$",
        r"'\1' không phải giá trị đúng/sai; dùng một trong: \2",
    ),
    (r"'(.*?)' is not a valid UUID\.", r"'\1' không phải là mã UUID"),
    (r"'(.*?)' does not match the formats? (.*?)\.$", r"'\1' không đúng dạng \2"),
    (r"(\S+) is not in the range (\S+?)\.?$", _range),
    (_PATH_KIND + r" '(.*)' does not exist\.", r"không có tệp hoặc thư mục '\1'"),
    (_PATH_KIND + r" '(.*)' is a file\.", r"'\1' là một tệp, không phải thư mục"),
    (_PATH_KIND + r" '(.*)' is a directory\.", r"'\1' là một thư mục, không phải tệp"),
    (_PATH_KIND + r" '(.*)' is not readable\.", r"không có quyền đọc '\1'"),
    (_PATH_KIND + r" '(.*)' is not writable\.", r"không có quyền ghi '\1'"),
    (_PATH_KIND + r" '(.*)' is not executable\.", r"'\1' không chạy được"),
    (
        r"(\S+) values are required, but (\S+) (?:was|were) given\.",
        r"cần \1 giá trị, nhưng có \2",
    ),
    (r"Takes (\S+) values but (\S+) (?:was|were) given\.", r"cần \1 giá trị, nhưng có \2"),
    (r"Value must be an iterable\.", "giá trị phải là một danh sách"),
    (r"Argument '(.*)' takes (\S+) values\.", r"tham số \1 cần \2 giá trị"),
    (r"Option '(.*)' does not take a value\.", r"tùy chọn \1 không nhận giá trị"),
    (r"Option '(.*)' requires an argument\.?", r"tùy chọn \1 cần một giá trị"),
    (r"Option '(.*)' requires (\S+) arguments\.?", r"tùy chọn \1 cần \2 giá trị"),
    (
        r"Invalid start character for option \((.*)\)",
        r"tùy chọn \1 bắt đầu bằng ký tự không hợp lệ",
    ),
    (r"No such option:? '?([^'.;]*)'?\.?", r"không có tùy chọn \1"),
    (r"No such command '([^']*)'\.?", r"không có lệnh '\1'"),
    (r"\s*Did you mean '?([^'?]*)'?\?", r"; có phải \1?"),
    (r"\s*\(Did you mean one of: (.*)\?\)", r"; có phải một trong: \1?"),
    (r"Missing command\.", "thiếu tên lệnh"),
    (r"Missing parameter: (.*)", r"thiếu tham số \1"),
    (r"Missing (?:argument|parameter)" + _HINT + r"\.?", r"thiếu tham số\1."),
    (r"Missing option" + _HINT + r"\.?", r"thiếu tùy chọn\1."),
    (r"Missing (\S+)" + _HINT + r"\.?", r"thiếu \1\2."),
    (r"Got unexpected extra arguments? \((.*)\)", r"thừa tham số: \1"),
    (r"unknown error", "lỗi không rõ"),
    (r"Choose from:\s*", "chọn một trong: "),
]


def _usage_message(message: str) -> str:
    """A click usage error in Vietnamese; parameter hints without click's quotes
    ("-j / --jobs")."""
    for pattern, replacement in _CLICK_MESSAGES:
        message = re.sub(pattern, replacement, message)
    message = re.sub(r"'(-[^' ]+)' / '(-[^' ]+)'", r"\1 / \2", message)
    message = re.sub(r"(cho|tùy chọn|tham số) '([^' ]+)'", r"\1 \2", message)
    return message[:-1] if message.endswith(".") and not message.endswith("...") else message


# --------------------------------------------------------------------------- helpers


# Beyond this many problems a file's list is cut (a broken sổ nhập can give thousands);
# `check --all` prints every one.
SHOWN_PROBLEMS = 50


def _print_problems(problems: list[Problem], limit: int | None = None, indent: str = "") -> None:
    for problem in problems[:limit]:
        click.echo(f"{indent}{problem}", err=True)
    if limit is not None and len(problems) > limit:
        hidden = problems[limit:]
        errors = sum(p.is_error for p in hidden)
        click.echo(
            f"{indent}… và {_count(len(hidden))} vấn đề nữa ({_count(errors)} lỗi, "
            f"{_count(len(hidden) - errors)} cảnh báo) không in ra; sửa các lỗi trên rồi kiểm "
            "tra lại, hoặc in hết bằng baocao check --all",
            err=True,
        )


def _count(number: int) -> str:
    from .formatting import so

    return so(number)


BRIEF_FROM = 20  # files in a batch from which only failures are printed one by one


def _report_results(results: list[Any], brief: bool = False) -> bool:
    """Print what was written and every warning (``brief``: failures only, warnings
    counted); False when any file failed."""
    ok = True
    warned = 0
    for result in results:
        if isinstance(result, BaocaoError):
            if len(result.problems) > SHOWN_PROBLEMS:
                errors = sum(p.is_error for p in result.problems)
                click.echo(f"{result.message} ({_count(errors)} lỗi):", err=True)
                _print_problems(result.problems, SHOWN_PROBLEMS, indent="  ")
            else:
                click.echo(str(result), err=True)
            ok = False
            continue
        warned += bool(result.warnings)
        for note in result.notes:
            click.echo(note, err=True)
        ok &= not result.failed
        if brief:
            continue
        _print_problems(result.warnings)
        for backup in result.backups:
            click.echo(f"Đã giữ bản cũ: {backup}")
        for output in result.outputs:
            click.echo(f"Đã ghi: {output}")
    if brief and warned:
        click.echo(f"{warned} tệp có cảnh báo; xem từng tệp bằng: baocao check TỆP", err=True)
    return ok


def _summary(results: list[Any]) -> None:
    """The batch's last line: how many files were rendered, how many were not."""
    failed = sum(isinstance(r, BaocaoError) or r.failed for r in results)
    text = f"Tổng cộng: {len(results) - failed}/{len(results)} tệp đã xuất"
    click.echo(text + (f", {failed} tệp lỗi (xem ở trên)." if failed else "."))


@contextlib.contextmanager
def _progress_bar(total: int, label: str) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar on a terminal for a batch; nothing when output goes to a file or a pipe
    (logs stay clean)."""
    if total < 2 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, width=30) as bar:
        yield lambda _result: bar.update(1)


DATA = click.Path(exists=True, path_type=Path)
SO_LIEU = click.option(
    "--so-lieu",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sổ nhập Excel (từ `baocao mau-nhap`): số liệu trong sổ thay cho số liệu trong tệp.",
)
TEMPLATE_XLSX = click.option(
    "--template-xlsx",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mẫu Excel riêng cho Phụ lục (.xlsx, từ `baocao template export`).",
)
STRICT = click.option("--strict", is_flag=True, help="Coi cảnh báo là lỗi (mã thoát 1).")
FORCE = click.option(
    "--force", is_flag=True, help="Ghi đè cả tệp đã sửa tay (bản cũ được giữ thành TÊN.bak.*)."
)

# --------------------------------------------------------------------------- commands


@click.group(name="baocao", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    # the package's own version: no installed metadata needed (a source checkout runs too)
    __version__,
    message="baocao %(version)s",
    help="Hiện phiên bản rồi thoát.",
)
@click.option(
    "--debug", is_flag=True, help="Khi có lỗi, hiện toàn bộ traceback (cho lập trình viên)."
)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """baocao: soạn BÁO CÁO (Word) và Phụ lục (Excel) theo Nghị định 30/2020/NĐ-CP
    từ một tệp số liệu YAML hoặc JSON."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("data", nargs=-1, required=True, type=DATA)
@click.option(
    "-o",
    "--output",
    "out_dir",
    metavar="THƯ_MỤC|TỆP.docx",
    help="Thư mục ghi kết quả, hoặc tên tệp Word .docx khi xuất một tệp (mặc định: cùng thư "
    "mục với tệp số liệu).",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mẫu Word riêng (.docx) thay cho mẫu có sẵn.",
)
@TEMPLATE_XLSX
@SO_LIEU
@FORCE
@STRICT
@click.option("--pdf", is_flag=True, help="Xuất thêm PDF bằng LibreOffice (nếu đã cài).")
@click.option("--watch", is_flag=True, help="Theo dõi tệp số liệu, tự xuất lại khi tệp thay đổi.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(0, 64),
    default=0,
    help="Số tiến trình khi xuất nhiều tệp (mặc định: số lõi CPU).",
)
@click.option(
    "--cap-nhat",
    "edited",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Báo cáo Word đã sửa tay: chỉ cập nhật các giá trị số liệu trong đó (như `cap-nhat`).",
)
@click.pass_obj
def render(
    obj: dict[str, Any],
    data: tuple[Path, ...],
    out_dir: str | None,
    template: Path | None,
    template_xlsx: Path | None,
    so_lieu: Path | None,
    force: bool,
    strict: bool,
    pdf: bool,
    watch: bool,
    jobs: int,
    edited: Path | None,
) -> None:
    """Xuất báo cáo Word (.docx) và phụ lục Excel (.xlsx) từ tệp số liệu.

    DATA có thể là một hoặc nhiều tệp, hoặc thư mục chứa các tệp .yaml/.json."""
    from .api import data_files, render_many

    if edited is not None:
        if len(data) != 1 or watch or pdf:
            raise click.UsageError(
                "--cap-nhat dùng với đúng một tệp số liệu, không kèm --watch, --pdf"
            )
        target = Path(out_dir) / f"{edited.stem}_cap_nhat.docx" if out_dir else None
        _update(edited, data[0], target, force, strict, so_lieu, template)
        return

    options = {
        "template": template,
        "template_xlsx": template_xlsx,
        "force": force,
        "strict": strict,
        "pdf": pdf,
        "so_lieu": so_lieu,
    }
    if watch:
        from .watch import watch_and_render

        gc.enable()  # a long-running process
        watch_and_render(list(data), out_dir, options, echo=click.echo)
        return
    with _progress_bar(len(data_files(list(data))), "Đang xuất") as progress:
        results = render_many(list(data), out_dir, jobs=jobs, progress=progress, **options)
    if obj["debug"]:
        for result in results:
            if isinstance(result, BaocaoError):
                raise result
    ok = _report_results(results, brief=len(results) >= BRIEF_FROM)
    if len(results) > 1:
        _summary(results)
    if not ok:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("data", nargs=-1, required=True, type=DATA)
@SO_LIEU
@STRICT
@click.option("--all", "show_all", is_flag=True, help="In mọi lỗi và cảnh báo (mặc định: 50 đầu).")
def check(data: tuple[Path, ...], so_lieu: Path | None, strict: bool, show_all: bool) -> None:
    """Kiểm tra tệp số liệu, in lỗi và cảnh báo (mã thoát 0 khi không có lỗi).

    Mỗi tệp in tối đa 50 vấn đề đầu (--all: in hết), rồi một dòng tổng kết."""
    from .api import check_data, collect_between_files, data_files

    failed = False
    for done, path in enumerate(data_files(list(data))):
        if done:
            collect_between_files(done)
        result = check_data(path, so_lieu=so_lieu)
        _print_problems(result.problems, None if show_all else SHOWN_PROBLEMS)
        _print_problems(result.cleared)
        errors, warnings = len(result.errors), len(result.warnings)
        status = "đạt" if result.ok(strict) else "không đạt"
        click.echo(f"{path}: {status} ({_count(errors)} lỗi, {_count(warnings)} cảnh báo)")
        failed |= not result.ok(strict)
    if failed:
        raise click.exceptions.Exit(1)


@cli.command("phu-luc")
@click.argument("data", type=DATA)
@click.option(
    "-o",
    "--output",
    metavar="TỆP|THƯ_MỤC",
    help="Tệp ghi ra (.xlsx, hoặc .docx với --docx), hoặc thư mục (mặc định: "
    "TÊN_phu_luc.xlsx, hoặc .docx, cạnh tệp số liệu).",
)
@click.option(
    "--docx",
    "as_docx",
    is_flag=True,
    help='Xuất Phụ lục riêng bằng Word (có dòng "Kèm theo …") thay cho Excel.',
)
@TEMPLATE_XLSX
@SO_LIEU
@FORCE
@STRICT
def phu_luc(
    data: Path,
    output: str | None,
    as_docx: bool,
    template_xlsx: Path | None,
    so_lieu: Path | None,
    force: bool,
    strict: bool,
) -> None:
    """Xuất riêng bảng Phụ lục thành tệp Excel (.xlsx) hoặc Word (--docx) để in và gửi."""
    from .api import write_phu_luc

    result = write_phu_luc(
        data,
        output,
        force=force,
        strict=strict,
        so_lieu=so_lieu,
        docx=as_docx,
        template_xlsx=template_xlsx,
    )
    _report_results([result])


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ghi ra tệp thay vì in ra màn hình.",
)
@click.option(
    "--danh-muc",
    "catalog",
    is_flag=True,
    help="In JSON Schema của tệp danh mục chỉ tiêu (biểu mẫu Phụ lục) thay cho tệp số liệu.",
)
def schema(output: Path | None, catalog: bool) -> None:
    """In JSON Schema của tệp số liệu (cho trình soạn thảo gợi ý và kiểm tra)."""
    if output:
        from .api import write_schema

        click.echo(f"Đã ghi: {write_schema(output, catalog)}")
        return
    from .api import schema_text

    click.echo(schema_text(catalog))


@cli.command("danh-muc")
@click.argument("catalog", required=False)
def danh_muc(catalog: str | None) -> None:
    """Liệt kê các danh mục chỉ tiêu có sẵn, hoặc các chỉ tiêu của một danh mục."""
    from .catalog import catalog_listing, load_catalog, shipped_catalogs

    if catalog is None:
        for name, path in shipped_catalogs().items():
            spec = load_catalog(str(path)).spec
            click.echo(f"{name}\t{spec.mo_ta or spec.tieu_de}")
        return
    for line in catalog_listing(load_catalog(catalog, Path.cwd())):
        click.echo(line)


def _update(
    edited: Path,
    data: Path,
    output: Path | None,
    force: bool,
    strict: bool,
    so_lieu: Path | None,
    template: Path | None,
) -> None:
    from .cap_nhat import update_report

    result = update_report(
        edited, data, output, force=force, strict=strict, so_lieu=so_lieu, template=template
    )
    _print_problems(result.warnings)
    for line in result.lines():
        click.echo(line)
    for backup in result.backups:
        click.echo(f"Đã giữ bản cũ: {backup}")
    click.echo(f"Đã ghi: {result.output}")


@cli.command("cap-nhat")
@click.argument("edited", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data", type=DATA)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Tệp Word mới (mặc định: TÊN_cap_nhat.docx cạnh tệp đã sửa).",
)
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mẫu Word riêng đã dùng khi xuất báo cáo.",
)
@SO_LIEU
@click.option(
    "--force",
    is_flag=True,
    help="Thay cả giá trị đã sửa tay; cho phép ghi đè (bản cũ giữ thành TÊN.bak.docx).",
)
@STRICT
def cap_nhat(
    edited: Path,
    data: Path,
    output: Path | None,
    template: Path | None,
    so_lieu: Path | None,
    force: bool,
    strict: bool,
) -> None:
    """Cập nhật số liệu mới vào báo cáo Word đã sửa tay, giữ nguyên mọi chỗ sửa.

    Chỉ các giá trị lấy từ số liệu (con số, số và ngày văn bản trích dẫn, số, ngày, trích yếu,
    người ký, ô Phụ lục) được thay; in ra từng giá trị cũ → mới và chỗ của nó."""
    _update(edited, data, output, force, strict, so_lieu, template)


@cli.command()
@click.argument("old", type=DATA)
@click.argument("new", type=DATA, required=False)
@SO_LIEU
def diff(old: Path, new: Path | None, so_lieu: Path | None) -> None:
    """So sánh hai tệp số liệu: số liệu, văn bản đã đổi và các đoạn văn, chú thích bị ảnh hưởng.

    Với --so-lieu, bản mới lấy số liệu từ sổ nhập (bỏ NEW: xem sổ nhập đổi gì so với OLD).
    OLD là báo cáo Word (.docx) đã sửa tay: in những gì `cap-nhat` sẽ thay, không ghi gì."""
    from .diff import diff_reports

    if new is None and so_lieu is None:
        raise click.UsageError("thiếu tệp mới NEW (hoặc --so-lieu SỔ_NHẬP.xlsx)")
    if old.suffix.lower() == ".docx":
        from .cap_nhat import update_report

        result = update_report(old, new or so_lieu, write=False, so_lieu=so_lieu)
        _print_problems(result.warnings)
        for line in result.lines():
            click.echo(line)
        return
    for line in diff_reports(old, new, so_lieu=so_lieu).lines():
        click.echo(line)


@cli.command("mau-nhap")
@click.argument("source")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Tệp sổ nhập .xlsx ghi ra.",
)
@click.option("--force", is_flag=True, help="Ghi đè sổ nhập đã điền (giữ bản .bak.xlsx).")
def mau_nhap(source: str, output: Path, force: bool) -> None:
    """Tạo sổ nhập số liệu Excel từ một danh mục chỉ tiêu hoặc một tệp số liệu (điền sẵn).

    SOURCE là mã danh mục (xem `baocao danh-muc`), tệp danh mục .yaml, hoặc tệp số liệu."""
    from .entry import write_entry_workbook

    click.echo(f"Đã ghi: {write_entry_workbook(source, output, force=force)}")
    click.echo("Điền số liệu vào cột Số liệu rồi chạy: baocao render " + str(output))


@cli.group()
def template() -> None:
    """Mẫu Word/Excel: chép ra để sửa, kiểm tra mẫu đã sửa."""


@template.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Ghi đè các tệp đã có.")
def template_export(folder: Path, force: bool) -> None:
    """Chép các mẫu có sẵn (Word, Excel) vào thư mục FOLDER để chỉnh sửa."""
    from .template_tools import export_templates

    for path in export_templates(folder, force=force):
        click.echo(f"Đã ghi: {path}")
    click.echo(
        "Sửa mẫu rồi dùng: baocao render DATA --template TỆP_MẪU.docx --template-xlsx "
        "TỆP_MẪU.xlsx (kiểm tra trước: baocao template check TỆP_MẪU)"
    )


@template.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def template_check(file: Path) -> None:
    """Kiểm tra mẫu Word (.docx: thẻ sai, thẻ không có trong dữ liệu, thẻ nội dung bị thiếu)
    hoặc mẫu Excel của Phụ lục (.xlsx)."""
    from .template_tools import check_template, template_ok

    problems = check_template(file)
    _print_problems(problems)
    ok = template_ok(problems)
    click.echo(f"{file}: {'đạt' if ok else 'không đạt'} ({len(problems)} vấn đề)")
    if not ok:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--cap",
    type=click.Choice(["huyen", "xa", "so"]),
    default="huyen",
    show_default=True,
    help="Cấp đơn vị: huyen (UBND cấp huyện), xa (UBND cấp xã), so (Sở, ngành).",
)
@click.option("--force", is_flag=True, help="Ghi đè nếu tệp đã có.")
def init(file: Path, cap: str, force: bool) -> None:
    """Tạo tệp số liệu mẫu có sẵn dàn ý cải cách hành chính và chú thích từng trường."""
    from .skeleton import write_skeleton

    click.echo(f"Đã ghi: {write_skeleton(file, cap, force=force)}")


@cli.command("tong-hop")
@click.argument("inputs", nargs=-1, required=True, type=DATA)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Bảng tổng hợp Excel (.xlsx) ghi ra.",
)
@click.option(
    "--danh-sach",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Danh sách đơn vị phải báo cáo (YAML): đơn vị chưa gửi được liệt kê riêng.",
)
@click.option(
    "--data-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ghi thêm tệp số liệu (.yaml) của đơn vị tổng hợp, điền sẵn số tổng hợp.",
)
@FORCE
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(0, 64),
    default=0,
    help="Số tiến trình đọc tệp (mặc định: số lõi CPU).",
)
def tong_hop(
    inputs: tuple[Path, ...],
    output: Path | None,
    danh_sach: Path | None,
    data_out: Path | None,
    force: bool,
    jobs: int,
) -> None:
    """Tổng hợp số liệu phụ lục của nhiều đơn vị (cùng danh mục, cùng kỳ) thành một bảng.

    INPUTS là tệp số liệu .yaml/.json, sổ nhập .xlsx, hoặc thư mục chứa chúng."""
    from .formatting import ky
    from .tonghop import tong_hop as run

    if output is None and data_out is None:
        raise click.UsageError("cần -o TỆP.xlsx (bảng tổng hợp) hoặc --data-out TỆP.yaml")
    result = run(
        list(inputs), output, danh_sach=danh_sach, data_out=data_out, force=force, jobs=jobs
    )
    catalogs = ", ".join(
        a.catalog.spec.ma + (f" ({a.heading})" if a.heading else "") for a in result.appendices
    )
    click.echo(f"Tổng hợp {len(result.units)} đơn vị, {ky(result.period)}, danh mục {catalogs}.")
    for failed in result.failed:
        what = f"{failed.appendix} " if failed.appendix else ""
        click.echo(f"Chưa tổng hợp {what}(tệp có lỗi): {failed.name or failed.source}", err=True)
        for problem in failed.first_problems:
            click.echo(f"  {problem}", err=True)
    for appendix in result.appendices:
        if appendix.absent:
            click.echo(f"Không có {appendix.heading}: {', '.join(appendix.absent)}")
    if result.missing:
        click.echo(f"Chưa gửi số liệu ({len(result.missing)}): {', '.join(result.missing)}")
    if result.unlisted:
        click.echo(f"Không có trong danh sách (vẫn tổng hợp): {', '.join(result.unlisted)}")
    _print_problems(result.problems)
    for backup in result.backups:
        click.echo(f"Đã giữ bản cũ: {backup}")
    for path in result.outputs:
        click.echo(f"Đã ghi: {path}")
    if result.failed:
        raise click.exceptions.Exit(1)


@cli.command("so-sanh")
@click.argument("ky_truoc", type=DATA)
@click.argument("ky_nay", type=DATA)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ghi bảng so sánh ra tệp Excel (.xlsx); không có thì in ra màn hình.",
)
@FORCE
def so_sanh(ky_truoc: Path, ky_nay: Path, output: Path | None, force: bool) -> None:
    """So sánh số liệu của một đơn vị giữa kỳ trước (KY_TRUOC) và kỳ này (KY_NAY)."""
    from .catalog import shown
    from .formatting import ky
    from .sosanh import so_sanh as run

    result = run(ky_truoc, ky_nay, output, force=force)
    for note in result.notes:
        click.echo(f"Lưu ý: {note}", err=True)
    click.echo(f"{result.name}: {ky(result.after_period)} so với {result.period}")
    for row in result.rows:
        if row.change is None:
            continue
        if row.change == 0:
            change = "không đổi"
        else:
            change = ("+" if row.change > 0 else "") + shown(row.change)
            if row.percent is not None:
                change += f"; {'+' if row.percent > 0 else ''}{shown(row.percent)}%"
        click.echo(f"  {row.where}: {shown(row.before)} → {shown(row.after)} ({change})")
    for title, items in (
        ("Chỉ có số liệu ở kỳ trước", result.only_before),
        ("Chỉ có số liệu ở kỳ này", result.only_after),
    ):
        if items:
            click.echo(f"{title} ({len(items)}):")
            for row in items:
                click.echo(f"  {row.where}")
    for backup in result.backups:
        click.echo(f"Đã giữ bản cũ: {backup}")
    for path in result.outputs:
        click.echo(f"Đã ghi: {path}")


@cli.group(invoke_without_command=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Địa chỉ nghe; 0.0.0.0 để máy khác trong mạng truy cập (máy chủ dùng chung).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Cổng; mặc định chọn một cổng còn trống.",
)
@click.option(
    "--db",
    metavar="URL",
    help="Cơ sở dữ liệu: postgresql://người_dùng:mật_khẩu@máy/tên hoặc sqlite:///tệp; "
    "mặc định SQLite trong thư mục dữ liệu của người dùng.",
)
@click.option(
    "--shared",
    is_flag=True,
    help="Máy chủ dùng chung có tài khoản (tự bật khi --host không phải 127.0.0.1).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục dữ liệu (cơ sở dữ liệu SQLite, khóa bí mật, bộ nhớ đệm).",
)
@click.option("--no-browser", is_flag=True, help="Không tự mở trình duyệt.")
@click.option(
    "--no-https",
    is_flag=True,
    help="Máy chủ dùng chung chưa có HTTPS (chỉ để dùng thử trong mạng nội bộ): cookie đăng "
    "nhập được gửi cả qua http.",
)
@click.pass_context
def web(
    ctx: click.Context,
    host: str,
    port: int,
    db: str | None,
    shared: bool,
    data_dir: Path | None,
    no_browser: bool,
    no_https: bool,
) -> None:
    """Chạy ứng dụng web: lập, kiểm tra, xem trước và tải báo cáo trong trình duyệt."""
    try:
        import django  # noqa: F401
        import waitress  # noqa: F401
    except ImportError:
        raise BaocaoError(
            'chưa cài phần web (Django); cài bằng: pip install "baocao[web]" (hoặc make install)'
        ) from None
    from .web import server

    if db and not db.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise click.BadParameter(
            "dùng postgresql://người_dùng:mật_khẩu@máy/tên hoặc sqlite:///đường/dẫn/tệp",
            param_hint="--db",
        )
    shared = shared or host not in ("127.0.0.1", "localhost", "::1")
    server.configure(db, shared, data_dir, no_https)
    if ctx.invoked_subcommand is not None:
        return
    from django.db import DatabaseError

    try:
        server.migrate()
    except DatabaseError as exc:
        raise BaocaoError(f"không mở được cơ sở dữ liệu {db or ''}: {exc}".strip()) from None
    if shared:
        from django.contrib.auth import get_user_model

        if not get_user_model().objects.filter(is_superuser=True).exists():
            click.echo(
                "Chưa có tài khoản quản trị: tạo bằng  baocao web "
                + (f"--db {db} " if db else "")
                + (f"--data-dir {data_dir} " if data_dir else "")
                + "quan-tri createsuperuser"
            )
    gc.enable()  # a long-running process: Group.main turned the collector off for one-shot runs
    server.serve(host, port or server.free_port(host), open_browser=not no_browser and not shared)


@web.command("quan-tri", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def web_admin(args: tuple[str, ...]) -> None:
    """Lệnh quản trị Django: migrate, createsuperuser, import_units TỆP.csv, changepassword…"""
    from .web import server

    server.manage(list(args))


def main() -> None:
    """The `baocao` program (setup.cfg's entry point, ``python -m generator``). Once the
    command has run and its output is flushed, the process ends without the interpreter's
    teardown: that would collect every reference cycle of the imported libraries, about a
    fifth of a one-off render. Files are already closed: outputs are written with fsync. The
    exit handlers still run (temporary folders, worker pools, a LibreOffice child)."""
    try:
        cli(prog_name="baocao")
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    atexit._run_exitfuncs()  # what the teardown would have run first, in the same order
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started without it (closed descriptor, pythonw): nothing to flush
            continue
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (baocao … | head)
            stream.flush()
    os._exit(code or 0)
