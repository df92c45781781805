"""Feedback on answers: the questions asked and the 👍 / 👎 votes on their answers, kept
in SQLite beside the collection's index, and exported as an evaluation set.

What is kept: the question (as asked and as searched), whether it was answered, the
passages shown (source, title, text and answering sentence), when, and for a vote a
hash of the voter's user id (so that a second press of the same user replaces the
first). No user names; no user ids in the clear.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval import default_corpus, default_index_dir, terminal_text

from .answer import Answer

#: The file, in the index folder.
FEEDBACK_FILE = "feedback.sqlite"
UP, DOWN = 1, -1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    collection TEXT NOT NULL,
    question TEXT NOT NULL,
    searched TEXT NOT NULL,
    answered INTEGER NOT NULL,
    passages TEXT NOT NULL           -- JSON: [{source, title, text, sentence}]
);
CREATE TABLE IF NOT EXISTS votes (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    voter TEXT NOT NULL,             -- a hash of the user id
    vote INTEGER NOT NULL,           -- 1: helpful, -1: not
    at REAL NOT NULL,
    PRIMARY KEY (question_id, voter)
);
"""


@dataclass(frozen=True)
class Stats:
    """What ``/stats`` shows for a period.

    Attributes:
        days: the period, in days up to now.
        questions: questions asked.
        unanswered: of them, how many got no passage.
        up: 👍 votes.
        down: 👎 votes.
    """

    days: int
    questions: int
    unanswered: int
    up: int
    down: int

    @property
    def no_answer_rate(self) -> float:
        return self.unanswered / self.questions if self.questions else 0.0


class FeedbackStore:
    """The questions and votes of one collection.

    Args:
        path: the SQLite file (made if missing).
        collection: the collection's name, stored with each question.
    """

    def __init__(self, path: Path, collection: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.collection = collection
        # Used from the event loop's thread only; written after every answer, so in WAL
        # mode without a sync per write (a crash may lose the last votes, never the file).
        self._db = sqlite3.connect(path, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def record(self, question: str, answer: Answer, at: float | None = None) -> int:
        """Keeps a question and the passages its answer showed; returns its id (what a
        vote refers to)."""
        passages = [
            {
                "source": hit.source,
                "title": hit.title,
                "text": hit.text,
                "sentence": hit.sentence_text,
            }
            for hit in answer.hits
        ]
        cursor = self._db.execute(
            "INSERT INTO questions (at, collection, question, searched, answered, passages)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                time.time() if at is None else at,
                self.collection,
                question,
                answer.question,
                int(answer.answered),
                json.dumps(passages, ensure_ascii=False),
            ),
        )
        return int(cursor.lastrowid or 0)

    def vote(self, question_id: int, user_id: int, vote: int) -> bool:
        """Stores ``user_id``'s vote (``UP`` or ``DOWN``) on an answer, replacing their
        earlier one; False if the question is not kept (any more)."""
        if vote not in (UP, DOWN):
            raise ValueError(f"a vote is {UP} or {DOWN}, not {vote}")
        known = self._db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,))
        if known.fetchone() is None:
            return False
        self._db.execute(
            "INSERT OR REPLACE INTO votes (question_id, voter, vote, at) VALUES (?, ?, ?, ?)",
            (question_id, _voter(user_id), vote, time.time()),
        )
        return True

    def stats(self, days: int = 7, now: float | None = None) -> Stats:
        """Questions, unanswered ones and votes of the last ``days`` days."""
        since = (time.time() if now is None else now) - days * 86400
        asked, unanswered = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(answered = 0), 0) FROM questions WHERE at >= ?",
            (since,),
        ).fetchone()
        up, down = self._db.execute(
            "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM votes"
            " WHERE at >= ?",
            (since,),
        ).fetchone()
        return Stats(days, int(asked), int(unanswered), int(up), int(down))

    def export(self, collection: str | None = None) -> Iterator[dict[str, Any]]:
        """The questions voted 👍 as evaluation items (``python -m retrieval eval``): the
        question as asked, the answering sentence of its first passage as the answer
        phrase, and that passage's source. A question voted 👎 only is left out: its
        right answer is not known."""
        rows = self._db.execute(
            "SELECT q.question, q.passages FROM questions q WHERE EXISTS"
            " (SELECT 1 FROM votes v WHERE v.question_id = q.id AND v.vote = 1)"
            " AND (? IS NULL OR q.collection = ?) ORDER BY q.id",
            (collection, collection),
        )
        for question, passages in rows:
            shown = json.loads(passages)
            if shown:
                best = shown[0]
                yield {
                    "question": question,
                    "answers": [best["sentence"] or best["text"]],
                    "source": best["source"],
                }

    def rejected(self, collection: str | None = None) -> Iterator[dict[str, Any]]:
        """The questions voted 👎 (and never 👍), with the passages they were shown: a
        list to review. Each item has no ``answers`` yet: a team adds the right answer
        phrase before evaluating with it (``retrieval eval`` refuses it until then)."""
        rows = self._db.execute(
            "SELECT q.question, q.passages FROM questions q WHERE EXISTS"
            " (SELECT 1 FROM votes v WHERE v.question_id = q.id AND v.vote = -1)"
            " AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.question_id = q.id AND v.vote = 1)"
            " AND (? IS NULL OR q.collection = ?) ORDER BY q.id",
            (collection, collection),
        )
        for question, passages in rows:
            shown = [
                {"source": p["source"], "sentence": p["sentence"] or p["text"]}
                for p in json.loads(passages)
            ]
            yield {"question": question, "rejected": shown}

    def close(self) -> None:
        self._db.close()


