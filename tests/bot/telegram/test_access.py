"""Who the Telegram bot serves, and how often."""

from __future__ import annotations

from telegram import User

from bot.config import BotConfig
from bot.telegram.access import Access

ALICE = User(1, "Alice", is_bot=False)
ADMIN = User(2, "Admin", is_bot=False)
STRANGER = User(3, "Stranger", is_bot=False)


def test_everyone_is_allowed_without_a_list() -> None:
    access = Access.from_config(BotConfig())
    assert access.allows(STRANGER) and access.allows(None)
    assert not access.is_admin(STRANGER) and not access.is_admin(None)


def test_allowed_users_and_admins() -> None:
    access = Access.from_config(BotConfig(allowed_users=frozenset({1}), admin_users=frozenset({2})))
    assert access.allows(ALICE) and access.allows(ADMIN)  # admins may always use the bot
    assert not access.allows(STRANGER) and not access.allows(None)
    assert access.is_admin(ADMIN) and not access.is_admin(ALICE)


def test_questions_and_inline_queries_are_limited_separately() -> None:
    access = Access.from_config(BotConfig(rate_limit=1, inline_rate_limit=2))
    assert access.question_wait(ALICE) == 0
    assert access.question_wait(ALICE) > 0
    assert access.question_wait(ADMIN) == 0  # per user
    assert access.inline_wait(ALICE) == 0 and access.inline_wait(ALICE) == 0
    assert access.inline_wait(ALICE) > 0
