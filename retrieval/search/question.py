"""A question as searched: white space collapsed, cut to the maximum length."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QuestionError


def normalize_question(question: str) -> str:
    """The question with its white space collapsed.

    Raises:
        QuestionError: nothing is left.
    """
    text = " ".join(str(question).split())
    if not text:
        raise QuestionError("the question is empty")
    return text


# A word as names are written: letters, then letters, digits and . + # - inside
# ("Node.js", "C++", "C#", "Cargo.toml").
_WORD = re.compile(r"[^\W\d_][\w.+#-]*[\w+#]|[^\W\d_]")


@dataclass(frozen=True)
class Question:
    """A question ready to search.

    Attributes:
        text: the normalised question, at most ``max_chars`` long.
        truncated: whether it was cut.
    """

    text: str
    truncated: bool = False

    @classmethod
    def of(cls, question: str, max_chars: int) -> Question:
        """Normalises and, past ``max_chars``, truncates ``question``.

        Raises:
            QuestionError: the question is empty.
        """
        text = normalize_question(question)
        return cls(text[:max_chars], True) if len(text) > max_chars else cls(text)

    def names(self) -> list[str]:
        """The words written as names: capitalised other than as the first word, with
        several capitals ("PostgreSQL", "AIoT"), or with digits or . + # inside
        ("Node.js", "C++", "utf8")."""
        found = []
        for match in _WORD.finditer(self.text):
            word = match.group()
            capitalised = word[0].isupper() and match.start() > 0
            marked = sum(ch.isupper() for ch in word) > 1 or any(
                ch.isdigit() or ch in ".+#" for ch in word[1:]
            )
            if capitalised or marked:
                found.append(word)
        return found
