"""Vietnamese formatting of numbers, amounts, dates, periods and document codes.

Each function is a plain function and a Jinja filter of the same name (see FILTERS).
Rules: the project's reference on Vietnamese numbers and dates, and Nghị định 30/2020/NĐ-CP.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .num2words_vi import as_decimal, capitalise, money_words, number_words

# --------------------------------------------------------------------------- numbers


def _decimal(value: object) -> Decimal:
    """Numbers as num2words_vi reads them; text the Vietnamese way ("1.253", "99,4")."""
    if not isinstance(value, str):
        return as_decimal(value)
    if len(value) > MAX_DIGITS + 100:
        raise ValueError(f"số quá lớn hoặc quá nhiều chữ số (hơn {MAX_DIGITS} chữ số)")
    parsed = parse_number(value)
    if parsed is None:
        raise ValueError(f'"{value}" không phải là số')
    return parsed


# Digits a printed number may have before or after its comma; a figure never needs more, and
# a longer one would be a typing slip or an attempt to stall the render.
MAX_DIGITS = 1000


def so(value: object, precision: int | None = None) -> str:
    """1253 → "1.253"; 99.4 → "99,4"; 99.4 with precision 2 → "99,40"; -1200 → "-1.200"."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    if not number.is_finite():
        raise ValueError(f'"{value}" không phải là số hữu hạn')
    if precision is not None:
        if not -MAX_DIGITS <= int(precision) <= MAX_DIGITS:
            raise ValueError(f"số chữ số thập phân {precision} quá lớn")
        try:
            number = number.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise ValueError(f'"{value}" quá lớn') from None
    exponent = number.as_tuple().exponent
    if abs(number.adjusted()) >= MAX_DIGITS or (
        isinstance(exponent, int) and exponent < -MAX_DIGITS
    ):
        raise ValueError(f"số quá lớn hoặc quá nhiều chữ số (hơn {MAX_DIGITS} chữ số)")
    text = format(abs(number), "f")
    whole, _, fraction = text.partition(".")
    if precision is None:
        fraction = fraction.rstrip("0")
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    out = ".".join(groups) + ("," + fraction if fraction else "")
    negative = number < 0 and out.strip("0.,") != ""
    return ("-" if negative else "") + out


def round_half_up(value: float, places: int) -> float:
    """``value`` rounded as Excel and a reader round (0.125 → 0.13, not Python's 0.12): the one
    rounding rule of figures, shared by the Word table, prose and the Excel Phụ lục."""
    if not math.isfinite(value):
        return value
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(exact)


def phan_tram(value: object, precision: int | None = None) -> str:
    """98.66 → "98,66%" (no space before the sign)."""
    if value is None or value == "":
        return ""
    return so(value, precision) + "%"


def dem(value: object, width: int = 2) -> str:
    """Counts in prose as the seeds write them: 6 → "06", 12 → "12"."""
    if value is None or value == "":
        return ""
    number = _decimal(value)
    if not 0 <= int(width) <= 20:
        raise ValueError(f"độ rộng {width} của dem phải từ 0 đến 20")
    if not number.is_finite() or number != number.to_integral_value() or number < 0:
        return so(number)
    so(number)  # refuses a number too long to print
    return str(int(number)).zfill(int(width))


def bang_chu(value: object, linh: str = "linh", bon: str = "bốn") -> str:
    """Number in words: 1005 → "một nghìn không trăm linh năm"."""
    return number_words(_decimal(value), linh=linh, bon=bon)


def tien(value: object) -> str:
    """Amount in figures with its unit: 11171348125 → "11.171.348.125 đồng"."""
    try:
        amount = _decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f'"{value}" quá lớn để ghi thành tiền') from None
    return f"{so(amount)} đồng"


def tien_bang_chu(value: object, linh: str = "linh", bon: str = "bốn") -> str:
    """Amount in words for "Bằng chữ: …": capitalised, "đồng", full stop."""
    return money_words(_decimal(value), linh=linh, bon=bon)


def phan_tram_bang_chu(value: object, linh: str = "linh", bon: str = "bốn") -> str:
    return number_words(_decimal(value), linh=linh, bon=bon) + " phần trăm"


