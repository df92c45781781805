"""The real bot in webhook mode: it registers its webhook (with a secret) with the
emulator, which then POSTs every update to it, as Telegram does."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.bot_process import BotProcess
from tests.support.e2e import (
    BOT_USERNAME,
    MORE_BUTTON,
    REPLY_TIMEOUT,
    ask,
    assert_no_secrets,
    checked,
    contains,
    dev_set,
    fresh_id,
    make_token,
    replies_to,
    reply_to,
    settle,
)
from tests.support.emulator import Emulator, needs_emulator
from tests.support.emulator_client import EmulatorClient
from tests.support.ports import free_port

pytestmark = [pytest.mark.e2e, needs_emulator()]

SECRET = f"e2eWebhookSecret_{secrets.token_hex(12)}"
PORT = free_port()
WEBHOOK_URL = f"http://127.0.0.1:{PORT}/telegram/hook"
ANSWERABLE = [item for item in dev_set() if item.answerable]


@pytest.fixture(scope="module")
def bot(launch_bot) -> BotProcess:
    return launch_bot(
        make_token(),
        "--webhook-url",
        WEBHOOK_URL,
        "--listen",
        "127.0.0.1",
        "--port",
        str(PORT),
        "--webhook-secret",
        SECRET,
        "--log-level",
        "DEBUG",
        name="webhook",
    )


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> EmulatorClient:
    return emulator.client


def test_webhook_is_registered_with_its_secret(bot, client) -> None:
    webhook = client.webhook(bot.token)
    assert webhook is not None
    assert webhook["url"] == WEBHOOK_URL
    assert webhook["secret_token"] == SECRET
    assert client.bot_calls(bot.token, "getUpdates") == []  # it does not poll


def test_question_is_answered_over_the_webhook(bot, client, source_titles) -> None:
    user = fresh_id()
    item = ANSWERABLE[0]
    sent, answer = ask(client, bot.token, user, user, item.question)
    text = checked(answer)
    assert any(contains(text, a) for a in item.answers)
    assert source_titles[item.source] in text
    assert (sent.delivery, sent.status) == ("webhook", "ok")
    _, start = ask(client, bot.token, user, user, "/start")
    assert "I answer questions" in checked(start)


def test_more_results_group_and_inline_over_the_webhook(bot, client) -> None:
    group, user = -fresh_id(), fresh_id()
    _, first = ask(
        client, bot.token, group, user, f"@{BOT_USERNAME} Who invested in Pateo?", "group"
    )
    assert [b["text"] for b in first.buttons] == [MORE_BUTTON, "👍", "👎"]
    client.press_button(bot.token, first, first.buttons[0]["callback_data"], user, "group")
    assert "More on “Who invested in Pateo?”" in checked(reply_to(client, bot.token, group, first))

    before = len(client.inline_answers(bot.token))
    client.inline_query(bot.token, "What strategy did Xiaomi launch in 2019?", user)
    answer = client.wait_for_inline_answers(bot.token, before + 1, REPLY_TIMEOUT)[before]
    assert any(
        "dual-engine" in r["input_message_content"]["message_text"] for r in answer["results"]
    )


def test_burst_over_the_webhook_gets_one_reply_per_question(bot, client) -> None:
    users = [fresh_id() for _ in range(3)]
    jobs = [
        (u, ANSWERABLE[(n * 2 + k) % len(ANSWERABLE)])
        for n, u in enumerate(users)
        for k in range(2)
    ]
    with ThreadPoolExecutor(len(jobs)) as pool:
        sent = list(
            pool.map(lambda j: client.send_message(bot.token, j[0], j[0], j[1].question), jobs)
        )
    assert len({s.message_id for s in sent}) == len(sent)  # the emulator gave distinct ids
    for (user, item), update in zip(jobs, sent, strict=True):
        text = checked(reply_to(client, bot.token, user, update))
        assert any(contains(text, a) for a in item.answers), (item.question, text)
    settle(client, bot.token, fresh_id())
    for user in users:
        assert len(client.replies(bot.token, user)) == 2


def fake_update(chat_id: int, user_id: int, text: str) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": "Mallory"}
    return {
        "update_id": 900_000_000 + chat_id,
        "message": {
            "message_id": 900_000,
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Mallory"},
            "date": 1_700_000_000,
            "text": text,
        },
    }


def test_post_without_the_secret_is_rejected_and_not_processed(bot, client) -> None:
    user = fresh_id()
    update = fake_update(user, user, "Who invested in Pateo?")
    with httpx.Client(trust_env=False, timeout=10) as http:
        missing = http.post(WEBHOOK_URL, json=update)
        wrong = http.post(
            WEBHOOK_URL, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "not-it"}
        )
    assert missing.status_code == 403
    assert wrong.status_code == 403

    # A real message afterwards in the same chat is the only one answered.
    sent, answer = ask(client, bot.token, user, user, "Where does Pateo rank nationwide?")
    assert contains(checked(answer), "104 of the top 500")
    settle(client, bot.token, fresh_id())
    assert [m.reply_to_message_id for m in client.replies(bot.token, user)] == [sent.message_id]
    assert replies_to(client, bot.token, user, sent) == [answer]


# Keep last: it stops the module's bot.
def test_sigterm_stops_the_bot_cleanly_and_no_secret_is_printed(bot) -> None:
    assert bot.running
    assert bot.stop() == 0
    output = bot.output()
    assert "Calling Bot API endpoint `getMe`" in output  # DEBUG output was captured
    assert_no_secrets(output, bot.token, bot.token.split(":", 1)[1], SECRET)
