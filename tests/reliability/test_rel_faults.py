"""Faults of the Bot API server, admin ``/reload`` while serving, and SIGTERM with
replies in flight, against the real bot (``python -m bot``, DEBUG logging) through the
emulator. Faults are injected by the harness (``POST /_harness/faults``): the next N calls
of a method answer 429 with ``retry_after``, a 5xx, or time out ("timeout": held before
the emulator sees the call; "timeout_after": the emulator acts, the answer is withheld).

One bot serves the module; tests keep apart by user ids. The last test stops it.
"""

from __future__ import annotations

import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.e2e import (
    ask,
    assert_no_secrets,
    checked,
    contains,
    fresh_id,
    make_token,
)
from tests.support.emulator import Emulator, needs_emulator
from tests.support.emulator_client import EmulatorClient
from tests.support.paths import SEEDS
from tests.support.reliability import (
    Sent,
    answerable_questions,
    send_question,
    settle,
    tally,
)
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.waits, needs_emulator()]

ADMIN = 4_200_001
QUESTION, ANSWERS = "Where does Pateo rank nationwide?", ("104 of the top 500",)
NEW_DOC = (
    "Zorblax Submarines\n\n"
    "The Zorblax 9000 is a purple research submarine built in Reykjavik in 2031. "
    "It dives to eleven kilometres and carries a crew of four marine biologists.\n"
)
NEW_QUESTION = "Where was the Zorblax 9000 submarine built?"
RELOAD_TIMEOUT = 120.0
INLINE_LIMIT = 3
_users = iter(range(4_300_000, 4_400_000))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults") / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="module")
def bot(emulator, bot_index_dir, corpus, tmp_path_factory) -> BotProcess:
    index = tmp_path_factory.mktemp("faults-index") / "index"
    shutil.copytree(bot_index_dir, index)
    token = make_token()
    process = BotProcess(
        emulator,
        token,
        [
            "--corpus", str(corpus),
            "--index-dir", str(index),
            "--admin", str(ADMIN),
            "--log-level", "DEBUG",
            "--rate-limit", "0",
            "--inline-rate-limit", str(INLINE_LIMIT),
        ],
        tmp_path_factory.mktemp("faults-bot"),
    )  # fmt: skip
    process.start()
    yield process
    process.kill()


@pytest.fixture(scope="module")
def client(emulator: Emulator) -> EmulatorClient:
    return emulator.client


@pytest.fixture(autouse=True)
def _no_leftover_faults(client):
    yield
    client.clear_faults()


def ask_many(client, token, n: int, question=QUESTION, answers=ANSWERS) -> list[Sent]:
    def one(_):
        sent = send_question(client, token, next(_users), question)
        sent.answers = answers
        return sent

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def exactly_once(client, token, sent: list[Sent], timeout: float = 60.0):
    """Waits for a reply to each question, then until the bot has settled (a duplicate, a
    retried send, would be stored by then); asserts none is lost, none duplicated, each
    right; returns the tally."""
    wait_for(lambda: tally(client, token, sent).lost == 0, timeout, interval=0.2, what="replies")
    settle(client, token, next(_users))
    result = tally(client, token, sent)
    assert result.lost == 0 and result.duplicated == 0, result.summary()
    assert not result.wrong_answers(), result.wrong_answers()
    return result


def injected(client, token, method: str) -> list[str]:
    return [f["kind"] for f in client.faults(token)["injected"] if f["method"] == method]


# ---------------------------------------------------------------- sendMessage


def test_send_message_429_retry_after_is_waited_out(bot, client) -> None:
    client.inject_fault("sendMessage", 429, count=2, token=bot.token, retry_after=1)
    started = time.monotonic()
    [sent] = ask_many(client, bot.token, 1)
    exactly_once(client, bot.token, [sent])
    assert injected(client, bot.token, "sendMessage").count("429") == 2
    # Two announced waits of 1 s were honoured before the message went through.
    assert time.monotonic() - started >= 2.0


def test_send_message_5xx_is_retried(bot, client) -> None:
    before = injected(client, bot.token, "sendMessage").count("502")
    client.inject_fault("sendMessage", 502, count=2, token=bot.token)
    sent = ask_many(client, bot.token, 3)
    exactly_once(client, bot.token, sent)
    assert injected(client, bot.token, "sendMessage").count("502") - before == 2


def test_send_message_timeout_before_delivery_is_retried_without_loss(bot, client) -> None:
    """The request hangs before the server acts on it: the bot times out (5 s) and
    sends again: one reply."""
    client.inject_fault("sendMessage", "timeout", count=1, token=bot.token)
    [sent] = ask_many(client, bot.token, 1)
    exactly_once(client, bot.token, [sent], timeout=60)
    assert "timeout" in injected(client, bot.token, "sendMessage")
    assert "retrying" in bot.output()


