"""A collection's documents, changed from a chat: a file an admin sends is checked,
stored in the collection's folder and indexed (only it is embedded); ``/forget``
removes one. Nothing here knows Telegram: the front end downloads the file and shows
the progress.

A file is read as indexing will read it *before* it joins the folder, so a file that
cannot be indexed (another type behind its name, an encrypted PDF, a docx bomb, no
text) is refused with the reader's one-line reason and the collection never changes.
If indexing still fails (a full disk), the previous version of the folder is put back
and indexed again.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from retrieval import SUFFIXES, RetrievalError, SourceInfo, UnreadableFile, check_file

from .collections import Collection
from .examples import example_questions

logger = logging.getLogger(__name__)

#: The file types a chat may send (the index's readers', compressed collections aside).
UPLOAD_SUFFIXES = tuple(sorted(s for s in SUFFIXES if not s.endswith(".gz")))


class UploadError(Exception):
    """A document was not added or removed; the message says why in a few words."""


@dataclass(frozen=True)
class Added:
    """A document added to a collection.

    Attributes:
        name: its file name in the collection's folder.
        passages: the passages it was split into.
        replaced: it replaced a file of the same name.
        examples: questions it answers.
    """

    name: str
    passages: int
    replaced: bool
    examples: tuple[str, ...]


def upload_name(file_name: str | None) -> str:
    """The name a sent file is stored under: its own name without any folder part.

    Raises:
        UploadError: it has no usable name, or not one of a supported type.
    """
    name = Path((file_name or "").replace("\\", "/")).name.strip()
    if not name or name.startswith(".") or any(ord(c) < 32 for c in name):
        raise UploadError("the file has no usable name")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        kinds = ", ".join(s.lstrip(".") for s in UPLOAD_SUFFIXES)
        raise UploadError(f"{name} is not a type I can read ({kinds})")
    return name


def check_size(size: int | None, limit_mb: float) -> None:
    """Refuses a file over ``limit_mb`` before it is downloaded.

    Raises:
        UploadError: the file is too large (or uploads are off: a limit of 0).
    """
    if limit_mb <= 0:
        raise UploadError("this bot does not take documents")
    if size is not None and size > limit_mb * 1024 * 1024:
        raise UploadError(f"it is larger than {limit_mb:g} MB")


def check_document(path: Path) -> None:
    """Reads the downloaded file as indexing will.

    Raises:
        UploadError: it cannot be indexed (the reader's reason).
    """
    try:
        check_file(path)
    except UnreadableFile as exc:
        raise UploadError(str(exc)) from None


def add_document(collection: Collection, path: Path, name: str) -> Added:
    """Stores the checked file ``path`` in the collection's folder as ``name``
    (replacing a file of that name) and indexes it; blocks (run it in a thread).

    Raises:
        UploadError: indexing failed; the folder and the index are as they were.
    """
    target = collection.folder / name
    replaced = target.exists()
    with tempfile.TemporaryDirectory(dir=collection.folder, prefix=".upload-") as work:
        backup = Path(work) / "previous"
        if replaced:
            shutil.copy2(target, backup)
        staged = Path(work) / "new"
        shutil.copyfile(path, staged)
        os.replace(staged, target)  # atomic: a reload never reads half a file

        def undo() -> None:
            if replaced:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)

        _reindex(collection, undo)
    passages = sum(n for file, _, n in documents(collection) if file == name)
    examples = tuple(example_questions(collection.composer.retriever, 2, file=name))
    return Added(name, passages, replaced, examples)


def documents(collection: Collection) -> list[tuple[str, str, int]]:
    """The collection's files: each one's name, title (its first document's) and
    passages."""
    by_file: dict[str, list[SourceInfo]] = {}
    for source in collection.composer.sources():  # read once per index
        by_file.setdefault(source.file, []).append(source)
    return [
        (file, infos[0].title, sum(i.passages for i in infos))
        for file, infos in sorted(by_file.items(), key=lambda item: item[0].casefold())
    ]


def find_document(collection: Collection, name: str) -> str | None:
    """The collection's file called ``name`` (case-insensitive; a bare file name finds
    a file in a sub-folder too), if there is exactly one."""
    files = [file for file, _, _ in documents(collection)]
    for candidates in (
        [f for f in files if f == name],
        [f for f in files if f.casefold() == name.casefold()],
        [f for f in files if Path(f).name.casefold() == name.casefold()],
    ):
        if len(candidates) == 1:
            return candidates[0]
    return None


def forget_document(collection: Collection, file: str) -> None:
    """Removes ``file`` (as :func:`documents` names it) from the collection's folder
    and index; blocks (run it in a thread).

    Raises:
        UploadError: it is the collection's last document (an index needs one), or it
            cannot be removed; nothing changed.
    """
    if len(documents(collection)) <= 1:
        raise UploadError("it is the collection's only document")
    folder = collection.folder.resolve()
    target = (folder / file).resolve()
    if folder not in target.parents:
        raise UploadError("it is not in the collection's folder")
    with tempfile.TemporaryDirectory(dir=collection.folder, prefix=".forget-") as work:
        backup = Path(work) / "previous"
        try:
            os.replace(target, backup)
        except OSError as exc:
            raise UploadError(f"it cannot be removed ({exc.strerror or exc})") from None
        _reindex(collection, lambda: os.replace(backup, target))


def _reindex(collection: Collection, undo: Callable[[], None]) -> None:
    """Indexes the collection's folder as it now is; if that fails, ``undo`` puts the
    folder back and it is indexed again (the index and the folder as they were).

    Raises:
        UploadError: indexing failed.
    """
    try:
        collection.reloader.reload(wait=True)
    except RetrievalError as exc:
        logger.warning("indexing %s failed: %s; putting its files back", collection.name, exc)
        undo()
        _reload_quietly(collection)
        raise UploadError(f"indexing failed ({exc})") from None


def _reload_quietly(collection: Collection) -> None:
    try:
        collection.reloader.reload(wait=True)
    except RetrievalError as exc:  # the bot keeps the index it has
        logger.warning("re-indexing %s after a failure failed too: %s", collection.name, exc)
