"""Turning a reader's stream of blocks into a document's tree of sections."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .clean import is_boilerplate, is_markup, same_text
from .document import Block, BlockKind, Document, Section


@dataclass
class _Open:
    """A section still being filled."""

    title: str
    level: int
    blocks: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def close(self) -> Section:
        return Section(self.title, self.level, tuple(self.blocks), tuple(self.sections))


def build_sections(blocks: Iterable[Block], title: str) -> Section:
    """The tree of sections of a stream of blocks.

    Empty blocks, markup lines ("-----"), boilerplate lines ("Leave a Reply",
    "Tags: …") and repeats of the document's ``title`` are dropped. A heading with a
    depth (``level`` ≥ 1) closes the open sections at its depth or deeper; one without
    (a guessed heading) is a sub-section of a heading directly above it, else a
    sibling of the open section.

    Args:
        blocks: the reader's blocks, in document order, headings among them.
        title: the document's title.

    Returns:
        The document's body: a section without a title holding everything.
    """
    stack = [_Open("", 0)]
    for block in blocks:
        text = block.text
        markup = block.kind is not BlockKind.CODE and is_markup(text)  # code may be "};"
        if block.is_heading and block.level and same_text(text, title):
            # The title as a heading is no section of its own, but still ends those
            # at its depth: what follows it belongs to the document's top.
            while len(stack) > 1 and stack[-1].level >= block.level:
                _close_last(stack)
            continue
        if not text or markup or is_boilerplate(text) or same_text(text, title):
            continue
        if not block.is_heading:
            stack[-1].blocks.append(block)
            continue
        if block.level:
            while len(stack) > 1 and stack[-1].level >= block.level:
                _close_last(stack)
            level = block.level
        else:
            # The open section is the newest: it has no sub-sections yet. With no text
            # of its own, the heading after it is its sub-heading.
            if len(stack) > 1 and stack[-1].blocks:
                level = stack[-1].level
                _close_last(stack)
            else:
                level = stack[-1].level
        stack.append(_Open(block.text, level))
    while len(stack) > 1:
        _close_last(stack)
    return stack[0].close()


def _close_last(stack: list[_Open]) -> None:
    section = stack.pop().close()
    stack[-1].sections.append(section)


def build_document(
    source: str, title: str, blocks: Iterable[Block], metadata: dict[str, Any], content_hash: str
) -> Document:
    """The document of a reader's stream of blocks (see :func:`build_sections`)."""
    return Document(source, title, build_sections(blocks, title), metadata, content_hash)
