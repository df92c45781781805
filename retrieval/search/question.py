"""A question as searched: white space collapsed, cut to the maximum length."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

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
# Words that point back to something said before ("Who runs it?", "Why was that
# needed?", "Who works there?").
_REFERRING_WORDS = frozenset(
    """it its itself they them their theirs themselves he him his himself she her hers
    herself this that these those there such""".split()
)
# Openings that continue the previous question with a new subject or an added detail
# ("What about Deepmotion?", "And the amount?").
_CONTINUATIONS = re.compile(
    r"(what|how)\s+about\b|what\s+of\b|and\b|also\b|same\s+(for|with)\b|what\s+else\b",
    re.IGNORECASE,
)
# Words that make a clause of their own: question words and auxiliaries.
_CLAUSE_WORDS = frozenset(
    """who whom whose what which when where why how whether is are was were be been
    am do does did can could shall should will would may might must have has had""".split()
)
# A term as a continuation names it: a word, a number or a name with . _ + # - inside.
_TERM = re.compile(r"\w[\w.+#-]*[\w+#]|\w")
# Where a clause ends: after . ? ! : ; and before white space ("app.run()" and
# "e.g.x" stay whole).
_CLAUSE_END = re.compile(r"(?<=[.?!:;])\s+")
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

    def asking(self) -> Question:
        """The part of the question that asks: its clauses that end with a question
        mark ("I read about startups in China: who invested in Pateo? I forget." →
        "who invested in Pateo?"); the whole question if none does."""
        asking = [c for c in _CLAUSE_END.split(self.text) if c.endswith("?")]
        return Question(" ".join(asking)) if asking else self

    def words(self) -> list[str]:
        """The question's words as written (letters, and . + # - inside names)."""
        return _WORD.findall(self.text)

    def content_words(self) -> list[str]:
        """The words that say what the question is about: not question words,
        pronouns, auxiliaries, determiners, conjunctions or prepositions."""
        return [w for w in self.words() if w.lower() not in _FUNCTION_WORDS]

    def refers_back(self) -> bool:
        """Whether the question points back to something said before: a pronoun or a
        demonstrative ("Who runs it?"), or an opening that continues ("What about
        Deepmotion?", "And the amount?")."""
        if _CONTINUATIONS.match(self.text):
            return True
        return any(w.lower() in _REFERRING_WORDS for w in self.words())

    def new_subject(self) -> str | None:
        """X, when the question is only a continuation and X ("What about X?", "And
        X?", "How about for X?"): the previous question asked again about X."""
        opening = _CONTINUATIONS.match(self.text)
        if opening is None:
            return None
        rest = self.text[opening.end() :].strip(" \t?.!,;:")
        words = [w.lower() for w in _TERM.findall(rest)]
        if not words or any(w in _CLAUSE_WORDS for w in words):
            return None  # "And how do I read it?": a question of its own
        kept = [w for w in _TERM.findall(rest) if w.lower() not in _FUNCTION_WORDS]
        return " ".join(kept) or None

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


@dataclass(frozen=True)
class SearchContext:
    """What a question is about beyond its own words: what a conversation carried over
    from earlier turns (see :mod:`retrieval.conversation`).

    Attributes:
        words: the carried words, searched beside the question at ``context_weight``
            (BM25).
        follow_up: whether the question depends on them (refers back: "When did it
            happen?"): then whether anything answers it is judged with them at full
            weight; else with the question alone, so that an off-topic question is not
            answered for its context's sake.
        vector: the vector the question's leans towards (at ``context_weight``): the
            previous question's as searched, which a conversation keeps so that nothing
            more is encoded; None encodes ``words``.
    """

    words: str
    follow_up: bool = True
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
