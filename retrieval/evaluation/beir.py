"""Evaluating retrieval on a BEIR-format folder (``corpus.jsonl[.gz]``,
``queries.jsonl``, qrels TSV) with the project's own pipeline.

Documents are split into passages like any corpus; a document's score is its best
passage's (MaxP). Four rankings are scored: dense only, BM25 only, their fusion, and
the fusion re-ranked by best sentences, which is what ``search()`` returns.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import RetrievalConfig
from ..errors import RetrievalError
from ..retriever import Retriever
from ..search.fusion import fuse
from .metrics import mrr_at, ndcg_at, recall_at

RANKERS = ("dense", "bm25", "fused", "reranked")


class BeirError(RetrievalError):
    """The folder is not in BEIR format."""


@dataclass(frozen=True)
class BeirSet:
    """A BEIR split: the corpus file, queries and relevance judgements."""

    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def read_beir(folder: Path, split: str) -> BeirSet:
    """Reads a BEIR folder; qrels from ``qrels/{split}.tsv`` or ``qrels-{split}.tsv``.

    Raises:
        BeirError: a file is missing or malformed.
    """
    corpus = next(
        (folder / n for n in ("corpus.jsonl", "corpus.jsonl.gz") if (folder / n).exists()), None
    )
    qrels_path = next(
        (
            p
            for p in (folder / "qrels" / f"{split}.tsv", folder / f"qrels-{split}.tsv")
            if p.exists()
        ),
        None,
    )
    if corpus is None or qrels_path is None or not (folder / "queries.jsonl").exists():
        raise BeirError(f"{folder} is not a BEIR folder with a {split!r} split")
    try:
        qrels: dict[str, dict[str, int]] = defaultdict(dict)
        for line in qrels_path.read_text(encoding="utf-8").splitlines()[1:]:
            if line.strip():
                query, doc, score = line.split("\t")[:3]
                qrels[query][doc] = int(score)
        with (folder / "queries.jsonl").open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        queries = {str(q["_id"]): q["text"] for q in rows if str(q["_id"]) in qrels}
    except (OSError, ValueError, KeyError) as exc:
        raise BeirError(f"cannot read {folder}: {exc}") from exc
    return BeirSet(corpus, queries, dict(qrels))


@dataclass(frozen=True)
class Candidates:
    """A query's candidate passages: their document ids, both scores, and the final
    scores of ``search()`` (fusion re-ranked with the retriever's own settings)."""

    docs: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    reranked: np.ndarray


def candidates(
    retriever: Retriever, queries: dict[str, str], depth: int = 100
) -> dict[str, Candidates]:
    """The candidates ``search()`` would fuse, for each query."""
    out = {}
    rankings = retriever.ranking(list(queries.values()), depth * 2)
    for qid, ranking in zip(queries, rankings, strict=True):
        docs = _doc_ids(retriever, ranking.rows)
        out[qid] = Candidates(docs, ranking.similarity, ranking.lexical, ranking.reranked)
    return out


def rankings(
    cands: dict[str, Candidates], config: RetrievalConfig, depth: int = 100
) -> dict[str, dict[str, list[str]]]:
    """For each ranker and query, the ids of the top ``depth`` documents."""
    out: dict[str, dict[str, list[str]]] = {name: {} for name in RANKERS}
    for qid, c in cands.items():
        scores = {
            "dense": c.dense,
            "bm25": c.lexical,
            "fused": fuse(c.dense, c.lexical, config),
            "reranked": c.reranked,
        }
        for name, values in scores.items():
            out[name][qid] = _max_passage(c.docs, values, depth)
    return out


def _doc_ids(retriever: Retriever, rows: np.ndarray) -> list[str]:
    # Sources of a JSON Lines collection are "file#id": the id is the BEIR doc id.
    return [p.source.rsplit("#", 1)[-1] for p in retriever.passages(rows)]


def _max_passage(docs: list[str], scores: np.ndarray, depth: int) -> list[str]:
    ranked: list[str] = []
    seen: set[str] = set()
    for i in np.argsort(-scores, kind="stable"):
        if docs[i] not in seen:
            seen.add(docs[i])
            ranked.append(docs[i])
            if len(ranked) == depth:
                break
    return ranked


def score(
    ranked: dict[str, dict[str, list[str]]], qrels: dict[str, dict[str, int]]
) -> dict[str, dict[str, float]]:
    """nDCG@10, recall@100 and MRR@10 of each ranker, averaged over queries."""
    out = {}
    for name, per_query in ranked.items():
        out[name] = {
            "ndcg@10": _mean(ndcg_at(per_query[q], qrels[q], 10) for q in per_query),
            "recall@100": _mean(recall_at(per_query[q], qrels[q], 100) for q in per_query),
            "mrr@10": _mean(mrr_at(per_query[q], qrels[q], 10) for q in per_query),
        }
    return out


def _mean(values: Iterable[float]) -> float:
    return round(statistics.fmean(list(values)), 4)


def evaluate_beir(
    folder: Path, split: str, index_dir: Path | None, config: RetrievalConfig
) -> dict[str, Any]:
    """Indexes ``folder``'s corpus with the project's pipeline and scores ``split``."""
    data = read_beir(folder, split)
    retriever = Retriever.from_corpus(data.corpus, index_dir, config)
    ranked = rankings(candidates(retriever, data.queries), config)
    return {
        "split": split,
        "queries": len(data.queries),
        "passages": len(retriever),
        "fusion": {"method": config.fusion, "dense_weight": config.dense_weight},
        **score(ranked, data.qrels),
    }
