"""BM25 keyword search (bm25s) with the collection language's stemming and stop words.

It finds what embeddings miss: names, numbers and rare words. It also keeps the
collection's words as written, with their counts (``words.json``): the vocabulary that
misspelt question words are corrected against.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from ..config import LANGUAGES

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
# A word as spelling correction sees it: letters only, at least three.
WORD = re.compile(r"[^\W\d_]{3,}")
WORDS_FILE = "words.json"


class Analyzer:
    """Text → BM25 terms: lower-cased words of 2+ characters, stop words dropped,
    Snowball-stemmed. Queries and passages go through the same analyzer.

    Args:
        language: the collection's language (a key of :data:`LANGUAGES`).
    """

    def __init__(self, language: str = "en") -> None:
        algorithm, stopwords = LANGUAGES[language]
        self.language = language
        self._stemmer = Stemmer.Stemmer(algorithm) if algorithm else None
        self._stopwords = frozenset(getattr(bm25s.stopwords, stopwords))

    def _stem(self, words: list[str]) -> list[str]:
        return self._stemmer.stemWords(words) if self._stemmer else words

    def is_stopword(self, word: str) -> bool:
        """Whether ``word`` (lower case) is one of the language's stop words."""
        return word in self._stopwords

    def terms(self, text: str) -> list[str]:
        words = [w for w in _TOKEN.findall(text.lower()) if w not in self._stopwords]
        return self._stem(words)

    def sentence_terms(self, text: str, spans: Iterable[tuple[int, int]]) -> list[set[str]]:
        """The set of terms of each span of ``text``, stemmed in one call. Stop words are
        kept: callers look up question terms, which never are stop words."""
        chunks = [_TOKEN.findall(text[start:end].lower()) for start, end in spans]
        stems = self._stem([w for chunk in chunks for w in chunk])
        bounds = np.cumsum([0] + [len(chunk) for chunk in chunks])
        return [set(stems[a:b]) for a, b in itertools.pairwise(bounds)]


