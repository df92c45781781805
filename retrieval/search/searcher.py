"""Answering questions from an opened index: dense + BM25 candidates, fusion,
the no-answer decision, duplicate removal and the answering sentence."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from ..encoder import Encoder
from ..errors import QuestionError
from ..index import Index, QuestionTerms
from ..ingest import Passage
from ..ingest.clean import fold
from .calibration import BAND_COVERAGE, COVERED, Calibration, probe_questions
from .fusion import fuse
from .hits import Hit, SearchResult
from .language import LanguageCheck, english_dictionary
from .question import Question, SearchContext
from .rerank import SentenceReranker, Sentences
from .spelling import Correction, SpellingCorrector, apply

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranking:
    """A question's candidate passages and their score at each stage.

    Attributes:
        rows: the candidates' rows in the index.
        similarity: cosine similarity to the question.
        lexical: BM25 score.
        fused: the first-stage fusion of both.
        reranked: the final score (fused, re-ranked by best sentence).
    """

    rows: np.ndarray
    similarity: np.ndarray
    lexical: np.ndarray
    fused: np.ndarray
    reranked: np.ndarray


@dataclass(frozen=True)
class _Prepared:
    """A question ready to encode: ``text`` is what is searched (corrected), ``asked``
    the question as asked (normalised)."""

    text: str
    asked: str
    truncated: bool
    corrections: tuple[Correction, ...]
    context: SearchContext | None
    language: str | None = None


def _unit(vector: np.ndarray) -> np.ndarray:
    return np.asarray(vector / np.linalg.norm(vector), dtype=np.float32)


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
        self.reranker = SentenceReranker(index, index.config)
        self._calibration: Calibration | None = None
        self._spelling: SpellingCorrector | None = None
        self._language: LanguageCheck | None = None

    @property
    def spelling(self) -> SpellingCorrector:
        """Corrects misspelt question words against the collection's words (made on
        first use: it reads the collection's words and the language's dictionary)."""
        if self._spelling is None:
            english = self.config.language == "en"
            dictionary: Collection[str] = english_dictionary() if english else frozenset()
            self._spelling = SpellingCorrector(self.index.lexical, dictionary)
        return self._spelling

    @property
    def language(self) -> LanguageCheck:
        """Recognises questions in another language than the collection's."""
        if self._language is None:
            spelling = self.spelling
            dictionary = spelling.dictionary or spelling.lexical.words
            self._language = LanguageCheck(
                self.config.language, dictionary.__contains__, spelling.in_collection
            )
        return self._language

    @property
    def calibration(self) -> Calibration:
        """The collection's no-answer threshold: saved beside the index generation, or
        measured now with the probe questions (and saved, if the folder is writable)."""
        if self._calibration is None:
            found = Calibration.load(self.index.path)
            if found is None:
                found = self._calibrate()
                try:
                    found.save(self.index.path)
                except OSError as exc:  # a read-only index: measured again next time
                    logger.info("calibration not saved: %s", exc)
            self._calibration = found
        return self._calibration

    @property
    def min_similarity(self) -> float:
        """The threshold in force: the configured one, else the calibrated one."""
        if self.config.min_similarity is not None:
            return self.config.min_similarity
        return self.calibration.min_similarity

    def _calibrate(self) -> Calibration:
        questions = probe_questions()
        vectors = self.encoder.encode(questions, progress=False)
        best, related = [], []
        for text, vector in zip(questions, vectors, strict=True):
            question = Question.of(text, self.config.max_question_chars)
            terms = self.index.lexical.question_terms(question.text)
            rows, similarity, lexical, _ = self._candidates(terms, vector, 1)
            best.append(float(similarity.max()) if len(similarity) else -1.0)
            covered = self._lexical_coverage(terms, rows, lexical) >= COVERED
            related.append(covered or bool(self._unknown_names(question)))
        calibration = Calibration.of(best, related)
        logger.info("%s", calibration.describe())
        return calibration

    def _off_topic(self, question: Question) -> bool:
        """Whether the question asks about something the collection never mentions
        (names it in the part that asks: a long question mentions things in passing,
        "I read about startups in China: who invested in Pateo?")."""
        return bool(self._unknown_names(question.asking()))

    def _unknown_names(self, question: Question) -> list[str]:
        """The names in the question that the collection never mentions (nor any word
        spelt like them): it is about something else."""
        lexical, spelling = self.index.lexical, self.spelling
        # The spelling check first: it looks in a part of the vocabulary, and remembers.
        return [
            w for w in question.names() if not spelling.in_collection(w) and not lexical.knows(w)
        ]

    def search(
        self, question: str, k: int = 3, offset: int = 0, context: SearchContext | None = None
    ) -> SearchResult:
        """Answers one question; see :meth:`search_many`."""
        return self.search_many([question], k, offset, [context])[0]

    def search_many(
        self,
        questions: list[str],
        k: int = 3,
        offset: int = 0,
        contexts: Sequence[SearchContext | None] | None = None,
    ) -> list[SearchResult]:
        """Answers several questions with one call to the model.

        Args:
            questions: the questions.
            k: hits per result.
            offset: skip this many best hits (paging).
            contexts: for each question, what a conversation carried over into it, or
                None (see :class:`SearchContext`).

        Raises:
            QuestionError: a question is empty, or ``k``/``offset`` is out of range.
        """
        if k < 1 or offset < 0:
            raise QuestionError(f"k must be at least 1 and offset at least 0 (got {k}, {offset})")
        contexts = list(contexts) if contexts is not None else [None] * len(questions)
        prepared = [self._prepare(q, c) for q, c in zip(questions, contexts, strict=True)]
        todo = [p for p in prepared if p.language is None]
        # A context without a vector is encoded with the questions, in the same batch.
        unencoded = [p for p in todo if p.context is not None and p.context.vector is None]
        texts = [p.text for p in todo] + [p.context.words for p in unencoded if p.context]
        vectors = iter(self.encoder.encode(texts, progress=False)) if texts else iter(())
        own = {id(p): next(vectors) for p in todo}
        carried = {id(p): next(vectors) for p in unencoded}
        for p in todo:
            if p.context is not None and p.context.vector is not None:
                carried[id(p)] = np.asarray(p.context.vector, dtype=np.float32)
        return [
            self._one(p, own[id(p)], carried.get(id(p)), k, offset)
            if p.language is None
            else SearchResult(
                p.text, [], False, -1.0, offset, truncated=p.truncated, language=p.language
            )
            for p in prepared
        ]

    def _prepare(self, asked: str, context: SearchContext | None) -> _Prepared:
        """The question as it will be searched: normalised, with its misspelt words
        corrected; or recognised as in another language."""
        question = Question.of(asked, self.config.max_question_chars)
        text, truncated = question.text, question.truncated
        if not self.config.multilingual_model:
            foreign = self.language.foreign(text)
            if foreign is not None:
                return _Prepared(text, text, truncated, (), context, foreign)
        corrections = self.spelling.corrections(text) if self.config.correct_spelling else []
        corrected = apply(text, corrections) if corrections else text
        return _Prepared(corrected, text, truncated, tuple(corrections), context)

    def _one(
        self,
        asked: _Prepared,
        own: np.ndarray,
        carried: np.ndarray | None,
        k: int,
        offset: int,
    ) -> SearchResult:
        question = Question(asked.text, asked.truncated)
        corrections = asked.corrections
        context = asked.context.words if asked.context is not None else None
        # The question's vector leans towards its context, if it has one.
        vector = own if carried is None else _unit(own + self.config.context_weight * carried)
        terms = self.index.lexical.question_terms(  # the one analysis
            question.text, context, self.config.context_weight
        )
        rows, similarity, lexical, context_lexical = self._candidates(terms, vector, offset + k)
        best, answerable = self._judge(
            asked, own, carried, rows, similarity, terms, lexical, context_lexical
        )
        text, truncated = question.text, question.truncated
        if not answerable:
            return SearchResult(
                text,
                [],
                False,
                best,
                offset,
                False,
                truncated,
                corrections,
                context=context,
                vector=vector,
            )
        fused = fuse(similarity, lexical, self.config)
        order = np.argsort(-fused, kind="stable")
        order = order[self._relevant(similarity[order], lexical[order])]
        if context is not None:
            # The carried words found the candidates; which sentence answers is a matter
            # of the question's own words (the subject is in every candidate): seeds
            # dialogues' follow-ups 18 -> 20 of 23 first, Flask's unchanged.
            terms = terms.at_context_weight(0.0)
        order, fused, sentences = self._rerank(
            terms, vector, rows, order, similarity, lexical, fused
        )
        # The first page shows the best k; later ones only passages still on the subject.
        on_subject = self._on_subject(similarity[order], lexical[order])
        on_subject[:k] = True
        ranked = self._distinct(rows[order][on_subject], offset + k + 1)
        page = ranked[offset : offset + k]
        missing = [(r, p) for r, p in page if r not in sentences]
        if missing:  # a page past the re-ranked passages
            found = self.reranker.sentences(terms, vector, np.array([r for r, _ in missing]))
            sentences.update(zip([r for r, _ in missing], found, strict=True))
        position = {int(r): i for i, r in enumerate(rows)}
        hits = [
            Hit.of(
                p,
                rank=offset + n + 1,
                score=float(fused[position[r]]),
                similarity=float(similarity[position[r]]),
                sentence=sentences[r].best(),
            )
            for n, (r, p) in enumerate(page)
        ]
        more = len(ranked) > offset + k
        return SearchResult(
            text,
            hits,
            True,
            best,
            offset,
            more,
            truncated,
            corrections,
            context=context,
            vector=vector,
        )

    def _judge(
        self,
        asked: _Prepared,
        own: np.ndarray,
        carried: np.ndarray | None,
        rows: np.ndarray,
        similarity: np.ndarray,
        terms: QuestionTerms,
        lexical: np.ndarray,
        context_lexical: np.ndarray | None,
    ) -> tuple[float, bool]:
        """Whether anything answers the question (and the best similarity that says
        so). A question with a context is judged with the context at full weight when
        it depends on it, else alone (see :meth:`search_many`): the candidates' scores
        are weighed again, nothing is searched or analysed again."""
        # Names are checked as asked: a name the collection lacks must not pass as the
        # collection's word it was "corrected" to (knows() forgives misspellings).
        as_asked = Question(asked.asked)
        if carried is not None and asked.context is not None:
            weight = 1.0 if asked.context.follow_up else 0.0
            judged = _unit(own + carried) if weight else own
            similarity = np.asarray(self.index.vectors[rows], dtype=np.float32) @ judged
            if context_lexical is not None:  # from the context's weight to the judged one
                lexical = lexical + (weight - terms.context_weight) * context_lexical
            terms = terms.at_context_weight(weight)
        best = float(similarity.max()) if len(similarity) else -1.0
        if self._off_topic(as_asked):
            return best, False
        return best, self._answerable(best, terms, rows, lexical)

    def _candidates(
        self, terms: QuestionTerms, vector: np.ndarray, needed: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """Union of the top dense and top BM25 passages, with both scores for each, and
        the BM25 score of the context's terms alone (None without a context), which
        the fused BM25 score holds at the context's weight."""
        depth = max(self.config.candidates, needed * 2)
        dense_scores, dense_rows = self.index.dense.search(vector[None, :], depth)
        found = dense_rows[0] >= 0
        dense_rows, dense_scores = dense_rows[0][found], dense_scores[0][found]
        bm25 = self.index.lexical.scores(terms.tokens)
        carried = None
        if terms.context_tokens:
            carried = self.index.lexical.scores(list(terms.context_tokens))
            bm25 = bm25 + terms.context_weight * carried
        top = min(depth, len(bm25))
        lexical_rows = np.argpartition(-bm25, top - 1)[:top] if top < len(bm25) else np.arange(top)
        lexical_rows = lexical_rows[bm25[lexical_rows] > 0]
        rows = np.unique(np.concatenate([dense_rows, lexical_rows]))
        similarity = self._similarity(vector, rows, dense_rows, dense_scores)
        lexical = np.asarray(bm25[rows], dtype=np.float32)
        if carried is None:
            return rows, similarity, lexical, None
        return rows, similarity, lexical, np.asarray(carried[rows], dtype=np.float32)

    def ranking(self, question: str, vector: np.ndarray, depth: int) -> Ranking:
        """Every candidate ``search()`` would weigh for ``question``, with each stage's
        scores, before the no-answer decision and the relevance cut (for evaluation).

        Args:
            question: the question as asked.
            vector: its encoding.
            depth: how many candidates each of dense and BM25 search at least returns.
        """
        terms = self.index.lexical.question_terms(
            Question.of(question, self.config.max_question_chars).text
        )
        rows, similarity, lexical, _ = self._candidates(terms, vector, depth)
        fused = fuse(similarity, lexical, self.config)
        order = np.argsort(-fused, kind="stable")
        _, reranked, _ = self._rerank(terms, vector, rows, order, similarity, lexical, fused)
        return Ranking(rows, similarity, lexical, fused, reranked)

    def _similarity(
        self, vector: np.ndarray, rows: np.ndarray, dense_rows: np.ndarray, scores: np.ndarray
    ) -> np.ndarray:
        """Exact cosines of ``rows``: the dense search's own scores where they are exact,
        and the stored vectors only for the rest (those only BM25 found), so a question
        reads few vectors from disk."""
        similarity = np.empty(len(rows), dtype=np.float32)
        known = np.zeros(len(rows), dtype=bool)
        if self.index.dense.exact_scores and len(dense_rows):
            where = np.searchsorted(rows, dense_rows)
            similarity[where], known[where] = scores, True
        rest = rows[~known]
        similarity[~known] = np.asarray(self.index.vectors[rest], dtype=np.float32) @ vector
        return similarity

    def _rerank(
        self,
        terms: QuestionTerms,
        vector: np.ndarray,
        rows: np.ndarray,
        order: np.ndarray,
        similarity: np.ndarray,
        lexical: np.ndarray,
        fused: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, dict[int, Sentences]]:
        """Re-orders the first ``rerank_depth`` of ``order`` by their best sentences (see
        :mod:`.rerank`); the rest keep their order, with scores shifted below. Also
        returns the scored sentences of the re-ranked passages, by row."""
        top, rest = order[: self.config.rerank_depth], order[self.config.rerank_depth :]
        if len(top) < 2:
            return order, fused, {}
        sentences = self.reranker.sentences(terms, vector, rows[top])
        scores = fused.copy()
        places = self.index.places[rows[top]]
        scores[top] = self.reranker.scores(similarity[top], sentences, lexical[top], places)
        if len(rest):
            scores[rest] += scores[top].min() - fused[rest].max() - 1e-6
        reordered = np.concatenate([top[np.argsort(-scores[top], kind="stable")], rest])
        return reordered, scores, dict(zip(rows[top].tolist(), sentences, strict=True))

    def _relevant(self, similarity: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Which candidates are worth showing once the question is deemed answerable:
        close enough in meaning, or a strong keyword match; never fewer than one."""
        keep = similarity >= self.min_similarity
        if lexical.max(initial=0.0) > 0:
            keep |= lexical >= 0.5 * lexical.max()
        keep[0] = True
        return keep

    def _on_subject(self, similarity: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Which of the shown candidates a later page ("More results") may show: close
        in meaning to the question (within ``relevance_margin`` of the closest one, and
        above the no-answer threshold), or a strong keyword match that is not far off;
        so that paging ends where the subject does, not at the collection's end."""
        if not len(similarity):
            return np.zeros(0, dtype=bool)
        floor = self.min_similarity
        keep = similarity >= max(floor, float(similarity.max()) - self.config.relevance_margin)
        if lexical.max(initial=0.0) > 0:
            keep |= (lexical >= 0.5 * lexical.max()) & (similarity >= floor)
        return keep

    @property
    def confident_similarity(self) -> float:
        """From here up a question is answered on similarity alone: the calibrated
        figure, or the configured threshold itself when one is set."""
        if self.config.min_similarity is not None:
            return self.config.min_similarity
        return self.calibration.confident_similarity

    def _answerable(
        self, best: float, terms: QuestionTerms, rows: np.ndarray, lexical: np.ndarray
    ) -> bool:
        if best >= self.confident_similarity:
            return True
        coverage = self._lexical_coverage(terms, rows, lexical)
        if best >= self.min_similarity:  # the band where near-domain questions land
            return coverage >= BAND_COVERAGE
        return coverage >= self.config.lexical_rescue

    def _lexical_coverage(
        self, terms: QuestionTerms, rows: np.ndarray, lexical: np.ndarray
    ) -> float:
        """Share of the question's IDF weight found in its best BM25 passage.

        A question naming rare corpus terms ("Dongfeng", "Deepmotion") is on topic even
        when the embedding is unsure; an off-topic question shares few rare terms with
        any passage. Terms the corpus lacks weigh as much as the rarest.
        """
        if not len(lexical) or lexical.max() <= 0:
            return 0.0
        held = self.index.passage_term_ids(int(rows[int(np.argmax(lexical))]))
        return float(terms.held(held, np.zeros(len(held), dtype=np.int64), 1)[0])

    def _distinct(self, rows: np.ndarray, limit: int) -> list[tuple[int, Passage]]:
        """The first ``limit`` passages with distinct texts (corpora repeat articles)."""
        kept: list[tuple[int, Passage]] = []
        seen: set[str] = set()
        batch = max(limit * 2, 8)
        for start in range(0, len(rows), batch):
            chunk = [int(r) for r in rows[start : start + batch]]
            for row, passage in zip(chunk, self.index.store.get(chunk), strict=True):
                key = fold(passage.text)
                if key not in seen:
                    seen.add(key)
                    kept.append((row, passage))
                if len(kept) >= limit:
                    return kept
        return kept
