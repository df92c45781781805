"""The corpus watcher (retrieval/watch.py) on real files in temporary folders: which
changes count, the quiet period that groups a burst into one rebuild, a failing rebuild
that does not stop the watching, and a clean stop. No sleeps: every wait is on a
condition, with a timeout."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchfiles import Change

from retrieval import CorpusError, CorpusWatcher, IndexChanges
from tests.support.waiting import wait_for

#: Short enough for tests, long enough that one burst of writes is one batch.
QUIET = 0.3


class Calls:
    """The watcher's calls of its callback: each batch of paths, in order."""

    def __init__(self, fail: int = 0) -> None:
        self.batches: list[set[Path]] = []
        self.fail = fail  # how many calls raise before the rest succeed
        self.lock = threading.Lock()

    def __call__(self, paths: set[Path]) -> None:
        with self.lock:
            self.batches.append(set(paths))
            if self.fail:
                self.fail -= 1
                raise RuntimeError("the disk caught fire")

    def seen(self, path: Path) -> bool:
        with self.lock:
            return any(path in batch for batch in self.batches)

    def count(self) -> int:
        with self.lock:
            return len(self.batches)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "first.txt").write_text("First document.\n", encoding="utf-8")
    return folder


@pytest.fixture
def watching(docs: Path) -> Iterator[Callable[..., Calls]]:
    """``watching(calls=None, paths=None, **options)``: starts a watcher over ``docs``
    (or ``paths``) in the background, ready (its watches set up), and returns the calls
    it makes; it is closed after the test."""
    started: list[CorpusWatcher] = []

    def start(
        calls: Calls | None = None, paths: list[Path] | None = None, **options: object
    ) -> Calls:
        calls = calls or Calls()
        options.setdefault("quiet", QUIET)
        watcher = CorpusWatcher(paths or [docs], calls, **options)  # type: ignore[arg-type]
        started.append(watcher)
        watcher.start()
        watcher.run_in_background()
        return calls

    yield start
    for watcher in started:
        watcher.close()


# ---------------------------------------------------------------- which changes count


def test_documents_count_and_hidden_temporary_and_other_files_do_not(tmp_path: Path) -> None:
    docs = (tmp_path / "docs").resolve()
    index = docs / "index"
    watcher = CorpusWatcher([docs], lambda paths: None, ignore=[index])
    counts = {
        "a.txt": True,
        "sub/b.pdf": True,
        "c.jsonl.gz": True,
        "D.DOCX": True,
        "notes.html": True,
        ".hidden.txt": False,
        ".git/x.txt": False,
        "sub/.cache/y.txt": False,
        "~$report.docx": False,  # Word's owner file
        ".~lock.report.docx#": False,  # LibreOffice's lock
        ".a.txt.swp": False,  # vim
        "a.txt~": False,  # backup
        "#a.txt#": False,  # emacs auto-save
        ".#a.txt": False,  # emacs lock
        "picture.png": False,
        "index/gen-1/passages.jsonl": False,  # the index inside the corpus
        "index/CURRENT": False,
    }
    for name, expected in counts.items():
        for change in (Change.added, Change.modified, Change.deleted):
            assert watcher.relevant(change, str(docs / name)) is expected, (name, change)
    assert not watcher.relevant(Change.added, str(tmp_path / "elsewhere.txt"))


def test_a_folder_moved_in_or_out_counts(tmp_path: Path) -> None:
    """A folder moved into or out of the corpus is one event for the folder (none for
    its files): it counts. A removed path cannot be told apart from a file any more, so
    one without a file ending counts as a folder."""
    docs = (tmp_path / "docs").resolve()
    (docs / "moved-in").mkdir(parents=True)
    watcher = CorpusWatcher([docs], lambda paths: None)
    assert watcher.relevant(Change.added, str(docs / "moved-in"))
    assert watcher.relevant(Change.deleted, str(docs / "moved-out"))
    assert not watcher.relevant(Change.deleted, str(docs / "moved-out.png"))
    assert not watcher.relevant(Change.added, str(docs / "not-there-any-more"))


def test_a_single_file_corpus_counts_only_that_file(tmp_path: Path) -> None:
    book = tmp_path / "book.txt"
    book.write_text("A book.\n", encoding="utf-8")
    watcher = CorpusWatcher([book], lambda paths: None)
    assert watcher.relevant(Change.modified, str(book.resolve()))
    assert not watcher.relevant(Change.added, str(tmp_path.resolve() / "other.txt"))


def test_a_missing_corpus_path_is_a_corpus_error(tmp_path: Path) -> None:
    watcher = CorpusWatcher([tmp_path / "nowhere"], lambda paths: None)
    with pytest.raises(CorpusError, match="corpus path not found"):
        watcher.start()


# ---------------------------------------------------------------- rebuilds