def test_send_message_timeout_after_delivery_is_at_least_once(bot, client) -> None:
    """The known limit: the server stored the message but its answer never came. The
    bot cannot tell this from a timeout before delivery (Telegram has no idempotency
    key and no way to ask what was delivered), so it sends again: no loss, but the user
    may see the reply twice. Never more than twice for one timeout, never zero."""
    client.inject_fault("sendMessage", "timeout_after", count=1, token=bot.token)
    [sent] = ask_many(client, bot.token, 1)
    wait_for(lambda: tally(client, bot.token, [sent]).lost == 0, 60, what="a reply")

    def copies() -> int:
        return len(tally(client, bot.token, [sent]).replies[(sent.user, sent.message_id)])

    wait_for(lambda: copies() >= 2, 60, 0.2, "the retry (it follows the 5 s timeout)")
    settle(client, bot.token, next(_users))  # no third copy comes after it
    assert copies() == 2, copies()  # documented: at-least-once when the answer is lost


def test_handler_failure_tells_the_user_and_the_bot_keeps_serving(bot, client) -> None:
    """Every attempt at sending the answer fails (3 x 500): the handler fails, the error
    is logged (with its traceback, DEBUG on), the user is told, and the next question
    is answered normally."""
    client.inject_fault("sendMessage", 500, count=3, token=bot.token)
    [sent] = ask_many(client, bot.token, 1)
    replies = wait_for(
        lambda: tally(client, bot.token, [sent]).replies.get((sent.user, sent.message_id)),
        60,
        what="the error notice",
    )
    assert "something went wrong" in replies[0]["text"]
    assert "error while handling an update" in bot.output()
    assert "Traceback" in bot.output()  # logged in full (DEBUG on)
    exactly_once(client, bot.token, ask_many(client, bot.token, 2))


# ---------------------------------------------------------------- getUpdates


def test_get_updates_429_5xx_and_timeouts_lose_nothing(bot, client) -> None:
    """getUpdates answers 429 (retry_after 1), 500 twice, then times out twice (held
    unanswered, and answered-but-withheld): every question sent meanwhile is answered
    exactly once."""
    faults = [(429, 1), (500, 2), ("timeout", 1), ("timeout_after", 1)]
    for kind, count in faults:
        client.inject_fault(
            "getUpdates", kind, count=count, token=bot.token, retry_after=1, hold_ms=20_000
        )
    first = ask_many(client, bot.token, 3)  # wakes the poll; the next polls fail
    wait_for(lambda: injected(client, bot.token, "getUpdates"), 30, what="a getUpdates fault")
    later = ask_many(client, bot.token, 3)  # sent while getUpdates fails
    exactly_once(client, bot.token, first + later, timeout=90)
    assert sorted(injected(client, bot.token, "getUpdates")) == sorted(
        ["429", "500", "500", "timeout", "timeout_after"]
    )


# ---------------------------------------------------------------- /reload


def test_reload_is_refused_to_non_admins(bot, client) -> None:
    user = next(_users)
    sent = client.send_message(bot.token, user, user, "/reload")
    reply = wait_for(lambda: [m for m in client.replies(bot.token, user)], 30, what="the refusal")[
        0
    ]
    assert "only admins" in checked(reply)
    assert reply.reply_to_message_id == sent.message_id


