"""Fixtures of the reliability tests: the e2e harness (``tests/e2e``) on ``sys.path``, an
emulator for these tests, a copy of the session's seeds index, and a bot launcher."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.harness import BotProcess, Emulator, emulator_unavailable_reason

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="session")
def rel_emulator() -> Iterator[Emulator]:
    """One emulator for the reliability tests (each test uses its own bot token)."""
    reason = emulator_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def rel_index_dir(tmp_path_factory: pytest.TempPathFactory, seeds_index_dir: Path) -> Path:
    """A private copy of the session's index of seeds/ (loaded, not rebuilt, by bots)."""
    path = tmp_path_factory.mktemp("rel") / "index"
    shutil.copytree(seeds_index_dir, path)
    return path


@pytest.fixture
def start_bot(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., BotProcess]]:
    """``start_bot(emulator, token, *args)``: a started ``python -m bot`` (stopped after
    the test if still running)."""
    started: list[BotProcess] = []

    def start(emulator: Emulator, token: str, *args: str, name: str = "bot") -> BotProcess:
        bot = BotProcess(emulator, token, list(args), tmp_path_factory.mktemp(f"rel-{name}"))
        started.append(bot)
        return bot.start()

    yield start
    for bot in started:
        bot.stop()
