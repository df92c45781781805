"""Re-indexing the corpus while the bot serves: :class:`Reloader` (what an admin's
``/reload`` and ``--watch`` both run) and :class:`IndexFollower` (``--watch``).

A reload builds the new index beside the old one (only changed files are embedded) and
then swaps it into the :class:`~bot.answer.AnswerComposer` by one reference assignment:
searches already running finish on the old index, later ones use the new one, and no
question in flight fails or mixes the two.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from retrieval import (
    CorpusWatcher,
    IndexChanges,
    Retriever,
    default_corpus,
    default_index_dir,
    terminal_text,
)

from .answer import AnswerComposer
from .config import BotConfig

logger = logging.getLogger(__name__)


class ReloadBusy(Exception):
    """A reload is already running, and the caller would not wait for it."""


class Reloader:
    """Re-indexes the corpus and swaps the new index into the composer, one reload at a
    time (two builds of one index in one process would wait on each other's lock as if
    another process held it).

    Args:
        composer: answers questions; its retriever is replaced.
        rebuild: builds the up-to-date retriever; its argument says whether to wait for
            another process writing the index (else fail with ``IndexBusyError``).
    """

    def __init__(self, composer: AnswerComposer, rebuild: Callable[[bool], Retriever]) -> None:
        self.composer = composer
        self.rebuild = rebuild
        self._lock = threading.Lock()

    @classmethod
    def for_config(cls, config: BotConfig, composer: AnswerComposer) -> Reloader:
        """The reloader of ``config``'s corpus and index directory, sharing the model
        already loaded (only the passages that changed are embedded)."""

        def rebuild(wait: bool) -> Retriever:
            return Retriever.from_corpus(
                config.corpus or None,
                config.index_dir,
                config.retrieval,
                encoder=composer.retriever.encoder,
                wait=wait,
            )

        return cls(composer, rebuild)

    @property
    def busy(self) -> bool:
        """Whether a reload is running."""
        return self._lock.locked()

    def reload(self, wait: bool = True) -> IndexChanges:
        """Re-indexes the corpus and answers from the new index from now on. Blocks (run
        it in a worker thread).

        Args:
            wait: if another reload runs, or another process writes the index, wait for
                it; else fail at once.

        Returns:
            What changed.

        Raises:
            ReloadBusy: another reload runs and ``wait`` is false.
            RetrievalError: the corpus cannot be indexed; nothing changed.
        """
        if not self._lock.acquire(blocking=wait):
            raise ReloadBusy("a reload is already running")
        try:
            old = self.composer.retriever
            new = self.rebuild(wait)
            self.composer.swap(new)
            return IndexChanges.between(old, new)
        finally:
            self._lock.release()


class IndexFollower:
    """``--watch``: re-indexes the corpus when its files change, through a
    :class:`Reloader` (the path ``/reload`` takes), in a background thread.

    Start watching with :meth:`start` before the first index is built (a file saved
    meanwhile is not missed), hand it the reloader with :meth:`follow` once the bot can
    answer, and :meth:`close` it when the bot stops. A failed re-indexing is logged
    (one line) and the bot keeps answering from the previous index.

    Args:
        config: the settings (``corpus``, ``index_dir``).
    """

    def __init__(self, config: BotConfig) -> None:
        self.paths: list[Path] = list(config.corpus) or [default_corpus()]
        index_dir = config.index_dir or default_index_dir(self.paths)
        self.watcher = CorpusWatcher(self.paths, self._on_change, ignore=[index_dir])
        self._reloader: Reloader | None = None

    def start(self) -> None:
        """Starts watching (changes are kept until :meth:`follow`).

        Raises:
            CorpusError: a corpus path does not exist.
            WatchError: the corpus cannot be watched.
        """
        self.watcher.start()
        names = ", ".join(terminal_text(str(p)) for p in self.paths)
        logger.info("watching %s for changes", names)

    def follow(self, reloader: Reloader) -> None:
        """Re-indexes through ``reloader`` on every change from now on."""
        self._reloader = reloader
        self.watcher.run_in_background()

    def close(self) -> None:
        """Stops watching (after a re-indexing under way has finished)."""
        self.watcher.close()

    def _on_change(self, paths: set[Path]) -> None:
        assert self._reloader is not None  # the watcher calls back only once following
        # Waits for an admin's /reload under way: this change may be newer than what it read.
        changes = self._reloader.reload(wait=True)
        if changes:
            logger.info("documents updated: %s", changes)
