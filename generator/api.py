"""The library API: everything the CLI does is one call here.

from generator import check_data, render_report, write_phu_luc
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import (
    OUT_OF_MEMORY,
    WORKER_GONE,
    BaocaoError,
    DataError,
    OutputError,
    Problem,
    ProblemList,
    ToolMissingError,
)
from .loader import LoadedFile

if TYPE_CHECKING:  # multiprocessing is imported only for a batch
    from concurrent.futures import Future, ProcessPoolExecutor

DATA_SUFFIXES = (".yaml", ".yml", ".json")
FULL_COLLECTION_EVERY = 64  # files between full garbage collections in a batch


@dataclass
class CheckResult:
    """What `baocao check` found: every problem of the file, errors and warnings."""

    path: Path
    problems: list[Problem]
    # figures a merged workbook's empty cells cleared (`--so-lieu`): said, not problems
    cleared: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def ok(self, strict: bool = False) -> bool:
        return not (self.problems if strict else self.errors)


@dataclass
class RenderResult:
    """What rendering one data file did: the files written, backups kept, warnings, notes."""

    source: Path
    outputs: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: bool = False  # written, but something asked for (a PDF) could not be made
    pdf_error: BaocaoError | None = None  # why the PDF asked for could not be made


@dataclass
class _Prepared:
    """A data file loaded, validated and composed, with every input its outputs depend on."""

    loaded: LoadedFile
    report: Any
    composition: Any
    problems: ProblemList
    inputs: list[bytes]


def _prepare(path: Path, so_lieu: Path | None = None, marks: bool = False) -> _Prepared:
    """Load, validate and compose; all problems collected (raises only on unreadable input)."""
    from .compose import compose
    from .intake import load_source
    from .validate import validate_model

    loaded, inputs = load_source(path, so_lieu)
    problems = ProblemList(loaded.name)
    problems.items.extend(loaded.notes)
    report = validate_model(loaded, "BaoCao", problems)
    composition = None
    if report is not None:
        composition = compose(report, loaded, problems, base_dir=path.parent, marks=marks)
        for figures in composition.all_figures:
            inputs.append(Path(figures.catalog.source).read_bytes())
        if composition.previous is not None:
            inputs.append(composition.previous.source.read_bytes())
    return _Prepared(loaded, report, composition, problems, inputs)


def check_data(path: str | Path, so_lieu: str | Path | None = None) -> CheckResult:
    """Validate a data file and its figures; returns every problem (never raises for data)."""
    path = Path(path)
    try:
        prepared = _prepare(path, Path(so_lieu) if so_lieu else None)
    except BaocaoError as exc:
        return CheckResult(path, exc.problems)
    return CheckResult(path, prepared.problems.items, prepared.loaded.cleared)


def load_report(
    path: str | Path,
    strict: bool = False,
    so_lieu: str | Path | None = None,
    marks: bool = False,
):
    """The composed report (what would be printed); DataError listing every problem. With
    ``marks``, its values carry the marks the Word writer turns into bookmarks."""
    prepared = _prepare(Path(path), Path(so_lieu) if so_lieu else None, marks)
    prepared.problems.raise_if_errors(DataError, strict=strict)
    return prepared.composition


def _fingerprint(prepared: _Prepared, template: Path) -> str:
    from .output import fingerprint_of

    return fingerprint_of(__version__.encode(), *prepared.inputs, template.read_bytes())


# Names a user may give -o that are files of another kind, not folders
OTHER_FILE_SUFFIXES = {
    ".docx", ".doc", ".odt", ".xlsx", ".xlsm", ".xls", ".ods", ".pdf",
    ".yaml", ".yml", ".json", ".csv", ".txt",
}  # fmt: skip


def _is_folder(output: str | Path) -> bool:
    return Path(output).is_dir() or str(output).endswith(("/", os.sep))


def _refuse_output(output: str | Path, wanted: str, what: str) -> None:
    """-o names an existing file, or a file of the wrong kind: refused in Vietnamese."""
    suffix = Path(output).suffix.lower()
    if Path(output).exists():
        problem = "đã có một tệp tên này"
    elif suffix in OTHER_FILE_SUFFIXES:
        problem = f"{what} không ghi ra tệp {suffix}"
    else:
        return
    raise OutputError(f"{problem}: -o cần một thư mục, hoặc tên tệp {wanted}", file=str(output))


def output_paths(source: Path, output: str | Path | None, many: bool = False) -> tuple[Path, Path]:
    """The DOCX and XLSX a data file renders to: beside it, in the folder ``output``, or
    under the name ``output`` when it ends in .docx (the Phụ lục then is NAME_phu_luc.xlsx
    beside it)."""
    if output is None:
        folder, stem = source.parent, source.stem
    elif Path(output).suffix.lower() == ".docx" and not _is_folder(output):
        if many:
            raise OutputError(
                "-o TÊN.docx chỉ dùng khi xuất một tệp số liệu; khi xuất nhiều tệp, -o là "
                "một thư mục",
                file=str(output),
            )
        folder, stem = Path(output).parent, Path(output).stem
    else:
        if not _is_folder(output):
            _refuse_output(output, ".docx", "báo cáo (Word)")
        folder, stem = Path(output), source.stem
    return folder / f"{stem}.docx", folder / f"{stem}_phu_luc.xlsx"


def phu_luc_path(source: Path, output: str | Path | None, suffix: str = ".xlsx") -> Path:
    """Where `phu-luc` writes: NAME_phu_luc.xlsx (.docx) beside the data or in the folder
    ``output``, or the file ``output`` when it ends in the suffix."""
    name = f"{source.stem}_phu_luc{suffix}"
    if output is None:
        return source.parent / name
    if Path(output).suffix.lower() == suffix and not _is_folder(output):
        return Path(output)
    if not _is_folder(output):
        kind = "Word" if suffix == ".docx" else "Excel"
        _refuse_output(output, suffix, f"phụ lục ({kind})")
    return Path(output) / name


@dataclass
class _Plan:
    """A report rendered in memory: what would be written, nothing written yet."""

    result: RenderResult
    outputs: list[Any]  # output_set.Output, the DOCX (or the Phụ lục alone) first
    pdf: Path | None = None  # the PDF to make from the DOCX, when asked


def _plan_report(
    source: Path,
    output: str | Path | None,
    *,
    template: str | Path | None = None,
    template_xlsx: str | Path | None = None,
    strict: bool = False,
    pdf: bool = False,
    so_lieu: str | Path | None = None,
    many: bool = False,
) -> _Plan:
    from .docx_render import render_docx
    from .output import stamp
    from .output_set import Output

    docx_path, xlsx_path = output_paths(source, output, many)
    prepared = _prepare(source, Path(so_lieu) if so_lieu else None, marks=True)
    prepared.problems.raise_if_errors(DataError, strict=strict)
    composition = prepared.composition
    docx_template = _template(template, "docx")
    fingerprint = _fingerprint(prepared, docx_template)
    outputs = [Output(docx_path, render_docx(composition, docx_template, fingerprint))]
    if composition.appendix is not None:
        from .xlsx_render import render_xlsx

        xlsx_template = _template(template_xlsx, "xlsx")
        workbook = render_xlsx(composition, xlsx_template)
        outputs.append(Output(xlsx_path, stamp(workbook, _fingerprint(prepared, xlsx_template))))
    result = RenderResult(source, warnings=prepared.problems.warnings)
    result.notes += [str(p) for p in prepared.loaded.cleared]
    return _Plan(result, outputs, docx_path.with_suffix(".pdf") if pdf else None)


def _template(given: str | Path | None, kind: str) -> Path:
    """The user's template (``given``) or the shipped one of ``kind`` ("docx", "xlsx")."""
    from .templates import shipped_template, user_template

    if given is None:
        return shipped_template(kind)
    return user_template(given)