def test_added_changed_and_removed_files_each_call_back(docs: Path, watching) -> None:
    (docs / "sub").mkdir()  # before watching: a new folder is one event, its files none
    calls = watching()
    new = docs / "sub" / "new.md"
    new.write_text("# New\n\nA new document.\n", encoding="utf-8")
    wait_for(lambda: calls.seen(new.resolve()), 10, what="the added file")
    (docs / "first.txt").write_text("First document, changed.\n", encoding="utf-8")
    wait_for(lambda: calls.seen((docs / "first.txt").resolve()), 10, what="the change")
    before = calls.count()
    new.unlink()
    wait_for(lambda: calls.count() > before, 10, what="the removal")
    assert new.resolve() in calls.batches[-1]


def test_a_burst_of_changes_is_one_rebuild(docs: Path, watching) -> None:
    """Twenty files written in a row (a copy, a sync, a git checkout) are one batch:
    the callback runs once the folder has been quiet for the quiet period (a second,
    here: a loaded machine may pause the writing thread for a moment)."""
    calls = watching(quiet=1.0)
    names = [docs / f"doc{n:02}.txt" for n in range(20)]
    for path in names:
        path.write_text(f"Document {path.stem}.\n", encoding="utf-8")
    wait_for(lambda: all(calls.seen(p.resolve()) for p in names), 10, what="the burst")
    assert calls.count() == 1, calls.batches


def test_an_atomic_save_of_a_single_file_corpus_is_seen(tmp_path: Path, watching) -> None:
    """Editors save by writing a temporary file and renaming it over the document: a
    corpus that is one file is watched through its folder, so the new file is seen."""
    book = tmp_path / "book.txt"
    book.write_text("A book.\n", encoding="utf-8")
    calls = watching(paths=[book])
    other = tmp_path / "other.txt"
    other.write_text("Not in the corpus.\n", encoding="utf-8")
    temporary = tmp_path / ".book.txt.tmp"
    temporary.write_text("A book, saved again.\n", encoding="utf-8")
    os.replace(temporary, book)
    wait_for(lambda: calls.seen(book.resolve()), 10, what="the saved book")
    assert not calls.seen(other.resolve())


def test_changes_inside_the_index_folder_are_ignored(docs: Path, watching) -> None:
    """An index kept inside its corpus is written on every rebuild: that must not
    trigger another rebuild (a loop)."""
    index = docs / "index"
    index.mkdir()
    calls = watching(ignore=[index])
    (index / "gen-1").mkdir()
    (index / "gen-1" / "passages.txt").write_text("not a document\n", encoding="utf-8")
    (docs / "real.txt").write_text("A real document.\n", encoding="utf-8")
    wait_for(lambda: calls.seen((docs / "real.txt").resolve()), 10, what="the real document")
    assert all(index.resolve() not in p.parents for batch in calls.batches for p in batch)


def test_a_failing_rebuild_logs_one_line_and_watching_goes_on(
    docs: Path, watching, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="retrieval")
    calls = watching(Calls(fail=1))
    (docs / "one.txt").write_text("One.\n", encoding="utf-8")
    wait_for(lambda: calls.count() == 1, 10, what="the failing rebuild")
    (docs / "two.txt").write_text("Two.\n", encoding="utf-8")
    wait_for(lambda: calls.seen((docs / "two.txt").resolve()), 10, what="the next rebuild")
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(failures) == 1, caplog.text
    message = failures[0].getMessage()
    assert "the disk caught fire" in message and "previous index" in message
    assert "\n" not in message and failures[0].exc_info is None


def test_stop_ends_run_promptly_even_while_changes_wait(docs: Path) -> None:
    """stop() (safe in a signal handler: it only sets an event) ends run() in the
    calling thread; changes still waiting for their quiet period are dropped."""
    calls = Calls()
    stop = threading.Event()
    watcher = CorpusWatcher([docs], calls, quiet=30.0, stop_event=stop)
    watcher.start()
    runner = threading.Thread(target=watcher.run)
    runner.start()
    (docs / "late.txt").write_text("Late.\n", encoding="utf-8")
    stop.set()  # as the stop event given by the caller
    runner.join(10)
    assert not runner.is_alive()
    assert calls.count() == 0
    watcher.close()


def test_close_stops_the_background_watcher(docs: Path) -> None:
    watcher = CorpusWatcher([docs], Calls(), quiet=QUIET)
    with watcher:
        thread = watcher.run_in_background()
        assert thread.is_alive()
    assert not thread.is_alive()
    assert not [t for t in threading.enumerate() if t.name.startswith("watch")]


# ---------------------------------------------------------------- what an update did


def test_index_changes_read_as_one_line() -> None:
    changes = IndexChanges(
        added=("new.txt",),
        changed=("old.md",),
        removed=("gone.pdf",),
        embedded=5,
        passages=21,
        documents=4,
    )
    assert str(changes) == (
        "1 added, 1 changed, 1 removed (new.txt, old.md, gone.pdf); "
        "5 passages embedded; 21 passages from 4 documents"
    )
    assert changes
    many = IndexChanges(tuple(f"{n}.txt" for n in range(5)), (), (), 9, 30, 8)
    assert "(0.txt, 1.txt, 2.txt and 2 more)" in str(many)
    assert not IndexChanges((), (), (), 0, 18, 3)