_VN_NUMBER = re.compile(r"^[+-]?([1-9]\d{0,2}(\.\d{3})+|\d+)(,\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_number(text: str) -> Decimal | None:
    """Read a number typed the Vietnamese way ("1.253", "99,4", "98,07%") or plainly ("99.4").

    "1.253" is one thousand two hundred fifty-three, as in the seeds; None when not a number.
    """
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if raw.endswith("%"):
        raw = raw[:-1]
    if not raw:
        return None
    if _VN_NUMBER.match(raw) and ("," in raw or re.search(r"\.\d{3}(\.|,|$)", raw)):
        return Decimal(raw.replace(".", "").replace(",", "."))
    if _PLAIN_NUMBER.match(raw):
        return Decimal(raw)
    return None


_NON_DECIMAL_FORMS = (
    (re.compile(r"[-+]?0[xX][0-9a-fA-F_]+"), 16, "hệ mười sáu (0x…)"),
    (re.compile(r"[-+]?0[oO][0-7_]+"), 8, "hệ tám (0o…)"),
    (re.compile(r"[-+]?0[bB][01_]+"), 2, "hệ hai (0b…)"),
)
_SEXAGESIMAL = re.compile(r"[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?")


def non_decimal_form(text: str) -> str | None:
    """Why a number written in hex, octal, binary or as 1:30 (YAML 1.1's base 60) is refused,
    saying what to write instead; None for any other text."""
    raw = text.strip()
    for pattern, base, name in _NON_DECIMAL_FORMS:
        if pattern.fullmatch(raw):
            sign = -1 if raw.startswith("-") else 1
            decimal = sign * int(raw.lstrip("+-")[2:].replace("_", "") or "0", base)
            return (
                f'"{raw}" là số viết theo {name}; số liệu báo cáo ghi bằng số thập phân '
                f"(số này là {decimal}), chữ thì đặt trong ngoặc kép"
            )
    if _SEXAGESIMAL.fullmatch(raw):
        return (
            f'"{raw}" có dạng giờ:phút (hệ sáu mươi), không phải số thập phân; ghi số liệu bằng '
            "một số (ví dụ 90 hoặc 1,5), chữ thì đặt trong ngoặc kép"
        )
    return None


# --------------------------------------------------------------------------- roman numerals

_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def la_ma(value: int) -> str:
    """4 → "IV" (section numbers, quarters, appendix numbers)."""
    number = int(value)
    if not 0 < number <= 20_000:  # past 3999 the thousands repeat: 4000 → MMMM
        raise ValueError(f"{value} không viết được bằng số La Mã")
    out = ""
    for amount, letters in _ROMAN:
        count, number = divmod(number, amount)
        out += letters * count
    return out


# Điểm are lettered with the Vietnamese alphabet: a, b, c, d, đ, e, g, h, i, k, …
VIETNAMESE_LETTERS = "abcdđeghiklmnopqrstuvxy"


def chu_cai(value: int) -> str:
    """1 → "a", 5 → "đ", 6 → "e"; past "y" the letters double ("aa", "bb", …)."""
    number = int(value)
    if not 1 <= number <= 1000:
        raise ValueError(f"{value} không đánh được bằng chữ cái (từ 1 đến 1000)")
    turn, index = divmod(number - 1, len(VIETNAMESE_LETTERS))
    return VIETNAMESE_LETTERS[index] * (turn + 1)


def parse_roman(text: str) -> int | None:
    text = text.strip().upper()
    if not text or not re.fullmatch(
        r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", text
    ):
        return None
    values = dict((letters, amount) for amount, letters in _ROMAN if len(letters) == 1)
    total = 0
    for i, ch in enumerate(text):
        value = values[ch]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class NgayThang:
    """A date whose day or month may be left blank (drafts: "ngày    tháng 12 năm 2024")."""

    nam: int
    thang: int | None = None
    ngay: int | None = None

    def __post_init__(self) -> None:
        if self.ngay is not None and self.thang is None:
            raise ValueError("có ngày nhưng thiếu tháng")
        if not 1900 <= self.nam <= 2200:
            raise ValueError(f"năm {self.nam} không hợp lý")
        if self.thang is not None and not 1 <= self.thang <= 12:
            raise ValueError(f"tháng {self.thang} không tồn tại")
        if self.ngay is not None:
            try:
                dt.date(self.nam, self.thang or 1, self.ngay)
            except ValueError:
                raise ValueError(
                    f"ngày {self.ngay:02d}/{self.thang:02d}/{self.nam} không tồn tại"
                ) from None

    @property
    def complete(self) -> bool:
        return self.ngay is not None and self.thang is not None

    def as_date(self) -> dt.date | None:
        if not self.complete:
            return None
        return dt.date(self.nam, self.thang, self.ngay)  # type: ignore[arg-type]

    @classmethod
    def of(cls, value: object) -> NgayThang:
        if isinstance(value, NgayThang):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, str):
            return parse_date(value)
        raise ValueError(f'"{value}" không phải là ngày tháng')


