"""Reporting skipped files: each by name up to a point, then only counted, so that a
folder of thousands of odd files gives a readable report instead of a flood."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from .clean import file_name_text

#: Files named one warning each; the rest are counted in one summary line.
SHOWN_SKIPS = 20


class SkipLog:
    """The files one pass over a corpus skips.

    Args:
        logger: where the warnings go.
        shown: how many are named before the rest are only counted.
    """

    def __init__(self, logger: logging.Logger, shown: int = SHOWN_SKIPS) -> None:
        self.logger = logger
        self.shown = shown
        self.count = 0
        self._unnamed: Counter[str] = Counter()

    def skip(self, path: Path | str, why: str) -> None:
        """Records that ``path`` is skipped, and why (one line)."""
        self.count += 1
        if self.count <= self.shown:
            self.logger.warning("skipping %s: %s", file_name_text(str(path)), why)
        else:
            self._unnamed[why] += 1

    def close(self) -> None:
        """Logs the summary of the files skipped without a warning of their own."""
        if self._unnamed:
            reasons = ", ".join(f"{n} {why}" for why, n in self._unnamed.most_common())
            self.logger.warning("skipped %d more files (%s)", sum(self._unnamed.values()), reasons)
            self._unnamed.clear()
