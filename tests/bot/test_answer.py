"""The answer composer, over the real index of the seeds."""

from __future__ import annotations

import pytest

from bot.answer import NO_ANSWER, NO_MORE, Answer, AnswerComposer, attribution, validate_question
from retrieval import Hit, QuestionError, SearchResult
from tests.bot.hits import make_hit
from tests.support.questions import ANSWERABLE, UNANSWERABLE


def test_answer_has_k_passages_with_titles_and_emphasis(composer: AnswerComposer) -> None:
    answer = composer.answer(ANSWERABLE)
    assert answer.answered and answer.message is None and answer.hint is None
    assert len(answer.hits) == 3
    assert [h.rank for h in answer.hits] == [1, 2, 3]
    for hit in answer.hits:
        assert hit.title and hit.text and hit.source
        before, sentence, after = hit.parts
        assert before + sentence + after == hit.text
        assert sentence.strip(), "the best sentence is emphasised"
        assert sentence == hit.sentence_text
    assert "Pateo" in answer.hits[0].text


def test_metadata_is_carried_when_known(composer: AnswerComposer) -> None:
    answer = composer.answer("Xiaomi buys Deepmotion self-driving startup")
    dated = [h for h in answer.hits if h.date]
    assert dated, "the Deepmotion article has a date"
    assert all(len(h.date or "") == 10 for h in dated)
    linked = [h for h in answer.hits if h.url]
    assert linked and all(h.url and h.url.startswith("https://") for h in linked)
    assert any(h.provider for h in answer.hits)


def test_unanswerable_question_gets_message_and_hint(composer: AnswerComposer) -> None:
    answer = composer.answer(UNANSWERABLE)
    assert not answer.answered
    assert answer.hits == ()
    assert answer.message == NO_ANSWER
    assert answer.hint and "/sources" in answer.hint
    assert not answer.has_more


def test_paging_continues_ranks_and_ends(composer: AnswerComposer) -> None:
    first = composer.answer(ANSWERABLE)
    assert first.has_more and first.next_offset == 3
    second = composer.answer(ANSWERABLE, first.next_offset)
    assert [h.rank for h in second.hits] == [4, 5, 6]
    assert {h.text for h in second.hits}.isdisjoint({h.text for h in first.hits})
    beyond = composer.answer(ANSWERABLE, 500)
    assert not beyond.answered and beyond.message == NO_MORE and not beyond.has_more


def test_answer_many_matches_answer(composer: AnswerComposer) -> None:
    many = composer.answer_many([ANSWERABLE, UNANSWERABLE])
    one = composer.answer(ANSWERABLE)
    # The same passages and sentences; scores as equal as a batch of two questions
    # encodes them (float32 sums in another order: within 1e-6).
    assert [(h.id, h.sentence) for h in many[0].hits] == [(h.id, h.sentence) for h in one.hits]
    assert [h.score for h in many[0].hits] == pytest.approx([h.score for h in one.hits], abs=1e-6)
    assert not many[1].answered


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_rejected(composer: AnswerComposer, question: str) -> None:
    with pytest.raises(QuestionError):
        composer.answer(question)
    with pytest.raises(QuestionError):
        validate_question(question)


def test_long_question_is_truncated(composer: AnswerComposer) -> None:
    answer = composer.answer("Pateo " * 1000)
    assert answer.truncated


def test_sources_sorted_by_title(composer: AnswerComposer) -> None:
    titles = [s.title for s in composer.sources()]
    assert len(titles) == 3
    assert titles == sorted(titles, key=str.casefold)


def test_from_result_clamps_bad_spans_and_ignores_empty_metadata() -> None:
    hit = Hit(
        id="x",
        text="abc",
        title="T",
        source="s.txt",
        position=0,
        rank=1,
        score=1.0,
        similarity=0.9,
        metadata={"date": "", "provider": None, "url": "https://e.x"},
        sentence=(2, 99),
    )
    answer = Answer.from_result(SearchResult("q", [hit], True, 0.9))
    shown = answer.hits[0]
    assert shown.sentence == (2, 3) and shown.sentence_text == "c"
    assert shown.parts == ("ab", "c", "")
    assert shown.date is None and shown.provider is None and shown.url == "https://e.x"
    assert attribution(shown) == ()


def test_attribution_order() -> None:
    hit = make_hit(1, "text", (0, 4), title="T", source="s", date="2021-01-02", provider="Reuters")
    assert attribution(hit) == ("Reuters", "2021-01-02")


def test_pdf_page_is_shown_with_the_source() -> None:
    hit = Hit(
        "id",
        "Neap tides happen at the quarter moons.",
        "Tides",
        "tides.pdf",
        3,
        1,
        1.0,
        0.6,
        {"page": 2, "date": "2024-03-01"},
        (0, 39),
    )
    shown = Answer.from_result(SearchResult("q", [hit], True, 0.6)).hits[0]
    assert shown.page == 2
    assert attribution(shown) == ("2024-03-01", "page 2")
