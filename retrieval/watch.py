"""Following a corpus as it changes: :class:`CorpusWatcher` calls back (to re-index)
once the corpus's document files have been added, changed or removed and the folder has
been quiet for a moment; :class:`IndexChanges` says what an update did.

Watching is watchfiles' (inotify on Linux, FSEvents on macOS, polling where neither
works). Rebuilding is left to the caller (``Retriever.from_corpus`` re-embeds only the
files that changed, so a rebuild is as cheap as the change).
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import watchfiles
from watchfiles import Change

from .errors import CorpusError, RetrievalError, WatchError
from .ingest.clean import file_name_text
from .ingest.formats import reader_for
from .retriever import PathLike, Retriever
from .terminal import terminal_text

logger = logging.getLogger(__name__)

#: Seconds the corpus must stay unchanged before a rebuild: an editor's save, a copy or
#: a ``git checkout`` is a burst of events, and one rebuild should follow it, not many.
QUIET_SECONDS = 1.0
#: A rebuild happens at the latest this long after the first change, even if files keep
#: changing (a long sync must not postpone every update until it ends).
MAX_DELAY_SECONDS = 30.0
# How often watchfiles returns when nothing changes, in ms: its first return tells that
# the watches are set up (the OS reports nothing before), and it bounds how long a stop
# waits.
_IDLE_MS = 200
# Editors' and office suites' temporary files that end like documents: Word's owner
# file (~$report.docx), emacs's auto-save (#notes.txt#), backups (notes.txt~). Hidden
# ones (.notes.txt.swp, .~lock.report.docx#, .#notes.txt) are hidden files already.
_TEMPORARY = re.compile(r"^(~\$|#)|[~#]$")


class _End:
    """What a watching thread puts on the queue when it ends."""


_END = _End()


class CorpusWatcher:
    """Calls ``on_change`` when the corpus's document files change, once per burst.

    What counts is what the corpus reader would read (:func:`~retrieval.ingest.discover`'s
    rules): files of a supported type, not hidden and not in a hidden folder, plus
    folders moved in or out (their files send no events of their own). Editors'
    temporary files and anything under an ``ignore`` folder (the index, if it lives in
    the corpus) do not count. A corpus path that is a file is watched through its
    folder (not recursively), so that an editor's save, which renames a new file over
    the old one, is seen.

    ``on_change`` runs in the thread that calls :meth:`run` (or the one
    :meth:`run_in_background` starts), one call at a time; changes that arrive during a
    call are the next call's. An exception from it is logged as one line and watching
    goes on: the caller keeps serving its previous index.

    Example::

        watcher = CorpusWatcher(["notes/"], lambda paths: rebuild())
        watcher.start()          # watching from here on: nothing is missed while...
        retriever = build()      # ...the first index is built
        watcher.run()            # rebuilds on changes until stop() (or Ctrl-C)

    Args:
        paths: the corpus's files and folders (folders are watched recursively).
        on_change: called with the paths that changed (absolute, symbolic links
            resolved) after ``quiet`` seconds without another change.
        quiet: seconds without a change before ``on_change`` is called.
        max_delay: seconds after the first change when ``on_change`` is called even if
            files keep changing.
        ignore: folders whose changes never count (e.g. the index directory).
        stop_event: set to stop watching (default: an event of its own; see :meth:`stop`).

    Raises:
        ValueError: ``quiet`` is negative or ``max_delay`` is shorter than ``quiet``.
    """

    def __init__(
        self,
        paths: Iterable[PathLike],
        on_change: Callable[[set[Path]], object],
        *,
        quiet: float = QUIET_SECONDS,
        max_delay: float = MAX_DELAY_SECONDS,
        ignore: Iterable[PathLike] = (),
        stop_event: threading.Event | None = None,
    ) -> None:
        if quiet < 0 or max_delay < quiet:
            raise ValueError(f"need 0 <= quiet <= max_delay, not {quiet} and {max_delay}")
        self.paths = [Path(p) for p in paths]
        self.on_change = on_change
        self.quiet = quiet
        self.max_delay = max_delay
        # watchfiles reports absolute paths under the roots it was given: everything is
        # compared in that form.
        self._ignore = tuple(_absolute(p) for p in ignore)
        self._folders: list[Path] = []
        self._files: list[Path] = []
        for path in self.paths:
            if path.is_file():
                self._files.append(_absolute(path.parent) / path.name)
            else:
                self._folders.append(_absolute(path))
        self._stop = stop_event or threading.Event()
        self._queue: queue.Queue[set[Path] | _End] = queue.Queue()
        self._watching: list[threading.Thread] = []
        self._runner: threading.Thread | None = None
        self._failures: list[BaseException] = []

    # ------------------------------------------------------------------ control

    def start(self, timeout: float = 30.0) -> None:
        """Starts watching and returns once the watches are set up; changes are kept
        from then on until :meth:`run` handles them. Does nothing if already started.

        Args:
            timeout: seconds to wait for the watches to be set up.

        Raises:
            CorpusError: a corpus path does not exist.
            WatchError: the corpus cannot be watched (e.g. the system's limit of watched
                folders is reached).
        """
        if self._watching:
            return
        for path in self.paths:
            if not path.exists():
                raise CorpusError(f"corpus path not found: {file_name_text(str(path))}")
        groups = [(self._folders, True), (sorted({f.parent for f in self._files}), False)]
        readies = []
        for roots, recursive in groups:
            if roots:
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._watch,
                    args=(roots, recursive, ready),
                    name="watch-files",
                    daemon=True,  # never keeps the process alive
                )
                self._watching.append(thread)
                readies.append(ready)
                thread.start()
        for ready in readies:
            ready.wait(timeout)
        if self._failures:
            self.close()
            raise WatchError(f"cannot watch the corpus for changes: {_one_line(self._failures[0])}")

    def run(self) -> None:
        """Calls ``on_change`` for each burst of changes, in this thread, until
        :meth:`stop` (or the stop event); starts watching first if needed.

        Changes still waiting for their quiet period when it stops are dropped.

        Raises:
            CorpusError: a corpus path does not exist.
            WatchError: the corpus cannot be watched.
        """
        self.start()
        pending: set[Path] = set()
        first = 0.0
        try:
            while not self._stop.is_set():
                if pending:
                    left = min(self.quiet, first + self.max_delay - time.monotonic())
                    try:
                        if left <= 0:
                            raise queue.Empty
                        item = self._queue.get(timeout=left)
                    except queue.Empty:
                        self._rebuild(pending)
                        pending = set()
                        continue
                else:
                    item = self._queue.get()
                if isinstance(item, _End):
                    break  # stopped, or a watching thread failed
                if not pending:
                    first = time.monotonic()
                pending |= item
        finally:
            requested = self._stop.is_set()
            self.stop()
            self._join(self._watching, None)
        if self._failures and not requested:
            logger.error(
                "stopped watching the corpus for changes: %s", _one_line(self._failures[0])
            )

    def run_in_background(self) -> threading.Thread:
        """Runs :meth:`run` in a (daemon) thread of its own, started now; :meth:`close`
        stops it.

        Returns:
            The thread.
        """
        if self._runner is None:
            self._runner = threading.Thread(target=self.run, name="watch-rebuild", daemon=True)
            self._runner.start()
        return self._runner

    def stop(self) -> None:
        """Asks the watcher to stop; :meth:`run` returns soon after (once a rebuild
        under way has finished). Only sets an event: safe in a signal handler."""
        self._stop.set()

    def close(self, timeout: float | None = None) -> None:
        """Stops watching and waits for the watcher's threads to end (a rebuild under
        way finishes first).

        Args:
            timeout: seconds to wait for each thread (default: as long as it takes).
        """
        self.stop()
        threads = [*self._watching, *([self._runner] if self._runner else [])]
        self._join(threads, timeout)

    def __enter__(self) -> CorpusWatcher:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ what counts

    def relevant(self, change: Change, path: str) -> bool:
        """Whether a change of ``path`` (absolute, as watchfiles reports it) may change
        the index.

        Args:
            change: added, modified or deleted.
            path: the path that changed.
        """
        where = Path(path)
        if any(where == folder or folder in where.parents for folder in self._ignore):
            return False
        if where in self._files:
            return True
        root = next((r for r in self._folders if where == r or r in where.parents), None)
        if root is None:
            return False
        # The corpus reader skips hidden files and folders (below the root it was given).
        if any(part.startswith(".") for part in where.relative_to(root).parts):
            return False
        if _TEMPORARY.search(where.name):
            return False
        if reader_for(where.name) is not None:
            return True
        if change == Change.deleted:
            # Gone: whether it was a folder cannot be asked any more. Most folders have
            # no file ending; most other files have one.
            return not where.suffix
        return where.is_dir()

    # ------------------------------------------------------------------ threads

    def _watch(self, roots: list[Path], recursive: bool, ready: threading.Event) -> None:
        """Puts each batch of relevant changes under ``roots`` on the queue until the
        stop event is set (watchfiles checks it every 50 ms)."""
        try:
            for changes in watchfiles.watch(
                *roots,
                watch_filter=self.relevant,
                stop_event=self._stop,
                rust_timeout=_IDLE_MS,
                yield_on_timeout=True,
                recursive=recursive,
                # A folder the user cannot read is skipped by the reader too.
                ignore_permission_denied=True,
                raise_interrupt=False,
            ):
                ready.set()
                if changes:
                    self._queue.put({Path(p) for _, p in changes})
        except Exception as exc:  # e.g. the inotify watch limit; reported by start/run
            self._failures.append(exc)
        finally:
            ready.set()
            self._queue.put(_END)

    def _rebuild(self, paths: set[Path]) -> None:
        logger.debug("%d path(s) changed: %s", len(paths), ", ".join(map(str, sorted(paths))))
        try:
            self.on_change(paths)
        except Exception as exc:
            # Watching goes on, and the caller keeps its previous index: the next change
            # (or the same file saved again, fixed) triggers another rebuild.
            logger.warning(
                "re-indexing after a change failed: %s; the previous index stays in use",
                _one_line(exc),
            )
            logger.debug("the failed re-indexing", exc_info=True)

    @staticmethod
    def _join(threads: list[threading.Thread], timeout: float | None) -> None:
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout)


@dataclass(frozen=True)
class IndexChanges:
    """What an update of an index did, file by file (as the index names them).

    True when anything changed; ``str()`` is the one line the watchers log, e.g.
    ``"1 added, 1 changed, 0 removed (new.txt, old.md); 5 passages embedded; 21
    passages from 4 documents"``.

    Attributes:
        added: the files added.
        changed: the files whose content changed.
        removed: the files removed.
        embedded: passages embedded by the update.
        passages: passages in the updated index.
        documents: documents in the updated index.
    """

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    embedded: int
    passages: int
    documents: int

    @classmethod
    def between(cls, old: Retriever, new: Retriever) -> IndexChanges:
        """What changed from ``old``'s index to ``new``'s (``new`` as the update that
        made it left it: its ``embedded`` count)."""
        before, after = old.files(), new.files()
        return cls(
            added=tuple(sorted(after.keys() - before.keys())),
            changed=tuple(sorted(s for s in after.keys() & before.keys() if after[s] != before[s])),
            removed=tuple(sorted(before.keys() - after.keys())),
            embedded=new.embedded,
            passages=len(new),
            documents=len(new.sources()),
        )

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.embedded)

    def __str__(self) -> str:
        names = [terminal_text(n) for n in (*self.added, *self.changed, *self.removed)]
        counts = (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"
        )
        if names:
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            counts += f" ({', '.join(names[:3])}{more})"
        return (
            f"{counts}; {_count(self.embedded, 'passage')} embedded; "
            f"{_count(self.passages, 'passage')} from {_count(self.documents, 'document')}"
        )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _absolute(path: PathLike) -> Path:
    return Path(os.path.abspath(path)).resolve()


def _one_line(exc: BaseException) -> str:
    """An error as one line: a project error's message is meant for users; anything
    else is named by its type too."""
    if isinstance(exc, RetrievalError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
