"""Conversations over the real seeds index: follow-ups, subject changes, expiry."""

from __future__ import annotations

from retrieval import Conversation, Retriever
from tests.support.questions import ANSWERABLE


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _first(result) -> str:  # type: ignore[no-untyped-def]
    assert result.hits, result
    return str(result.hits[0].text)


def test_a_follow_up_is_searched_with_the_previous_subject(seeds_retriever: Retriever) -> None:
    chat = Conversation(seeds_retriever)
    assert "Pateo" in _first(chat.ask(ANSWERABLE))
    alone = seeds_retriever.search("When did it happen?")
    assert not alone.answered  # alone it names nothing
    follow_up = chat.ask("When did it happen?")
    assert follow_up.context is not None and "Pateo" in follow_up.context
    assert "April 17" in _first(follow_up)
    assert [t.question for t in chat.turns] == [ANSWERABLE, "When did it happen?"]


def test_what_about_asks_the_previous_question_about_the_new_subject(
    seeds_retriever: Retriever,
) -> None:
    chat = Conversation(seeds_retriever)
    chat.ask("What kind of company is Deepmotion?")
    result = chat.ask("What about Pateo?")
    assert result.question == "What kind of company is Pateo?"
    assert "connected car company" in _first(result)


def test_a_new_subject_is_not_dragged_back_to_the_old_one(seeds_retriever: Retriever) -> None:
    chat = Conversation(seeds_retriever)
    chat.ask("Where is Pateo headquartered?")
    result = chat.ask("Which self-driving startup did Xiaomi acquire?")
    assert result.context is None
    assert "Deepmotion" in _first(result)


def test_an_off_topic_question_is_not_answered_for_the_subject_s_sake(
    seeds_retriever: Retriever,
) -> None:
    chat = Conversation(seeds_retriever)
    chat.ask(ANSWERABLE)
    assert not chat.ask("What's the weather like tomorrow?").answered
    assert not chat.ask("How do I bake sourdough bread?").answered


def test_idle_conversations_and_reset_start_afresh(seeds_retriever: Retriever) -> None:
    clock = Clock()
    chat = Conversation(seeds_retriever, idle_seconds=60, clock=clock)
    chat.ask(ANSWERABLE)
    clock.now += 59
    assert chat.ask("When did it happen?").context is not None
    clock.now += 61
    assert chat.turns == []  # idle too long: forgotten
    assert chat.ask("When did it happen?").context is None
    chat.reset()
    assert chat.turns == []


def test_turns_are_bounded(seeds_retriever: Retriever) -> None:
    chat = Conversation(seeds_retriever, max_turns=2)
    for question in (ANSWERABLE, "When did it happen?", "Where is it headquartered?"):
        chat.ask(question)
    assert [t.question for t in chat.turns] == ["When did it happen?", "Where is it headquartered?"]
