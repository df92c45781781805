"""The batching query service."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from bot.answer import Answer, AnswerComposer
from bot.service import QueryService
from retrieval import QuestionError, Retriever, SearchContext
from tests.support.questions import ANSWERABLE, UNANSWERABLE


class RecordingComposer(AnswerComposer):
    """The real composer, noting each batch and the thread that ran it."""

    def __init__(self, retriever: Retriever) -> None:
        super().__init__(retriever)
        self.calls: list[tuple[list[str], int, str]] = []

    def answer_many(
        self,
        questions: Sequence[str],
        offset: int = 0,
        contexts: Sequence[SearchContext | None] | None = None,
    ) -> list[Answer]:
        self.calls.append((list(questions), offset, threading.current_thread().name))
        return super().answer_many(questions, offset, contexts)


def test_concurrent_questions_are_batched_off_the_loop(retriever: Retriever) -> None:
    composer = RecordingComposer(retriever)
    questions = [f"{ANSWERABLE} #{n}" for n in range(12)] + [UNANSWERABLE]

    async def ask_all() -> list[Answer]:
        service = QueryService(composer, workers=1, max_batch=32)
        try:
            return await asyncio.gather(*(service.answer(q) for q in questions))
        finally:
            await service.stop()

    answers = asyncio.run(ask_all())
    assert [a.question for a in answers] == questions
    assert all(a.answered for a in answers[:-1]) and not answers[-1].answered
    assert len(composer.calls) < len(questions)  # batched
    assert sum(len(q) for q, _, _ in composer.calls) == len(questions)
    assert all(name.startswith("search") for _, _, name in composer.calls)


def test_offsets_are_batched_separately(retriever: Retriever) -> None:
    composer = RecordingComposer(retriever)

    async def ask() -> list[Answer]:
        service = QueryService(composer, workers=1)
        try:
            return await asyncio.gather(service.answer(ANSWERABLE), service.answer(ANSWERABLE, 3))
        finally:
            await service.stop()

    first, second = asyncio.run(ask())
    assert first.offset == 0 and second.offset == 3
    assert sorted(offset for _, offset, _ in composer.calls) == [0, 3]


def test_empty_question_fails_alone(composer: AnswerComposer) -> None:
    async def ask() -> tuple[BaseException | Answer, ...]:
        service = QueryService(composer)
        try:
            return tuple(
                await asyncio.gather(
                    service.answer("  "), service.answer(ANSWERABLE), return_exceptions=True
                )
            )
        finally:
            await service.stop()

    bad, good = asyncio.run(ask())
    assert isinstance(bad, QuestionError)
    assert isinstance(good, Answer) and good.answered


def test_search_failure_reaches_the_asker(retriever: Retriever) -> None:
    class Broken(AnswerComposer):
        def answer_many(
            self,
            questions: Sequence[str],
            offset: int = 0,
            contexts: Sequence[SearchContext | None] | None = None,
        ) -> list[Answer]:
            raise RuntimeError("disk on fire")

    async def ask() -> None:
        service = QueryService(Broken(retriever))
        try:
            with pytest.raises(RuntimeError, match="disk on fire"):
                await service.answer(ANSWERABLE)
            # The service survives and keeps answering (here: failing) later questions.
            with pytest.raises(RuntimeError):
                await service.answer(ANSWERABLE)
        finally:
            await service.stop()

    asyncio.run(ask())


def test_restart_in_a_new_event_loop(composer: AnswerComposer) -> None:
    service = QueryService(composer)

    async def once() -> Answer:
        try:
            return await service.answer(ANSWERABLE)
        finally:
            await service.stop()

    assert asyncio.run(once()).answered
    assert asyncio.run(once()).answered
