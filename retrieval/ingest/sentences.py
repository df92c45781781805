"""Sentence boundaries, as character spans, for splitting long paragraphs and for
picking the sentence that answers a question.

A small rule-based splitter rather than pySBD or NLTK: it runs on every returned hit
at query time, where a few milliseconds per passage would dominate the search itself,
and NLTK's Punkt model would have to be downloaded at run time.
"""

from __future__ import annotations

import re

# Tokens that end with a period without ending a sentence.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st vs etc inc ltd co corp no nos fig figs e.g i.e approx
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k e.u al""".split()
)
# A terminator, optional closing quotes or brackets, then space and a plausible start.
# It starts only at the first mark of a run ("...", "?!"): tried at every mark, a long
# run of them not followed by a sentence start would cost time quadratic in its length.
_BOUNDARY = re.compile(r"(?<![.!?…])[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# The word before a terminator is looked for this far back at most: no abbreviation is
# longer, and a bounded look keeps splitting linear in the text's length.
_WORD_WINDOW = 32
_LAST_WORD = re.compile(r"\S+$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Splits ``text`` into sentences.

    Line breaks always end a sentence (a heading kept with its paragraph stays a
    sentence of its own).

    Args:
        text: the text to split.

    Returns:
        ``(start, end)`` character offsets of each sentence, white space trimmed,
        in order; empty when ``text`` is blank.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for match in _BOUNDARY.finditer(line.group()):
            end = line.start() + match.end()
            if _is_abbreviation(text, line.start(), line.start() + match.start()):
                continue
            spans.append((start, end))
            start = end
        spans.append((start, line.end()))
    return [trimmed for span in spans if (trimmed := _trim(text, span))]


def _is_abbreviation(text: str, line_start: int, dot: int) -> bool:
    """Whether the word that ends at ``dot`` is an abbreviation or an initial."""
    word = _LAST_WORD.search(text, max(line_start, dot - _WORD_WINDOW), dot)
    if word is None:
        return False
    token = word.group().lower().lstrip("\"'“‘([")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int] | None:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
