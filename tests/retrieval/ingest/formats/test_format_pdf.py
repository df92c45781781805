"""The PDF reader: paragraphs per page, running headers and page numbers dropped,
hard-wrapped lines re-joined and line-end hyphens repaired; headings with levels from
the outline (bookmarks), or from type sizes without one.

The PDFs are written by hand (a few standard-font text objects), so the tests need
no PDF-generating library; outlines are added with pypdf's writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import Fit, IndirectObject

from retrieval.ingest import split_document
from retrieval.ingest.formats import ReaderOptions, UnreadableFile, pdf
from tests.support.documents import Line, write_pdf

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
    lines: list[Line] = [
        (72, 700, 11, "The harbour master posts the tide times at the quay every day.")
    ]
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


# Headings with levels: from the outline (bookmarks), or from type sizes without one.

# (level, title, page index, how high on the page it points, or None for the whole page)
OutlineEntry = tuple[int, str, int, float | None]


def add_outline(path: Path, entries: list[OutlineEntry]) -> Path:
    """Rewrites the PDF at ``path`` with an outline of ``entries``, in order."""
    writer = PdfWriter(clone_from=path)
    parents: list[IndirectObject] = []  # the last entry at each level
    for level, title, page, top in entries:
        del parents[level - 1 :]
        item = writer.add_outline_item(
            title=title,
            page_number=page,
            parent=parents[-1] if parents else None,
            fit=Fit.fit() if top is None else Fit.xyz(left=72, top=top),
        )
        parents.append(item)
    with path.open("wb") as out:
        writer.write(out)
    return path


def sections(path: Path) -> list[tuple[tuple[str, ...], int, str]]:
    """Each passage's heading path, page and text."""
    [doc] = pdf.read(path, path.name, "hash")
    return [(p.section, p.metadata["page"], p.text) for p in split_document(doc, 800)]


HANDBOOK_1: list[Line] = [
    (72, 780, 22, "Version Control Handbook"),
    (72, 730, 16, "Chapter 1"),
    (72, 705, 11, "This chapter sets up the tools that the rest of the handbook relies on."),
    (72, 670, 13, "1.1 Installing"),
    (72, 645, 11, "Install the package from your distribution and check the version it shows."),
    (72, 631, 11, "Older releases lack the switch command used in later chapters."),
]
HANDBOOK_2: list[Line] = [
    (72, 780, 13, "1.2 Configuring Git"),
    (72, 755, 11, "Set your name and e-mail address before the first commit is recorded."),
    (72, 725, 13, "A note on editors"),
    (72, 700, 11, "The editor opened for commit messages is chosen by the core.editor setting."),
    (72, 660, 16, "Chapter 2"),
    # A heading wrapped onto two lines, its number left out of the outline.
    (72, 635, 13, "2.1 Branching and"),
    (72, 620, 13, "merging"),
    (72, 595, 11, "A branch is a movable pointer to a commit; a merge joins two histories."),
]
HANDBOOK_OUTLINE: list[OutlineEntry] = [
    (1, "Chapter 1", 0, None),
    (2, "Installing", 0, None),
    (2, "Configuring  git", 1, None),  # case and spaces differ from the page's
    (1, "Chapter 2", 1, None),
    (2, "Branching and Merging", 1, None),
]


def test_outline_gives_headings_and_their_levels(tmp_path: Path) -> None:
    path = add_outline(write_pdf(tmp_path / "git.pdf", [HANDBOOK_1, HANDBOOK_2]), HANDBOOK_OUTLINE)
    [doc] = pdf.read(path, "git.pdf", "hash")
    assert doc.title == "Version Control Handbook"

    # Each body in its section, with the outline's titles as the heading path; the
    # page lines that showed the titles ("1.1 Installing") are not text any more.
    assert sections(path) == [
        (("Chapter 1",), 1, HANDBOOK_1[2][3]),
        (("Chapter 1", "Installing"), 1, f"{HANDBOOK_1[4][3]} {HANDBOOK_1[5][3]}"),
        # A line in larger type that the outline does not list stays text.
        (
            ("Chapter 1", "Configuring git"),
            2,
            f"{HANDBOOK_2[1][3]}\nA note on editors\n{HANDBOOK_2[3][3]}",
        ),
        (("Chapter 2", "Branching and Merging"), 2, HANDBOOK_2[7][3]),
    ]
    # The heading path is embedded with the text.
    embedded = split_document(doc, 800)[1].embedding_text(with_title=True)
    assert embedded.startswith("Version Control Handbook\nChapter 1 › Installing\nInstall the")


