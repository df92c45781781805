"""Sending the bot's messages: HTML, as replies, with a "More results" button on the last
message of an answer that has further pages.

Flood control (429 with ``retry_after``) is waited out by the application's rate
limiter (``AIORateLimiter(max_retries=...)``, see :mod:`bot.telegram.app`); what is
retried here is the network failing (timeouts, 5xx), which the rate limiter does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError

from .. import texts
from ..answer import Answer
from ..collections import Collection
from ..feedback import DOWN, UP
from .paging import PageRequest, QuestionStore, VoteRequest
from .render import render_answer, render_notice

logger = logging.getLogger(__name__)

#: Attempts for a message whose sending fails on the network.
SEND_ATTEMPTS = 3


class Delivery:
    """Sends messages for the handlers.

    Args:
        questions: where the questions behind "More results" buttons are kept.
        retry_delay: the wait before the first retry of a failed send, in seconds
            (doubled for each retry after it).
    """

    def __init__(self, questions: QuestionStore, retry_delay: float = 1.0) -> None:
        self.questions = questions
        self.retry_delay = retry_delay
        self._background: set[asyncio.Task[None]] = set()

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        text: str,
        reply_to: int | None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        """Sends an HTML message, retrying network failures.

        Args:
            bot: the bot to send with.
            chat_id: the chat.
            text: the message (Telegram HTML, within the size limit).
            reply_to: the message to reply to (sent anyway if that one is gone).
            markup: buttons under the message.

        Raises:
            TelegramError: the last attempt failed, or the request was refused.
        """
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_parameters=reply_parameters(reply_to),
                    reply_markup=markup,
                )
            except BadRequest:
                raise  # a BadRequest is a NetworkError too, but retrying cannot help
            except NetworkError as exc:
                if attempt == SEND_ATTEMPTS:
                    raise
                logger.warning("sending failed (%s); retrying", exc)
                await asyncio.sleep(self.retry_delay * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def reply(self, update: Update, bot: Bot, messages: Sequence[str]) -> None:
        """Sends ``messages`` to the update's chat, the first as a reply to its message."""
        message = update.effective_message
        if message is None:
            return
        for n, text in enumerate(messages):
            await self.send(bot, message.chat_id, text, message.message_id if n == 0 else None)

    async def send_answer(
        self,
        bot: Bot,
        chat_id: int,
        answer: Answer,
        reply_to: int | None,
        vote_id: int | None = None,
        collection: Collection | None = None,
    ) -> None:
        """Sends one page of an answer; under its end a button for the next page (of
        ``collection``'s answer), and 👍 / 👎 buttons when ``vote_id`` (the question's
        id in the collection's feedback store) is given."""
        messages = render_answer(answer)
        more = self.more_button(chat_id, answer, collection.name if collection else "")
        votes = vote_rows(vote_id, collection.tag) if collection is not None else []
        rows = [*(more.inline_keyboard if more else ()), *votes]
        markup = InlineKeyboardMarkup(rows) if rows else None
        for n, text in enumerate(messages):
            last = n == len(messages) - 1
            await self.send(
                bot, chat_id, text, reply_to if n == 0 else None, markup if last else None
            )

    def more_button(
        self, chat_id: int, answer: Answer, collection: str = ""
    ) -> InlineKeyboardMarkup | None:
        """The "More results" button for the next page of the answer (from the
        collection named ``collection``); ``None``: no more."""
        if not answer.has_more:
            return None
        key = self.questions.put(chat_id, answer.question, answer.search_context, collection)
        data = PageRequest(key, answer.next_offset).encode()
        return InlineKeyboardMarkup([[InlineKeyboardButton(texts.MORE_BUTTON, callback_data=data)]])

    async def tell(self, query: CallbackQuery, bot: Bot, text: str) -> None:
        """Tells the button presser something: as a toast, or a message if that fails."""
        try:
            await query.answer(text)
        except TelegramError:
            if query.message is not None:
                with contextlib.suppress(TelegramError):
                    await self.send(bot, query.message.chat.id, render_notice(text), None)

    def show_typing(self, bot: Bot, chat_id: int) -> None:
        """Shows "typing…" in the chat, without waiting for it (it is cosmetic)."""
        work = quietly(bot.send_chat_action(chat_id, ChatAction.TYPING), "typing")
        task = asyncio.ensure_future(work)
        # Keep a reference: the event loop only holds tasks weakly.
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def vote_rows(vote_id: int | None, collection: str) -> list[list[InlineKeyboardButton]]:
    """The 👍 / 👎 row for the answer to question ``vote_id`` in the feedback store of
    the collection tagged ``collection`` (none without a question id)."""
    if vote_id is None:
        return []
    return [
        [
            InlineKeyboardButton(
                label, callback_data=VoteRequest(vote_id, vote, collection).encode()
            )
            for label, vote in ((texts.VOTE_UP, UP), (texts.VOTE_DOWN, DOWN))
        ]
    ]


def vote_rows_of(markup: InlineKeyboardMarkup | None) -> list[list[InlineKeyboardButton]]:
    """The vote rows of a message's keyboard (what stays when "More results" is
    pressed)."""
    if markup is None:
        return []
    return [
        list(row)
        for row in markup.inline_keyboard
        if row and all(VoteRequest.decode(str(b.callback_data)) for b in row)
    ]


def reply_parameters(reply_to: int | None) -> ReplyParameters | None:
    """A reply to message ``reply_to``, sent anyway if that message is gone."""
    if reply_to is None:
        return None
    return ReplyParameters(reply_to, allow_sending_without_reply=True)


async def quietly(call: Awaitable[Any], what: str) -> None:
    """Awaits a cosmetic Bot API call whose failure must not stop the reply."""
    try:
        await call
    except TelegramError as exc:
        logger.debug("%s failed: %s", what, exc)
