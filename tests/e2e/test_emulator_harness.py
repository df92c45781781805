"""Prove the e2e harness works against a real python-telegram-bot v22 Application."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import BotConfig
from tests.support.bot_thread import BotThread, WebhookConfig
from tests.support.emulator import Emulator, needs_emulator
from tests.support.emulator_client import EmulatorClient, EmulatorError
from tests.support.updates import BotMessage, make_entities
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, needs_emulator()]

USER = 42
BOT_USERNAME = "docqa_test_bot"


@dataclass
class Events:
    """What the test bot observed (appended from the bot's thread)."""

    setup_errors: list[TelegramError] = field(default_factory=list)
    chat_action_errors: list[TelegramError] = field(default_factory=list)
    handler_errors: list[BaseException] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)
    stickers: list[str] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("More", callback_data="more:1")],
            [InlineKeyboardButton("Done", callback_data="done")],
        ]
    )


def build_echo_app(emu: Emulator, token: str, events: Events) -> Application:
    """A minimal echo bot exercising the Bot API surface the real bot uses."""

    async def post_init(app: Application) -> None:
        try:
            await app.bot.set_my_commands([("start", "Say hello"), ("boom", "Fail")])
        except TelegramError as exc:  # the emulator does not support setMyCommands
            events.setup_errors.append(exc)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        await update.effective_message.reply_text(f"Welcome, {user.first_name}!")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        except TelegramError as exc:  # unsupported by the emulator: must not matter
            events.chat_action_errors.append(exc)
        text = update.effective_message.text
        await update.effective_message.reply_text(
            f"<b>echo:</b> {html.escape(text)}",
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(),
        )

    async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Deliberately unguarded: the failure must reach the error handler only.
        await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        await update.effective_message.reply_text("unreachable")

    async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        events.callbacks.append(query.data)
        await query.answer(f"got {query.data}")
        edited = await query.edit_message_text(f"You pressed {query.data}")
        await context.bot.send_message(query.message.chat.id, f"edited #{edited.message_id}")

    async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query.query
        await update.inline_query.answer(
            [
                InlineQueryResultArticle(
                    id="answer-1",
                    title=f"Answer to {query}",
                    input_message_content=InputTextMessageContent(f"You asked: {query}"),
                )
            ],
            cache_time=0,
        )

    async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        events.stickers.append(update.message.sticker.emoji)
        await update.message.reply_text("Nice sticker, but I only read text.")

    async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        events.edits.append(update.edited_message.text)
        await update.edited_message.reply_text(f"edited to: {update.edited_message.text}")

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        events.handler_errors.append(context.error)

    urls = BotConfig(token=token, api_url=emu.api_url)  # the bot's own URL rules
    app = (
        Application.builder()
        .token(token)
        .base_url(urls.base_url)
        .base_file_url(urls.base_file_url)
        .post_init(post_init)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("boom", boom))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, on_edit))
    app.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, echo)
    )
    app.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_handler(InlineQueryHandler(on_inline))
    app.add_error_handler(on_error)
    return app


@pytest.fixture
def client(emulator: Emulator) -> EmulatorClient:
    return emulator.client


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def polling_bot(emulator: Emulator, token: str, events: Events) -> Iterator[BotThread]:
    with BotThread(build_echo_app(emulator, token, events)) as bot:
        yield bot


# --------------------------------------------------------------------- pure helpers


def test_make_entities_commands_mentions_utf16() -> None:
    assert make_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert make_entities("/ask@docqa_test_bot what?") == [
        {"type": "bot_command", "offset": 0, "length": 19}
    ]
    # "😀" is 2 UTF-16 code units, so the mention starts at offset 3, not 2.
    assert make_entities("😀 @docqa_test_bot hi") == [
        {"type": "mention", "offset": 3, "length": 15}
    ]
    assert make_entities("mail me at a@example.com, path a/b") == []


# --------------------------------------------------------------------- emulator basics


def test_emulator_getme_and_unsupported_methods(emulator: Emulator, token: str) -> None:
    bot_api = BotConfig(token=token, api_url=emulator.api_url).base_url + token
    with httpx.Client(base_url=bot_api, trust_env=False) as http:
        me = http.get("/getMe").json()
        assert me["ok"] is True
        assert me["result"]["is_bot"] is True
        assert me["result"]["username"] == BOT_USERNAME
        assert me["result"]["id"] == int(token.split(":")[0])
        assert http.post("/getMe").json() == me
        # Not faked: still the emulator's own "not supported" error.
        action = http.post("/sendChatAction", data={"chat_id": 1, "action": "typing"})
        assert action.status_code == 500
        assert "not supported" in action.json()["message"]
        # answerInlineQuery only accepts ids of injected inline queries.
        bad = http.post("/answerInlineQuery", data={"inline_query_id": "nope", "results": "[]"})
        assert bad.status_code == 400
        assert bad.json()["ok"] is False
        # Editing a message that does not exist is an error, as with Telegram.
        edit = http.post("/editMessageText", data={"chat_id": 1, "message_id": 999, "text": "x"})
        assert edit.status_code == 400


