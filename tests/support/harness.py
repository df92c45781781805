"""End-to-end test harness around the ``telegram-test-api`` Telegram Bot API emulator.

The emulator (an npm package) runs in a Node subprocess started by :class:`Emulator`
through ``tests/support/emulator.js``, which adds the few pieces python-telegram-bot
needs (see that file and ``tests/e2e/README.md``). :class:`EmulatorClient` plays the
user side: it sends messages/button presses/inline queries and reads what the bot
sent. :class:`BotThread` runs a real ``telegram.ext.Application`` (polling or
webhook) in a background thread against the emulator.

Typical use::

    with Emulator() as emu:
        app = Application.builder().token(TOKEN).base_url(emu.base_url) \\
            .base_file_url(emu.base_file_url).build()
        ...  # add handlers
        with BotThread(app):
            emu.client.send_message(TOKEN, chat_id=1, user_id=1, text="/start")
            replies = emu.client.wait_for_replies(TOKEN, chat_id=1, n=1)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.paths import ROOT as PROJECT_ROOT

EMULATOR_JS = Path(__file__).resolve().parent / "emulator.js"
EMULATOR_PACKAGE = PROJECT_ROOT / "node_modules" / "telegram-test-api"
DEFAULT_BOT_USERNAME = "docqa_test_bot"

T = TypeVar("T")

_BOT_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,64})?")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}\b")
_ids = itertools.count(1)


class EmulatorError(RuntimeError):
    """The emulator process or one of its test routes failed."""


def emulator_unavailable_reason() -> str | None:
    """Tell why the emulator cannot run here, if it cannot.

    Returns:
        A human-readable reason (for ``pytest.skip``), or ``None`` when ``node`` and
        ``node_modules/telegram-test-api`` are both available.
    """
    if shutil.which("node") is None:
        return "`node` is not on PATH (needed to run the telegram-test-api emulator)"
    if not (EMULATOR_PACKAGE / "package.json").is_file():
        return f"{EMULATOR_PACKAGE} is missing: run `npm install` in {PROJECT_ROOT}"
    return None


def free_port(host: str = "127.0.0.1") -> int:
    """Find a currently free TCP port by binding port 0.

    Args:
        host: Interface to probe.

    Returns:
        A port number that was free a moment ago.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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


def _user(user_id: int, first_name: str | None, username: str | None) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"User{user_id}",
        "username": username or f"user{user_id}",
        "language_code": "en",
    }


def _chat(chat_id: int, chat_type: str, user: dict[str, Any], title: str | None) -> dict[str, Any]:
    if chat_type == "private":
        return {
            "id": chat_id,
            "type": "private",
            "first_name": user["first_name"],
            "username": user["username"],
        }
    return {"id": chat_id, "type": chat_type, "title": title or f"Test {chat_type} {chat_id}"}


