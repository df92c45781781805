"""Which questions are written in another language than the collection's.

A model that is not multilingual places a Spanish or Russian question near unrelated
passages, and answering with those is worse than saying nothing; so such questions are
recognised and refused with the language's name. Short questions fool a language
identifier ("pateo xiaomi investment" is Nigerian Pidgin to py3langid), so the
identifier's guess is only taken when the question's words back it: a question in
another script, or one whose words are mostly neither the collection's language
(its dictionary) nor close to the collection's own words. Names the collection holds
(Xiaomi, Pateo) are neutral: people keep them in any language.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Languages written in Latin script among the collection languages: for them a question
# mostly in another script is in another language.
_LATIN_LANGUAGES = frozenset("en da de es fr it nl no pt sv tr".split())
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Below this share of the question's words being the collection language's, a
#: question the identifier places in another language is taken to be in it.
MIN_OWN_WORDS = 0.5


# Read-only package data, loaded on first use and shared by every index a process opens
# (a test run or a benchmark opens dozens): 0.1 s for the dictionary, 0.4 s for the
# identifier's model, each time otherwise.
@functools.cache
def english_dictionary() -> WordList:
    """English words (lower case): the 82,765 of the frequency dictionary that ships
    with ``symspellpy`` (Google Books n-grams within the SCOWL word lists)."""
    resource = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    with importlib.resources.as_file(resource) as path:
        data = Path(path).read_bytes()
    return WordList(re.findall(rb"^([^ \n]+) ", data, re.MULTILINE))


class WordList(Collection[str]):
    """A fixed set of words, sorted in one numpy array of byte strings: 2 MB for the
    English dictionary, where a ``frozenset`` of its 82,765 ``str`` objects held 13 MB
    (a share of every process's peak memory). Membership is a binary search.

    Args:
        words: the words, UTF-8 encoded.
    """

    def __init__(self, words: Sequence[bytes]) -> None:
        self._words = np.unique(np.array(words, dtype=bytes))

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        key = word.encode()
        i = int(np.searchsorted(self._words, key))
        return i < len(self._words) and bytes(self._words[i]) == key

    def __iter__(self) -> Iterator[str]:
        return (bytes(w).decode() for w in self._words)

    def __len__(self) -> int:
        return len(self._words)


@functools.cache
def _identifier() -> Any:
    """py3langid's identifier with its packaged model (see english_dictionary)."""
    import py3langid.langid as langid  # 0.4 s to load: only when a question needs it

    path = Path(langid.MODEL_DIR) / langid.MODEL_FILE
    return langid.LanguageIdentifier.from_modelpath(path)


class LanguageCheck:
    """Tells whether a question is in another language than the collection's.

    Args:
        language: the collection's language (ISO 639-1).
        dictionary_word: whether a lower-case word is in the language's dictionary
            (without one: whether the collection has it).
        collection_word: whether a lower-case word is the collection's, or a misspelling
            of one of its words. Those the dictionary lacks are names (or typos) and
            count as neither language.
    """

    def __init__(
        self,
        language: str,
        dictionary_word: Callable[[str], bool],
        collection_word: Callable[[str], bool],
    ) -> None:
        self.language = language
        self.dictionary_word = dictionary_word
        self.collection_word = collection_word

    def foreign(self, text: str) -> str | None:
        """The ISO 639-1 code of ``text``'s language when it is not the collection's,
        else None."""
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return None
        if self.language in _LATIN_LANGUAGES:
            other_script = sum(not unicodedata.name(ch, "").startswith("LATIN") for ch in letters)
            if other_script / len(letters) >= 0.5:
                guess = self._identify(text)
                return guess if guess != self.language else "und"
        # The words first: the identifier is asked only about a question whose words are
        # mostly neither the language's nor the collection's (its model holds 70 MB of
        # Python objects: loaded for questions that may be foreign, not for every one).
        words = _WORD.findall(text.lower())
        own = [self.dictionary_word(w) for w in words]
        counted = [o for w, o in zip(words, own, strict=True) if o or not self.collection_word(w)]
        if not counted or sum(counted) / len(counted) >= MIN_OWN_WORDS:
            return None
        guess = self._identify(text)
        return guess if guess != self.language else None

    def _identify(self, text: str) -> str:
        code, _ = _identifier().classify(text)
        return str(code)


def language_name(code: str) -> str | None:
    """The English name of the language ``code`` (``"es"`` → ``"Spanish"``), if known."""
    import langcodes

    if code == "und":
        return None
    try:
        name = langcodes.Language.get(code).display_name()
    except (ValueError, LookupError):
        return None
    return None if name.lower().startswith("unknown") else str(name)
