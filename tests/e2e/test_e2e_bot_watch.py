"""``python -m bot --watch`` (the real bot, long polling) over a folder that changes
while it serves: a document added, changed and deleted is answered from, answered from
anew, and gone from the answers; questions asked while it re-indexes are each answered
once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.bot_process import BotProcess
from tests.support.e2e import (
    NO_ANSWER,
    ask,
    checked,
    contains,
    fresh_id,
    make_token,
    replies_to,
    reply_to,
    settle,
)
from tests.support.emulator import Emulator, needs_emulator
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.e2e, needs_emulator()]

NEW_DOC = (
    "Zorblax Submarines\n\n"
    "The Zorblax 9000 is a purple research submarine built in Reykjavik in 2031. "
    "It dives to eleven kilometres and carries a crew of four marine biologists.\n"
)
QUESTION = "Where was the Zorblax 9000 submarine built?"
SEEDS_QUESTION, SEEDS_ANSWER = "Where does Pateo rank nationwide?", "104 of the top 500"
#: Seconds for one update: the quiet period, then re-indexing one small file.
UPDATE_TIMEOUT = 60.0


def updates(bot: BotProcess) -> int:
    """How many updates the bot has logged."""
    return bot.output().count("documents updated: ")


def test_a_file_added_changed_and_deleted_while_the_bot_serves(
    emulator: Emulator, bot_index_dir: Path, corpus: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(bot_index_dir, index)  # up to date with corpus, a copy of seeds/
    token = make_token()
    args = ["--corpus", str(corpus), "--index-dir", str(index), "--watch", "--rate-limit", "0"]
    client = emulator.client
    doc = corpus / "zorblax.txt"
    with BotProcess(emulator, token, args, tmp_path / "bot") as bot:
        user = fresh_id()

        def answer() -> str:
            return checked(ask(client, token, user, user, QUESTION)[1])

        assert NO_ANSWER in answer()

        doc.write_text(NEW_DOC, encoding="utf-8")
        # Questions in flight while it re-indexes and swaps the index in.
        askers = [fresh_id() for _ in range(3)]
        sent = [client.send_message(token, u, u, SEEDS_QUESTION) for u in askers]
        wait_for(lambda: updates(bot) == 1, UPDATE_TIMEOUT, what="the added file's update")
        for asker, question in zip(askers, sent, strict=True):
            assert contains(checked(reply_to(client, token, asker, question)), SEEDS_ANSWER)
        assert "1 added, 0 changed, 0 removed (zorblax.txt)" in bot.output()
        assert contains(answer(), "built in Reykjavik")

        doc.write_text(NEW_DOC.replace("Reykjavik", "Tromsø"), encoding="utf-8")
        wait_for(lambda: updates(bot) == 2, UPDATE_TIMEOUT, what="the changed file's update")
        changed = answer()
        assert contains(changed, "built in Tromsø") and "Reykjavik" not in changed

        doc.unlink()
        wait_for(lambda: updates(bot) == 3, UPDATE_TIMEOUT, what="the deleted file's update")
        assert NO_ANSWER in answer()

        settle(client, token, fresh_id())
        for asker, question in zip(askers, sent, strict=True):
            assert len(replies_to(client, token, asker, question)) == 1
    assert bot.returncode == 0
    assert "0 added, 0 changed, 1 removed (zorblax.txt)" in bot.output()
    assert "Traceback" not in bot.output()
    assert "change detected" not in bot.output()  # watchfiles' own line: one line an update
