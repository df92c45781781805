from __future__ import annotations

import logging
from pathlib import Path

import pytest

from retrieval import CorpusError
from retrieval.ingest import discover, load_documents, read_documents
from retrieval.ingest.formats.text import split_front_matter
from tests.support.paths import SEEDS


@pytest.fixture(scope="module")
def seeds() -> dict[str, object]:
    return {d.source[:3]: d for d in load_documents([SEEDS])}


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs()]


def test_titles_come_from_first_line_or_front_matter(seeds):
    assert seeds["000"].title == "Xiaomi Group Invests In A Car Company, Pateo"
    assert seeds["001"].title == "Xiaomi makes big noises with $7bn 5G, AI and IOT plan"
    assert seeds["002"].title == "Xiaomi buys self-driving tech startup to propel EV ambitions"


def test_boilerplate_lines_are_dropped(seeds):
    everything = "\n".join(t for d in seeds.values() for t in texts(d))
    for junk in ("Leave a Reply", "About the Author", "You May Also Like", "Also Read"):
        assert junk not in everything


def test_repeated_subtitle_is_kept_once(seeds):
    subtitle = "In an open letter from its CEO, Xiaomi has promised"
    assert sum(t.startswith(subtitle) for t in texts(seeds["001"])) == 1


def test_date_line_becomes_metadata(seeds):
    assert seeds["001"].metadata["date"] == "2020-01-02"
    assert not any(t == "January 2, 2020" for t in texts(seeds["001"]))


def test_short_heading_joins_the_next_paragraph(seeds):
    paragraphs = texts(seeds["000"])
    assert "The History Behind Pateo" not in paragraphs
    joined = [t for t in paragraphs if t.startswith("The History Behind Pateo\n")]
    assert len(joined) == 1 and "Founded in October 2009" in joined[0]


def test_front_matter_only_file(seeds):
    doc = seeds["002"]
    body = "\n".join(texts(doc))
    assert "Deepmotion, which develops driver assistance software" in body
    assert "Xiaomi to acquire self-driving startup Deepmotion to enter EV market" in body
    assert "personally leading a project to make electric vehicles" in body
    for noise in ("http", "secured", "isCached", "s3-prod", "w739U5W0"):
        assert noise not in body
    assert doc.metadata == {
        "date": "2021-08-25",
        "provider": "Automotive News",
        "url": "https://www.autonews.com/china/xiaomi-buys-self-driving-tech-startup-propel-ev-ambitions",
    }
    related = next(p for p in doc.paragraphs() if p.metadata)
    assert related.metadata["provider"] == "The Indian Express"


def test_mojibake_is_repaired(seeds):
    body = "\n".join(texts(seeds["002"]))
    assert "Xiaomi’s making" in body
    assert "â€" not in body


def test_markdown_with_front_matter(tmp_path: Path):
    (tmp_path / "note.md").write_text(
        "---\ntitle: Release notes\ndate: 2024-03-01\n---\n# Ignored heading?\n\n"
        "Version 2 adds a console and fixes the\nhard-wrapped lines that editors leave\n"
        "in plain text files.\n",
        encoding="utf-8",
    )
    (doc,) = load_documents([tmp_path])
    assert doc.title == "Release notes"
    assert doc.metadata["date"] == "2024-03-01"
    assert any(
        "fixes the hard-wrapped lines that editors leave in plain" in p.text
        for p in doc.paragraphs()
    )


def test_bad_files_are_skipped_with_a_warning(tmp_path: Path, caplog):
    (tmp_path / "good.txt").write_text("Title\n\nA real paragraph of text.\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait\n".encode("latin-1"))
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    with caplog.at_level(logging.WARNING):
        docs = load_documents([tmp_path])
    assert [d.source for d in docs] == ["good.txt"]
    for name in ("binary.txt", "latin1.txt", "empty.md", "broken.md"):
        assert name in caplog.text
    assert "image.png" not in caplog.text


def test_symlink_loop_does_not_hang(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Title\n\nSome text.\n", encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [f.source for f in discover([tmp_path])] == ["a.txt"]


def test_missing_path_and_empty_corpus_are_clear_errors(tmp_path: Path):
    with pytest.raises(CorpusError, match="not found"):
        discover([tmp_path / "nope"])
    with pytest.raises(CorpusError, match=r"no documents \("):
        discover([tmp_path])


def test_invalid_front_matter_is_reported_not_raised(tmp_path: Path):
    assert split_front_matter("---\n: : :\n---\nx") == (None, None)
    path = tmp_path / "x.md"
    path.write_text("---\n- a list\n---\nbody\n", encoding="utf-8")
    assert read_documents(discover([path])[0]) == []
