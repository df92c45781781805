"""The one place a question becomes an answer; every front end renders this result.

An :class:`Answer` is one page of retrieval :class:`~retrieval.Hit` objects plus what
to say when there are none; the front ends render hits directly (``hit.parts`` cuts the
text around the answering sentence), so a passage has one name across the packages.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from retrieval import (
    IDLE_SECONDS,
    Conversation,
    Correction,
    Hit,
    Retriever,
    SearchContext,
    SearchResult,
    SourceInfo,
    language_name,
    normalize_question,
)

from .examples import example_questions

NO_ANSWER = "Nothing in the documents answers that."
NO_ANSWER_HINT = (
    "Try other words: names, companies, places or dates that the documents mention. "
    "/sources lists the documents."
)
NO_MORE = "There are no further passages for that question."
#: A passage longer than this is shown as the sentences around its answering sentence
#: (``Hit.styled``): a section with its list or code can be one passage of 1,500
#: characters, and three of them would fill a Telegram message with text beside the
#: answer.
EXCERPT_CHARS = 900
NO_MORE_HINT = "Ask a new question, or rephrase this one."


def other_language(code: str, collection: str = "en", short: bool = False) -> str:
    """What to say to a question in the language ``code`` over a collection in the
    language ``collection`` (the model cannot match them); ``short``: a button's few
    words."""
    own = language_name(collection) or collection
    if short:
        return f"Please ask in {own}: I can't read this language"
    asked = language_name(code)
    looks = f"Your question looks like {asked}, but " if asked else "It seems "
    return f"{looks}I can only answer questions in {own}. Please ask in {own}."


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question (one page of it).

    Attributes:
        question: the question as searched (corrected, or asked anew in a conversation).
        hits: the best passages, best first; empty when nothing answers.
        offset: how many better passages earlier pages showed.
        has_more: whether :meth:`AnswerComposer.answer` with :attr:`next_offset` gives more.
        truncated: the question was too long and was shortened.
        message: set when there are no passages: why (e.g. :data:`NO_ANSWER`).
        hint: set with ``message``: what the user could do instead.
        asked: the question as the user asked it.
        search_context: what a conversation carried over from earlier turns and was
            searched beside the question (its words are shown as "about: ..."); later
            pages are searched with it too.
        corrections: misspelt words searched as the collection's words.
        language: the language of a question refused as in another language.
        vector: the question's vector as searched (what a conversation carries on).
    """

    question: str
    hits: tuple[Hit, ...]
    offset: int = 0
    has_more: bool = False
    truncated: bool = False
    message: str | None = None
    hint: str | None = None
    asked: str | None = None
    search_context: SearchContext | None = field(default=None, compare=False, repr=False)
    corrections: tuple[Correction, ...] = ()
    language: str | None = None
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def answered(self) -> bool:
        """Whether the answer has passages."""
        return bool(self.hits)

    @property
    def next_offset(self) -> int:
        """The offset of the next page."""
        return self.offset + len(self.hits)

    @property
    def context(self) -> str | None:
        """The words carried over from earlier turns, if any."""
        return self.search_context.words if self.search_context is not None else None

    @property
    def understood(self) -> str | None:
        """What the bot understood the question as, when that is not what was asked:
        "<question> (about: <carried words>)", or the question asked anew about a new
        subject; None when it was searched as asked (spelling aside, which
        :attr:`corrections` reports)."""
        if self.context:
            return f"{self.question} (about: {self.context})"
        if self.asked is None or self.corrections:
            return None
        if normalize_question(self.asked) == self.question:
            return None
        return self.question

    def corrected_parts(self) -> list[tuple[str, bool]]:
        """The searched question in pieces, each marked whether it is a corrected word
        (for "Showing results for ..." with the corrections emphasised)."""
        replaced = {c.replacement for c in self.corrections}
        if not replaced:
            return [(self.question, False)]
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(replaced))) + r")\b")
        parts: list[tuple[str, bool]] = []
        last = 0
        for match in pattern.finditer(self.question):
            parts += [(self.question[last : match.start()], False), (match.group(), True)]
            last = match.end()
        parts.append((self.question[last:], False))
        return [(text, corrected) for text, corrected in parts if text]

    @classmethod
    def from_result(
        cls,
        result: SearchResult,
        asked: str | None = None,
        language: str = "en",
        context: SearchContext | None = None,
    ) -> Answer:
        """Turns a retrieval result into an answer.

        Args:
            result: the result.
            asked: the question as the user asked it (default: as searched).
            language: the collection's language (for the other-language message).
            context: what the result was searched with beside the question.
        """
        hits = tuple(result.hits)
        message = hint = None
        if result.language is not None:
            message = other_language(result.language, language)
        elif not hits:
            # A question the corpus does answer, paged past its last passage.
            message, hint = (
                (NO_MORE, NO_MORE_HINT) if result.answered else (NO_ANSWER, NO_ANSWER_HINT)
            )
        return cls(
            question=result.question,
            hits=hits,
            offset=result.offset,
            has_more=result.has_more and bool(hits),
            truncated=result.truncated,
            message=message,
            hint=hint,
            asked=asked,
            search_context=context,
            corrections=result.corrections,
            language=result.language,
            vector=result.vector,
        )


