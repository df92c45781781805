"""A conversation over a retriever: questions asked in turn, follow-ups resolved."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from ..retriever import Retriever
from ..search import SearchContext, SearchResult
from .followup import resolve, subject

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
        vector: its vector as searched (what the next turn's vector leans towards).
        subject: what the conversation is about after it: the names and rarest words
            of what was searched, or, when it had none, the previous turn's subject.
        at: when it was asked (the conversation's clock).
    """

    question: str
    searched: str
    context: str | None
    vector: np.ndarray | None = field(compare=False, repr=False)
    subject: tuple[str, ...]
    at: float


class Conversation:
    """Questions asked one after another, each searched in the context of the last.

    Not thread-safe: one conversation per chat, asked one question at a time. The
    turns live in memory (a store may keep them: :meth:`turns`, :meth:`restore`).

    Example::

        chat = Conversation(Retriever.from_corpus("seeds/"))
        chat.ask("Who invested in Pateo?")
        chat.ask("When did it happen?")   # searched as "... Pateo"

    Args:
        retriever: the collection.
        k: passages per answer.
        idle_seconds: after this long without a question, the next one starts afresh.
        max_turns: how many turns are remembered.
        clock: the time source (``time.monotonic``; ``time.time`` for turns kept across
            processes; tests pass their own).
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

    def restore(self, turns: Iterable[Turn]) -> None:
        """Takes up ``turns`` (oldest first) as the conversation so far: turns kept by a
        store that outlives the process; idle ones are dropped as usual."""
        self._turns.clear()
        self._turns.extend(turns)
        self._expire()

    def resolve(self, question: str) -> tuple[str, SearchContext | None]:
        """How ``question`` is to be searched after the turns so far: the text to
        search, and what it carries over from the last turn (None: nothing)."""
        self._expire()
        if not self._turns:
            return question, None
        last = self._turns[-1]
        previous = f"{last.searched} {last.context}" if last.context else last.searched
        query = resolve(question, previous, last.subject, self._retriever().word_weights)
        if query.context is None:
            return query.text, None
        return query.text, SearchContext(query.context, query.follow_up, last.vector)

    def record(
        self,
        question: str,
        searched: str,
        context: str | None = None,
        vector: np.ndarray | None = None,
    ) -> None:
        """Remembers ``question`` as the latest turn: searched as ``searched`` with the
        carried words ``context``, its vector ``vector`` (a result's ``question``,
        ``context`` and ``vector``)."""
        self._expire()
        about = subject(f"{searched} {context or ''}", self._retriever().word_weights)
        if not about and self._turns:
            about = list(self._turns[-1].subject)
        turn = Turn(question, searched, context, vector, tuple(about), self.clock())
        self._turns.append(turn)

    def ask(self, question: str, k: int | None = None) -> SearchResult:
        """Answers ``question`` in the context of the conversation and remembers it.

        Raises:
            QuestionError: the question is empty.
        """
        text, context = self.resolve(question)
        result = self._retriever().search(text, k or self.k, 0, context)
        self.record(question, result.question, result.context, result.vector)
        return result

    def _expire(self) -> None:
        if self._turns and self.clock() - self._turns[-1].at > self.idle_seconds:
            self._turns.clear()
