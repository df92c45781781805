"""Passages and sources on disk, in SQLite: a search fetches only the rows it returns,
so opening an index does not read every passage into memory."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..ingest import Passage

_BATCH = 900
_SCHEMA = """
CREATE TABLE sources (
    source TEXT PRIMARY KEY, file TEXT NOT NULL, title TEXT NOT NULL,
    content_hash TEXT NOT NULL, metadata TEXT NOT NULL, passages INTEGER NOT NULL
);
CREATE INDEX sources_file ON sources (file);
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, position INTEGER NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, metadata TEXT NOT NULL
);
CREATE INDEX passages_source ON passages (source);
"""


@dataclass(frozen=True)
class SourceInfo:
    """A document in the index.

    Attributes:
        source: its source name (path relative to the corpus folder, plus ``#id``
            for a record of a JSON Lines collection).
        file: the corpus file it was read from (path relative to the corpus folder).
        title: its title.
        content_hash: hash of the file it was read from.
        metadata: date, provider, url when known.
        passages: how many passages it was split into.
    """

    source: str
    file: str
    title: str
    content_hash: str
    metadata: dict[str, Any]
    passages: int


class PassageStore:
    """Read access to the passages of a persisted index, by row number (the FAISS id).

    Args:
        path: the SQLite file.
    """

    def __init__(self, path: Path) -> None:
        # Read-only and shareable across the threads that serve questions.
        uri = f"file:{path}?mode=ro&immutable=1"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._count = self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def __len__(self) -> int:
        return int(self._count)

    def get(self, rows: Sequence[int]) -> list[Passage]:
        """The passages at ``rows``, in that order."""
        found: dict[int, Passage] = {}
        wanted = [int(r) for r in rows]
        # SQLite caps the number of parameters of a statement.
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            query = (
                "SELECT row, id, text, title, source, position, metadata FROM passages "
                f"WHERE row IN ({marks})"
            )
            found.update((row, _passage(rest)) for row, *rest in self._db.execute(query, chunk))
        return [found[r] for r in wanted]

    def rows_of_file(self, file: str) -> list[int]:
        """Rows of every passage read from corpus file ``file``, in order."""
        query = (
            "SELECT row FROM passages WHERE source IN (SELECT source FROM sources WHERE file = ?)"
            " ORDER BY row"
        )
        return [r for (r,) in self._db.execute(query, (file,))]

    def sources(self, file: str | None = None) -> list[SourceInfo]:
        """The documents in the index (only those read from ``file`` if given)."""
        query = "SELECT source, file, title, content_hash, metadata, passages FROM sources"
        if file is None:
            rows = self._db.execute(query)
        else:
            rows = self._db.execute(f"{query} WHERE file = ?", (file,))
        infos = [SourceInfo(s, f, t, h, json.loads(m), n) for s, f, t, h, m, n in rows]
        return sorted(infos, key=lambda info: info.source)

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def write(path: Path, sources: Iterable[SourceInfo], passages: Iterable[Passage]) -> None:
        """Writes a new store; row numbers follow the order of ``passages``."""
        db = sqlite3.connect(path)
        try:
            db.executescript(_SCHEMA)
            db.executemany(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (s.source, s.file, s.title, s.content_hash, json.dumps(s.metadata), s.passages)
                    for s in sources
                ),
            )
            db.executemany(
                "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (row, p.id, p.source, p.position, p.title, p.text, json.dumps(p.metadata))
                    for row, p in enumerate(passages)
                ),
            )
            db.commit()
        finally:
            db.close()


def _passage(values: list[Any]) -> Passage:
    pid, text, title, source, position, metadata = values
    return Passage(pid, text, title, source, position, json.loads(metadata))
