from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import RetrievalConfig, Retriever
from retrieval.rerank import SentenceReranker

# One passage repeats the name the question asks about; its neighbour answers the
# question in one sentence among unrelated ones. Passage-level BM25 prefers the first.
HARBOUR = """# Harbour life in Tormund

Zorvik ferries are part of Tormund. The Zorvik ferry company runs Zorvik boats, Zorvik \
buses and the Zorvik ferry museum. Everyone in Tormund knows Zorvik.

The weather was mild this spring. Tourists came from abroad to see the old town. The \
Zorvik ferry to the island leaves at seven in the morning. Shops opened late on Sundays.

Fishing boats return to the harbour in the evening, and the market sells their catch.
"""
QUESTION = "What time does the Zorvik ferry depart?"


@pytest.fixture(scope="module")
def harbour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("harbour")
    (folder / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    return folder


def retriever(corpus: Path, index_dir: Path, encoder, **settings) -> Retriever:
    return Retriever.from_corpus(corpus, index_dir, RetrievalConfig(**settings), encoder=encoder)


def test_the_passage_whose_sentence_answers_beats_one_that_repeats_the_name(
    harbour, tmp_path, encoder
):
    reranked = retriever(harbour, tmp_path / "index", encoder)
    assert "seven in the morning" in reranked.search(QUESTION).hits[0].text
    # The same index without re-ranking ranks the name-stuffed passage first: the
    # check above is what re-ranking adds.
    plain = Retriever.load(tmp_path / "index", reranked.config.replace(rerank_depth=0))
    assert "seven in the morning" not in plain.search(QUESTION).hits[0].text


def test_similarity_is_the_better_of_passage_and_best_sentence(harbour, tmp_path, encoder):
    index = retriever(harbour, tmp_path / "index", encoder).index
    rows = np.arange(len(index))
    vector = encoder.encode([QUESTION], progress=False)[0]
    passages = index.store.get(rows.tolist())
    texts = [p.embedding_text(True) for p in passages]
    spans = [p.embedding_spans(True) for p in passages]
    whole, sentences = encoder.encode_with_spans(texts, spans, progress=False)
    starts = np.cumsum([0] + [len(s) for s in spans[:-1]])
    expected = np.maximum(
        whole @ vector, np.maximum.reduceat(sentences.astype(np.float32) @ vector, starts)
    )
    got = SentenceReranker(index, index.config).similarity(rows, vector)
    assert np.allclose(got, expected, atol=2e-3)
    assert (got >= whole @ vector - 1e-3).all()


def test_coverage_is_the_best_sentence_share_of_the_question_weight(harbour, tmp_path, encoder):
    index = retriever(harbour, tmp_path / "index", encoder).index
    reranker = SentenceReranker(index, index.config)
    weights, total = index.lexical.question_weights(QUESTION)
    # "time" and "depart" are not in the corpus: they weigh as the rarest term would.
    assert set(weights) == {"zorvik", "ferri"} and total > sum(weights.values())
    texts = ["Nothing relevant here.", "The Zorvik ferry departs.", "The ferry. Zorvik it is."]
    none, together, apart = reranker.coverage(QUESTION, texts)
    assert none == 0.0
    assert together == pytest.approx(sum(weights.values()) / total)
    assert apart == pytest.approx(max(weights.values()) / total)


def test_scores_of_hits_past_the_rerank_depth_stay_below(harbour, tmp_path, encoder):
    result = retriever(harbour, tmp_path / "index", encoder, rerank_depth=2).search(
        "Zorvik ferry boats harbour", k=3
    )
    scores = [h.score for h in result.hits]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
