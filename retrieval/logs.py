"""The one logging set-up of both entry points (``python -m retrieval``, ``python -m bot``).

Libraries log nothing until an application configures logging; this is that
configuration, called by the command lines only (never at import time).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from .terminal import terminal_text

#: Third-party loggers whose chatter is not the user's concern, and the level they are
#: shown from: model and index loaders and document parsers (their warnings are about
#: their own internals; the project warns about unreadable files itself), and the HTTP
#: client, which logs every request URL at INFO (Bot API URLs hold the token).
NOISY_LOGGERS = {
    "faiss": logging.ERROR,
    "sentence_transformers": logging.ERROR,
    "transformers": logging.ERROR,
    "bm25s": logging.ERROR,
    "trafilatura": logging.ERROR,
    "pypdf": logging.ERROR,
    "htmldate": logging.ERROR,
    "courlan": logging.ERROR,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    # "1 change detected" on every save: the watchers log what an update did instead.
    "watchfiles": logging.WARNING,
}
#: ``python -m retrieval``: the level name and a message, nothing else.
SHORT_FORMAT = "%(levelname)s: %(message)s"
#: ``python -m bot``: a service's log, with time and origin.
SERVICE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _TerminalFormatter(logging.Formatter):
    """Log lines safe for a terminal: a message quoting a file name or a title
    (``skipping esc\x1b[31m….txt``) is written as one line without the control
    characters in it (see :func:`~retrieval.terminal.terminal_text`); a traceback
    keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return terminal_text(super().formatMessage(record))


def configure_logging(
    level: str | int = "WARNING",
    *,
    fmt: str = SHORT_FORMAT,
    filters: Iterable[logging.Filter] = (),
    project_level: str | int | None = None,
) -> None:
    """Sends log records to stderr, replacing any earlier set-up.

    Args:
        level: the root level.
        fmt: the record format.
        filters: added to the handler (e.g. the bot's token redaction), so they see
            every record, whichever logger it came from.
        project_level: the level of the project's own loggers (``retrieval``,
            ``bot``) when it differs from ``level`` (e.g. INFO for ``index``).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_TerminalFormatter(fmt))
    for log_filter in filters:
        handler.addFilter(log_filter)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in ("retrieval", "bot"):
        logging.getLogger(name).setLevel(project_level if project_level is not None else level)
    for name, noisy_level in NOISY_LOGGERS.items():
        logging.getLogger(name).setLevel(noisy_level)
