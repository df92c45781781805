"""The JSON Lines reader: one document per line, gzip'd or not, malformed lines skipped."""

from __future__ import annotations

import gzip
import json
import logging
import tracemalloc
from pathlib import Path

import pytest

from retrieval.ingest.formats import ReaderOptions, UnreadableFile, jsonl
from tests.support.paths import BBC_NEWS

RECORDS = [
    {
        "_id": "a1",
        "headline": "Harbour dredging starts",
        "body": "Dredging of the inner basin starts on Monday.\n\n"
        "Work will  last three weeks; the east quay stays open.",
        "published": "2024-03-01",
        "date": "2024-03-01T10:00:00Z",
        "url": "https://port.example.org/news/a1",
        "category": "works",
        "views": 120,
        "tags": ["dredging", "basin"],  # not scalar: not metadata
    },
    # No id field: named by its line number. Mojibake is repaired.
    {"headline": "New ferry timetable", "body": "The ferryâ€™s summer timetable begins in May."},
]


def write_lines(path: Path, lines: list[str]) -> Path:
    data = "".join(f"{line}\n" for line in lines).encode("utf-8")
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def collection_lines() -> list[str]:
    return [
        json.dumps(RECORDS[0]),
        '{"_id": "broken", "headline": "Cut short", "body": "no closing',
        "",
        json.dumps({"_id": "a3", "headline": "No body here"}),
        json.dumps(RECORDS[1]),
        json.dumps(["a", "list"]),
    ]


@pytest.mark.parametrize("name", ["news.jsonl", "news.jsonl.gz"])
def test_documents_fields_and_metadata(
    tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_lines(tmp_path / name, collection_lines())
    with caplog.at_level(logging.WARNING, logger="retrieval.formats.jsonl"):
        docs = jsonl.read(
            path, f"feeds/{name}", "hash", ReaderOptions(title_field="headline", text_field="body")
        )

    assert [d.source for d in docs] == [f"feeds/{name}#a1", f"feeds/{name}#5"]
    first, second = docs
    assert first.title == "Harbour dredging starts"
    assert [p.text for p in first.paragraphs()] == [
        "Dredging of the inner basin starts on Monday.",
        "Work will last three weeks; the east quay stays open.",
    ]
    assert first.metadata == {
        "published": "2024-03-01",
        "date": "2024-03-01",
        "url": "https://port.example.org/news/a1",
        "category": "works",
        "views": 120,
    }
    assert first.content_hash == "hash"
    assert second.title == "New ferry timetable"
    assert [p.text for p in second.paragraphs()] == ["The ferry’s summer timetable begins in May."]
    assert second.metadata == {}

    # Each bad line is named, with its file, and the rest of the file is still read.
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3
    assert f"{path}, line 2: skipped: not valid JSON" in warnings[0]
    assert f"{path}, line 4: skipped: no text" in warnings[1]
    assert f"{path}, line 6: skipped: not a JSON object" in warnings[2]


def test_default_fields_and_explicit_id_field(tmp_path: Path) -> None:
    lines = [
        json.dumps({"doc_id": 7, "slug": "tides", "title": "Tides", "text": "High water at six."}),
        json.dumps({"doc_id": 8, "slug": "wind", "title": "Wind", "text": "Gale warning today."}),
    ]
    path = write_lines(tmp_path / "c.jsonl", lines)
    assert [d.source for d in jsonl.read(path, "c.jsonl", "h")] == ["c.jsonl#7", "c.jsonl#8"]
    docs = jsonl.read(path, "c.jsonl", "h", ReaderOptions(id_field="slug"))
    assert [d.source for d in docs] == ["c.jsonl#tides", "c.jsonl#wind"]
    assert docs[0].metadata == {"doc_id": 7}
    assert docs[0].paragraphs()[0].text == "High water at six."


def test_repeated_id_and_missing_title(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lines = [
        json.dumps({"id": "x", "text": "First text."}),
        json.dumps({"id": "x", "text": "Second text."}),
    ]
    path = write_lines(tmp_path / "dup.jsonl", lines)
    with caplog.at_level(logging.WARNING, logger="retrieval.formats.jsonl"):
        [doc] = jsonl.read(path, "dup.jsonl", "h")
    assert doc.title == "dup x"
    assert doc.paragraphs()[0].text == "First text."
    assert "line 2: skipped: repeats the id" in caplog.text


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"Record number {i} of many. " * 20}) for i in range(200)]
    path = write_lines(tmp_path / "big.jsonl.gz", lines)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    docs = jsonl.read(path, "big.jsonl.gz", "h")
    assert 0 < len(docs) < 200
    assert docs[0].source == "big.jsonl.gz#0"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.jsonl", bytes(range(256)) * 20, "no valid line"),
        ("empty.jsonl", b"", "no valid line"),
        ("wrongfield.jsonl", b'{"title": "T", "content": "x"}\n', "no valid line .*'text'"),
        ("garbage.jsonl.gz", bytes(range(256)) * 20, "cannot read the collection"),
    ],
)
def test_unreadable(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message) as caught:
        jsonl.read(path, name, "h")
    assert "\n" not in str(caught.value)


