"""Logging that never shows the bot token (or the webhook secret).

httpx logs every request URL at INFO, and Bot API URLs contain the token; exceptions
from the network layer can quote them too. A filter on the handlers rewrites every
record, its arguments and its traceback text, whichever logger it came from. The
logging set-up itself is the project's one (:func:`retrieval.configure_logging`), which
:mod:`bot.cli` calls with this filter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[REDACTED]"


class RedactingFilter(logging.Filter):
    """Replaces each secret in a log record with :data:`REDACTED`.

    Args:
        secrets: the strings to hide (empty ones are ignored).
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is hidden whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced (for text printed outside the log)."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redacts ``record`` in place; never drops it."""
        if not self.secrets:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True
