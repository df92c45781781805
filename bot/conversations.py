"""The conversations of a bot's chats: one per key (a private chat's user, a group
member's thread, the console session), in memory and bounded; kept in SQLite across
restarts only when asked (``--conversations-db``)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path

import numpy as np

from retrieval import Conversation, Turn

from .answer import AnswerComposer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    chat TEXT NOT NULL,          -- a hash of the conversation's key, not the user ids
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    searched TEXT NOT NULL,
    context TEXT,
    vector BLOB,                 -- float32, as numpy lays it out
    subject TEXT NOT NULL,       -- JSON list of words
    at REAL NOT NULL,            -- seconds since the epoch
    PRIMARY KEY (chat, position)
)
"""


class Conversations:
    """Conversations by key; the least recently used are forgotten first.

    A conversation forgets its turns once idle for the composer's ``idle_seconds`` (see
    :class:`retrieval.Conversation`). Without ``path`` nothing of them outlives the
    process; with it, each conversation's turns are written to that SQLite file after
    every question (keyed by a hash of the chat's key) and read back when the chat
    next asks, so a restart or another replica carries on. No pickle: the vectors are
    stored as float32 bytes.

    Args:
        composer: answers the questions (its live retriever, reloads included) and
            says how long a conversation may be idle.
        capacity: how many conversations to keep in memory.
        path: the SQLite file that keeps the turns across restarts (None: memory only).
        namespace: told apart from other stores' keys in the same file (each
            collection's conversations are its own).
    """

    def __init__(
        self,
        composer: AnswerComposer,
        capacity: int = 10_000,
        path: Path | None = None,
        namespace: str = "",
    ) -> None:
        self.composer = composer
        self.namespace = namespace
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Conversation] = OrderedDict()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # The event loop's thread is the only one that touches it.
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute(_SCHEMA)

    def get(self, key: Hashable) -> Conversation:
        """The conversation of ``key`` (a new one, or the kept one, if it has none)."""
        conversation = self._items.get(key)
        if conversation is None:
            # Kept turns are dated by the wall clock, which survives a restart.
            clock = time.time if self._db is not None else time.monotonic
            conversation = self.composer.conversation(clock)
            if self._db is not None:
                conversation.restore(self._read(key))
            self._items[key] = conversation
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        return conversation

    def save(self, key: Hashable) -> None:
        """Writes ``key``'s turns to the SQLite file, if there is one."""
        if self._db is None or key not in self._items:
            return
        chat = self._chat(key)
        rows = [
            (
                chat,
                n,
                t.question,
                t.searched,
                t.context,
                None if t.vector is None else np.asarray(t.vector, np.float32).tobytes(),
                json.dumps(list(t.subject)),
                t.at,
            )
            for n, t in enumerate(self._items[key].turns)
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM turns WHERE chat = ?", (chat,))
            self._db.executemany("INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def reset(self, key: Hashable) -> None:
        """Starts ``key``'s conversation afresh (``/new``)."""
        self._items.pop(key, None)
        if self._db is not None:
            self._db.execute("DELETE FROM turns WHERE chat = ?", (self._chat(key),))

    def close(self) -> None:
        """Closes the SQLite file, if there is one."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _read(self, key: Hashable) -> list[Turn]:
        assert self._db is not None
        query = (
            "SELECT question, searched, context, vector, subject, at FROM turns "
            "WHERE chat = ? ORDER BY position"
        )
        return [
            Turn(
                question,
                searched,
                context,
                None if vector is None else np.frombuffer(vector, dtype=np.float32),
                tuple(json.loads(subject)),
                at,
            )
            for question, searched, context, vector, subject, at in self._db.execute(
                query, (self._chat(key),)
            )
        ]

    def __len__(self) -> int:
        return len(self._items)

    def _chat(self, key: Hashable) -> str:
        named = repr(key) if not self.namespace else repr((self.namespace, key))
        return hashlib.blake2b(named.encode(), digest_size=16).hexdigest()
