from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrieval.ingest import Block, BlockKind, Document, Section, split_document, split_text
from retrieval.ingest.clean import fix, fix_code
from retrieval.ingest.passage import short_heading
from retrieval.ingest.sections import build_document
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


def _doc(*blocks: Block) -> Document:
    return build_document("guide.md", "Guide", blocks, {}, "h")


def test_a_short_section_is_one_passage_under_its_heading_path() -> None:
    doc = _doc(
        Block("Branches", BlockKind.HEADING, level=1),
        Block("Creating a branch", BlockKind.HEADING, level=2),
        Block("Use git branch NAME."),
        Block("It does not switch to it."),
        Block("Deleting a branch", BlockKind.HEADING, level=2),
        Block("Use git branch -d NAME."),
    )
    first, second = split_document(doc, 800)
    assert first.text == "Use git branch NAME.\nIt does not switch to it."  # no heading in it
    assert first.section == ("Branches", "Creating a branch")
    assert second.section == ("Branches", "Deleting a branch")
    # The model and BM25 see what the passage is about; the text shown does not repeat it.
    assert first.embedding_text(True) == (
        "Guide\nBranches › Creating a branch\nUse git branch NAME.\nIt does not switch to it."
    )
    start, end = first.embedding_spans(True)[1]
    assert first.embedding_text(True)[start:end] == "It does not switch to it."


def test_a_titled_section_that_fits_is_one_passage_untitled_text_keeps_paragraphs() -> None:
    paragraphs = [
        "The harbour opens at six every morning and closes at ten at night, all year round,"
        " except on the two days of the regatta in August.",
        "Boats longer than twelve metres must book a berth a day ahead of their arrival, by"
        " radio on channel nine or at the harbour office.",
        "Fuel is sold at the north quay only, and payment is by card at the pump itself; the"
        " pump closes an hour before the harbour does.",
    ]
    titled = _doc(Block("Opening hours", BlockKind.HEADING, level=2), *map(Block, paragraphs))
    [passage] = split_document(titled, 800)  # before: three passages, one per paragraph
    assert passage.text == "\n".join(paragraphs)
    assert passage.section == ("Opening hours",)
    # Without a heading (news, notes), paragraphs of a normal length stay apart.
    assert [p.text for p in split_document(_doc(*map(Block, paragraphs)), 800)] == paragraphs
    # A titled section over the limit is cut between its blocks.
    assert len(split_document(titled, 200)) > 1


def test_a_titled_section_with_a_list_or_code_stays_whole_up_to_the_section_limit() -> None:
    """``section_chars`` lets a section with a list, code or a table run past the
    passage limit (an API entry with its example); longer ones and prose are cut as
    before."""
    rules = [f"Rule {i} of the harbour says what a skipper must do on arrival." for i in range(5)]
    blocks = [*map(Block, rules[:2]), *(Block(r, BlockKind.LIST) for r in rules[2:4])]
    blocks.append(Block("moor --berth 12 --hours 4", BlockKind.CODE))
    texts = [b.text for b in blocks]
    size = len("\n".join(texts))
    titled = _doc(Block("Arrival", BlockKind.HEADING, level=2), *blocks)
    [whole] = split_document(titled, 200, section_chars=size)
    assert whole.text == "\n".join(texts) and whole.section == ("Arrival",)
    cut = split_document(titled, 200, section_chars=size - 1)
    assert len(cut) > 1 and {p.section for p in cut} == {("Arrival",)}
    prose = _doc(Block("Arrival", BlockKind.HEADING, level=2), *map(Block, rules))
    assert [p.text for p in split_document(prose, 200, section_chars=2000)] == rules
    # A page without headings but with code (a short how-to) is one passage too; prose
    # without headings (news) keeps its paragraphs.
    assert len(split_document(_doc(*blocks), 200, section_chars=size)) == 1
    assert [p.text for p in split_document(_doc(*map(Block, rules)), 200, 2000)] == rules


def test_a_long_section_is_cut_between_blocks_each_part_under_the_heading() -> None:
    paragraphs = [
        f"Paragraph {i} explains one more rule of the harbour at length." for i in range(20)
    ]
    doc = _doc(Block("Rules", BlockKind.HEADING, level=1), *(Block(p) for p in paragraphs))
    passages = split_document(doc, 300)
    assert len(passages) > 3 and all(len(p.text) <= 300 for p in passages)
    assert all(p.section == ("Rules",) for p in passages)
    assert "\n".join(p.text for p in passages) == "\n".join(paragraphs)  # cut between blocks


def test_code_stays_whole_with_its_lines_and_is_marked() -> None:
    code = "def tide(day):\n    # high water\n    return day * 2\n" * 8  # 424 chars
    doc = _doc(
        Block("Example", BlockKind.HEADING, level=1), Block("Call it:"), Block(code, BlockKind.CODE)
    )
    passages = split_document(doc, 300)
    [holder] = [p for p in passages if "def tide" in p.text]
    assert holder.text == code and "\n    return" in holder.text
    assert holder.metadata["code"] == [[0, len(code)]]
    huge = "x = 1\n" * 200  # 1,200 chars: over twice the limit, cut between lines
    pieces = split_document(_doc(Block(huge, BlockKind.CODE)), 300)
    assert all(len(p.text) <= 300 and p.text.endswith("x = 1") for p in pieces)


def test_a_table_keeps_its_header_row_with_each_group_of_rows() -> None:
    rows = ["Port | Mean range"] + [f"Port number {i} | {i}.5 m" for i in range(40)]
    doc = _doc(*(Block(r, BlockKind.TABLE_ROW) for r in rows))
    passages = split_document(doc, 200)
    assert len(passages) > 2
    assert all(p.text.startswith("Port | Mean range\n") for p in passages)
    assert sum(p.text.count("Port number") for p in passages) == 40


def test_blocks_of_two_pages_never_share_a_passage() -> None:
    doc = _doc(
        Block("On page one.", metadata={"page": 1}), Block("On page two.", metadata={"page": 2})
    )
    assert [(p.text, p.metadata["page"]) for p in split_document(doc, 800)] == [
        ("On page one.", 1),
        ("On page two.", 2),
    ]


def test_long_headings_are_shortened_in_the_context_the_model_reads() -> None:
    signature = (
        "class flask.Flask(import_name, static_url_path=None, static_folder='static',"
        " static_host=None, host_matching=False)"
    )
    prose = "A heading that goes on and on about what the section holds, well past sixty letters"
    doc = _doc(
        Block("API", BlockKind.HEADING, level=1),
        Block(signature, BlockKind.HEADING, level=2),
        Block(prose, BlockKind.HEADING, level=3),
        Block("The flask object implements a WSGI application."),
    )
    [passage] = split_document(doc, 800)
    assert passage.section == ("API", signature, prose)  # kept whole in the metadata
    assert passage.context(False) == (
        "API › class flask.Flask(…) › "
        "A heading that goes on and on about what the section holds, …\n"
    )
    assert short_heading("Creating a branch") == "Creating a branch"


def test_a_no_break_space_is_a_space_not_nothing() -> None:
    # Before: dropped as unprintable, "Section\xa023.3" read "Section23.3" on 1,165 of the
    # PostgreSQL manual's 1,166 pages.
    assert fix("See Section\xa023.3 for\u2028details\x00.") == "See Section 23.3 for details."
    assert fix_code("x\xa0=\xa01\n\ty = 2") == "x = 1\n    y = 2"
