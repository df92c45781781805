"""Fixtures for the end-to-end tests against the telegram-test-api emulator."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.harness import BotProcess, Emulator, emulator_unavailable_reason

_tokens = itertools.count(1)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One emulator process for the session (tests isolate themselves by token)."""
    reason = emulator_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with Emulator() as emu:
        yield emu


@pytest.fixture
def token() -> str:
    """A fresh bot token: the emulator keeps separate queues and stores per token."""
    n = next(_tokens)
    return f"{700000 + n}:HARNESS-token-{n}"


@pytest.fixture(scope="session")
def e2e_index_dir(tmp_path_factory: pytest.TempPathFactory, seeds_index_dir: Path) -> Path:
    """A private copy of the session's index of seeds/ (``tests/conftest.py`` builds it
    once), so each ``python -m bot`` subprocess only loads it and the model."""
    reason = emulator_unavailable_reason()
    if reason:  # don't load the model for tests that will be skipped
        pytest.skip(reason)
    path = tmp_path_factory.mktemp("e2e") / "index"
    shutil.copytree(seeds_index_dir, path)
    return path


@pytest.fixture(scope="session")
def launch_bot(
    emulator: Emulator, e2e_index_dir: Path, tmp_path_factory: pytest.TempPathFactory
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
            ["--index-dir", str(e2e_index_dir), "--corpus", str(SEEDS), *args],
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
