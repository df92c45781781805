"""The ``beir`` command on a tiny BEIR-format folder the test writes, and the metrics."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval import RetrievalConfig
from retrieval.evaluation.beir import BeirError, evaluate_beir, read_beir
from retrieval.evaluation.metrics import mrr_at, ndcg_at, recall_at

DOCS = {
    "d1": ("Tides", "Tides are caused by the gravitational pull of the Moon and the Sun."),
    "d2": ("Volcanoes", "Volcanoes erupt when magma rises through cracks in the crust."),
    "d3": ("Bees", "Honey bees communicate the direction of flowers with a waggle dance."),
    "d4": ("Glaciers", "Glaciers carve U-shaped valleys as they slowly move downhill."),
}
QUERIES = {
    "q1": ("What causes tides?", "d1"),
    "q2": ("How do bees tell each other where flowers are?", "d3"),
    "q3": ("Why do volcanoes erupt?", "d2"),
}


@pytest.fixture
def beir_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    with (folder / "corpus.jsonl").open("w") as f:
        for doc_id, (title, text) in DOCS.items():
            f.write(json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n")
    with (folder / "queries.jsonl").open("w") as f:
        for qid, (text, _) in QUERIES.items():
            f.write(json.dumps({"_id": qid, "text": text}) + "\n")
    rows = [f"{qid}\t{doc}\t1" for qid, (_, doc) in QUERIES.items()]
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "\n".join(rows))
    return folder


def test_metrics_match_hand_computed_values():
    relevant = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], relevant) == pytest.approx(1.0)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at(["c", "a"], {"a": 1}, 10) == pytest.approx(1 / math.log2(3))
    assert ndcg_at(["x", "a", "y"], relevant) == pytest.approx(expected)
    assert recall_at(["a", "x"], relevant, 100) == 0.5
    assert mrr_at(["x", "y", "b"], relevant) == pytest.approx(1 / 3)
    assert mrr_at(["x"], relevant) == 0.0


def test_evaluate_beir_scores_all_four_rankers(beir_folder, tmp_path, encoder):
    metrics = evaluate_beir(beir_folder, "test", tmp_path / "idx", RetrievalConfig())
    assert metrics["queries"] == 3 and metrics["passages"] == 4
    for ranker in ("dense", "bm25", "fused", "reranked"):
        assert set(metrics[ranker]) == {"ndcg@10", "recall@100", "mrr@10"}
    assert metrics["fused"]["ndcg@10"] == pytest.approx(1.0)
    assert metrics["reranked"]["ndcg@10"] == pytest.approx(1.0)
    assert metrics["dense"]["recall@100"] == 1.0


def test_beir_command_prints_json(beir_folder, tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "retrieval",
            "beir",
            str(beir_folder),
            "--json",
            "--index-dir",
            str(tmp_path / "idx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["fused"]["mrr@10"] == pytest.approx(1.0)


def test_not_a_beir_folder(tmp_path):
    with pytest.raises(BeirError, match="not a BEIR folder"):
        read_beir(tmp_path, "test")
    out = subprocess.run(
        [sys.executable, "-m", "retrieval", "beir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "not a BEIR folder" in out.stderr
