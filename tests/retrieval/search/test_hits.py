"""What answers show of a hit: the answering sentence, code, and the excerpt of a long
passage."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retrieval import Hit

SENTENCES = [f"Rule {n} of the harbour tells skippers one more thing to do." for n in range(12)]
TEXT = " ".join(SENTENCES)


def _hit(text: str, sentence: tuple[int, int], **metadata: object) -> Hit:
    return Hit(
        id="x", text=text, title="Harbour", source="h.md", position=0, rank=1,
        score=1.0, similarity=0.5, metadata=dict(metadata), sentence=sentence,
    )  # fmt: skip


def _span(n: int) -> tuple[int, int]:
    start = TEXT.index(SENTENCES[n])
    return start, start + len(SENTENCES[n])


def test_a_short_passage_is_shown_whole() -> None:
    hit = _hit(TEXT, _span(3))
    assert "".join(piece for piece, _ in hit.styled(len(TEXT))) == TEXT
    assert "".join(piece for piece, _ in hit.styled()) == TEXT


def test_a_long_passage_shows_whole_sentences_around_the_answering_one() -> None:
    hit = _hit(TEXT, _span(6))
    pieces = hit.styled(200)
    shown = "".join(piece for piece, _ in pieces)
    assert shown.startswith("… ") and shown.endswith(" …")
    body = shown[2:-2]
    assert len(body) <= 200 and body in TEXT
    assert [p for p, styles in pieces if "sentence" in styles] == [SENTENCES[6]]
    assert body.startswith("Rule ") and body.endswith(".")  # whole sentences only
    assert SENTENCES[5] in body and SENTENCES[7] in body  # both sides


def test_the_excerpt_of_the_first_sentence_has_no_leading_ellipsis() -> None:
    shown = "".join(piece for piece, _ in _hit(TEXT, _span(0)).styled(200))
    assert shown.startswith(SENTENCES[0]) and shown.endswith(" …")


def test_code_keeps_its_style_inside_the_excerpt() -> None:
    start, end = _span(8)
    hit = _hit(TEXT, _span(8), code=[[start, end]])
    assert [s for p, s in hit.styled(150) if p == SENTENCES[8]] == [frozenset({"sentence", "code"})]


@given(st.integers(min_value=0, max_value=len(SENTENCES) - 1), st.integers(1, 400))
def test_the_answering_sentence_is_always_shown_whole(n: int, limit: int) -> None:
    shown = "".join(piece for piece, _ in _hit(TEXT, _span(n)).styled(limit))
    assert SENTENCES[n] in shown
