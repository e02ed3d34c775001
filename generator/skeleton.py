"""`baocao init`: a filled-in skeleton data file with the standard CCHC outline and comments."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .catalog import Catalog, ChiTieu, load_catalog, stt_labels
from .errors import OutputError
from .output import atomic_write, backup_path

# cấp → (cơ quan chủ quản, cơ quan ban hành, tên trong câu, địa danh, ký hiệu, chữ ký, danh mục)
LEVELS = {
    "huyen": (
        "UBND TỈNH QUẢNG TRỊ",
        ["Ủy ban nhân dân", "Huyện Hướng Hóa"],
        "UBND huyện Hướng Hóa",
        "Hướng Hóa",
        "BC-UBND",
        ("TM.", "Ủy ban nhân dân", "Chủ tịch"),
        "cchc-huyen-quang-tri",
        [
            "Sở Nội vụ",
            "TT. Huyện ủy",
            "TT. HĐND huyện",
            "Chủ tịch, các PCT UBND huyện",
            "Các phòng, ban chuyên môn",
        ],
        "VT, NV",
    ),
    "xa": (
        None,
        ["Ủy ban nhân dân", "Xã Hoàng Cát"],
        "UBND xã Hoàng Cát",
        "Hoàng Cát",
        "BC-UBND",
        ("TM.", "Ủy ban nhân dân", "Chủ tịch"),
        "cchc-xa-thanh-hoa-01b",
        ["UBND huyện (b/c)", "Phòng Nội vụ (b/c)", "TT. Đảng ủy, HĐND xã"],
        "VT",
    ),
    "so": (
        "UBND TỈNH QUẢNG TRỊ",
        ["Sở Tư pháp"],
        "Sở Tư pháp",
        "Quảng Trị",
        "BC-STP",
        (None, None, "Giám đốc"),
        None,
        ["Sở Nội vụ", "Giám đốc, các Phó Giám đốc Sở", "Các phòng, đơn vị thuộc Sở"],
        "VT, VP",
    ),
}

REFORM_AREAS = [
    (
        "Cải cách thể chế",
        "Kết quả xây dựng, ban hành, kiểm tra, rà soát văn bản quy phạm pháp "
        "luật; theo dõi thi hành pháp luật.",
    ),
    (
        "Cải cách thủ tục hành chính",
        "Kết quả kiểm soát, công khai, giải quyết thủ tục hành "
        "chính; thực hiện cơ chế một cửa, một cửa liên thông.",
    ),
    (
        "Cải cách tổ chức bộ máy hành chính nhà nước",
        "Kết quả sắp xếp, kiện toàn tổ chức bộ máy; quản lý biên chế, tinh giản biên chế.",
    ),
    (
        "Cải cách chế độ công vụ",
        "Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên "
        "chức; vị trí việc làm; kỷ luật, kỷ cương hành chính.",
    ),
    (
        "Cải cách tài chính công",
        "Thực hiện cơ chế tự chủ; quản lý, sử dụng ngân sách và tài sản công.",
    ),
    (
        "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
        "Ứng dụng công nghệ thông tin, dịch vụ công trực tuyến, chuyển đổi số.",
    ),
]


# What the skeleton writes in place of the report's own words; `check` refuses them untouched.
SIGNER_PLACEHOLDER = "Họ và tên người ký"
FIRST_PLAN_PARAGRAPH = (
    "Ban hành Kế hoạch cải cách hành chính năm {{ nam }}[^kh_cchc] với các nhiệm vụ trọng tâm …"
)
HEADER_MARK = "— tạo bởi `baocao init`."


def placeholder_paragraphs() -> set[str]:
    """Paragraphs of the skeleton that stand for text still to be written."""
    return {
        "- Nội dung …",
        "Nội dung …",
        FIRST_PLAN_PARAGRAPH,
        *(f"- {hint}" for _, hint in REFORM_AREAS),
    }


def example_names(field: str) -> set[str]:
    """The example units' values of ``field`` (ten_co_quan, dia_danh, co_quan_ban_hanh) the
    skeleton writes for each level."""
    index = {"co_quan_ban_hanh": 1, "ten_co_quan": 2, "dia_danh": 3}[field]
    values = set()
    for level in LEVELS.values():
        value = level[index]
        values.add(" / ".join(value) if isinstance(value, list) else str(value))
    return values


def _period_for(today: dt.date) -> str:
    """The period whose report is due around ``today`` (quý I in March, 6 tháng in June…)."""
    month, year = today.month, today.year
    if month <= 3:
        return f"quý I năm {year}"
    if month <= 6:
        return f"6 tháng đầu năm {year}"
    if month <= 9:
        return f"9 tháng năm {year}"
    return f"năm {year}"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def skeleton_text(
    cap: str,
    today: dt.date | None = None,
    *,
    period: str | None = None,
    figures: list[str] | None = None,
) -> str:
    """The commented skeleton; ``period`` and ``figures`` (the phu_luc lines) replace the
    period due today and the level's empty catalog (tổng hợp fills them in)."""
    today = today or dt.date.today()
    (
        chu_quan,
        ban_hanh,
        ten,
        dia_danh,
        ky_hieu,
        (tham_quyen, thay_cho, chuc_vu),
        catalog,
        recipients,
        luu,
    ) = LEVELS[cap]
    period = period or _period_for(today)
    out = [
        f"# Tệp số liệu báo cáo cải cách hành chính ({cap}) {HEADER_MARK}",
        "# Sửa các giá trị bên dưới rồi chạy:  baocao check TỆP  và  baocao render TỆP",
        "# Tên trường viết không dấu; nội dung viết tiếng Việt có dấu.",
        "# Trong đoạn văn: **đậm**, *nghiêng*, [^khoa] = chú thích cuối trang trích văn bản khóa,",
        "# {{ so_lieu['1.1.1'] }} = số liệu phụ lục, {{ van_ban('khoa') }} = trích dẫn văn bản.",
        "",
        "# --- Phần đầu văn bản (NĐ 30/2020/NĐ-CP) ---",
        "# Cơ quan chủ quản (dòng trên, có thể bỏ) và cơ quan ban hành (một hoặc hai dòng).",
        f"co_quan_chu_quan: {_q(chu_quan) if chu_quan else 'null'}",
        f"co_quan_ban_hanh: [{', '.join(_q(line) for line in ban_hanh)}]",
        "# Tên cơ quan như viết trong câu văn.",
        f"ten_co_quan: {_q(ten)}",
        "# Số văn bản (bỏ trống khi là dự thảo) và ký hiệu LOẠI-CƠQUAN.",
        "so: null",
        f"ky_hieu: {_q(ky_hieu)}",
        "# Dự thảo: số để trống, ngày tháng có thể để trống ngày.",
        "du_thao: true",
        f"dia_danh: {_q(dia_danh)}",
        "# Ngày ban hành: 16/3/2021; dự thảo có thể ghi chỉ tháng/năm: 12/2024.",
        f"ngay: {_q(f'{today.month}/{today.year}')}",
        '# Kỳ báo cáo: "quý I năm 2021", "6 tháng đầu năm 2024", "9 tháng năm 2023", "năm 2021".',
        f"ky_bao_cao: {_q(period)}",
        "# Tệp số liệu kỳ trước để so sánh trong đoạn văn: {{ so_sanh('1.1.1') }} viết",
        '# "tăng 12 nhiệm vụ (15,0%) so với cùng kỳ năm 2020".',
        "# ky_truoc: bao_cao_cung_ky_nam_truoc.yaml",
        "# Trích yếu: dòng dưới chữ BÁO CÁO.",
        f"trich_yeu: {_q('Kết quả thực hiện công tác cải cách hành chính {{ ky_bao_cao }}')}",
        '# Căn cứ: khóa các văn bản trong van_ban dùng cho đoạn mở đầu "Thực hiện …".',
        "can_cu: [kh_cchc]",
        "",
        "# --- Văn bản được trích dẫn (sửa một lần, mọi chỗ trích dẫn đều đổi theo) ---",
        "van_ban:",
        "  kh_cchc:",
        "    loai: Kế hoạch",
        f"    so_ky_hieu: {_q(f'01/KH-{ky_hieu.split(chr(45), 1)[1]}')}",
        f"    ngay: {_q(f'05/01/{today.year}')}",
        f"    trich_yeu: {_q(f'về cải cách hành chính năm {today.year}')}",
        "",
        "# --- Nội dung: các phần I., II., … tự đánh số theo cấp; không gõ số vào tiêu đề ---",
        "noi_dung:",
        "  - tieu_de: Công tác chỉ đạo, điều hành cải cách hành chính",
        "    muc:",
        "      - tieu_de: Kế hoạch cải cách hành chính",
        "        doan:",
        "          - " + _q(FIRST_PLAN_PARAGRAPH),
        "      - tieu_de: Công tác kiểm tra, tuyên truyền cải cách hành chính",
        "        doan:",
        "          - " + _q("- Nội dung …"),
        "  - tieu_de: Kết quả thực hiện các nhiệm vụ cải cách hành chính",
        "    muc:",
    ]
    for title, hint in REFORM_AREAS:
        out += [f"      - tieu_de: {_q(title)}", "        doan:", f"          - {_q('- ' + hint)}"]
    out += [
        "  - tieu_de: Khó khăn, vướng mắc",
        "    doan:",
        "      - " + _q("- Nội dung …"),
        "  - tieu_de: Kiến nghị, đề xuất",
        "    doan:",
        "      - " + _q("Nội dung …"),
        "  - tieu_de: " + _q("Phương hướng, nhiệm vụ trọng tâm {{ ky_sau }}"),
        "    doan:",
        "      - " + _q("- Nội dung …"),
        "",
        "# Đoạn kết (mặc định sinh từ trích yếu, luôn kết thúc bằng ./.).",
        '# ket_luan: "Trên đây là báo cáo …./."',
        "",
        "# --- Phần cuối: nơi nhận và chữ ký ---",
        "noi_nhan:",
        *(f"  - {_q(r)}" for r in recipients),
        '# Dòng lưu: thành "- Lưu: VT, …."',
        f"luu: {_q(luu)}",
        "chu_ky:",
        "  # TM. (thay mặt), KT. (ký thay), Q., TL., TUQ.; bỏ trống khi người đứng đầu ký.",
        f"  tham_quyen: {_q(tham_quyen) if tham_quyen else 'null'}",
        f"  thay_cho: {_q(thay_cho) if thay_cho else 'null'}",
        f"  chuc_vu: {_q(chuc_vu)}",
        f"  nguoi_ky: {_q(SIGNER_PLACEHOLDER)}",
    ]
    if figures is not None:
        out += figures
    elif catalog:
        out += _figures(catalog)
    else:
        out += [
            "",
            "# Phụ lục số liệu: ghi danh mục chỉ tiêu (xem `baocao danh-muc`) và số liệu:",
            "# phu_luc:",
            "#   danh_muc: <mã danh mục hoặc đường dẫn tệp .yaml>",
            "#   so_lieu: {}",
        ]
    return "\n".join(out) + "\n"


