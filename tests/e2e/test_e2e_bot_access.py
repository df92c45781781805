"""Who may use the bot: the allow-list (``--allow``) and the per-user rate limit
(``--rate-limit``), against the real bot over HTTP. One bot process, both settings,
and DEBUG logging (the most output, for the token check at the end)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.bot_process import BotProcess
from tests.support.e2e import (
    BOT_USERNAME,
    MORE_BUTTON,
    NOT_ALLOWED,
    RATE_LIMITED,
    REPLY_TIMEOUT,
    ask,
    assert_no_secrets,
    checked,
    contains,
    fresh_id,
    make_token,
    replies_to,
    reply_to,
    settle,
)
from tests.support.emulator import Emulator, needs_emulator
from tests.support.emulator_client import EmulatorClient
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, needs_emulator()]

RATE_LIMIT = 3
ALICE, BOB, FLOODER, CALM = (fresh_id() for _ in range(4))  # on the allow-list
STRANGER = fresh_id()  # not on it
QUESTION = "Where does Pateo rank nationwide?"
PHRASE = "104 of the top 500"


@pytest.fixture(scope="module")
def bot(launch_bot) -> BotProcess:
    allowed = ",".join(str(u) for u in (ALICE, BOB, FLOODER, CALM))
    return launch_bot(
        make_token(),
        "--allow",
        allowed,
        "--rate-limit",
        str(RATE_LIMIT),
        "--log-level",
        "DEBUG",
        name="access",
    )


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> EmulatorClient:
    return emulator.client


def assert_refusal(message, source_titles) -> None:
    text = checked(message)
    assert text.strip() == NOT_ALLOWED
    assert not message.buttons
    for title in source_titles.values():
        assert title not in text


# ---------------------------------------------------------------- allow-list


def test_allowed_user_is_answered(bot, client) -> None:
    _, answer = ask(client, bot.token, ALICE, ALICE, QUESTION)
    assert contains(checked(answer), PHRASE)


def test_stranger_is_refused_in_private(bot, client, source_titles) -> None:
    for text in (QUESTION, "/start", "/sources", "/ask Who invested in Pateo?"):
        _, refusal = ask(client, bot.token, STRANGER, STRANGER, text)
        assert_refusal(refusal, source_titles)
    sticker = client.send_sticker(bot.token, STRANGER, STRANGER)
    assert_refusal(reply_to(client, bot.token, STRANGER, sticker), source_titles)
    settle(client, bot.token, ALICE)
    # One short refusal per message, nothing else.
    messages = client.replies(bot.token, STRANGER)
    assert len(messages) == 5
    for message in messages:
        assert_refusal(message, source_titles)


def test_stranger_is_refused_in_a_group_where_members_are_answered(
    bot, client, source_titles
) -> None:
    group = -fresh_id()
    chatter = client.send_message(bot.token, group, STRANGER, QUESTION, "group")
    mention = client.send_message(
        bot.token, group, STRANGER, f"@{BOT_USERNAME} {QUESTION}", "group"
    )
    command = client.send_message(bot.token, group, STRANGER, f"/ask {QUESTION}", "group")
    assert_refusal(reply_to(client, bot.token, group, mention), source_titles)
    assert_refusal(reply_to(client, bot.token, group, command), source_titles)

    _, answer = ask(client, bot.token, group, BOB, f"/ask {QUESTION}", "group")
    assert contains(checked(answer), PHRASE)
    settle(client, bot.token, ALICE)
    assert replies_to(client, bot.token, group, chatter) == []  # chatter stays unanswered
    assert len(client.replies(bot.token, group)) == 3


def test_stranger_is_refused_inline(bot, client) -> None:
    before = len(client.inline_answers(bot.token))
    client.inline_query(bot.token, QUESTION, STRANGER)
    client.inline_query(bot.token, QUESTION, ALICE)
    answers = client.wait_for_inline_answers(bot.token, before + 2, REPLY_TIMEOUT)[before:]
    by_user = {}
    for update in client.user_updates(bot.token):
        inline = update["update"].get("inline_query")
        if inline:
            by_user[inline["id"]] = inline["from"]["id"]
    refused = [a for a in answers if by_user[a["inline_query_id"]] == STRANGER]
    served = [a for a in answers if by_user[a["inline_query_id"]] == ALICE]
    assert len(refused) == len(served) == 1
    assert refused[0]["results"] == []
    assert refused[0]["button"]["text"] == NOT_ALLOWED
    assert served[0]["results"]  # the positive control: same query, allowed user


def test_stranger_cannot_page_through_a_members_answer(bot, client) -> None:
    group = -fresh_id()
    _, answer = ask(
        client, bot.token, group, BOB, f"@{BOT_USERNAME} Who invested in Pateo?", "group"
    )
    assert [b["text"] for b in answer.buttons] == [MORE_BUTTON, "👍", "👎"]
    press = client.press_button(bot.token, answer, answer.buttons[0]["callback_data"], STRANGER)
    query_id = press.update["callback_query"]["id"]

    def toast():
        return [
            c
            for c in client.bot_calls(bot.token, "answerCallbackQuery")
            if c["params"].get("callback_query_id") == query_id
        ]

    calls = wait_for(toast, REPLY_TIMEOUT, what="the refusal toast")
    assert calls[0]["params"].get("text") == NOT_ALLOWED
    settle(client, bot.token, ALICE)
    assert len(client.replies(bot.token, group)) == 1  # no second page was sent
    assert client.replies(bot.token, group)[0].buttons  # and the button is still there
    assert client.bot_calls(bot.token, "editMessageReplyMarkup") == []


# ---------------------------------------------------------------- rate limit


def test_flooding_user_gets_a_notice_and_others_are_unaffected(bot, client) -> None:
    questions = [
        "Where does Pateo rank nationwide?",
        "What strategy did Xiaomi launch in 2019?",
        "Is the AIoT money a brand-new investment?",
        "Which three parts does Pateo integrate?",
        "What are Xiaomi's plans for making cars?",
    ]
    with ThreadPoolExecutor(len(questions)) as pool:
        sent = list(
            pool.map(lambda q: client.send_message(bot.token, FLOODER, FLOODER, q), questions)
        )
    replies = [reply_to(client, bot.token, FLOODER, s) for s in sent]
    texts = [checked(r) for r in replies]
    notices = [t for t in texts if RATE_LIMITED in t]
    answers = [t for t in texts if RATE_LIMITED not in t]
    assert len(answers) == RATE_LIMIT and len(notices) == len(questions) - RATE_LIMIT
    for notice in notices:
        assert "Please wait" in notice and len(notice) < 200
    for reply, text in zip(replies, texts, strict=True):
        if RATE_LIMITED in text:
            assert "<blockquote>" not in reply.text  # no corpus content in a notice

    # Another user, meanwhile, is served normally.
    _, calm = ask(client, bot.token, CALM, CALM, QUESTION)
    assert contains(checked(calm), PHRASE)
    # Commands do not count: the flooder still gets help.
    _, help_reply = ask(client, bot.token, FLOODER, FLOODER, "/help")
    assert "/sources" in checked(help_reply)
    settle(client, bot.token, ALICE)
    assert len(client.replies(bot.token, FLOODER)) == len(questions) + 1


# Keep last: it stops the module's bot.
def test_sigterm_stops_the_bot_cleanly_and_the_token_is_never_printed(bot) -> None:
    assert bot.running
    assert bot.stop() == 0
    output = bot.output()
    assert "Calling Bot API endpoint `getMe`" in output  # DEBUG output was captured
    assert_no_secrets(output, bot.token, bot.token.split(":", 1)[1])
