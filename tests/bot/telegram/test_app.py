"""Wiring and addressing rules of the Telegram front end (its conversations with a Bot API
server are the end-to-end tests' job)."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import Chat, Message, MessageEntity, User
from telegram.ext import (
    AIORateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
)

from bot.answer import AnswerComposer
from bot.config import BotConfig
from bot.telegram_bot import TelegramBot, _addressed_question

BOT = User(42, "DocQA", is_bot=True, username="docqa_bot")
ALICE = User(1, "Alice", is_bot=False)
GROUP = Chat(-100, Chat.GROUP, title="g")
NOW = dtm.datetime(2024, 1, 1, tzinfo=dtm.timezone.utc)


def _message(
    text: str, entities: list[MessageEntity] = (), reply_to: Message | None = None
) -> Message:
    return Message(
        1,
        NOW,
        GROUP,
        from_user=ALICE,
        text=text,
        entities=list(entities),
        reply_to_message=reply_to,
    )


def _mention(text: str, name: str) -> MessageEntity:
    return MessageEntity(MessageEntity.MENTION, text.index(name), len(name))


def test_group_message_mentioning_the_bot_is_a_question_without_the_mention() -> None:
    text = "hey @DocQA_bot who invested in Pateo?"
    question = _addressed_question(_message(text, [_mention(text, "@DocQA_bot")]), 42, "docqa_bot")
    assert question is not None and " ".join(question.split()) == "hey who invested in Pateo?"


def test_group_chatter_is_ignored() -> None:
    assert _addressed_question(_message("who invested in Pateo?"), 42, "docqa_bot") is None
    text = "ask @someone_else please"
    other = _message(text, [_mention(text, "@someone_else")])
    assert _addressed_question(other, 42, "docqa_bot") is None
    # A mention in the text without an entity is not a mention (Telegram always sends one).
    assert _addressed_question(_message("@docqa_bot hi"), 42, "docqa_bot") is None


def test_reply_to_the_bot_is_a_question() -> None:
    ours = Message(7, NOW, GROUP, from_user=BOT, text="an answer")
    theirs = Message(8, NOW, GROUP, from_user=ALICE, text="x")
    assert _addressed_question(_message("and Xiaomi?", reply_to=ours), 42, "docqa_bot") == (
        "and Xiaomi?"
    )
    assert _addressed_question(_message("and Xiaomi?", reply_to=theirs), 42, "docqa_bot") is None


def test_text_mention_of_the_bot() -> None:
    entity = MessageEntity(MessageEntity.TEXT_MENTION, 0, 5, user=BOT)
    assert _addressed_question(_message("DocQA what is AIoT?", [entity]), 42, None) is not None


def test_application_wiring(composer: AnswerComposer) -> None:
    config = BotConfig(token="123:abc", api_url="http://127.0.0.1:1", rate_limit=5)
    bot = TelegramBot(config, composer)
    app = bot.build_application()
    assert app.bot.base_url == "http://127.0.0.1:1/bot123:abc"
    assert app.concurrent_updates > 1
    assert isinstance(app.bot.rate_limiter, AIORateLimiter)
    handlers = app.handlers[0]
    commands = {c for h in handlers if isinstance(h, CommandHandler) for c in h.commands}
    assert commands == {"start", "help", "sources", "ask", "reload"}
    kinds = {type(h) for h in handlers}
    assert {MessageHandler, CallbackQueryHandler, InlineQueryHandler} <= kinds
    assert app.error_handlers
    assert bot.limiter.limit == 5


def test_a_token_is_required(composer: AnswerComposer) -> None:
    with pytest.raises(ValueError, match="token"):
        TelegramBot(BotConfig(), composer)