def test_reload_swaps_the_index_without_dropping_questions(bot, client, corpus) -> None:
    """Questions keep arriving while an admin's /reload re-indexes a changed corpus:
    all are answered exactly once; afterwards the new document answers."""
    (corpus / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
    pool = answerable_questions()
    reload_msg = client.send_message(bot.token, ADMIN, ADMIN, "/reload")
    sent: list[Sent] = []
    for n in range(8):  # questions in flight before, during and after the rebuild
        question, answers = pool[n % len(pool)]
        sent.extend(ask_many(client, bot.token, 3, question, answers))
        time.sleep(0.25)  # the load pattern: spread the questions over the rebuild
    done = wait_for(
        lambda: [
            m for m in client.replies(bot.token, ADMIN)
            if m.message_id > reload_msg.message_id and "Reloaded" in (m.text or "")
        ],
        RELOAD_TIMEOUT,
        what="the reload to finish",
    )  # fmt: skip
    assert "passages embedded anew" in checked(done[0])
    exactly_once(client, bot.token, sent)
    [after] = ask_many(client, bot.token, 1, NEW_QUESTION, ("Reykjavik",))
    exactly_once(client, bot.token, [after])
    user = after.user
    sources = client.send_message(bot.token, user, user, "/sources")
    listing = wait_for(
        lambda: [
            m for m in client.replies(bot.token, user)
            if m.reply_to_message_id == sources.message_id
        ],
        30,
        what="/sources",
    )  # fmt: skip
    assert contains(checked(listing[0]), "Zorblax Submarines")


# ---------------------------------------------------------------- inline rate limit


def test_inline_queries_have_their_own_rate_limit(bot, client) -> None:
    """A user typing inline queries faster than --inline-rate-limit gets an empty answer
    with a "please wait" button (no passages); another user is unaffected."""
    flooder, calm = next(_users), next(_users)
    before = len(client.inline_answers(bot.token))
    for _ in range(INLINE_LIMIT + 2):
        client.inline_query(bot.token, QUESTION, flooder)
    client.inline_query(bot.token, QUESTION, calm)
    answers = client.wait_for_inline_answers(bot.token, before + INLINE_LIMIT + 3, 30)[before:]
    limited = [a for a in answers if "asking faster" in (a.get("button") or {}).get("text", "")]
    served = [a for a in answers if a.get("results")]
    assert len(limited) == 2 and all(a["results"] == [] for a in limited)
    assert len(served) == INLINE_LIMIT + 1  # the flooder's first 3, and the calm user


# ---------------------------------------------------------------- SIGTERM (keep last)


def test_admins_see_the_statistics(bot, client) -> None:
    """``/stats``: the questions this bot was asked (at least the ones above), its
    unanswered ones and the votes."""
    user = fresh_id()
    ask(client, bot.token, user, user, "Who invested in Pateo?")  # answered: counted
    request = client.send_message(bot.token, ADMIN, ADMIN, "/stats")
    reply = wait_for(
        lambda: [
            m for m in client.replies(bot.token, ADMIN)
            if m.reply_to_message_id == request.message_id
        ],
        30,
        what="the statistics",
    )[0]  # fmt: skip
    text = checked(reply)
    assert text.startswith("Last 7 days: ") and "questions" in text and "votes:" in text
    assert int(text.split("Last 7 days: ")[1].split()[0]) >= 1


def test_sigterm_finishes_replies_in_flight_then_exits_0(bot, client) -> None:
    """A burst, SIGTERM right away, and SIGTERM again while the bot is stopping: every
    question the bot took (getUpdates confirmed) is answered exactly once before it
    exits 0; the rest is still queued at the server for the next run (nothing lost).
    And the token appears nowhere in its output.

    The repeated signal is the case that once failed in CI: PTB's own handler raised
    ``SystemExit`` on every signal, so a second SIGTERM (here the harness's ``stop()``
    right after the test's own) broke off the orderly stop: no reply sent, updates
    confirmed, exit 0. A flood-control pause (429, retry_after 2 s: PTB's rate limiter
    holds every send meanwhile) keeps the replies in flight while it comes."""
    client.inject_fault("sendMessage", 429, count=1, token=bot.token, retry_after=2)
    sent = ask_many(client, bot.token, 20)
    assert bot._proc is not None
    bot._proc.send_signal(signal.SIGTERM)
    wait_for(lambda: "SIGTERM received:" in bot.output(), 30, interval=0.05, what="the stop")
    assert bot.running, "the bot stopped before the second SIGTERM: nothing was in flight"
    bot._proc.send_signal(signal.SIGTERM)  # again, while the replies are in flight
    assert bot.stop(timeout=60) == 0  # (and a third one: stop() sends SIGTERM too)
    confirmed = {
        int(u["update"]["message"]["message_id"])
        for u in client.user_updates(bot.token)
        if u.get("confirmed") and "message" in u["update"]
    }
    taken = [s for s in sent if s.message_id in confirmed]
    waiting = [s for s in sent if s.message_id not in confirmed]
    result = tally(client, bot.token, sent)
    assert taken, "SIGTERM came before the bot took any question: nothing was in flight"
    for s in taken:
        assert len(result.replies.get((s.user, s.message_id), [])) == 1, s
    for s in waiting:  # not taken: not answered either (the next run will)
        assert not result.replies.get((s.user, s.message_id)), s
    print(f"SIGTERM: {len(taken)} taken and answered, {len(waiting)} left queued")
    output = bot.output()
    assert "SIGTERM received while stopping: ignored" in output
    assert "Calling Bot API endpoint" in output  # DEBUG output was captured
    assert_no_secrets(output, bot.token, bot.token.split(":", 1)[1])