def _voter(user_id: int) -> str:
    return hashlib.blake2b(str(user_id).encode(), digest_size=16).hexdigest()


def export_main(argv: list[str]) -> int:
    """``python -m bot feedback export``: the 👍-voted questions as an evaluation set
    (JSON Lines) on stdout or in ``--out``; with ``--votes down``, the 👎-voted ones
    to review.

    Returns:
        The exit code: 0, or 2 with a one-line error (no feedback kept there).
    """
    parser = argparse.ArgumentParser(
        prog="python -m bot feedback",
        description="Export the questions voted 👍 in the evaluation format "
        "(python -m retrieval eval FILE).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write the voted questions as JSON Lines")
    export.add_argument("--corpus", action="append", metavar="PATH", help="the bot's corpus")
    export.add_argument("--index-dir", metavar="DIR", help="the bot's index folder")
    export.add_argument(
        "--collections", metavar="DIR|FILE", help="the bot's --collections (with --collection)"
    )
    export.add_argument("--collection", help="only this collection's questions (its name)")
    export.add_argument(
        "--votes",
        choices=("up", "down"),
        default="up",
        help="up: the 👍 questions as an evaluation set (default); down: the 👎 ones, "
        "with the passages shown, to review and give answers",
    )
    export.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    args = parser.parse_args(argv)
    try:
        index_dir = _index_dir(args.corpus, args.index_dir, args.collections, args.collection)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = index_dir / FEEDBACK_FILE
    if not path.is_file():
        print(f"error: no feedback kept in {terminal_text(str(index_dir))}", file=sys.stderr)
        return 2
    store = FeedbackStore(path, args.collection or "")
    try:
        chosen = store.export if args.votes == "up" else store.rejected
        items = [i for i in chosen(args.collection) if i]
    finally:
        store.close()
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if args.out:
        Path(args.out).write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(f"{len(items)} voted questions exported", file=sys.stderr)
    return 0


def _index_dir(
    corpus: list[str] | None, index_dir: str | None, collections: str | None, name: str | None
) -> Path:
    """The index folder whose feedback to export: a collection's (of ``--collections``),
    ``--index-dir``, or the corpus's default one.

    Raises:
        ValueError: the collections cannot be read, or have no collection ``name``.
    """
    if collections is None:
        if index_dir is not None:
            return Path(index_dir)
        return default_index_dir([Path(p) for p in corpus] if corpus else [default_corpus()])
    from .collections import CollectionsPlan  # here: bot.collections imports this module
    from .config import ConfigurationError

    try:
        plan = CollectionsPlan.read(Path(collections))
    except ConfigurationError as exc:
        raise ValueError(str(exc)) from None
    spec = next((s for s in plan.specs if s.name == name), None)
    if spec is None:
        names = ", ".join(s.name for s in plan.specs)
        raise ValueError(f"--collection must name one of the collections ({names})")
    return spec.index_dir or default_index_dir([spec.path])
