"""What a search returns."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ingest.passage import SECTION_SEPARATOR, short_heading
from ..ingest.sentences import sentence_spans
from .spelling import Correction

if TYPE_CHECKING:
    from ..ingest import Passage


@dataclass(frozen=True)
class Hit:
    """A passage that answers a question.

    Attributes:
        id: the passage's stable id.
        text: the passage (a paragraph or part of one).
        title: its document's title.
        source: its document's source name (file path relative to the corpus folder).
        position: the passage's index within its document.
        rank: 1 for the best hit.
        score: the fused ranking score (comparable within one result only).
        similarity: cosine similarity between question and passage, in [-1, 1].
        metadata: what is known of the source: ``date``, ``provider``, ``url``.
        sentence: ``(start, end)`` character offsets in ``text`` of the sentence that
            best answers the question.
    """

    id: str
    text: str
    title: str
    source: str
    position: int
    rank: int
    score: float
    similarity: float
    metadata: dict[str, Any] = field(default_factory=dict)
    sentence: tuple[int, int] = (0, 0)

    @classmethod
    def of(
        cls,
        passage: Passage,
        *,
        rank: int,
        score: float,
        similarity: float,
        sentence: tuple[int, int],
    ) -> Hit:
        """The hit of ``passage`` (its text, title, source and metadata)."""
        return cls(
            id=passage.id,
            text=passage.text,
            title=passage.title,
            source=passage.source,
            position=passage.position,
            rank=rank,
            score=score,
            similarity=similarity,
            metadata=passage.metadata,
            sentence=sentence,
        )

    def __post_init__(self) -> None:
        # A span outside the text would make every renderer slice nonsense.
        start = min(max(int(self.sentence[0]), 0), len(self.text))
        end = min(max(int(self.sentence[1]), start), len(self.text))
        object.__setattr__(self, "sentence", (start, end))

    @property
    def sentence_text(self) -> str:
        """The answering sentence itself."""
        start, end = self.sentence
        return self.text[start:end]

    @property
    def parts(self) -> tuple[str, str, str]:
        """``(before, answering sentence, after)``: the text cut around :attr:`sentence`."""
        start, end = self.sentence
        return self.text[:start], self.text[start:end], self.text[end:]

    @property
    def date(self) -> str | None:
        """The source's date (ISO ``YYYY-MM-DD``), when known."""
        return _text(self.metadata, "date")

    @property
    def provider(self) -> str | None:
        """Who published the source, when known."""
        return _text(self.metadata, "provider")

    @property
    def url(self) -> str | None:
        """A link to the source, when known."""
        return _text(self.metadata, "url")

    @property
    def section(self) -> tuple[str, ...]:
        """The heading path of the passage's section, from the top (empty before the
        document's first heading)."""
        path = self.metadata.get("section")
        return tuple(str(x) for x in path) if isinstance(path, list) else ()

    @property
    def heading_path(self) -> str:
        """The heading path on one line, as answers show it: long headings shortened
        (an API entry's signature to its name, see ``short_heading``)."""
        return SECTION_SEPARATOR.join(short_heading(h) for h in self.section)

    @property
    def link(self) -> str | None:
        """A link to the passage's section: the source's URL with the section's anchor
        (``#id``) when the page has one; the URL alone otherwise."""
        anchor = _text(self.metadata, "anchor")
        url = self.url
        if url and anchor:
            return f"{url.split('#', 1)[0]}#{anchor}"
        return url

    @property
    def code(self) -> list[tuple[int, int]]:
        """Where code is in :attr:`text`, as ``(start, end)`` offsets (shown as code)."""
        spans = self.metadata.get("code")
        if not isinstance(spans, list):
            return []
        found = []
        for span in spans:
            try:
                start, end = (min(max(int(x), 0), len(self.text)) for x in span)
            except (TypeError, ValueError):
                continue
            if start < end:
                found.append((start, end))
        return found

    def excerpt(self, max_chars: int) -> tuple[int, int]:
        """The part of :attr:`text` to show when the passage is longer than
        ``max_chars``: whole sentences (or lines) around the answering sentence, as many
        as fit, alternately after and before it. A section with its list or code can be
        one passage of 1,500 characters; a chat answer shows the part that answers."""
        if len(self.text) <= max_chars:
            return 0, len(self.text)
        spans = sentence_spans(self.text) or [(0, len(self.text))]
        start, end = self.sentence
        at = next((n for n, (_, stop) in enumerate(spans) if stop > start), len(spans) - 1)
        first = last = at
        while True:
            grown = False
            if last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= max_chars:
                last, grown = last + 1, True
            if first > 0 and spans[last][1] - spans[first - 1][0] <= max_chars:
                first, grown = first - 1, True
            if not grown:
                break
        low = 0 if first == 0 else min(spans[first][0], start)
        return low, len(self.text) if last == len(spans) - 1 else max(spans[last][1], end)

    def styled(self, max_chars: int | None = None) -> list[tuple[str, frozenset[str]]]:
        """The text cut where its styles change: each piece with ``"sentence"`` (the
        answering sentence) and ``"code"`` among its styles as they apply. With
        ``max_chars``, only the :meth:`excerpt` of a longer passage, with "…" where
        text is left out."""
        low, high = self.excerpt(max_chars) if max_chars else (0, len(self.text))
        marks = {low, high, *(min(max(x, low), high) for x in self.sentence)}
        for start, end in self.code:
            marks.update(min(max(x, low), high) for x in (start, end))
        cuts = sorted(marks)
        pieces = [("… ", frozenset[str]())] if low > 0 else []
        for start, end in itertools.pairwise(cuts):
            styles = set()
            if self.sentence[0] <= start and end <= self.sentence[1] and start < end:
                styles.add("sentence")
            if any(a <= start and end <= b for a, b in self.code):
                styles.add("code")
            if start < end:
                pieces.append((self.text[start:end], frozenset(styles)))
        if high < len(self.text):
            pieces.append((" …", frozenset()))
        return pieces

    @property
    def page(self) -> int | None:
        """The page of the source the passage is on (PDFs), when known."""
        try:
            return int(self.metadata["page"])
        except (KeyError, TypeError, ValueError):
            return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "position": self.position,
            "score": round(self.score, 6),
            "similarity": round(self.similarity, 6),
            "text": self.text,
            "sentence": list(self.sentence),
            "metadata": self.metadata,
        }