class AnswerComposer:
    """Answers questions from a retriever, ``k`` passages a page.

    Thread-safe, like the retriever it wraps.

    Args:
        retriever: the opened index.
        k: passages per page.
        idle_seconds: a conversation's follow-ups are read with its previous questions
            in mind until it has been idle this long.
    """

    def __init__(
        self, retriever: Retriever, k: int = 3, idle_seconds: float = IDLE_SECONDS
    ) -> None:
        self.k = k
        self.idle_seconds = idle_seconds
        # The retriever and its sorted sources (``None``: not read yet), replaced together
        # by one reference assignment (see :meth:`swap`).
        self._live: tuple[Retriever, list[SourceInfo] | None] = (retriever, None)
        # Example questions and the retriever they were found in.
        self._examples: tuple[Retriever, list[str]] | None = None

    @property
    def retriever(self) -> Retriever:
        """The retriever answering new questions."""
        return self._live[0]

    def swap(self, retriever: Retriever) -> Retriever:
        """Answers from ``retriever`` from now on (e.g. a rebuilt index).

        A reference swap: a search already running keeps the retriever it started with,
        so no question in flight fails or mixes two indexes.

        Returns:
            The retriever replaced.
        """
        sources = _sorted_sources(retriever)
        old = self._live[0]
        self._live = (retriever, sources)
        return old

    def answer(
        self, question: str, offset: int = 0, context: SearchContext | None = None
    ) -> Answer:
        """One page of the answer to ``question`` (searched with ``context``, what a
        conversation carried over, if given: as for a later page of a follow-up).

        Raises:
            QuestionError: the question is empty.
        """
        return self.answer_many([question], offset, [context])[0]

    def answer_many(
        self,
        questions: Sequence[str],
        offset: int = 0,
        contexts: Sequence[SearchContext | None] | None = None,
    ) -> list[Answer]:
        """Like :meth:`answer` for several questions, with one call to the model.

        Raises:
            QuestionError: a question is empty (use :func:`validate_question` first).
        """
        retriever = self.retriever
        language = retriever.config.language
        contexts = list(contexts) if contexts is not None else [None] * len(questions)
        results = retriever.search_many(list(questions), self.k, offset, contexts)
        return [
            Answer.from_result(r, q, language, c)
            for q, r, c in zip(questions, results, contexts, strict=True)
        ]

    def conversation(self, clock: Callable[[], float] = time.monotonic) -> Conversation:
        """A new conversation over the live retriever (a reload's new index included),
        timed by ``clock``."""
        return Conversation(
            lambda: self.retriever, k=self.k, idle_seconds=self.idle_seconds, clock=clock
        )

    def ask(self, conversation: Conversation, question: str) -> Answer:
        """The first page of the answer to ``question`` in ``conversation``, which
        remembers it.

        Raises:
            QuestionError: the question is empty.
        """
        # As Conversation.ask, but the answer keeps the context it was searched with,
        # so that its later pages are searched the same way.
        text, context = conversation.resolve(question)
        answer = self.answer(text, 0, context)
        conversation.record(question, answer.question, answer.context, answer.vector)
        return dataclasses.replace(answer, asked=question)

    def sources(self) -> list[SourceInfo]:
        """The indexed documents, sorted by title (read once per index)."""
        retriever, sources = self._live
        if sources is None:
            sources = _sorted_sources(retriever)
            if self._live[0] is retriever:
                self._live = (retriever, sources)
        return sources

    def examples(self) -> list[str]:
        """Two questions the collection answers (see :mod:`bot.examples`), found once
        per index."""
        retriever = self.retriever
        if self._examples is None or self._examples[0] is not retriever:
            self._examples = (retriever, example_questions(retriever))
        return self._examples[1]

    def warm_up(self) -> None:
        """Loads the model (and the spelling dictionary and the language identifier)
        now, so that the first real question is fast."""
        self.retriever.search("warm up")


def attribution(hit: Hit) -> tuple[str, ...]:
    """What is known of a hit's source besides its title, in the order shown, e.g.
    ``("Reuters", "2021-08-25")`` or ``("page 3",)``."""
    page = f"page {hit.page}" if hit.page else None
    return tuple(x for x in (hit.provider, hit.date, page) if x)


def _sorted_sources(retriever: Retriever) -> list[SourceInfo]:
    return sorted(retriever.sources(), key=lambda s: s.title.casefold())


#: Collapses a question's white space; raises QuestionError when nothing is left. The
#: query service checks questions with it before batching them, so one empty question
#: cannot fail a whole batch.
validate_question = normalize_question
