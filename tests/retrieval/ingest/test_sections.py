"""A reader's stream of blocks becomes a tree of titled sections; passages follow it."""

from __future__ import annotations

from retrieval.ingest import Block, BlockKind, Document, Section
from retrieval.ingest.sections import build_sections


def heading(text: str, level: int = 0) -> Block:
    return Block(text, BlockKind.HEADING, level=level)


def test_levelled_headings_nest_and_close():
    body = build_sections(
        [
            Block("Lead."),
            heading("Install", 1),
            Block("Run the installer."),
            heading("On Linux", 2),
            Block("Use the package."),
            heading("Usage", 1),
            Block("Start it."),
        ],
        title="Manual",
    )
    assert [b.text for b in body.blocks] == ["Lead."]
    install, usage = body.sections
    assert (install.title, install.level, usage.title) == ("Install", 1, "Usage")
    assert [s.title for s in install.sections] == ["On Linux"]
    assert [s.title for s in body.walk()] == ["", "Install", "On Linux", "Usage"]


def test_guessed_headings_are_siblings_unless_directly_stacked():
    body = build_sections(
        [heading("Part A"), heading("Intro"), Block("a."), heading("Part B"), Block("b.")],
        title="T",
    )
    # Part A has nothing of its own: Intro is its sub-heading; Part B follows text, so
    # it is a sibling of the section that text is in.
    (part_a,) = body.sections
    assert [s.title for s in part_a.sections] == ["Intro", "Part B"]


def test_boilerplate_markup_and_title_repeats_are_dropped():
    body = build_sections(
        [Block("Manual"), Block("-----"), Block("Leave a Reply"), Block("Real text.")],
        title="manual",
    )
    assert [b.text for b in body.blocks] == ["Real text."]
    code = build_sections([Block("};", BlockKind.CODE)], title="T")
    assert [b.text for b in code.blocks] == ["};"]  # code keeps its punctuation


def test_paragraphs_carry_the_headings_above_them_once():
    body = build_sections(
        [heading("Install", 1), heading("Linux", 2), Block("Use apt."), Block("Or snap.")],
        title="T",
    )
    document = Document("m.md", "T", body, {}, "h")
    assert [p.text for p in document.paragraphs()] == ["Install\nLinux\nUse apt.", "Or snap."]


def test_repeated_paragraphs_are_kept_once():
    body = Section(blocks=(Block("Same."), Block("same."), Block("Other.")))
    assert [p.text for p in Document("x", "T", body, {}, "h").paragraphs()] == ["Same.", "Other."]
