"""Load and soak: many users asking through the emulator at once; every question answered
exactly once, in the right chat, with the right answer; latency reported; no memory growth.

``test_load_200_users_x_5_questions`` runs in the normal test command (~1.5 min), over
two collections (half the users' private chats are bound to each; every reply must
come from the user's own collection);
``test_soak_10_minutes`` is marked slow: ``pytest -m slow tests/reliability -k soak -s``.
Figures are printed (run with ``-s``) and written to ``$DOCQA_RELIABILITY_REPORT`` if set.
"""

from __future__ import annotations

import json
import os
import time

import pytest
import yaml

from tests.support.bot_process import BotProcess
from tests.support.emulator import Emulator, needs_emulator
from tests.support.paths import ROOT, SEEDS
from tests.support.reliability import (
    answerable_questions,
    rss_kib,
    run_load,
    settle,
    tally,
    wait_until_answered,
)
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.waits, needs_emulator()]

#: Memory after a run may exceed memory before it by at most this share.
MEMORY_GROWTH = 0.10
#: The second collection of the load test, and questions it answers (with phrases).
HANDBOOK = ROOT / "tests" / "data" / "handbook"
HANDBOOK_QUESTIONS = [
    ("How many days of paid annual leave do employees get?", ("27 days",)),
    ("What is the hotel limit in capital cities?", ("160 euros",)),
    ("Within how many days must expense claims be filed?", ("within 30 days",)),
    ("How long is parental leave?", ("20 weeks",)),
    ("Which portal is used to book business trips?", ("Wayfarer",)),
    ("How many unused leave days can be carried over?", ("Up to 5 unused days",)),
    ("How much are meals covered per day?", ("45 euros",)),
    ("Who approves leave requests?", ("team lead",)),
]
#: Words of each collection that the other's answers never contain.
NEWS_WORDS, HANDBOOK_WORDS = ("Pateo", "Xiaomi"), ("Brightwater", "Timebook", "Wayfarer")


def on_handbook(user: int) -> bool:
    """Whether a load-test user's private chat is bound to the handbook (every other
    user; the rest ask the default collection, the seeds)."""
    return user % 2 == 1


def pool_of(user: int) -> list[tuple[str, tuple[str, ...]]]:
    return HANDBOOK_QUESTIONS if on_handbook(user) else answerable_questions()


def report(name: str, figures: dict) -> None:
    line = json.dumps({"test": name, **figures})
    print(line)
    path = os.environ.get("DOCQA_RELIABILITY_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def settled_rss(emulator: Emulator, bot: BotProcess, probe_user: int) -> int:
    """RSS once the bot is idle (everything sent answered, no call in flight) and its
    resident memory has stopped moving (two readings 0.5 s apart within 0.5%)."""
    settle(emulator.client, bot.token, probe_user)
    assert bot._proc is not None
    pid = bot._proc.pid
    last = [rss_kib(pid)]

    def steady() -> int:
        time.sleep(0.5)  # the interval between two readings
        now = rss_kib(pid)
        previous, last[0] = last[0], now
        return now if abs(now - previous) <= previous * 0.005 else 0

    return wait_for(steady, 30, 0, "the bot's memory to settle")


def load_round(
    emulator: Emulator,
    bot: BotProcess,
    first_user: int,
    users: int,
    per_user: int,
    duration: float,
) -> dict:
    client = emulator.client
    user_ids = list(range(first_user, first_user + users))
    started = time.monotonic()
    sent = run_load(client, bot.token, user_ids, per_user, duration, pool_of=pool_of)
    sending = time.monotonic() - started
    result = wait_until_answered(client, bot.token, sent, timeout=120)
    elapsed = time.monotonic() - started
    settle(client, bot.token, first_user + users)  # anything late (a duplicate) is in by now
    result = tally(client, bot.token, sent)
    assert result.lost == 0, result.summary()
    assert result.duplicated == 0, result.summary()
    assert not result.misrouted, result.misrouted[:3]
    assert not result.wrong_answers(), result.wrong_answers()[:3]
    crossed = [
        (s.question, reply["text"][:120])
        for s in sent
        for reply in result.replies.get((s.user, s.message_id), [])
        if any(w in reply["text"] for w in (NEWS_WORDS if on_handbook(s.user) else HANDBOOK_WORDS))
    ]
    assert not crossed, crossed[:3]  # each user answered from their own collection only
    return {**result.summary(), "send_s": round(sending, 1), "all_answered_s": round(elapsed, 1)}


def run_with_memory_check(
    emulator: Emulator, bot: BotProcess, users: int, per_user: int, duration: float
) -> dict:
    # Warm up (the first batches grow the model's and allocator's working memory).
    load_round(emulator, bot, 900_000, 50, 2, 5)
    before = settled_rss(emulator, bot, 990_000)
    figures = load_round(emulator, bot, 1_000_000, users, per_user, duration)
    after = settled_rss(emulator, bot, 990_001)
    figures.update(
        rss_before_mib=round(before / 1024, 1),
        rss_after_mib=round(after / 1024, 1),
        rss_growth_pct=round(100 * (after - before) / before, 1),
    )
    assert after <= before * (1 + MEMORY_GROWTH), figures
    return figures


def test_load_200_users_x_5_questions(emulator, bot_index_dir, start_bot, tmp_path) -> None:
    """200 users x 5 questions within a minute, over two collections: all answered
    once, right chat, right answer from the user's own collection; p50/p95 latency
    reported; RSS after within 10% of RSS before."""
    users = [u for first in (900_000, 1_000_000) for u in range(first, first + 200)]
    collections = {
        "default": "news",
        "collections": {
            "news": {"path": str(SEEDS), "index_dir": str(bot_index_dir)},
            "handbook": {
                "path": str(HANDBOOK),
                "index_dir": str(tmp_path / "handbook-index"),
                "chats": [u for u in users if on_handbook(u)],
            },
        },
    }
    (tmp_path / "teams.yaml").write_text(yaml.safe_dump(collections), encoding="utf-8")
    token = "7100000001:LOAD-token-200x5"
    bot = start_bot(emulator, token, "--collections", str(tmp_path / "teams.yaml"), name="load")
    figures = run_with_memory_check(emulator, bot, users=200, per_user=5, duration=50)
    report("load_200x5", figures)
    assert bot.stop() == 0


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_soak_10_minutes(emulator, bot_index_dir, start_bot) -> None:
    """10 minutes at a steady 5 questions/s from 100 users (3000 questions): the same
    checks as the load test."""
    token = "7100000002:SOAK-token-10min"
    bot = start_bot(emulator, token, "--index-dir", str(bot_index_dir), name="soak")
    figures = run_with_memory_check(emulator, bot, users=100, per_user=30, duration=600)
    report("soak_10min", figures)
    assert bot.stop() == 0
