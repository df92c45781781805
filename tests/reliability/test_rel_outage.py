"""The Bot API server goes away for 30 seconds and comes back: the bot keeps running and
answers what arrives afterwards. The emulator (its own, not the shared one) is stopped,
and restarted on the same port 30 s later; its state is in memory, so what was queued is
gone, as if Telegram had been unreachable: questions are sent after it is back."""

from __future__ import annotations

import pytest

from tests.support.e2e import make_token
from tests.support.emulator import Emulator, needs_emulator
from tests.support.reliability import send_question, settle, tally
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.waits, needs_emulator()]

DOWNTIME = 30.0
QUESTION, ANSWERS = "Where does Pateo rank nationwide?", ("104 of the top 500",)


def ask_and_check(emulator: Emulator, token: str, users: range, timeout: float) -> None:
    sent = [send_question(emulator.client, token, u, QUESTION) for u in users]
    for s in sent:
        s.answers = ANSWERS
    wait_for(lambda: tally(emulator.client, token, sent).lost == 0, timeout, 0.5, "the answers")
    settle(emulator.client, token, users[-1] + 1)  # a duplicate would be stored by now
    result = tally(emulator.client, token, sent)
    assert result.duplicated == 0 and not result.wrong_answers(), result.summary()


def test_bot_survives_30_s_without_its_bot_api_server(bot_index_dir, start_bot) -> None:
    with Emulator() as emulator:
        token = make_token()
        bot = start_bot(emulator, token, "--index-dir", str(bot_index_dir), name="outage")
        ask_and_check(emulator, token, range(5_100_000, 5_100_003), 30)

        emulator.restart(downtime=DOWNTIME)
        assert bot.running, "the bot died while its server was away"
        # After the outage the bot's polling backs off (PTB: up to 30 s between tries).
        ask_and_check(emulator, token, range(5_200_000, 5_200_005), 60)
        assert bot.stop() == 0
    output = bot.output()
    assert "Traceback" not in output.split("Application started", 1)[0]
