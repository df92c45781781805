"""The no-answer threshold calibrated per collection, and questions about names the
collection never mentions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval import Encoder, RetrievalConfig, Retriever
from retrieval.search import Question
from retrieval.search.calibration import (
    CALIBRATION_FILE,
    FALLBACK,
    MIN_PROBES,
    Calibration,
    probe_questions,
)


def test_the_threshold_is_a_quantile_of_unrelated_probes_never_below_the_floor():
    best = [i / 100 for i in range(100)]  # 0.00 … 0.99
    related = [b >= 0.8 for b in best]  # the collection covers these: left out
    calibration = Calibration.of(best, related)
    assert calibration.probes == 80 and calibration.asked == 100
    assert calibration.min_similarity == pytest.approx(0.474, abs=1e-3)  # q60 of 0 … 0.79
    low = Calibration.of([0.05] * 50, [False] * 50)
    assert low.min_similarity == FALLBACK and low.probe_similarity == pytest.approx(0.05)
    few = Calibration.of([0.9] * (MIN_PROBES - 1), [False] * (MIN_PROBES - 1))
    assert few.min_similarity == FALLBACK  # too few to measure anything
    assert calibration.describe().startswith("no-answer threshold 0.474: the upper 40% of 80")
    # Similarity alone answers only from the probes' upper decile plus a margin; on a
    # collection where unrelated questions score low that is below the threshold.
    assert calibration.confident_similarity == pytest.approx(0.711 + 0.1, abs=1e-3)
    assert low.confident_similarity == FALLBACK


def test_in_the_band_a_question_needs_its_words_covered(
    seeds_index_dir: Path, encoder: Encoder
) -> None:
    # Between the threshold and the confident level, a question is answered only if
    # one passage holds enough of its weight in words (near-domain questions on a
    # manual: "How do I set a key with an expiry time in Redis?" over sqlite's pages).
    searcher = Retriever.load(seeds_index_dir, encoder=encoder)._searcher  # its own
    searcher._calibration = Calibration(-1.0, 0.99, 0.0, 100, 187)  # all in the band
    assert searcher.confident_similarity == 0.99
    assert searcher.search("Which technologies work hand-in-hand?").answered  # words covered
    assert not searcher.search("How do people usually spend their weekends?").answered
    searcher._calibration = Calibration(-1.0, -1.0, 0.0, 100, 187)  # no band
    assert searcher.search("How do people usually spend their weekends?").answered


def test_saved_beside_the_index_and_read_back(tmp_path: Path):
    calibration = Calibration(0.31, 0.41, 0.31, 100, 187)
    calibration.save(tmp_path)
    assert Calibration.load(tmp_path) == calibration
    (tmp_path / CALIBRATION_FILE).write_text("{broken")
    assert Calibration.load(tmp_path) is None


def test_the_probes_ship_with_the_package():
    questions = probe_questions()
    assert len(questions) >= 150 and len(set(questions)) == len(questions)
    assert all(q.endswith("?") for q in questions)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, seeds_index_dir, encoder) -> Retriever:
    """A copy of the session's seeds index, searched with the calibrated threshold."""
    index_dir = tmp_path_factory.mktemp("calibrated") / "index"
    shutil.copytree(seeds_index_dir, index_dir)
    return Retriever.load(index_dir, RetrievalConfig(min_similarity=None), encoder=encoder)


def test_a_collection_is_calibrated_once_and_the_figures_saved(calibrated):
    searcher = calibrated._searcher
    calibration = searcher.calibration
    # On three news articles unrelated questions score low: the floor holds.
    assert calibration.min_similarity == FALLBACK
    assert calibration.probe_similarity < FALLBACK and calibration.probes >= 100
    assert Calibration.load(calibrated.info.path) == calibration
    assert searcher.min_similarity == FALLBACK
    explicit = Retriever.load(calibrated.info.path.parent, RetrievalConfig(min_similarity=0.5))
    assert explicit._searcher.min_similarity == 0.5  # a configured threshold wins


@pytest.mark.parametrize(
    "question",
    ["How do I create a branch in Mercurial?", "What did Xiaomi say about PostgreSQL?"],
)
def test_a_question_naming_what_the_collection_never_mentions_is_not_answered(calibrated, question):
    assert not calibrated.search(question).answered


@pytest.mark.parametrize("question", ["Who bought Deepmotion?", "Who bought Deepmotoin?"])
def test_names_the_collection_knows_even_misspelt_are_answered(calibrated, question):
    result = calibrated.search(question)
    assert result.answered and "Deepmotion" in result.hits[0].text


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("How do I create a branch in Mercurial?", ["Mercurial"]),
        ("Who invested in Pateo? <b>x</b> Who else did?", ["Pateo"]),  # no function word
        ("Is Node.js faster than C++ for utf8 work?", ["Node.js", "C++", "utf8"]),
        ("what does PostgreSQL call an AIoT index?", ["PostgreSQL", "AIoT"]),
    ],
)
def test_the_words_written_as_names(question, names):
    assert Question.of(question, 1000).names() == names


@pytest.mark.parametrize(
    ("question", "asking"),
    [
        (
            "I read about startups in China: who invested in Pateo? I forget.",
            "who invested in Pateo?",
        ),
        ("Is Node.js faster? And app.run()?", "Is Node.js faster? And app.run()?"),
        ("Tell me about Pateo", "Tell me about Pateo"),  # nothing asks: all of it
    ],
)
def test_the_part_that_asks(question, asking):
    assert Question.of(question, 1000).asking().text == asking


def test_a_name_mentioned_in_passing_does_not_refuse_the_question(calibrated):
    long = "I keep reading about carmakers in Sweden: who invested in Pateo? Just curious."
    assert calibrated.search(long).answered
    assert not calibrated.search("Who invested in Volvo? I keep reading about Pateo.").answered