@dataclass(frozen=True, eq=False)
class QuestionTerms:
    """A question's terms as the BM25 index knows them (analysed once per search).

    Attributes:
        tokens: the vocabulary id of each known term, repeats included, in question
            order (what BM25 scores).
        ids: the distinct ids of its known terms (and its context's), sorted.
        idf: their IDF, in the same order.
        unknown: the weight of the question's terms the corpus lacks: for each, the
            IDF the rarest term would have.
        context_tokens: the vocabulary ids of the terms of the question's context (what
            a conversation carried over) that the question lacks; in ``ids`` too.
        context_weight: the share of their IDF the context's terms weigh.
    """

    tokens: list[int]
    ids: np.ndarray
    idf: np.ndarray
    unknown: float
    context_tokens: tuple[int, ...] = ()
    context_weight: float = 1.0

    @functools.cached_property
    def weights(self) -> np.ndarray:
        """Each of ``ids``'s weight: its IDF, the context's at ``context_weight``."""
        if not self.context_tokens:
            return self.idf
        scale = np.where(np.isin(self.ids, self.context_tokens), self.context_weight, 1.0)
        return np.asarray(self.idf * scale)

    @functools.cached_property
    def total(self) -> float:
        """The question's whole weight: ``weights`` and the unknown terms'."""
        return float(self.weights.sum()) + self.unknown

    def at_context_weight(self, weight: float) -> QuestionTerms:
        """The same terms with the context's at ``weight`` of their IDF (0: the
        question's own terms alone), analysed no further."""
        return dataclasses.replace(self, context_weight=weight)

    def held(self, term_ids: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
        """The share of the question's weight each of ``count`` groups holds, given the
        distinct ``term_ids`` of all groups and the group of each."""
        if not self.total or not len(self.ids) or not len(term_ids):
            return np.zeros(count, dtype=np.float32)
        where = np.searchsorted(self.ids, term_ids).clip(max=len(self.ids) - 1)
        match = self.ids[where] == term_ids
        sums = np.bincount(groups[match], weights=self.weights[where[match]], minlength=count)
        return (sums / self.total).astype(np.float32)


class LexicalIndex:
    """A BM25 index over passages.

    Args:
        bm25: the bm25s index.
        doc_freq: for each term id, the number of passages holding it (for IDF).
        analyzer: the analyzer it was built with (a new one by default).
        words: the collection's words as written (lower case) and how often each
            occurs.
    """

    def __init__(
        self,
        bm25: bm25s.BM25,
        doc_freq: np.ndarray,
        analyzer: Analyzer | None = None,
        words: dict[str, int] | None = None,
    ) -> None:
        self.bm25 = bm25
        self.doc_freq = doc_freq
        self.analyzer = analyzer or Analyzer()
        self._words = words
        self._vocabulary: list[str] | None = None  # for spelling look-ups, made on first use

    @classmethod
    def build(
        cls, texts: list[str], k1: float = 1.2, b: float = 0.75, language: str = "en"
    ) -> LexicalIndex:
        analyzer = Analyzer(language)
        corpus = [analyzer.terms(t) or ["\u2205"] for t in texts]  # bm25s rejects empty docs
        bm25 = bm25s.BM25(k1=k1, b=b)
        bm25.index(corpus, show_progress=False)
        words = Counter(w for t in texts for w in WORD.findall(t.lower()))
        return cls(bm25, _doc_freq(bm25), analyzer, dict(words))

    @property
    def words(self) -> dict[str, int]:
        """The collection's words as written (lower case, letters only, at least three)
        and how often each occurs."""
        return self._words or {}

    def has_word(self, word: str) -> bool:
        """Whether the collection has ``word`` as written or in another inflection."""
        lower = word.lower()
        if lower in self.words:
            return True
        terms = self.analyzer.terms(lower)
        return bool(terms) and all(t in self.bm25.vocab_dict for t in terms)

    def __len__(self) -> int:
        return int(self.bm25.scores["num_docs"])

    def scores(self, term_ids: list[int]) -> np.ndarray:
        """BM25 score of every passage for a question's term ids (zeros if none)."""
        if not term_ids:
            return np.zeros(len(self), dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(term_ids))

    def idf(self, term_ids: list[int]) -> np.ndarray:
        """Inverse document frequency of each term (the BM25 variant's, always > 0)."""
        n = len(self)
        df = self.doc_freq[term_ids].astype(np.float64)
        return np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def word_weights(self, words: Sequence[str]) -> list[float]:
        """How much each word tells passages apart: the IDF of its terms (the largest,
        for a word of several), 0 for a word the collection lacks."""
        vocab = self.bm25.vocab_dict
        weights = []
        for word in words:
            ids = [vocab.get(t) for t in self.analyzer.terms(word)]
            known = [i for i in ids if i is not None]
            whole = bool(known) and len(known) == len(ids)
            weights.append(float(self.idf(known).max()) if whole else 0.0)
        return weights

    def question_terms(
        self, question: str, context: str | None = None, context_weight: float = 1.0
    ) -> QuestionTerms:
        """The question's terms the corpus knows, weighted by IDF; in the question's
        total weight a term the corpus lacks weighs as much as the rarest can. The
        terms of ``context`` that the question lacks count too, at ``context_weight``
        of their IDF."""
        analysed = self.analyzer.terms(question)
        vocab = self.bm25.vocab_dict
        tokens = [vocab[t] for t in analysed if t in vocab]
        terms = set(analysed)
        extra = [t for t in self.analyzer.terms(context or "") if t not in terms]
        context_tokens = tuple(dict.fromkeys(vocab[t] for t in extra if t in vocab))
        ids = np.array(sorted(set(tokens) | set(context_tokens)), dtype=np.int32)
        idf = self.idf(ids.tolist()) if len(ids) else np.zeros(0)
        rarest = float(np.log(1.0 + (len(self) + 0.5) / 0.5))  # idf at df = 0
        unknown = rarest * sum(t not in vocab for t in terms)
        return QuestionTerms(tokens, ids, idf, unknown, context_tokens, context_weight)

    def knows(self, word: str, similarity: float = 80.0) -> bool:
        """Whether the corpus has ``word``, or a term spelt like it (a misspelt name
        is still a name the corpus knows: rapidfuzz's ratio of at least
        ``similarity`` to one of its terms). A word of stop words only is known."""
        from rapidfuzz import fuzz, process

        terms = self.analyzer.terms(word)
        vocab = self.bm25.vocab_dict
        if not terms or any(t in vocab for t in terms):
            return True
        if self._vocabulary is None:
            self._vocabulary = list(vocab)
        return all(
            process.extractOne(t, self._vocabulary, scorer=fuzz.ratio, score_cutoff=similarity)
            is not None
            for t in terms
        )

    def span_terms(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The distinct term ids of every span of every text, for re-ranking without
        analysing passages at query time.

        Returns:
            The term ids of all spans (text order, then span order), and where each
            span's run of them starts (one more entry than there are spans).
        """
        vocab = self.bm25.vocab_dict
        runs: list[list[int]] = []
        for text, text_spans in zip(texts, spans, strict=True):
            for terms in self.analyzer.sentence_terms(text, text_spans):
                runs.append(sorted(vocab[t] for t in terms if t in vocab))
        ids = np.fromiter(itertools.chain.from_iterable(runs), dtype=np.int32)
        offsets = np.concatenate([[0], np.cumsum([len(r) for r in runs], dtype=np.int64)])
        return ids, offsets.astype(np.int64)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False)
        np.save(folder / "doc_freq.npy", self.doc_freq)
        (folder / WORDS_FILE).write_text(
            json.dumps(self.words, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path, language: str = "en") -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        doc_freq = np.load(folder / "doc_freq.npy", mmap_mode="r")
        # Read now, not on first use: a later build may delete this generation.
        words: dict[str, int] = json.loads((folder / WORDS_FILE).read_text(encoding="utf-8"))
        return cls(bm25, doc_freq, Analyzer(language), words)


def _doc_freq(bm25: bm25s.BM25) -> np.ndarray:
    # The score matrix is CSC with one column per term: a column's length is its
    # document frequency.
    return np.diff(np.asarray(bm25.scores["indptr"])).astype(np.int32)
