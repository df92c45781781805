"""The .docx reader: title, headings kept with their paragraph, lists, tables."""

from __future__ import annotations

import zipfile
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from retrieval.ingest.formats import UnreadableFile
from retrieval.ingest.formats import docx as docx_reader
from tests.support.documents import write_body


def write_report(path: Path, core_title: str | None = None) -> Path:
    document = docx.Document()
    document.core_properties.created = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    if core_title is not None:
        document.core_properties.title = core_title
    document.sections[0].header.paragraphs[0].text = "Harbour Authority - internal"
    document.sections[0].footer.paragraphs[0].text = "Page 1"
    document.add_paragraph("Harbour Traffic Report", style="Title")
    document.add_paragraph(
        "This report  covers the ships that called at the harbour during the first quarter."
    )
    document.add_heading("Arrivals", level=1)
    document.add_paragraph("Arrivals rose by a tenth, led by ferries on the island routes.")
    document.add_paragraph("Ferries", style="List Bullet")
    document.add_paragraph("Cargo ships", style="List Bullet")
    document.add_heading("Figures", level=2)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows,
        [("Kind", "January", "February"), ("Ferries", "120", "131"), ("Cargo", "45", "")],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    merged = document.add_table(rows=1, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1))
    merged.cell(0, 0).text = "Figures are provisional."
    bold = document.add_paragraph()
    bold.add_run("Outlook").bold = True
    document.add_paragraph("Traffic should grow again in the summer season.")
    document.save(str(path))
    return path


def test_title_headings_lists_and_tables(tmp_path: Path) -> None:
    [doc] = docx_reader.read(write_report(tmp_path / "report.docx"), "report.docx", "hash")

    assert doc.title == "Harbour Traffic Report"
    assert (doc.source, doc.content_hash) == ("report.docx", "hash")
    assert doc.metadata == {"date": "2024-03-01"}
    assert [p.text for p in doc.paragraphs()] == [
        "This report covers the ships that called at the harbour during the first quarter.",
        "Arrivals\nArrivals rose by a tenth, led by ferries on the island routes.",
        "Ferries; Cargo ships",
        # A heading before a table introduces its first row.
        "Figures\nKind | January | February",
        "Ferries | 120 | 131",
        "Cargo | 45",
        "Figures are provisional.",  # a merged cell once, not once per column
        "Outlook\nTraffic should grow again in the summer season.",  # bold line as a heading
    ]
    everything = "\n".join(p.text for p in doc.paragraphs())
    assert "Harbour Authority" not in everything and "Page 1" not in everything


def test_title_from_core_properties(tmp_path: Path) -> None:
    path = write_report(tmp_path / "report.docx", core_title="Q1 Harbour Report")
    [doc] = docx_reader.read(path, "report.docx", "hash")
    assert doc.title == "Q1 Harbour Report"
    # The Title-styled paragraph is then the heading of the first paragraph.
    assert doc.paragraphs()[0].text.startswith("Harbour Traffic Report\nThis report covers")


