"""The .docx reader: title, headings kept with their paragraph, lists, tables."""

from __future__ import annotations

import zipfile
from datetime import datetime, timezone
from pathlib import Path

import docx
import pytest

from retrieval.ingest.formats import UnreadableFile
from retrieval.ingest.formats import docx as docx_reader


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
