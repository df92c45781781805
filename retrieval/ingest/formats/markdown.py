"""Markdown (``.md``, ``.markdown``), parsed as CommonMark with tables by markdown-it-py:
headings with their depth, paragraphs, list items, fenced and indented code with its
lines, tables row by row, block quotes. YAML front matter is read as for text files
(its ``title``, ``date``, ``url``…); without a ``title`` the first heading is the title.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..clean import file_name_text, fix, fix_code, parse_date, strip_permalink
from ..document import Block, BlockKind, Document
from ..sections import build_document
from .base import DEFAULT_OPTIONS, ReaderOptions, UnreadableFile, read_bytes, readable, reason
from .text import decode, front_blocks, front_metadata, split_front_matter

SUFFIXES = (".md", ".markdown")


def read(
    path: Path, source: str, content_hash: str, options: ReaderOptions = DEFAULT_OPTIONS
) -> list[Document]:
    """Reads a Markdown file as one document.

    Raises:
        UnreadableFile: binary, not UTF-8, front matter that is not valid YAML, or no
            text.
    """
    text = decode(read_bytes(path))
    front, body = split_front_matter(text)
    if front is None or body is None:
        raise UnreadableFile("its front matter is not valid YAML")
    try:
        from markdown_it import MarkdownIt

        tokens = MarkdownIt("commonmark").enable("table").parse(body)
    except ImportError as exc:  # an install problem, reported per file
        raise UnreadableFile(f"reading Markdown needs markdown-it-py ({reason(exc)})") from exc
    metadata = front_metadata(front)
    blocks = _blocks(tokens, metadata)
    title = fix(str(front.get("title") or ""))
    if not title:
        first = next((b for b in blocks if b.is_heading), None)
        title = first.text if first is not None else file_name_text(path.stem)
    document = build_document(source, title, front_blocks(front) + blocks, metadata, content_hash)
    return readable(document, "no text content")


def _blocks(tokens: list[Any], metadata: dict[str, Any]) -> list[Block]:
    """The blocks of markdown-it's token stream; a paragraph that is only a date is the
    document's date (as in text files), not content."""
    blocks: list[Block] = []
    row: list[str] = []
    in_item = 0  # depth of list items: their paragraphs are items
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "heading_open":
            text = strip_permalink(_inline(tokens[i + 1]))
            blocks.append(Block(text, BlockKind.HEADING, level=int(token.tag[1])))
        elif kind == "list_item_open":
            in_item += 1
        elif kind == "list_item_close":
            in_item -= 1
        elif kind == "paragraph_open":
            text = _inline(tokens[i + 1])
            date = parse_date(text) if not in_item else None
            if date is not None:
                metadata.setdefault("date", date)
            elif text:
                blocks.append(Block(text, BlockKind.LIST if in_item else BlockKind.PARAGRAPH))
        elif kind in ("fence", "code_block"):
            code = fix_code(token.content)
            if code:
                blocks.append(Block(code, BlockKind.CODE))
        elif kind == "tr_open":
            row = []
        elif kind in ("th_open", "td_open"):
            row.append(_inline(tokens[i + 1]))
        elif kind == "tr_close" and any(row):
            blocks.append(Block(" | ".join(c for c in row if c), BlockKind.TABLE_ROW))
        elif kind == "html_block":
            text = _html_text(token.content)
            if text:
                blocks.append(Block(text))
    return blocks


def _inline(token: Any) -> str:
    """The text of an inline token: code spans and link texts kept, markup dropped."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content if child.type != "html_inline" else "")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)  # its alt text
    return fix("".join(parts))


def _html_text(html: str) -> str:
    from lxml import html as lxml_html

    try:
        return fix(lxml_html.fromstring(html).text_content())
    except Exception:  # markup that is not HTML enough to parse: no text of ours
        return ""
