"""The benchmark suite's smoke run, ``python -m benchmarks.run --size tiny``, as a
process (:func:`start_benchmarks`; see ``tests/benchmarks/conftest.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.paths import ROOT

#: Seconds the whole run may take (from its start).
TIMEOUT = 600.0


@dataclass
class BenchmarkRun:
    """The background ``benchmarks.run`` process and where it writes."""

    folder: Path
    proc: subprocess.Popen[bytes]
    started: float

    @property
    def out(self) -> Path:
        return self.folder / "results"

    def wait(self) -> tuple[int, str, str]:
        """Waits for the run (at most ``TIMEOUT`` from its start); its exit code, stdout
        and stderr."""
        try:
            code = self.proc.wait(max(1.0, self.started + TIMEOUT - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"benchmarks.run did not finish within {TIMEOUT:.0f} s")
        return code, self._read("stdout.txt"), self._read("stderr.txt")

    def _read(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Kills the run if it is still going."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def start_benchmarks() -> BenchmarkRun:
    """Starts ``python -m benchmarks.run --size tiny`` (niced) into a fresh folder."""
    folder = Path(tempfile.mkdtemp(prefix="docqa-bench-smoke-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "benchmarks.run", "--size", "tiny"]
    command += ["--out", str(folder / "results"), "--cache", str(folder / "cache")]
    with open(folder / "stdout.txt", "wb") as out, open(folder / "stderr.txt", "wb") as err:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            preexec_fn=lambda: os.nice(10),  # the tests in the foreground come first
        )
    return BenchmarkRun(folder, proc, time.monotonic())


#: The folder of the benchmark smoke tests.
SMOKE_TESTS = ROOT / "tests" / "benchmarks"


def is_smoke_test(item: pytest.Item) -> bool:
    """Whether ``item`` is one of the benchmark smoke tests."""
    return SMOKE_TESTS in Path(item.path).resolve().parents
