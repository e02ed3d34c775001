"""Write N realistic xã data files for trying and measuring `baocao tong-hop` and batch render.

    python tools/make_units.py THƯ_MỤC [-n 600] [--loi 3] [--seed 1]

Each file is the shipped xã report (data_examples/xa_hoang_cat_6_thang_2024.yaml, catalog
cchc-xa-thanh-hoa-01b, with its whole body and cited documents) under another xã name, its
counts scaled by a factor of its own (a small xã and a large one), its percentages and
choices drawn at random. ``--loi K`` spoils K of them (a figure typed in words) to show that a
bad file is reported without stopping the others. The files are not committed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.catalog import load_catalog  # noqa: E402

SOURCE = ROOT / "data_examples" / "xa_hoang_cat_6_thang_2024.yaml"
SOURCE_NAME = "Hoàng Cát"
SYLLABLES = [
    "An",
    "Bình",
    "Châu",
    "Đông",
    "Đức",
    "Hà",
    "Hải",
    "Hòa",
    "Hoằng",
    "Hưng",
    "Khánh",
    "Lâm",
    "Lộc",
    "Lợi",
    "Minh",
    "Nam",
    "Nga",
    "Phong",
    "Phú",
    "Quảng",
    "Sơn",
    "Tân",
    "Thanh",
    "Thành",
    "Thịnh",
    "Thiệu",
    "Tiến",
    "Trung",
    "Vĩnh",
    "Xuân",
    "Yên",
]
FIGURE = re.compile(r'^(    "(?P<id>[\d.]+)": )(?P<value>\d+|null)( +#.*)?$', re.MULTILINE)


def unit_names(count: int, rng: random.Random) -> list[str]:
    names = [f"{a} {b}" for a in SYLLABLES for b in SYLLABLES if a != b]
    if count > len(names):
        raise SystemExit(f"tối đa {len(names)} tên xã khác nhau")
    rng.shuffle(names)
    return names[:count]


def unit_text(source: str, name: str, rng: random.Random, spoiled: bool) -> str:
    catalog = load_catalog("cchc-xa-thanh-hoa-01b")
    factor = rng.uniform(0.4, 1.8)
    values: dict[str, str] = {}
    for match in FIGURE.finditer(source):
        node = catalog.nodes[match.group("id")]
        value = match.group("value")
        if node.kind == "lua_chon":
            value = str(rng.choice(list(node.lua_chon or {0: ""})))
        elif node.kind == "phan_tram":
            value = str(rng.randint(60, 100))
        elif value != "null":
            value = str(int(int(value) * factor))
        values[node.id] = value
    for node_id, checks in catalog.checks.items():  # "= tong_con" stays true after scaling
        if any("tong_con" in check.bieu_thuc for check, _ in checks):
            parts = [values.get(child.id, "null") for child in catalog.nodes[node_id].con]
            values[node_id] = str(sum(int(v) for v in parts if v != "null"))

    def figure(match: re.Match[str]) -> str:
        return match.group(1) + values[match.group("id")]

    text = FIGURE.sub(figure, source.replace(SOURCE_NAME, name))
    if spoiled:
        text = text.replace('    "1.1.1": ', '    "1.1.1": "mười" # ', 1)
    return text


def write_units(folder: Path, count: int, spoiled: int = 0, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    source = SOURCE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    spoil = set(rng.sample(range(count), spoiled)) if spoiled else set()
    paths = []
    for index, name in enumerate(unit_names(count, rng)):
        path = folder / f"xa_{index + 1:03d}.yaml"
        path.write_text(unit_text(source, name, rng, index in spoil), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("-n", type=int, default=600, help="số tệp (mặc định 600)")
    parser.add_argument("--loi", type=int, default=0, help="số tệp cố ý có lỗi")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    paths = write_units(args.folder, args.n, args.loi, args.seed)
    print(f"Đã ghi {len(paths)} tệp vào {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
