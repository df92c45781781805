"""Misspelt question words corrected against the collection's words."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval import Retriever
from retrieval.index.lexical import LexicalIndex
from retrieval.search.language import english_dictionary
from retrieval.search.spelling import Correction, SpellingCorrector, apply

TEXTS = [
    "Xiaomi invested in Pateo, a connected car company.",
    "Xiaomi acquired Deepmotion, which develops driver assistance software.",
    "The investment amount has not been disclosed. Pateo investments grew.",
    "Configure the server with Cargo.toml and the venv tool.",
]


@pytest.fixture(scope="module")
def corrector() -> SpellingCorrector:
    return SpellingCorrector(LexicalIndex.build(TEXTS), english_dictionary())


@pytest.mark.parametrize(
    ("question", "corrected"),
    [
        ("Who invested in Pateu?", "Who invested in Pateo?"),
        ("What does Deepmtion develop?", "What does Deepmotion develop?"),  # transposition
        ("how much did xiaomo invest", "how much did xiaomi invest"),
        ("What was the investmnet amount?", "What was the investment amount?"),
        ("XIAOMO NEWS", "XIAOMI NEWS"),  # the asked word's case is kept
    ],
)
def test_misspelt_words_become_the_collection_s(
    corrector: SpellingCorrector, question: str, corrected: str
) -> None:
    assert apply(question, corrector.corrections(question)) == corrected


@pytest.mark.parametrize(
    "question",
    [
        "Do they grow tomatoes?",  # an English word the collection lacks stays
        "Who invested in Pateo?",  # nothing misspelt
        "How do I set up venv?",  # too short to correct
        "What is in Cargo.tomlx?",  # part of a name joined by a dot
        "Does Pateo use Kubernetes?",  # far from every collection word
    ],
)
def test_words_that_are_not_misspelt_stay(corrector: SpellingCorrector, question: str) -> None:
    assert corrector.corrections(question) == []


def test_the_most_frequent_of_equally_close_words_wins() -> None:
    lexical = LexicalIndex.build(["carts carts carts", "parts"])
    assert SpellingCorrector(lexical, frozenset()).corrections("xarts") == [
        Correction("xarts", "carts")
    ]


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=60))
def test_correcting_any_text_never_fails(text: str) -> None:
    lexical = LexicalIndex.build(TEXTS)
    corrector = SpellingCorrector(lexical, frozenset({"the"}))
    corrections = corrector.corrections(text)
    assert all(c.word in text for c in corrections)
    apply(text, corrections)


def test_search_says_what_it_corrected(seeds_retriever: Retriever) -> None:
    result = seeds_retriever.search("Who invsted in Pateu?")
    assert result.question == "Who invested in Pateo?"
    assert [(c.word, c.replacement) for c in result.corrections] == [
        ("invsted", "invested"),
        ("Pateu", "Pateo"),
    ]
    assert result.answered and "Xiaomi" in result.hits[0].text
    assert seeds_retriever.search("Who invested in Pateo?").corrections == ()


def test_a_name_the_collection_lacks_is_not_corrected_into_an_answer(
    seeds_retriever: Retriever,
) -> None:
    # "Tesla" is one edit from nothing in seeds; a near name must not be answered either.
    assert not seeds_retriever.search("Who founded Teslo Motors?").answered
