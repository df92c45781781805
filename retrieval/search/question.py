"""A question as searched: white space collapsed, cut to the maximum length."""

from __future__ import annotations

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
