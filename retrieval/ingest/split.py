"""Splitting documents into passages: one paragraph per passage, long paragraphs cut
at sentence boundaries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from .document import Document
from .passage import Passage
from .sentences import sentence_spans


def split_document(document: Document, max_chars: int) -> list[Passage]:
    """Cuts a document into passages of at most ``max_chars`` characters (a single
    sentence longer than that is cut between words)."""
    texts = [
        (chunk, paragraph.metadata)
        for paragraph in document.paragraphs()
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