def test_title_from_first_heading_then_file_name(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Mooring Rules", level=1)
    document.add_paragraph("Boats must be moored bow and stern in the inner basin.")
    document.save(str(tmp_path / "rules.docx"))
    [doc] = docx_reader.read(tmp_path / "rules.docx", "rules.docx", "hash")
    assert doc.title == "Mooring Rules"
    assert [p.text for p in doc.paragraphs()] == [
        "Boats must be moored bow and stern in the inner basin."
    ]

    document = docx.Document()
    document.add_paragraph("Boats must be moored bow and stern in the inner basin.")
    document.save(str(tmp_path / "notes.docx"))
    [doc] = docx_reader.read(tmp_path / "notes.docx", "notes.docx", "hash")
    assert doc.title == "notes"


def test_empty_document_is_unreadable(tmp_path: Path) -> None:
    docx.Document().save(str(tmp_path / "empty.docx"))
    with pytest.raises(UnreadableFile, match="no text"):
        docx_reader.read(tmp_path / "empty.docx", "empty.docx", "hash")


def test_broken_files_are_unreadable(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.docx"
    garbage.write_bytes(bytes(range(256)) * 20)
    not_word = tmp_path / "other.docx"
    with zipfile.ZipFile(not_word, "w") as archive:
        archive.writestr("hello.txt", "not a Word document")
    for path in (garbage, not_word):
        with pytest.raises(UnreadableFile, match=r"not a readable \.docx file") as caught:
            docx_reader.read(path, path.name, "hash")
        assert "\n" not in str(caught.value)


PARAGRAPH = b"<w:p><w:r><w:t>Harbour dues are paid monthly.</w:t></w:r></w:p>"


@pytest.mark.timeout(60)
def test_a_decompression_bomb_is_refused_before_its_body_is_parsed(tmp_path: Path) -> None:
    # Before: python-docx parsed all of it (300 MB of XML took 3.4 GB and 400 s).
    repeat = docx_reader.MAX_XML_BYTES // len(PARAGRAPH) + 10
    path = write_body(tmp_path / "bomb.docx", PARAGRAPH, repeat)
    assert path.stat().st_size < 2 * 2**20
    with pytest.raises(UnreadableFile, match=r"expands to 200 MB of XML.*decompression bomb"):
        docx_reader.read(path, "bomb.docx", "hash")


@pytest.mark.timeout(60)
def test_more_paragraphs_than_any_document_is_refused_before_parsing(tmp_path: Path) -> None:
    # Under the size limit, but 2 ms a paragraph in python-docx (400 s) before.
    path = write_body(tmp_path / "many.docx", PARAGRAPH, docx_reader.MAX_PARAGRAPHS + 1)
    with pytest.raises(UnreadableFile, match="more than 200,000 paragraphs"):
        docx_reader.read(path, "many.docx", "hash")


def test_the_paragraph_limit_holds_whatever_the_prefix(tmp_path: Path, monkeypatch) -> None:
    # The count before parsing looks for Word's own "w:" prefix; the parse counts again.
    monkeypatch.setattr(docx_reader, "MAX_PARAGRAPHS", 50)
    other = PARAGRAPH.replace(b"w:", b"x:")
    path = write_body(tmp_path / "other.docx", other, 51, prefix=b"x")
    with pytest.raises(UnreadableFile, match="more than 50 paragraphs"):
        docx_reader.read(path, "other.docx", "hash")
    write_body(path, other, 50, prefix=b"x")
    [doc] = docx_reader.read(path, "other.docx", "hash")
    assert [p.text for p in doc.paragraphs()] == ["Harbour dues are paid monthly."]


def test_a_body_streamed_without_python_docx_reads_its_paragraphs(tmp_path: Path) -> None:
    path = write_body(tmp_path / "plain.docx", PARAGRAPH, 3)
    [doc] = docx_reader.read(path, "plain.docx", "hash")
    assert doc.title == "plain"
    assert [p.text for p in doc.paragraphs()] == ["Harbour dues are paid monthly."]  # once


def test_word_numbering_tracked_changes_and_vertical_merges(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Before you sail:")
    for item in ("Check the weather", "File a plan"):
        paragraph = document.add_paragraph(item)
        # Word's own bullets (numPr), as Word and pandoc write lists, not a List style.
        p_pr = paragraph._p.get_or_add_pPr()
        num_pr = p_pr.makeelement(qn("w:numPr"), {})
        num_id = num_pr.makeelement(qn("w:numId"), {qn("w:val"): "1"})
        num_pr.append(num_id)
        p_pr.append(num_pr)
    edited = document.add_paragraph("Moorings are free ")
    deleted = edited._p.makeelement(qn("w:del"), {})
    run = deleted.makeelement(qn("w:r"), {})
    text = run.makeelement(qn("w:delText"), {})
    text.text = "on Sundays"
    run.append(text)
    deleted.append(run)
    edited._p.append(deleted)
    edited.add_run("in winter.")
    table = document.add_table(rows=3, cols=2)
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(0, 0).text, table.cell(0, 1).text = "Berth", "Price"
    table.cell(1, 0).text = "Inner basin"
    table.cell(1, 1).text, table.cell(2, 1).text = "10", "12"
    document.save(str(tmp_path / "rules.docx"))
    [doc] = docx_reader.read(tmp_path / "rules.docx", "rules.docx", "hash")
    assert [p.text for p in doc.paragraphs()] == [
        "Before you sail:",
        "Check the weather; File a plan",
        "Moorings are free in winter.",  # the deleted words are not text
        "Berth | Price",
        "Inner basin | 10",
        "Inner basin | 12",  # a cell merged down is part of each of its rows
    ]


def test_an_encrypted_or_old_word_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "locked.docx"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(4096))
    with pytest.raises(UnreadableFile, match=r"encrypted Word file or an old \.doc file"):
        docx_reader.read(path, "locked.docx", "hash")


def test_heading_styles_give_each_passage_its_heading_path(tmp_path: Path) -> None:
    from retrieval.ingest import split_document

    [doc] = docx_reader.read(write_report(tmp_path / "report.docx"), "report.docx", "hash")
    passages = split_document(doc, 800)
    by_path = {p.section: p.text for p in passages}
    # Heading 1 and Heading 2 nest; the title is the document's, not a section.
    assert by_path[("Arrivals",)].startswith("Arrivals rose by a tenth")
    assert "Ferries" in by_path[("Arrivals",)]  # the list stays with its section
    assert by_path[("Arrivals", "Figures")].startswith("Kind | January | February")
    assert () in by_path and "first quarter" in by_path[()]
