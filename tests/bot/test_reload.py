"""The reloader: what an admin's ``/reload`` and ``--watch`` both run to re-index the
corpus and swap the new index in while questions are being answered."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from bot.answer import AnswerComposer
from bot.config import BotConfig, Mode
from bot.reload import ReloadBusy, Reloader
from retrieval import CorpusError, Encoder, Retriever
from tests.support.waiting import wait_for

NEW_DOC = (
    "Zorblax Submarines\n\n"
    "The Zorblax 9000 is a purple research submarine built in Reykjavik in 2031. "
    "It dives to eleven kilometres and carries a crew of four marine biologists.\n"
)
QUESTION = "Where was the Zorblax 9000 submarine built?"


@pytest.fixture
def composer(corpus: Path, seeds_index_dir: Path, tmp_path: Path, encoder: Encoder):
    """A composer over ``corpus`` (a copy of seeds/) and a copy of the session's index."""
    index = tmp_path / "index"
    shutil.copytree(seeds_index_dir, index)
    return AnswerComposer(Retriever.from_corpus(corpus, index, encoder=encoder))


def test_reload_swaps_in_the_new_index_and_says_what_changed(composer, corpus: Path) -> None:
    config = BotConfig(
        mode=Mode.CONSOLE, corpus=(corpus,), index_dir=composer.retriever.info.path.parent
    )
    reloader = Reloader.for_config(config, composer)
    old = composer.retriever
    (corpus / "zorblax.txt").write_text(NEW_DOC, encoding="utf-8")
    changes = reloader.reload()
    assert changes.added == ("zorblax.txt",) and not changes.changed and not changes.removed
    assert changes.embedded == 1 and changes.documents == 4
    assert composer.retriever is not old
    assert "Reykjavik" in composer.answer(QUESTION).hits[0].text
    # A search that started on the old index finishes on it.
    assert old.search("Where does Pateo rank nationwide?").answered


def test_a_failing_reload_keeps_the_previous_index(composer) -> None:
    def broken(wait: bool) -> Retriever:
        raise CorpusError("corpus path not found: gone")

    old = composer.retriever
    with pytest.raises(CorpusError):
        Reloader(composer, broken).reload()
    assert composer.retriever is old


def test_one_reload_at_a_time(composer) -> None:
    """A reload that would not wait (an admin's /reload) is refused while another runs;
    one that waits (--watch) runs after it: two rebuilds of one index never overlap."""
    started, go_on = threading.Event(), threading.Event()
    waits: list[bool] = []

    def rebuild(wait: bool) -> Retriever:
        waits.append(wait)
        started.set()
        go_on.wait(30)
        return composer.retriever

    reloader = Reloader(composer, rebuild)
    first = threading.Thread(target=reloader.reload)
    first.start()
    started.wait(30)
    assert reloader.busy
    with pytest.raises(ReloadBusy):
        reloader.reload(wait=False)
    second = threading.Thread(target=reloader.reload, kwargs={"wait": True})
    second.start()
    go_on.set()
    first.join(30)
    second.join(30)
    wait_for(lambda: not reloader.busy, 10, what="the reloads to end")
    assert waits == [True, True]
