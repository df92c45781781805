"""Re-ranking the best fused candidates by their best sentence.

A passage answers a question when one of its sentences does. Passage-level scores
blur that: with thousands of unrelated documents in the index, BM25's IDF of a
collection's own names ("Xiaomi", "Pateo") rises, and the passage that repeats them
beats its neighbour that holds the answer. Scoring each candidate by its best
sentence, in meaning (the sentence's vector, pooled from its passage's forward pass
at index time) and in words (the share of the question's IDF weight one sentence
holds), puts the answering passage first again; measured in the README's Quality
section.
"""

from __future__ import annotations

import numpy as np

from .config import RetrievalConfig
from .index import Index
from .sentences import sentence_spans


class SentenceReranker:
    """Scores candidate passages by passage and best-sentence evidence.

    Args:
        index: the opened index (its sentence vectors and BM25 statistics).
        config: the fusion settings.
    """

    def __init__(self, index: Index, config: RetrievalConfig) -> None:
        self.index = index
        self.config = config

    def similarity(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """For each passage, the larger of its own and its best sentence's cosine."""
        sentence_rows, firsts = self.index.sentence_rows(rows)
        sentences = np.asarray(self.index.sentences[sentence_rows], dtype=np.float32)
        best = np.maximum.reduceat(sentences @ vector, firsts)
        passages = np.asarray(self.index.vectors[rows], dtype=np.float32) @ vector
        return np.maximum(passages, best)

    def coverage(self, question: str, texts: list[str]) -> np.ndarray:
        """For each text, the share of the question's IDF weight its best sentence holds."""
        lexical = self.index.lexical
        weights, total = lexical.question_weights(question)
        return np.array(
            [
                max(lexical.coverage(text[a:b], weights, total) for a, b in _spans(text))
                for text in texts
            ],
            dtype=np.float32,
        )

    def scores(
        self,
        question: str,
        vector: np.ndarray,
        rows: np.ndarray,
        texts: list[str],
        lexical: np.ndarray,
    ) -> np.ndarray:
        """Fused scores of ``rows`` (texts and BM25 scores given in the same order)."""
        dense = self.similarity(rows, vector)
        share = self.config.sentence_lexical_weight
        words = share * self.coverage(question, texts) + (1 - share) * _by_max(lexical)
        # Scaled by the best, as BM25 is in first-stage fusion: min-max would stretch
        # small cosine gaps among a few close candidates to the full range.
        weight = self.config.dense_weight
        return weight * _by_max(dense) + (1 - weight) * words

    def best_sentence(
        self, question: str, vector: np.ndarray, row: int, text: str
    ) -> tuple[int, int]:
        """The span of the passage's sentence closest to the question, in meaning plus
        share of the question's words: the sentence to emphasise."""
        spans = _spans(text)
        sentence_rows, _ = self.index.sentence_rows(np.array([row], dtype=np.int64))
        if len(spans) == 1 or len(sentence_rows) != len(spans):
            return spans[0]
        meaning = np.asarray(self.index.sentences[sentence_rows], dtype=np.float32) @ vector
        words = self.coverage(question, [text[a:b] for a, b in spans])
        return spans[int(np.argmax(meaning + words))]


def _spans(text: str) -> list[tuple[int, int]]:
    return sentence_spans(text) or [(0, len(text))]


def _by_max(scores: np.ndarray) -> np.ndarray:
    high = float(scores.max(initial=0.0))
    return scores / high if high > 0 else np.zeros_like(scores)
