"""baocao: the BÁO CÁO (DOCX) and its Phụ lục (XLSX) from one data file.

The Python API is the product; the ``baocao`` command only adapts it::

    from generator import render_report, check_data
    result = render_report("bao_cao.yaml", out_dir="out")

Heavy modules (docxtpl, openpyxl, pydantic) load on first use, so importing the package,
and starting the CLI, stays fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Any

__version__ = "0.1.0"

# name → module that defines it; resolved on first attribute access (PEP 562)
_API = {
    "render_report": "api",
    "render_many": "api",
    "check_data": "api",
    "write_phu_luc": "api",
    "load_report": "api",
    "json_schema": "api",
    "write_skeleton": "skeleton",
    "tong_hop": "tonghop",
    "TongHopResult": "tonghop",
    "so_sanh": "sosanh",
    "SoSanhResult": "sosanh",
    "update_report": "cap_nhat",
    "UpdateResult": "cap_nhat",
    "UpdateError": "cap_nhat",
    "BaocaoError": "errors",
    "DataError": "errors",
    "CatalogError": "errors",
    "TemplateError": "errors",
    "OutputError": "errors",
    "ToolMissingError": "errors",
    "MismatchError": "errors",
    "DuplicateUnitError": "errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'generator' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


class _Num2wordsHook:
    """Installs the corrected Vietnamese converter the moment num2words is imported.

    Importing num2words eagerly would cost every CLI start ~40 ms; this keeps
    ``num2words(x, lang="vi")`` correct for anyone who imported this package. (A meta path
    finder needs only find_spec: subclassing importlib.abc.MetaPathFinder would import
    importlib.resources, tempfile, shutil, bz2 and lzma at every start.)
    """

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "num2words":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        original_exec = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            original_exec(module)
            from .num2words_vi import Num2WordVI

            module.CONVERTER_CLASSES["vi"] = Num2WordVI()

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if "num2words" in sys.modules:
    from .num2words_vi import install as _install

    _install()
else:
    sys.meta_path.insert(0, _Num2wordsHook())
