"""Writing an index when the world gets in the way: a second writer on the same index
directory, a disk that fills up, a folder that became read-only. The previous index
must survive each, and the user gets one line saying what happened."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from retrieval import (
    Encoder,
    IndexBusyError,
    IndexWriteError,
    RetrievalConfig,
    Retriever,
)
from tests.support.cli import bot_main, retrieval_main
from tests.support.mounts import remount_read_only, tmpfs
from tests.support.paths import SEEDS
from tests.support.waiting import wait_for

QUESTION = "Where does Pateo rank nationwide?"
FIRST = "000_732249989cd205d6.txt"


class HeldEncoder(Encoder):
    """The session's model, with embedding held until the test lets it go: a build
    stopped exactly where a second writer would overtake it."""

    def __init__(self, encoder: Encoder) -> None:
        super().__init__(encoder.name, encoder.batch_size)
        self._model = encoder.model
        self.embedding = threading.Event()
        self.go_on = threading.Event()

    def encode_with_spans(self, texts, spans):  # type: ignore[no-untyped-def]
        self.embedding.set()
        assert self.go_on.wait(60), "the test never let the build go on"
        return super().encode_with_spans(texts, spans)


def test_a_second_writer_waits_for_the_first_then_reuses_its_work(
    corpus, tmp_path, encoder, caplog
) -> None:
    """Before the lock the second build finished first, removed the first one's
    temporary generation as stale, and the first crashed (FileNotFoundError)."""
    index_dir = tmp_path / "index"
    held = HeldEncoder(encoder)
    results: dict[str, Retriever | BaseException] = {}

    def build(name: str, with_encoder: Encoder) -> None:
        try:
            results[name] = Retriever.from_corpus(corpus, index_dir, encoder=with_encoder)
        except BaseException as exc:
            results[name] = exc

    first = threading.Thread(target=build, args=("first", held))
    first.start()
    assert held.embedding.wait(60)
    with caplog.at_level(logging.WARNING):
        second = threading.Thread(target=build, args=("second", encoder))
        second.start()
        wait_for(lambda: "waiting for it to finish" in caplog.text, timeout=30)
    assert second.is_alive()  # blocked on the lock, not building beside the first
    held.go_on.set()
    first.join(60)
    second.join(60)
    one, two = results["first"], results["second"]
    assert isinstance(one, Retriever) and isinstance(two, Retriever), results
    assert one.embedded == len(one) and two.embedded == 0  # the second reused it all
    assert [p.name for p in index_dir.iterdir() if p.name.startswith(".tmp")] == []
    assert two.search(QUESTION).hits[0].source == FIRST


def test_a_writer_asked_not_to_wait_fails_at_once_with_one_line(corpus, tmp_path, encoder):
    index_dir = tmp_path / "index"
    held = HeldEncoder(encoder)
    first = threading.Thread(target=Retriever.from_corpus, args=(corpus, index_dir, None, held))
    first.start()
    try:
        assert held.embedding.wait(60)
        with pytest.raises(IndexBusyError, match="another process is writing the index"):
            Retriever.from_corpus(corpus, index_dir, encoder=encoder, wait=False)
        outcome = retrieval_main(["index", str(corpus), "--index-dir", str(index_dir), "--no-wait"])
        assert outcome.returncode == 2, outcome
        assert outcome.stderr.strip().splitlines()[-1].startswith("error: another process")
        assert "Traceback" not in outcome.stderr
        # Readers are never blocked: nothing to read yet is said, not waited on.
        assert retrieval_main(["sources", "--index-dir", str(index_dir)]).returncode == 2
    finally:
        held.go_on.set()
        first.join(60)
    assert Retriever.load(index_dir, encoder=encoder).search(QUESTION).hits[0].source == FIRST


def _one_seed(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(SEEDS / FIRST, folder / FIRST)
    return folder


def test_a_full_disk_is_one_line_and_the_previous_index_answers(tmp_path, encoder) -> None:
    """Before: ``OSError: 33114 requested and 23520 written`` as a traceback, and the
    bot printed "error: the bot stopped: OSError: …"."""
    corpus = _one_seed(tmp_path / "corpus")
    with tmpfs(tmp_path / "small", "256k") as disk:
        index_dir = disk / "index"
        Retriever.from_corpus(corpus, index_dir, encoder=encoder)  # about 130 KB
        for seed in SEEDS.iterdir():  # a new generation twice the size: no room
            shutil.copy(seed, corpus / seed.name)
        with pytest.raises(IndexWriteError) as error:
            Retriever.from_corpus(corpus, index_dir, encoder=encoder)
        assert str(error.value) == (
            f"no space left on device while writing the index at {index_dir} "
            "(the previous index is unchanged)"
        )
        assert sorted(p.name for p in index_dir.iterdir() if not p.name.startswith("gen-")) == [
            ".lock",
            "CURRENT",
        ]
        previous = Retriever.load(index_dir, encoder=encoder)
        assert len(previous.sources()) == 1
        assert previous.search(QUESTION).hits[0].source == FIRST
        outcome = bot_main(
            ["--ask", QUESTION, "--corpus", str(corpus), "--index-dir", str(index_dir)]
        )
        assert outcome.returncode == 2
        assert outcome.stderr.strip() == f"error: {error.value}"


def test_a_read_only_index_is_refused_before_embedding_and_still_serves(tmp_path, encoder):
    corpus = _one_seed(tmp_path / "corpus")
    with tmpfs(tmp_path / "ro", "1m") as disk:
        index_dir = disk / "index"
        Retriever.from_corpus(corpus, index_dir, encoder=encoder)
        remount_read_only(disk)
        # Up to date: served as it is, nothing written.
        same = Retriever.from_corpus(corpus, index_dir, encoder=encoder)
        assert same.embedded == 0 and same.search(QUESTION).hits
        # Out of date: refused before the model is even loaded.
        shutil.copy(SEEDS / "001_5e8f83e102c9a296.txt", corpus)
        unloaded = Encoder(encoder.name)
        with pytest.raises(IndexWriteError, match="Read-only file system"):
            Retriever.from_corpus(corpus, index_dir, RetrievalConfig(), encoder=unloaded)
        assert unloaded._model is None
        assert np.isfinite(Retriever.load(index_dir, encoder=encoder).vectors()).all()


def test_readers_opening_during_rebuilds_always_get_a_whole_index(tmp_path, encoder) -> None:
    """A reader takes no lock, so a build can swap generations (and remove the old
    one) between its reading ``CURRENT`` and opening the files: it then opens the new
    one. Before, some opens failed with "index ... is damaged"."""
    from retrieval.index import Index

    corpus = _one_seed(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    Retriever.from_corpus(corpus, index_dir, encoder=encoder)
    note = corpus / "note.txt"
    stop = threading.Event()
    failures: list[str] = []
    opened = 0

    def read() -> None:
        nonlocal opened
        while not stop.is_set():
            try:
                Index.open(index_dir).close()
                opened += 1
            except Exception as exc:
                failures.append(repr(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(6):
            note.write_text(f"Note {i}\n\nThe meeting number {i} is on a Tuesday.\n")
            Retriever.from_corpus(corpus, index_dir, encoder=encoder).close()
    finally:
        stop.set()
        reader.join(30)
    assert opened > 6 and failures == [], (opened, failures[:3])
