"""A per-user sliding-window limit on how many questions each user may ask."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """Allows each key at most ``limit`` events per ``window`` seconds.

    Args:
        limit: events allowed per window (0: unlimited).
        window: the window, in seconds.
        clock: monotonic time source (injectable for tests).
    """

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}

    def check(self, key: Hashable) -> float:
        """Records an event for ``key`` if allowed.

        Returns:
            0 when allowed, else how many seconds until the next event would be.
        """
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        self._forget_before(now - self.window)
        events = self._events.setdefault(key, deque())
        if len(events) >= self.limit:
            return events[0] + self.window - now
        events.append(now)
        return 0.0

    def _forget_before(self, cutoff: float) -> None:
        # Drop expired events, and keys left with none, so memory stays bounded by
        # the users active within one window.
        for key in list(self._events):
            events = self._events[key]
            while events and events[0] <= cutoff:
                events.popleft()
            if not events:
                del self._events[key]
