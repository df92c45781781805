"""Questions in another language than the collection's: recognised, not answered with
unrelated passages."""

from __future__ import annotations

import pytest

from retrieval import RetrievalConfig, Retriever, language_name
from retrieval.index.lexical import Analyzer

OTHER_LANGUAGES = [
    ("¿Quién invirtió en Pateo?", "es"),
    ("¿Cuánto pagó Xiaomi por Deepmotion?", "es"),
    ("Кто инвестировал в Pateo?", "ru"),
    ("Где находится штаб-квартира Pateo?", "ru"),
    ("谁投资了Pateo？", "zh"),
    ("小米收购了哪家自动驾驶公司？", "zh"),
]
ENGLISH = [
    "Who invested in Pateo?",
    "xiaomi deepmotion acquisition price",  # keywords: a language identifier's blind spot
    "Who invsted in Pateu?",  # misspelt
    "pateo headquarters",
    "How do I bake sourdough bread?",  # off-topic, but English
]


@pytest.mark.parametrize(("question", "language"), OTHER_LANGUAGES)
def test_a_question_in_another_language_gets_its_language_named(
    seeds_retriever: Retriever, question: str, language: str
) -> None:
    result = seeds_retriever.search(question)
    assert result.language == language
    assert not result.answered and not result.hits


@pytest.mark.parametrize("question", ENGLISH)
def test_english_questions_are_searched(seeds_retriever: Retriever, question: str) -> None:
    assert seeds_retriever.search(question).language is None


def test_a_multilingual_model_searches_every_language(seeds_index_dir, encoder) -> None:  # type: ignore[no-untyped-def]
    config = RetrievalConfig(multilingual=True)
    retriever = Retriever.load(seeds_index_dir, config, encoder)
    assert retriever.search("¿Quién invirtió en Pateo?").language is None
    assert RetrievalConfig(model="paraphrase-multilingual-MiniLM-L12-v2").multilingual_model
    assert not RetrievalConfig().multilingual_model


def test_language_names() -> None:
    assert language_name("es") == "Spanish"
    assert language_name("zh") == "Chinese"
    assert language_name("und") is None


@pytest.mark.parametrize(
    ("language", "text", "stem"),
    [
        ("en", "the investments", ["invest"]),
        ("es", "las inversiones", ["inversion"]),
        ("de", "die Investitionen", ["investition"]),
    ],
)
def test_the_lexical_side_follows_the_collection_language(
    language: str, text: str, stem: list[str]
) -> None:
    assert Analyzer(language).terms(text) == stem
