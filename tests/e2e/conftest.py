"""Fixtures for the end-to-end tests against the telegram-test-api emulator."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from harness import Emulator, emulator_unavailable_reason

_tokens = itertools.count(1)


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
