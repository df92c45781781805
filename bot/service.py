"""Answering questions off the event loop, batching the ones that arrive together.

Searching is CPU work (mostly the model encoding the question). Questions wait in a
queue; each worker takes every question waiting (up to ``max_batch``) and answers them
with one ``search_many`` call in a thread, so a burst of questions costs about one model
call, and a slow batch never blocks the event loop that serves other users.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from retrieval import Conversation, SearchContext

from .answer import Answer, AnswerComposer, validate_question


@dataclass
class _Request:
    question: str
    offset: int
    context: SearchContext | None
    future: asyncio.Future[Answer]


class QueryService:
    """Answers questions concurrently for an asyncio application.

    Start it with :meth:`start` (or let the first :meth:`answer` do it) inside the running
    event loop, and :meth:`stop` it when the application stops.

    Args:
        composer: what turns questions into answers.
        workers: batches searched at the same time (threads).
        max_batch: most questions in one batch.
    """

    def __init__(self, composer: AnswerComposer, workers: int = 2, max_batch: int = 32) -> None:
        self.composer = composer
        self.workers = workers
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Request] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._executor: ThreadPoolExecutor | None = None
        #: Sizes of the batches searched so far (for tests and logs).
        self.batch_sizes: list[int] = []

    async def start(self) -> None:
        """Starts the workers in the running event loop (again after :meth:`stop`)."""
        if self._tasks:
            return
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="search")
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        """Stops the workers; questions still waiting fail with ``CancelledError``."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._queue is not None:
            while not self._queue.empty():
                self._queue.get_nowait().future.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def answer(
        self, question: str, offset: int = 0, context: SearchContext | None = None
    ) -> Answer:
        """One page of the answer to ``question`` (searched with ``context``, what a
        conversation carried over, if given; see :meth:`retrieval.Retriever.search`).

        Raises:
            QuestionError: the question is empty (checked at once, so one bad question
                never fails the batch it would have joined).
        """
        question = validate_question(question)
        await self.start()
        assert self._queue is not None
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Request(question, offset, context, future))
        return await future

    async def ask(self, conversation: Conversation, question: str) -> Answer:
        """The first page of the answer to ``question`` in ``conversation``: searched
        as the conversation resolves it (with the previous turn's subject, for a
        follow-up), and remembered as its latest turn.

        Raises:
            QuestionError: the question is empty.
        """
        question = validate_question(question)
        text, context = conversation.resolve(question)
        answer = await self.answer(text, 0, context)
        conversation.record(question, answer.question, answer.context, answer.vector)
        return dataclasses.replace(answer, asked=question)

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            batch = [r for r in batch if not r.future.done()]  # the asker gave up
            by_offset: dict[int, list[_Request]] = defaultdict(list)
            for request in batch:
                by_offset[request.offset].append(request)
            for offset, requests in by_offset.items():
                await self._search(offset, requests)

    async def _search(self, offset: int, requests: list[_Request]) -> None:
        loop = asyncio.get_running_loop()
        self.batch_sizes.append(len(requests))
        questions = [r.question for r in requests]
        contexts = [r.context for r in requests]
        try:
            answers = await loop.run_in_executor(
                self._executor, self.composer.answer_many, questions, offset, contexts
            )
        except Exception as exc:  # each asker's own error handling reports it
            _settle(requests, error=exc)
        else:
            for request, answer in zip(requests, answers, strict=True):
                if not request.future.done():
                    request.future.set_result(answer)


def _settle(requests: list[_Request], error: BaseException) -> None:
    for request in requests:
        if not request.future.done():
            request.future.set_exception(error)
