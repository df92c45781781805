"""Wiring of the Telegram front end: the application, its handlers and rate limiter."""

from __future__ import annotations

import asyncio

import pytest
from telegram.ext import (
    AIORateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
)

from bot.answer import AnswerComposer
from bot.collections import Collections
from bot.config import BotConfig
from bot.telegram import TelegramBot
from bot.telegram.app import FLOOD_RETRIES, MessageRateLimiter, command_menus


def test_application_wiring(composer: AnswerComposer) -> None:
    config = BotConfig(token="123:abc", api_url="http://127.0.0.1:1", rate_limit=5)
    bot = TelegramBot(config, Collections.single(config, composer))
    app = bot.build_application()
    assert app.bot.base_url == "http://127.0.0.1:1/bot123:abc"
    assert app.concurrent_updates > 1
    assert isinstance(app.bot.rate_limiter, AIORateLimiter)
    handlers = app.handlers[0]
    commands = {c for h in handlers if isinstance(h, CommandHandler) for c in h.commands}
    assert commands == {
        *("start", "help", "sources", "ask", "new", "reload", "stats"),
        *("collections", "use", "docs", "forget"),
    }
    kinds = {type(h) for h in handlers}
    assert {MessageHandler, CallbackQueryHandler, InlineQueryHandler} <= kinds
    assert app.error_handlers
    assert bot.access.question_limiter.limit == 5


def test_each_scope_has_its_command_menu() -> None:
    menus = {
        type(scope).__name__ + str(getattr(scope, "chat_id", "")): [c for c, _ in commands]
        for scope, commands in command_menus([42, 7])
    }
    everyone = ["start", "help", "sources", "ask", "new", "collections", "use"]
    admin = ["docs", "forget", "reload", "stats"]
    assert menus["BotCommandScopeDefault"] == everyone
    assert menus["BotCommandScopeAllPrivateChats"] == [c for c in everyone if c != "ask"]
    # Groups' administrators see their chat's admin commands; so do the configured
    # admins in their private chats, and nobody else.
    assert menus["BotCommandScopeAllChatAdministrators"] == everyone + admin
    assert menus["BotCommandScopeChat7"] == menus["BotCommandScopeChat42"]
    assert menus["BotCommandScopeChat42"] == [c for c in everyone if c != "ask"] + admin
    assert sum("reload" in commands for commands in menus.values()) == 3


def test_a_token_is_required(composer: AnswerComposer) -> None:
    with pytest.raises(ValueError, match="token"):
        TelegramBot(BotConfig(), Collections.single(BotConfig(), composer))


def test_chat_actions_pass_the_rate_limiter() -> None:
    limiter = MessageRateLimiter(max_retries=FLOOD_RETRIES)
    called: list[str] = []

    async def callback(endpoint: str) -> bool:
        called.append(endpoint)
        return True

    async def run() -> None:
        await limiter.initialize()
        try:
            # A chat action with a chat id is not counted (its group limiter never runs).
            assert await limiter.process_request(
                callback, ("sendChatAction",), {}, "sendChatAction", {"chat_id": 1}, None
            )
            assert await limiter.process_request(
                callback, ("sendMessage",), {}, "sendMessage", {"chat_id": 1}, None
            )
        finally:
            await limiter.shutdown()

    asyncio.run(run())
    assert called == ["sendChatAction", "sendMessage"]
