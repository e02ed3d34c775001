"""The report's outline (noi_dung) as the rows of a form and back: one row per section with
its depth, title and paragraphs (blank line between paragraphs). Tables stay as they are in
the data file and appear in the text as a [[bảng N]] line, so moving text never loses them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

TABLE_MARK = re.compile(r"^\[\[bảng (\d+)\]\]$")
MAX_DEPTH = 5


@dataclass
class Row:
    depth: int
    title: str
    text: str


def _blocks_text(blocks: Any, tables: list[Any]) -> str:
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
    return "\n\n".join(parts)


def flatten(sections: Any) -> tuple[list[Row], list[Any]]:
    """Rows in reading order, and the tables met (numbered from 1)."""
    rows: list[Row] = []
    tables: list[Any] = []

    def walk(items: Any, depth: int) -> None:
        for item in items or []:
            if not isinstance(item, dict):
                continue
            rows.append(
                Row(depth, str(item.get("tieu_de") or ""), _blocks_text(item.get("doan"), tables))
            )
            walk(item.get("muc"), depth + 1)

    walk(sections if isinstance(sections, list) else [], 1)
    return rows, tables


def _paragraphs(text: str, tables: list[Any]) -> list[Any]:
    blocks: list[Any] = []
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
        paragraphs = _paragraphs(row.text, tables)
        if paragraphs:
            section["doan"] = paragraphs
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


def apply(rows: list[Row], operation: str) -> list[Row]:
    """One button of the outline form: up-N, down-N (with its subsections), del-N, add-N (a new
    section after N's subsections, same depth), in-N / out-N (one level deeper / shallower)."""
    match = re.fullmatch(r"(up|down|del|add|in|out)-(\d+)", operation or "")
    if not match:
        return rows
    action, index = match.group(1), int(match.group(2))
    rows = list(rows)
    if not 0 <= index < len(rows):
        if action == "add" and not rows:
            return [Row(1, "", "")]
        return rows
    end = _subtree_end(rows, index)
    depth = rows[index].depth
    if action == "del":
        del rows[index:end]
    elif action == "add":
        rows.insert(end, Row(depth, "", ""))
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
    depths = post.getlist("depth")
    titles = post.getlist("title")
    texts = post.getlist("text")
    rows = []
    for depth, title, text in zip(depths, titles, texts, strict=False):
        try:
            level = max(1, min(int(depth), MAX_DEPTH))
        except ValueError:
            level = 1
        rows.append(Row(level, title[:2000], text[:200_000]))
    return rows
