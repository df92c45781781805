"""The PDF reader: paragraphs per page, running headers and page numbers dropped,
hard-wrapped lines re-joined and line-end hyphens repaired.

The PDFs are written by hand (a few standard-font text objects), so the tests need
no PDF-generating library."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from retrieval.ingest.formats import ReaderOptions, UnreadableFile, pdf

# (x, y, font size, text) for each line: A4, y from the bottom.
Line = tuple[float, float, float, str]
HEADER: Line = (72, 800, 9, "Ocean Studies Quarterly - Volume 12")

PAGE_1: list[Line] = [
    HEADER,
    (72, 740, 16, "Tides and Currents"),
    (72, 712, 11, "Tides are the regular rise and fall of the sea surface, caused by the"),
    (72, 698, 11, "gravitational pull of the Moon and the Sun. Their range varies with the"),
    (72, 684, 11, "coastline, and the largest tides occur in funnel-shaped bays."),
    (72, 656, 11, "Spring tides happen when the Sun and Moon are aligned, and their com-"),
    (72, 642, 11, "bined pull produces the greatest range between high and low water, which"),
    (290, 40, 9, "1"),
]
PAGE_2: list[Line] = [
    HEADER,
    (72, 740, 11, "matters most to ships entering shallow harbours at the turn of the tide."),
    (72, 712, 11, "Neap tides"),
    (72, 698, 11, "Neap tides happen at the quarter moons, when the pulls of the Sun and the"),
    (72, 684, 11, "Moon partly cancel. Sailors and fishermen plan around this fortnightly"),
    (72, 670, 11, "cycle of spring and neap tides."),
    (290, 40, 9, "2"),
]


def write_pdf(path: Path, pages: list[list[Line]], info: dict[str, str] | None = None) -> Path:
    """Writes a minimal valid PDF: one Helvetica text object per line."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]  # pages: filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")  # object 3
    kids = []
    for lines in pages:
        stream = "\n".join(
            f"BT /F1 {size} Tf {x} {y} Td ({escape(text)}) Tj ET" for x, y, size, text in lines
        ).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    trailer_info = ""
    if info:
        entries = " ".join(f"/{k} ({escape(v)})" for k, v in info.items())
        objects.append(f"<< {entries} >>".encode("latin-1"))
        trailer_info = f" /Info {len(objects)} 0 R"

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{trailer_info} >>\n"
    out += trailer.encode() + b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))
    return path


@pytest.fixture
def tides_pdf(tmp_path: Path) -> Path:
    return write_pdf(tmp_path / "tides.pdf", [PAGE_1, PAGE_2])


def test_paragraphs_pages_and_title(tides_pdf: Path) -> None:
    [doc] = pdf.read(tides_pdf, "papers/tides.pdf", "hash")
    found = [(p.metadata["page"], p.text) for p in doc.paragraphs()]

    # Title from the large type on page 1 (the PDF has no metadata title).
    assert doc.title == "Tides and Currents"
    assert (doc.source, doc.content_hash) == ("papers/tides.pdf", "hash")
    assert found == [
        (
            1,
            "Tides are the regular rise and fall of the sea surface, caused by the gravitational "
            "pull of the Moon and the Sun. Their range varies with the coastline, and the "
            "largest tides occur in funnel-shaped bays.",
        ),
        # Cut at the page's end: a paragraph never spans two pages...
        (
            1,
            "Spring tides happen when the Sun and Moon are aligned, and their combined pull "
            "produces the greatest range between high and low water, which",
        ),
        # ...and page 2's part starts without the running header.
        (2, "matters most to ships entering shallow harbours at the turn of the tide."),
        (
            2,
            "Neap tides\nNeap tides happen at the quarter moons, when the pulls of the Sun and "
            "the Moon partly cancel. Sailors and fishermen plan around this fortnightly cycle "
            "of spring and neap tides.",
        ),
    ]


def test_header_and_page_numbers_dropped(tides_pdf: Path) -> None:
    [doc] = pdf.read(tides_pdf, "tides.pdf", "hash")
    everything = "\n".join(p.text for p in doc.paragraphs())
    assert "Ocean Studies Quarterly" not in everything
    for paragraph in doc.paragraphs():
        assert not paragraph.text.isdigit() and not paragraph.text.endswith((" 1", " 2"))
    assert "com-" not in everything and "combined pull" in everything


def test_title_from_metadata_unless_it_names_a_file(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "a.pdf", [PAGE_1, PAGE_2], {"Title": "Tidal Science"})
    [doc] = pdf.read(path, "a.pdf", "hash")
    assert doc.title == "Tidal Science"
    # The page-1 heading is then text: it introduces the first paragraph.
    assert doc.paragraphs()[0].text.startswith("Tides and Currents\nTides are the regular")

    path = write_pdf(tmp_path / "b.pdf", [PAGE_1, PAGE_2], {"Title": "Microsoft Word - b.docx"})
    [doc] = pdf.read(path, "b.pdf", "hash")
    assert doc.title == "Tides and Currents"


def test_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    lines = [(72, 700, 11, "The harbour master posts the tide times at the quay every day.")]
    [doc] = pdf.read(write_pdf(tmp_path / "notes.pdf", [lines]), "notes.pdf", "hash")
    assert doc.title == "notes"
    assert [p.text for p in doc.paragraphs()] == [lines[0][3]]


def test_encrypted_pdf_is_unreadable(tides_pdf: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=tides_pdf)
    writer.encrypt("secret", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as out:
        writer.write(out)
    with pytest.raises(UnreadableFile, match="encrypted"):
        pdf.read(locked, "locked.pdf", "hash")
    # The right password opens it.
    [doc] = pdf.read(locked, "locked.pdf", "hash", ReaderOptions(password="secret"))
    assert doc.title == "Tides and Currents"


def test_pdf_protected_only_against_editing_is_read(tides_pdf: Path, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=tides_pdf)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    path = tmp_path / "protected.pdf"
    with path.open("wb") as out:
        writer.write(out)
    [doc] = pdf.read(path, "protected.pdf", "hash")
    assert len(doc.paragraphs()) == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 20, "not a readable PDF"),
        (b"", "not a readable PDF"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "not a readable PDF"),
    ],
    ids=["garbage", "empty", "truncated"],
)
def test_broken_pdf_is_unreadable(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=message) as caught:
        pdf.read(path, "bad.pdf", "hash")
    assert "\n" not in str(caught.value)


def test_pdf_without_text_is_unreadable(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "scan.pdf", [[], []])
    with pytest.raises(UnreadableFile, match="OCR"):
        pdf.read(path, "scan.pdf", "hash")
