"""Regenerate the README pictures: page 1 and the first Phụ lục page of the huyện example.

Needs LibreOffice (soffice) and poppler-utils (pdftoppm, pdftotext).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.api import render_report  # noqa: E402
from generator.pdf import convert_to_pdf  # noqa: E402

EXAMPLE = ROOT / "data_examples" / "huyen_huong_hoa_quy1_2021.yaml"
IMAGES = ROOT / "docs" / "img"


def page_with(pdf: Path, text: str) -> int:
    page = 1
    while True:
        found = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if text in found:
            return page
        page += 1


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        result = render_report(EXAMPLE, work)
        docx = next(p for p in result.outputs if p.suffix == ".docx")
        (pdf,) = convert_to_pdf([docx])
        for name, page in (("trang-1", 1), ("phu-luc", page_with(pdf, "THỐNG KÊ SỐ LIỆU"))):
            target = IMAGES / name
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "75",
                    "-singlefile",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(pdf),
                    str(target),
                ],
                check=True,
            )
            print(f"đã ghi {target}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
