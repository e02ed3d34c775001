"""The library API: everything the CLI does is one call here.

from generator import check_data, render_report, write_phu_luc
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import OUT_OF_MEMORY, BaocaoError, DataError, Problem, ProblemList
from .loader import LoadedFile

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
    source: Path
    outputs: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: bool = False  # written, but something asked for (a PDF) could not be made


@dataclass
class _Prepared:
    loaded: LoadedFile
    report: Any
    composition: Any
    problems: ProblemList
    inputs: list[bytes]


def _prepare(path: Path, so_lieu: Path | None = None, marks: bool = False) -> _Prepared:
    """Load, validate and compose; all problems collected (raises only on unreadable input)."""
    from .compose import compose
    from .intake import load_source
    from .model import BaoCao
    from .validate import validate_model

    loaded, inputs = load_source(path, so_lieu)
    problems = ProblemList(loaded.name)
    problems.items.extend(loaded.notes)
    report = validate_model(loaded, BaoCao, problems)
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


def output_paths(source: Path, out_dir: Path | None) -> tuple[Path, Path]:
    folder = out_dir if out_dir is not None else source.parent
    return folder / f"{source.stem}.docx", folder / f"{source.stem}_phu_luc.xlsx"


def render_report(
    path: str | Path,
    out_dir: str | Path | None = None,
    *,
    template: str | Path | None = None,
    force: bool = False,
    strict: bool = False,
    pdf: bool = False,
    so_lieu: str | Path | None = None,
) -> RenderResult:
    """Write the BÁO CÁO (.docx) and, when the report has one, its Phụ lục (.xlsx).

    Outputs go to ``out_dir`` (default: beside the data file) as NAME.docx and
    NAME_phu_luc.xlsx. Nothing is written unless every output can be: a file edited by hand
    since it was generated is kept (OutputError) unless ``force`` (then kept as NAME.bak.*).
    """
    from .docx_render import render_docx
    from .output import atomic_write, guard_overwrite, stamp
    from .templates import shipped_template

    source = Path(path)
    prepared = _prepare(source, Path(so_lieu) if so_lieu else None, marks=True)
    prepared.problems.raise_if_errors(DataError, strict=strict)
    composition = prepared.composition
    docx_template = Path(template) if template else shipped_template("docx")
    if not docx_template.is_file():
        from .errors import TemplateError

        raise TemplateError("không tìm thấy tệp mẫu", file=str(docx_template))
    docx_path, xlsx_path = output_paths(source, Path(out_dir) if out_dir else None)
    fingerprint = _fingerprint(prepared, docx_template)
    products = [(docx_path, render_docx(composition, docx_template, fingerprint))]
    if composition.appendix is not None:
        from .xlsx_render import render_xlsx

        xlsx_template = shipped_template("xlsx")
        products.append(
            (
                xlsx_path,
                stamp(
                    render_xlsx(composition, xlsx_template), _fingerprint(prepared, xlsx_template)
                ),
            )
        )
    result = RenderResult(source, warnings=prepared.problems.warnings)
    result.notes += [str(p) for p in prepared.loaded.cleared]
    for target, _ in products:  # refuse before writing anything
        backup = guard_overwrite(target, force)
        if backup:
            result.backups.append(backup)
    for target, data in products:
        atomic_write(target, data)
        result.outputs.append(target)
    if pdf:
        from .pdf import convert_to_pdf

        result.outputs.extend(convert_to_pdf([docx_path], force))  # errors after the writes
        _warn_about_fonts(result)
    return result


def write_phu_luc(
    path: str | Path,
    output: str | Path | None = None,
    *,
    force: bool = False,
    strict: bool = False,
    so_lieu: str | Path | None = None,
    docx: bool = False,
) -> RenderResult:
    """Write the Phụ lục alone: an Excel workbook (default NAME_phu_luc.xlsx beside the
    data), or with ``docx`` a Word document (NAME_phu_luc.docx) for offices that send the
    appendix as a file of its own."""
    from .output import atomic_write, guard_overwrite, stamp
    from .templates import shipped_template

    source = Path(path)
    prepared = _prepare(source, Path(so_lieu) if so_lieu else None)
    prepared.problems.raise_if_errors(DataError, strict=strict)
    if prepared.composition.appendix is None:
        raise DataError(
            "báo cáo không có phụ lục (thiếu phu_luc với danh_muc và so_lieu)",
            file=prepared.loaded.name,
            path="phu_luc",
        )
    default = output_paths(source, None)[1]
    if docx:
        from .docx_render import render_appendix_docx

        target = Path(output) if output else default.with_suffix(".docx")
        template = shipped_template("docx")
        data = render_appendix_docx(
            prepared.composition, template, _fingerprint(prepared, template)
        )
    else:
        from .xlsx_render import render_xlsx

        target = Path(output) if output else default
        template = shipped_template("xlsx")
        data = stamp(render_xlsx(prepared.composition, template), _fingerprint(prepared, template))
    result = RenderResult(source, warnings=prepared.problems.warnings)
    result.notes += [str(p) for p in prepared.loaded.cleared]
    backup = guard_overwrite(target, force)
    if backup:
        result.backups.append(backup)
    atomic_write(target, data)
    result.outputs.append(target)
    return result


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


def _render_in_batch(args: tuple[Path, Path | None, dict[str, Any]]) -> RenderResult | BaocaoError:
    global _rendered_here
    if _rendered_here:  # between files only: after the last one the process exits
        collect_between_files(_rendered_here)
    _rendered_here += 1
    return _render_one(args)


def _render_one(args: tuple[Path, Path | None, dict[str, Any]]) -> RenderResult | BaocaoError:
    source, out_dir, options = args
    try:
        return render_report(source, out_dir, **options)
    except BaocaoError as exc:
        return exc
    except MemoryError:
        return BaocaoError(OUT_OF_MEMORY, file=str(source))
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
    progress: Callable[[RenderResult | BaocaoError], None] | None = None,
    **options: Any,
) -> list[RenderResult | BaocaoError]:
    """Render several data files (folders expanded); failures are returned, not raised, so one
    bad file does not stop the others. ``jobs`` processes (0: one per CPU). With ``pdf``, every
    DOCX written is converted in a single LibreOffice run at the end. ``progress`` is called
    with each file's result as it comes (a progress bar)."""
    target = Path(out_dir) if out_dir else None
    sources, clashes = _without_clashes(data_files(paths), target)
    work = [(source, target, options) for source in sources]
    workers = jobs or os.cpu_count() or 1
    if workers == 1 or len(work) < 4:
        results = _reported(map(_render_in_batch, work), progress)
    else:
        from concurrent.futures import ProcessPoolExecutor  # multiprocessing: ~20 ms to import

        with ProcessPoolExecutor(
            max_workers=min(workers, len(work)), initializer=gc.disable
        ) as pool:
            chunk = max(1, len(work) // (workers * 8))
            results = _reported(pool.map(_render_in_batch, work, chunksize=chunk), progress)
    if pdf:
        _add_pdfs([r for r in results if isinstance(r, RenderResult)], options.get("force", False))
    return results + clashes


def _reported(
    results: Iterable[RenderResult | BaocaoError],
    progress: Callable[[RenderResult | BaocaoError], None] | None,
) -> list[RenderResult | BaocaoError]:
    collected = []
    for result in results:
        collected.append(result)
        if progress is not None:
            progress(result)
    return collected


def _without_clashes(
    sources: list[Path], out_dir: Path | None
) -> tuple[list[Path], list[BaocaoError]]:
    """Two data files that would write the same outputs (bc.yaml and bc.yml, or a/bc.yaml and
    b/bc.yaml into one folder): the first is rendered, the others are refused, not lost."""
    claimed: dict[Path, Path] = {}
    kept, refused = [], []
    for source in sources:
        docx = output_paths(source, out_dir)[0].resolve()
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


def _add_pdfs(results: list[RenderResult], force: bool) -> None:
    from .pdf import convert_to_pdf

    documents = [p for r in results for p in r.outputs if p.suffix == ".docx"]
    try:
        pdfs = {p.with_suffix(".docx"): p for p in convert_to_pdf(documents, force)}
    except BaocaoError as exc:  # LibreOffice missing or failing: the Word files stay written
        if results:
            results[-1].notes.append(str(exc))
            results[-1].failed = True
        return
    for result in results:
        result.outputs += [pdfs[p] for p in list(result.outputs) if p in pdfs]
    if results:
        _warn_about_fonts(results[0])


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


def catalog_json_schema() -> dict[str, Any]:
    """The JSON Schema of catalog files (danh mục chỉ tiêu), for editors."""
    from .catalog import DanhMuc

    schema = DanhMuc.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Danh mục chỉ tiêu (biểu mẫu Phụ lục, baocao)"
    return schema
