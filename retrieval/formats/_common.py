"""What the format readers share: the error they raise, text repair, and turning a
stream of headings and text blocks into clean paragraphs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ftfy

from ..documents import BOILERPLATE, TERMINAL_MARKS, Paragraph, clean_text, dedupe_paragraphs


class UnreadableFile(Exception):
    """A file that must be skipped; the message says why (one line)."""


@dataclass(frozen=True)
class Block:
    """A piece of a document before headings are attached.

    Attributes:
        text: the cleaned text.
        heading: whether it introduces the blocks after it.
        metadata: the paragraph's own metadata (e.g. ``{"page": 3}``).
    """

    text: str
    heading: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


def fix(text: str) -> str:
    """Repairs mojibake (as documents.py does) and collapses white space."""
    return clean_text(ftfy.fix_text(text, uncurl_quotes=False))


def reason(exc: BaseException) -> str:
    """A one-line description of a library's exception, for an UnreadableFile message."""
    message = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {message}"[:200] if message else name


def read_bytes(path: Path) -> bytes:
    """The file's bytes.

    Raises:
        UnreadableFile: the file cannot be read.
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from exc


def join_items(items: Iterable[str]) -> str:
    """Joins list items into one paragraph; items without an end mark get a "; " so
    they don't run together into one false sentence."""
    joined = ""
    for item in (i for i in items if i):
        if not joined:
            joined = item
        else:
            joined += f" {item}" if joined.endswith(TERMINAL_MARKS) else f"; {item}"
    return joined


def same_text(a: str, b: str) -> bool:
    """Whether two texts are equal but for case and white space."""
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def paragraphs(blocks: Iterable[Block], title: str) -> list[Paragraph]:
    """Turns blocks into paragraphs: drops boilerplate lines and repeats of the title,
    keeps each heading on the first line of the paragraph after it (headings with
    nothing after them are dropped) and drops repeated paragraphs."""
    result: list[Paragraph] = []
    heading: str | None = None
    for block in blocks:
        text = block.text
        if not text or BOILERPLATE.match(text) or same_text(text, title):
            continue
        if block.heading:
            heading = f"{heading}\n{text}" if heading else text
            continue
        result.append(Paragraph(f"{heading}\n{text}" if heading else text, dict(block.metadata)))
        heading = None
    return dedupe_paragraphs(result)


_ONE_LINE_HEADING_MAX = 80


def looks_like_heading(text: str) -> bool:
    """A short line without a sentence's end mark, with letters in it (the rule
    documents.py uses, less the Markdown marks)."""
    return (
        len(text) <= _ONE_LINE_HEADING_MAX
        and not text.endswith((*TERMINAL_MARKS, ","))
        and re.search(r"[^\W\d_]", text) is not None
    )
