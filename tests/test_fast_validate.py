"""The records made along the plan without pydantic (generator/fast_validate.py) are exactly
the objects pydantic's validation gives (converted to records), or the file is left to
pydantic; the plan (model_plan.py) is what plan_build.py writes from the models today."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from generator import catalog_model, model, plan_build, shapes
from generator.catalog import shipped_catalogs
from generator.fast_validate import construct
from generator.intake import load_source
from generator.loader import load_file
from generator.model_plan import MODELS
from generator.validate import as_records, pydantic_model

from .conftest import EXAMPLES, MINIMAL


def assert_same(quick: Any, slow: Any, path: str = "") -> None:
    """Equal values of the same types all the way down, fields in the same order."""
    assert type(quick) is type(slow), f"{path}: {type(quick)} / {type(slow)}"
    if isinstance(quick, shapes.Record):
        assert list(vars(quick)) == list(vars(slow)), path
        assert_same(vars(quick), vars(slow), path)
    elif isinstance(quick, dict):
        assert list(quick) == list(slow), path
        for key in quick:
            assert_same(quick[key], slow[key], f"{path}.{key}")
    elif isinstance(quick, list):
        assert len(quick) == len(slow), path
        for index, (a, b) in enumerate(zip(quick, slow, strict=True)):
            assert_same(a, b, f"{path}[{index}]")
    else:
        assert quick == slow and repr(quick) == repr(slow), f"{path}: {quick!r} / {slow!r}"


def check(name: str, data: Any) -> Any:
    """The quick result, after checking it against pydantic's on a copy of the data."""
    quick = construct(name, copy.deepcopy(data))
    try:
        slow = as_records(pydantic_model(name).model_validate(copy.deepcopy(data)))
    except ValidationError:
        assert quick is None, "the quick path accepted what pydantic refuses"
        return None
    if quick is not None:
        assert_same(quick, slow)
    return quick


def report_data(path: Path) -> Any:
    return load_source(path, None)[0].data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_take_the_quick_path_to_the_same_objects(path: Path) -> None:
    assert check("BaoCao", report_data(path)) is not None


@pytest.mark.parametrize("name", sorted(shipped_catalogs()))
def test_shipped_catalogs_take_the_quick_path_to_the_same_objects(name: str) -> None:
    assert check("DanhMuc", load_file(str(shipped_catalogs()[name])).data) is not None


def test_minimal_report_takes_the_quick_path() -> None:
    assert check("BaoCao", minimal()) is not None