@dataclass
class AppendixBlock:
    """One Phụ lục of a data file: its ``danh_muc`` as written, its catalog, each row's entry
    (flow YAML; None leaves the row out) and what the row's comment ends with."""

    reference: str
    catalog: Catalog
    entry: Callable[[str], str | None]
    note: Callable[[ChiTieu], str]


def phu_luc_lines(title: str, blocks: list[AppendixBlock]) -> list[str]:
    """The ``phu_luc:`` block of a data file, one commented line per indicator: a table for
    one appendix, a list for several (`init` writes it empty, `tong-hop` with the totals)."""
    lines = ["", f"# --- {title} ---", "phu_luc:"]
    several = len(blocks) > 1
    indent = "    " if several else "  "
    for block in blocks:
        catalog = block.catalog
        labels = stt_labels(catalog.spec)
        opening = f"danh_muc: {block.reference}"
        lines.append(f"  - {opening}" if several else f"  {opening}")
        lines.append(f"{indent}so_lieu:")
        for node_id, node in catalog.nodes.items():
            if node.kind == "nhom":
                continue
            entry = block.entry(node_id)
            if entry is None:
                continue
            comment = f"{labels[node_id] or '—'} {node.ten}{block.note(node)}"
            # on one line: a name written on two would start a line YAML cannot read
            lines.append(f"{indent}  # {' '.join(comment.splitlines())}")
            lines.append(f"{indent}  {_q(node_id)}: {entry}")
    return lines


