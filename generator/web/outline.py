"""The report's outline (noi_dung) as the rows of a form and back: one row per section with
its depth, title and paragraphs, each paragraph its own box. Tables stay as they are in the
data file and appear as a [[bảng N]] paragraph, so moving text never loses them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TABLE_MARK = re.compile(r"^\[\[bảng (\d+)\]\]$")
MAX_DEPTH = 5


@dataclass
class Row:
    depth: int
    title: str
    paragraphs: list[str] = field(default_factory=list)


def _block_texts(blocks: Any, tables: list[Any]) -> list[str]:
    if isinstance(blocks, str):
        blocks = [blocks]
    parts = []
    for block in blocks or []:
        if isinstance(block, dict) and "bang" in block:
            tables.append(block)
            parts.append(f"[[bảng {len(tables)}]]")
        elif isinstance(block, dict):
            parts.append(str(block.get("doan") or ""))
        else:
            parts.append(str(block))
    return parts


def flatten(sections: Any) -> tuple[list[Row], list[Any]]:
    """Rows in reading order, and the tables met (numbered from 1)."""
    rows: list[Row] = []
    tables: list[Any] = []

    def walk(items: Any, depth: int) -> None:
        for item in items or []:
            if not isinstance(item, dict):
                continue
            title = str(item.get("tieu_de") or "")
            rows.append(Row(depth, title, _block_texts(item.get("doan"), tables)))
            walk(item.get("muc"), depth + 1)

    walk(sections if isinstance(sections, list) else [], 1)
    return rows, tables


def _blocks(paragraphs: list[str], tables: list[Any]) -> list[Any]:
    """Paragraph boxes to data blocks; a box with blank lines holds several paragraphs, an
    empty box is dropped."""
    blocks: list[Any] = []
    for text in paragraphs:
        for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
            chunk = chunk.strip()
            if not chunk:
                continue
            mark = TABLE_MARK.match(chunk)
            if mark and 1 <= int(mark.group(1)) <= len(tables):
                blocks.append(tables[int(mark.group(1)) - 1])
            else:
                blocks.append(chunk)
    return blocks


def build(rows: list[Row], tables: list[Any]) -> list[dict[str, Any]]:
    """The noi_dung list from rows; a row deeper than its predecessor + 1 is pulled up."""
    root: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(0, root)]
    for row in rows:
        depth = max(1, min(row.depth, stack[-1][0] + 1, MAX_DEPTH))
        while stack[-1][0] >= depth:
            stack.pop()
        section: dict[str, Any] = {"tieu_de": row.title.strip()}
        blocks = _blocks(row.paragraphs, tables)
        if blocks:
            section["doan"] = blocks
        stack[-1][1].append(section)
        children: list[dict[str, Any]] = []
        section["muc"] = children
        stack.append((depth, children))

    def prune(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["muc"]:
                prune(item["muc"])
            else:
                del item["muc"]

    prune(root)
    return root


def _subtree_end(rows: list[Row], index: int) -> int:
    end = index + 1
    while end < len(rows) and rows[end].depth > rows[index].depth:
        end += 1
    return end


def _paragraph_operation(rows: list[Row], action: str, index: int, number: int) -> None:
    """p-up / p-down / p-del / p-add on paragraph ``number`` of section ``index``."""
    if not 0 <= index < len(rows):
        return
    paragraphs = rows[index].paragraphs
    if action == "p-add":
        paragraphs.insert(min(number + 1, len(paragraphs)), "")
    elif not 0 <= number < len(paragraphs):
        return
    elif action == "p-del":
        del paragraphs[number]
    elif action == "p-up" and number > 0:
        paragraphs[number - 1], paragraphs[number] = paragraphs[number], paragraphs[number - 1]
    elif action == "p-down" and number + 1 < len(paragraphs):
        paragraphs[number + 1], paragraphs[number] = paragraphs[number], paragraphs[number + 1]


def apply(rows: list[Row], operation: str) -> list[Row]:
    """One button of the outline form. Sections: up-N, down-N (with their subsections), del-N,
    add-N (a new section after N's subsections, same depth), in-N / out-N (one level deeper /
    shallower). Paragraphs: p-up-N-M, p-down-N-M, p-del-N-M, p-add-N-M (a new paragraph after
    paragraph M of section N; M = -1 puts it first)."""
    rows = [Row(r.depth, r.title, list(r.paragraphs)) for r in rows]
    paragraph = re.fullmatch(r"(p-up|p-down|p-del|p-add)-(\d+)-(-1|\d+)", operation or "")
    if paragraph:
        _paragraph_operation(
            rows, paragraph.group(1), int(paragraph.group(2)), int(paragraph.group(3))
        )
        return rows
    match = re.fullmatch(r"(up|down|del|add|in|out)-(\d+)", operation or "")
    if not match:
        return rows
    action, index = match.group(1), int(match.group(2))
    if not 0 <= index < len(rows):
        if action == "add" and not rows:
            return [Row(1, "")]
        return rows
    end = _subtree_end(rows, index)
    depth = rows[index].depth
    if action == "del":
        del rows[index:end]
    elif action == "add":
        rows.insert(end, Row(depth, ""))
    elif action == "in":
        if index > 0 and depth <= rows[index - 1].depth:
            for row in rows[index:end]:
                row.depth += 1
    elif action == "out":
        if depth > 1:
            for row in rows[index:end]:
                row.depth -= 1
    elif action == "up":
        before = index - 1
        while before >= 0 and rows[before].depth > depth:
            before -= 1
        if before >= 0 and rows[before].depth == depth:
            rows[before:end] = rows[index:end] + rows[before:index]
    elif action == "down" and end < len(rows) and rows[end].depth == depth:
        after = _subtree_end(rows, end)
        rows[index:after] = rows[end:after] + rows[index:end]
    return rows


def rows_from_post(post) -> list[Row]:
    """Rows from the form: depth, title and the paragraph boxes named para-N of each section."""
    rows = []
    for index, (depth, title) in enumerate(
        zip(post.getlist("depth"), post.getlist("title"), strict=False)
    ):
        try:
            level = max(1, min(int(depth), MAX_DEPTH))
        except ValueError:
            level = 1
        paragraphs = [text[:100_000] for text in post.getlist(f"para-{index}")[:500]]
        rows.append(Row(level, title[:2000], paragraphs))
    return rows[:1000]
