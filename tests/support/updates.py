"""What the simulated user sends and what the bot sent: Telegram entities, users and
chats of updates, and the records the emulator keeps of both (:class:`SentUpdate`,
:class:`BotMessage`)."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

_BOT_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}\b")
_ids = itertools.count(1)


def next_id() -> int:
    """A number for ids the emulator does not assign (sticker files, queries)."""
    return next(_ids)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def make_entities(text: str) -> list[dict[str, Any]]:
    """Compute the entities Telegram would attach to a user's text message.

    Only ``bot_command`` (``/cmd`` or ``/cmd@bot`` at the start of a word) and
    ``mention`` (``@username``, 5-32 characters) are produced. Offsets and lengths
    are in UTF-16 code units, as in the Bot API.

    Args:
        text: Message text.

    Returns:
        Entities sorted by offset (empty list when there are none).
    """
    found: list[tuple[int, int, str]] = []
    for regex, kind in ((_BOT_COMMAND_RE, "bot_command"), (_MENTION_RE, "mention")):
        for match in regex.finditer(text):
            found.append((match.start(), match.end(), kind))
    found.sort()
    return [
        {
            "type": kind,
            "offset": _utf16_len(text[:start]),
            "length": _utf16_len(text[start:end]),
        }
        for start, end, kind in found
    ]


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as stored by the emulator.

    Attributes:
        message_id: Id the emulator gave the message.
        chat_id: Target chat.
        text: Current text (edits by the bot are applied in place).
        parse_mode: ``parse_mode`` the bot used, if any.
        reply_markup: Decoded ``reply_markup`` the bot sent, if any.
        date: Unix time (seconds) the emulator stored the message.
        raw: The emulator's record of the bot's request parameters.
    """

    message_id: int
    chat_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    date: int
    raw: dict[str, Any] = field(repr=False)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons of the message, flattened row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def reply_to_message_id(self) -> int | None:
        """The message this one replies to (``reply_parameters`` or the legacy
        ``reply_to_message_id``), if any."""
        reply = self.raw.get("reply_parameters")
        if isinstance(reply, str):  # stored by an emulator without the decoding fix
            reply = json.loads(reply)
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            return int(reply["message_id"])
        legacy = self.raw.get("reply_to_message_id")
        return int(legacy) if legacy not in (None, "") else None


@dataclass(frozen=True)
class SentUpdate:
    """An update the emulator generated for the bot on behalf of the simulated user.

    Attributes:
        update_id: ``update_id`` of the update.
        update: The update exactly as the bot receives it.
        delivery: ``"queue"`` (served by getUpdates) or ``"webhook"`` (POSTed to the bot).
        status: Delivery status at the time of the call: ``"ok"``, ``"pending"``, ``"failed"``.
    """

    update_id: int
    update: dict[str, Any]
    delivery: str
    status: str

    @property
    def message_id(self) -> int | None:
        """``message_id`` of the update's (edited) message, if it carries one."""
        for key in ("message", "edited_message"):
            if key in self.update:
                return int(self.update[key]["message_id"])
        return None


def user_dict(user_id: int, first_name: str | None, username: str | None) -> dict[str, Any]:
    """A Bot API ``User`` for the simulated (human) sender."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"User{user_id}",
        "username": username or f"user{user_id}",
        "language_code": "en",
    }


def chat_dict(
    chat_id: int, chat_type: str, user: dict[str, Any], title: str | None
) -> dict[str, Any]:
    """A Bot API ``Chat``: private chats carry the user's names, others a title."""
    if chat_type == "private":
        return {
            "id": chat_id,
            "type": "private",
            "first_name": user["first_name"],
            "username": user["username"],
        }
    return {"id": chat_id, "type": chat_type, "title": title or f"Test {chat_type} {chat_id}"}
