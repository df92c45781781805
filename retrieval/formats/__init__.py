"""Readers for file formats other than plain text and Markdown.

Every reader has the signature ``read(path, source, content_hash, **options)`` and
returns a list of :class:`~retrieval.documents.Document` (one for a page, a PDF or a
Word file; one per record for a JSON Lines collection). A file that cannot be read
raises :class:`UnreadableFile`, whose message says why in one line; no reader raises
anything else on bad input. Each reader imports its parsing library when first
called, so importing this package costs nothing and a missing library only makes its
own files unreadable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..documents import Document
from . import docx, html, jsonl, pdf
from ._common import UnreadableFile

#: A format reader: ``read(path, source, content_hash, **options) -> list[Document]``.
Reader = Callable[..., list[Document]]

#: File name endings (lower case) and their readers.
SUFFIXES: dict[str, Reader] = {
    ".html": html.read,
    ".htm": html.read,
    ".pdf": pdf.read,
    ".docx": docx.read,
    ".jsonl": jsonl.read,
    ".jsonl.gz": jsonl.read,
}

__all__ = ["SUFFIXES", "Reader", "UnreadableFile", "reader_for"]


def reader_for(path: Path | str) -> Reader | None:
    """The reader for a file, chosen by the end of its name (case-insensitive; the
    longest matching ending wins, so ``.jsonl.gz`` is not taken for something else),
    or ``None`` for a file of another type."""
    name = Path(path).name.lower()
    matches = [suffix for suffix in SUFFIXES if name.endswith(suffix)]
    return SUFFIXES[max(matches, key=len)] if matches else None


def read_file(path: Path, source: str, content_hash: str, **options: Any) -> list[Document]:
    """Reads a file with the reader for its type.

    Raises:
        UnreadableFile: no reader handles this type, or the file cannot be read.
    """
    reader = reader_for(path)
    if reader is None:
        raise UnreadableFile(f"not a supported file type: {Path(path).name}")
    return reader(path, source, content_hash, **options)
