"""Table tests for the Vietnamese formatting functions.

Every expected string is taken from the project's reference notes on Vietnamese numbers and
dates and on the NĐ30 layout (vietnamese-numbers-dates.md, nd30-layout.md), with the
examples they give copied verbatim; none was produced by running the code under test.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal

import num2words as num2words_package
import pytest
from num2words import num2words

import generator  # importing the package must install the corrected "vi" converter
from generator.formatting import (
    NgayThang,
    bang_chu,
    dem,
    dia_danh_ngay,
    ky,
    ky_sau,
    la_ma,
    lower_first,
    ngay_dai,
    ngay_ngan,
    parse_date,
    parse_number,
    parse_period,
    parse_roman,
    phan_tram,
    phan_tram_bang_chu,
    so,
    so_ky_hieu,
    tien,
    tien_bang_chu,
)
from generator.num2words_vi import Num2WordVI, install, money_words, number_words

# =========================================================================== numbers in words

NUMBER_WORDS = [
    # units
    (0, "không"),
    (1, "một"),
    (2, "hai"),
    (3, "ba"),
    (4, "bốn"),
    (5, "năm"),
    (6, "sáu"),
    (7, "bảy"),
    (8, "tám"),
    (9, "chín"),
    # tens: mười / mươi, "mốt" only after "mươi", "lăm" after mười/mươi
    (10, "mười"),
    (11, "mười một"),
    (14, "mười bốn"),
    (15, "mười lăm"),
    (19, "mười chín"),
    (20, "hai mươi"),
    (21, "hai mươi mốt"),
    (24, "hai mươi bốn"),
    (25, "hai mươi lăm"),
    (30, "ba mươi"),
    (31, "ba mươi mốt"),
    (45, "bốn mươi lăm"),
    (50, "năm mươi"),
    (55, "năm mươi lăm"),
    (71, "bảy mươi mốt"),
    (99, "chín mươi chín"),
    # hundreds; a zero ten is "linh" (and then never "mốt" nor "lăm")
    (100, "một trăm"),
    (101, "một trăm linh một"),
    (104, "một trăm linh bốn"),
    (105, "một trăm linh năm"),
    (110, "một trăm mười"),
    (111, "một trăm mười một"),
    (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"),
    (125, "một trăm hai mươi lăm"),
    (500, "năm trăm"),
    (999, "chín trăm chín mươi chín"),
    # nghìn; a group after a higher group always says its hundreds, even "không trăm"
    (1000, "một nghìn"),
    (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"),
    (1015, "một nghìn không trăm mười lăm"),
    (1200, "một nghìn hai trăm"),
    (1253, "một nghìn hai trăm năm mươi ba"),
    (2021, "hai nghìn không trăm hai mươi mốt"),
    (2024, "hai nghìn không trăm hai mươi bốn"),
    (10_000, "mười nghìn"),
    (15_000, "mười lăm nghìn"),
    (21_000, "hai mươi mốt nghìn"),
    (100_005, "một trăm nghìn không trăm linh năm"),
    (105_000, "một trăm linh năm nghìn"),
    (999_999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    # triệu; an all-zero group is skipped
    (1_000_000, "một triệu"),
    (1_000_005, "một triệu không trăm linh năm"),
    (5_000_000, "năm triệu"),
    (1_001_000, "một triệu không trăm linh một nghìn"),
    (1_050_000, "một triệu không trăm năm mươi nghìn"),
    (2_500_000, "hai triệu năm trăm nghìn"),
    (21_000_000, "hai mươi mốt triệu"),
    # tỷ, and above it the groups repeat ("một nghìn tỷ")
    (1_000_000_000, "một tỷ"),
    (2_000_000_005, "hai tỷ không trăm linh năm"),
    (1_000_001_000, "một tỷ không trăm linh một nghìn"),
    (
        11_171_348_125,
        "mười một tỷ một trăm bảy mươi mốt triệu ba trăm bốn mươi tám nghìn một trăm hai mươi lăm",
    ),
    (1_000_000_000_000, "một nghìn tỷ"),
    (1_000_000_000_005, "một nghìn tỷ không trăm linh năm"),
    (2_005_000_000_000, "hai nghìn không trăm linh năm tỷ"),
    (1_000_000_000_000_000, "một triệu tỷ"),
    # decimals: "phẩy", the digits after the comma read as a number, leading zeros "không"
    (0.5, "không phẩy năm"),
    (99.4, "chín mươi chín phẩy bốn"),
    (Decimal("0.05"), "không phẩy không năm"),
    (98.66, "chín mươi tám phẩy sáu mươi sáu"),
    (Decimal("1.25"), "một phẩy hai mươi lăm"),
    (Decimal("7.01"), "bảy phẩy không một"),
    (Decimal("2.005"), "hai phẩy không không năm"),
    (Decimal("0.105"), "không phẩy một trăm linh năm"),
    (12.5, "mười hai phẩy năm"),
    (Decimal("1005.5"), "một nghìn không trăm linh năm phẩy năm"),
    # negatives: "âm" first
    (-5, "âm năm"),
    (-21, "âm hai mươi mốt"),
    (-1200, "âm một nghìn hai trăm"),
    (-1005, "âm một nghìn không trăm linh năm"),
    (Decimal("-0.5"), "âm không phẩy năm"),
]

# (number, options, expected): "lẻ" for the zero ten, "tư" for 4 after "mươi"
NUMBER_WORDS_OPTIONS = [
    (105, {"linh": "lẻ"}, "một trăm lẻ năm"),
    (101, {"linh": "lẻ"}, "một trăm lẻ một"),
    (1005, {"linh": "lẻ"}, "một nghìn không trăm lẻ năm"),
    (1_000_005, {"linh": "lẻ"}, "một triệu không trăm lẻ năm"),
    (105, {"linh": "linh"}, "một trăm linh năm"),
    (24, {"bon": "tư"}, "hai mươi tư"),
    (34, {"bon": "tư"}, "ba mươi tư"),
    (124, {"bon": "tư"}, "một trăm hai mươi tư"),
    (2024, {"bon": "tư"}, "hai nghìn không trăm hai mươi tư"),
    (24, {"bon": "bốn"}, "hai mươi bốn"),
    (4, {"bon": "tư"}, "bốn"),
    (40, {"bon": "tư"}, "bốn mươi"),
    (4000, {"bon": "tư"}, "bốn nghìn"),
    (2024, {"linh": "lẻ", "bon": "tư"}, "hai nghìn không trăm hai mươi tư"),
    (1005, {"linh": "lẻ", "bon": "tư"}, "một nghìn không trăm lẻ năm"),
]


@pytest.mark.parametrize(("number", "expected"), NUMBER_WORDS)
def test_number_words(number, expected):
    assert number_words(number) == expected


@pytest.mark.parametrize(("number", "expected"), NUMBER_WORDS)
def test_num2words_vi_after_importing_the_package(number, expected):
    assert num2words(number, lang="vi") == expected


@pytest.mark.parametrize(("number", "expected"), NUMBER_WORDS)
def test_bang_chu(number, expected):
    assert bang_chu(number) == expected


@pytest.mark.parametrize(("number", "options", "expected"), NUMBER_WORDS_OPTIONS)
def test_number_words_options(number, options, expected):
    assert number_words(number, **options) == expected
    assert num2words(number, lang="vi", **options) == expected
    assert bang_chu(number, **options) == expected


@pytest.mark.parametrize("options", [{"linh": "le"}, {"linh": "lẽ"}, {"bon": "tu"}, {"bon": "4"}])
def test_number_words_rejects_unknown_options(options):
    with pytest.raises(ValueError):
        number_words(24, **options)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.005", "một nghìn không trăm linh năm"),
        ("0,05", "không phẩy không năm"),
        ("99,4", "chín mươi chín phẩy bốn"),
        ("-1.200", "âm một nghìn hai trăm"),
        (
            "11.171.348.125",
            "mười một tỷ một trăm bảy mươi mốt triệu ba trăm bốn mươi tám nghìn "
            "một trăm hai mươi lăm",
        ),
    ],
)
def test_bang_chu_reads_vietnamese_typed_figures(text, expected):
    assert bang_chu(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1005", "một nghìn không trăm linh năm"),
        ("0.5", "không phẩy năm"),
        ("-21", "âm hai mươi mốt"),
    ],
)
def test_num2words_vi_accepts_numeric_text(text, expected):
    assert num2words(text, lang="vi") == expected


# --------------------------------------------------------------------------- money, percent

ELEVEN_BILLION_WORDS = (
    "Mười một tỷ một trăm bảy mươi mốt triệu ba trăm bốn mươi tám nghìn một trăm hai mươi lăm đồng."
)

MONEY_WORDS = [
    (11_171_348_125, ELEVEN_BILLION_WORDS),
    (1005, "Một nghìn không trăm linh năm đồng."),
    (2_021_000, "Hai triệu không trăm hai mươi mốt nghìn đồng."),
    (5_000_000, "Năm triệu đồng."),
    (15_000, "Mười lăm nghìn đồng."),
    (500, "Năm trăm đồng."),
    (1_000_000_000_000, "Một nghìn tỷ đồng."),
]


@pytest.mark.parametrize(("amount", "expected"), MONEY_WORDS)
def test_money_words(amount, expected):
    assert money_words(amount) == expected
    assert tien_bang_chu(amount) == expected
    assert num2words(amount, lang="vi", to="currency") == expected


def test_money_words_verbatim_example_from_typed_figures():
    assert tien_bang_chu("11.171.348.125") == ELEVEN_BILLION_WORDS
    assert tien(11_171_348_125) == "11.171.348.125 đồng"


@pytest.mark.parametrize(
    ("amount", "options", "expected"),
    [
        (105, {"linh": "lẻ"}, "Một trăm lẻ năm đồng."),
        (24_000, {"bon": "tư"}, "Hai mươi tư nghìn đồng."),
    ],
)
def test_money_words_options(amount, options, expected):
    assert money_words(amount, **options) == expected
    assert tien_bang_chu(amount, **options) == expected
    assert num2words(amount, lang="vi", to="currency", **options) == expected


PERCENT_WORDS = [
    (98.66, "chín mươi tám phẩy sáu mươi sáu phần trăm"),
    (100, "một trăm phần trăm"),
    (25, "hai mươi lăm phần trăm"),
    (0.5, "không phẩy năm phần trăm"),
    ("99,4", "chín mươi chín phẩy bốn phần trăm"),
    ("98,07%", "chín mươi tám phẩy không bảy phần trăm"),
]


@pytest.mark.parametrize(("value", "expected"), PERCENT_WORDS)
def test_phan_tram_bang_chu(value, expected):
    assert phan_tram_bang_chu(value) == expected


# --------------------------------------------------------------------------- the num2words hook


def test_importing_the_package_installs_the_converter():
    """A fresh interpreter: ``import generator`` alone must fix num2words(..., lang="vi")."""
    code = (
        "import generator\n"
        "from num2words import num2words\n"
        "print(num2words(1005, lang='vi'))\n"
        "print(num2words(2021, lang='vi'))\n"
        "print(num2words(0.5, lang='vi'))\n"
        "print(num2words(1005, lang='vi', to='currency'))\n"
    )
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), PYTHONIOENCODING="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, encoding="utf-8", check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "một nghìn không trăm linh năm",
        "hai nghìn không trăm hai mươi mốt",
        "không phẩy năm",
        "Một nghìn không trăm linh năm đồng.",
    ]


def test_install_replaces_the_shipped_converter(monkeypatch):
    from num2words.lang_VI import Num2Word_VI

    monkeypatch.setitem(num2words_package.CONVERTER_CLASSES, "vi", Num2Word_VI())
    install()
    assert isinstance(num2words_package.CONVERTER_CLASSES["vi"], Num2WordVI)
    assert num2words(1005, lang="vi") == "một nghìn không trăm linh năm"
    assert num2words(0.5, lang="vi") == "không phẩy năm"


def test_package_import_left_the_corrected_converter_in_place():
    assert generator.__name__ == "generator"
    assert isinstance(num2words_package.CONVERTER_CLASSES["vi"], Num2WordVI)


def test_converter_interface():
    converter = Num2WordVI()
    assert converter.to_cardinal(2021) == "hai nghìn không trăm hai mươi mốt"
    assert converter.to_cardinal(105, linh="lẻ") == "một trăm lẻ năm"
    assert converter.to_currency(1005) == "Một nghìn không trăm linh năm đồng."
    assert converter.str_to_number("0.5") == Decimal("0.5")


# =========================================================================== figures

FIGURES = [
    (1253, "1.253"),
    (11_171_348_125, "11.171.348.125"),
    (99.4, "99,4"),
    (0.5, "0,5"),
    (-1200, "-1.200"),
    (0, "0"),
    (999, "999"),
    (1000, "1.000"),
    (1_000_000, "1.000.000"),
    (1253.5, "1.253,5"),
    (Decimal("99.40"), "99,4"),  # trailing zeros dropped unless a precision is asked for
    (100.0, "100"),
    ("1.200", "1.200"),
    ("99,4", "99,4"),
]


@pytest.mark.parametrize(("value", "expected"), FIGURES)
def test_so(value, expected):
    assert so(value) == expected


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [(99.4, 2, "99,40"), (98.66, 2, "98,66"), (100, 2, "100,00"), (1253, 1, "1.253,0")],
)
def test_so_with_precision(value, precision, expected):
    assert so(value, precision) == expected


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (98.66, None, "98,66%"),
        (100, None, "100%"),
        (0.5, None, "0,5%"),
        (99.4, None, "99,4%"),
        (99.4, 2, "99,40%"),
    ],
)
def test_phan_tram(value, precision, expected):
    assert phan_tram(value, precision) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(6, "06"), (5, "05"), (7, "07"), (1, "01"), (12, "12"), (28, "28"), (100, "100")],
)
def test_dem(value, expected):
    assert dem(value) == expected


def test_dem_in_prose_as_the_seeds_write_it():
    assert f"{dem(6)} nhiệm vụ trọng tâm" == "06 nhiệm vụ trọng tâm"
    assert f"ban hành {dem(5)} kế hoạch" == "ban hành 05 kế hoạch"


PARSED = [
    ("1.200", Decimal(1200)),
    ("1.253", Decimal(1253)),
    ("11.171.348.125", Decimal(11_171_348_125)),
    ("99,4", Decimal("99.4")),
    ("98,07%", Decimal("98.07")),
    ("0.037", Decimal("0.037")),
    ("0,5", Decimal("0.5")),
    ("99.4", Decimal("99.4")),
    ("1.253,5", Decimal("1253.5")),
    ("-1.200", Decimal(-1200)),
    ("100%", Decimal(100)),
    ("1200", Decimal(1200)),
    (" 1.200 ", Decimal(1200)),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "abc", "%", "1.2.3", "12a"])
def test_parse_number_rejects_text(text):
    assert parse_number(text) is None


# =========================================================================== roman numerals

ROMAN = [
    (1, "I"),
    (2, "II"),
    (3, "III"),
    (4, "IV"),
    (5, "V"),
    (6, "VI"),
    (9, "IX"),
    (10, "X"),
    (14, "XIV"),
    (19, "XIX"),
    (40, "XL"),
    (90, "XC"),
    (400, "CD"),
    (1994, "MCMXCIV"),
    (2024, "MMXXIV"),
]


@pytest.mark.parametrize(("number", "roman"), ROMAN)
def test_la_ma(number, roman):
    assert la_ma(number) == roman


@pytest.mark.parametrize(("number", "roman"), ROMAN)
def test_parse_roman(number, roman):
    assert parse_roman(roman) == number


@pytest.mark.parametrize(("text", "expected"), [("iv", 4), (" II ", 2), ("xii", 12)])
def test_parse_roman_is_lenient_about_case_and_spaces(text, expected):
    assert parse_roman(text) == expected


@pytest.mark.parametrize("text", ["", "IIII", "VX", "IC", "ABC", "4"])
def test_parse_roman_rejects_text(text):
    assert parse_roman(text) is None


@pytest.mark.parametrize("number", [0, -1, 20_001])
def test_la_ma_out_of_range(number):
    with pytest.raises(ValueError):
        la_ma(number)


def test_la_ma_past_3999_repeats_the_thousands():
    assert (la_ma(4000), la_ma(4001)) == ("MMMM", "MMMMI")


# =========================================================================== dates

LONG_DATES = [
    (dt.date(2021, 3, 16), "ngày 16 tháng 3 năm 2021"),
    (dt.date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
    (dt.date(2021, 2, 2), "ngày 02 tháng 02 năm 2021"),
    (dt.date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
    (dt.date(2024, 6, 4), "ngày 04 tháng 6 năm 2024"),
    (dt.date(2021, 12, 16), "ngày 16 tháng 12 năm 2021"),
    (dt.date(2021, 10, 9), "ngày 09 tháng 10 năm 2021"),
    (dt.date(2021, 11, 1), "ngày 01 tháng 11 năm 2021"),
    (dt.date(2021, 3, 1), "ngày 01 tháng 3 năm 2021"),
    (dt.date(2021, 1, 31), "ngày 31 tháng 01 năm 2021"),
    (dt.date(2024, 2, 29), "ngày 29 tháng 02 năm 2024"),  # leap day
    (dt.datetime(2021, 3, 16, 8, 30), "ngày 16 tháng 3 năm 2021"),
    ("2021-03-16", "ngày 16 tháng 3 năm 2021"),  # ISO
    ("2020-01-05", "ngày 05 tháng 01 năm 2020"),
    ("16/3/2021", "ngày 16 tháng 3 năm 2021"),
    ("16/03/2021", "ngày 16 tháng 3 năm 2021"),
    ("5/1/2020", "ngày 05 tháng 01 năm 2020"),
    ("ngày 16 tháng 3 năm 2021", "ngày 16 tháng 3 năm 2021"),
    # drafts leave the day (and possibly the month) blank
    (NgayThang(nam=2024, thang=12), "ngày    tháng 12 năm 2024"),
    ("ngày    tháng 12 năm 2024", "ngày    tháng 12 năm 2024"),
    (NgayThang(nam=2024), "ngày    tháng    năm 2024"),
]


@pytest.mark.parametrize(("value", "expected"), LONG_DATES)
def test_ngay_dai(value, expected):
    assert ngay_dai(value) == expected


SHORT_DATES = [
    (dt.date(2021, 1, 21), "21/01/2021"),
    (dt.date(2021, 3, 9), "09/3/2021"),
    (dt.date(2021, 2, 2), "02/02/2021"),
    (dt.date(2021, 3, 16), "16/3/2021"),
    (dt.date(2020, 12, 24), "24/12/2020"),
    (dt.date(2020, 8, 20), "20/8/2020"),
    (dt.date(2021, 1, 15), "15/01/2021"),
    (dt.date(2024, 2, 29), "29/02/2024"),
    ("2021-01-21", "21/01/2021"),
    ("9/3/2021", "09/3/2021"),
]


@pytest.mark.parametrize(("value", "expected"), SHORT_DATES)
def test_ngay_ngan(value, expected):
    assert ngay_ngan(value) == expected


def test_short_dates_in_prose_verbatim():
    assert f"ngày {ngay_ngan(dt.date(2021, 1, 21))}" == "ngày 21/01/2021"
    assert f"ngày {ngay_ngan(dt.date(2021, 3, 9))}" == "ngày 09/3/2021"


def test_ngay_ngan_draft_keeps_the_day_blank():
    text = ngay_ngan(NgayThang(nam=2024, thang=12))
    day, month, year = text.split("/")
    assert day and not day.strip()
    assert (month, year) == ("12", "2024")


@pytest.mark.parametrize(
    ("place", "value", "expected"),
    [
        ("Hướng Hóa", dt.date(2021, 3, 16), "Hướng Hóa, ngày 16 tháng 3 năm 2021"),
        ("Hoàng Cát", dt.date(2024, 6, 4), "Hoàng Cát, ngày 04 tháng 6 năm 2024"),
        ("Hướng Hóa", "2020-01-05", "Hướng Hóa, ngày 05 tháng 01 năm 2020"),
        ("Hướng Hóa", NgayThang(nam=2024, thang=12), "Hướng Hóa, ngày    tháng 12 năm 2024"),
    ],
)
def test_dia_danh_ngay(place, value, expected):
    assert dia_danh_ngay(place, value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16/3/2021", NgayThang(nam=2021, thang=3, ngay=16)),
        ("2021-03-16", NgayThang(nam=2021, thang=3, ngay=16)),
        ("ngày 16 tháng 3 năm 2021", NgayThang(nam=2021, thang=3, ngay=16)),
        ("29/02/2024", NgayThang(nam=2024, thang=2, ngay=29)),
        ("2000-02-29", NgayThang(nam=2000, thang=2, ngay=29)),
        ("ngày    tháng 12 năm 2024", NgayThang(nam=2024, thang=12)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_leap_day_2024_is_a_real_date():
    date = parse_date("29/02/2024")
    assert date.complete
    assert date.as_date() == dt.date(2024, 2, 29)


def test_draft_date_is_not_complete():
    date = parse_date("ngày    tháng 12 năm 2024")
    assert not date.complete
    assert date.as_date() is None


INVALID_DATES = [
    ("31/02/2021", "31/02/2021"),
    ("29/02/2023", "29/02/2023"),
    ("2023-02-29", "29/02/2023"),
    ("31/04/2021", "31/04/2021"),
    ("29/02/1900", "29/02/1900"),  # 1900 is not a leap year
    ("32/01/2021", "32/01/2021"),
    ("ngày 30 tháng 02 năm 2021", "30/02/2021"),
]


@pytest.mark.parametrize(("text", "named"), INVALID_DATES)
def test_invalid_dates_raise_a_vietnamese_message_naming_the_date(text, named):
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    message = str(caught.value)
    assert named in message
    assert "không" in message  # Vietnamese: "… không tồn tại" / "không hợp lệ"


@pytest.mark.parametrize(("text", "named"), INVALID_DATES[:3])
def test_invalid_dates_are_refused_by_the_filters(text, named):
    for function in (ngay_dai, ngay_ngan):
        with pytest.raises(ValueError, match=named):
            function(text)


def test_invalid_date_built_directly():
    with pytest.raises(ValueError, match="31/02/2021"):
        NgayThang(nam=2021, thang=2, ngay=31)


@pytest.mark.parametrize("text", ["abc", "15/13/2021", "16 tháng 3", ""])
def test_parse_date_rejects_non_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)


# =========================================================================== periods

PERIODS = [
    ("quý I năm 2021", "quý I năm 2021", "quý II năm 2021"),
    ("quý II năm 2021", "quý II năm 2021", "quý III năm 2021"),
    ("quý III năm 2021", "quý III năm 2021", "quý IV năm 2021"),
    ("quý IV năm 2021", "quý IV năm 2021", "quý I năm 2022"),
    ("6 tháng đầu năm 2024", "6 tháng đầu năm 2024", "6 tháng cuối năm 2024"),
    ("9 tháng năm 2023", "9 tháng năm 2023", "quý IV năm 2023"),
    ("năm 2021", "năm 2021", "năm 2022"),
    ("năm 2024", "năm 2024", "năm 2025"),
]


@pytest.mark.parametrize(("text", "this", "following"), PERIODS)
def test_ky(text, this, following):
    assert ky(text) == this


@pytest.mark.parametrize(("text", "this", "following"), PERIODS)
def test_ky_sau(text, this, following):
    assert ky_sau(text) == following


@pytest.mark.parametrize(("text", "this", "following"), PERIODS)
def test_parse_period_round_trip(text, this, following):
    period = parse_period(text)
    assert ky(period) == this
    assert ky_sau(period) == following


@pytest.mark.parametrize("text", ["quý V năm 2021", "quý 5 năm 2021", "tháng 13 năm 2021", ""])
def test_parse_period_rejects_text(text):
    with pytest.raises(ValueError):
        parse_period(text)


# =========================================================================== document codes

DOCUMENT_CODES = [
    (5, "BC-UBND", "05/BC-UBND"),
    (1, "TB-UBND", "01/TB-UBND"),
    (10, "BC-UBND", "10/BC-UBND"),
    (123, "BC-UBND", "123/BC-UBND"),
    (11, "KH-UBND", "11/KH-UBND"),
    (132, "QĐ-UBND", "132/QĐ-UBND"),
    (172, "SNV-CCHCVTVL", "172/SNV-CCHCVTVL"),
    (411, "BC-UBND", "411/BC-UBND"),
]


@pytest.mark.parametrize(("number", "code", "expected"), DOCUMENT_CODES)
def test_so_ky_hieu(number, code, expected):
    assert so_ky_hieu(number, code) == expected


def test_so_ky_hieu_in_the_header_verbatim():
    assert f"Số: {so_ky_hieu(5, 'BC-UBND')}" == "Số: 05/BC-UBND"
    assert f"Số: {so_ky_hieu(123, 'BC-UBND')}" == "Số: 123/BC-UBND"


def test_so_ky_hieu_draft_leaves_the_number_blank():
    assert f"Số: {so_ky_hieu(None, 'BC-UBND')}" == "Số:      /BC-UBND"


def test_citation_verbatim():
    citation = (
        f"Kế hoạch số {so_ky_hieu(11, 'KH-UBND')} ngày {ngay_ngan(dt.date(2021, 2, 2))} "
        "của UBND thị xã Ngã Năm về cải cách hành chính năm 2021"
    )
    assert citation == (
        "Kế hoạch số 11/KH-UBND ngày 02/02/2021 của UBND thị xã Ngã Năm "
        "về cải cách hành chính năm 2021"
    )
    appendix = (
        f"(Kèm theo Báo cáo số {so_ky_hieu(123, 'BC-UBND')} ngày {ngay_ngan('16/3/2021')} "
        "của UBND huyện Hướng Hóa)"
    )
    assert appendix == "(Kèm theo Báo cáo số 123/BC-UBND ngày 16/3/2021 của UBND huyện Hướng Hóa)"


# =========================================================================== text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cải cách hành chính", "cải cách hành chính"),
        ("Ủy ban nhân dân", "ủy ban nhân dân"),
        ("Đẩy mạnh", "đẩy mạnh"),
        ("UBND huyện Hướng Hóa", "UBND huyện Hướng Hóa"),
        ("CCHC năm 2021", "CCHC năm 2021"),
        ("", ""),
    ],
)
def test_lower_first(text, expected):
    assert lower_first(text) == expected


@pytest.mark.parametrize(
    ("number", "letter"),
    [(1, "a"), (4, "d"), (5, "đ"), (6, "e"), (7, "g"), (10, "k"), (23, "y"), (24, "aa")],
)
def test_diem_letters_follow_the_vietnamese_alphabet(number: int, letter: str) -> None:
    from generator.formatting import chu_cai

    assert chu_cai(number) == letter


@pytest.mark.parametrize(
    "value, places, expected",
    [
        (0.125, 2, 0.13),
        (2.675, 2, 2.68),
        (76.6951, 2, 76.7),
        (-0.125, 2, -0.13),
        (1.0005, 3, 1.001),
    ],
)
def test_round_half_up_is_the_one_rounding_rule(value: float, places: int, expected: float) -> None:
    """Excel shows 0,13 for 0.125 with two decimals; Python's round() gives 0.12."""
    from generator.formatting import round_half_up

    assert round_half_up(value, places) == expected
