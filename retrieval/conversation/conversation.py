"""A conversation over a retriever: questions asked in turn, follow-ups resolved."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..retriever import Retriever
from ..search import SearchResult
from .followup import Query, resolve, subject

#: Idle time after which a conversation starts afresh (seconds).
IDLE_SECONDS = 15 * 60
#: Turns a conversation remembers.
MAX_TURNS = 5


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and what it was searched as.

    Attributes:
        question: the question as asked.
        searched: what was searched for it (corrected, or asked anew about a new
            subject, or with carried words).
        context: the words carried over from earlier turns, searched beside it.
        subject: what the conversation is about after it: the names and rarest words
            of what was searched, or, when it had none, the previous turn's subject.
        at: when it was asked (the conversation's clock).
    """

    question: str
    searched: str
    context: str | None
    subject: tuple[str, ...]
    at: float


class Conversation:
    """Questions asked one after another, each searched in the context of the last.

    Not thread-safe: one conversation per chat, asked one question at a time. The
    turns live in memory only.

    Example::

        chat = Conversation(Retriever.from_corpus("seeds/"))
        chat.ask("Who invested in Pateo?")
        chat.ask("When did it happen?")   # searched as "... Pateo"

    Args:
        retriever: the collection.
        k: passages per answer.
        idle_seconds: after this long without a question, the next one starts afresh.
        max_turns: how many turns are remembered.
        clock: the time source (``time.monotonic``; tests pass their own).
    """

    def __init__(
        self,
        retriever: Retriever | Callable[[], Retriever],
        k: int = 3,
        idle_seconds: float = IDLE_SECONDS,
        max_turns: int = MAX_TURNS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A callable: the bot's live retriever, which a reload replaces.
        self._retriever = retriever if callable(retriever) else (lambda: retriever)
        self.k = k
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._turns: deque[Turn] = deque(maxlen=max_turns)

    @property
    def turns(self) -> list[Turn]:
        """The remembered turns, oldest first (none once the conversation is idle)."""
        self._expire()
        return list(self._turns)

    def reset(self) -> None:
        """Forgets every turn: the next question starts a new conversation."""
        self._turns.clear()

    def resolve(self, question: str) -> Query:
        """How ``question`` is to be searched after the turns so far."""
        self._expire()
        if not self._turns:
            return resolve(question, None, (), self._retriever().word_weights)
        last = self._turns[-1]
        previous = f"{last.searched} {last.context}" if last.context else last.searched
        return resolve(question, previous, last.subject, self._retriever().word_weights)

    def record(self, question: str, searched: str, context: str | None = None) -> None:
        """Remembers ``question`` as the latest turn, searched as ``searched`` with the
        carried words ``context`` (a result's ``question`` and ``context``)."""
        self._expire()
        about = subject(f"{searched} {context or ''}", self._retriever().word_weights)
        if not about and self._turns:
            about = list(self._turns[-1].subject)
        self._turns.append(Turn(question, searched, context, tuple(about), self.clock()))

    def ask(self, question: str, k: int | None = None) -> SearchResult:
        """Answers ``question`` in the context of the conversation and remembers it.

        Raises:
            QuestionError: the question is empty.
        """
        query = self.resolve(question)
        result = self._retriever().search(
            query.text, k or self.k, 0, query.context, query.follow_up
        )
        self.record(question, result.question, result.context)
        return result

    def _expire(self) -> None:
        if self._turns and self.clock() - self._turns[-1].at > self.idle_seconds:
            self._turns.clear()
