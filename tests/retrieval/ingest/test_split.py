from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.ingest import Block, Document, Section, split_document, split_text
from retrieval.ingest.sentences import sentence_spans


def test_short_paragraph_is_one_passage():
    assert split_text("One. Two.", 800) == ["One. Two."]


def test_long_paragraph_splits_at_sentence_boundaries():
    sentences = [f"Sentence number {i} talks about the topic at some length." for i in range(40)]
    chunks = split_text(" ".join(sentences), 300)
    assert len(chunks) > 1
    assert all(len(c) <= 300 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == " ".join(sentences)


@given(st.text(min_size=1, max_size=3000), st.integers(min_value=20, max_value=900))
def test_no_chunk_exceeds_the_limit(text, limit):
    assert all(len(c) <= limit for c in split_text(text, limit))


def test_sentence_spans_respect_abbreviations_and_lines():
    text = "Dr. Smith met Mr. Jones in the U.S. on Monday. They talked.\nA heading"
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Dr. Smith met Mr. Jones in the U.S. on Monday.", "They talked.", "A heading"]


def test_passages_carry_ids_titles_sources_positions_and_metadata():
    doc = Document(
        source="a.txt",
        title="T",
        body=Section(blocks=(Block("First."), Block("Second.", metadata={"provider": "X"}))),
        metadata={"date": "2020-01-01"},
        content_hash="h",
    )
    first, second = split_document(doc, 800)
    assert (first.title, first.source, first.position) == ("T", "a.txt", 0)
    assert second.position == 1
    assert second.metadata == {"date": "2020-01-01", "provider": "X"}
    assert first.id != second.id
    assert split_document(doc, 800)[0].id == first.id  # stable
    assert first.embedding_text(True) == "T\nFirst." and first.embedding_text(False) == "First."


# Hang guards, not speed targets (those are in benchmarks/hostile.py): before the fix a
# megabyte took minutes, because each sentence end searched all the text before it.
@pytest.mark.timeout(30)
def test_a_megabyte_paragraph_splits_in_linear_time() -> None:
    sentence = "Dr. Smith of Acme Inc. told the U.S. panel the plan works. "
    text = sentence * (1_000_000 // len(sentence))
    spans = sentence_spans(text)
    assert len(spans) == text.count("works.")  # the abbreviations end no sentence
    assert {text[a:b] for a, b in spans} == {sentence.strip()}
    chunks = split_text(text, 800)
    assert all(len(c) <= 800 for c in chunks)
    assert " ".join(chunks) == text.strip()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mark", [".", "?!", "…"])
def test_a_megabyte_run_of_end_marks_splits_in_linear_time(mark: str) -> None:
    # Leader dots and "?!?!" runs that are not followed by a sentence start.
    text = "Contents " + mark * (500_000 // len(mark)) + " " * 500_000 + "page four"
    assert [text[a:b] for a, b in sentence_spans(text)] == [text.strip()]
