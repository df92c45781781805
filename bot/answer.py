"""The one place a question becomes an answer; every front end renders this result.

An :class:`Answer` is one page of retrieval :class:`~retrieval.Hit` objects plus what
to say when there are none; the front ends render hits directly (``hit.parts`` cuts the
text around the answering sentence), so a passage has one name across the packages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval import Hit, Retriever, SearchResult, SourceInfo, normalize_question

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


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question (one page of it).

    Attributes:
        question: the question as searched.
        hits: the best passages, best first; empty when nothing answers.
        offset: how many better passages earlier pages showed.
        has_more: whether :meth:`AnswerComposer.answer` with :attr:`next_offset` gives more.
        truncated: the question was too long and was shortened.
        message: set when there are no passages: why (e.g. :data:`NO_ANSWER`).
        hint: set with ``message``: what the user could do instead.
    """

    question: str
    hits: tuple[Hit, ...]
    offset: int = 0
    has_more: bool = False
    truncated: bool = False
    message: str | None = None
    hint: str | None = None

    @property
    def answered(self) -> bool:
        """Whether the answer has passages."""
        return bool(self.hits)

    @property
    def next_offset(self) -> int:
        """The offset of the next page."""
        return self.offset + len(self.hits)

    @classmethod
    def from_result(cls, result: SearchResult) -> Answer:
        """Turns a retrieval result into an answer."""
        hits = tuple(result.hits)
        message = hint = None
        if not hits:
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
        )


class AnswerComposer:
    """Answers questions from a retriever, ``k`` passages a page.

    Thread-safe, like the retriever it wraps.

    Args:
        retriever: the opened index.
        k: passages per page.
    """

    def __init__(self, retriever: Retriever, k: int = 3) -> None:
        self.k = k
        # The retriever and its sorted sources (``None``: not read yet), replaced together
        # by one reference assignment (see :meth:`swap`).
        self._live: tuple[Retriever, list[SourceInfo] | None] = (retriever, None)

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

    def answer(self, question: str, offset: int = 0) -> Answer:
        """One page of the answer to ``question``.

        Raises:
            QuestionError: the question is empty.
        """
        return Answer.from_result(self.retriever.search(question, k=self.k, offset=offset))

    def answer_many(self, questions: Sequence[str], offset: int = 0) -> list[Answer]:
        """Like :meth:`answer` for several questions, with one call to the model.

        Raises:
            QuestionError: a question is empty (use :func:`validate_question` first).
        """
        results = self.retriever.search_many(list(questions), k=self.k, offset=offset)
        return [Answer.from_result(r) for r in results]

    def sources(self) -> list[SourceInfo]:
        """The indexed documents, sorted by title (read once per index)."""
        retriever, sources = self._live
        if sources is None:
            sources = _sorted_sources(retriever)
            if self._live[0] is retriever:
                self._live = (retriever, sources)
        return sources

    def warm_up(self) -> None:
        """Loads the model now so that the first real question is fast."""
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
