"""A collection's documents changed from a chat (:mod:`bot.uploads`), on a real
collection: names and sizes checked, bad files refused before they reach the folder,
a document added (only it embedded) or replaced, removed, and the folder put back when
indexing fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.collections import Collection, Collections, CollectionsPlan
from bot.config import BotConfig
from bot.uploads import (
    UploadError,
    add_document,
    check_document,
    check_size,
    documents,
    find_document,
    forget_document,
    upload_name,
)
from retrieval import Encoder, IndexWriteError
from tests.support.documents import encrypted_pdf_bytes, pdf_bytes
from tests.support.paths import ROOT

HANDBOOK = ROOT / "tests" / "data" / "handbook"
SAFETY = (
    "# Fire safety\n\nThe assembly point is the car park behind the Harbourside office. "
    "Fire wardens wear orange vests and sweep each floor before leaving.\n"
)


def test_a_sent_file_keeps_only_its_own_name() -> None:
    assert upload_name("../../etc/Report.PDF") == "Report.PDF"
    assert upload_name("C:\\Users\\me\\notes.md") == "notes.md"
    for bad in (None, "", ".env.md", "bad\x07.md"):
        with pytest.raises(UploadError, match="no usable name"):
            upload_name(bad)
    with pytest.raises(UploadError, match="not a type I can read"):
        upload_name("setup.exe")


def test_sizes_are_checked_before_downloading() -> None:
    check_size(5 * 2**20, 20)
    with pytest.raises(UploadError, match="larger than 20 MB"):
        check_size(20 * 2**20 + 1, 20)
    with pytest.raises(UploadError, match="does not take documents"):
        check_size(10, 0)


def test_a_file_that_cannot_be_indexed_is_refused_with_its_reason(tmp_path: Path) -> None:
    cases = {
        "fake.pdf": b"just text, not a PDF\n",
        "locked.pdf": encrypted_pdf_bytes(pdf_bytes("T", ["Some text."], tmp_path / "t.pdf")),
        "empty.md": b"  \n",
        "binary.txt": b"\x00\x01\x02" * 100,
    }
    reasons = {}
    for name, content in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(UploadError) as caught:
            check_document(path)
        reasons[name] = str(caught.value)
    assert "not a readable PDF" in reasons["fake.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "binary" in reasons["binary.txt"]
    assert all("\n" not in r for r in reasons.values())


@pytest.fixture
def handbook(tmp_path: Path, encoder: Encoder) -> Collection:
    shutil.copytree(HANDBOOK, tmp_path / "handbook")
    teams = tmp_path / "teams.yaml"
    teams.write_text(
        "collections:\n  handbook: {path: handbook, index_dir: index}\n", encoding="utf-8"
    )
    plan = CollectionsPlan.read(teams)
    opened = Collections.open(plan, BotConfig(collections=teams), encoder)
    collection = opened.get("handbook")
    assert collection is not None
    yield collection
    opened.close()


def test_a_document_is_added_replaced_and_forgotten(handbook: Collection, tmp_path: Path) -> None:
    sent = tmp_path / "safety.md"
    sent.write_text(SAFETY, encoding="utf-8")
    added = add_document(handbook, sent, "safety.md")
    assert added.passages >= 1 and not added.replaced
    assert handbook.reloader.composer.retriever.embedded == added.passages  # only it
    assert added.examples  # questions that the new document answers
    for question in added.examples:
        hits = handbook.composer.answer(question).hits
        assert hits and hits[0].source == "safety.md"
    answer = handbook.composer.answer("Where is the fire assembly point?")
    assert answer.hits[0].source == "safety.md"

    sent.write_text(SAFETY.replace("orange", "green"), encoding="utf-8")
    assert add_document(handbook, sent, "safety.md").replaced
    assert [f for f, _, _ in documents(handbook)].count("safety.md") == 1
    assert "green vests" in handbook.composer.answer("What do fire wardens wear?").hits[0].text

    assert find_document(handbook, "SAFETY.MD") == "safety.md"
    forget_document(handbook, "safety.md")
    assert not (handbook.folder / "safety.md").exists()
    assert "safety.md" not in [f for f, _, _ in documents(handbook)]
    assert not any(
        h.source == "safety.md" for h in handbook.composer.answer("fire assembly point").hits
    )


def test_the_last_document_stays(handbook: Collection) -> None:
    forget_document(handbook, "expenses.md")
    with pytest.raises(UploadError, match="only document"):
        forget_document(handbook, "leave.md")
    assert (handbook.folder / "leave.md").exists()


def test_a_failed_indexing_puts_the_folder_back(
    handbook: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = documents(handbook)
    original = (handbook.folder / "leave.md").read_bytes()
    rebuild = handbook.reloader.rebuild
    failures = iter([IndexWriteError("no space left on device")])

    def failing(wait: bool):  # the disk fills up once, then recovers
        error = next(failures, None)
        if error is not None:
            raise error
        return rebuild(wait)

    monkeypatch.setattr(handbook.reloader, "rebuild", failing)
    sent = tmp_path / "leave.md"
    sent.write_text(SAFETY, encoding="utf-8")
    with pytest.raises(UploadError, match=r"indexing failed .*no space left"):
        add_document(handbook, sent, "leave.md")
    assert (handbook.folder / "leave.md").read_bytes() == original
    assert documents(handbook) == before
    assert not [p for p in handbook.folder.iterdir() if p.name.startswith(".")]
