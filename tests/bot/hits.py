"""Hand-made retrieval hits for rendering tests."""

from __future__ import annotations

from typing import Any

from retrieval import Hit


def make_hit(
    rank: int = 1,
    text: str = "Alpha. Beta gamma. Delta.",
    sentence: tuple[int, int] = (7, 18),
    *,
    title: str = "Title",
    source: str = "s.txt",
    **metadata: Any,
) -> Hit:
    """A hit with the given text, answering-sentence span and source metadata (``date``,
    ``provider``, ``url``, ``page``)."""
    return Hit(
        id=f"{source}#{rank}",
        text=text,
        title=title,
        source=source,
        position=rank - 1,
        rank=rank,
        score=1.0,
        similarity=0.9,
        metadata=metadata,
        sentence=sentence,
    )
