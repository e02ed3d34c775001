"""`python -m generator …` is the same as `baocao …`."""

from .cli import main

main()
