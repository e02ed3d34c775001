"""Value marks: how a generated report remembers where each value from the data was printed.

Every value taken from the data (a figure or computed value in a sentence, a cited document's
number and date, the header's số and ngày, the trích yếu, the signer, each Phụ lục cell) is
framed by a hidden bookmark (``_bc…``: names starting with "_" are hidden in Word's bookmark
list). A list of the marks, with what each value is and the text that was printed, is kept in a
custom XML part of the package. Both survive a save in Word and a save as .docx in LibreOffice
Writer (tested: LibreOffice 7.4 drops content-control tags but keeps bookmarks and custom XML
parts), so `baocao cap-nhat` can change those values, and nothing else, in a file edited by hand.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from . import wordml
from .wordml import qn

MANIFEST_NS = "urn:baocao:danh-dau"
MANIFEST_ROOT = f"{{{MANIFEST_NS}}}danhDau"
CUSTOM_XML_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
CUSTOM_XML_PROPS_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
)
CUSTOM_XML_PROPS_TYPE = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
MANIFEST_ITEM_ID = "{6B1C2A0E-5D3F-4C8B-9A7E-BA0CA0DA0DA0}"
NAME_PREFIX = "_bc"
FIRST_BOOKMARK_ID = 10000  # above the ids Word and templates use for their own bookmarks


def normal(text: str) -> str:
    """Text as compared: NFC, runs of white space as one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class Mark:
    """One marked value: bookmark ``name``, what it is (``key``), where the data put it
    (``path``), and the ``text`` printed."""

    name: str
    key: str
    path: str
    text: str


@dataclass
class MarkSink:
    """Collects the marks of one document while it is written, naming them stably: the same
    value at the same place gets the same name in every render."""

    marks: list[Mark] = field(default_factory=list)
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)
    _next_id: int = FIRST_BOOKMARK_ID

    def add(self, key: str, path: str, text: str) -> tuple[str, int]:
        occurrence = self._seen.get((key, path), 0)
        self._seen[(key, path)] = occurrence + 1
        digest = hashlib.sha1(f"{key}\x1f{path}\x1f{occurrence}".encode()).hexdigest()[:12]
        name = NAME_PREFIX + digest
        self.marks.append(Mark(name, key, path, text))
        self._next_id += 1
        return name, self._next_id

    def frame(self, key: str, path: str, text: str, runs: str) -> str:
        """``runs`` between the bookmark start and end of a new mark."""
        name, number = self.add(key, path, text)
        return (
            f'<w:bookmarkStart w:id="{number}" w:name="{name}"/>{runs}'
            f'<w:bookmarkEnd w:id="{number}"/>'
        )


# --------------------------------------------------------------------------- manifest part


_ATTRIBUTE_SPECIAL = re.compile('[&<"\n\t\r]')


def _attribute(text: str) -> str:
    if _ATTRIBUTE_SPECIAL.search(text) is None:  # most values: nothing to escape
        return text
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
        .replace("\r", "&#13;")
    )


def manifest_xml(marks: list[Mark]) -> bytes:
    items = "".join(
        f'<m n="{m.name}" k="{_attribute(m.key)}" p="{_attribute(m.path)}" '
        f'v="{_attribute(m.text)}"/>'
        for m in marks
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<danhDau xmlns="{MANIFEST_NS}" phienBan="1">{items}</danhDau>'
    ).encode()


