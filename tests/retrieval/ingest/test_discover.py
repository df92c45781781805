"""Finding a corpus's files when the folder was not written by its user: file names
that are not UTF-8, special files that never end (FIFOs, /dev/zero), pseudo
filesystems, and a flood of files to skip."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from retrieval import CorpusError, Retriever
from retrieval.ingest import UnreadableFile, discover, load_documents
from retrieval.ingest.clean import file_name_text

# Latin-1 bytes in a name, as old archives hold them: not UTF-8.
BAD_NAME = os.fsdecode(b"caf\xe9 \xff\xfenotes.txt")
TEXT = "Llama wool\n\nLlamas grow a soft wool that is shorn every spring in the Andes.\n"


def skip_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_name_that_is_not_utf8_becomes_a_readable_escaped_source(tmp_path) -> None:
    (tmp_path / BAD_NAME).write_text(TEXT, encoding="utf-8")
    (found,) = discover([tmp_path])
    assert found.source == "caf\\xe9 \\xff\\xfenotes.txt"
    found.source.encode("utf-8")  # storable: SQLite, JSON, passage ids
    assert found.path.read_text(encoding="utf-8") == TEXT  # the real file is read
    (document,) = load_documents([tmp_path])
    assert document.source == found.source


def test_file_name_text_keeps_valid_names_and_escapes_only_bad_bytes() -> None:
    assert file_name_text("Résumé 2024.txt") == "Résumé 2024.txt"
    assert file_name_text(os.fsdecode(b"a\xffb.md")) == "a\\xffb.md"
    assert file_name_text("lone \ud800 surrogate") == "lone \\ud800 surrogate"


def test_a_corpus_with_a_bad_name_indexes_and_answers_from_it(tmp_path, encoder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / BAD_NAME).write_text(TEXT, encoding="utf-8")
    (corpus / "other.txt").write_text("Goats\n\nGoats climb trees in Morocco.\n")
    retriever = Retriever.from_corpus([corpus], tmp_path / "index", encoder=encoder)
    hit = retriever.search("When are llamas shorn?").hits[0]
    assert hit.source == "caf\\xe9 \\xff\\xfenotes.txt"
    reopened = Retriever.load(tmp_path / "index", encoder=encoder)
    assert {s.source for s in reopened.sources()} == {"other.txt", hit.source}


def test_a_title_taken_from_a_bad_name_is_text(tmp_path) -> None:
    name = os.fsdecode(b"\xff\xfe report.md")
    (tmp_path / name).write_text("# \n\nThe report has no heading of its own.\n")
    (document,) = load_documents([tmp_path])
    document.title.encode("utf-8")


@pytest.mark.timeout(30)
def test_fifos_and_device_links_are_skipped_without_reading(tmp_path, caplog) -> None:
    """Each of these would block or read forever if opened."""
    (tmp_path / "good.txt").write_text(TEXT)
    os.mkfifo(tmp_path / "x.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "rand.md").symlink_to("/dev/urandom")
    (tmp_path / "null.html").symlink_to("/dev/null")
    with caplog.at_level(logging.WARNING):
        found = discover([tmp_path])
    assert [f.source for f in found] == ["good.txt"]
    warnings = "\n".join(skip_lines(caplog))
    for name in ("x.txt", "zero.txt", "rand.md", "null.html"):
        assert name in warnings and "not a regular file" in warnings, warnings


@pytest.mark.timeout(30)
def test_a_special_file_given_directly_is_refused(tmp_path) -> None:
    os.mkfifo(tmp_path / "x.txt")
    with pytest.raises(CorpusError, match="no documents"):
        discover([tmp_path / "x.txt"])
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    with pytest.raises(CorpusError, match=r"pseudo filesystem \(devtmpfs\)"):
        discover([tmp_path / "zero.txt"])


@pytest.mark.timeout(30)
def test_proc_is_refused_quickly_as_not_documents() -> None:
    with pytest.raises(CorpusError, match="system"):
        discover([Path("/proc")])


def test_a_flood_of_unreadable_files_is_summarised(tmp_path, caplog) -> None:
    (tmp_path / "good.txt").write_text(TEXT)
    for i in range(300):
        os.mkfifo(tmp_path / f"pipe{i:03}.txt")
    with caplog.at_level(logging.WARNING):
        assert len(discover([tmp_path])) == 1
    lines = skip_lines(caplog)
    assert len(lines) <= 21, lines[:30]
    assert "280 more" in lines[-1] and "not a regular file" in lines[-1], lines[-1]


def test_a_file_over_the_limit_is_refused_reading_no_further(tmp_path) -> None:
    from retrieval.ingest.formats.base import read_bytes

    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 100)
    with pytest.raises(UnreadableFile, match="larger than"):
        read_bytes(path, limit=40)
    assert read_bytes(path, limit=1000) == b"x" * 100
    os.mkfifo(tmp_path / "p.txt")
    with pytest.raises(UnreadableFile, match="not a regular file \\(a FIFO\\)"):
        read_bytes(tmp_path / "p.txt")
