"""Reading corpus files into documents."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import CorpusError
from .discover import SourceFile, discover
from .document import Document
from .formats import ReaderOptions, UnreadableFile, read_file
from .skips import SkipLog

logger = logging.getLogger(__name__)


def read_documents(
    file: SourceFile, options: ReaderOptions | None = None, skips: SkipLog | None = None
) -> list[Document]:
    """Parses one file into its documents (several for a JSON Lines collection); an
    unreadable file gives none, after a warning naming it (in ``skips``, if given)."""
    skips = skips or SkipLog(logger)
    try:
        documents = read_file(file.path, file.source, file.content_hash, options)
    except UnreadableFile as exc:
        skips.skip(file.path, str(exc))
        return []
    if not documents:
        skips.skip(file.path, "no text content")
    return documents


def check_file(path: Path) -> int:
    """Reads ``path`` as indexing would (its type by the end of its name) and says how
    many documents it holds: for a file to be checked before it joins a corpus.

    Raises:
        UnreadableFile: the file cannot be read (the message says why in one line:
            another type behind the name, an encrypted PDF, a docx bomb, no text...).
    """
    documents = read_file(path, path.name, "check")
    if not documents:
        raise UnreadableFile("no text in it")
    return len(documents)


def load_documents(
    paths: Iterable[str | os.PathLike[str]], options: ReaderOptions | None = None
) -> list[Document]:
    """Reads every document under ``paths``; unreadable files are skipped with a warning.

    Raises:
        CorpusError: a path is missing, or no readable document was found.
    """
    skips = SkipLog(logger)
    files = discover(paths)
    documents = [doc for file in files for doc in read_documents(file, options, skips)]
    skips.close()
    if not documents:
        raise CorpusError("no readable document in the corpus (see the warnings above)")
    return documents
