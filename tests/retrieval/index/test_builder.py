from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from retrieval import IndexStateError, RetrievalConfig, Retriever
from retrieval.index import FORMAT_VERSION, Index


def build(corpus: Path, index_dir: Path, encoder, **settings) -> Retriever:
    return Retriever.from_corpus(corpus, index_dir, RetrievalConfig(**settings), encoder=encoder)


def manifest(index_dir: Path) -> dict:
    generation = (index_dir / "CURRENT").read_text().strip()
    return json.loads((index_dir / generation / "manifest.json").read_text())


def test_index_persists_everything_the_issue_lists(corpus, tmp_path, encoder):
    index_dir = tmp_path / "index"
    retriever = build(corpus, index_dir, encoder)
    data = manifest(index_dir)
    assert data["format_version"] == FORMAT_VERSION
    assert data["model"] == "all-MiniLM-L6-v2" and data["dimension"] == 384
    assert set(data["sources"]) == {p.name for p in corpus.iterdir()}
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    names = {p.name for p in generation.iterdir()}
    assert {"dense.faiss", "passages.sqlite", "vectors.npy", "bm25", "config.json"} <= names
    assert {"sentences.npy", "sentence_offsets.npy"} <= names
    assert retriever.embedded == len(retriever) == data["passages"]


def test_unchanged_corpus_embeds_nothing_and_one_changed_file_only_its_passages(
    corpus, tmp_path, encoder
):
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, encoder)
    first_index = Index.open(index_dir)  # still readable once replaced
    assert build(corpus, index_dir, encoder).embedded == 0

    target = corpus / "001_5e8f83e102c9a296.txt"
    # A section of its own, so a passage of its own (a paragraph would join the last).
    target.write_text(
        target.read_text() + "\n## Research\n\nXiaomi also opened a research lab in Oslo.\n"
    )
    changed = build(corpus, index_dir, encoder)
    expected = next(s.passages for s in changed.sources() if s.source == target.name)
    assert changed.embedded == expected
    assert len(changed) == len(first) + 1
    assert changed.search("Where did Xiaomi open a research lab?").hits[0].source == target.name
    # Reused passages keep their sentence vectors, row for row.
    kept = next(s for s in first.sources() if s.source == "000_732249989cd205d6.txt")
    before, after = (
        np.asarray(index.sentences[index.sentence_rows(np.arange(kept.passages))[0]])
        for index in (first_index, Index.open(index_dir))
    )
    assert before.shape[0] >= kept.passages and np.array_equal(before, after)

    (corpus / "002_cfdc07329175cede.txt").unlink()
    removed = build(corpus, index_dir, encoder)
    assert removed.embedded == 0
    assert {s.source for s in removed.sources()} == {
        "000_732249989cd205d6.txt",
        "001_5e8f83e102c9a296.txt",
    }


def test_loading_embeds_nothing_and_returns_the_same_answers(seeds_index_dir, seeds_retriever):
    loaded = Retriever.load(seeds_index_dir)
    assert loaded.encoder._model is None  # nothing encoded at load
    question = "Where is Pateo headquartered?"
    assert loaded.search(question).hits[0].id == seeds_retriever.search(question).hits[0].id


def test_other_model_is_detected_and_rebuilt(corpus, tmp_path, encoder, caplog):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, encoder)
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    config = json.loads((generation / "config.json").read_text())
    config["model"] = "some-other-model"
    (generation / "config.json").write_text(json.dumps(config))
    with pytest.raises(IndexStateError, match="model"):
        Index.open(index_dir, RetrievalConfig())
    with caplog.at_level(logging.WARNING):
        rebuilt = build(corpus, index_dir, encoder)
    assert "rebuilding" in caplog.text
    assert rebuilt.embedded == len(rebuilt)


def test_other_format_version_is_rebuilt(corpus, tmp_path, encoder, caplog):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, encoder)
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    data = manifest(index_dir)
    data["format_version"] = FORMAT_VERSION + 1
    (generation / "manifest.json").write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING):
        rebuilt = build(corpus, index_dir, encoder)
    assert "format" in caplog.text and rebuilt.embedded == len(rebuilt)


@pytest.mark.parametrize("version", [9, 10])
def test_formats_9_and_10_are_upgraded_without_embedding_even_with_a_file_without_passages(
    corpus, tmp_path, encoder, version
):
    # Format 10 added the collection's words (bm25/words.json), format 11 the passages'
    # places (places.npy): both made from the stored passages. A file that gave no
    # passages (blank) is carried over as it is.
    (corpus / "blank.txt").write_text("   \n")
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, encoder)
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    places = np.load(generation / "places.npy")
    data = manifest(index_dir)
    data["format_version"] = version
    (generation / "manifest.json").write_text(json.dumps(data))
    (generation / "places.npy").unlink()
    if version == 9:
        (generation / "bm25" / "words.json").unlink()
    upgraded = build(corpus, index_dir, encoder)
    assert upgraded.embedded == 0 and len(upgraded) == len(first)
    assert manifest(index_dir)["format_version"] == FORMAT_VERSION
    assert upgraded.search("Who invested in Pateu?").corrections  # the words are back
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    assert np.array_equal(np.load(generation / "places.npy"), places)  # and the places


