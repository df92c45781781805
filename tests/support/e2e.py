"""Helpers for the end-to-end tests of the real bot (``python -m bot``) against the emulator:
ids, tokens, what the bot says, and checks of what it sent."""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass
from typing import Any

from tests.support import telegram_html
from tests.support.emulator_client import EmulatorClient
from tests.support.paths import DEV_SET
from tests.support.updates import BotMessage, SentUpdate
from tests.support.waiting import wait_for

BOT_USERNAME = "docqa_test_bot"  # the emulator's default getMe username
#: Telegram's limit on a message's text, in UTF-16 code units.
MESSAGE_LIMIT = 4096
#: Seconds to wait for a reply (a search takes well under a second once the model is up;
#: this leaves room for a loaded 2-core CI machine).
REPLY_TIMEOUT = 30.0

# What the bot says (kept literal here: the tests check the user-visible behaviour).
NO_ANSWER = "Nothing in the documents answers that."
NOT_ALLOWED = "Sorry, this bot only answers its registered users."
NON_TEXT = "I can only read text."
RATE_LIMITED = "You're asking faster than I can answer."
EMPTY_QUESTION = "Please ask a question"
UNKNOWN_COMMAND = "I don't know that command."
MORE_BUTTON = "More results"

_ids = itertools.count(1001)


def fresh_id() -> int:
    """A user/chat id no other test uses (tests share one bot and one emulator)."""
    return next(_ids)


def make_token() -> str:
    """A bot token shaped like Telegram's, distinctive enough to grep for."""
    return f"{7_000_000_000 + secrets.randbelow(10**8)}:AAE2E{secrets.token_urlsafe(24)}"


utf16_len = telegram_html.utf16_len


def visible_text(html_text: str) -> str:
    """The text a user sees; AssertionError if the HTML is not valid Telegram HTML."""
    return telegram_html.visible_text(html_text)


def checked(message: BotMessage) -> str:
    """Check one bot message the way Telegram would; returns its visible text.

    Asserts: HTML parse mode, valid Telegram HTML (allowed tags only, balanced, every
    ``&``/``<`` escaped), at most 4096 UTF-16 units (of the HTML source, which bounds
    what Telegram counts), and link previews disabled.
    """
    assert message.text, f"empty message {message}"
    assert message.parse_mode == "HTML", message.raw
    assert utf16_len(message.text) <= MESSAGE_LIMIT, utf16_len(message.text)
    assert message.raw.get("link_preview_options") == {"is_disabled": True}, message.raw
    return visible_text(message.text)


def folded(text: str) -> str:
    """Case- and white-space-insensitive form, for phrase matching."""
    return " ".join(text.split()).casefold()


def contains(text: str, phrase: str) -> bool:
    return folded(phrase) in folded(text)


@dataclass(frozen=True)
class DevItem:
    question: str
    answers: tuple[str, ...]
    source: str | None

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def dev_set() -> list[DevItem]:
    """``tests/data/dev.jsonl``: questions, answer phrases (empty: off-topic), source."""
    items = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            items.append(
                DevItem(data["question"], tuple(data.get("answers") or ()), data.get("source"))
            )
    return items


def replies_to(
    client: EmulatorClient, token: str, chat_id: int, to: SentUpdate | BotMessage
) -> list[BotMessage]:
    """The bot's messages in ``chat_id`` that reply to ``to`` (a user's message, or
    one of the bot's own: a "More results" page replies to the page it continues)."""
    return [m for m in client.replies(token, chat_id) if m.reply_to_message_id == to.message_id]


def reply_to(
    client: EmulatorClient,
    token: str,
    chat_id: int,
    to: SentUpdate | BotMessage,
    timeout: float = REPLY_TIMEOUT,
) -> BotMessage:
    """Wait for the bot's reply to ``to``; returns its first message."""
    found = wait_for(
        lambda: replies_to(client, token, chat_id, to),
        timeout,
        what=f"the bot's reply to message {to.message_id} in chat {chat_id}",
    )
    return found[0]


def whole_reply(
    client: EmulatorClient, token: str, chat_id: int, first: BotMessage
) -> list[BotMessage]:
    """``first`` and the messages that continue it (a long reply is split in several
    messages; only the first replies to the question)."""
    later = [m for m in client.replies(token, chat_id) if m.message_id > first.message_id]
    result = [first]
    for message in later:
        if message.reply_to_message_id is not None:
            break
        result.append(message)
    return result


def ask(
    client: EmulatorClient,
    token: str,
    chat_id: int,
    user_id: int,
    text: str,
    chat_type: str = "private",
    **kwargs: Any,
) -> tuple[SentUpdate, BotMessage]:
    """Send ``text`` as a user and wait for the bot's reply to it."""
    sent = client.send_message(token, chat_id, user_id, text, chat_type, **kwargs)
    return sent, reply_to(client, token, chat_id, sent)


def settle(client: EmulatorClient, token: str, user_id: int) -> None:
    """Wait until the bot has handled everything sent before: ask ``/help`` in a
    fresh private chat and wait for the answer. Updates are fetched in order, so a
    duplicate or late reply to anything earlier would have been sent by then (used to
    assert that the bot stays quiet, without fixed sleeps)."""
    ask(client, token, user_id, user_id, "/help")


def assert_no_secrets(output: str, *secrets_: str) -> None:
    """Assert that none of ``secrets_`` appears in ``output``; on failure, report where,
    with the secret masked (the failure report must not leak it either)."""
    leaks = []
    for n, secret in enumerate(secrets_):
        for number, line in enumerate(output.splitlines(), 1):
            if secret in line:
                leaks.append(f"secret #{n} on line {number}: {line.replace(secret, '<SECRET>')}")
    assert not leaks, "\n".join(leaks[:5])
