"""6. Throughput under concurrency: answers per second when N questions arrive at once.

The project answers through the bot's own path: ``bot.service.QueryService`` (default
workers and batch size) around ``AnswerComposer``, which batches the questions waiting
into one ``search_many`` call. The floor answers the same questions one by one (the
model's ``encode`` and ``IndexFlatIP.search`` per question). Bursts alternate.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import numpy as np

from bot.answer import AnswerComposer
from bot.service import QueryService
from retrieval import Retriever

from .common import (
    Context,
    Target,
    build_corpus,
    build_index,
    load_floor_model,
    plot,
    print_table,
    questions,
    ratio,
    write_result,
)
from .query_latency import Floor

NAME = "concurrency"
LIMIT = 2.0


async def _burst(service: QueryService, asked: list[str]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(service.answer(q) for q in asked))
    return time.perf_counter() - started


async def _measure(
    retriever: Retriever, floor: Floor, levels: tuple[int, ...], repeats: int
) -> dict[str, Any]:
    service = QueryService(AnswerComposer(retriever))
    await service.start()
    pool = questions(max(levels))
    rows: dict[str, Any] = {}
    try:
        await _burst(service, pool[:2])  # warm up
        for level in levels:
            asked = pool[:level]
            project, base = [], []
            service.batch_sizes.clear()
            for _ in range(repeats):
                project.append(await _burst(service, asked))
                started = time.perf_counter()
                for question in asked:
                    floor.search(question)
                base.append(time.perf_counter() - started)
            p, f = statistics.median(project), statistics.median(base)
            rows[str(level)] = {
                "questions": level,
                "project_answers_per_s": round(level / p, 2),
                "floor_answers_per_s": round(level / f, 2),
                "ratio": ratio(f, p),
                "project_burst_s": round(p, 4),
                "floor_burst_s": round(f, 4),
                "batch_sizes": sorted(set(service.batch_sizes)),
            }
    finally:
        await service.stop()
    return rows


def run(ctx: Context) -> dict[str, Any]:
    corpus = build_corpus(ctx.profile.concurrency_size, ctx.cache, ctx.config)
    retriever = Retriever.load(build_index(ctx, corpus))
    floor = Floor(load_floor_model(ctx.config), np.asarray(retriever.vectors()))
    floor.search("warm up the model")
    repeats = max(ctx.profile.repeats, 1)
    rows = asyncio.run(_measure(retriever, floor, ctx.profile.concurrency_levels, repeats))
    print_table(
        f"6. answers per second, N questions at once ({len(corpus):,} passages)",
        ["at once", "project (QueryService) /s", "floor one by one /s", "ratio", "batches"],
        [
            (
                r["questions"],
                r["project_answers_per_s"],
                r["floor_answers_per_s"],
                r["ratio"],
                ",".join(map(str, r["batch_sizes"])),
            )
            for r in rows.values()
        ],
    )
    top = str(max(ctx.profile.concurrency_levels))
    targets = [Target(f"throughput / floor at {top} at once", rows[top]["ratio"], LIMIT, ">=")]
    notes = [
        f"Medians of {repeats} bursts per level; QueryService with its defaults "
        "(2 workers, batches of up to 32)."
    ]
    result = {"corpus": corpus.describe(), "levels": rows}
    write_result(ctx, NAME, result, targets, notes)
    plot(ctx.out / f"{NAME}.png", lambda ax: _draw(ax, rows))
    retriever.close()
    return result


def _draw(ax: Any, rows: dict[str, Any]) -> None:
    levels = [r["questions"] for r in rows.values()]
    ax.plot(
        levels,
        [r["project_answers_per_s"] for r in rows.values()],
        "o-",
        label="project: QueryService (batched)",
    )
    ax.plot(
        levels, [r["floor_answers_per_s"] for r in rows.values()], "s--", label="floor: one by one"
    )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("questions arriving at once")
    ax.set_ylabel("answers per second")
    ax.set_title("Throughput under concurrency")
    ax.legend()
