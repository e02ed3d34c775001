"""Vietnamese numbers in words, installed as num2words' "vi" converter.

num2words ships a 'vi' converter that reads 1005 as "một nghìn lẻ năm" and 0.5 as
"không phẩy năm mươi"; importing this module replaces it, so ``num2words(x, lang="vi")``
follows the official rules (see the project's reference on Vietnamese numbers):

- a group of three digits that follows a higher group always says its hundreds:
  1.005 → "một nghìn không trăm linh năm"; an all-zero group is skipped;
- "mốt" only after "mươi", "lăm" after "mười"/"mươi", "linh" (or "lẻ") for a zero ten;
- decimals: "phẩy" then the digits after the comma read as a number, each leading
  zero read "không"; negatives start with "âm";
- ``to="currency"``: capitalised, "đồng", full stop.

Options (keyword arguments): ``linh="lẻ"`` for the southern zero ten, ``bon="tư"`` for
"hai mươi tư" (4 after "mươi" or "linh").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
# Scales inside one "tỷ" block; above tỷ the block repeats ("một nghìn tỷ").
_SCALES = ((10**6, "triệu"), (10**3, "nghìn"), (1, ""))
_BILLION = 10**9


def _check_option(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} phải là một trong {', '.join(allowed)}")
    return value


def _read_group(group: int, full: bool, linh: str, bon: str) -> list[str]:
    """Words of 0–999; ``full`` says the hundreds even when zero (a group after a higher one)."""
    hundreds, tens, units = group // 100, group // 10 % 10, group % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words += [linh, bon if units == 4 else DIGITS[units]]
            else:
                words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
        return words
    words += [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units == 4:
        words.append(bon)
    elif units:
        words.append(DIGITS[units])
    return words


def _read_below_billion(number: int, full: bool, linh: str, bon: str) -> list[str]:
    words: list[str] = []
    for scale, name in _SCALES:
        group = number // scale % 1000
        if group == 0:
            continue
        words += _read_group(group, full or bool(words), linh, bon)
        if name:
            words.append(name)
    return words


def integer_words(number: int, linh: str = "linh", bon: str = "bốn") -> str:
    if number < 0:
        return "âm " + integer_words(-number, linh, bon)
    if number == 0:
        return "không"
    return " ".join(_read_integer(number, False, linh, bon))


def _read_integer(number: int, full: bool, linh: str, bon: str) -> list[str]:
    if number < _BILLION:
        return _read_below_billion(number, full, linh, bon)
    high, low = divmod(number, _BILLION)
    words = [*_read_integer(high, full, linh, bon), "tỷ"]
    if low:
        words += _read_below_billion(low, True, linh, bon)
    return words


def as_decimal(number: object) -> Decimal:
    if isinstance(number, Decimal):
        return number
    if isinstance(number, bool):
        raise TypeError("giá trị đúng/sai không phải là số")
    if isinstance(number, int):
        if number.bit_length() > 3400:  # over ~1,000 digits: no figure is that long
            raise ValueError("số quá lớn (hơn 1.000 chữ số)")
        return Decimal(number)
    if isinstance(number, float):
        # repr gives the shortest text that round-trips: 0.1 → "0.1", not 0.1000000000000000055
        return Decimal(repr(number))
    try:
        text = str(number).strip()
        if len(text) > 1100:
            raise ValueError("số quá lớn (hơn 1.000 chữ số)")
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f'"{number}" không phải là số') from None


def number_words(number: object, linh: str = "linh", bon: str = "bốn") -> str:
    """Any number (int, float, Decimal, numeric text) in Vietnamese words."""
    _check_option("linh", linh, ("linh", "lẻ"))
    _check_option("bon", bon, ("bốn", "tư"))
    value = as_decimal(number)
    if not value.is_finite():
        raise ValueError(f'"{number}" không phải là số hữu hạn')
    sign = "âm " if value < 0 else ""
    value = abs(value)
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    words = integer_words(int(whole), linh, bon)
    if fraction:
        zeros = len(fraction) - len(fraction.lstrip("0"))
        rest = fraction.lstrip("0")
        words += " phẩy " + " ".join(["không"] * zeros + [integer_words(int(rest), linh, bon)])
    return sign + words


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def money_words(amount: object, unit: str = "đồng", linh: str = "linh", bon: str = "bốn") -> str:
    """'Mười một tỷ … đồng.': capitalised, unit after, full stop (amounts are whole đồng)."""
    try:
        value = as_decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f'"{amount}" quá lớn để đọc thành tiền') from None
    return capitalise(f"{number_words(value, linh, bon)} {unit}") + "."


class Num2WordVI:
    """The num2words converter interface (``to_cardinal``, ``to_currency`` …) for Vietnamese."""

    def str_to_number(self, value: str) -> Decimal:
        return as_decimal(value)

    def to_cardinal(self, number: object, linh: str = "linh", bon: str = "bốn") -> str:
        return number_words(number, linh, bon)

    def to_ordinal(self, number: object, **options: str) -> str:
        value = int(as_decimal(number))
        if value == 1:
            return "thứ nhất"
        if value == 4:
            return "thứ tư"
        return "thứ " + number_words(value, **options)

    def to_ordinal_num(self, number: object, **_options: str) -> str:
        return f"thứ {int(as_decimal(number))}"

    def to_year(self, number: object, **options: str) -> str:
        return "năm " + number_words(int(as_decimal(number)), **options)

    def to_currency(self, number: object, currency: str = "VND", **options: str) -> str:
        unit = {"VND": "đồng", "USD": "đô la Mỹ", "EUR": "ơ-rô"}.get(currency, currency)
        return money_words(number, unit, **options)


def install() -> None:
    """Make ``num2words(x, lang="vi")`` use the corrected converter."""
    import num2words

    num2words.CONVERTER_CLASSES["vi"] = Num2WordVI()