def test_emulator_process_stops() -> None:
    emu = Emulator()
    with emu:
        proc = emu._proc
        assert proc is not None and proc.poll() is None
        assert httpx.get(f"{emu.api_url}/bot1:x/getMe", trust_env=False).json()["ok"]
    assert proc.poll() is not None
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{emu.api_url}/bot1:x/getMe", trust_env=False, timeout=2)


# --------------------------------------------------------------------- polling bot


@pytest.mark.usefixtures("polling_bot")
def test_start_command_and_html_echo(client: EmulatorClient, token: str, events: Events) -> None:
    sent = client.send_message(token, chat_id=USER, user_id=USER, text="/start")
    assert sent.update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    [welcome] = client.wait_for_replies(token, USER, 1, after=sent.message_id)
    assert welcome.text == f"Welcome, User{USER}!"

    sent = client.send_message(token, USER, USER, "is 2 < 3 & 4 > 1?")
    [reply] = client.wait_for_replies(token, USER, 1, after=sent.message_id)
    assert reply.text == "<b>echo:</b> is 2 &lt; 3 &amp; 4 &gt; 1?"
    assert reply.parse_mode == "HTML"
    assert [b["callback_data"] for b in reply.buttons] == ["more:1", "done"]
    assert reply.message_id > sent.message_id

    # sendChatAction and setMyCommands failed (emulator: 500) and the bot carried on.
    assert len(events.chat_action_errors) == 1
    assert isinstance(events.chat_action_errors[0], NetworkError)
    assert [type(e) for e in events.setup_errors] == [NetworkError]
    assert [c["status"] for c in client.bot_calls(token, "sendChatAction")] == [500]
    assert [c["status"] for c in client.bot_calls(token, "setMyCommands")] == [500]
    assert events.handler_errors == []


@pytest.mark.usefixtures("polling_bot")
def test_bot_survives_unhandled_send_chat_action_failure(
    client: EmulatorClient, token: str, events: Events
) -> None:
    client.send_message(token, USER, USER, "/boom")
    wait_for(lambda: events.handler_errors, what="the error handler")
    assert isinstance(events.handler_errors[0], NetworkError)
    assert client.replies(token, USER) == []

    sent = client.send_message(token, USER, USER, "still there?")
    [reply] = client.wait_for_replies(token, USER, 1, after=sent.message_id)
    assert reply.text == "<b>echo:</b> still there?"


@pytest.mark.usefixtures("polling_bot")
def test_inline_query_answer_is_recorded(client: EmulatorClient, token: str) -> None:
    sent = client.inline_query(token, "what is BM25?", user_id=USER)
    query_id = sent.update["inline_query"]["id"]
    [answer] = client.wait_for_inline_answers(token, 1)
    assert answer["inline_query_id"] == query_id
    assert answer["cache_time"] == 0
    [result] = answer["results"]
    assert result["type"] == "article"
    assert result["title"] == "Answer to what is BM25?"
    assert result["input_message_content"]["message_text"] == "You asked: what is BM25?"


@pytest.mark.usefixtures("polling_bot")
def test_callback_query_reaches_bot_and_edits_message(
    client: EmulatorClient, token: str, events: Events
) -> None:
    sent = client.send_message(token, USER, USER, "question")
    [reply] = client.wait_for_replies(token, USER, 1, after=sent.message_id)

    with pytest.raises(ValueError):
        client.press_button(token, reply, "no-such-button", USER)

    pressed = client.press_button(token, reply, "more:1", USER)
    [_, notice] = client.wait_for_replies(token, USER, 2, after=sent.message_id)
    assert events.callbacks == ["more:1"]
    # The bot's edit went through the emulator's editMessageText and returned a Message.
    assert notice.text == f"edited #{reply.message_id}"
    [edited] = [m for m in client.replies(token, USER) if m.message_id == reply.message_id]
    assert edited.text == "You pressed more:1"
    [answer] = client.bot_calls(token, "answerCallbackQuery")
    assert answer["params"]["callback_query_id"] == pressed.update["callback_query"]["id"]
    assert answer["params"]["text"] == "got more:1"
    assert answer["status"] == 200
    assert events.handler_errors == []