def test_each_passage_knows_its_place_in_its_document(tmp_path, encoder):
    # Its position in the document; whether it opens its section: the first passage of
    # the document, or the first under another heading; and its document's number.
    folder = tmp_path / "docs"
    folder.mkdir()
    # Paragraphs long enough to be passages of their own.
    first, second, third, fourth, fifth, sixth = (
        f"This is paragraph {n}, long enough to be a passage of its own here. " * 2
        for n in ("one", "two", "three", "four", "five", "six")
    )
    (folder / "guide.md").write_text(
        f"# Guide\n\n{first}\n\n## Install\n\n{second}\n\n{third}\n\n## Use\n\n{fourth}\n",
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text(f"Notes\n\n{fifth}\n\n{sixth}\n", encoding="utf-8")
    build(folder, tmp_path / "index", encoder, max_passage_chars=200, max_section_chars=200)
    index = Index.open(tmp_path / "index")
    passages = index.store.get(list(range(len(index))))
    places = {
        (p.source, p.position): place
        for p, place in zip(passages, index.places.tolist(), strict=True)
    }
    guide = [places["guide.md", n] for n in range(4)]
    assert [p.section for p in passages if p.source == "guide.md"] == [
        (),
        ("Install",),
        ("Install",),
        ("Use",),
    ]
    assert [place[:2] for place in guide] == [[0, 1], [1, 1], [2, 0], [3, 1]]
    notes = [places["notes.txt", n] for n in range(2)]
    assert [place[:2] for place in notes] == [[0, 1], [1, 0]]  # no headings: one section
    assert len({place[2] for place in guide}) == len({place[2] for place in notes}) == 1
    assert guide[0][2] != notes[0][2]


@pytest.mark.parametrize("version", [4, 5, 6])
def test_an_earlier_format_is_rebuilt_from_the_corpus(corpus, tmp_path, encoder, caplog, version):
    # Format 7 cut passages by section: earlier passages cannot be reused.
    index_dir = tmp_path / "index"
    build(corpus, index_dir, encoder)
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    data = manifest(index_dir)
    data["format_version"] = version
    (generation / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(IndexStateError, match=f"format {version}"):
        Index.open(index_dir)
    with caplog.at_level(logging.WARNING):
        rebuilt = build(corpus, index_dir, encoder)
    assert "rebuilding it from the corpus" in caplog.text
    assert rebuilt.embedded == len(rebuilt)
    assert manifest(index_dir)["format_version"] == FORMAT_VERSION


@pytest.mark.parametrize(
    "damage", ["truncate-faiss", "delete-sqlite", "garbage-current", "short-sentences"]
)
def test_damaged_index_is_a_clear_error_and_is_rebuilt(corpus, tmp_path, encoder, damage):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, encoder)
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    if damage == "truncate-faiss":
        (generation / "dense.faiss").write_bytes(b"\x00" * 10)
    elif damage == "delete-sqlite":
        (generation / "passages.sqlite").unlink()
    elif damage == "short-sentences":
        offsets = np.load(generation / "sentence_offsets.npy")
        np.save(generation / "sentence_offsets.npy", offsets[:-1])
    else:
        (index_dir / "CURRENT").write_text("../../etc")
    with pytest.raises(IndexStateError):
        Retriever.load(index_dir)
    rebuilt = build(corpus, index_dir, encoder)
    assert rebuilt.search("Where is Pateo headquartered?").answered


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexStateError, match="no index"):
        Retriever.load(tmp_path / "nothing")


def test_crash_during_build_leaves_the_previous_index_usable(corpus, tmp_path, encoder):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, encoder)
    (corpus / "new.txt").write_text("A new file\n\nAbout something else entirely.\n")

    class Boom(Exception):
        pass

    def explode(texts, spans, progress=None):
        raise Boom

    original = encoder.encode_with_spans
    encoder.encode_with_spans = explode
    try:
        with pytest.raises(Boom):
            build(corpus, index_dir, encoder)
    finally:
        encoder.encode_with_spans = original
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".tmp")]
    assert "new.txt" not in manifest(index_dir)["sources"]
    assert Retriever.load(index_dir).search("Where is Pateo headquartered?").answered


def test_approximate_index_above_the_threshold(corpus, tmp_path, encoder):
    retriever = build(corpus, tmp_path / "index", encoder, ann_threshold=5)
    assert retriever.info.approximate
    assert retriever.search("Where is Pateo headquartered?").hits[0].source.startswith("000")