def _commit(plans: list[_Plan], force: bool) -> list[RenderResult | BaocaoError]:
    """Write each plan's outputs as one set (see output_set): lock and check every set, make
    the PDFs asked for in one LibreOffice run, then write. A set that cannot be written is
    returned as its error; the others are written."""
    from .output_set import Output, check_targets, hide, locked, pdf_record, write_set

    answers: list[RenderResult | BaocaoError] = [plan.result for plan in plans]
    with contextlib.ExitStack() as stack:
        ready = []
        for index, plan in enumerate(plans):
            targets = [o.path for o in plan.outputs] + ([plan.pdf] if plan.pdf else [])
            try:
                stack.enter_context(locked(targets))
                ready.append((index, plan, check_targets(targets, force)))
            except BaocaoError as exc:
                answers[index] = exc
        pdfs, pdf_error = _make_pdfs([plan for _, plan, _ in ready if plan.pdf])
        for index, plan, checked in ready:
            outputs, records = list(plan.outputs), []
            made = pdfs.get(id(plan))
            if made is not None:
                outputs.append(Output(plan.pdf, made))
                records.append(pdf_record(plan.pdf, made))
            written = {o.path for o in outputs}
            checked.backups = [(old, bak) for old, bak in checked.backups if old in written]
            try:
                plan.result.backups += write_set(outputs + records, checked)
            except BaocaoError as exc:
                answers[index] = exc
                continue
            for record in records:
                hide(record.path)
            plan.result.outputs += [o.path for o in outputs]
        if pdf_error is not None:
            failed = next((a for a in answers if isinstance(a, RenderResult)), None)
            if failed is not None:
                failed.notes.append(str(pdf_error))
                failed.failed = True
                failed.pdf_error = pdf_error
    if any(plan.pdf for plan in plans) and pdf_error is None and ready:
        _warn_about_fonts(ready[0][1].result)
    return answers


