"""Choosing a reader by file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest.formats import (
    SUFFIXES,
    UnreadableFile,
    docx,
    html,
    jsonl,
    markdown,
    pdf,
    read_file,
    reader_for,
    text,
)


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("page.html", html.read),
        ("PAGE.HTM", html.read),
        ("paper.pdf", pdf.read),
        ("notes.Docx", docx.read),
        ("news.jsonl", jsonl.read),
        ("news.v2.JSONL.gz", jsonl.read),
        ("notes.txt", text.read),
        ("README.MD", markdown.read),
        ("archive.gz", None),
        ("old.doc", None),
    ],
)
def test_reader_for(name: str, reader: object) -> None:
    assert reader_for(Path("corpus") / name) is reader


def test_suffixes() -> None:
    assert set(SUFFIXES) == {
        *(".txt", ".md", ".markdown"),
        *(".html", ".htm", ".pdf", ".docx", ".jsonl", ".jsonl.gz"),
    }


def test_read_file(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text('{"id": 1, "title": "One", "text": "The first record."}\n')
    [doc] = read_file(path, "one.jsonl", "h")
    assert (doc.source, doc.title) == ("one.jsonl#1", "One")
    with pytest.raises(UnreadableFile, match=r"not a supported file type: x\.odt"):
        read_file(tmp_path / "x.odt", "x.odt", "h")