class EmulatorClient:
    """The simulated Telegram user side of the emulator, plus inspection helpers.

    All methods take the bot ``token`` because the emulator keeps one update queue
    and one message store per token. Calls are synchronous (``httpx.Client``).

    Args:
        api_url: Root URL of the emulator, e.g. ``http://127.0.0.1:9000``.
        timeout: HTTP timeout in seconds.
    """

    def __init__(self, api_url: str, timeout: float = 10.0) -> None:
        self.api_url = api_url.rstrip("/")
        self._http = httpx.Client(base_url=self.api_url, timeout=timeout, trust_env=False)
        self._bot_users: dict[str, dict[str, Any]] = {}

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self._http.close()

    # ------------------------------------------------------------------ low level

    def _result(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("ok"):
            raise EmulatorError(
                f"{response.request.method} {response.request.url.path}: "
                f"HTTP {response.status_code} {response.text[:500]}"
            )
        return body.get("result")

    def _get(self, path: str, **params: Any) -> Any:
        return self._result(self._http.get(path, params=params))

    def _post(self, path: str, payload: dict[str, Any]) -> Any:
        return self._result(self._http.post(path, json=payload))

    def bot_user(self, token: str) -> dict[str, Any]:
        """The bot's ``User`` (from the harness's getMe), cached per token."""
        if token not in self._bot_users:
            self._bot_users[token] = self._post(f"/bot{token}/getMe", {})
        return self._bot_users[token]

    def _latest_update(self, token: str, matches: Callable[[dict[str, Any]], bool]) -> SentUpdate:
        for entry in reversed(self._get("/_harness/userUpdates", token=token)):
            if matches(entry["update"]):
                return SentUpdate(
                    update_id=int(entry["update"]["update_id"]),
                    update=entry["update"],
                    delivery=entry["delivery"],
                    status=entry["status"],
                )
        raise EmulatorError("the emulator did not record the update just sent")

    def send_update(self, token: str, update: dict[str, Any]) -> SentUpdate:
        """Queue an arbitrary update for the bot (test-only injection route).

        The emulator assigns ``update_id`` (and ``message_id`` for a ``message``
        update); delivery goes through its own queue, so it reaches the bot via
        getUpdates or, when a webhook is registered, via the webhook.

        Args:
            token: Bot token.
            update: Update without ``update_id``, e.g. ``{"inline_query": {...}}``.

        Returns:
            The update as delivered.
        """
        result = self._post("/_harness/injectUpdate", {"token": token, "update": update})
        entry = self._latest_update(token, lambda u: u["update_id"] == result["update_id"])
        return entry

    # ------------------------------------------------------------------ user actions

    def send_payload(
        self,
        token: str,
        chat_id: int,
        user_id: int,
        fields: dict[str, Any],
        chat_type: str = "private",
        *,
        chat_title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> SentUpdate:
        """Send a user message with arbitrary content through the emulator's client API.

        The emulator's ``/sendMessage`` client route passes every field of the message
        through to the update, so any content (``sticker``, ``photo``, ``document``,
        ``location``...) can be delivered this way.

        Args:
            token: Bot token.
            chat_id: Chat id (by convention negative for groups).
            user_id: Sender's user id.
            fields: Message content, e.g. ``{"text": "hi"}`` or ``{"sticker": {...}}``.
            chat_type: ``private``, ``group``, ``supergroup`` or ``channel``.
            chat_title: Title of a non-private chat.
            first_name: Sender's first name (default ``User<id>``).
            username: Sender's username (default ``user<id>``).

        Returns:
            The update as generated by the emulator (with its ``message_id``).
        """
        user = _user(user_id, first_name, username)
        message = {
            "botToken": token,  # the emulator's routing key; also ends up in the update
            "from": user,
            "chat": _chat(chat_id, chat_type, user, chat_title),
            "date": int(time.time()),
            **fields,
        }
        # The harness's /sendMessage answers with the update it made (safe when several
        # messages are sent at once, even from the same user).
        result = self._post("/sendMessage", message)
        return self._latest_update(token, lambda u: u["update_id"] == result["update_id"])

    def send_message(
        self,
        token: str,
        chat_id: int,
        user_id: int,
        text: str,
        chat_type: str = "private",
        *,
        entities: list[dict[str, Any]] | None = None,
        reply_to: BotMessage | None = None,
        chat_title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
    ) -> SentUpdate:
        """Send a text message as a user, with Telegram-like entities.

        ``bot_command`` and ``mention`` entities are computed from the text (the
        emulator's plain ``/sendMessage`` adds none, and python-telegram-bot's
        ``CommandHandler`` only fires on a ``bot_command`` entity at offset 0).

        Args:
            token: Bot token.
            chat_id: Chat id.
            user_id: Sender's user id.
            text: Message text.
            chat_type: ``private``, ``group`` or ``supergroup``.
            entities: Explicit entities, replacing the computed ones.
            reply_to: A bot message this message replies to.
            chat_title: Title of a non-private chat.
            first_name: Sender's first name.
            username: Sender's username.

        Returns:
            The update as generated by the emulator.
        """
        fields: dict[str, Any] = {"text": text}
        ents = make_entities(text) if entities is None else entities
        if ents:
            fields["entities"] = ents
        if reply_to is not None:
            fields["reply_to_message"] = self.message_dict(token, reply_to, chat_type, chat_title)
        return self.send_payload(
            token,
            chat_id,
            user_id,
            fields,
            chat_type,
            chat_title=chat_title,
            first_name=first_name,
            username=username,
        )

    def send_sticker(
        self,
        token: str,
        chat_id: int,
        user_id: int,
        emoji: str = "👍",
        chat_type: str = "private",
        *,
        chat_title: str | None = None,
    ) -> SentUpdate:
        """Send a (static) sticker message as a user.

        Args:
            token: Bot token.
            chat_id: Chat id.
            user_id: Sender's user id.
            emoji: The sticker's emoji.
            chat_type: Chat type.
            chat_title: Title of a non-private chat.

        Returns:
            The update as generated by the emulator.
        """
        n = next(_ids)
        sticker = {
            "file_id": f"sticker-file-{n}",
            "file_unique_id": f"sticker-unique-{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.send_payload(
            token, chat_id, user_id, {"sticker": sticker}, chat_type, chat_title=chat_title
        )

    def edit_message(
        self,
        token: str,
        chat_id: int,
        user_id: int,
        message_id: int,
        text: str,
        chat_type: str = "private",
        *,
        chat_title: str | None = None,
    ) -> SentUpdate:
        """Deliver an ``edited_message`` update: the user edited an earlier text message.

        The emulator has no notion of user edits, so this goes through the injection
        route.

        Args:
            token: Bot token.
            chat_id: Chat id of the original message.
            user_id: Sender's user id.
            message_id: Id of the original message (``SentUpdate.message_id``).
            text: New text.
            chat_type: Chat type.
            chat_title: Title of a non-private chat.

        Returns:
            The delivered update.
        """
        user = _user(user_id, None, None)
        now = int(time.time())
        edited: dict[str, Any] = {
            "message_id": message_id,
            "from": user,
            "chat": _chat(chat_id, chat_type, user, chat_title),
            "date": now,
            "edit_date": now,
            "text": text,
        }
        entities = make_entities(text)
        if entities:
            edited["entities"] = entities
        return self.send_update(token, {"edited_message": edited})

    def message_dict(
        self,
        token: str,
        message: BotMessage,
        chat_type: str = "private",
        chat_title: str | None = None,
    ) -> dict[str, Any]:
        """Build the Bot API ``Message`` object for a message the bot sent.

        Args:
            token: Bot token.
            message: The bot's message (from :meth:`replies`).
            chat_type: Type of the chat it was sent to.
            chat_title: Title of a non-private chat.

        Returns:
            A ``Message`` dict (``from`` is the bot).
        """
        bot = self.bot_user(token)
        chat: dict[str, Any] = {"id": message.chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{message.chat_id}"
        else:
            chat["title"] = chat_title or f"Test {chat_type} {message.chat_id}"
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": {key: bot[key] for key in ("id", "is_bot", "first_name", "username")},
            "chat": chat,
            "date": message.date,
        }
        if message.text is not None:
            result["text"] = message.text
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            result["reply_markup"] = message.reply_markup
        return result

    def press_button(
        self,
        token: str,
        message: BotMessage,
        callback_data: str,
        user_id: int,
        chat_type: str = "private",
        *,
        chat_title: str | None = None,
        check: bool = True,
    ) -> SentUpdate:
        """Press an inline keyboard button of a bot message (``callback_query`` update).

        Uses the injection route: the emulator's own ``/sendCallback`` drops
        ``chat_instance``, which python-telegram-bot requires, so PTB cannot parse it.

        Args:
            token: Bot token.
            message: The bot message carrying the keyboard.
            callback_data: ``callback_data`` of the pressed button.
            user_id: Who presses it.
            chat_type: Type of the message's chat.
            chat_title: Title of a non-private chat.
            check: Refuse data that no button of ``message`` carries.

        Returns:
            The delivered update (its ``callback_query.id`` is what the bot answers).

        Raises:
            ValueError: If ``check`` and no button has this ``callback_data``.
        """
        if check and callback_data not in {b.get("callback_data") for b in message.buttons}:
            raise ValueError(f"no button with callback_data={callback_data!r} in {message}")
        query = {
            "id": f"cbq-{next(_ids)}",
            "from": _user(user_id, None, None),
            "chat_instance": f"ci{message.chat_id}",
            "message": self.message_dict(token, message, chat_type, chat_title),
            "data": callback_data,
        }
        return self.send_update(token, {"callback_query": query})

    def inline_query(
        self,
        token: str,
        query: str,
        user_id: int,
        *,
        offset: str = "",
        chat_type: str | None = "private",
    ) -> SentUpdate:
        """Type ``@bot query`` in a chat (``inline_query`` update; the emulator has none).

        Args:
            token: Bot token.
            query: Query text.
            user_id: Who queries.
            offset: Pagination offset.
            chat_type: Type of the chat the query is typed in (``None`` to omit).

        Returns:
            The delivered update; ``update["inline_query"]["id"]`` is the query id.
        """
        inline: dict[str, Any] = {
            "id": f"iq-{next(_ids)}",
            "from": _user(user_id, None, None),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return self.send_update(token, {"inline_query": inline})

    # ------------------------------------------------------------------ inspection

    def replies(self, token: str, chat_id: int) -> list[BotMessage]:
        """Messages the bot sent to ``chat_id`` (via sendMessage), oldest first.

        Read from the emulator's ``/getUpdatesHistory``. Bot edits (editMessageText,
        editMessageReplyMarkup) are reflected in place.

        Args:
            token: Bot token.
            chat_id: Chat to look at.

        Returns:
            The bot's messages in that chat, by ``message_id``.
        """
        history = self._post("/getUpdatesHistory", {"token": token})
        result = []
        for record in history:
            message = record.get("message") or {}
            # Bot records carry the request's `chat_id`; user records carry `chat`.
            if "chat_id" not in message or "chat" in message:
                continue
            if str(message["chat_id"]) != str(chat_id):
                continue
            result.append(
                BotMessage(
                    message_id=int(record["messageId"]),
                    chat_id=int(message["chat_id"]),
                    text=message.get("text"),
                    parse_mode=message.get("parse_mode"),
                    reply_markup=message.get("reply_markup"),
                    date=int(record["time"]) // 1000,
                    raw=message,
                )
            )
        return sorted(result, key=lambda m: m.message_id)

    def wait_for_replies(
        self,
        token: str,
        chat_id: int,
        n: int = 1,
        timeout: float = 10.0,
        *,
        after: int = 0,
    ) -> list[BotMessage]:
        """Wait until the bot has sent at least ``n`` messages to ``chat_id``.

        Args:
            token: Bot token.
            chat_id: Chat to look at.
            n: Number of messages to wait for.
            timeout: Seconds to wait.
            after: Only count messages with ``message_id`` greater than this (e.g.
                the ``message_id`` of the user message being answered).

        Returns:
            All matching messages (possibly more than ``n``), oldest first.

        Raises:
            TimeoutError: If fewer than ``n`` arrived in time.
        """

        def enough() -> list[BotMessage]:
            found = [m for m in self.replies(token, chat_id) if m.message_id > after]
            return found if len(found) >= n else []

        return wait_for(enough, timeout, what=f"{n} bot message(s) in chat {chat_id}")

    def inline_answers(self, token: str) -> list[dict[str, Any]]:
        """Recorded ``answerInlineQuery`` calls (decoded parameters), oldest first."""
        return list(self._get("/_harness/inlineAnswers", token=token))

    def wait_for_inline_answers(
        self, token: str, n: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until at least ``n`` ``answerInlineQuery`` calls were recorded."""

        def enough() -> list[dict[str, Any]]:
            answers = self.inline_answers(token)
            return answers if len(answers) >= n else []

        return wait_for(enough, timeout, what=f"{n} inline answer(s)")

    def bot_calls(self, token: str, method: str | None = None) -> list[dict[str, Any]]:
        """Every Bot API call the bot made (``method``, decoded ``params``, HTTP ``status``).

        Args:
            token: Bot token.
            method: Only calls of this method (e.g. ``"sendChatAction"``).

        Returns:
            Calls, oldest first. ``status`` is ``None`` while the call is in flight.
        """
        params = {"token": token}
        if method:
            params["method"] = method
        return list(self._get("/_harness/calls", **params))

    def user_updates(self, token: str) -> list[dict[str, Any]]:
        """Every update the emulator generated for the bot, with delivery info."""
        return list(self._get("/_harness/userUpdates", token=token))

    def webhook(self, token: str) -> dict[str, Any] | None:
        """The webhook registered for ``token`` (setWebhook parameters), or ``None``."""
        return self._get(f"/_harness/webhook/{token}")

    def webhook_registered(self, token: str) -> bool:
        """Whether the bot currently has a webhook (updates are POSTed, not queued)."""
        return self.webhook(token) is not None

    def inject_fault(
        self,
        method: str,
        kind: str | int,
        count: int = 1,
        *,
        token: str | None = None,
        retry_after: int | None = None,
        hold_ms: int | None = None,
    ) -> None:
        """Make the next ``count`` Bot API calls of ``method`` fail (test-only route).

        Args:
            method: Bot API method, e.g. ``"sendMessage"`` or ``"getUpdates"``.
            kind: ``429`` (flood control with ``retry_after``), a 5xx status, ``"timeout"``
                (held unanswered before the emulator sees the call: nothing happens) or
                ``"timeout_after"`` (the emulator acts, the answer is withheld).
            count: How many calls fail.
            token: Only this bot's calls (default: any bot's).
            retry_after: Seconds announced by a 429.
            hold_ms: How long a timeout holds the request at most (default 60 s).
        """
        payload: dict[str, Any] = {"method": method, "kind": str(kind), "count": count}
        if token is not None:
            payload["token"] = token
        if retry_after is not None:
            payload["retry_after"] = retry_after
        if hold_ms is not None:
            payload["hold_ms"] = hold_ms
        self._post("/_harness/faults", payload)

    def faults(self, token: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """``{"pending": [...], "injected": [...]}``: faults still armed and those dealt."""
        params = {"token": token} if token else {}
        return dict(self._get("/_harness/faults", **params))

    def clear_faults(self) -> None:
        """Disarm every pending fault."""
        self._result(self._http.delete("/_harness/faults"))

    def delete_webhook(self, token: str) -> None:
        """Unregister the webhook with the emulator's own ``deleteWebhook``."""
        self._post(f"/bot{token}/deleteWebhook", {})


class Emulator:
    """Runs ``node tests/support/emulator.js`` on a free local port.

    Use as a context manager, or call :meth:`start` / :meth:`stop`.

    Args:
        bot_username: Username returned by getMe.
        host: Interface to listen on.
        startup_timeout: Seconds to wait for the ``READY`` line.
        store_timeout: Seconds the emulator keeps messages (its cleanup period).
        node: Node executable.
        debug: Enable the emulator's ``DEBUG=TelegramServer:*`` logging on stderr.
    """

    def __init__(
        self,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        host: str = "127.0.0.1",
        startup_timeout: float = 20.0,
        store_timeout: int = 3600,
        node: str = "node",
        debug: bool = False,
    ) -> None:
        self.bot_username = bot_username
        self.host = host
        self.startup_timeout = startup_timeout
        self.store_timeout = store_timeout
        self.node = node
        self.debug = debug
        self.port: int | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: list[str] = []
        self._client: EmulatorClient | None = None
        self._extra_env: dict[str, str] = {}

    @property
    def api_url(self) -> str:
        """Root URL, e.g. ``http://127.0.0.1:PORT`` (bot calls ``{api_url}/bot{token}/M``)."""
        if self.port is None:
            raise EmulatorError("emulator not started")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url`` (file downloads are unsupported)."""
        return f"{self.api_url}/file/bot"

    @property
    def client(self) -> EmulatorClient:
        """A shared :class:`EmulatorClient` for this emulator."""
        if self._client is None:
            self._client = EmulatorClient(self.api_url)
        return self._client

    @property
    def stderr(self) -> str:
        """What the emulator wrote on stderr so far (for debugging failures)."""
        return "".join(self._stderr)

    def start(self, attempts: int = 3) -> Emulator:
        """Start the emulator and wait for its ``READY`` line.

        Args:
            attempts: Port races are retried this many times.

        Returns:
            ``self``.

        Raises:
            EmulatorError: If it did not come up.
        """
        reason = emulator_unavailable_reason()
        if reason:
            raise EmulatorError(reason)
        last_error = ""
        for _ in range(attempts):
            port = free_port(self.host)
            if self._launch(port):
                self.port = port
                return self
            last_error = self.stderr
        raise EmulatorError(f"emulator did not start: {last_error[-2000:]}")

    def _launch(self, port: int) -> bool:
        env = dict(os.environ)
        env.update(
            TG_EMULATOR_PORT=str(port),
            TG_EMULATOR_HOST=self.host,
            TG_EMULATOR_BOT_USERNAME=self.bot_username,
            TG_EMULATOR_STORE_TIMEOUT=str(self.store_timeout),
        )
        if self.debug:
            env["DEBUG"] = "TelegramServer:*"
        env.update(self._extra_env)
        self._stderr = []
        proc = subprocess.Popen(
            [self.node, str(EMULATOR_JS)],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = threading.Event()

        def pump_stdout() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.strip() == f"READY {port}":
                    ready.set()

        def pump_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                self._stderr.append(line)

        threading.Thread(target=pump_stdout, daemon=True).start()
        threading.Thread(target=pump_stderr, daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if ready.wait(0.05):
                self._proc = proc
                return True
            if proc.poll() is not None:
                break
        self._terminate(proc)
        return False

    @staticmethod
    def _terminate(proc: subprocess.Popen[str], timeout: float = 5.0) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)

    def restart(self, downtime: float = 0.0, attempts: int = 50) -> None:
        """Stop the emulator process, wait ``downtime`` seconds, start it again on the
        same port (its state is in memory: queued updates and stored messages are lost).

        Raises:
            EmulatorError: If it did not come back on its port.
        """
        if self.port is None or self._proc is None:
            raise EmulatorError("emulator not started")
        self._terminate(self._proc)
        self._proc = None
        time.sleep(downtime)
        # Update ids continue above the old ones, as on Telegram (see emulator.js).
        self._extra_env["TG_EMULATOR_FIRST_UPDATE_ID"] = str(int(time.time() * 1000) % 10**12)
        for _ in range(attempts):  # the port may linger in TIME_WAIT for a moment
            if self._launch(self.port):
                return
            time.sleep(0.2)
        raise EmulatorError(f"emulator did not restart on port {self.port}: {self.stderr[-2000:]}")

    def stop(self) -> None:
        """Stop the emulator (SIGTERM, then SIGKILL after 5 s)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._proc is not None:
            self._terminate(self._proc)
            self._proc = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass
class WebhookConfig:
    """Where :class:`BotThread` serves a webhook.

    Attributes:
        port: Local port for the bot's webhook server (default: a free one).
        url_path: Path part of the webhook URL.
        secret_token: ``secret_token`` passed to setWebhook and checked by PTB.
        listen: Interface to listen on.
    """

    port: int = 0
    url_path: str = "telegram-webhook"
    secret_token: str | None = "harness-secret"
    listen: str = "127.0.0.1"

    @property
    def url(self) -> str:
        """The webhook URL registered with the emulator."""
        return f"http://{self.listen}:{self.port}/{self.url_path}"


class BotThread:
    """Run a ``telegram.ext.Application`` with ``run_polling``/``run_webhook`` in a thread.

    The application runs exactly as in production (``post_init``, bootstrap, etc.),
    on its own event loop, without signal handlers. Context manager.

    Args:
        application: The PTB application (built with the emulator's ``base_url``).
        webhook: Run in webhook mode with this configuration; polling if ``None``.
        poll_interval: Pause between two getUpdates calls (the harness long-polls
            getUpdates like Telegram, so this only adds latency after each batch).
        startup_timeout: Seconds to wait for the application to be running.
    """

    def __init__(
        self,
        application: Any,
        *,
        webhook: WebhookConfig | None = None,
        poll_interval: float = 0.05,
        startup_timeout: float = 20.0,
    ) -> None:
        self.application = application
        self.webhook = webhook
        self.poll_interval = poll_interval
        self.startup_timeout = startup_timeout
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            if self.webhook is None:
                self.application.run_polling(
                    poll_interval=self.poll_interval, stop_signals=None, close_loop=False
                )
            else:
                self.application.run_webhook(
                    listen=self.webhook.listen,
                    port=self.webhook.port,
                    url_path=self.webhook.url_path,
                    webhook_url=self.webhook.url,
                    secret_token=self.webhook.secret_token,
                    stop_signals=None,
                    close_loop=False,
                )
        except BaseException as exc:  # reported by start()/stop()
            self.error = exc
        finally:
            loop.close()

    def start(self) -> BotThread:
        """Start the application and wait until it is running.

        Returns:
            ``self``.

        Raises:
            RuntimeError: If the application failed or did not start in time.
        """
        if self.webhook is not None and not self.webhook.port:
            self.webhook.port = free_port(self.webhook.listen)
        self._thread = threading.Thread(target=self._run, name="ptb-bot", daemon=True)
        self._thread.start()
        try:
            wait_for(
                lambda: self.application.running or not self._thread.is_alive(),
                self.startup_timeout,
                what="the bot application to start",
            )
        except TimeoutError:
            self.stop()
            raise
        if not self.application.running:
            self._thread.join(5)
            raise RuntimeError(f"bot application failed to start: {self.error!r}")
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the application gracefully (like ``Application.stop_running``) and join."""
        if self._thread is None:
            return
        loop = self._loop
        if loop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("bot application did not stop in time")
        self._thread = None

    def __enter__(self) -> BotThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class BotProcess:
    """Runs the real bot, ``python -m bot``, as a subprocess against the emulator.

    Output goes to ``stdout.txt``/``stderr.txt`` in ``workdir`` (read with
    :meth:`output`). :meth:`start` returns once the bot polls (its first getUpdates
    call) or, with ``--webhook-url``, once its webhook is registered and its
    webhook server accepts connections. Context manager.

    Args:
        emulator: The running emulator (its ``api_url`` is passed as ``--api-url``).
        token: The bot's token (``--token``).
        args: Further command-line arguments (``--index-dir``, ``--allow``...).
        workdir: Folder for the output files.
        env: Extra environment variables.
        startup_timeout: Seconds to wait for the bot to be ready.
    """

    def __init__(
        self,
        emulator: Emulator,
        token: str,
        args: list[str],
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        startup_timeout: float = 90.0,
    ) -> None:
        self.emulator = emulator
        self.token = token
        self.args = list(args)
        self.workdir = Path(workdir)
        self.env = env or {}
        self.startup_timeout = startup_timeout
        self.returncode: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        """The full command line (contains the token: never print it)."""
        return [
            sys.executable,
            "-m",
            "bot",
            "--token",
            self.token,
            "--api-url",
            self.emulator.api_url,
            *self.args,
        ]

    @property
    def webhook_mode(self) -> bool:
        return "--webhook-url" in self.args

    def _arg(self, name: str) -> str | None:
        return self.args[self.args.index(name) + 1] if name in self.args else None

    def output(self) -> str:
        """Everything the bot wrote so far, stdout then stderr."""
        parts = []
        for name in ("stdout.txt", "stderr.txt"):
            path = self.workdir / name
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def _failure(self, what: str) -> EmulatorError:
        tail = self.output()[-3000:].replace(self.token, "<TOKEN>")
        return EmulatorError(f"bot {what}; its output ends with:\n{tail}")

    def _ready(self) -> bool:
        if self._proc is not None and self._proc.poll() is not None:
            raise self._failure(f"exited with code {self._proc.returncode} while starting")
        client = self.emulator.client
        if not self.webhook_mode:
            return bool(client.bot_calls(self.token, "getUpdates"))
        if not client.webhook_registered(self.token):
            return False
        host = self._arg("--listen") or "127.0.0.1"
        port = int(self._arg("--port") or 8443)
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        return False

    def start(self) -> BotProcess:
        """Start the bot and wait until it is ready.

        Returns:
            ``self``.

        Raises:
            EmulatorError: If the bot exited or was not ready in time.
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        env.update(HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
        env.update(self.env)
        with (
            open(self.workdir / "stdout.txt", "wb") as out,
            open(self.workdir / "stderr.txt", "wb") as err,
        ):
            self._proc = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        try:
            wait_for(self._ready, self.startup_timeout, interval=0.1, what="the bot to be ready")
        except TimeoutError:
            self.kill()
            raise self._failure("was not ready in time") from None
        except BaseException:
            self.kill()
            raise
        return self

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int:
        """Stop the bot with SIGTERM, as a service manager would.

        Returns:
            Its exit code (SIGKILLed, and negative, if it did not stop in time).
        """
        if self._proc is None:
            return self.returncode if self.returncode is not None else 0
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout)
        self.returncode = self._proc.returncode
        self._proc = None
        return self.returncode

    def kill(self) -> None:
        """Stop the bot at once (cleanup after a failure)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)
        if self._proc is not None:
            self.returncode = self._proc.returncode
        self._proc = None

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
