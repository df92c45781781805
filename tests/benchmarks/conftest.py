"""The benchmark smoke run (``python -m benchmarks.run --size tiny``, about two minutes
of its own) starts in the background as soon as the session has collected its tests,
niced, so that it uses the CPU the e2e and reliability tests leave idle while they wait
on the bot and the emulator (outages, timeouts, paced load). The ``results`` fixture
of ``test_benchmarks_smoke.py`` waits for it and checks it as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.benchmark_run import BenchmarkRun, start_benchmarks

HERE = Path(__file__).resolve().parent
_run: BenchmarkRun | None = None


def _mine(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(session: pytest.Session, items: list[pytest.Item]) -> None:
    """Moves this folder's tests to the end of the session: the other tests run while
    the background run works, and these only check what it wrote."""
    items.sort(key=_mine)  # stable: the order within each part is kept


def pytest_collection_finish(session: pytest.Session) -> None:
    """Starts the run if a test of this folder is selected."""
    global _run
    if session.config.option.collectonly or _run is not None:
        return
    if any(_mine(item) for item in session.items):
        _run = start_benchmarks()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stops the run if the session ends first (e.g. ``-x``) and removes its folder."""
    global _run
    if _run is not None:
        _run.stop()
        shutil.rmtree(_run.folder, ignore_errors=True)
        _run = None


@pytest.fixture(scope="session")
def benchmark_run() -> BenchmarkRun:
    """The background run (started now if the collection hook did not)."""
    global _run
    if _run is None:
        _run = start_benchmarks()
    return _run
