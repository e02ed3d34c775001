"""Raw WordprocessingML that python-docx has no API for, one small function per Word concept.

Footnotes part, repeated header rows, rows kept whole, PAGE field, borders, short rules
under header lines, section breaks, fonts. Everything else is python-docx or docxtpl.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

from .fontmetrics import ASCII_ADVANCE, VIETNAMESE_BASE_ADVANCE

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {"w": W_NS, "r": R_NS}
FONT = "Times New Roman"
TWIPS_PER_CM = 567


def qn(tag: str) -> str:
    """'w:p' → '{namespace}p'."""
    prefix, local = tag.split(":")
    return f"{{{NSMAP[prefix]}}}{local}"


def el(tag: str, attrs: dict[str, str] | None = None, *children: etree._Element) -> etree._Element:
    element = etree.Element(qn(tag), nsmap=NSMAP if tag == "w:footnotes" else None)
    for key, value in (attrs or {}).items():
        element.set(qn(key) if ":" in key and not key.startswith("{") else key, str(value))
    for child in children:
        element.append(child)
    return element


def child(parent: etree._Element, tag: str, first: bool = False) -> etree._Element:
    """The existing ``tag`` child of ``parent``, or a new one (inserted first if asked)."""
    found = parent.find(qn(tag))
    if found is None:
        found = etree.Element(qn(tag))
        if first:
            parent.insert(0, found)
        else:
            parent.append(found)
    return found


# --------------------------------------------------------------------------- markup builders
# The body and the Phụ lục are built as XML text, not element by element: a report has
# thousands of elements and building them through lxml costs more than writing the file.
# Every user text goes through ``esc``; attribute values are our own numbers and names.


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Document codes ("132/QĐ-UBND", "108/2014/NĐ-CP", "04-CTr/TU") must not break at their
# hyphens: there Word gets a non-breaking hyphen.
_CODE = re.compile(
    r"\b\d+[a-z]?(?:/\d{4})?/[A-ZĐ][\wĐđ]*(?:-[\wĐđ]+)+|\b\d+-[A-ZĐ][\wĐđ]*/[A-ZĐ][\wĐđ]*"
)


def _text_elements(text: str) -> str:
    """``<w:t>`` pieces of a run, with ``<w:noBreakHyphen/>`` inside document codes."""
    if "/" not in text:  # every document code has one: most texts are a single piece
        return _text_element(text)
    pieces: list[str] = []
    position = 0
    for match in _CODE.finditer(text):
        parts = match.group(0).split("-")
        pieces.append(text[position : match.start()] + parts[0])
        for part in parts[1:]:
            pieces.append("\x00")  # stands for the hyphen
            pieces.append(part)
        position = match.end()
    pieces.append(text[position:])
    return "".join("<w:noBreakHyphen/>" if p == "\x00" else _text_element(p) for p in pieces)


def _text_element(piece: str) -> str:
    if not piece:
        return ""
    space = ' xml:space="preserve"' if piece != piece.strip() else ""
    return f"<w:t{space}>{esc(piece)}</w:t>"


def run(
    text: str,
    bold: bool = False,
    italic: bool = False,
    size_pt: float | None = None,
    style: str | None = None,
) -> str:
    props = f'<w:rStyle w:val="{style}"/>' if style else ""
    if bold:
        props += "<w:b/><w:bCs/>"
    if italic:
        props += "<w:i/><w:iCs/>"
    if size_pt:
        half = round(size_pt * 2)
        props += f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f"<w:r>{rpr}{_text_elements(text)}</w:r>"


LINE_BREAK = "<w:r><w:br/></w:r>"


def footnote_reference(number: int) -> str:
    return (
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
        f'<w:footnoteReference w:id="{number}"/></w:r>'
    )


def paragraph(style: str | None, runs: Iterable[str] = (), align: str | None = None) -> str:
    props = f'<w:pStyle w:val="{style}"/>' if style else ""
    if align:
        props += f'<w:jc w:val="{align}"/>'
    ppr = f"<w:pPr>{props}</w:pPr>" if props else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def cell(
    width_twips: int,
    paragraphs: list[str],
    span: int = 1,
    vmerge: str | None = None,
    valign: str = "center",
) -> str:
    props = f'<w:tcW w:w="{width_twips}" w:type="dxa"/>'
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge:
        props += "<w:vMerge/>"
    props += f'<w:vAlign w:val="{valign}"/>'
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(paragraphs) or paragraph(None)}</w:tc>"


def row(cells: list[str], header: bool = False, keep_whole: bool = True) -> str:
    """A table row, kept whole on one page unless told otherwise; a header row repeats on
    every page."""
    props = ("<w:cantSplit/>" if keep_whole else "") + ("<w:tblHeader/>" if header else "")
    # an empty element written as lxml writes it (the Phụ lục is not parsed again)
    row_props = f"<w:trPr>{props}</w:trPr>" if props else "<w:trPr/>"
    return f"<w:tr>{row_props}{''.join(cells)}</w:tr>"


def estimated_lines(text: str, width_twips: int, size_pt: float = 12) -> int:
    """How many lines ``text`` wraps to in a cell ``width_twips`` wide (Times New Roman)."""
    per_line = max(1, (width_twips - 170) // int(0.47 * size_pt * 20))
    if "\n" not in text:
        return max(1, -(-len(text) // per_line))
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def table(
    widths_twips: list[int], rows: list[str], borders: bool = True, align: str = "center"
) -> str:
    value = 'w:val="single" w:sz="4" w:space="0" w:color="000000"' if borders else 'w:val="nil"'
    sides = "".join(
        f"<w:{side} {value}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_twips)
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths_twips)}" w:type="dxa"/>'
        f'<w:jc w:val="{align}"/><w:tblBorders>{sides}</w:tblBorders>'
        '<w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="85" w:type="dxa"/>'
        '<w:right w:w="85" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="1" '
        'w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


# --------------------------------------------------------------------------- footnotes

FOOTNOTES_PARTNAME = "/word/footnotes.xml"
SETTINGS_AFTER_FOOTNOTE_PR = (
    "w:endnotePr",
    "w:compat",
    "w:docVars",
    "w:rsids",
    "w:attachedSchema",
    "w:themeFontLang",
    "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures",
    "w:forceUpgrade",
    "w:captions",
    "w:readModeInkLockDown",
    "w:smartTagType",
    "w:shapeDefaults",
    "w:doNotEmbedSmartTags",
    "w:decimalSymbol",
    "w:listSeparator",
)
_SEPARATORS = "".join(
    f'<w:footnote w:type="{kind}" w:id="{number}"><w:p><w:pPr><w:spacing w:after="0" '
    f'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:{kind}/></w:r></w:p></w:footnote>'
    for kind, number in (("separator", -1), ("continuationSeparator", 0))
)


def footnote(number: int, text: str, runs: Callable[[str], str] = run) -> str:
    """One footnote: its reference mark, a space, then the text (style FootnoteText)."""
    return (
        f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
        f"{runs(' ' + text)}</w:p></w:footnote>"
    )


def add_footnotes(document: object, texts: list[str], runs: Callable[[str], str] = run) -> None:
    """Create word/footnotes.xml (separators -1 and 0, as Word writes them) holding footnotes
    1…n, relate it to the document and register the separators in settings. ``runs`` makes
    the markup of a footnote's text."""
    doc_part = document.part  # type: ignore[attr-defined]
    for rel in list(doc_part.rels.values()):
        if rel.reltype == RT.FOOTNOTES:  # a template that already has a footnotes part
            doc_part.drop_rel(rel.rId)
    notes = "".join(footnote(number, text, runs) for number, text in enumerate(texts, start=1))
    blob = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">{_SEPARATORS}{notes}</w:footnotes>'
    ).encode()
    part = Part(PackURI(FOOTNOTES_PARTNAME), CT.WML_FOOTNOTES, blob, doc_part.package)
    doc_part.relate_to(part, RT.FOOTNOTES)
    settings = document.settings.element  # type: ignore[attr-defined]
    if settings.find(qn("w:footnotePr")) is None:
        footnote_pr = el(
            "w:footnotePr", None, el("w:footnote", {"w:id": "-1"}), el("w:footnote", {"w:id": "0"})
        )
        # CT_Settings is a sequence: footnotePr goes before whichever of these is present
        settings.insert_element_before(footnote_pr, *SETTINGS_AFTER_FOOTNOTE_PR)


_TEXT_OF = {"t": None, "noBreakHyphen": "-", "tab": "\t", "br": "\n"}


def element_text(element: etree._Element) -> str:
    """The text Word shows for an element: its w:t, with non-breaking hyphens and breaks."""
    out = []
    for node in element.iter(qn("w:t"), qn("w:noBreakHyphen"), qn("w:tab"), qn("w:br")):
        local = etree.QName(node).localname
        out.append(node.text or "" if local == "t" else _TEXT_OF[local])
    return "".join(out)


def read_footnotes(document: object) -> list[str]:
    """The text of each real footnote (separators excluded), in id order; for tests and diff."""
    for rel in document.part.rels.values():  # type: ignore[attr-defined]
        if rel.reltype == RT.FOOTNOTES:
            root = etree.fromstring(rel.target_part.blob)
            notes = []
            for note in root.findall(qn("w:footnote")):
                if note.get(qn("w:type")) in ("separator", "continuationSeparator"):
                    continue
                notes.append((int(note.get(qn("w:id"))), element_text(note).strip()))
            return [text for _, text in sorted(notes)]
    return []


# --------------------------------------------------------------------------- tables


def table_borders(tbl: etree._Element, visible: bool) -> None:
    props = child(tbl, "w:tblPr", first=True)
    old = props.find(qn("w:tblBorders"))
    if old is not None:
        props.remove(old)
    value = "single" if visible else "nil"
    borders = el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        attrs = {"w:val": value}
        if visible:
            attrs.update({"w:sz": "4", "w:space": "0", "w:color": "000000"})
        borders.append(el(f"w:{side}", attrs))
    # schema order: tblStyle, tblpPr, tblOverlap, bidiVisual, tblStyleRowBandSize, …, tblW, jc,
    # tblCellSpacing, tblInd, tblBorders, shd, tblLayout, tblCellMar, tblLook
    after = None
    for tag in ("w:tblInd", "w:tblCellSpacing", "w:jc", "w:tblW", "w:tblStyle"):
        after = props.find(qn(tag))
        if after is not None:
            break
    if after is not None:
        after.addnext(borders)
    else:
        props.insert(0, borders)


