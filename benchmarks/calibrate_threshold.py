"""Calibrates the no-answer decision on public data, never on the dev set.

The decision answers a question when the best passage's cosine similarity reaches
``min_similarity``, or when its best BM25 passage holds at least ``lexical_rescue`` of
the question's IDF weight. Both cut-offs are chosen here, on two real collections:

* answerable: SciFact train claims searched in the SciFact abstracts (each has a
  relevant abstract there);
* unanswerable: the same claims searched in BBC news articles plus ``seeds/`` (no
  science abstracts), and BBC headlines searched in SciFact.

The pair of cut-offs with the best balanced accuracy wins. Run::

    python benchmarks/calibrate_threshold.py [--data ../shared/data] [--work DIR]

It indexes the collections with the project's own pipeline (about 10 minutes on two
cores, cached in ``--work``) and prints JSON with the figures and the chosen values.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

import numpy as np

from retrieval import RetrievalConfig, Retriever


def write_corpus(rows: list[tuple[str, str, str]], folder: Path) -> Path:
    """Writes ``(id, title, text)`` rows as text files (title on the first line)."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, title, text in rows:
        path = folder / f"{doc_id}.txt"
        if not path.exists():
            path.write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    return folder


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def features(retriever: Retriever, questions: list[str]) -> np.ndarray:
    """(best cosine, lexical coverage) of each question."""
    searcher = retriever._searcher
    out = []
    for start in range(0, len(questions), 64):
        batch = questions[start : start + 64]
        vectors = retriever.encoder.encode(batch, progress=False)
        for q, v in zip(batch, vectors, strict=True):
            rows, sim, lex, _ = searcher._candidates(q, v, 3)
            out.append((float(sim.max()), searcher._lexical_coverage(q, rows, lex)))
    return np.array(out)


def best_cutoffs(pos: np.ndarray, neg: np.ndarray) -> dict:
    best = None
    for t in np.arange(0.10, 0.70, 0.01):
        for c in (*np.arange(0.5, 1.0, 0.05), 1.01):
            tpr = np.mean((pos[:, 0] >= t) | (pos[:, 1] >= c))
            tnr = np.mean(~((neg[:, 0] >= t) | (neg[:, 1] >= c)))
            score = (tpr + tnr) / 2
            if best is None or score > best["balanced_accuracy"] + 1e-9:
                best = {
                    "min_similarity": round(float(t), 2),
                    "lexical_rescue": round(float(c), 2),
                    "balanced_accuracy": round(float(score), 4),
                    "answerable_kept": round(float(tpr), 4),
                    "unanswerable_rejected": round(float(tnr), 4),
                }
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/docqa-calibration"))
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    args = parser.parse_args()
    config = RetrievalConfig(min_similarity=-1.0)

    scifact = read_jsonl(args.data / "scifact/corpus.jsonl.gz")
    news = read_jsonl(args.data / "news/bbc-news.jsonl.gz")
    sci_dir = write_corpus(
        [(d["_id"], d["title"], d["text"]) for d in scifact], args.work / "scifact"
    )
    news_dir = write_corpus([(d["id"], d["title"], d["text"]) for d in news], args.work / "news")
    sci = Retriever.from_corpus(sci_dir, args.work / "index-scifact", config)
    newsr = Retriever.from_corpus([news_dir, args.seeds], args.work / "index-news", config)

    train = {
        line.split("\t")[0]
        for line in (args.data / "scifact/qrels-train.tsv").read_text().splitlines()[1:]
    }
    claims = [
        q["text"] for q in read_jsonl(args.data / "scifact/queries.jsonl") if q["_id"] in train
    ]
    headlines = [d["title"] for d in random.Random(0).sample(news, 800)]

    pos = features(sci, claims)
    neg = np.concatenate([features(newsr, claims), features(sci, headlines)])
    result = {
        "answerable": len(pos),
        "unanswerable": len(neg),
        "similarity_quantiles_answerable": np.quantile(pos[:, 0], [0.05, 0.1, 0.25, 0.5])
        .round(3)
        .tolist(),
        "similarity_quantiles_unanswerable": np.quantile(neg[:, 0], [0.5, 0.75, 0.9, 0.95])
        .round(3)
        .tolist(),
        **best_cutoffs(pos, neg),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
