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
# English's closed classes (question words, pronouns, auxiliaries, determiners,
# conjunctions, prepositions): capitalised, they start a clause, they name nothing.
_FUNCTION_WORDS = frozenset(
    """who whom whose what which when where why how whether is are was were be been
    being am do does did done have has had can could shall should will would may might
    must i me my mine we us our you your he him his she her it its they them their this
    that these those the a an and or but nor so yet if then else than as at by for from
    in into of off on onto out over per to up upon via with within without about above
    after against along among around before behind below beneath beside between beyond
    during except inside near since through toward towards under until not no yes
    please there here all any each every some none also only just""".split()
)
# After these a capital starts a sentence (or a quotation), not a name.
_SENTENCE_ENDS = tuple(".?!:;\"'(“‘«")


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
        """The words written as names: capitalised other than as a sentence's first
        word, with several capitals ("PostgreSQL", "AIoT"), or with digits or . + #
        inside ("Node.js", "C++", "utf8")."""
        found = []
        for match in _WORD.finditer(self.text):
            word = match.group()
            before = self.text[: match.start()].rstrip()
            first = not before or before.endswith(_SENTENCE_ENDS)
            capitalised = word[0].isupper() and not first and word.lower() not in _FUNCTION_WORDS
            marked = sum(ch.isupper() for ch in word) > 1 or any(
                ch.isdigit() or ch in ".+#" for ch in word[1:]
            )
            if capitalised or marked:
                found.append(word)
        return found