def changed(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    *parents, last = path
    target = data
    for step in parents:
        target = target[step]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


REPORT_CHANGES = [
    (("so",), "mười"),  # not a number: pydantic's message
    (("so",), "12"),  # a number pydantic reads from text: same object or left to pydantic
    (("so",), 0),  # under ge=1
    (("so",), True),
    (("so",), 5.0),
    (("ky_hieu",), "12/BC-UBND"),  # a field validator refuses
    (("ky_hieu",), "  BC-UBND  "),  # stripped
    (("trich_yeu",), "   "),  # empty once stripped
    (("ten_co_quan",), 12),
    (("dia_danh",), KeyError),  # required
    (("truong_la",), "x"),  # not in the model
    (("co_quan_ban_hanh",), ["a", "b", "c"]),
    (("co_quan_ban_hanh",), "Một dòng"),  # a single line becomes a list
    (("du_thao",), "có"),
    (("kieu_danh_so",), []),
    (("kieu_danh_so",), ["la_ma", "sai"]),
    (("noi_dung", 0, "doan", 0), 12),  # a number typed as a paragraph
    (("noi_dung", 0, "doan", 0), {"doan": "a", "bang": None}),
    (("noi_dung", 0, "doan", 0), {"bang": {"tieu_de_cot": ["A"], "dong": [["1", "2"]]}}),
    (("noi_dung", 0, "doan", 0), {"bang": {"tieu_de_cot": ["A", 2], "dong": [[3, True]]}}),
    (("noi_dung", 0, "doan"), "một đoạn"),
    (("chu_ky", "tham_quyen"), "tm"),
    (("chu_ky", "tham_quyen"), "KT."),
    (("chu_ky", "tham_quyen"), "XX"),
    (("ngay",), "32/13/2021"),
    (("ngay",), 2024),
    (("ky_bao_cao",), {"loai": "quy", "nam": 2021, "quy": 1}),
    (("phu_luc",), []),
    (("phu_luc", "so_lieu", "1.1.1"), [1, 2]),
    (("phu_luc", "so_lieu", "1.1.1"), {"gia_tri": 3, "cot_khac": 4}),
    (("phu_luc", "so_lieu", "1.1.1"), {"gia_tri": 3, "ghi_chu": "  ghi  "}),
    (("phu_luc", "kem_theo"), "không"),
]


@pytest.mark.parametrize(("path", "value"), REPORT_CHANGES, ids=lambda v: repr(v)[:40])
def test_report_mistakes_and_conversions_are_left_to_pydantic_or_agree(
    path: tuple[Any, ...], value: Any
) -> None:
    check("BaoCao", changed(minimal(), path, value))


def minimal() -> dict[str, Any]:
    data = yaml.safe_load(MINIMAL)
    data["phu_luc"]["so_lieu"] = {"1.1.1": 5, "1.1.2": {"gia_tri": 3, "dien_giai": "(a)"}}
    return data


def test_a_refused_value_is_left_to_pydantic() -> None:
    assert construct("BaoCao", minimal()) is not None
    assert construct("BaoCao", changed(minimal(), ("so",), "mười")) is None


CATALOG = {
    "ma": "thu",
    "stt": {"cap": ["la_ma", "so"], "bat_dau": 1},
    "cot": [
        {"loai": "stt"},
        {"loai": "chi_tieu", "do_rong": 6},
        {"loai": "so_lieu", "nhan": "Kế hoạch", "ma": "ke_hoach"},
        {"loai": "so_lieu", "nhan": "Thực hiện", "ma": "thuc_hien", "kieu": "dem"},
    ],
    "chi_tieu": [
        {
            "id": 1,
            "ten": "Nhóm",
            "con": [
                {"id": 1.1, "ten": "Đếm", "dvt": "Văn bản", "kiem_tra": "<= [1.2]"},
                {"id": "1.2", "ten": "Chọn", "lua_chon": {"1": "Có", "0": "Không"}},
                {"id": "1.3", "ten": "*Nghiêng*", "nghieng": "ten", "stt": 3},
            ],
        }
    ],
}

CATALOG_CHANGES = [
    (("stt", "bat_dau"), "tiep"),
    (("stt", "bat_dau"), 0),
    (("stt", "bat_dau"), "2"),
    (("cot", 1, "do_rong"), 0),
    (("cot", 1, "do_rong"), 101),
    (("cot", 1, "do_rong"), 10**400),  # a whole number too big for a float
    (("cot", 1, "do_rong"), 2**1024 - 1),
    (("cot", 3, "ma"), "ke_hoach"),  # two columns with one ma: a field validator refuses
    (("cot",), {"stt": "TT", "chi_tieu": "Nội dung"}),
    (("do_rong_cot",), [1, 2, 3]),
    (("chi_tieu", 0, "con", 1, "lua_chon"), {"01": "Có"}),
    (("chi_tieu", 0, "con", 1, "lua_chon"), {"-1": "Có"}),
    (("chi_tieu", 0, "con", 0, "kiem_tra"), {"bieu_thuc": "<= [1.2]", "lam_tron": 7}),
    (("chi_tieu", 0, "con", 2, "nghieng"), "sai"),
    (("chi_tieu", 0, "con", 2, "danh_so"), False),  # stt with danh_so: false is refused
    (("kem_theo",), "bang"),
    (("bieu_do",), ["1.1"] * 7),
]


def test_catalog_example_takes_the_quick_path() -> None:
    assert check("DanhMuc", CATALOG) is not None


@pytest.mark.parametrize(("path", "value"), CATALOG_CHANGES, ids=lambda v: repr(v)[:40])
def test_catalog_mistakes_and_conversions_are_left_to_pydantic_or_agree(
    path: tuple[Any, ...], value: Any
) -> None:
    check("DanhMuc", changed(CATALOG, path, value))


def test_the_plan_is_current() -> None:
    """After changing a model: python -m generator.plan_build."""
    assert plan_build.PLAN_FILE.read_text(encoding="utf-8") == plan_build.plan_source()


def test_every_model_is_planned_so_a_render_needs_no_pydantic() -> None:
    assert sorted(MODELS) == sorted(shapes.RECORDS)
    assert all(plan is not None for plan in MODELS.values())


def test_a_render_process_imports_no_pydantic(tmp_path: Path) -> None:
    code = (
        "import sys; from generator import render_report; "
        f"render_report({str(EXAMPLES[0])!r}, out_dir={str(tmp_path)!r}); "
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'annotated_types'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize(
    ("record", "values"),
    [
        (shapes.KieuStt, {}),
        (shapes.CotTieuDe, {}),
        (shapes.Cot, {"loai": "so_lieu", "nhan": "Số liệu", "do_rong": 1.9}),
        (shapes.BangChiTieu, {"dong_tieu_de": "a", "chi_tieu": []}),
    ],
)
def test_records_made_in_code_take_the_models_defaults(
    record: type[shapes.Record], values: dict[str, Any]
) -> None:
    expected = getattr(catalog_model, record.__name__).model_validate(values)
    assert_same(record(**values), as_records(expected))


def test_a_record_refuses_a_field_its_model_lacks() -> None:
    with pytest.raises(TypeError, match="nhan_sai"):
        shapes.Cot(loai="stt", nhan_sai="x")
    with pytest.raises(TypeError, match="loai"):
        shapes.Cot()


def test_pydantic_and_the_records_share_the_validators() -> None:
    """A model's validators are shapes' functions, which the plan names (no copy)."""
    decorators = model.BaoCao.__pydantic_decorators__
    assert decorators.field_validators["_code_shape"].func is shapes.code_shape
    assert MODELS["BaoCao"][4] == (shapes.some_appendix,)


ODD_VALUES = [
    "",
    "  chữ  ",
    "12",
    "012",
    "1.5",
    "TM.",
    "canh_bao",
    0,
    1,
    -3,
    7,
    1.5,
    2.0,
    10**20,
    True,
    False,
    None,
    [],
    ["a", 1],
    {},
    {"gia_tri": 1},
    {"doan": "x"},
]


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the data: each value, list item and table field."""
    places = [path] if path else []
    if isinstance(data, dict):
        for key, value in data.items():
            places += _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            places += _leaves(value, (*path, index))
    return places


@pytest.mark.parametrize("seed", range(4))
def test_random_slips_agree_with_pydantic(seed: int) -> None:
    """A few hundred odd values put in random places of the examples and of a catalog: the
    records are pydantic's, or the file is left to pydantic."""
    import random

    chance = random.Random(seed)
    sources = [("BaoCao", report_data(path)) for path in EXAMPLES] + [("DanhMuc", CATALOG)]
    for _ in range(60):
        name, data = chance.choice(sources)
        place = chance.choice(_leaves(data))
        check(name, changed(data, place, chance.choice([*ODD_VALUES, KeyError])))
