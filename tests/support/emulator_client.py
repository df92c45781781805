"""The simulated Telegram user side of the emulator (:class:`EmulatorClient`): send
messages, button presses, inline queries and edits; read what the bot sent and which
Bot API calls it made; inject faults."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.updates import (
    BotMessage,
    SentUpdate,
    chat_dict,
    make_entities,
    next_id,
    user_dict,
)
from tests.support.waiting import wait_for


class EmulatorError(RuntimeError):
    """The emulator process or one of its test routes failed."""


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
        user = user_dict(user_id, first_name, username)
        message = {
            "botToken": token,  # the emulator's routing key; also ends up in the update
            "from": user,
            "chat": chat_dict(chat_id, chat_type, user, chat_title),
            "date": int(time.time()),
            **fields,
        }
        # The harness's /sendMessage answers with the update it made (safe when several
        # messages are sent at once, even from the same user).
        result = self._post("/sendMessage", message)
        return self._latest_update(token, lambda u: u["update_id"] == result["update_id"])

    def send_document(
        self,
        token: str,
        chat_id: int,
        user_id: int,
        name: str,
        content: bytes,
        chat_type: str = "private",
        *,
        caption: str | None = None,
        mime_type: str = "application/octet-stream",
        chat_title: str | None = None,
    ) -> SentUpdate:
        """Send a file as a user: its bytes are registered with the harness (which
        answers ``getFile`` and serves the download path), then a ``document`` message
        carrying its ``file_id`` is sent (with a caption, and its entities, if given).

        Returns:
            The update as generated by the emulator.
        """
        payload = {"token": token, "name": name, "content_base64": base64.b64encode(content)}
        file = self._post(
            "/_harness/files", {**payload, "content_base64": payload["content_base64"].decode()}
        )
        fields: dict[str, Any] = {
            "document": {
                "file_id": file["file_id"],
                "file_unique_id": file["file_unique_id"],
                "file_name": name,
                "mime_type": mime_type,
                "file_size": file["file_size"],
            }
        }
        if caption is not None:
            fields["caption"] = caption
            entities = make_entities(caption)
            if entities:
                fields["caption_entities"] = entities
        return self.send_payload(token, chat_id, user_id, fields, chat_type, chat_title=chat_title)

    def set_chat_member(self, token: str, chat_id: int, user_id: int, status: str) -> None:
        """Declares ``user_id``'s status in ``chat_id`` (``administrator``, ``creator``,
        ``member``...), as the bot's ``getChatMember`` will be told."""
        self._post(
            "/_harness/chatMembers",
            {"token": token, "chat_id": chat_id, "user_id": user_id, "status": status},
        )

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
        n = next_id()
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
        user = user_dict(user_id, None, None)
        now = int(time.time())
        edited: dict[str, Any] = {
            "message_id": message_id,
            "from": user,
            "chat": chat_dict(chat_id, chat_type, user, chat_title),
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
            "id": f"cbq-{next_id()}",
            "from": user_dict(user_id, None, None),
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
            "id": f"iq-{next_id()}",
            "from": user_dict(user_id, None, None),
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