_DATE_DMY = re.compile(r"^\s*(\d{0,2})\s*[/.-]\s*(\d{0,2})\s*[/.-]\s*(\d{4})\s*$")
_DATE_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_DATE_MY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{4})\s*$")
_DATE_LONG = re.compile(
    r"^\s*(?:ngày\s*(\d{0,2})\s*)?tháng\s*(\d{0,2})\s*năm\s*(\d{4})\s*$", re.IGNORECASE
)


def parse_date(text: str) -> NgayThang:
    """ "16/3/2021", "2021-03-16", "ngày 16 tháng 3 năm 2021"; blanks for drafts: "  /12/2024",
    "12/2024", "2024", "ngày    tháng 12 năm 2024"."""
    for pattern in (_DATE_DMY, _DATE_LONG):
        match = pattern.match(text)
        if match:
            day, month, year = match.groups()
            return NgayThang(int(year), int(month) if month else None, int(day) if day else None)
    match = _DATE_ISO.match(text)
    if match:
        year, month, day = match.groups()
        return NgayThang(int(year), int(month), int(day))
    match = _DATE_MY.match(text)
    if match:
        return NgayThang(int(match.group(2)), int(match.group(1)))
    if re.fullmatch(r"\s*\d{4}\s*", text):
        return NgayThang(int(text))
    raise ValueError(f'"{text}" không phải là ngày tháng (viết như 16/3/2021)')


def _pad_day(day: int) -> str:
    return f"{day:02d}"


def _pad_month(month: int) -> str:
    # NĐ30: months 1 and 2 take a leading zero, the others do not.
    return f"{month:02d}" if month < 3 else str(month)


# Room to write a day or month by hand on a printed draft; with the spaces around it the
# reference's "ngày    tháng 12 năm 2024" (four spaces between the words).
_BLANK = "  "


def ngay_dai(value: object) -> str:
    """Long form: "ngày 05 tháng 01 năm 2020", "ngày 29 tháng 6 năm 2019".

    A draft leaves blanks: "ngày    tháng 12 năm 2024".
    """
    date = NgayThang.of(value)
    day = _pad_day(date.ngay) if date.ngay else _BLANK
    month = _pad_month(date.thang) if date.thang else _BLANK
    return f"ngày {day} tháng {month} năm {date.nam}"


def ngay_ngan(value: object) -> str:
    """Short form for prose and citations: "21/01/2021", "09/3/2021"."""
    date = NgayThang.of(value)
    day = _pad_day(date.ngay) if date.ngay else "   "
    month = _pad_month(date.thang) if date.thang else "   "
    return f"{day}/{month}/{date.nam}"


def dia_danh_ngay(dia_danh: str, value: object) -> str:
    """Header line: "Hướng Hóa, ngày 16 tháng 3 năm 2021"."""
    return f"{dia_danh}, {ngay_dai(value)}"


# --------------------------------------------------------------------------- periods

PERIOD_KINDS = ("quy", "6_thang", "9_thang", "nam")


