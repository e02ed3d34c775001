"""Interim check for a data example against its catalog (until `baocao check` lands)."""

import sys

from generator.catalog import collect_figures, compute_and_check, load_catalog
from generator.errors import ProblemList
from generator.loader import load_file
from generator.model import BaoCao
from generator.validate import validate_model

loaded = load_file(sys.argv[1])
problems = ProblemList(sys.argv[1])
problems.items.extend(loaded.notes)
report = validate_model(loaded, BaoCao, problems)
if report is not None and report.phu_luc is not None:
    catalog = load_catalog(report.phu_luc.danh_muc)
    lines = lambda key: loaded.lines.get(("phu_luc", "so_lieu", key))  # noqa: E731
    figures = collect_figures(
        catalog, report.phu_luc.so_lieu, list(report.van_ban), problems, lines
    )
    compute_and_check(figures, problems, lines)
for problem in problems.items:
    print(problem)
print(f"{len(problems.errors)} errors, {len(problems.warnings)} warnings")
