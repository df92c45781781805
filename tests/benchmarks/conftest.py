"""The benchmark smoke run (``python -m benchmarks.run --size tiny``, about two minutes
of its own), started once when the first smoke test needs it. ``make test`` runs two
workers (``--dist loadfile``) and starts this folder's tests first (see
``tests/conftest.py``): one worker runs them while the other runs the tests that mostly
wait on the bot and the emulator."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.support.benchmark_run import BenchmarkRun, start_benchmarks


@pytest.fixture(scope="session")
def benchmark_run() -> Iterator[BenchmarkRun]:
    """The smoke run, started now; killed and removed at the end of the session."""
    run = start_benchmarks()
    yield run
    run.stop()
    shutil.rmtree(run.folder, ignore_errors=True)
