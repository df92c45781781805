"""Which collection each chat searches, as chosen with ``/use``: kept in SQLite beside
the collections (chat ids hashed), so that a restart keeps every chat's choice."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bindings (
    chat TEXT PRIMARY KEY,       -- a hash of the chat id (a private chat's is its user's)
    collection TEXT NOT NULL,
    at REAL NOT NULL
)
"""


class Bindings:
    """The chats' collections: chosen ones (``/use``), else the configured ones.

    Args:
        path: the SQLite file that keeps the choices (None: memory only).
        configured: chat id → collection name, from the configuration.
    """

    def __init__(self, path: Path | None = None, configured: Mapping[int, str] | None = None):
        self.configured = dict(configured or {})
        self._chosen: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # The event loop's thread is the only one that touches it.
            self._db = sqlite3.connect(path, isolation_level=None, timeout=10)
            self._db.execute(_SCHEMA)
            self._chosen = dict(self._db.execute("SELECT chat, collection FROM bindings"))

    def get(self, chat_id: int) -> str | None:
        """The collection ``chat_id`` was bound to (None: not bound)."""
        return self._chosen.get(_chat(chat_id)) or self.configured.get(chat_id)

    def set(self, chat_id: int, collection: str) -> None:
        """Binds ``chat_id`` to ``collection``."""
        chat = _chat(chat_id)
        self._chosen[chat] = collection
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO bindings VALUES (?, ?, ?)", (chat, collection, time.time())
            )

    def close(self) -> None:
        """Closes the SQLite file, if there is one."""
        if self._db is not None:
            self._db.close()
            self._db = None


def _chat(chat_id: int) -> str:
    return hashlib.blake2b(str(chat_id).encode(), digest_size=16).hexdigest()