def _text(metadata: dict[str, Any], key: str) -> str | None:
    value = metadata.get(key)
    return (str(value).strip() or None) if value is not None else None


@dataclass(frozen=True)
class SearchResult:
    """The answer to one question.

    Attributes:
        question: the question as searched (stripped, truncated if it was too long).
        hits: the best passages, best first; empty when ``answered`` is False.
        answered: False when nothing in the corpus is relevant to the question.
        best_similarity: the highest cosine similarity of any passage to the question,
            the figure the no-answer decision rests on.
        offset: how many better hits were skipped (for paging).
        has_more: whether a further page of hits exists.
        truncated: whether the question was cut to the maximum length.
        corrections: the misspelt words searched as the collection's words (then
            ``question`` is the corrected question).
        language: set when the question is in another language than the collection's
            (and the model is not multilingual): its ISO 639-1 code (``"und"`` when
            only its script is known); nothing was searched.
        context: what was searched beside the question, at the context's weight: the
            words a conversation carried over from earlier turns (see
            :mod:`retrieval.conversation`).
        vector: the question's vector as searched (leaning towards its context): what
            a conversation carries into the next turn.
    """

    question: str
    hits: list[Hit]
    answered: bool
    best_similarity: float
    offset: int = 0
    has_more: bool = False
    truncated: bool = False
    corrections: tuple[Correction, ...] = ()
    language: str | None = None
    context: str | None = None
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "best_similarity": round(self.best_similarity, 6),
            "offset": self.offset,
            "has_more": self.has_more,
            "truncated": self.truncated,
            "corrections": [[c.word, c.replacement] for c in self.corrections],
            "language": self.language,
            "context": self.context,
            "hits": [h.to_dict() for h in self.hits],
        }