def test_outline_entry_not_shown_on_its_page_heads_the_page(tmp_path: Path) -> None:
    page_3: list[Line] = [
        (72, 740, 11, "High water at the harbour mouth comes forty minutes after the quay."),
        (72, 700, 11, "Each row of a table is one day; the columns are the four tides."),
    ]
    path = write_pdf(tmp_path / "tides.pdf", [PAGE_1, PAGE_2, page_3], {"Title": "Tidal Science"})
    add_outline(
        path,
        [
            (1, "Tides and Currents", 0, None),
            (2, "Neap tides", 1, None),
            # Neither title is on page 3: the first heads the page, the second is put
            # where it points (between the two paragraphs).
            (1, "Appendix: Tide Tables", 2, None),
            (2, "Reading the tables", 2, 720),
        ],
    )
    found = sections(path)
    # A section short enough is one passage, but two pages never share one.
    assert [(path, page) for path, page, _ in found] == [
        (("Tides and Currents",), 1),
        (("Tides and Currents",), 2),
        (("Tides and Currents", "Neap tides"), 2),
        (("Appendix: Tide Tables",), 3),
        (("Appendix: Tide Tables", "Reading the tables"), 3),
    ]
    assert found[3][2] == page_3[0][3] and found[4][2] == page_3[1][3]


def test_page_one_heading_in_the_outline_is_a_section_not_the_title(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "tides.pdf", [PAGE_1, PAGE_2])
    add_outline(path, [(1, "Tides and Currents", 0, None), (1, "Neap tides", 1, None)])
    [doc] = pdf.read(path, "tides.pdf", "hash")
    assert doc.title == "tides"  # the file's name: page 1 has no title of its own
    assert [p.section for p in split_document(doc, 800)] == [
        ("Tides and Currents",),  # page 1
        ("Tides and Currents",),  # page 2
        ("Neap tides",),
    ]

    # An outline whose only top entry is page 1's title roots the others under it.
    path = write_pdf(tmp_path / "tides.pdf", [PAGE_1, PAGE_2])
    add_outline(path, [(1, "Tides and Currents", 0, None), (2, "Neap tides", 1, None)])
    [doc] = pdf.read(path, "tides.pdf", "hash")
    assert doc.title == "Tides and Currents"
    # The title's section: one passage a page.
    assert [p.section for p in split_document(doc, 800)] == [(), (), ("Neap tides",)]


RIVERS_1: list[Line] = [
    (72, 780, 22, "Rivers of the World"),
    (72, 740, 18, "Part One"),
    (72, 715, 11, "The first part describes rivers by the landscapes they cross."),
    (72, 685, 15, "Mountain rivers"),
    (72, 660, 11, "Mountain rivers are fast and cold, and carry stones down steep valleys."),
    (72, 630, 13, "Upper course"),
    (72, 605, 11, "In the upper course the river cuts a narrow valley into the rock, and"),
    (72, 591, 11, "its bed is a jumble of boulders."),
    (72, 566, 11, "Sources"),  # heading-like, in the text's type
    (72, 552, 11, "Most sources are springs or the melt water of a glacier."),
]
RIVERS_2: list[Line] = [
    (72, 780, 15, "Lowland rivers"),
    (72, 755, 11, "Lowland rivers meander slowly across wide flood plains."),
    (72, 720, 18, "Part Two"),
    (72, 695, 11, "The second part is about the people who live along rivers."),
]


def test_type_sizes_give_heading_levels_without_an_outline(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "rivers.pdf", [RIVERS_1, RIVERS_2])
    [doc] = pdf.read(path, "rivers.pdf", "hash")
    assert doc.title == "Rivers of the World"  # the largest type on page 1
    # 18 pt is level 1, 15 pt level 2, 13 pt level 3, a heading in the text's type 4.
    assert sections(path) == [
        (("Part One",), 1, RIVERS_1[2][3]),
        (("Part One", "Mountain rivers"), 1, RIVERS_1[4][3]),
        (
            ("Part One", "Mountain rivers", "Upper course"),
            1,
            f"{RIVERS_1[6][3]} {RIVERS_1[7][3]}",
        ),
        (("Part One", "Mountain rivers", "Upper course", "Sources"), 1, RIVERS_1[9][3]),
        # Levels are the document's, not the page's: 15 pt on page 2 is level 2 still.
        (("Part One", "Lowland rivers"), 2, RIVERS_2[1][3]),
        (("Part Two",), 2, RIVERS_2[3][3]),
    ]
