"""What every format reader shares: its signature, its options, and the one error it
raises on bad input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..document import Document


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


def read_bytes(path: Path) -> bytes:
    """The file's bytes.

    Raises:
        UnreadableFile: the file cannot be read.
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file: {exc.strerror or exc}") from exc
