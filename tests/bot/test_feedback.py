"""Feedback: questions and votes kept beside the index, stats and the export."""

from __future__ import annotations

import json
from pathlib import Path

from bot.answer import AnswerComposer
from bot.feedback import DOWN, FEEDBACK_FILE, UP, FeedbackStore
from retrieval.evaluation import EvalFile
from tests.support.cli import bot_main, retrieval_main
from tests.support.paths import SEEDS
from tests.support.questions import ANSWERABLE, UNANSWERABLE


def test_votes_stats_and_export(composer: AnswerComposer, tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / FEEDBACK_FILE, "seeds")
    good = store.record(ANSWERABLE, composer.answer(ANSWERABLE))
    bad = store.record(
        "Where is Pateo headquartered?", composer.answer("Where is Pateo headquartered?")
    )
    store.record(UNANSWERABLE, composer.answer(UNANSWERABLE))
    assert store.vote(good, 1001, DOWN) and store.vote(good, 1001, UP)  # changed their mind
    assert store.vote(bad, 1002, DOWN)
    assert not store.vote(9999, 1001, UP)  # no such question
    stats = store.stats(7)
    assert (stats.questions, stats.unanswered, stats.up, stats.down) == (3, 1, 1, 1)
    assert store.stats(7, now=10**11).questions == 0  # long after
    exported = list(store.export())
    assert [e["question"] for e in exported] == [ANSWERABLE]  # 👎 only: no known answer
    first = composer.answer(ANSWERABLE).hits[0]
    assert exported[0] == {
        "question": ANSWERABLE,
        "answers": [first.sentence_text],
        "source": first.source,
    }
    assert list(store.export("other")) == []
    store.close()
    assert b"1001" not in (tmp_path / FEEDBACK_FILE).read_bytes()  # voters are hashed


def test_export_command_writes_an_evaluation_set(
    composer: AnswerComposer, tmp_path: Path, seeds_index_dir: Path
) -> None:
    store = FeedbackStore(tmp_path / FEEDBACK_FILE, "seeds")
    store.vote(store.record(ANSWERABLE, composer.answer(ANSWERABLE)), 7, UP)
    store.close()
    out = tmp_path / "voted.jsonl"
    done = bot_main(["feedback", "export", "--index-dir", str(tmp_path), "--out", str(out)])
    assert done.returncode == 0, done.stderr
    assert "1 voted questions exported" in done.stderr
    assert json.loads(out.read_text())["question"] == ANSWERABLE
    # The export is an evaluation set the retrieval harness reads and scores.
    assert EvalFile.read(out).kind == "questions"
    scored = retrieval_main(
        ["eval", str(out), "--corpus", str(SEEDS), "--index-dir", str(seeds_index_dir), "--json"]
    )
    assert json.loads(scored.stdout)["hit@1"] == 1.0


def test_export_without_feedback_is_one_line(tmp_path: Path) -> None:
    done = bot_main(["feedback", "export", "--index-dir", str(tmp_path)])
    assert done.returncode == 2 and done.stderr.startswith("error: no feedback kept in")
    assert len(done.stderr.splitlines()) == 1