def _make_pdfs(plans: list[_Plan]) -> tuple[dict[int, bytes], BaocaoError | None]:
    """The PDF of each plan's DOCX (one LibreOffice run), or why none could be made."""
    if not plans:
        return {}, None
    from .pdf import convert_bytes

    try:
        made = convert_bytes([plan.outputs[0].data for plan in plans])
    except ToolMissingError as exc:
        return {}, exc
    except BaocaoError as exc:
        return {}, OutputError(
            f"{exc.message}; tệp Word/Excel vẫn được ghi, chưa có PDF", file=exc.file
        )
    return {id(plan): data for plan, data in zip(plans, made, strict=True)}, None


def render_report(
    path: str | Path,
    out_dir: str | Path | None = None,
    *,
    template: str | Path | None = None,
    template_xlsx: str | Path | None = None,
    force: bool = False,
    strict: bool = False,
    pdf: bool = False,
    so_lieu: str | Path | None = None,
) -> RenderResult:
    """Write the BÁO CÁO (.docx) and, when the report has one, its Phụ lục (.xlsx), and with
    ``pdf`` the PDF of the DOCX.

    Outputs go beside the data file, or into the folder ``out_dir``, as NAME.docx,
    NAME_phu_luc.xlsx and NAME.pdf; an ``out_dir`` ending in .docx names the DOCX itself.
    They are written as one set or not at all: a file edited by hand since it was generated,
    or not made by baocao, is kept (OutputError) unless ``force`` (then kept as NAME.bak.*).
    When the PDF cannot be made (no LibreOffice), the DOCX and XLSX are written and the
    error is raised after.
    """
    plan = _plan_report(
        Path(path),
        out_dir,
        template=template,
        template_xlsx=template_xlsx,
        strict=strict,
        pdf=pdf,
        so_lieu=so_lieu,
    )
    (answer,) = _commit([plan], force)
    if isinstance(answer, BaocaoError):
        raise answer
    if answer.pdf_error is not None:  # the DOCX and XLSX are written; the PDF is not
        raise answer.pdf_error
    return answer


def write_phu_luc(
    path: str | Path,
    output: str | Path | None = None,
    *,
    force: bool = False,
    strict: bool = False,
    so_lieu: str | Path | None = None,
    docx: bool = False,
    template_xlsx: str | Path | None = None,
) -> RenderResult:
    """Write the Phụ lục alone: an Excel workbook, or with ``docx`` a Word document for
    offices that send the appendix as a file of its own: NAME_phu_luc.xlsx (.docx) beside
    the data file or in the folder ``output``, or the file ``output`` when it ends in .xlsx
    (.docx)."""
    from .output import stamp
    from .output_set import Output
    from .templates import shipped_template

    source = Path(path)
    target = phu_luc_path(source, output, ".docx" if docx else ".xlsx")
    prepared = _prepare(source, Path(so_lieu) if so_lieu else None)
    prepared.problems.raise_if_errors(DataError, strict=strict)
    if prepared.composition.appendix is None:
        raise DataError(
            "báo cáo không có phụ lục (thiếu phu_luc với danh_muc và so_lieu)",
            file=prepared.loaded.name,
            path="phu_luc",
        )
    if docx:
        from .docx_render import render_appendix_docx

        template = shipped_template("docx")
        data = render_appendix_docx(
            prepared.composition, template, _fingerprint(prepared, template)
        )
    else:
        from .xlsx_render import render_xlsx

        template = _template(template_xlsx, "xlsx")
        data = stamp(render_xlsx(prepared.composition, template), _fingerprint(prepared, template))
    result = RenderResult(source, warnings=prepared.problems.warnings)
    result.notes += [str(p) for p in prepared.loaded.cleared]
    plan = _Plan(result, [Output(target, data)])
    (answer,) = _commit([plan], force)
    if isinstance(answer, BaocaoError):
        raise answer
    return answer


