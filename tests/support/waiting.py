"""Waiting on conditions (never on fixed timers)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> T:
    """Poll ``predicate`` until it returns a truthy value.

    Args:
        predicate: Called repeatedly; its first truthy result is returned.
        timeout: Seconds before giving up.
        interval: Sleep between calls, in seconds.
        what: Description used in the timeout error.

    Returns:
        The first truthy value returned by ``predicate``.

    Raises:
        TimeoutError: If ``predicate`` stayed falsy for ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)
