"""The chats' conversations: one per key, bounded, reset by /new."""

from __future__ import annotations

from bot.answer import AnswerComposer
from bot.conversations import Conversations
from tests.support.questions import ANSWERABLE


def test_one_conversation_per_key(composer: AnswerComposer) -> None:
    store = Conversations(composer)
    first = store.get((1,))
    assert store.get((1,)) is first and store.get((2,)) is not first
    composer.ask(first, ANSWERABLE)
    answer = composer.ask(store.get((1,)), "When did it happen?")
    assert answer.context is not None and "Pateo" in answer.context
    assert composer.ask(store.get((2,)), "When did it happen?").context is None


def test_reset_and_capacity(composer: AnswerComposer) -> None:
    store = Conversations(composer, capacity=2)
    one = store.get("one")
    composer.ask(one, ANSWERABLE)
    store.reset("one")
    assert store.get("one").turns == []
    store.get("two")
    store.get("three")  # the least recently used ("one") goes
    assert len(store) == 2 and store.get("two") is not None


def test_the_answer_says_what_it_understood(composer: AnswerComposer) -> None:
    conversation = composer.conversation()
    composer.ask(conversation, "What kind of company is Deepmotion?")
    again = composer.ask(conversation, "What about Pateo?")
    assert again.understood == "What kind of company is Pateo?"
    follow_up = composer.ask(conversation, "Where is it headquartered?")
    assert follow_up.understood is not None and "(about: " in follow_up.understood
    corrected = composer.answer("Who invested in Pateu?")
    assert corrected.corrections and corrected.understood is None
    assert corrected.question == "Who invested in Pateo?"


def test_a_question_in_another_language_gets_a_message(composer: AnswerComposer) -> None:
    answer = composer.answer("¿Quién invirtió en Pateo?")
    assert not answer.hits and answer.language == "es"
    assert (
        answer.message is not None and "Spanish" in answer.message and "English" in answer.message
    )


def test_kept_conversations_survive_a_restart(composer: AnswerComposer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "conversations.sqlite"
    first = Conversations(composer, path=path)
    composer.ask(first.get((987654321,)), ANSWERABLE)
    first.save((987654321,))
    first.close()
    assert b"987654321" not in path.read_bytes()  # keyed by a hash, not the user id

    again = Conversations(composer, path=path)  # a new process
    kept = again.get((987654321,))
    assert [t.question for t in kept.turns] == [ANSWERABLE]
    answer = composer.ask(kept, "When did it happen?")
    assert answer.context is not None and "April 17" in answer.hits[0].text
    again.save((987654321,))
    again.reset((987654321,))
    again.close()
    assert Conversations(composer, path=path).get((987654321,)).turns == []  # /new forgot it


def test_the_corrected_words_are_marked(composer: AnswerComposer) -> None:
    answer = composer.answer("Who invsted in Pateu?")
    assert answer.corrected_parts() == [
        ("Who ", False),
        ("invested", True),
        (" in ", False),
        ("Pateo", True),
        ("?", False),
    ]
    assert composer.answer(ANSWERABLE).corrected_parts() == [(ANSWERABLE, False)]
