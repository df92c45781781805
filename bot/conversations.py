"""The conversations of a bot's chats: one per key (a private chat's user, a group
member's reply thread, the console session), kept in memory only and bounded."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from retrieval import Conversation

from .answer import AnswerComposer


class Conversations:
    """Conversations by key; the least recently used are forgotten first.

    A conversation forgets its turns once idle for the composer's ``idle_seconds`` (see
    :class:`retrieval.Conversation`); nothing of them outlives the process.

    Args:
        composer: answers the questions (its live retriever, reloads included) and
            says how long a conversation may be idle.
        capacity: how many conversations to keep.
    """

    def __init__(self, composer: AnswerComposer, capacity: int = 10_000) -> None:
        self.composer = composer
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Conversation] = OrderedDict()

    def get(self, key: Hashable) -> Conversation:
        """The conversation of ``key`` (a new one if it has none)."""
        conversation = self._items.get(key)
        if conversation is None:
            conversation = self.composer.conversation()
            self._items[key] = conversation
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        return conversation

    def reset(self, key: Hashable) -> None:
        """Starts ``key``'s conversation afresh (``/new``)."""
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)
