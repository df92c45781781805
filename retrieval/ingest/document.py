"""What every reader produces: a document as a tree of titled sections holding blocks
(paragraphs, lists, code, table rows), and the paragraphs passages are cut from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .clean import fold


class BlockKind(str, Enum):
    """What a block of a document is."""

    HEADING = "heading"  # only in a reader's stream: the tree makes it a section's title
    PARAGRAPH = "paragraph"
    LIST = "list"
    CODE = "code"
    TABLE_ROW = "table_row"


@dataclass(frozen=True)
class Block:
    """A piece of a document's text.

    Attributes:
        text: the cleaned text.
        kind: what it is.
        level: a heading's depth (1 for the top), when the format tells it; 0 when it
            does not (a heading guessed from a short line).
        metadata: the block's own metadata (e.g. ``{"page": 3}``), merged over the
            document's in its passages.
    """

    text: str
    kind: BlockKind = BlockKind.PARAGRAPH
    level: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def is_heading(self) -> bool:
        return self.kind is BlockKind.HEADING


@dataclass(frozen=True)
class Section:
    """A titled part of a document: its own blocks, then its sub-sections.

    Attributes:
        title: the heading ("" for the part before the first heading).
        level: the heading's depth (0 for the document's body and guessed headings).
        blocks: the section's content before its first sub-section.
        sections: its sub-sections, in order.
    """

    title: str = ""
    level: int = 0
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()

    def walk(self) -> Iterator[Section]:
        """This section and every section below it, in document order."""
        yield self
        for section in self.sections:
            yield from section.walk()


@dataclass(frozen=True)
class Paragraph:
    """A paragraph as passages are cut from it.

    Attributes:
        text: the block's text, the headings that introduce it on the lines before.
        metadata: the block's own metadata.
    """

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A source document.

    Attributes:
        source: path relative to the corpus folder given (the file name for files
            at its top; ``file#id`` for a record of a collection), its stable name.
        title: the document's title.
        body: its content, a tree of sections (boilerplate removed).
        metadata: what is known of the source (``date``, ``provider``, ``url``).
        content_hash: hash of the file's bytes; an unchanged hash means nothing to redo.
    """

    source: str
    title: str
    body: Section
    metadata: dict[str, Any]
    content_hash: str

    def sections(self) -> Iterator[tuple[tuple[str, ...], Section]]:
        """Every section in document order, with its heading path: the titles of the
        sections above it and its own (empty for text before the first heading)."""

        def walk(
            section: Section, path: tuple[str, ...]
        ) -> Iterator[tuple[tuple[str, ...], Section]]:
            path = (*path, section.title) if section.title else path
            yield path, section
            for child in section.sections:
                yield from walk(child, path)

        return walk(self.body, ())

    def paragraphs(self) -> list[Paragraph]:
        """The document's blocks in order, the first block after a heading carrying it
        (and any headings directly above it) on its first lines; a heading with no
        block after it gives nothing, and repeated paragraphs are kept once (web pages
        repeat subtitles)."""
        found: list[Paragraph] = []
        seen: set[str] = set()
        pending: list[str] = []
        for section in self.body.walk():
            if section.title:
                pending.append(section.title)
            for block in section.blocks:
                text = "\n".join([*pending, block.text])
                pending = []
                if fold(text) not in seen:
                    seen.add(fold(text))
                    found.append(Paragraph(text, dict(block.metadata)))
        return found
