"""Evaluating conversations and question variants.

Dialogue sets (``{"id", "collection", "turns": [{"question", "answers", "source",
"standalone"?}, ...]}`` per line) are asked turn by turn in one :class:`Conversation`
each: what counts is whether the right passage comes first, for first turns, for
follow-ups, and for turns that change the subject (``"standalone": true``).

Variant sets (``{"question", "original", "kind", "language", "answers", "source"}`` per
line; kinds such as typo, lower, keywords, long, language) are asked alone: the right
passage first, per kind; a question in another language also counts as handled when it
gets the language message, and an answer that is not the right passage is counted as
unrelated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..conversation import Conversation
from ..retriever import Retriever
from .evaluate import (
    EvalItem,
    EvalSetError,
    eval_item,
    evaluate,
    is_hit,
    read_eval_set,
    read_records,
)


@dataclass(frozen=True)
class DialogueTurn:
    """One turn of a dialogue to evaluate."""

    item: EvalItem
    standalone: bool = False


@dataclass(frozen=True)
class Variant:
    """One variant question to evaluate."""

    item: EvalItem
    kind: str
    language: str
    original: str | None = None


def _lines(path: Path, collection: str | None) -> list[tuple[int, dict[str, Any]]]:
    records = [
        (number, data)
        for number, data in read_records(path)
        if collection is None or data.get("collection") == collection
    ]
    if not records:
        raise EvalSetError(f"{path} holds nothing for collection {collection!r}")
    return records


def read_dialogues(path: Path, collection: str | None = None) -> list[list[DialogueTurn]]:
    """Reads a dialogue set (only ``collection``'s dialogues, if given).

    Raises:
        EvalSetError: the file is missing or malformed, or has no dialogue.
    """
    dialogues = []
    for number, data in _lines(path, collection):
        turns = data.get("turns")
        if not isinstance(turns, list) or not turns:
            raise EvalSetError(f"{path}:{number}: malformed line (no 'turns')")
        where = f"{path}:{number}"
        dialogues.append(
            [DialogueTurn(eval_item(t, where), bool(t.get("standalone"))) for t in turns]
        )
    return dialogues


def read_variants(path: Path, collection: str | None = None) -> list[Variant]:
    """Reads a variant set (only ``collection``'s questions, if given).

    Raises:
        EvalSetError: the file is missing or malformed, or has no question.
    """
    return [
        Variant(
            eval_item(data, f"{path}:{number}"),
            str(data.get("kind", "")),
            str(data.get("language", "en")),
            data.get("original") if isinstance(data.get("original"), str) else None,
        )
        for number, data in _lines(path, collection)
    ]


def evaluate_dialogues(retriever: Retriever, dialogues: list[list[DialogueTurn]]) -> dict[str, Any]:
    """Asks each dialogue in a fresh conversation; counts right passages first.

    Returns:
        For first turns, follow-ups (turns after the first that continue) and subject
        changes: how many turns and how many had the right passage first; and the
        follow-ups that missed.
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed = []
    for dialogue in dialogues:
        conversation = Conversation(retriever, k=5)
        for number, turn in enumerate(dialogue):
            result = conversation.ask(turn.item.question)
            first = bool(result.hits) and is_hit(result.hits[0], turn.item)
            kind = (
                "first_turns"
                if number == 0
                else "subject_changes"
                if turn.standalone
                else "follow_ups"
            )
            counts[kind][0] += 1
            counts[kind][1] += first
            if not first:
                missed.append(
                    {
                        "kind": kind,
                        "question": turn.item.question,
                        "searched": result.question,
                        "answered": result.answered,
                        "top": result.hits[0].title if result.hits else None,
                    }
                )
    metrics: dict[str, Any] = {
        kind: {"n": n, "first": right, "share": round(right / n, 4)}
        for kind, (n, right) in sorted(counts.items())
    }
    metrics["missed"] = missed
    return metrics


def evaluate_variants(retriever: Retriever, variants: list[Variant]) -> dict[str, Any]:
    """Asks each variant alone; per kind, how many had the right passage first, how
    many got the language message, how many got another passage first, and how many
    of their original questions had the right passage first."""
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {
            "n": 0,
            "first": 0,
            "original_first": 0,
            "language_message": 0,
            "unrelated": 0,
            "no_answer": 0,
        }
    )
    for variant in variants:
        result = retriever.search(variant.item.question, k=5)
        row = counts[variant.kind]
        row["n"] += 1
        if variant.original is not None:
            original = retriever.search(variant.original, k=1)
            row["original_first"] += bool(original.hits) and is_hit(original.hits[0], variant.item)
        if result.hits and is_hit(result.hits[0], variant.item):
            row["first"] += 1
        elif result.language is not None:
            row["language_message"] += 1
        elif result.hits:
            row["unrelated"] += 1
        else:
            row["no_answer"] += 1
    return {kind: dict(row) for kind, row in sorted(counts.items())}


@dataclass(frozen=True)
class EvalFile:
    """An evaluation set of any of the three kinds, read and ready to run.

    Attributes:
        kind: ``"questions"``, ``"dialogues"`` or ``"variants"``.
        questions: the questions of a plain set.
        dialogues: the dialogues of a dialogue set.
        variants: the questions of a variant set.
    """

    kind: str
    questions: list[EvalItem]
    dialogues: list[list[DialogueTurn]]
    variants: list[Variant]

    @classmethod
    def read(cls, path: Path, collection: str | None = None) -> EvalFile:
        """Reads ``path``, telling its kind from its first line ("turns": dialogues,
        "kind": variants, else plain questions).

        Raises:
            EvalSetError: the file is missing or malformed, or holds nothing.
        """
        records = read_records(path)
        if not records:
            raise EvalSetError(f"{path} holds no question")
        first = records[0][1]
        if "turns" in first:
            return cls("dialogues", [], read_dialogues(path, collection), [])
        if "kind" in first:
            return cls("variants", [], [], read_variants(path, collection))
        return cls("questions", read_eval_set(path), [], [])

    def evaluate(self, retriever: Retriever) -> dict[str, Any]:
        """Runs the set against ``retriever`` and returns its metrics."""
        if self.kind == "dialogues":
            return evaluate_dialogues(retriever, self.dialogues)
        if self.kind == "variants":
            return evaluate_variants(retriever, self.variants)
        return evaluate(retriever, self.questions)
