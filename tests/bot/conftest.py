"""Shared fixtures of the bot tests, over the session's real index of ``seeds/`` (the
root conftest's ``encoder``, ``seeds_index_dir`` and ``seeds_retriever``: the model is
loaded and the index built once for the whole test run)."""

from __future__ import annotations

import functools
import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import cli
from bot.answer import Answer, AnswerComposer
from retrieval import Conversation, Encoder, Retriever, SourceInfo
from tests.support.paths import ROOT as PROJECT_ROOT
from tests.support.paths import SEEDS
from tests.support.questions import ANSWERABLE


@pytest.fixture(scope="session")
def index_dir(seeds_index_dir: Path) -> Path:
    """The session's index of the seeds (read-only)."""
    return seeds_index_dir


@pytest.fixture(scope="session")
def retriever(seeds_retriever: Retriever) -> Retriever:
    """The session's retriever over the seeds (read-only)."""
    return seeds_retriever


@pytest.fixture(scope="session")
def composer(retriever: Retriever) -> AnswerComposer:
    return AnswerComposer(retriever, k=3)


#: The question that :class:`InterruptedSearch` answers with Ctrl-C.
INTERRUPTED_QUESTION = "What happens when I press Ctrl-C?"


class InterruptedSearch:
    """A composer that, asked :data:`INTERRUPTED_QUESTION`, searches for real (again
    and again) and has SIGINT delivered to this process meanwhile, as a user pressing
    Ctrl-C during a search does. Other questions go to ``composer``.

    The searching stops only when the signal's KeyboardInterrupt arrives, so it always
    arrives inside a search; if it never does, the search fails the test.
    """

    def __init__(self, composer: AnswerComposer) -> None:
        self.composer = composer
        self.interrupted = 0

    def conversation(self) -> Conversation:
        return self.composer.conversation()

    def ask(self, conversation: Conversation, question: str) -> Answer:
        return self.answer(question)

    def examples(self) -> list[str]:
        return self.composer.examples()

    def answer(self, question: str, offset: int = 0) -> Answer:
        if question != INTERRUPTED_QUESTION:
            return self.composer.answer(question, offset)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        deadline = time.monotonic() + 60
        try:
            threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGINT)).start()
            while time.monotonic() < deadline:
                self.composer.answer(ANSWERABLE)
        except KeyboardInterrupt:
            self.interrupted += 1
            raise
        raise AssertionError("SIGINT did not interrupt the search")

    def sources(self) -> list[SourceInfo]:
        return self.composer.sources()


@pytest.fixture
def interrupted_search(composer: AnswerComposer) -> InterruptedSearch:
    """The session's composer, interrupted by SIGINT when asked
    :data:`INTERRUPTED_QUESTION`."""
    return InterruptedSearch(composer)


@dataclass(frozen=True)
class CliRun:
    """What one in-process run of ``python -m bot`` did."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Puts the root logger back after a test that configured logging (``bot.cli.main``
    replaces its handlers with one writing to the test's captured stderr)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("bot", "retrieval")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


@pytest.fixture
def run_cli(
    index_dir: Path,
    encoder: Encoder,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    restore_logging: None,
) -> Callable[..., CliRun]:
    """Runs ``bot.cli.main`` in process over the session's index, sharing its model.

    The environment given is the whole environment (no Telegram settings leak in from
    the developer's shell); ``stdin`` is what the bot reads.
    """
    monkeypatch.setattr(cli, "open_composer", functools.partial(cli.open_composer, encoder=encoder))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def run(
        *args: str, stdin: str = "", env: dict[str, str] | None = None, index: bool = True
    ) -> CliRun:
        extra: Sequence[str] = (
            ("--corpus", str(SEEDS), "--index-dir", str(index_dir)) if index else ()
        )
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()  # only this run's output
        code = cli.main([*args, *extra], dict(env or {}))
        out, err = capsys.readouterr()
        return CliRun(code, out, err)

    return run


@pytest.fixture
def run_bot(index_dir: Path, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs ``python -m bot`` over the session's index; returns the finished process.

    The environment is scrubbed of Telegram settings so the outcome does not depend on
    the developer's shell. A subprocess loads the model itself (seconds): use
    ``run_cli`` unless the point is the real process.
    """

    def run(
        *args: str,
        stdin: str = "",
        env: dict[str, str] | None = None,
        index: bool = True,
        timeout: float = 180,
    ) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        base.update(XDG_STATE_HOME=str(tmp_path / "state"), PYTHONIOENCODING="utf-8")
        base.update(env or {})
        extra: Sequence[str] = (
            ("--corpus", str(SEEDS), "--index-dir", str(index_dir)) if index else ()
        )
        return subprocess.run(
            [sys.executable, "-m", "bot", *args, *extra],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            env=base,
            timeout=timeout,
        )

    return run