def data_files(paths: list[str | Path]) -> list[Path]:
    """The data files named, with folders expanded to the data files they hold; a folder
    without any is an error (a run that does nothing must not look like success)."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith(".")
            )
            if not inside:
                raise DataError(
                    "thư mục không có tệp số liệu nào (.yaml, .yml, .json)", file=str(path)
                )
            found.extend(inside)
        else:
            found.append(path)
    return found


def collect_between_files(done: int) -> None:
    """With the cyclic collector off (one-shot CLI, batch workers), free a file's garbage
    cycles: a young collection after each file, a full one every 64 (one per file was slower)."""
    if gc.isenabled():
        return
    gc.collect(0 if done % FULL_COLLECTION_EVERY else 2)


_rendered_here = 0  # files rendered by this process in a batch


def _plan_in_batch(args: tuple[Path, str | Path | None, dict[str, Any]]) -> _Plan | BaocaoError:
    global _rendered_here
    if _rendered_here:  # between files only: after the last one the process exits
        collect_between_files(_rendered_here)
    _rendered_here += 1
    return _plan_one(args)


def _plan_one(args: tuple[Path, str | Path | None, dict[str, Any]]) -> _Plan | BaocaoError:
    source, output, options = args
    try:
        return _plan_report(source, output, **options)
    except BaocaoError as exc:
        return exc
    except MemoryError:
        return BaocaoError(OUT_OF_MEMORY, file=str(source))
    except OSError as exc:  # a file gone or unreadable while rendering: said as the CLI says it
        from .loader import os_reason

        return BaocaoError(
            f"không thực hiện được ({os_reason(exc)})", file=str(exc.filename or source)
        )
    except Exception as exc:  # a bug must not stop the other files of a folder
        return BaocaoError(
            f"lỗi không mong đợi khi xuất tệp này ({exc.__class__.__name__}: {exc}); hãy báo "
            "cho người phát triển",
            file=str(source),
        )


def render_many(
    paths: list[str | Path],
    out_dir: str | Path | None = None,
    *,
    jobs: int = 0,
    pdf: bool = False,
    force: bool = False,
    progress: Callable[[RenderResult | BaocaoError], None] | None = None,
    **options: Any,
) -> list[RenderResult | BaocaoError]:
    """Render several data files (folders expanded); failures are returned, not raised, so one
    bad file does not stop the others. ``jobs`` processes render (0: one per CPU); each
    report's files are then written as one set, and with ``pdf`` every PDF is made in a
    single LibreOffice run first. ``progress`` is called with each file's result as it
    comes (a progress bar)."""
    sources = data_files(paths)
    many = len(sources) > 1
    if many:
        output_paths(sources[0], out_dir, many=True)  # -o NAME.docx with several files
    sources, clashes = _without_clashes(sources, out_dir)
    work = [(source, out_dir, {**options, "pdf": pdf, "many": many}) for source in sources]
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(work) < 4:
        results = _write_planned(map(_plan_in_batch, work), force, pdf, progress)
    else:
        from concurrent.futures import ProcessPoolExecutor  # multiprocessing: ~20 ms to import
        from concurrent.futures.process import BrokenProcessPool

        helpers = min(workers, len(work)) - 1  # this process is the other one
        with ProcessPoolExecutor(max_workers=helpers, initializer=gc.disable) as pool:
            planned = _plan_alongside(work, pool, helpers)
            try:
                results = _write_planned(planned, force, pdf, progress)
            except BaseException as exc:  # Ctrl+C, SIGTERM: the files not started are not
                # rendered and the workers have stopped before this returns: cli.main runs the
                # exit handlers early, which would stop the pool's queue under a worker's feet
                pool.shutdown(wait=True, cancel_futures=True)
                if isinstance(exc, BrokenProcessPool):  # a worker killed (out of memory)
                    raise BaocaoError(WORKER_GONE) from None
                raise
    return results + clashes


def _plan_alongside(
    work: list[tuple[Path, str | Path | None, dict[str, Any]]],
    pool: ProcessPoolExecutor,
    helpers: int,
) -> Iterator[_Plan | BaocaoError]:
    """The plans of ``work``, in order, rendered by the ``helpers`` processes of ``pool`` and
    by this one: a parent that only waited and wrote files would hold its memory for nothing
    (with ``-j 2``, three processes instead of two). The workers are kept two files ahead
    each; while the next file in order is still with a worker, this process renders the
    first file no one has taken."""
    queued: dict[int, Future[_Plan | BaocaoError]] = {}  # index → a worker's plan
    ready: dict[int, _Plan | BaocaoError] = {}  # made, waiting for their turn
    taken = 0  # files 0 … taken-1 are queued, ready or yielded
    for index in range(len(work)):
        while index not in ready:
            while taken < len(work) and sum(not f.done() for f in queued.values()) < 2 * helpers:
                queued[taken] = pool.submit(_plan_in_batch, work[taken])
                taken += 1
            if queued[index].done() or taken == len(work):
                ready[index] = queued.pop(index).result()
            else:
                ready[taken] = _plan_in_batch(work[taken])
                taken += 1
        yield ready.pop(index)


def _write_planned(
    planned: Iterable[_Plan | BaocaoError],
    force: bool,
    pdf: bool,
    progress: Callable[[RenderResult | BaocaoError], None] | None,
) -> list[RenderResult | BaocaoError]:
    """Write each report as it is rendered (a batch never holds every report's bytes at
    once); with ``pdf``, all together, after one LibreOffice run for every PDF. ``progress``
    hears of each result as it comes."""
    if pdf:
        everything = list(planned)
        plans = [p for p in everything if isinstance(p, _Plan)]
        written = iter(_commit(plans, force))
        answers: Iterable[RenderResult | BaocaoError] = (
            next(written) if isinstance(p, _Plan) else p for p in everything
        )
    else:
        answers = (_commit([p], force)[0] if isinstance(p, _Plan) else p for p in planned)
    collected = []
    for answer in answers:
        collected.append(answer)
        if progress is not None:
            progress(answer)
    return collected


def _without_clashes(
    sources: list[Path], out_dir: str | Path | None
) -> tuple[list[Path], list[BaocaoError]]:
    """Two data files that would write the same outputs (bc.yaml and bc.yml, or a/bc.yaml and
    b/bc.yaml into one folder): the first is rendered, the others are refused, not lost."""
    claimed: dict[Path, Path] = {}
    kept, refused = [], []
    for source in sources:
        docx = output_paths(source, out_dir, many=len(sources) > 1)[0].resolve()
        if docx in claimed:
            refused.append(
                DataError(
                    f"trùng tên kết quả với {claimed[docx]} (cùng ghi {docx.name}); đổi tên một "
                    "trong hai tệp hoặc xuất vào thư mục khác",
                    file=str(source),
                )
            )
        else:
            claimed[docx] = source
            kept.append(source)
    return kept, refused


def _warn_about_fonts(result: RenderResult) -> None:
    from .pdf import font_warning

    warning = font_warning()
    if warning:
        result.notes.append(warning)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of data files (for editors that complete and check YAML/JSON)."""
    from .model import BaoCao

    schema = BaoCao.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text(catalog: bool = False) -> str:
    """The JSON Schema of data files (or, ``catalog``, of catalog files) as printed."""
    import json

    schema = catalog_json_schema() if catalog else json_schema()
    return json.dumps(schema, ensure_ascii=False, indent=2)


def write_schema(path: str | Path, catalog: bool = False) -> Path:
    """Write ``schema_text`` to ``path``, atomically, into a folder that exists."""
    from .output import atomic_write, require_folder

    path = Path(path)
    require_folder(path)
    atomic_write(path, (schema_text(catalog) + "\n").encode())
    return path


def catalog_json_schema() -> dict[str, Any]:
    """The JSON Schema of catalog files (danh mục chỉ tiêu), for editors."""
    from .catalog_model import DanhMuc

    schema = DanhMuc.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Danh mục chỉ tiêu (biểu mẫu Phụ lục, baocao)"
    return schema
