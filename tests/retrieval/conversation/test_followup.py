"""Follow-up resolution as text rules: which questions continue, what is carried."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from retrieval.conversation.followup import Query, reask, resolve, subject

# A collection's weights (IDF): rare names weigh most, common words least.
_WEIGHTS = {
    "pateo": 3.0,
    "xiaomi": 1.5,
    "deepmotion": 3.0,
    "invested": 1.0,
    "invest": 1.0,
    "founded": 1.2,
    "headquartered": 2.0,
    "amount": 1.1,
    "vacation": 2.5,
    "days": 0.8,
    "carry": 1.4,
    "get": 0.2,
    "2019": 2.0,
}


def weight(words: Sequence[str]) -> list[float]:
    return [_WEIGHTS.get(w.lower(), 0.0) for w in words]


def test_subject_is_names_first_then_the_rarest_words_in_question_order() -> None:
    assert subject("Who invested in Pateo?", weight) == ["invested", "Pateo"]
    assert subject("How many vacation days do I get?", weight) == ["vacation", "days", "get"]
    assert subject("What is the weather?", weight) == []  # nothing the collection knows


def test_the_first_question_and_a_question_without_subject_stand_alone() -> None:
    assert resolve("Who invested in Pateo?", None, (), weight) == Query("Who invested in Pateo?")
    assert resolve("When?", "What is it?", (), weight) == Query("When?")


def test_a_pronoun_carries_the_previous_subject() -> None:
    query = resolve(
        "Can I carry them over?", "How many vacation days do I get?", ["vacation", "days"], weight
    )
    assert query == Query("Can I carry them over?", "vacation days", follow_up=True)


@pytest.mark.parametrize("question", ["When was it founded?", "Where is that?", "And when?"])
def test_referring_questions_continue(question: str) -> None:
    query = resolve(question, "Who invested in Pateo?", ["invested", "Pateo"], weight)
    assert query.context is not None and "Pateo" in query.context and query.follow_up


def test_what_about_a_new_name_asks_the_previous_question_about_it() -> None:
    query = resolve(
        "What about Deepmotion?", "Who invested in Pateo?", ["invested", "Pateo"], weight
    )
    assert query == Query("Who invested in Deepmotion?")
    # The rarest name is the one replaced; without names the subject's words are kept.
    assert reask("Did Pateo get money from Xiaomi?", ["Pateo", "Xiaomi"], "Deepmotion", weight) == (
        "Did Deepmotion get money from Xiaomi?"
    )
    assert reask("How do I send JSON?", ["send", "test"], "form data", weight) == (
        "form data send test"
    )


def test_what_about_a_detail_keeps_the_subject() -> None:
    query = resolve("And the amount?", "Who invested in Pateo?", ["invested", "Pateo"], weight)
    assert query.text == "And the amount?" and query.context == "invested Pateo"


def test_a_question_naming_its_own_subject_changes_it() -> None:
    query = resolve(
        "When was Xiaomi founded?", "Who invested in Pateo?", ["invested", "Pateo"], weight
    )
    assert query == Query("When was Xiaomi founded?")


def test_an_unrelated_question_is_ranked_with_the_subject_but_judged_alone() -> None:
    query = resolve(
        "What's the weather tomorrow?", "Who invested in Pateo?", ["invested", "Pateo"], weight
    )
    assert query.context == "invested Pateo" and not query.follow_up
    on_topic = resolve(
        "What was the amount?", "Who invested in Pateo?", ["invested", "Pateo"], weight
    )
    assert on_topic.context == "invested Pateo" and on_topic.follow_up
