"""What every format reader shares: its signature, its options, and the one error it
raises on bad input."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from ..document import Document

#: Files larger than this are skipped: a "document" of this size is a data dump.
#: JSON Lines collections are exempt: they are read a line at a time.
MAX_FILE_BYTES = 50 * 1024 * 1024


class UnreadableFile(Exception):
    """A file that must be skipped; the message says why (one line)."""


@dataclass(frozen=True)
class ReaderOptions:
    """Settings some readers use (each ignores the ones that are not its own).

    Attributes:
        title_field: the field of a JSON Lines record that holds its title.
        text_field: the field of a JSON Lines record that holds its text.
        id_field: the field holding a record's id; by default the first of ``id``,
            ``_id`` and ``doc_id`` that the record has.
        favor_recall: HTML: keep more of pages whose article is short or oddly built
            (at the risk of some boilerplate).
        password: PDF: the password of an encrypted file (the empty password, which
            opens many "protected" PDFs, is always tried).
    """

    title_field: str = "title"
    text_field: str = "text"
    id_field: str | None = None
    favor_recall: bool = False
    password: str = ""


#: The options of a reader called without any.
DEFAULT_OPTIONS = ReaderOptions()


class Reader(Protocol):
    """A format reader: one file to its documents (one for a page, a PDF or a Word
    file; one per record for a collection).

    Raises:
        UnreadableFile: the file cannot be read; nothing else on bad input.
    """

    def __call__(
        self, path: Path, source: str, content_hash: str, options: ReaderOptions = ...
    ) -> list[Document]: ...


def readable(document: Document, empty: str) -> list[Document]:
    """``[document]``, if it has any text.

    Raises:
        UnreadableFile: it has none (``empty`` says so).
    """
    if not document.paragraphs():
        raise UnreadableFile(empty)
    return [document]


def reason(exc: BaseException) -> str:
    """A one-line description of a library's exception, for an UnreadableFile message."""
    message = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {message}"[:200] if message else name


def open_regular(path: Path) -> BinaryIO:
    """Opens a regular file for reading (symbolic links followed).

    The check is made on the opened file, without blocking: a FIFO, a device such as
    ``/dev/zero`` or a socket would make a read block or never end, and a file found
    regular could have been replaced by one since.

    Raises:
        UnreadableFile: it cannot be opened, or it is not a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise UnreadableFile(f"not a regular file ({file_kind(mode)})")
    return os.fdopen(fd, "rb")


def file_kind(mode: int) -> str:
    """What a file of mode ``mode`` (from ``os.stat``) is, in words."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (read no further, so a
    file that grows while it is read cannot exceed it).

    Raises:
        UnreadableFile: the file cannot be read, is not a regular file, or is larger.
    """
    with open_regular(path) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise UnreadableFile(f"larger than {limit >> 20} MB")
    return data
