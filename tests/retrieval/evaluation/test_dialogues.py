"""Dialogues and question variants over seeds/, scored with the real model and index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import Retriever
from retrieval.evaluation import (
    EvalFile,
    EvalSetError,
    evaluate_dialogues,
    evaluate_variants,
    read_dialogues,
    read_variants,
)
from tests.support.cli import retrieval_main
from tests.support.paths import DIALOGUES, SEEDS, VARIANTS


def test_seeds_dialogues_hold_their_measured_level(seeds_retriever: Retriever) -> None:
    metrics = evaluate_dialogues(seeds_retriever, read_dialogues(DIALOGUES, "seeds"))
    # Measured when conversations landed: first turns 13/14, follow-ups 20/23 (each asked
    # alone: 7/23), subject changes 4/5. A drop of two fails.
    assert metrics["first_turns"]["first"] >= 12, metrics
    assert metrics["follow_ups"]["first"] >= 18, metrics
    assert metrics["subject_changes"]["first"] >= 4, metrics


def test_seeds_variants_rank_like_their_originals(seeds_retriever: Retriever) -> None:
    metrics = evaluate_variants(seeds_retriever, read_variants(VARIANTS, "seeds"))
    for kind in ("typo", "lower", "keywords", "long"):
        row = metrics[kind]
        assert row["first"] >= row["original_first"] - 1, (kind, row)
    language = metrics["language"]
    assert language["unrelated"] == 0 and language["language_message"] >= 13, language


def test_the_eval_command_tells_the_set_s_kind(seeds_index_dir: Path, tmp_path: Path) -> None:
    # A few lines of each set: the sets themselves are scored above.
    dialogues, variants = tmp_path / "dialogues.jsonl", tmp_path / "variants.jsonl"
    dialogues.write_text("".join(DIALOGUES.read_text().splitlines(True)[:2]), encoding="utf-8")
    lines = VARIANTS.read_text().splitlines(True)
    variants.write_text("".join([*lines[:2], lines[-1]]), encoding="utf-8")
    common = ["--corpus", str(SEEDS), "--index-dir", str(seeds_index_dir), "--json"]
    outcome = retrieval_main(["eval", str(dialogues), "--collection", "seeds", *common])
    assert outcome.returncode == 0, outcome.stderr
    metrics = json.loads(outcome.stdout)
    assert metrics["first_turns"]["n"] == 2 and metrics["follow_ups"]["n"] >= 1
    assert "missed" in metrics
    table = retrieval_main(["eval", str(variants), *common[:-1]])
    assert table.returncode == 0 and "typo" in table.stdout, table.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"turns": "no"}\n', "no 'turns'"),
        ("[1, 2]\n", "not an object"),
        ("{nope\n", "malformed line"),
        ('{"turns": [{"question": "q"}], "collection": "other"}\n', "holds nothing"),
    ],
)
def test_a_malformed_set_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalSetError, match=message):
        EvalFile.read(path, "seeds" if "other" in content else None)
