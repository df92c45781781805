"""1. Query latency: the project's end-to-end ``search()`` against the floor.

The project: ``Retriever.load(index).search(question, k=3)``: question encoding, dense
and BM25 candidates, fusion, the no-answer decision, duplicate removal and the
best-sentence highlight, exactly as the bot calls it.

The floor: the same model called directly (``SentenceTransformer.encode``) and
``faiss.IndexFlatIP.search`` over the same vectors, held in memory, nothing else.

Each question is timed for both in turn (project, floor, project, floor, ...), so the
noise of a shared machine falls on both alike; p50 and p95 are over every timed call.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

from retrieval import Retriever

from .common import (
    Context,
    Target,
    build_corpus,
    build_index,
    floor_encode,
    interleaved,
    load_floor_model,
    plot,
    print_table,
    questions,
    ratio,
    stats_ms,
    write_result,
)

NAME = "query_latency"
#: p50 target (project / floor) per corpus size: 1.15 up to 10k passages, 1.3 above.
LIMIT_SMALL, LIMIT_LARGE = 1.15, 1.3


def limit_for(size: int) -> float:
    return LIMIT_SMALL if size <= 10_000 else LIMIT_LARGE


class Floor:
    """The model and a flat FAISS index, nothing around them."""

    def __init__(self, model: Any, vectors: np.ndarray) -> None:
        self.model = model
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, question: str, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(floor_encode(self.model, [question]), k)


def measure_size(
    ctx: Context, size: int, model: Any, asked: list[str]
) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """Times project and floor over ``asked`` at one corpus size."""
    corpus = build_corpus(size, ctx.cache, ctx.config)
    index_dir = build_index(ctx, corpus)
    retriever = Retriever.load(index_dir)
    floor = Floor(model, np.asarray(retriever.index.vectors))
    times: dict[str, list[float]] = {"project": [], "floor": []}
    retriever.search("warm up the model")
    floor.search("warm up the model")
    for question in asked:
        got = interleaved(
            {
                "project": lambda q=question: retriever.search(q, k=3),
                "floor": lambda q=question: floor.search(q, k=3),
            },
            repeats=ctx.profile.repeats,
            warmup=1,
        )
        for name, values in got.items():
            times[name].extend(values)
    project, base = stats_ms(times["project"]), stats_ms(times["floor"])
    row = {
        "corpus": corpus.describe(),
        "index_dir": str(index_dir),
        "approximate": retriever.index.dense.approximate,
        "project": project,
        "floor": base,
        "p50_ratio": ratio(project["p50_ms"], base["p50_ms"]),
        "p95_ratio": ratio(project["p95_ms"], base["p95_ms"]),
        "overhead_p50_ms": round(project["p50_ms"] - base["p50_ms"], 3),
    }
    retriever.index.close()
    return row, times


def run(ctx: Context) -> dict[str, Any]:
    """Runs the benchmark at every query size of the profile."""
    model = load_floor_model(ctx.config)
    asked = questions(ctx.profile.questions)
    rows: dict[str, Any] = {}
    for size in ctx.profile.query_sizes:
        rows[str(size)], _ = measure_size(ctx, size, model, asked)
    print_table(
        "1. query latency: search() vs floor (encode + IndexFlatIP.search), ms",
        [
            "passages",
            "synthetic",
            "project p50",
            "p95",
            "floor p50",
            "p95",
            "p50 ratio",
            "p95 ratio",
        ],
        [
            (
                r["corpus"]["passages"],
                r["corpus"]["synthetic_passages"],
                r["project"]["p50_ms"],
                r["project"]["p95_ms"],
                r["floor"]["p50_ms"],
                r["floor"]["p95_ms"],
                r["p50_ratio"],
                r["p95_ratio"],
            )
            for r in rows.values()
        ],
    )
    targets = [
        Target(f"query p50 / floor at {size:,}", r["p50_ratio"], limit_for(size), "<=")
        for size, r in ((int(s), r) for s, r in rows.items())
    ]
    notes = [
        f"{len(asked)} questions (dev set, then BBC headlines), each timed "
        f"{ctx.profile.repeats}x for both after one warm-up call, project and floor in turn.",
        "Indexes above 12.3k passages hold synthetic variants of BBC articles whose "
        "vectors are their real twin's plus noise (see benchmarks/common.py); questions "
        "are always encoded by the real model.",
    ]
    result = {"sizes": rows, "questions": len(asked)}
    write_result(ctx, NAME, result, targets, notes)
    if len(rows) > 1:
        plot(ctx.out / f"{NAME}.png", lambda ax: _draw(ax, rows))
    return result


def _draw(ax: Any, rows: dict[str, Any]) -> None:
    sizes = [r["corpus"]["passages"] for r in rows.values()]
    for who, style in (("project", "o-"), ("floor", "s--")):
        ax.plot(sizes, [r[who]["p50_ms"] for r in rows.values()], style, label=f"{who} p50")
        ax.plot(
            sizes, [r[who]["p95_ms"] for r in rows.values()], style, alpha=0.4, label=f"{who} p95"
        )
    ax.set_xscale("log")
    ax.set_xlabel("passages")
    ax.set_ylabel("ms per question")
    ax.set_title("Query latency: search() vs model + IndexFlatIP")
    ax.legend()