def test_many_bad_lines_are_summarised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lines = ["not json"] * 50 + [json.dumps({"text": "Finally some text."})]
    path = write_lines(tmp_path / "noisy.jsonl", lines)
    with caplog.at_level(logging.WARNING, logger="retrieval.formats.jsonl"):
        [doc] = jsonl.read(path, "noisy.jsonl", "h")
    assert doc.source == "noisy.jsonl#51"
    assert len(caplog.records) == 11
    assert "50 malformed lines skipped in all" in caplog.records[-1].getMessage()


def test_a_gzip_bomb_is_refused_once_it_expands_past_the_limit(tmp_path: Path) -> None:
    # Valid records that inflate over 100 times: before, all read.
    line = json.dumps({"text": "The same record over and over again. " * 20}) + "\n"
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(line.encode() * (4 * 2**20 // len(line))))
    with pytest.raises(UnreadableFile, match=r"expands to more than 100 times.*bomb"):
        jsonl.read(path, path.name, "h")


def test_a_real_compressed_collection_is_read_whole() -> None:
    assert len(jsonl.read(BBC_NEWS, BBC_NEWS.name, "h")) == 2_225


def test_a_collection_that_compresses_as_text_does_is_read_whole(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"Record {i} of a real collection."}) for i in range(500)]
    docs = jsonl.read(write_lines(tmp_path / "real.jsonl.gz", lines), "real.jsonl.gz", "h")
    assert len(docs) == 500


def test_an_over_long_line_is_skipped_holding_no_more_than_the_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: the whole line was read into memory and parsed, however long.
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 2**20)
    path = tmp_path / "dump.jsonl"
    with path.open("wb") as out:
        out.write(json.dumps({"id": "a", "text": "A short record."}).encode() + b"\n")
        out.write(b'{"id": "huge", "text": "' + b"x" * (40 * 2**20) + b'"}\n')
        out.write(json.dumps({"id": "b", "text": "Another short record."}).encode() + b"\n")
    tracemalloc.start()
    try:
        with caplog.at_level(logging.WARNING):
            docs = jsonl.read(path, "dump.jsonl", "h")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [doc.source for doc in docs] == ["dump.jsonl#a", "dump.jsonl#b"]
    assert "line 2: skipped: longer than 1 MB" in caplog.text
    assert peak < 8 * 2**20


def test_a_line_that_is_not_utf8_is_reported_as_such(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Before: "not valid JSON (JSONDecodeError: Expecting value ...)".
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"text": "caf\xe9 au lait"}\n{"text": "Fine."}\n')
    with caplog.at_level(logging.WARNING):
        [doc] = jsonl.read(path, "mixed.jsonl", "h")
    assert doc.source == "mixed.jsonl#2"
    assert "line 1: skipped: not valid UTF-8 (byte 14 of the line)" in caplog.text
