from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import RetrievalConfig, Retriever
from retrieval.index import Index
from retrieval.search.rerank import SentenceReranker

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
    # One paragraph a passage (175 characters holds the longest, not two, in a titled
    # section too): the tests are about ranking passages, not about packing a section.
    config = RetrievalConfig(**{"max_passage_chars": 175, "max_section_chars": 175, **settings})
    return Retriever.from_corpus(corpus, index_dir, config, encoder=encoder)


def test_the_passage_whose_sentence_answers_beats_one_that_repeats_the_name(
    harbour, tmp_path, encoder
):
    reranked = retriever(harbour, tmp_path / "index", encoder)
    assert "seven in the morning" in reranked.search(QUESTION).hits[0].text
    # The same index without re-ranking ranks the name-stuffed passage first: the
    # check above is what re-ranking adds.
    plain = Retriever.load(tmp_path / "index", reranked.config.replace(rerank_depth=0))
    assert "seven in the morning" not in plain.search(QUESTION).hits[0].text


def test_sentences_are_scored_in_meaning_and_words(harbour, tmp_path, encoder):
    retriever(harbour, tmp_path / "index", encoder)
    index = Index.open(tmp_path / "index")
    rows = np.arange(len(index))
    vector = encoder.encode([QUESTION], progress=False)[0]
    passages = index.store.get(rows.tolist())
    terms = index.lexical.question_terms(QUESTION)
    scored = SentenceReranker(index, index.config).sentences(terms, vector, rows)
    # Meaning: the vectors pooled at index time, recomputed here from the passages.
    texts = [p.embedding_text(True) for p in passages]
    spans = [p.embedding_spans(True) for p in passages]
    _, pooled = encoder.encode_with_spans(texts, spans, progress=False)
    got = np.concatenate([s.meaning for s in scored])
    assert np.allclose(got, pooled.astype(np.float32) @ vector, atol=2e-3)
    # Spans: the passage's own sentences.
    for passage, sentences in zip(passages, scored, strict=True):
        assert [tuple(x) for x in sentences.spans] == passage.sentence_spans()
    # Words: "zorvik" and "ferri" are known; "time" and "depart" are not in the corpus
    # and weigh as the rarest term would.
    lexical = index.lexical
    question = lexical.question_terms(QUESTION)
    vocab = lexical.bm25.vocab_dict
    assert question.ids.tolist() == sorted([vocab["zorvik"], vocab["ferri"]])
    assert question.total > question.weights.sum()
    answer = next(s for p, s in zip(passages, scored, strict=True) if "seven" in p.text)
    share = question.weights.sum() / question.total
    assert answer.words.tolist() == pytest.approx([0.0, 0.0, share, 0.0])
    # The term ids stored at build time give what analysing the passages now gives.
    for passage, sentences in zip(passages, scored, strict=True):
        terms = lexical.analyzer.sentence_terms(passage.text, sentences.spans.tolist())
        known = [np.array(sorted(vocab[x] for x in t if x in vocab), dtype=np.int32) for t in terms]
        now = [question.held(ids, np.zeros(len(ids), dtype=np.int64), 1)[0] for ids in known]
        assert sentences.words.tolist() == pytest.approx(now)
    assert "seven in the morning" in passages[scored.index(answer)].text[slice(*answer.best())]


def test_scores_of_hits_past_the_rerank_depth_stay_below(harbour, tmp_path, encoder):
    result = retriever(harbour, tmp_path / "index", encoder, rerank_depth=2).search(
        "Zorvik ferry boats harbour", k=3
    )
    scores = [h.score for h in result.hits]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    # The third hit was not re-ranked; its emphasised sentence is still scored.
    assert all(h.sentence_text for h in result.hits)


def test_a_passage_gains_for_its_place_and_for_its_page_among_the_candidates(
    harbour, tmp_path, encoder
):
    placed = retriever(harbour, tmp_path / "index", encoder)
    index = Index.open(tmp_path / "index")
    config = placed.config
    reranker = SentenceReranker(index, config)
    places = np.array([[0, 1, 0], [3, 0, 0], [8, 1, 5]])
    prior = reranker.prior(places)
    assert prior.tolist() == pytest.approx(
        [
            config.lead_weight + config.position_weight,
            config.position_weight / 2,
            config.lead_weight + config.position_weight / 3,
        ]
    )
    # The share of the candidates from each one's document: two of three from 0.
    assert reranker.gathered(places).tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3])
    # Searching adds exactly that to each re-ranked candidate's score.
    unplaced = Retriever.load(
        tmp_path / "index",
        config.replace(lead_weight=0.0, position_weight=0.0, document_weight=0.0),
        encoder,
    )
    [with_places], [without] = placed.ranking([QUESTION], 10), unplaced.ranking([QUESTION], 10)
    assert np.array_equal(with_places.rows, without.rows)
    gained = with_places.reranked - without.reranked
    placed_rows = index.places[with_places.rows]
    expected = reranker.prior(placed_rows) + config.document_weight * reranker.gathered(placed_rows)
    assert gained == pytest.approx(expected, abs=1e-6)
    assert len(set(np.round(gained, 6))) > 1  # the harbour's passages differ in place
