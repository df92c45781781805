from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval import QuestionError, Retriever


def test_hits_are_typed_ranked_and_carry_everything(seeds_retriever: Retriever):
    result = seeds_retriever.search("Where is Pateo headquartered?", k=3)
    assert result.answered
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))
    top = result.hits[0]
    assert top.source == "000_732249989cd205d6.txt"
    assert top.title == "Xiaomi Group Invests In A Car Company, Pateo"
    assert "Shanghai" in top.sentence_text
    start, end = top.sentence
    assert 0 <= start < end <= len(top.text)
    assert top.score >= max(h.score for h in result.hits)


@pytest.mark.parametrize(
    ("question", "needle"),
    [("Deepmotion", "Deepmotion"), ("28%", "28%"), ("Dongfeng", "Dongfeng")],
)
def test_names_numbers_and_rare_words_are_found(seeds_retriever, question, needle):
    result = seeds_retriever.search(question, k=3)
    assert result.answered
    assert needle in result.hits[0].text


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Australia?", "How do I bake sourdough bread?", "asdf qwerty"],
)
def test_off_topic_questions_get_no_answer(seeds_retriever, question):
    result = seeds_retriever.search(question)
    assert not result.answered and result.hits == []


def test_metadata_of_the_source_comes_with_the_hit(seeds_retriever):
    hit = seeds_retriever.search("Which startup did Xiaomi acquire for self-driving?").hits[0]
    assert hit.metadata["provider"] in ("Automotive News", "The Indian Express")
    assert hit.metadata["date"] == "2021-08-25"
    assert hit.metadata["url"].startswith("https://")


def test_paging_returns_further_distinct_passages(seeds_retriever):
    question = "What is Xiaomi investing in?"
    first = seeds_retriever.search(question, k=2)
    second = seeds_retriever.search(question, k=2, offset=2)
    assert first.has_more
    assert [h.rank for h in second.hits] == [3, 4][: len(second.hits)]
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}


def test_paging_ends_where_the_subject_does(seeds_retriever: Retriever) -> None:
    question = "Where is Pateo headquartered?"
    shown, offset = [], 0
    while True:
        result = seeds_retriever.search(question, k=3, offset=offset)
        shown.extend(result.hits)
        if not result.has_more:
            break
        offset += 3
    assert 3 < len(shown) < len(seeds_retriever) // 2  # far from every passage
    margin = seeds_retriever.config.relevance_margin
    best = max(h.similarity for h in shown)
    assert all(h.similarity >= best - margin for h in shown[3:])


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_an_error(seeds_retriever, question):
    with pytest.raises(QuestionError, match="empty"):
        seeds_retriever.search(question)


def test_long_question_is_truncated(seeds_retriever):
    result = seeds_retriever.search("Where is Pateo headquartered? " * 1000)
    assert result.truncated
    assert len(result.question) == seeds_retriever.config.max_question_chars


def test_search_many_matches_search(seeds_retriever):
    questions = ["Where is Pateo headquartered?", "What did Lei Jun say about 2019?"]
    batched = seeds_retriever.search_many(questions)
    single = [seeds_retriever.search(q) for q in questions]
    assert [[h.id for h in r.hits] for r in batched] == [[h.id for h in r.hits] for r in single]


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=300).filter(str.strip))
def test_any_text_question_gives_a_well_formed_result(seeds_retriever, question):
    result = seeds_retriever.search(question)
    assert result.answered == bool(result.hits)
    for hit in result.hits:
        assert 0 <= hit.sentence[0] < hit.sentence[1] <= len(hit.text)


def test_duplicate_articles_do_not_fill_the_results_twice(tmp_path, encoder):
    article = "Storm warning\n\nA severe storm will hit the northern coast on Friday night.\n"
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(article)
    (tmp_path / "c.txt").write_text("Harvest\n\nFarmers expect a record wheat harvest.\n")
    retriever = Retriever.from_corpus(tmp_path, tmp_path / ".idx", encoder=encoder)
    texts = [h.text for h in retriever.search("When will the storm hit?", k=3).hits]
    assert texts.count("A severe storm will hit the northern coast on Friday night.") == 1


def test_ranking_exposes_each_stage_and_agrees_with_search(seeds_retriever: Retriever):
    question = "Who invested in Pateo?"
    (ranking,) = seeds_retriever.ranking([question], depth=5)
    n = len(ranking.rows)
    assert n >= 5 and len(set(ranking.rows.tolist())) == n
    scores = (ranking.similarity, ranking.lexical, ranking.fused, ranking.reranked)
    assert all(len(s) == n for s in scores)
    top_row = int(ranking.rows[int(ranking.reranked.argmax())])
    (top,) = seeds_retriever.passages([top_row])
    assert seeds_retriever.search(question, k=1).hits[0].text == top.text


def test_the_no_answer_decision_reads_no_passage(seeds_retriever: Retriever, monkeypatch):
    # The question is analysed once, and the keyword coverage behind the no-answer
    # decision comes from term ids stored at build time: an unanswered question reads
    # nothing from the passage store.
    from retrieval.index import PassageStore

    def no_reads(self, rows):
        raise AssertionError(f"passages read: {rows}")

    monkeypatch.setattr(PassageStore, "get", no_reads)
    result = seeds_retriever.search("How do I bake sourdough bread?")
    assert not result.answered
