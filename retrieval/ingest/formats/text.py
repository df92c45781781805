"""Plain text (``.txt``), with or without YAML front matter: the first line (or the
front matter's ``title``) is the title. (Markdown has a reader of its own,
``markdown.py``, that shares the front matter rules here.)

Handles the mess of web articles saved as text: hard-wrapped lines, one paragraph a
line, date lines (kept as metadata), and files that are nothing but front matter
(their excerpt and each related item's title and excerpt are the content).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..clean import (
    TERMINAL_MARKS,
    clean_text,
    file_name_text,
    looks_like_heading,
    parse_date,
    repair,
)
from ..document import Block, BlockKind, Document
from ..sections import build_document
from .base import DEFAULT_OPTIONS, ReaderOptions, UnreadableFile, read_bytes, readable

SUFFIXES = (".txt",)
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s*(.*)$")
# A first block longer than this is content, not a title.
_TITLE_MAX_CHARS = 200


def read(
    path: Path, source: str, content_hash: str, options: ReaderOptions = DEFAULT_OPTIONS
) -> list[Document]:
    """Reads a text or Markdown file as one document.

    Raises:
        UnreadableFile: binary, not UTF-8, front matter that is not valid YAML, or no
            text.
    """
    text = decode(read_bytes(path))
    front, body = split_front_matter(text)
    if front is None or body is None:
        raise UnreadableFile("its front matter is not valid YAML")
    metadata = front_metadata(front)
    lines = _lines(body)
    title = clean_text(str(front.get("title") or ""))
    if not title and lines and len(lines[0]) <= _TITLE_MAX_CHARS:
        title = lines.pop(0).lstrip("#").strip()
    title = title or file_name_text(path.stem)
    blocks = front_blocks(front) + _body_blocks(lines, metadata)
    return readable(
        build_document(source, title, blocks, metadata, content_hash), "no text content"
    )


def decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise UnreadableFile("binary file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("not UTF-8 text") from None
    return repair(text.replace("\r\n", "\n").replace("\r", "\n"))


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """Separates YAML front matter (``---`` … ``---`` at the top) from the body.

    Returns:
        ``(front_matter, body)``; ``({}, text)`` when there is none, and
        ``(None, None)`` when the front matter is not valid YAML.
    """
    match = re.match(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", text, re.DOTALL)
    if match is None:
        return {}, text
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None, None
    if not isinstance(front, dict):
        return None, None
    return front, text[match.end() :]


def front_metadata(front: dict[str, Any]) -> dict[str, Any]:
    provider = front.get("provider")
    metadata = {
        "date": parse_date(front.get("publishedDateTime") or front.get("date")),
        "provider": provider.get("name") if isinstance(provider, dict) else provider,
        "url": front.get("webUrl") or front.get("originalUrl") or front.get("url"),
    }
    return {k: str(v) for k, v in metadata.items() if v}


def front_blocks(front: dict[str, Any]) -> list[Block]:
    """Front matter text fields that are content: the excerpt, and each related
    item's title and excerpt (with that item's own provenance)."""
    blocks = []
    for key in ("excerpt", "summary", "description"):
        if isinstance(front.get(key), str) and front[key].strip():
            blocks.append(Block(clean_text(front[key])))
            break
    related = front.get("related")
    for item in related if isinstance(related, list) else []:
        if not isinstance(item, dict):
            continue
        parts = [clean_text(str(item.get(k) or "")) for k in ("title", "excerpt")]
        text = "\n".join(p for p in parts if p)
        if text:
            blocks.append(Block(text, metadata=front_metadata(item)))
    return blocks


def _lines(body: str) -> list[str]:
    """Paragraph candidates: chunks between blank lines; within a chunk, hard-wrapped
    lines are joined and one-paragraph-per-line text is kept line by line."""
    found: list[str] = []
    for chunk in re.split(r"\n\s*\n", body):
        lines = [line for line in (clean_text(x) for x in chunk.split("\n")) if line]
        if _hard_wrapped(lines):
            found.extend(_join_wrapped(lines))
        else:
            found.extend(lines)
    return found


def _hard_wrapped(lines: list[str]) -> bool:
    # Wrapped text breaks lines mid-sentence; a paragraph per line ends each with a mark.
    inner = lines[:-1]
    return bool(inner) and sum(not x.endswith(TERMINAL_MARKS) for x in inner) > len(inner) / 2


def _join_wrapped(lines: list[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        if joined and not line.startswith(("#", "- ", "* ")) and not joined[-1].startswith("#"):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def _body_blocks(lines: list[str], metadata: dict[str, Any]) -> list[Block]:
    """Headings (Markdown ``#`` lines, with their depth, or short lines without an end
    mark) and paragraphs; a line that is only a date becomes the document's date."""
    blocks: list[Block] = []
    for line in lines:
        date = parse_date(line)
        if date is not None:
            metadata.setdefault("date", date)
            continue
        marked = _MARKDOWN_HEADING.match(line)
        if marked is not None:
            text = marked.group(2).strip()
            blocks.append(Block(text, BlockKind.HEADING, level=len(marked.group(1))))
        elif looks_like_heading(line):
            blocks.append(Block(line, BlockKind.HEADING))
        else:
            blocks.append(Block(line))
    return blocks
