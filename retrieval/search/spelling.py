"""Misspelt question words corrected against the collection's own words.

A word is corrected only when neither the collection (as written or in another
inflection) nor the language's dictionary knows it: "Xiaomo" becomes "Xiaomi" in a
collection about Xiaomi, while "tomatoes" stays "tomatoes" (a real word the collection
lacks is a sign the question is about something else, which the no-answer decision
needs to see). The replacement is the collection's word at the smallest edit distance
(transpositions count one edit), the most frequent among equals.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ..index.lexical import LexicalIndex

# Words shorter than this are left alone: one edit away from too many others (and
# often names the collection lacks: "venv" is not a misspelt "env").
MIN_LENGTH = 5
# From this length on a word may be two edits away from its correction.
TWO_EDITS_FROM = 8
# A word with what may join it to a name ("Cargo.toml", "utf-8", "C++"): only words of
# letters alone are corrected.
_WORD = re.compile(r"[\w.+#-]*\w[\w+#]*")
# Unknown words whose closest collection word is remembered.
_REMEMBERED = 10_000


@dataclass(frozen=True)
class Correction:
    """One corrected word of a question.

    Attributes:
        word: the word as asked.
        replacement: the collection's word searched instead (in the asked word's case).
    """

    word: str
    replacement: str


class SpellingCorrector:
    """Corrects a question's words that neither the collection nor the dictionary knows.

    Args:
        lexical: the collection's BM25 index (its words and their counts).
        dictionary: the language's words (lower case), which are never corrected;
            empty when there is none for the language.
    """

    def __init__(self, lexical: LexicalIndex, dictionary: Collection[str]) -> None:
        self.lexical = lexical
        self.dictionary = dictionary
        # The collection's words by length: a word is only compared with those of a
        # length within its edit budget (a tenth of the vocabulary, typically).
        self._by_length: dict[int, list[str]] | None = None
        # What each unknown word looked up so far is closest to: a question's word is
        # looked up by the language check, the correction and the names check alike.
        self._closest_of: dict[str, str | None] = {}

    def corrections(self, text: str) -> list[Correction]:
        """The corrections of ``text``'s misspelt words, in question order."""
        found = []
        for word in _WORD.findall(text):
            if not word.isalpha() or self._known(word):
                continue
            replacement = self._closest(word.lower())
            if replacement is not None:
                found.append(Correction(word, _same_case(word, replacement)))
        return found

    def in_collection(self, word: str) -> bool:
        """Whether ``word`` is the collection's (in some inflection), or a misspelling
        of one of its words that :meth:`corrections` would correct."""
        lower = word.lower()
        if self.lexical.has_word(lower):
            return True
        return len(lower) >= MIN_LENGTH and self._closest(lower) is not None

    def _known(self, word: str) -> bool:
        lower = word.lower()
        return (
            len(lower) < MIN_LENGTH
            or lower in self.dictionary
            or self.lexical.analyzer.is_stopword(lower)
            or self.lexical.has_word(lower)
        )

    def _closest(self, word: str) -> str | None:
        if word not in self._closest_of:
            if len(self._closest_of) >= _REMEMBERED:  # bounded: forget the oldest
                del self._closest_of[next(iter(self._closest_of))]
            self._closest_of[word] = self._search(word)
        return self._closest_of[word]

    def _search(self, word: str) -> str | None:
        if self._by_length is None:
            by_length: dict[int, list[str]] = {}
            for known in self.lexical.words:
                by_length.setdefault(len(known), []).append(known)
            self._by_length = by_length
        edits = 2 if len(word) >= TWO_EDITS_FROM else 1
        near = [
            known
            for length in range(len(word) - edits, len(word) + edits + 1)
            for known in self._by_length.get(length, ())
        ]
        matches = process.extract(word, near, scorer=OSA.distance, score_cutoff=edits, limit=None)
        if not matches:
            return None
        counts = self.lexical.words
        best: str = min(matches, key=lambda m: (m[1], -counts[m[0]], m[0]))[0]
        return best


def apply(text: str, corrections: Sequence[Correction]) -> str:
    """``text`` with each corrected word replaced (whole words only)."""
    fixes = {c.word: c.replacement for c in corrections}

    def replace(match: re.Match[str]) -> str:
        return fixes.get(match.group(), match.group())

    return _WORD.sub(replace, text)


def _same_case(word: str, replacement: str) -> str:
    if word.isupper() and len(word) > 1:
        return replacement.upper()
    if word[0].isupper():
        return replacement[0].upper() + replacement[1:]
    return replacement
