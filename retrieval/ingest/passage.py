"""The retrievable unit of text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .sentences import sentence_spans

#: Metadata key of a passage's heading path: the titles of the sections it is in, from
#: the top (``["User guide", "Branches"]``); absent before the first heading.
SECTION = "section"
#: Metadata key of where code is in a passage's text: ``[[start, end], ...]``.
CODE = "code"
#: How a heading path is written on one line (embedded, indexed, shown).
SECTION_SEPARATOR = " › "
#: A heading longer than this is shortened in a passage's context (see
#: :func:`short_heading`).
CONTEXT_HEADING_CHARS = 60


def short_heading(heading: str) -> str:
    """A heading as a passage's context gives it: whole when short; an API entry's
    signature as its name (``class flask.Flask(import_name, static_url_path=None, …)``
    is ``class flask.Flask(…)``); other long text cut at a word. Three nested
    signatures would otherwise fill half of what the model reads of a passage."""
    if len(heading) <= CONTEXT_HEADING_CHARS:
        return heading
    bracket = heading.find("(")
    if 0 < bracket <= CONTEXT_HEADING_CHARS:
        return heading[:bracket] + "(…)"
    cut = heading.rfind(" ", 0, CONTEXT_HEADING_CHARS)
    return heading[: cut if cut > 0 else CONTEXT_HEADING_CHARS] + " …"


@dataclass(frozen=True)
class Passage:
    """A retrievable unit of text.

    Attributes:
        id: stable identifier: the same source and text give the same id.
        text: the paragraph (or part of one), as shown to users.
        title: the title of its document.
        source: its document's source name (see :class:`Document`).
        position: its index within the document, from 0.
        metadata: the source's metadata (date, provider, url, ...), the block's
            (``page``), the passage's heading path (:data:`SECTION`) and where its
            code is (:data:`CODE`).
    """

    id: str
    text: str
    title: str
    source: str
    position: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def section(self) -> tuple[str, ...]:
        """The heading path of the passage's section (empty before the first heading)."""
        path = self.metadata.get(SECTION)
        return tuple(str(x) for x in path) if isinstance(path, list) else ()

    def context(self, with_title: bool) -> str:
        """What the passage is about, as lines above its text: the document's title
        (``with_title``) and the heading path. Empty if neither."""
        lines = [self.title] if with_title else []
        if self.section:
            lines.append(SECTION_SEPARATOR.join(map(short_heading, self.section)))
        return "".join(f"{line}\n" for line in lines)

    def embedding_text(self, with_title: bool) -> str:
        """The text the model embeds: the title and the heading path give a paragraph
        its context (an FAQ's answer is about its question)."""
        return self.context(with_title) + self.text

    def sentence_spans(self) -> list[tuple[int, int]]:
        """Where the passage's sentences are in :attr:`text` (at least one)."""
        return sentence_spans(self.text) or [(0, len(self.text))]

    def embedding_spans(
        self, with_title: bool, spans: list[tuple[int, int]] | None = None
    ) -> list[tuple[int, int]]:
        """Where the passage's sentences (``spans``, default :meth:`sentence_spans`) are
        in :meth:`embedding_text`."""
        shift = len(self.context(with_title))
        return [(start + shift, end + shift) for start, end in spans or self.sentence_spans()]
