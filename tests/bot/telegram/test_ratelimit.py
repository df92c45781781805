"""The per-user rate limiter."""

from __future__ import annotations

from bot.telegram.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_window_per_key() -> None:
    clock = Clock()
    limiter = RateLimiter(2, window=60, clock=clock)
    assert limiter.check("a") == 0 and limiter.check("a") == 0
    assert limiter.check("a") == 60
    assert limiter.check("b") == 0  # other users are not affected
    clock.now += 30
    assert limiter.check("a") == 30
    clock.now += 30.5
    assert limiter.check("a") == 0


def test_zero_means_unlimited() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.check(1) == 0 for _ in range(1000))


def test_memory_is_bounded_by_active_users() -> None:
    clock = Clock()
    limiter = RateLimiter(5, window=60, clock=clock)
    for user in range(1000):
        limiter.check(user)
    clock.now += 61
    limiter.check("new")
    assert len(limiter._events) == 1
