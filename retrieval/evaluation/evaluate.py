"""The evaluation harness: hit@1, hit@3, MRR@5 and no-answer accuracy on a JSONL set.

Each line: ``{"question": str, "answers": [str, ...], "source": file name or null}``;
an empty ``answers`` list marks a question the corpus cannot answer.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RetrievalError
from ..ingest.clean import fold
from ..retriever import Retriever
from ..search import Hit, SearchResult


class EvalSetError(RetrievalError):
    """The evaluation file is missing or malformed."""


@dataclass(frozen=True)
class EvalItem:
    """One evaluation question."""

    question: str
    answers: list[str]
    source: str | None


def read_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL evaluation file, with their line numbers.

    Raises:
        EvalSetError: the file is missing or has a line that is not a JSON object.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read {path}: {exc}") from exc
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise EvalSetError(f"{path}:{number}: malformed line ({exc})") from exc
        if not isinstance(data, dict):
            raise EvalSetError(f"{path}:{number}: malformed line (not an object)")
        records.append((number, data))
    return records


def read_eval_set(path: Path) -> list[EvalItem]:
    """Reads an evaluation JSONL file.

    Raises:
        EvalSetError: the file is missing, empty or has a malformed line.
    """
    items = [eval_item(data, f"{path}:{number}") for number, data in read_records(path)]
    if not items:
        raise EvalSetError(f"{path} holds no question")
    return items


def eval_item(data: dict[str, Any], where: str) -> EvalItem:
    """One question of an evaluation file (``where``: its file and line, for errors).

    Raises:
        EvalSetError: it has no question, or its answers are not a list.
    """
    question, answers = data.get("question"), data.get("answers") or []
    if "rejected" in data and not answers:
        # A question voted down in the bot (``feedback export --votes down``): with no
        # answer yet, it would be scored as one the documents cannot answer.
        raise EvalSetError(f"{where}: a question to review: give it its 'answers' first")
    if not isinstance(question, str) or not isinstance(answers, list):
        raise EvalSetError(
            f"{where}: malformed line ('question' must be a string and 'answers' a list)"
        )
    return EvalItem(question, [str(a) for a in answers], data.get("source"))


def is_hit(hit: Hit, item: EvalItem) -> bool:
    """A hit answers ``item`` when its text contains an answer (case and white space
    folded) and, if the item names a source, comes from that file."""
    if item.source and item.source not in (hit.source, Path(hit.source).name):
        return False
    text = fold(hit.text)
    return any(fold(answer) in text for answer in item.answers)


def evaluate(retriever: Retriever, items: list[EvalItem]) -> dict[str, Any]:
    """Runs every question and returns the metrics the ``eval`` command prints."""
    results: list[tuple[EvalItem, SearchResult]] = []
    times: list[float] = []
    for item in items:
        started = time.perf_counter()
        result = retriever.search(item.question, k=5)
        times.append((time.perf_counter() - started) * 1000)
        results.append((item, result))
    answerable = [(i, r) for i, r in results if i.answers]
    ranks = [_first_rank(i, r) for i, r in answerable]
    correct = sum(r.answered == bool(i.answers) for i, r in results)
    n = len(answerable)
    return {
        "n": n,
        "hit@1": _share(sum(1 for r in ranks if r == 1), n),
        "hit@3": _share(sum(1 for r in ranks if r and r <= 3), n),
        "mrr@5": round(sum(1 / r for r in ranks if r) / n, 4) if n else 0.0,
        "no_answer_accuracy": _share(correct, len(results)),
        "max_passage_chars": max((len(h.text) for _, r in results for h in r.hits), default=0),
        "p50_ms": round(statistics.median(times), 2),
    }


def _first_rank(item: EvalItem, result: SearchResult) -> int | None:
    return next((h.rank for h in result.hits if is_hit(h, item)), None)


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0