@dataclass(frozen=True)
class KyBaoCao:
    """A reporting period: quý I–IV, 6 tháng, 9 tháng or năm, with its year."""

    loai: str
    nam: int
    quy: int | None = None

    def __post_init__(self) -> None:
        if self.loai not in PERIOD_KINDS:
            raise ValueError(f"loại kỳ '{self.loai}' không hợp lệ")
        if self.loai == "quy" and self.quy not in (1, 2, 3, 4):
            raise ValueError("kỳ quý cần số quý từ 1 đến 4")
        if not 1900 <= self.nam <= 2200:
            raise ValueError(f"năm {self.nam} không hợp lý")

    def __str__(self) -> str:
        return ky(self)

    @property
    def start(self) -> dt.date:
        """First day of the period."""
        month = 3 * (self.quy - 1) + 1 if self.loai == "quy" and self.quy else 1
        return dt.date(self.nam, month, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period."""
        last_month = {"6_thang": 6, "9_thang": 9, "nam": 12}.get(self.loai, 3 * (self.quy or 4))
        following = dt.date(self.nam + last_month // 12, last_month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @classmethod
    def of(cls, value: object) -> KyBaoCao:
        if isinstance(value, KyBaoCao):
            return value
        if isinstance(value, str):
            return parse_period(value)
        raise ValueError(f'"{value}" không phải là kỳ báo cáo')


_PERIOD_PATTERNS = (
    (re.compile(r"^quý\s+([IV]+|[1-4])\s*(?:năm|/)\s*(\d{4})$", re.IGNORECASE), "quy"),
    (re.compile(r"^6\s*tháng(?:\s+đầu)?(?:\s+năm|\s*/)\s*(\d{4})$", re.IGNORECASE), "6_thang"),
    (re.compile(r"^9\s*tháng(?:\s+đầu)?(?:\s+năm|\s*/)\s*(\d{4})$", re.IGNORECASE), "9_thang"),
    (re.compile(r"^năm\s+(\d{4})$", re.IGNORECASE), "nam"),
)


def parse_period(text: str) -> KyBaoCao:
    """ "quý I năm 2021", "6 tháng đầu năm 2024", "9 tháng năm 2023", "năm 2021"."""
    cleaned = " ".join(text.split())
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.match(cleaned)
        if not match:
            continue
        if kind == "quy":
            quarter_text, year = match.groups()
            quarter = int(quarter_text) if quarter_text.isdigit() else parse_roman(quarter_text)
            if quarter not in (1, 2, 3, 4):
                raise ValueError(f'"{text}": quý phải từ I đến IV')
            return KyBaoCao("quy", int(year), quarter)
        return KyBaoCao(kind, int(match.group(1)))
    raise ValueError(
        f'"{text}" không phải là kỳ báo cáo (viết như "quý I năm 2021", '
        '"6 tháng đầu năm 2024", "9 tháng năm 2023", "năm 2021")'
    )


def ky(value: object) -> str:
    """ "quý I năm 2021", "6 tháng đầu năm 2024", "9 tháng năm 2023", "năm 2021"."""
    period = KyBaoCao.of(value)
    if period.loai == "quy":
        return f"quý {la_ma(period.quy or 1)} năm {period.nam}"
    if period.loai == "6_thang":
        return f"6 tháng đầu năm {period.nam}"
    if period.loai == "9_thang":
        return f"9 tháng năm {period.nam}"
    return f"năm {period.nam}"


def ky_sau(value: object) -> str:
    """The period the plan section looks at: quý II, 6 tháng cuối năm, quý IV, năm sau."""
    period = KyBaoCao.of(value)
    if period.loai == "quy":
        if period.quy == 4:
            return f"quý I năm {period.nam + 1}"
        return f"quý {la_ma((period.quy or 1) + 1)} năm {period.nam}"
    if period.loai == "6_thang":
        return f"6 tháng cuối năm {period.nam}"
    if period.loai == "9_thang":
        return f"quý IV năm {period.nam}"
    return f"năm {period.nam + 1}"


# --------------------------------------------------------------------------- document codes

# Type abbreviations of NĐ30 Phụ lục III; a công văn carries no type code.
TYPE_CODES = {
    "Báo cáo": "BC",
    "Kế hoạch": "KH",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Thông báo": "TB",
    "Tờ trình": "TTr",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Đề án": "ĐA",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Nghị quyết": "NQ",
    "Công điện": "CĐ",
    "Biên bản": "BB",
    "Phương án": "PA",
    "Kết luận": "KL",
    "Thông tư": "TT",
    "Nghị định": "NĐ",
    "Kế hoạch liên tịch": "KHLT",
}


def so_ky_hieu(so_vb: int | None, ky_hieu: str, width: int = 2) -> str:
    """5, "BC-UBND" → "05/BC-UBND"; a draft without number → "     /BC-UBND", so that
    "Số: " + it gives the reference's "Số:      /BC-UBND" (six spaces after "Số:")."""
    if so_vb is None:
        return f"{' ' * 5}/{ky_hieu}"
    return f"{str(so_vb).zfill(width)}/{ky_hieu}"


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an abbreviation ("CCHC", "UBND")."""
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def upper_vi(text: str) -> str:
    """Upper-case Vietnamese (NFC text upper-cases correctly with str.upper)."""
    return text.upper()


FILTERS = {
    "so": so,
    "phan_tram": phan_tram,
    "dem": dem,
    "bang_chu": bang_chu,
    "tien": tien,
    "tien_bang_chu": tien_bang_chu,
    "phan_tram_bang_chu": phan_tram_bang_chu,
    "la_ma": la_ma,
    "chu_cai": chu_cai,
    "ngay_dai": ngay_dai,
    "ngay_ngan": ngay_ngan,
    "ky": ky,
    "ky_sau": ky_sau,
    "viet_hoa": upper_vi,
    "viet_hoa_dau": capitalise,
    "viet_thuong_dau": lower_first,
}
