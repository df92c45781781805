"""Answering questions from an opened index: dense + BM25 candidates, fusion,
the no-answer decision, duplicate removal and the answering sentence."""

from __future__ import annotations

import numpy as np

from .embeddings import Encoder
from .errors import QuestionError
from .fusion import fuse
from .hits import Hit, SearchResult
from .index import Index
from .passages import Passage
from .sentences import sentence_spans


def normalize_question(question: str) -> str:
    """The question with its white space collapsed.

    Raises:
        QuestionError: nothing is left.
    """
    text = " ".join(str(question).split())
    if not text:
        raise QuestionError("the question is empty")
    return text


class Searcher:
    """Searches one index generation. Thread-safe: it holds no per-query state.

    Args:
        index: the opened index.
        encoder: the model the index was built with.
    """

    def __init__(self, index: Index, encoder: Encoder) -> None:
        self.index = index
        self.encoder = encoder
        self.config = index.config

    def search(self, question: str, k: int = 3, offset: int = 0) -> SearchResult:
        """Answers one question; see :meth:`search_many`."""
        return self.search_many([question], k=k, offset=offset)[0]

    def search_many(self, questions: list[str], k: int = 3, offset: int = 0) -> list[SearchResult]:
        """Answers several questions with one call to the model.

        Args:
            questions: the questions.
            k: hits per result.
            offset: skip this many best hits (paging).

        Raises:
            QuestionError: a question is empty, or ``k``/``offset`` is out of range.
        """
        if k < 1 or offset < 0:
            raise QuestionError(f"k must be at least 1 and offset at least 0 (got {k}, {offset})")
        prepared = [self._prepare(q) for q in questions]
        vectors = self.encoder.encode([q for q, _ in prepared], progress=False)
        return [
            self._one(q, truncated, v, k, offset)
            for (q, truncated), v in zip(prepared, vectors, strict=True)
        ]

    def _prepare(self, question: str) -> tuple[str, bool]:
        text = normalize_question(question)
        limit = self.config.max_question_chars
        return (text[:limit], True) if len(text) > limit else (text, False)

    def _one(
        self, question: str, truncated: bool, vector: np.ndarray, k: int, offset: int
    ) -> SearchResult:
        rows, similarity, lexical, term_ids = self._candidates(question, vector, offset + k)
        best = float(similarity.max()) if len(similarity) else -1.0
        if not self._answerable(best, question, rows, lexical):
            return SearchResult(question, [], False, best, offset, False, truncated)
        fused = fuse(similarity, lexical, self.config)
        order = np.argsort(-fused, kind="stable")
        order = order[self._relevant(similarity[order], lexical[order])]
        ranked = self._distinct(rows[order], offset + k + 1)
        page = ranked[offset : offset + k]
        position = {int(r): i for i, r in enumerate(rows)}
        idf = dict(zip(term_ids, self.index.lexical.idf(term_ids), strict=True)) if term_ids else {}
        hits = [
            self._hit(p, offset + n + 1, fused[position[r]], similarity[position[r]], idf)
            for n, (r, p) in enumerate(page)
        ]
        return SearchResult(question, hits, True, best, offset, len(ranked) > offset + k, truncated)

    def _candidates(
        self, question: str, vector: np.ndarray, needed: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Union of the top dense and top BM25 passages, with both scores for each."""
        depth = max(self.config.candidates, needed * 2)
        _, dense_rows = self.index.dense.search(vector[None, :], depth)
        term_ids = self.index.lexical.term_ids(question)
        bm25 = self.index.lexical.scores(term_ids)
        top = min(depth, len(bm25))
        lexical_rows = np.argpartition(-bm25, top - 1)[:top] if top < len(bm25) else np.arange(top)
        lexical_rows = lexical_rows[bm25[lexical_rows] > 0]
        rows = np.unique(np.concatenate([dense_rows[0][dense_rows[0] >= 0], lexical_rows]))
        # Exact cosines for every candidate, including those only BM25 found.
        similarity = np.asarray(self.index.vectors[rows] @ vector, dtype=np.float32)
        return rows, similarity, np.asarray(bm25[rows], dtype=np.float32), term_ids

    def _relevant(self, similarity: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Which candidates are worth showing once the question is deemed answerable:
        close enough in meaning, or a strong keyword match; never fewer than one."""
        keep = similarity >= self.config.min_similarity
        if lexical.max(initial=0.0) > 0:
            keep |= lexical >= 0.5 * lexical.max()
        keep[0] = True
        return keep

    def _answerable(
        self, best: float, question: str, rows: np.ndarray, lexical: np.ndarray
    ) -> bool:
        if best >= self.config.min_similarity:
            return True
        return self._lexical_coverage(question, rows, lexical) >= self.config.lexical_rescue

    def _lexical_coverage(self, question: str, rows: np.ndarray, lexical: np.ndarray) -> float:
        """Share of the question's IDF weight found in its best BM25 passage.

        A question naming rare corpus terms ("Dongfeng", "Deepmotion") is on topic even
        when the embedding is unsure; an off-topic question shares few rare terms with
        any passage. Terms the corpus lacks weigh as much as the rarest.
        """
        if not len(lexical) or lexical.max() <= 0:
            return 0.0
        lex = self.index.lexical
        terms = set(lex.analyzer.terms(question))
        known = [t for t in terms if t in lex.bm25.vocab_dict]
        weights = dict(zip(known, lex.idf([lex.bm25.vocab_dict[t] for t in known]), strict=True))
        unknown_weight = float(np.log(1.0 + (len(lex) + 0.5) / 0.5))  # idf at df = 0
        total = sum(weights.values()) + unknown_weight * (len(terms) - len(known))
        (best,) = self.index.store.get([int(rows[int(np.argmax(lexical))])])
        present = set(lex.analyzer.terms(f"{best.title}\n{best.text}"))
        return sum(w for t, w in weights.items() if t in present) / total if total else 0.0

    def _distinct(self, rows: np.ndarray, limit: int) -> list[tuple[int, Passage]]:
        """The first ``limit`` passages with distinct texts (corpora repeat articles)."""
        kept: list[tuple[int, Passage]] = []
        seen: set[str] = set()
        batch = max(limit * 2, 8)
        for start in range(0, len(rows), batch):
            chunk = [int(r) for r in rows[start : start + batch]]
            for row, passage in zip(chunk, self.index.store.get(chunk), strict=True):
                key = " ".join(passage.text.lower().split())
                if key not in seen:
                    seen.add(key)
                    kept.append((row, passage))
                if len(kept) >= limit:
                    return kept
        return kept

    def _hit(
        self, passage: Passage, rank: int, score: float, similarity: float, idf: dict[int, float]
    ) -> Hit:
        return Hit(
            id=passage.id,
            text=passage.text,
            title=passage.title,
            source=passage.source,
            position=passage.position,
            rank=rank,
            score=float(score),
            similarity=float(similarity),
            metadata=passage.metadata,
            sentence=self._best_sentence(passage.text, idf),
        )

    def _best_sentence(self, text: str, idf: dict[int, float]) -> tuple[int, int]:
        """The sentence holding the most question weight (sum of IDF of the question's
        terms it contains); the first sentence when none holds any."""
        spans = sentence_spans(text) or [(0, len(text))]
        if not idf or len(spans) == 1:
            return spans[0]
        vocab = self.index.lexical.bm25.vocab_dict
        analyzer = self.index.lexical.analyzer

        def weight(span: tuple[int, int]) -> float:
            terms = {vocab.get(t) for t in analyzer.terms(text[span[0] : span[1]])}
            return sum(w for term, w in idf.items() if term in terms)

        return max(spans, key=weight)
