"""Advance widths of Times New Roman, for laying text out before Word or Excel do: how wide
the header's columns must be, how many lines a Phụ lục cell takes."""

from __future__ import annotations

# Advance widths (1/1000 em) of Times Roman and Times Bold for ASCII 32…126 (Adobe AFM; Times
# New Roman and its metric twin Liberation Serif share them).
_ROMAN = (
    "250 333 408 500 500 833 778 180 333 333 500 564 250 333 250 278 500 500 500 500 500 500 "
    "500 500 500 500 278 278 564 564 564 444 921 722 667 667 722 611 556 722 722 333 389 722 "
    "611 889 722 722 556 722 667 556 611 722 722 944 722 722 611 333 278 333 469 500 333 444 "
    "500 444 500 444 333 500 500 278 278 500 278 778 500 500 500 500 333 389 278 500 500 722 "
    "500 500 444 480 200 480 541"
)
_BOLD = (
    "250 333 555 500 500 1000 833 278 333 333 500 570 250 333 250 278 500 500 500 500 500 500 "
    "500 500 500 500 333 333 570 570 570 500 930 722 667 722 722 667 611 778 778 389 500 778 "
    "667 944 722 778 611 778 722 556 667 722 722 1000 722 722 667 333 278 333 581 500 333 500 "
    "556 444 556 444 333 500 556 278 333 556 278 833 556 500 556 556 444 389 333 556 500 722 "
    "500 500 444 394 220 394 520"
)
ASCII_ADVANCE = {
    False: {chr(32 + i): int(w) for i, w in enumerate(_ROMAN.split())},
    True: {chr(32 + i): int(w) for i, w in enumerate(_BOLD.split())},
}

# The Vietnamese base letters as Liberation Serif has them (regular, bold): every other
# Vietnamese letter is one of these, or an ASCII letter, with marks that take no room.
VIETNAMESE_BASE_ADVANCE = {
    False: dict(
        zip(
            "ĂÂĐÊÔƠƯăâđêôơư",
            (722, 722, 722, 611, 722, 722, 776, 444, 444, 500, 444, 500, 529, 542),
            strict=True,
        )
    ),
    True: dict(
        zip(
            "ĂÂĐÊÔƠƯăâđêôơư",
            (722, 722, 722, 667, 778, 778, 796, 500, 500, 556, 444, 500, 554, 600),
            strict=True,
        )
    ),
}
