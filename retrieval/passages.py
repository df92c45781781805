"""Splitting documents into passages: one paragraph per passage, long paragraphs cut
at sentence boundaries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .documents import Document
from .sentences import sentence_spans


@dataclass(frozen=True)
class Passage:
    """A retrievable unit of text.

    Attributes:
        id: stable identifier: the same source and text give the same id.
        text: the paragraph (or part of one), as shown to users.
        title: the title of its document.
        source: its document's source name (see :class:`Document`).
        position: its index within the document, from 0.
        metadata: the source's metadata (date, provider, url, ...).
    """

    id: str
    text: str
    title: str
    source: str
    position: int
    metadata: dict[str, Any] = field(default_factory=dict)

    def embedding_text(self, with_title: bool) -> str:
        """The text the model embeds: the title gives a paragraph its context."""
        return f"{self.title}\n{self.text}" if with_title else self.text

    def sentence_spans(self) -> list[tuple[int, int]]:
        """Where the passage's sentences are in :attr:`text` (at least one)."""
        return sentence_spans(self.text) or [(0, len(self.text))]

    def embedding_spans(
        self, with_title: bool, spans: list[tuple[int, int]] | None = None
    ) -> list[tuple[int, int]]:
        """Where the passage's sentences (``spans``, default :meth:`sentence_spans`) are
        in :meth:`embedding_text`."""
        shift = len(self.title) + 1 if with_title else 0
        return [(start + shift, end + shift) for start, end in spans or self.sentence_spans()]


def split_document(document: Document, max_chars: int) -> list[Passage]:
    """Cuts a document into passages of at most ``max_chars`` characters (a single
    sentence longer than that is cut between words)."""
    texts = [
        (chunk, paragraph.metadata)
        for paragraph in document.paragraphs
        for chunk in split_text(paragraph.text, max_chars)
    ]
    return [
        Passage(
            id=_passage_id(document.source, position, text),
            text=text,
            title=document.title,
            source=document.source,
            position=position,
            metadata={**document.metadata, **metadata},
        )
        for position, (text, metadata) in enumerate(texts)
    ]


def split_text(text: str, max_chars: int) -> list[str]:
    """Packs whole sentences into chunks of at most ``max_chars`` characters."""
    if len(text) <= max_chars:
        return [text]
    chunks: list[str] = []
    current = ""
    for start, end in sentence_spans(text):
        for piece in _cut_long(text[start:end], max_chars):
            if current and len(current) + 1 + len(piece) > max_chars:
                chunks.append(current)
                current = ""
            current = f"{current} {piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def _cut_long(sentence: str, max_chars: int) -> Iterator[str]:
    while len(sentence) > max_chars:
        cut = sentence.rfind(" ", 0, max_chars)
        cut = cut if cut > 0 else max_chars
        yield sentence[:cut].rstrip()
        sentence = sentence[cut:].lstrip()
    if sentence:
        yield sentence


def _passage_id(source: str, position: int, text: str) -> str:
    digest = hashlib.blake2b(f"{source}\n{position}\n{text}".encode(), digest_size=8)
    return digest.hexdigest()
