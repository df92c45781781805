"""Fusing the dense and BM25 rankings of the same candidate passages.

Convex combination of normalised scores is the default: Bruch et al. ("An Analysis
of Fusion Functions for Hybrid Retrieval", TOIS 2023) found it better than
reciprocal-rank fusion once its weight is tuned; RRF is kept for comparison.
"""

from __future__ import annotations

import numpy as np

from ..config import RetrievalConfig


def fuse(dense: np.ndarray, lexical: np.ndarray, config: RetrievalConfig) -> np.ndarray:
    """Fused scores of candidates given their cosine similarities and BM25 scores."""
    if config.fusion == "rrf":
        return np.asarray(_rrf(dense, config.rrf_k) + _rrf(lexical, config.rrf_k))
    weight = config.dense_weight
    return np.asarray(weight * _minmax(dense) + (1 - weight) * _bm25_norm(lexical))


def _minmax(scores: np.ndarray) -> np.ndarray:
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        return np.ones_like(scores)
    return (scores - low) / (high - low)


def _bm25_norm(scores: np.ndarray) -> np.ndarray:
    # BM25's theoretical minimum is 0: dividing by the maximum keeps "no term
    # matched" at 0 instead of stretching tiny differences to the full range.
    high = float(scores.max())
    return scores / high if high > 0 else np.zeros_like(scores)


def _rrf(scores: np.ndarray, k: int) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (k + ranks)
