"""The format readers, chosen by the end of a file's name.

Every reader has the signature of :class:`~.base.Reader` and returns
:class:`~retrieval.ingest.document.Document` objects whose bodies are trees of
sections. A file that cannot be read raises :class:`~.base.UnreadableFile`, whose
message says why in one line. Each reader imports its parsing library when first
called, so importing this package costs nothing and a missing library only makes its
own files unreadable.

To add a format: write ``formats/<name>.py`` with a ``read(path, source,
content_hash, options)`` that turns the file into a stream of
:class:`~retrieval.ingest.document.Block` and calls
:func:`~retrieval.ingest.sections.build_sections`, then list its endings below.
"""

from __future__ import annotations

from pathlib import Path

from ..document import Document
from . import docx, html, jsonl, markdown, pdf, text
from .base import Reader, ReaderOptions, UnreadableFile

#: File name endings (lower case) and their readers.
SUFFIXES: dict[str, Reader] = {
    **dict.fromkeys(text.SUFFIXES, text.read),
    **dict.fromkeys(markdown.SUFFIXES, markdown.read),
    ".html": html.read,
    ".htm": html.read,
    ".pdf": pdf.read,
    ".docx": docx.read,
    ".jsonl": jsonl.read,
    ".jsonl.gz": jsonl.read,
}
#: Formats read a record at a time, whatever the file's size.
STREAMED_SUFFIXES = (".jsonl", ".jsonl.gz")

__all__ = [
    "STREAMED_SUFFIXES",
    "SUFFIXES",
    "Reader",
    "ReaderOptions",
    "UnreadableFile",
    "read_file",
    "reader_for",
]


def reader_for(path: Path | str) -> Reader | None:
    """The reader for a file, chosen by the end of its name (case-insensitive; the
    longest matching ending wins, so ``.jsonl.gz`` is not taken for something else),
    or ``None`` for a file of another type."""
    name = Path(path).name.lower()
    matches = [suffix for suffix in SUFFIXES if name.endswith(suffix)]
    return SUFFIXES[max(matches, key=len)] if matches else None


def read_file(
    path: Path, source: str, content_hash: str, options: ReaderOptions | None = None
) -> list[Document]:
    """Reads a file with the reader for its type.

    Raises:
        UnreadableFile: no reader handles this type, or the file cannot be read.
    """
    reader = reader_for(path)
    if reader is None:
        raise UnreadableFile(f"not a supported file type: {Path(path).name}")
    return reader(path, source, content_hash, options or ReaderOptions())
