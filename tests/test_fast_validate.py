"""The quick path past pydantic's validator (generator/fast_validate.py) builds exactly the
objects pydantic builds, or declines and leaves the file to pydantic."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from generator import fast_validate
from generator.catalog import DanhMuc, shipped_catalogs
from generator.fast_validate import QUICK_MAX_FIELDS, construct, construct_first
from generator.intake import load_source
from generator.loader import load_file
from generator.model import BaoCao
from generator.tonghop import _DanhSach

from .conftest import EXAMPLES, MINIMAL


def assert_same(quick: Any, slow: Any, path: str = "") -> None:
    """Equal values of the same types all the way down, with the same fields set."""
    assert type(quick) is type(slow), f"{path}: {type(quick)} / {type(slow)}"
    if isinstance(quick, BaseModel):
        assert quick.model_fields_set == slow.model_fields_set, path
        assert_same(quick.__pydantic_extra__, slow.__pydantic_extra__, f"{path} extra")
        assert_same(quick.__dict__, slow.__dict__, path)
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


def check(model: type[BaseModel], data: Any) -> BaseModel | None:
    """The quick result, after checking it against pydantic's on a copy of the data."""
    quick = construct(model, copy.deepcopy(data))
    try:
        slow = model.model_validate(copy.deepcopy(data))
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
    assert check(BaoCao, report_data(path)) is not None


@pytest.mark.parametrize("name", sorted(shipped_catalogs()))
def test_shipped_catalogs_take_the_quick_path_to_the_same_objects(name: str) -> None:
    assert check(DanhMuc, load_file(str(shipped_catalogs()[name])).data) is not None


def test_minimal_report_takes_the_quick_path() -> None:
    assert check(BaoCao, minimal()) is not None


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
    check(BaoCao, changed(minimal(), path, value))


def minimal() -> dict[str, Any]:
    data = yaml.safe_load(MINIMAL)
    data["phu_luc"]["so_lieu"] = {"1.1.1": 5, "1.1.2": {"gia_tri": 3, "dien_giai": "(a)"}}
    return data


def test_a_refused_value_is_left_to_pydantic() -> None:
    assert construct(BaoCao, minimal()) is not None
    assert construct(BaoCao, changed(minimal(), ("so",), "mười")) is None


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
    assert check(DanhMuc, CATALOG) is not None


@pytest.mark.parametrize(("path", "value"), CATALOG_CHANGES, ids=lambda v: repr(v)[:40])
def test_catalog_mistakes_and_conversions_are_left_to_pydantic_or_agree(
    path: tuple[Any, ...], value: Any
) -> None:
    check(DanhMuc, changed(CATALOG, path, value))


@pytest.mark.parametrize(
    "data",
    [
        {"don_vi": ["UBND xã A", {"ten": "UBND xã B", "ten_ngan": "Xã B"}]},
        {"don_vi": []},
        {"don_vi": ["A"], "don_vi_tong_hop": {"co_quan_ban_hanh": "Một dòng", "chu_ky": {}}},
    ],
)
def test_unit_lists_agree(data: dict[str, Any]) -> None:
    check(_DanhSach, data)


def test_quick_path_only_for_a_process_first_small_file(monkeypatch) -> None:
    """Past the first file (a batch) or for a big one, pydantic's validator is faster."""
    monkeypatch.setattr(fast_validate, "_TRIED", set())
    assert construct_first(BaoCao, minimal(), 100) is not None
    assert construct_first(BaoCao, minimal(), 100) is None
    assert construct_first(DanhMuc, CATALOG, QUICK_MAX_FIELDS + 1) is None
    assert construct_first(DanhMuc, CATALOG, QUICK_MAX_FIELDS) is not None
