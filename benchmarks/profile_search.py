"""Where a question's time goes: a pyinstrument profile of ``search()`` at one corpus size,
and optionally of txtai's ``search`` on the same passages.

Usage::

    python -m benchmarks.profile_search [--passages 100000] [--questions 40]
                                        [--peer] [--out benchmarks/results]

It prints, per question (median over every call): the whole ``search()``, the
question's encoding alone (``Encoder.encode``, as ``search`` calls it) and the
difference (everything that is not the model: dense and BM25 candidates, fusion,
SQLite, best sentence); with ``--peer`` the same for txtai, whose encoding is timed
through its own vector model. Then the call trees, written to
``<out>/profile_<passages>.txt``. Not part of ``benchmarks.run``: a tool for finding
what limits a target (the issue asks for a profile, not a guess).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from .common import (
    DEFAULT_CACHE,
    DEFAULT_OUT,
    PROFILES,
    Context,
    build_corpus,
    build_index,
    interleaved,
    questions,
)


def per_question_ms(calls: dict[str, list[float]], n: int) -> dict[str, float]:
    return {name: round(statistics.median(v) * 1000 / n, 3) for name, v in calls.items()}


def profile_text(fn: Any, rounds: int) -> str:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(rounds):
        fn()
    profiler.stop()
    return profiler.output_text(unicode=False, color=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_search")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peer", action="store_true", help="profile txtai too")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)

    from retrieval import Retriever

    ctx = Context(PROFILES["full"], args.out, args.cache)
    corpus = build_corpus(args.passages, ctx.cache, ctx.config)
    retriever = Retriever.load(build_index(ctx, corpus))
    asked = questions(args.questions)
    retriever.search("warm up")
    candidates = {
        "project search()": lambda: [retriever.search(q, k=3) for q in asked],
        "project encode": lambda: [retriever.encoder.encode([q], progress=False) for q in asked],
    }
    embeddings = None
    if args.peer:
        from .peer_txtai import txtai_index

        embeddings, _ = txtai_index(ctx, corpus, cached=True)
        embeddings.search("warm up", 3)
        candidates["txtai search()"] = lambda: [embeddings.search(q, 3) for q in asked]
        candidates["txtai encode"] = lambda: [embeddings.model.encode([q]) for q in asked]
    got = per_question_ms(interleaved(candidates, repeats=args.repeats), len(asked))
    info = retriever.info
    print(
        f"{len(retriever):,} passages ({corpus.synthetic:,} synthetic), FAISS {info.dense}"
        + (f" nprobe {info.nprobe}" if info.nprobe else "")
        + f"; {len(asked)} questions, median ms per question:"
    )
    for who in ("project", "txtai"):
        if f"{who} search()" in got:
            total, encode = got[f"{who} search()"], got[f"{who} encode"]
            print(
                f"  {who:8s} search {total:8.3f}  encode {encode:8.3f}  "
                f"the rest {total - encode:8.3f}"
            )
    report = [f"# search() at {len(retriever):,} passages, FAISS {info.dense}\n"]
    report.append(profile_text(candidates["project search()"], 3))
    if embeddings is not None:
        report.append("# txtai search() on the same passages\n")
        report.append(profile_text(candidates["txtai search()"], 3))
        embeddings.close()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"profile_{args.passages}.txt"
    path.write_text(
        f"# {time.strftime('%Y-%m-%d %H:%M')} per-question ms: {got}\n" + "\n".join(report)
    )
    print("\n".join(report))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
