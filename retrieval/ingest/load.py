"""Reading corpus files into documents."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from ..errors import CorpusError
from .discover import SourceFile, discover
from .document import Document
from .formats import ReaderOptions, UnreadableFile, read_file

logger = logging.getLogger(__name__)


def read_documents(file: SourceFile, options: ReaderOptions | None = None) -> list[Document]:
    """Parses one file into its documents (several for a JSON Lines collection); an
    unreadable file gives none, after a warning naming it."""
    try:
        documents = read_file(file.path, file.source, file.content_hash, options)
    except UnreadableFile as exc:
        logger.warning("skipping %s: %s", file.path, exc)
        return []
    if not documents:
        logger.warning("skipping %s: no text content", file.path)
    return documents


def load_documents(
    paths: Iterable[str | os.PathLike[str]], options: ReaderOptions | None = None
) -> list[Document]:
    """Reads every document under ``paths``; unreadable files are skipped with a warning.

    Raises:
        CorpusError: a path is missing, or no readable document was found.
    """
    documents = [doc for file in discover(paths) for doc in read_documents(file, options)]
    if not documents:
        raise CorpusError("no readable document in the corpus (see the warnings above)")
    return documents
