"""Fixtures of the end-to-end tests. The emulator (``emulator``) and the bots' index
(``bot_index_dir``) are the session's, from ``tests/conftest.py``."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.emulator import Emulator
from tests.support.paths import SEEDS

_tokens = itertools.count(1)


@pytest.fixture
def token() -> str:
    """A fresh bot token: the emulator keeps separate queues and stores per token."""
    n = next(_tokens)
    return f"{700000 + n}:HARNESS-token-{n}"


@pytest.fixture(scope="session")
def launch_bot(
    emulator: Emulator, bot_index_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., BotProcess]]:
    """Start ``python -m bot --token T --api-url <emulator> --index-dir ... --corpus seeds
    [args]`` and wait until it polls (or its webhook is up). Module fixtures use this
    to share one bot process per configuration; whatever is still running at the end of
    the session is stopped."""
    started: list[BotProcess] = []

    def launch(token: str, *args: str, name: str = "bot") -> BotProcess:
        workdir = tmp_path_factory.mktemp(f"bot-{name}")
        bot = BotProcess(
            emulator,
            token,
            ["--index-dir", str(bot_index_dir), "--corpus", str(SEEDS), *args],
            workdir,
        )
        started.append(bot)
        return bot.start()

    yield launch
    for bot in started:
        bot.stop()


@pytest.fixture(scope="session")
def source_titles(seeds_retriever) -> dict[str, str]:
    """Title of each seed document, by source name (as the index knows them)."""
    return {info.source: info.title for info in seeds_retriever.sources()}
