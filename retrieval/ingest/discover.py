"""Finding a corpus's document files and hashing them."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from .formats import STREAMED_SUFFIXES, SUFFIXES

logger = logging.getLogger(__name__)

#: Files larger than this are skipped: a "document" of this size is a data dump.
#: JSON Lines collections are exempt: they are read a line at a time.
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus, not yet parsed."""

    path: Path
    source: str
    content_hash: str


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[SourceFile]:
    """Finds the document files under ``paths`` and hashes them.

    Folders are walked recursively, without following symbolic links (no loops) and
    skipping hidden folders. Files of other types are ignored.

    Raises:
        CorpusError: a path does not exist, or no document file was found.
    """
    found: dict[str, SourceFile] = {}
    given = [Path(p) for p in paths]
    if not given:
        raise CorpusError("no corpus path given")
    for root in given:
        if not root.exists():
            raise CorpusError(f"corpus path not found: {root}")
        for path, source in _walk(root):
            digest = _hash_file(path)
            if digest is not None and source not in found:
                found[source] = SourceFile(path, source, digest)
    if not found:
        names = ", ".join(str(p) for p in given)
        kinds = ", ".join(sorted(SUFFIXES))
        raise CorpusError(f"no documents ({kinds}) found in {names}")
    return sorted(found.values(), key=lambda f: f.source)


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    if root.is_file():
        yield root, root.name
        return
    suffixes = tuple(SUFFIXES)
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [d for d in dirs if (Path(folder) / d).is_symlink()]:
            # Not followed: a link to a folder may loop back into the corpus.
            logger.warning(
                "skipping %s: symbolic link to a folder (not followed)", Path(folder) / name
            )
            dirs.remove(name)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if name.lower().endswith(suffixes) and not name.startswith("."):
                yield path, path.relative_to(root).as_posix()


def _hash_file(path: Path) -> str | None:
    try:
        streamed = path.name.lower().endswith(STREAMED_SUFFIXES)
        if path.stat().st_size > MAX_FILE_BYTES and not streamed:
            logger.warning("skipping %s: larger than %d MB", path, MAX_FILE_BYTES >> 20)
            return None
        digest = hashlib.blake2b(digest_size=16)
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError as exc:
        logger.warning("skipping %s: %s", path, exc.strerror or exc)
        return None
