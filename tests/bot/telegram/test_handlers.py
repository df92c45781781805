"""Addressing rules of the Telegram handlers: which group messages are questions (the
conversations with a Bot API server are the end-to-end tests' job)."""

from __future__ import annotations

import datetime as dtm
from collections.abc import Sequence

from telegram import Chat, Message, MessageEntity, User

from bot.telegram.handlers import addressed_question

BOT = User(42, "DocQA", is_bot=True, username="docqa_bot")
ALICE = User(1, "Alice", is_bot=False)
GROUP = Chat(-100, Chat.GROUP, title="g")
NOW = dtm.datetime(2024, 1, 1, tzinfo=dtm.timezone.utc)


def _message(
    text: str, entities: Sequence[MessageEntity] = (), reply_to: Message | None = None
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
    question = addressed_question(_message(text, [_mention(text, "@DocQA_bot")]), 42, "docqa_bot")
    assert question is not None and " ".join(question.split()) == "hey who invested in Pateo?"


def test_group_chatter_is_ignored() -> None:
    assert addressed_question(_message("who invested in Pateo?"), 42, "docqa_bot") is None
    text = "ask @someone_else please"
    other = _message(text, [_mention(text, "@someone_else")])
    assert addressed_question(other, 42, "docqa_bot") is None
    # A mention in the text without an entity is not a mention (Telegram always sends one).
    assert addressed_question(_message("@docqa_bot hi"), 42, "docqa_bot") is None


def test_reply_to_the_bot_is_a_question() -> None:
    ours = Message(7, NOW, GROUP, from_user=BOT, text="an answer")
    theirs = Message(8, NOW, GROUP, from_user=ALICE, text="x")
    assert addressed_question(_message("and Xiaomi?", reply_to=ours), 42, "docqa_bot") == (
        "and Xiaomi?"
    )
    assert addressed_question(_message("and Xiaomi?", reply_to=theirs), 42, "docqa_bot") is None


def test_text_mention_of_the_bot() -> None:
    entity = MessageEntity(MessageEntity.TEXT_MENTION, 0, 5, user=BOT)
    assert addressed_question(_message("DocQA what is AIoT?", [entity]), 42, None) is not None
