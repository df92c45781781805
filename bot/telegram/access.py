"""Who may use the bot, who may administer it, and how often each user may ask."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import User

from ..config import BotConfig
from .ratelimit import RateLimiter


@dataclass
class Access:
    """The bot's access rules.

    Attributes:
        allowed_users: user ids allowed to use the bot (empty: everyone).
        admin_users: user ids allowed to ``/reload`` (always allowed to use the bot).
        question_limiter: questions (and "More results" presses) per user.
        inline_limiter: inline queries per user (looser: Telegram sends one per
            keystroke pause).
    """

    allowed_users: frozenset[int] = frozenset()
    admin_users: frozenset[int] = frozenset()
    question_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(0))
    inline_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(0))

    @classmethod
    def from_config(cls, config: BotConfig) -> Access:
        """The rules ``config`` sets."""
        return cls(
            allowed_users=config.allowed_users,
            admin_users=config.admin_users,
            question_limiter=RateLimiter(config.rate_limit),
            inline_limiter=RateLimiter(config.inline_rate_limit),
        )

    def allows(self, user: User | None) -> bool:
        """Whether ``user`` may use the bot (an update without a user only when everyone
        may)."""
        if not self.allowed_users:
            return True
        return user is not None and (user.id in self.allowed_users or self.is_admin(user))

    def is_admin(self, user: User | None) -> bool:
        """Whether ``user`` may administer the bot."""
        return user is not None and user.id in self.admin_users

    def question_wait(self, user: User) -> float:
        """Counts a question of ``user``'s; 0 when allowed, else seconds to wait."""
        return self.question_limiter.check(user.id)

    def inline_wait(self, user: User) -> float:
        """Counts an inline query of ``user``'s; 0 when allowed, else seconds to wait."""
        return self.inline_limiter.check(user.id)
