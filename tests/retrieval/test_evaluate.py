"""The dev set, scored with the real model and index, against the issue's targets."""

from __future__ import annotations

from pathlib import Path

from retrieval.evaluate import evaluate, read_eval_set

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "dev.jsonl"


def test_dev_set_meets_the_targets(seeds_retriever):
    metrics = evaluate(seeds_retriever, read_eval_set(DEV_SET))
    assert metrics["n"] == 12
    assert metrics["hit@1"] >= 0.90, metrics
    assert metrics["hit@3"] == 1.0, metrics
    assert metrics["no_answer_accuracy"] >= 0.90, metrics
    assert metrics["max_passage_chars"] <= 1000, metrics