@pytest.mark.usefixtures("polling_bot")
def test_sticker_reaches_bot(client: EmulatorClient, token: str, events: Events) -> None:
    sent = client.send_sticker(token, USER, USER, emoji="🦆")
    assert sent.update["message"]["sticker"]["emoji"] == "🦆"
    [reply] = client.wait_for_replies(token, USER, 1, after=sent.message_id)
    assert reply.text == "Nice sticker, but I only read text."
    assert events.stickers == ["🦆"]


@pytest.mark.usefixtures("polling_bot")
def test_edited_message_reaches_bot(client: EmulatorClient, token: str, events: Events) -> None:
    sent = client.send_message(token, USER, USER, "frist")
    client.wait_for_replies(token, USER, 1, after=sent.message_id)
    edit = client.edit_message(token, USER, USER, sent.message_id, "first")
    assert edit.message_id == sent.message_id
    replies = client.wait_for_replies(token, USER, 2, after=sent.message_id)
    assert replies[-1].text == "edited to: first"
    assert events.edits == ["first"]


@pytest.mark.usefixtures("polling_bot")
def test_group_chat_command_with_username_and_mention(client: EmulatorClient, token: str) -> None:
    group = -1001234
    sent = client.send_message(
        token, group, USER, f"/start@{BOT_USERNAME}", chat_type="supergroup", chat_title="Docs"
    )
    assert sent.update["message"]["chat"] == {"id": group, "type": "supergroup", "title": "Docs"}
    [welcome] = client.wait_for_replies(token, group, 1, after=sent.message_id)
    assert welcome.text == f"Welcome, User{USER}!"
    assert welcome.chat_id == group

    # A command addressed to another bot is ignored by CommandHandler...
    client.send_message(token, group, USER, "/start@some_other_bot", chat_type="supergroup")
    # ...and a mention is an ordinary text message carrying a `mention` entity.
    sent = client.send_message(token, group, USER, f"@{BOT_USERNAME} hi", chat_type="supergroup")
    assert sent.update["message"]["entities"] == [{"type": "mention", "offset": 0, "length": 15}]
    [reply] = client.wait_for_replies(token, group, 1, after=sent.message_id)
    assert reply.text == f"<b>echo:</b> @{BOT_USERNAME} hi"
    assert [m.text for m in client.replies(token, group)] == [welcome.text, reply.text]
    # Private chat of the same user untouched.
    assert client.replies(token, USER) == []


# --------------------------------------------------------------------- webhook bot


def test_webhook_mode_delivers_updates_with_secret(
    emulator: Emulator, client: EmulatorClient, token: str, events: Events
) -> None:
    assert not client.webhook_registered(token)
    config = WebhookConfig(secret_token="s3cret-TOKEN")
    with BotThread(build_echo_app(emulator, token, events), webhook=config):
        hook = client.webhook(token)
        assert hook is not None
        assert hook["url"] == config.url
        assert hook["secret_token"] == "s3cret-TOKEN"

        sent = client.send_message(token, USER, USER, "via webhook")
        assert sent.delivery == "webhook"
        [reply] = client.wait_for_replies(token, USER, 1, after=sent.message_id)
        assert reply.text == "<b>echo:</b> via webhook"

        client.press_button(token, reply, "done", USER)
        wait_for(lambda: events.callbacks == ["done"], what="callback via webhook")
        entries = client.user_updates(token)
        assert [e["delivery"] for e in entries] == ["webhook", "webhook"]
        assert all(e["status"] == "ok" for e in entries)
        # Nothing was queued for getUpdates while the webhook was set.
        assert client.bot_calls(token, "getUpdates") == []

        # PTB really checks the secret: without the header the update is refused.
        update: dict[str, Any] = dict(sent.update, update_id=999)
        refused = httpx.post(config.url, json=update, trust_env=False)
        assert refused.status_code == 403

    # PTB leaves the webhook registered on shutdown; clean up with the real deleteWebhook.
    assert client.webhook_registered(token)
    client.delete_webhook(token)
    assert not client.webhook_registered(token)


def test_client_errors_are_reported(client: EmulatorClient, token: str) -> None:
    message = BotMessage(
        message_id=1, chat_id=1, text="x", parse_mode=None, reply_markup=None, date=0, raw={}
    )
    with pytest.raises(ValueError):
        client.press_button(token, message, "anything", USER)
    with pytest.raises(EmulatorError):
        client._post("/_harness/injectUpdate", {"token": token})
    with pytest.raises(TimeoutError):
        client.wait_for_replies(token, 12345, 1, timeout=0.3)