def table_grid(tbl: etree._Element, widths_twips: list[int]) -> None:
    """Set the grid as well as the cell widths: LibreOffice lays tables out from the grid."""
    grid = tbl.find(qn("w:tblGrid"))
    if grid is None:
        grid = el("w:tblGrid")
        tbl.insert(1, grid)
    for col in list(grid):
        grid.remove(col)
    for width in widths_twips:
        grid.append(el("w:gridCol", {"w:w": str(width)}))


# --------------------------------------------------------------------------- rules and sections


def short_rule(p: etree._Element, width_twips: int, column_twips: int) -> None:
    """Turn an empty paragraph into a centred solid line ``width_twips`` long (a border under
    a tiny paragraph indented from both sides draws exactly that in Word and LibreOffice)."""
    props = child(p, "w:pPr", first=True)
    for tag in ("w:pBdr", "w:ind"):
        old = props.find(qn(tag))
        if old is not None:
            props.remove(old)
    indent = max(0, (column_twips - width_twips) // 2)
    border = el(
        "w:pBdr",
        None,
        el("w:bottom", {"w:val": "single", "w:sz": "6", "w:space": "1", "w:color": "000000"}),
    )
    ind = el("w:ind", {"w:left": str(indent), "w:right": str(indent)})
    # pPr order: pStyle, keepNext, …, pBdr, shd, tabs, …, spacing, ind, …, jc
    style = props.find(qn("w:pStyle"))
    if style is not None:
        style.addnext(border)
    else:
        props.insert(0, border)
    jc = props.find(qn("w:jc"))
    if jc is not None:
        jc.addprevious(ind)
    else:
        props.append(ind)


def keep_with_next(p: etree._Element, whole: bool = False) -> None:
    """Keep the paragraph on the page of the next block (``whole``: and never split it)."""
    props = child(p, "w:pPr", first=True)
    anchor = props.find(qn("w:pStyle"))
    for tag in ("w:keepNext", "w:keepLines") if whole else ("w:keepNext",):
        found = props.find(qn(tag))
        if found is None:
            found = el(tag)
            if anchor is not None:
                anchor.addnext(found)
            else:
                props.insert(0, found)
        anchor = found


_ADVANCE = {
    bold: {**ASCII_ADVANCE[bold], **VIETNAMESE_BASE_ADVANCE[bold]} for bold in (False, True)
}
_HORN = {"U": "Ư", "O": "Ơ", "u": "ư", "o": "ơ"}


def text_width_twips(text: str, size_pt: float, bold: bool = False) -> int:
    """Printed width of a line of Times New Roman (Word) or Liberation Serif (LibreOffice)."""
    advances = _ADVANCE[bold]
    total = 0
    for ch in text:
        width = advances.get(ch)
        if width is None:
            parts = unicodedata.normalize("NFD", ch)
            base = _HORN.get(parts[0], parts[0]) if "\u031b" in parts else parts[0]
            width = advances.get(base, 500)
        total += width
    return round(total * size_pt * 20 / 1000)


def landscape(sect_pr: etree._Element) -> None:
    size = sect_pr.find(qn("w:pgSz"))
    width, height = int(size.get(qn("w:w"))), int(size.get(qn("w:h")))
    if width < height:
        size.set(qn("w:w"), str(height))
        size.set(qn("w:h"), str(width))
    size.set(qn("w:orient"), "landscape")
    margins = sect_pr.find(qn("w:pgMar"))
    if margins is not None:
        # the binding edge (left, 30 mm) becomes the top edge when the page is turned
        top, left = margins.get(qn("w:top")), margins.get(qn("w:left"))
        bottom, right = margins.get(qn("w:bottom")), margins.get(qn("w:right"))
        margins.set(qn("w:top"), left)
        margins.set(qn("w:left"), top)
        margins.set(qn("w:bottom"), right)
        margins.set(qn("w:right"), bottom)


def page_field(size_pt: float = 13) -> list[etree._Element]:
    """The runs of a PAGE field (begin / instruction / separate / value / end)."""

    def field_run(*children: etree._Element) -> etree._Element:
        half = str(round(size_pt * 2))
        return el(
            "w:r",
            None,
            el("w:rPr", None, el("w:sz", {"w:val": half}), el("w:szCs", {"w:val": half})),
            *children,
        )

    instr = el("w:instrText", {f"{{{XML_NS}}}space": "preserve"})
    instr.text = " PAGE "
    value = el("w:t")
    value.text = "2"
    return [
        field_run(el("w:fldChar", {"w:fldCharType": "begin"})),
        field_run(instr),
        field_run(el("w:fldChar", {"w:fldCharType": "separate"})),
        field_run(value),
        field_run(el("w:fldChar", {"w:fldCharType": "end"})),
    ]


def force_fonts(styles_element: etree._Element) -> None:
    """Times New Roman on docDefaults and every style, theme font attributes removed (they
    override w:ascii in Word)."""
    for fonts in styles_element.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)
