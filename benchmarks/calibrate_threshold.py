"""Calibrates the no-answer threshold (``RetrievalConfig.min_similarity``) on data.

The decision answers a question when its best passage's cosine similarity reaches the
threshold (or when BM25 finds most of its rare terms in one passage). The threshold is
the one that best separates, on the project's default corpus (``seeds/``):

* answerable questions: the dev set's questions with answers (question-style data);
* unanswerable questions: the dev set's off-topic questions, plus the 809 SciFact train
  claims (biomedical claims, which nothing in the news seeds answers).

Among thresholds with the best balanced accuracy, the middle of the widest gap between
the two groups wins (the max-margin choice). Run::

    python benchmarks/calibrate_threshold.py [--corpus seeds] [--dev tests/data/dev.jsonl]

and copy ``min_similarity`` into ``retrieval/config.py``; it prints JSON with the figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from retrieval import RetrievalConfig, Retriever
from retrieval.evaluation import read_eval_set

ROOT = Path(__file__).resolve().parent.parent


def scifact_claims(data: Path) -> list[str]:
    train = data / "scifact" / "qrels-train.tsv"
    ids = {line.split("\t")[0] for line in train.read_text().splitlines()[1:]}
    with (data / "scifact" / "queries.jsonl").open(encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip()]
    return [q["text"] for q in queries if q["_id"] in ids]


def best_threshold(positives: np.ndarray, negatives: np.ndarray) -> tuple[float, float]:
    """Max-margin threshold among those with the best balanced accuracy."""
    cuts = np.unique(np.concatenate([positives, negatives]))
    candidates = (cuts[:-1] + cuts[1:]) / 2

    def balanced(t: float) -> float:
        return (np.mean(positives >= t) + np.mean(negatives < t)) / 2

    scores = np.array([balanced(t) for t in candidates])
    best = candidates[np.isclose(scores, scores.max())]
    gaps = [_gap(t, positives, negatives) for t in best]
    return float(best[int(np.argmax(gaps))]), float(scores.max())


def _gap(t: float, positives: np.ndarray, negatives: np.ndarray) -> float:
    above = np.concatenate([positives, negatives])
    return float(min(above[above >= t], default=t) - max(above[above < t], default=t))


def main() -> None:
    parser = argparse.ArgumentParser(description="Calibrate the no-answer threshold.")
    parser.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    parser.add_argument("--dev", type=Path, default=ROOT / "tests" / "data" / "dev.jsonl")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()

    config = RetrievalConfig(min_similarity=-1.0, lexical_rescue=2.0)  # answer everything
    with tempfile.TemporaryDirectory() as index_dir:
        retriever = Retriever.from_corpus(args.corpus, index_dir, config)
        items = read_eval_set(args.dev)
        answerable = [i.question for i in items if i.answers]
        off_topic = [i.question for i in items if not i.answers] + scifact_claims(args.data)
        pos = np.array([r.best_similarity for r in retriever.search_many(answerable, k=1)])
        neg = np.array([r.best_similarity for r in retriever.search_many(off_topic, k=1)])
    threshold, accuracy = best_threshold(pos, neg)
    print(
        json.dumps(
            {
                "answerable": len(pos),
                "unanswerable": len(neg),
                "answerable_similarity_min_median": [round(pos.min(), 3), round(np.median(pos), 3)],
                "unanswerable_similarity_median_p99_max": [
                    round(float(np.median(neg)), 3),
                    round(float(np.quantile(neg, 0.99)), 3),
                    round(float(neg.max()), 3),
                ],
                "min_similarity": round(threshold, 2),
                "balanced_accuracy": round(accuracy, 4),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
