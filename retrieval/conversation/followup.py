"""Follow-up questions, resolved without a language model.

A question continues the conversation when it points back ("Who runs it?", "Why was
that needed?"), opens as a continuation ("What about Deepmotion?", "And the
amount?"), or names nothing the collection knows ("When?"). Then it is searched with
the previous turn's subject: its names and rarest words ("Can I carry them over?"
after "How many vacation days do I get?" is searched with "vacation days"), or, for
"What about X?" after a question about Y, as the previous question about X. A question
that names things of its own is searched alone, so a question that changes the subject
is not dragged back to the old one. Any other question is ranked with the subject; it
is judged answerable with it only if all its words are the collection's ("What was the
amount?", not "What's the weather tomorrow?").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..search import Question

#: How many of the previous turn's words are carried into a follow-up.
SUBJECT_WORDS = 6


@dataclass(frozen=True)
class Query:
    """One way to search a question.

    Attributes:
        text: what is searched: the question, or the previous question asked anew
            about a new subject.
        context: the words carried over from earlier turns, searched beside ``text``
            at the context's weight (``RetrievalConfig.context_weight``).
        follow_up: whether the question depends on the context (it points back to
            it): then it is judged answerable with it, else alone (see
            :meth:`retrieval.Retriever.search`).
    """

    text: str
    context: str | None = None
    follow_up: bool = True


def subject(text: str, weight: Callable[[Sequence[str]], list[float]]) -> list[str]:
    """What ``text`` is about: its names and its rarest words that the collection
    knows, at most :data:`SUBJECT_WORDS`, in the order written.

    Args:
        text: a question as it was searched.
        weight: the collection's weight (IDF; 0 when unknown) of each of some words.
    """
    words = _distinct(Question(text).content_words())
    weights = weight(words)
    # Capitalised words that are not question words: names, wherever they stand (a
    # carried subject follows the question it was added to).
    names = {w for w in words if w[0].isupper()}
    known = [(w, x) for w, x in zip(words, weights, strict=True) if x > 0]
    # Names first, then the rarer words: what tells this subject apart.
    ranked = sorted(known, key=lambda wx: (wx[0] not in names, -wx[1]))[:SUBJECT_WORDS]
    keep = {w for w, _ in ranked}
    return [w for w in words if w in keep]


def resolve(
    question: str,
    previous: str | None,
    carried: Sequence[str],
    weight: Callable[[Sequence[str]], list[float]],
) -> Query:
    """How to search ``question`` after the question ``previous`` (as it was
    searched; None at the start of a conversation) about ``carried``.

    Args:
        question: the question as asked.
        previous: the previous turn's searched question, with the words it carried.
        carried: the conversation's subject so far (see :func:`subject`).
        weight: the collection's weight (IDF; 0 when unknown) of each of some words.
    """
    alone = Query(question)
    if previous is None or not carried:
        return alone
    asked = Question(question)
    new = asked.new_subject()
    if new is not None and _named(new):
        again = reask(previous, carried, new, weight)
        return Query(again)
    content = asked.content_words()
    own = {w.lower() for w in content}
    words = [w for w in carried if w.lower() not in own]
    if not words:
        return alone
    carried_words = " ".join(words)
    with_subject = Query(question, carried_words)
    if asked.refers_back():
        return with_subject
    known = [w for w, x in zip(content, weight(content), strict=True) if x > 0]
    # Names of its own (the collection's, or misspelt, or not the collection's: any
    # capitalised word past the first, or a code-like one): a new subject.
    if asked.names() or any(_named(w) for w in known):
        return alone
    # Neither pointing back nor naming anything: ranked with the subject; judged with it
    # too if all its words are the collection's ("What was the amount?"), else alone
    # ("What's the weather tomorrow?" is not about the subject).
    on_topic = len(known) == len(content)
    return Query(question, carried_words, follow_up=on_topic)


def reask(
    previous: str,
    carried: Sequence[str],
    new: str,
    weight: Callable[[Sequence[str]], list[float]],
) -> str:
    """The previous question asked about ``new`` instead: its rarest name replaced by
    the new subject ("Did Xiaomi invest in Pateo?" + "Deepmotion" → "Did Xiaomi invest
    in Deepmotion?"; "How do I tell Gunicorn where my Flask app is?" + "mod_wsgi" →
    "How do I tell mod_wsgi where my Flask app is?"), or, without names, the new subject
    with the previous subject's words ("form data" + "send JSON test client")."""
    old = [w for w in carried if w[0].isupper() and re.search(rf"\b{re.escape(w)}\b", previous)]
    if not old:  # the subject's other words, about the new subject
        return " ".join([new, *(w for w in carried if not w[0].isupper())])
    # The most specific name is what was asked about.
    rarest = max(zip(weight(old), old, strict=True))[1]
    return re.sub(rf"\b{re.escape(rarest)}\b", lambda _: new, previous, count=1)


def _named(text: str) -> bool:
    """Whether ``text`` names something: a capitalised word, or one with digits or
    ``_ . + #`` inside ("mod_wsgi", "2019", "C++")."""
    return any(w[0].isupper() or not w.isalpha() for w in text.split())


def _distinct(words: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for word in words:
        if word.lower() not in seen:
            seen.add(word.lower())
            kept.append(word)
    return kept
