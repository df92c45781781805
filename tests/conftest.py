"""Session fixtures shared by every package's tests: the real model (one encoder), one
real index over seeds/ (built once), and one Bot API emulator process.

Built once per run, in this order of need:

- ``encoder``: the real all-MiniLM-L6-v2 (loaded on first use).
- ``seeds_index_dir``: a real index of seeds/ built with that encoder; read-only.
- ``seeds_retriever``: a retriever over it (read-only).
- ``hostile_index_dir``: a real index of files named to break terminals
  (``tests.support.terminal.HOSTILE_NAMES``); read-only.
- ``bot_index_dir``: a copy of the index that ``python -m bot`` subprocesses load
  without re-indexing (bots that change their index get their own copy).
- ``emulator``: the telegram-test-api emulator (``tests/support/emulator.py``); tests
  keep apart by using their own bot token (and their own user/chat ids).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from retrieval import Encoder, RetrievalConfig, Retriever
from tests.support.benchmark_run import is_smoke_test
from tests.support.emulator import Emulator, emulator_unavailable_reason
from tests.support.paths import SEEDS
from tests.support.terminal import HOSTILE_NAMES


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Orders the session for ``make test``'s two workers (``--dist loadfile
    --no-loadscope-reorder``: each file runs whole on one worker, files are handed out
    in this order): the benchmark smoke tests first (their run computes for about two
    minutes), then the tests that mostly wait (marked ``waits``: paced load, an outage,
    Bot API timeouts), so that one worker computes while the other waits; the rest
    after them."""
    items.sort(key=lambda item: (not is_smoke_test(item), item.get_closest_marker("waits") is None))


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real all-MiniLM-L6-v2, loaded once (lazily, when first used)."""
    config = RetrievalConfig()
    return Encoder.of(config)


@pytest.fixture(scope="session")
def seeds_index_dir(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """A real index of seeds/, built once (read-only: copy it to change it)."""
    index_dir = tmp_path_factory.mktemp("seeds-index")
    Retriever.from_corpus(SEEDS, index_dir, encoder=encoder)
    return index_dir


@pytest.fixture(scope="session")
def seeds_retriever(seeds_index_dir: Path, encoder: Encoder) -> Retriever:
    """A retriever over seeds/ (read-only: tests must not change it)."""
    return Retriever.from_corpus(SEEDS, seeds_index_dir, encoder=encoder)


@pytest.fixture(scope="session")
def hostile_index_dir(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """A real index of files named ``HOSTILE_NAMES`` about alpacas humming (read-only).
    Their first paragraph is too long to be a title, so each name is its title."""
    docs = tmp_path_factory.mktemp("hostile")
    (docs / "[").mkdir()
    for n, name in enumerate(HOSTILE_NAMES, 1):
        (docs / name).write_text(
            f"Alpaca number {n} hums when it is worried, bored or curious. "
            + "Herders in the Andes listen to the humming of their alpacas " * 4
            + f"to learn which of the {n} animals needs care.\n",
            encoding="utf-8",
        )
    index_dir = tmp_path_factory.mktemp("hostile-index")
    Retriever.from_corpus(docs, index_dir, encoder=encoder)
    return index_dir


@pytest.fixture(scope="session")
def bot_index_dir(tmp_path_factory: pytest.TempPathFactory, seeds_index_dir: Path) -> Path:
    """A copy of the session's index of seeds/ for ``python -m bot --corpus seeds``
    subprocesses: they find it up to date and only load it and the model. Bots that
    change their index (``/reload``, damage) copy it again."""
    path = tmp_path_factory.mktemp("bot-index") / "index"
    shutil.copytree(seeds_index_dir, path)
    return path


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One emulator process for the session (e2e and reliability tests alike): the
    emulator keeps separate queues, stores and faults per bot token."""
    reason = emulator_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with Emulator() as emu:
        yield emu


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of seeds/."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder
