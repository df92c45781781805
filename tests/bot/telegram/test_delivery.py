"""Sending messages: HTML replies, network retries, the "More results" button."""

from __future__ import annotations

import asyncio
import datetime as dtm
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from telegram import ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot import texts
from bot.answer import Answer
from bot.telegram.delivery import SEND_ATTEMPTS, Delivery, reply_parameters
from bot.telegram.paging import PageRequest, QuestionStore
from tests.bot.hits import make_hit


class FakeBot:
    """Records ``send_message`` calls; raises the given errors first, in order."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[dict[str, Any]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> str:
        self.calls.append({"chat_id": chat_id, "text": text, **kwargs})
        if self.errors:
            raise self.errors.pop(0)
        return f"sent {len(self.calls)}"


def _send(bot: FakeBot, delivery: Delivery | None = None) -> Any:
    delivery = delivery or Delivery(QuestionStore(), retry_delay=0)
    return asyncio.run(delivery.send(bot, 7, "<b>hi</b>", reply_to=3))  # type: ignore[arg-type]


def test_html_reply_sent_even_if_the_original_is_gone() -> None:
    bot = FakeBot()
    assert _send(bot) == "sent 1"
    [call] = bot.calls
    assert call["parse_mode"] == ParseMode.HTML
    assert call["reply_parameters"] == ReplyParameters(3, allow_sending_without_reply=True)
    assert reply_parameters(None) is None


def test_network_failures_are_retried() -> None:
    bot = FakeBot(TimedOut(), NetworkError("Bad Gateway"))
    assert _send(bot) == "sent 3"
    with pytest.raises(NetworkError):
        _send(FakeBot(*[NetworkError("down")] * SEND_ATTEMPTS))


def _flood_control() -> RetryAfter:
    # PTB warns about the future type of ``retry_after`` whenever a RetryAfter is made.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return RetryAfter(dtm.timedelta(seconds=1))


@pytest.mark.parametrize(
    "make_error",
    # A bad request cannot succeed on retry; flood control is the rate limiter's to wait
    # out (it already retried before the error reached here).
    [lambda: BadRequest("can't parse entities"), _flood_control],
)
def test_requests_refused_are_not_retried(make_error: Callable[[], Exception]) -> None:
    error = make_error()
    bot = FakeBot(error)
    with pytest.raises(type(error)):
        _send(bot)
    assert len(bot.calls) == 1


def test_more_button_only_when_there_is_more() -> None:
    delivery = Delivery(QuestionStore())
    hits = (make_hit(1), make_hit(2))
    assert delivery.more_button(5, Answer("q", hits)) is None
    markup = delivery.more_button(5, Answer("q", hits, offset=3, has_more=True))
    assert markup is not None
    [[button]] = markup.inline_keyboard
    assert button.text == texts.MORE_BUTTON
    assert isinstance(button.callback_data, str)
    request = PageRequest.decode(button.callback_data)
    assert request is not None and request.offset == 5
    stored = delivery.questions.get(request.key, 5)
    assert stored is not None and stored.question == "q"


def test_answer_button_goes_under_the_last_message() -> None:
    bot = FakeBot()
    delivery = Delivery(QuestionStore())
    # One sentence of 3,000 characters each: shown whole, so three need two messages.
    hits = tuple(make_hit(n, "word " * 600, (0, 3000)) for n in range(1, 4))
    answer = Answer("q", hits, has_more=True)
    asyncio.run(delivery.send_answer(bot, 5, answer, reply_to=9))  # type: ignore[arg-type]
    assert len(bot.calls) > 1
    assert bot.calls[0]["reply_parameters"] is not None
    assert all(c["reply_parameters"] is None for c in bot.calls[1:])
    assert all(c["reply_markup"] is None for c in bot.calls[:-1])
    assert bot.calls[-1]["reply_markup"] is not None
