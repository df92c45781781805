"""Fixtures of the reliability tests. The emulator (``emulator``) and the bots' index
(``bot_index_dir``) are the session's, from ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.bot_process import BotProcess
from tests.support.emulator import Emulator


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
