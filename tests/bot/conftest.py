"""Shared fixtures of the bot tests: a real index of ``seeds/`` built once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from bot.answer import AnswerComposer
from retrieval import Retriever
from tests.support.paths import ROOT as PROJECT_ROOT
from tests.support.paths import SEEDS


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of the seeds (built once; the model load takes a few seconds)."""
    path = tmp_path_factory.mktemp("bot-index")
    Retriever.from_corpus(SEEDS, path)
    return path


@pytest.fixture(scope="session")
def retriever(index_dir: Path) -> Retriever:
    return Retriever.load(index_dir)


@pytest.fixture(scope="session")
def composer(retriever: Retriever) -> AnswerComposer:
    return AnswerComposer(retriever, k=3)


@pytest.fixture
def run_bot(index_dir: Path, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs ``python -m bot`` over the session's index; returns the finished process.

    The environment is scrubbed of Telegram settings so the outcome does not depend on
    the developer's shell.
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
