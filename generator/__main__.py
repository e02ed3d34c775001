"""`python -m generator …` is the same as `baocao …`."""

from .cli import cli

cli(prog_name="baocao")
