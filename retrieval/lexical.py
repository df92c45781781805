"""BM25 keyword search (bm25s) with English stemming and stop words.

It finds what embeddings miss: names, numbers and rare words.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
# bm25s logs every build and load at DEBUG/INFO, which would reach users' terminals
# through any application that logs at those levels.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class Analyzer:
    """Text → BM25 terms: lower-cased words of 2+ characters, stop words dropped,
    Snowball-stemmed. Queries and passages go through the same analyzer."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._stopwords = frozenset(bm25s.stopwords.STOPWORDS_EN)

    def terms(self, text: str) -> list[str]:
        words = [w for w in _TOKEN.findall(text.lower()) if w not in self._stopwords]
        return self._stemmer.stemWords(words)

    def sentence_terms(self, text: str, spans: Iterable[tuple[int, int]]) -> list[set[str]]:
        """The set of terms of each span of ``text``, stemmed in one call. Stop words are
        kept: callers look up question terms, which never are stop words."""
        chunks = [_TOKEN.findall(text[start:end].lower()) for start, end in spans]
        stems = self._stemmer.stemWords([w for chunk in chunks for w in chunk])
        bounds = np.cumsum([0] + [len(chunk) for chunk in chunks])
        return [set(stems[a:b]) for a, b in itertools.pairwise(bounds)]


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """One shared analyzer: it is stateless and the stemmer is costly to create."""
    return Analyzer()


class LexicalIndex:
    """A BM25 index over passages.

    Args:
        bm25: the bm25s index.
        doc_freq: for each term id, the number of passages holding it (for IDF).
    """

    def __init__(self, bm25: bm25s.BM25, doc_freq: np.ndarray) -> None:
        self.bm25 = bm25
        self.doc_freq = doc_freq
        self.analyzer = default_analyzer()

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        analyzer = default_analyzer()
        corpus = [analyzer.terms(t) or ["\u2205"] for t in texts]  # bm25s rejects empty docs
        bm25 = bm25s.BM25(k1=k1, b=b)
        bm25.index(corpus, show_progress=False)
        return cls(bm25, _doc_freq(bm25))

    def __len__(self) -> int:
        return int(self.bm25.scores["num_docs"])

    def term_ids(self, question: str) -> list[int]:
        vocab = self.bm25.vocab_dict
        return [vocab[t] for t in self.analyzer.terms(question) if t in vocab]

    def scores(self, term_ids: list[int]) -> np.ndarray:
        """BM25 score of every passage for a question's term ids (zeros if none)."""
        if not term_ids:
            return np.zeros(len(self), dtype=np.float32)
        return self.bm25.get_scores_from_ids(term_ids)

    def idf(self, term_ids: list[int]) -> np.ndarray:
        """Inverse document frequency of each term (the BM25 variant's, always > 0)."""
        n = len(self)
        df = self.doc_freq[term_ids].astype(np.float64)
        return np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def question_weights(self, question: str) -> tuple[dict[str, float], float]:
        """IDF of each of the question's terms the corpus knows, and the question's total
        weight, in which a term the corpus lacks weighs as much as the rarest can."""
        terms = set(self.analyzer.terms(question))
        vocab = self.bm25.vocab_dict
        known = [t for t in terms if t in vocab]
        weights = dict(zip(known, self.idf([vocab[t] for t in known]).tolist(), strict=True))
        unknown = float(np.log(1.0 + (len(self) + 0.5) / 0.5))  # idf at df = 0
        return weights, sum(weights.values()) + unknown * (len(terms) - len(known))

    def coverage(self, text: str, weights: dict[str, float], total: float) -> float:
        """Share of a question's weight (see :meth:`question_weights`) found in ``text``."""
        if not total:
            return 0.0
        present = set(self.analyzer.terms(text))
        return sum(w for t, w in weights.items() if t in present) / total

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False)
        np.save(folder / "doc_freq.npy", self.doc_freq)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return cls(bm25, np.load(folder / "doc_freq.npy", mmap_mode="r"))


def _doc_freq(bm25: bm25s.BM25) -> np.ndarray:
    # The score matrix is CSC with one column per term: a column's length is its
    # document frequency.
    return np.diff(np.asarray(bm25.scores["indptr"])).astype(np.int32)
