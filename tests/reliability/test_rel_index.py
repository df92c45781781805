"""A damaged index under the real bot and a killed indexer.

- ``python -m bot`` (in-process: ``bot.cli.main``) over a missing, truncated, corrupted,
  other-model, other-format or dangling index: a clear log line, an automatic rebuild
  from the corpus, a correct answer, never a traceback (and one case over Telegram,
  through the emulator, as a real subprocess).
- ``python -m retrieval index`` SIGKILLed while it writes a new generation: the previous
  index still loads and answers; the next run completes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval import Retriever
from retrieval.index import Index
from tests.support.cli import bot_main, clean_environ, retrieval_main
from tests.support.e2e import checked, contains, make_token
from tests.support.emulator import needs_emulator
from tests.support.paths import ROOT, SEEDS
from tests.support.reliability import send_question, tally
from tests.support.waiting import wait_for

QUESTION, ANSWER = "Where does Pateo rank nationwide?", "104 of the top 500"


def live(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def truncate(index: Path) -> None:
    path = live(index) / "dense.faiss"
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


def corrupt(index: Path) -> None:
    path = live(index) / "passages.sqlite"
    path.write_bytes(os.urandom(path.stat().st_size))


def other_model(index: Path) -> None:
    for name in ("manifest.json", "config.json"):
        path = live(index) / name
        data = json.loads(path.read_text())
        data["model"] = "some-other-model"
        path.write_text(json.dumps(data))


def other_format(index: Path) -> None:
    path = live(index) / "manifest.json"
    data = json.loads(path.read_text())
    data["format_version"] = 999
    path.write_text(json.dumps(data))


def dangling(index: Path) -> None:
    (index / "CURRENT").write_text("gen-gone\n")


def missing(index: Path) -> None:
    shutil.rmtree(index)


DAMAGES = {
    "missing": (missing, None),
    "truncated": (truncate, "rebuilding it from the corpus"),
    "corrupted": (corrupt, "rebuilding it from the corpus"),
    "other_model": (other_model, "rebuilding"),
    "other_format": (other_format, "rebuilding it from the corpus"),
    "dangling": (dangling, "rebuilding it from the corpus"),
}


#: In the normal run; the full sweep is marked slow.
FAST_DAMAGES = ("corrupted", "other_format")


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(FAST_DAMAGES, id="fast"),
        pytest.param(
            tuple(n for n in DAMAGES if n not in FAST_DAMAGES), id="rest", marks=pytest.mark.slow
        ),
    ],
)
def test_bot_rebuilds_every_kind_of_damaged_index(bot_index_dir, tmp_path, names) -> None:
    """``python -m bot --ask`` in-process (``bot.cli.main``), one damage after another."""
    results = {}
    for name in names:
        index = tmp_path / name / "index"
        shutil.copytree(bot_index_dir, index)
        DAMAGES[name][0](index)
        args = ["--ask", QUESTION, "--corpus", str(SEEDS), "--index-dir", str(index)]
        results[name] = bot_main(args)
    for name, proc in results.items():
        message = DAMAGES[name][1]
        assert proc.returncode == 0, (name, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr, (name, proc.stderr[-2000:])
        assert contains(proc.stdout, ANSWER), (name, proc.stdout[:500])
        if message:
            assert message in proc.stderr, (name, proc.stderr[-2000:])
        # What it left behind is a whole, correct index.
        index = tmp_path / name / "index"
        assert len(Index.open(index)) == len(Index.open(bot_index_dir)), name


def test_damaged_index_without_its_corpus_is_one_error_not_a_loop(bot_index_dir, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(bot_index_dir, index)
    corrupt(index)
    gone = str(tmp_path / "gone")
    proc = bot_main(["--ask", QUESTION, "--corpus", gone, "--index-dir", str(index)])
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "Traceback" not in proc.stderr


@pytest.mark.e2e
@needs_emulator()
def test_bot_on_telegram_over_a_truncated_index(emulator, bot_index_dir, tmp_path, start_bot):
    index = tmp_path / "index"
    shutil.copytree(bot_index_dir, index)
    truncate(index)
    token = make_token()
    bot = start_bot(
        emulator, token, "--corpus", str(SEEDS), "--index-dir", str(index), name="damaged"
    )
    sent = send_question(emulator.client, token, 5_300_001, QUESTION)
    sent.answers = (ANSWER,)
    wait_for(lambda: tally(emulator.client, token, [sent]).lost == 0, 30, 0.2, "answer")
    result = tally(emulator.client, token, [sent])
    assert not result.wrong_answers() and result.duplicated == 0
    [reply] = emulator.client.replies(token, 5_300_001)
    assert contains(checked(reply), ANSWER)
    assert bot.stop() == 0
    assert "is damaged" in bot.output() and "rebuilding it from the corpus" in bot.output()


def test_sigkill_while_indexing_leaves_the_previous_index_usable(
    bot_index_dir, tmp_path, encoder
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    index = tmp_path / "index"
    shutil.copytree(bot_index_dir, index)
    before = (index / "CURRENT").read_text()
    passages = len(Index.open(index))
    # Enough new text that writing the new generation takes a moment.
    extra = corpus / "extra"
    extra.mkdir()
    for n in range(60):
        paragraphs = [
            f"Report {n}, part {p}: the widget factory number {n * 7 + p} produced "
            f"{n * 13 + p} gadgets in district {p} during quarter {n % 4 + 1}."
            for p in range(8)
        ]
        (extra / f"report-{n:03}.txt").write_text(
            f"Report {n}\n\n" + "\n\n".join(paragraphs), encoding="utf-8"
        )
    proc = subprocess.Popen(  # a real process: it is SIGKILLed
        [sys.executable, "-m", "retrieval", "index", str(corpus), "--index-dir", str(index)],
        cwd=ROOT,
        env=clean_environ(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.name.startswith(".tmp-gen-") for p in index.iterdir()):
                break  # it is writing the new generation beside the live one: kill it
            time.sleep(0.002)
        assert proc.poll() is None, "indexing ended before it could be killed mid-write"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert any(p.name.startswith(".tmp-gen-") for p in index.iterdir())  # killed mid-write
    assert (index / "CURRENT").read_text() == before  # the pointer never moved
    old = Retriever(Index.open(index), encoder)
    assert len(old) == passages
    assert ANSWER in old.search(QUESTION).hits[0].text

    # The next run completes the job (and clears the debris).
    proc2 = retrieval_main(["index", str(corpus), "--index-dir", str(index)])  # in-process
    assert proc2.returncode == 0, proc2.stderr[-2000:]
    assert not any(p.name.startswith(".tmp-gen-") for p in index.iterdir())
    assert len(Index.open(index)) > passages