def parse_manifest(blob: bytes) -> list[Mark]:
    """The marks of a manifest; ValueError when it is damaged."""
    try:
        root = etree.fromstring(blob, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ValueError(str(exc)) from None
    if root.tag != MANIFEST_ROOT:
        raise ValueError("không phải danh sách dấu của baocao")
    marks = []
    for item in root.iter(f"{{{MANIFEST_NS}}}m"):
        values = [item.get(a) for a in ("n", "k", "p", "v")]
        if any(v is None for v in values) or not values[0].startswith(NAME_PREFIX):
            raise ValueError("một dấu thiếu thông tin")
        marks.append(Mark(*values))  # type: ignore[arg-type]
    return marks


def add_manifest(document: Any, marks: list[Mark]) -> None:
    """Store the manifest as a custom XML part related to the main document."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    doc_part = document.part
    used = {str(part.partname) for part in doc_part.package.iter_parts()}
    number = 1
    while f"/customXml/item{number}.xml" in used or f"/customXml/itemProps{number}.xml" in used:
        number += 1
    item = Part(
        PackURI(f"/customXml/item{number}.xml"),
        "application/xml",
        manifest_xml(marks),
        doc_part.package,
    )
    props = Part(
        PackURI(f"/customXml/itemProps{number}.xml"),
        CUSTOM_XML_PROPS_TYPE,
        (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<ds:datastoreItem xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'customXml" ds:itemID="{MANIFEST_ITEM_ID}"><ds:schemaRefs><ds:schemaRef '
            f'ds:uri="{MANIFEST_NS}"/></ds:schemaRefs></ds:datastoreItem>'
        ).encode(),
        doc_part.package,
    )
    item.relate_to(props, CUSTOM_XML_PROPS_REL)
    doc_part.relate_to(item, CUSTOM_XML_REL)


def find_manifest(parts: dict[str, bytes]) -> bytes | None:
    for name, blob in parts.items():
        if name.startswith("customXml/item") and MANIFEST_NS.encode() in blob[:400]:
            return blob
    return None


# --------------------------------------------------------------------------- text in Word XML

TEXT_TAGS = (qn("w:t"), qn("w:noBreakHyphen"), qn("w:tab"), qn("w:br"))


def piece_text(node: etree._Element) -> str:
    if node.tag == qn("w:t"):
        return node.text or ""
    return {"noBreakHyphen": "-", "tab": "\t", "br": "\n"}[etree.QName(node).localname]


def _split_run(run: etree._Element, offset: int) -> etree._Element:
    """Split ``run`` so its first ``offset`` characters stay and the rest move to a copy
    inserted after it; returns the copy."""
    tail = etree.Element(run.tag)
    props = run.find(qn("w:rPr"))
    if props is not None:
        tail.append(etree.fromstring(etree.tostring(props)))
    position = 0
    for node in [n for n in run if n.tag in TEXT_TAGS]:
        text = piece_text(node)
        if position >= offset:
            tail.append(node)  # moves it
        elif position + len(text) > offset and node.tag == qn("w:t"):
            keep, move = text[: offset - position], text[offset - position :]
            node.text = keep
            moved = etree.SubElement(tail, qn("w:t"))
            moved.text = move
            for t in (node, moved):
                t.set(f"{{{wordml.XML_NS}}}space", "preserve")
        position += len(text)
    run.addnext(tail)
    return tail


def _direct_runs(paragraph: etree._Element) -> list[etree._Element]:
    return [r for r in paragraph if r.tag == qn("w:r")]


def frame_span(paragraph: etree._Element, start: int, end: int, name: str, number: int) -> bool:
    """Put a bookmark around characters ``start``…``end`` of a paragraph's own runs, splitting
    runs where needed; False when those characters are not in plain runs."""
    position = 0
    first = last = None
    for run in _direct_runs(paragraph):
        length = sum(len(piece_text(n)) for n in run if n.tag in TEXT_TAGS)
        run_start, run_end = position, position + length
        position = run_end
        if run_end <= start or run_start >= end or length == 0:
            continue
        if run_start < start:
            run = _split_run(run, start - run_start)
            run_start = start
        if run_end > end:
            _split_run(run, end - run_start)
        if first is None:
            first = run
        last = run
    if first is None or last is None:
        return False
    first.addprevious(wordml.el("w:bookmarkStart", {"w:id": str(number), "w:name": name}))
    last.addnext(wordml.el("w:bookmarkEnd", {"w:id": str(number)}))
    return True


def mark_paragraph_text(
    paragraphs: list[etree._Element], text: str, sink: MarkSink, key: str, last: bool = False
) -> bool:
    """Mark the first (or last) occurrence of ``text`` in the paragraphs' own runs."""
    if not text.strip():
        return False
    for paragraph in reversed(paragraphs) if last else paragraphs:
        own = "".join(
            piece_text(n) for r in _direct_runs(paragraph) for n in r if n.tag in TEXT_TAGS
        )
        at = own.rfind(text) if last else own.find(text)
        if at < 0:
            continue
        name, number = sink.add(key, key, text)
        if frame_span(paragraph, at, at + len(text), name, number):
            return True
        sink.marks.pop()
    return False


@dataclass
class Found:
    """A bookmark found in a part: its ends and the text elements between them."""

    start: etree._Element
    end: etree._Element | None = None
    nodes: list[etree._Element] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(piece_text(n) for n in self.nodes)


# LibreOffice names a bookmark it thinks duplicated NAME_Copy_1 (it does so in footnotes).
_COPY_SUFFIX = re.compile(r"_Copy_\d+$")


def find_marks(root: etree._Element) -> dict[str, Found]:
    """Every ``_bc…`` bookmark of a part, with its text, in one pass over the part."""
    found: dict[str, Found] = {}
    open_ids: dict[str, tuple[str, Found]] = {}  # bookmark id → (name, mark)
    open_names: dict[str, str] = {}  # name → bookmark id
    for node in root.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd"), *TEXT_TAGS):
        if node.tag == qn("w:bookmarkStart"):
            name = _COPY_SUFFIX.sub("", node.get(qn("w:name"), ""))
            if not name.startswith(NAME_PREFIX):
                continue
            if name in open_names:  # LibreOffice writes an empty bookmark as two starts
                open_ids.pop(open_names.pop(name), None)
            elif name in found:  # a copy (LibreOffice renames those in footnotes): keep one
                continue
            number = node.get(qn("w:id"), "")
            found[name] = Found(node)
            open_ids[number] = (name, found[name])
            open_names[name] = number
        elif node.tag == qn("w:bookmarkEnd"):
            opened = open_ids.pop(node.get(qn("w:id"), ""), None)
            if opened is not None:
                opened[1].end = node
                open_names.pop(opened[0], None)
        elif open_ids and _in_run(node):
            for _, mark in open_ids.values():
                mark.nodes.append(node)
    return found


def _in_run(node: etree._Element) -> bool:
    parent = node.getparent()
    return parent is not None and parent.tag == qn("w:r")


def replace_text(mark: Found, text: str) -> bool:
    """Put ``text`` in place of the mark's text: the first run keeps its formatting and takes
    the new text; the text of the other runs inside the mark is removed."""
    pieces = etree.fromstring(f'<w:r xmlns:w="{wordml.W_NS}">{wordml._text_elements(text)}</w:r>')
    if mark.nodes:
        first = mark.nodes[0]
        for new in list(pieces):
            first.addprevious(new)
        for node in mark.nodes:
            node.getparent().remove(node)
        return True
    parent = mark.start.getparent()
    if parent is None or parent.tag != qn("w:p"):
        return False
    run = wordml.el("w:r")
    neighbour = mark.start.getprevious()
    while neighbour is not None and neighbour.tag != qn("w:r"):
        neighbour = neighbour.getprevious()
    if neighbour is not None and neighbour.find(qn("w:rPr")) is not None:
        run.append(etree.fromstring(etree.tostring(neighbour.find(qn("w:rPr")))))
    for new in list(pieces):
        run.append(new)
    mark.start.addnext(run)
    return True


def split_marked(text: str) -> list[tuple[int | None, str]]:
    """``text`` in pieces: (mark number, text) for marked values, (None, text) between them.
    An unclosed or nested frame (an expression that cut a citation) is left unmarked."""
    from .prose import MARKS, mark_index

    pieces: list[tuple[int | None, str]] = []
    position = 0
    current: int | None = None
    opened_at = 0
    for match in MARKS.finditer(text):
        if match.group(1):  # an opening
            if current is not None:  # nested: drop the outer frame
                pieces.append((None, text[opened_at : match.start()]))
            else:
                pieces.append((None, text[position : match.start()]))
            current = mark_index(match.group(1))
            opened_at = match.end()
        elif current is not None:
            pieces.append((current, text[opened_at : match.start()]))
            current = None
        else:
            pieces.append((None, text[position : match.start()]))
        position = match.end()
    if current is not None:
        pieces.append((None, text[opened_at:]))
    else:
        pieces.append((None, text[position:]))
    return [(number, piece) for number, piece in pieces if piece or number is not None]


def realign(mark: Found, text: str, reach: int = 2) -> bool:
    """Move a mark that slipped a character or two off its value back onto it.

    LibreOffice counts a comment anchor as a character when it saves bookmarks, so a mark in
    a paragraph holding a comment can come back shifted ("2" of "28"). When the value as
    generated stands within ``reach`` characters of the mark, the mark is put around it."""
    paragraph = mark.start.getparent()
    if (
        not text
        or paragraph is None
        or paragraph.tag != qn("w:p")
        or mark.end is None
        or mark.end.getparent() is not paragraph
    ):
        return False
    position = 0
    start_at = None
    pieces = []
    for node in paragraph:
        if node is mark.start:
            start_at = position
        elif node.tag == qn("w:r"):
            piece = "".join(piece_text(n) for n in node if n.tag in TEXT_TAGS)
            pieces.append(piece)
            position += len(piece)
    if start_at is None:
        return False
    whole = "".join(pieces)
    for delta in sorted(range(-reach, reach + 1), key=abs):
        at = start_at + delta
        if at >= 0 and whole[at : at + len(text)] == text:
            name, number = mark.start.get(qn("w:name")), mark.start.get(qn("w:id"))
            paragraph.remove(mark.start)
            paragraph.remove(mark.end)
            return frame_span(paragraph, at, at + len(text), name, int(number))
    return False
