"""``python -m retrieval index --watch``: in-process (a thread, sharing the session's
model) while a file is added, changed and removed; and as a real process stopped by
Ctrl-C or SIGTERM."""

from __future__ import annotations

import functools
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from retrieval import Encoder, Retriever
from retrieval.cli import main
from tests.support.cli import BackgroundRun, clean_environ
from tests.support.paths import ROOT
from tests.support.waiting import wait_for

NEW_DOC = (
    "Zorblax Submarines\n\n"
    "The Zorblax 9000 is a purple research submarine built in Reykjavik in 2031. "
    "It dives to eleven kilometres and carries a crew of four marine biologists.\n"
)
QUESTION = "Where was the Zorblax 9000 submarine built?"
#: Seconds to wait for one update (quiet period, then re-indexing one small file).
UPDATE_TIMEOUT = 60.0


@pytest.fixture
def index(seeds_index_dir: Path, tmp_path: Path) -> Path:
    """A copy of the session's index of seeds/: up to date with ``corpus``."""
    path = tmp_path / "index"
    shutil.copytree(seeds_index_dir, path)
    return path


def updates(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("updated: ")]


def test_index_watch_follows_added_changed_and_removed_files(
    corpus: Path, index: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        Retriever, "from_corpus", functools.partial(Retriever.from_corpus, encoder=encoder)
    )
    stop = threading.Event()
    argv = ["index", "--watch", str(corpus), "--index-dir", str(index)]
    run = BackgroundRun(lambda: main(argv, stop=stop))
    try:
        wait_for(lambda: "watching " in run.output(), 60, what="the watching to start")

        def answer() -> str:
            result = Retriever.load(index, encoder=encoder).search(QUESTION, k=1)
            return result.hits[0].text if result.answered else ""

        doc = corpus / "zorblax.txt"
        doc.write_text(NEW_DOC, encoding="utf-8")
        wait_for(lambda: len(updates(run.output())) == 1, UPDATE_TIMEOUT, what="the addition")
        assert "Reykjavik" in answer()
        doc.write_text(NEW_DOC.replace("Reykjavik", "Tromsø"), encoding="utf-8")
        wait_for(lambda: len(updates(run.output())) == 2, UPDATE_TIMEOUT, what="the change")
        assert "Tromsø" in answer() and "Reykjavik" not in answer()
        doc.unlink()
        wait_for(lambda: len(updates(run.output())) == 3, UPDATE_TIMEOUT, what="the removal")
        assert "zorblax.txt" not in Retriever.load(index, encoder=encoder).files()
        assert "Zorblax" not in answer()
    finally:
        stop.set()
        outcome = run.join(30)
    assert outcome.returncode == 0, outcome.stderr
    added, changed, removed = updates(outcome.stdout)
    assert added.startswith("updated: 1 added, 0 changed, 0 removed (zorblax.txt); 1 passage ")
    assert changed.startswith("updated: 0 added, 1 changed, 0 removed (zorblax.txt); 1 passage ")
    assert removed.startswith("updated: 0 added, 0 changed, 1 removed (zorblax.txt); 0 passages ")
    first = outcome.stdout.splitlines()[0]  # "14 passages from 3 documents (0 embedded) in ..."
    assert first.endswith(f"(0 embedded) in {index}")
    assert removed.endswith(first.split(" (")[0])  # back to the seeds alone
    # One line per update: the indexer's own progress lines are for the first index.
    assert "INFO: embedding" not in outcome.stderr and "Traceback" not in outcome.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_index_watch_stops_cleanly_on_ctrl_c_and_sigterm(
    corpus: Path, index: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    """The real process (the index is up to date: no model is loaded) exits 0 with
    one line saying it stopped."""
    out = tmp_path / "out.txt"
    argv = ["index", "--watch", str(corpus), "--index-dir", str(index)]
    with open(out, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "retrieval", *argv],
            cwd=ROOT,
            env=clean_environ(PYTHONUNBUFFERED="1"),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        text = lambda: out.read_text(encoding="utf-8")  # noqa: E731
        wait_for(lambda: "watching " in text(), 60, what="the watching to start")
        process.send_signal(sig)
        assert process.wait(30) == 0, text()
    finally:
        process.kill()
        process.wait()
    assert text().splitlines()[-1] == "stopped watching", text()
    assert "Traceback" not in text()
