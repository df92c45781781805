"""Tunes BM25 and fusion on SciFact's train split only, then reports the test split.

Grid: BM25 with or without the title, k1 and b; fusion by reciprocal rank or by a
convex combination of normalised scores with the dense weight from 0 to 1. The setting
with the best train nDCG@10 is applied to test once. Run::

    python benchmarks/tune_fusion.py [--data ../shared/data/scifact] [--index-dir DIR]

The index is the one ``python -m retrieval beir`` builds (pass the same --index-dir to
reuse it); BM25 variants are rebuilt in memory from its passages, nothing is re-embedded.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from retrieval import RetrievalConfig, Retriever
from retrieval.evaluation.beir import candidates, rankings, read_beir, score

ROOT = Path(__file__).resolve().parent.parent


def fused_ndcg(cands, qrels, config: RetrievalConfig) -> float:
    return score({"fused": rankings(cands, config)["fused"]}, qrels)["fused"]["ndcg@10"]


def main() -> None:
    parser = argparse.ArgumentParser(description="Tune fusion on SciFact train.")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/scifact")
    parser.add_argument("--index-dir", type=Path)
    args = parser.parse_args()
    train, test = read_beir(args.data, "train"), read_beir(args.data, "test")
    retriever = Retriever.from_corpus(train.corpus, args.index_dir, RetrievalConfig())
    base, index_dir = retriever.config, retriever.info.path.parent

    def with_bm25(config: RetrievalConfig) -> Retriever:
        # Other BM25 settings re-index the words only: nothing is re-embedded.
        return Retriever.from_corpus(train.corpus, index_dir, config, encoder=retriever.encoder)

    fusions = [("rrf", 0.0)] + [("convex", round(w, 2)) for w in np.arange(0, 1.01, 0.05)]
    results = []
    for title, k1, b in itertools.product((False, True), (0.9, 1.2, 1.5), (0.4, 0.75)):
        bm25 = base.replace(bm25_title=title, bm25_k1=k1, bm25_b=b)
        cands = candidates(with_bm25(bm25), train.queries)
        for fusion, weight in fusions:
            config = bm25.replace(fusion=fusion, dense_weight=weight)
            results.append((fused_ndcg(cands, train.qrels, config), config))
        best_here = max(r for r in results[-len(fusions) :])
        print(f"bm25 title={title} k1={k1} b={b}: best train nDCG@10 {best_here[0]:.4f}")
    best_ndcg, best = max(results, key=lambda r: r[0])
    test_scores = score(rankings(candidates(with_bm25(best), test.queries), best), test.qrels)
    rrf_train = max(n for n, c in results if c.fusion == "rrf")
    print(
        json.dumps(
            {
                "best_on_train": {
                    "bm25_title": best.bm25_title,
                    "bm25_k1": best.bm25_k1,
                    "bm25_b": best.bm25_b,
                    "fusion": best.fusion,
                    "dense_weight": best.dense_weight,
                    "train_ndcg@10": best_ndcg,
                    "best_rrf_train_ndcg@10": rrf_train,
                },
                "test": test_scores,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
