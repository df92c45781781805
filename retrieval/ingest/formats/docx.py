"""Word documents (.docx), read with python-docx: body paragraphs and tables in
document order, headings kept with the paragraph after them. Page headers and
footers are not part of the body, so they are left out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..clean import fix, join_items, looks_like_heading, parse_date
from ..document import Block, BlockKind, Document
from ..sections import build_document
from .base import DEFAULT_OPTIONS, ReaderOptions, UnreadableFile, readable, reason

_HEADING_STYLES = ("heading", "title", "subtitle")


def read(
    path: Path, source: str, content_hash: str, options: ReaderOptions = DEFAULT_OPTIONS
) -> list[Document]:
    """Reads a .docx file as one document.

    Args:
        options: none used.

    Returns:
        The document as a one-document list.

    Raises:
        UnreadableFile: the file is not a valid .docx or has no text.
    """
    try:
        import docx
    except ImportError as exc:  # an install problem, reported per file rather than crashing
        raise UnreadableFile(f"reading .docx needs python-docx ({reason(exc)})") from exc
    try:
        document = docx.Document(str(path))
        blocks, title_candidate = _blocks(document)
        properties = document.core_properties
        title = fix(properties.title or "") or title_candidate or path.stem
        created = properties.created
    except Exception as exc:  # python-docx, zipfile and lxml raise many kinds
        raise UnreadableFile(f"not a readable .docx file ({reason(exc)})") from exc
    metadata = {"date": parse_date(created)}
    metadata = {k: v for k, v in metadata.items() if v}
    found = build_document(source, title, blocks, metadata, content_hash)
    return readable(found, "no text in the .docx file")


def _blocks(document: Any) -> tuple[list[Block], str]:
    """The body's blocks, and a title taken from its first Title-styled paragraph
    (else its first heading; empty if neither)."""
    from docx.table import Table

    blocks: list[Block] = []
    title = heading = ""
    items: list[str] = []  # list items waiting to be joined into one paragraph
    for element in document.iter_inner_content():
        if isinstance(element, Table):
            blocks.extend(_flush(items))
            blocks.extend(Block(row, BlockKind.TABLE_ROW) for row in _table_rows(element))
            continue
        text = fix(element.text)
        if not text:
            continue
        style = _style_name(element)
        if "list" in style:
            items.append(text)
            continue
        blocks.extend(_flush(items))
        is_heading = style.startswith(_HEADING_STYLES) or _all_bold(element, text)
        if style == "title" and not title:
            title = text
        elif is_heading and not heading:
            heading = text
        if is_heading:
            blocks.append(Block(text, BlockKind.HEADING, level=_heading_level(style)))
        else:
            blocks.append(Block(text))
    blocks.extend(_flush(items))
    return blocks, title or heading


def _flush(items: list[str]) -> list[Block]:
    # Consecutive list items become one paragraph: alone they are often too short.
    blocks = [Block(join_items(items), BlockKind.LIST)] if items else []
    items.clear()
    return blocks


def _heading_level(style: str) -> int:
    """The depth of a "Heading N" style (0 for Title, Subtitle and bold lines)."""
    number = style.removeprefix("heading").strip()
    return int(number) if number.isdigit() and 1 <= int(number) <= 9 else 0


def _style_name(paragraph: Any) -> str:
    try:
        return (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    except (KeyError, AttributeError):  # a style id missing from styles.xml
        return ""


def _all_bold(paragraph: Any, text: str) -> bool:
    """A short paragraph set wholly in bold serves as a heading in many documents."""
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(run.bold for run in runs) and looks_like_heading(text)


def _table_rows(table: Any) -> Iterator[str]:
    """Each row's cells joined with " | " (a merged cell is listed once)."""
    for row in table.rows:
        cells: list[str] = []
        seen: list[Any] = []  # the cells' XML elements; kept alive so `is` is reliable
        for cell in row.cells:
            # python-docx repeats a merged cell once for each column it spans.
            if any(cell._tc is element for element in seen):
                continue
            seen.append(cell._tc)
            text = fix(cell.text)
            if text:
                cells.append(text)
        if cells:
            yield " | ".join(cells)