def _figures(catalog_name: str) -> list[str]:
    catalog = load_catalog(catalog_name)

    def note(node: ChiTieu) -> str:
        unit = node.unit_text().replace("\n", ", ")
        return f" ({unit})" if unit else ""

    def entry(node_id: str) -> str | None:
        return None if node_id in catalog.formulas else "null"

    block = AppendixBlock(catalog_name, catalog, entry, note)
    return phu_luc_lines("Phụ lục: số liệu theo mã chỉ tiêu; null = không báo cáo", [block])


def write_skeleton(path: str | Path, cap: str = "huyen", force: bool = False) -> Path:
    """Write the skeleton for ``cap`` (huyen, xa, so); an existing file is kept unless force."""
    path = Path(path)
    if cap not in LEVELS:
        raise OutputError(f"cấp '{cap}' không có; chọn: {', '.join(LEVELS)}")
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise OutputError(
            "tệp khung viết dạng YAML, có chú thích: đặt tên có đuôi .yaml", file=str(path)
        )
    if path.exists():
        if not force:
            raise OutputError(
                "tệp đã có; chọn tên khác hoặc thêm --force để ghi đè (tệp cũ được giữ thành "
                f"{backup_path(path).name})",
                file=str(path),
            )
        atomic_write(backup_path(path), path.read_bytes())
    atomic_write(path, skeleton_text(cap).encode("utf-8"))
    return path
