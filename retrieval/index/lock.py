"""One writer at a time per index directory, across processes.

Two builds of one index (two ``index`` commands, or one while the bot re-indexes on
``/reload``) would otherwise each write a generation and remove the other's as stale,
and the last to finish would win silently. A build holds an exclusive lock on
``INDEX_DIR/.lock`` (``flock`` through filelock: released by the kernel if its holder
dies, so a killed build never leaves it stuck). Readers take no lock: they open the
generation ``CURRENT`` names, which a build never changes in place.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from ..errors import IndexBusyError, IndexWriteError
from .layout import LOCK

logger = logging.getLogger(__name__)


class WriterLock:
    """The exclusive right to write the index in ``index_dir``, as a context manager.

    Args:
        index_dir: the index directory (created if missing).
        wait: wait for another writer to finish (after saying so); else fail at once.

    Raises:
        IndexWriteError: the directory cannot be written (read-only, no space...).
        IndexBusyError: another process writes it and ``wait`` is false.
    """

    def __init__(self, index_dir: Path, wait: bool = True) -> None:
        self.index_dir = index_dir
        self.wait = wait
        self._lock = FileLock(
            index_dir / LOCK,
            thread_local=False,  # the bot builds in a worker thread and releases there
            fallback_to_soft=False,  # a lock file that cannot be locked is an error
            preserve_lock_file=True,  # unlinking a flock'ed file races with its next user
        )

    def __enter__(self) -> WriterLock:
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            try:
                self._lock.acquire(blocking=False)
            except Timeout:
                if not self.wait:
                    raise IndexBusyError(
                        f"another process is writing the index at {self.index_dir}; "
                        "try again when it has finished"
                    ) from None
                logger.warning(
                    "another process is writing the index at %s; waiting for it to finish",
                    self.index_dir,
                )
                self._lock.acquire()
        except OSError as exc:
            raise IndexWriteError(
                f"cannot write the index at {self.index_dir}: {exc.strerror or exc}"
            ) from exc
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._lock.release()
