"""Remembering recent questions so a "More results" button can page through them.

Telegram limits a button's callback data to 64 bytes, too little for a question, so
the button carries a short key into a bounded store of recent questions instead.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

from retrieval import SearchContext

from ..feedback import DOWN, UP

_PREFIX = "more"
_VOTE = "vote"


@dataclass(frozen=True)
class PageRequest:
    """What a "More results" button asks for.

    Attributes:
        key: the stored question's key.
        offset: the offset of the page to show.
    """

    key: str
    offset: int

    def encode(self) -> str:
        """The button's callback data (well under 64 bytes)."""
        return f"{_PREFIX}:{self.key}:{self.offset}"

    @classmethod
    def decode(cls, data: str | None) -> PageRequest | None:
        """Parses callback data made by :meth:`encode`; ``None`` for anything else."""
        parts = (data or "").split(":")
        if len(parts) != 3 or parts[0] != _PREFIX or not parts[2].isdigit():
            return None
        return cls(parts[1], int(parts[2]))


@dataclass(frozen=True)
class VoteRequest:
    """What a 👍 / 👎 button says.

    Attributes:
        question_id: the answered question's id in the feedback store.
        vote: ``UP`` (helpful) or ``DOWN`` (not).
        collection: the tag of the collection whose feedback store holds the question
            (see :attr:`bot.collections.Collection.tag`).
    """

    question_id: int
    vote: int
    collection: str

    def encode(self) -> str:
        """The button's callback data."""
        vote = "up" if self.vote == UP else "down"
        return f"{_VOTE}:{self.collection}:{self.question_id}:{vote}"

    @classmethod
    def decode(cls, data: str | None) -> VoteRequest | None:
        """Parses callback data made by :meth:`encode`; ``None`` for anything else."""
        parts = (data or "").split(":")
        if len(parts) != 4 or parts[0] != _VOTE or not parts[2].isdigit():
            return None
        if parts[3] not in ("up", "down"):
            return None
        return cls(int(parts[2]), UP if parts[3] == "up" else DOWN, parts[1])


#: The callback data of every vote button (for the handler's pattern).
VOTE_PATTERN = rf"^{_VOTE}:"


@dataclass(frozen=True)
class StoredQuestion:
    """A question asked in a chat: as searched, with what a conversation carried over
    into it (so that later pages are searched as the first was), and the collection
    it searched."""

    chat_id: int
    question: str
    context: SearchContext | None = None
    collection: str = ""


class QuestionStore:
    """The most recent questions, by short random key; the oldest are forgotten first.

    Args:
        capacity: how many questions to keep.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, StoredQuestion] = OrderedDict()

    def put(
        self,
        chat_id: int,
        question: str,
        context: SearchContext | None = None,
        collection: str = "",
    ) -> str:
        """Stores a question (with its conversation's carried words and its
        collection's name); returns its key."""
        key = secrets.token_urlsafe(6)
        while key in self._items:
            key = secrets.token_urlsafe(6)
        self._items[key] = StoredQuestion(chat_id, question, context, collection)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return key

    def get(self, key: str, chat_id: int | None = None) -> StoredQuestion | None:
        """The question stored under ``key``, if still kept (and asked in ``chat_id``,
        when given: a key seen in one chat does not open another chat's question)."""
        item = self._items.get(key)
        if item is None or (chat_id is not None and item.chat_id != chat_id):
            return None
        self._items.move_to_end(key)
        return item

    def __len__(self) -> int:
        return len(self._items)
