"""Example questions for ``/start``, ``/help`` and small talk: real questions that the
collection answers, made from its own headings and names and checked by asking them.

Candidates, in order of preference: headings that are questions (an FAQ's), headings
that name a task ("Creating a branch" → "How does creating a branch work?"), short
headings that name a thing ("Application context" → "What is application context?"),
then the names the collection mentions most ("What is Pateo?"). A candidate is kept
only if asking it brings back a passage of the document it came from (or, for a name,
one that mentions it) first; at most one per document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from retrieval import Question, Retriever

# Passages read to find candidates: evenly spaced over the collection, so that a large
# collection costs no more than a small one.
SAMPLED_PASSAGES = 400
# Candidates asked at most (one search each, in one batch).
MAX_CANDIDATES = 24
_MAX_HEADING_WORDS = 8


@dataclass(frozen=True)
class _Candidate:
    question: str
    source: str | None  # the document it must come from; None for a name
    name: str | None = None  # the name the answer must mention


def example_questions(retriever: Retriever, n: int = 2, file: str | None = None) -> list[str]:
    """Up to ``n`` questions the collection answers (fewer if none is found); with
    ``file``, questions that corpus file answers (several may come from one document)."""
    candidates = _candidates(retriever, file)[:MAX_CANDIDATES]
    if not candidates:
        return []
    results = retriever.search_many([c.question for c in candidates], k=1)
    chosen: list[str] = []
    used: set[str] = set()
    for candidate, result in zip(candidates, results, strict=True):
        if not result.hits or result.corrections:
            continue
        hit = result.hits[0]
        if candidate.source is not None and hit.source != candidate.source:
            continue
        if candidate.name is not None and candidate.name.lower() not in hit.text.lower():
            continue
        if file is not None and hit.source.split("#")[0] != file:
            continue  # a question about the file, answered from another document
        if hit.source in used and file is None:
            continue
        used.add(hit.source)
        chosen.append(candidate.question)
        if len(chosen) == n:
            break
    return chosen


def _candidates(retriever: Retriever, file: str | None = None) -> list[_Candidate]:
    rows = retriever.rows_of_file(file) if file is not None else range(len(retriever))
    step = max(1, len(rows) // SAMPLED_PASSAGES)
    passages = retriever.passages(rows[::step])
    by_heading: dict[str, _Candidate] = {}
    names: Counter[str] = Counter()
    for passage in passages:
        if passage.section:
            question = heading_question(passage.section[-1])
            if question and question not in by_heading:
                by_heading[question] = _Candidate(question, passage.source)
        names.update(Question(passage.text[:500]).names())
    ranked = sorted(by_heading.values(), key=lambda c: _preference(c.question))
    for name, _ in names.most_common(4):
        ranked.append(_Candidate(f"What is {name}?", None, name))
    return ranked


def heading_question(heading: str) -> str | None:
    """The question a heading stands for, if it reads as one: itself if it asks one,
    "How does <task> work?" for a task ("Creating a branch"), "What is <thing>?" for a
    short name of a thing; None otherwise (a sentence, a number, a long title)."""
    text = " ".join(heading.split()).rstrip(":.")
    words = text.split()
    if not words or len(words) > _MAX_HEADING_WORDS or not words[0][0].isalpha():
        return None
    if text.endswith("?"):
        return text
    first = words[0]
    rest = " ".join(words[1:])
    lowered = first.lower() if not first.isupper() else first
    if first.lower().endswith("ing") and len(first) > 5:
        return f"How does {lowered}{' ' + rest if rest else ''} work?"
    if len(words) <= 4 and all(w[0].isalnum() for w in words):
        return f"What is {lowered}{' ' + rest if rest else ''}?"
    return None


def _preference(question: str) -> int:
    if not question.startswith(("How does", "What is")):
        return 0  # the heading's own question
    return 1 if question.startswith("How does") else 2
