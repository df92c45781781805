"""Example questions are made from the collection's headings and names."""

from __future__ import annotations

import pytest

from bot.examples import example_questions, heading_question
from retrieval import Retriever


@pytest.mark.parametrize(
    ("heading", "question"),
    [
        ("Why Blueprints?", "Why Blueprints?"),
        ("Creating a Branch", "How does creating a Branch work?"),
        ("Application Context", "What is application Context?"),
        ("API", "What is API?"),
        ("Installation:", "What is installation?"),
        ("1.2 Changes", None),
        ("A very long heading that goes on and on about many things", None),
        ("", None),
    ],
)
def test_headings_become_questions(heading: str, question: str | None) -> None:
    assert heading_question(heading) == question


def test_examples_are_answered_from_distinct_documents(seeds_retriever: Retriever) -> None:
    examples = example_questions(seeds_retriever, 3)
    assert 2 <= len(examples) <= 3
    tops = [seeds_retriever.search(q, k=1).hits[0].source for q in examples]
    assert len(set(tops)) == len(tops)
