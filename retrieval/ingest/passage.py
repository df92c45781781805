"""The retrievable unit of text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
