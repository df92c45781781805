"""5. Scale: exact vs approximate dense search at up to 1M passages (synthetic vectors).

Vectors are synthetic, made from the real model's vectors of the real passages (the
vector cache the other benchmarks fill): each is ``a*x + (1-a)*y + noise`` of two real
passage vectors ``x, y`` (``a`` uniform in [0.5, 1], noise of norm 0.25), normalised,
so the data keeps the clustered shape of real embeddings rather than uniform noise
(uniform random vectors are the hardest case for any approximate index, and no model
makes them). Queries are the real model's vectors of the suite's questions plus
held-out synthetic vectors drawn the same way; recall is reported over all of them and
over the real questions alone. There are no texts: latency is the dense search alone.

* exact: ``faiss.IndexFlatIP`` (what ``DenseIndex`` uses up to ``ann_threshold``);
* approximate: the project's own index, ``DenseIndex.build`` with the project's
  settings (IVF-Flat, ``4·√n`` cells, ``ivf_nprobe`` cells searched), built afresh at
  each checkpoint as a corpus of that size would be; past the time budget it stops;
* at the largest size: an nprobe sweep, and the index saved and re-opened the way
  ``Index.open`` does it (memory-mapped): time to open it and to the first answer.

Latency is one query at a time (a bot question is one query), p50/p95 over the queries.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval.index import DenseIndex

from .common import (
    Context,
    Target,
    floor_encode,
    load_floor_model,
    plot,
    print_table,
    questions,
    stats_ms,
    vector_cache,
    write_result,
)

NAME = "scale"
P50_LIMIT_MS = 25.0
RECALL_LIMIT = 0.95
K = 10
N_QUERIES = 200
N_REAL_QUERIES = 80
NPROBE_SWEEP = (8, 16, 32, 64, 128)


def synthetic_vectors(base: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` normalised vectors mixing two real vectors plus noise (see module doc)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        a = rng.uniform(0.5, 1.0, size=(m, 1)).astype(np.float32)
        x = base[rng.integers(0, len(base), m)]
        y = base[rng.integers(0, len(base), m)]
        noise = rng.standard_normal((m, base.shape[1])).astype(np.float32)
        noise *= 0.25 / np.linalg.norm(noise, axis=1, keepdims=True)
        v = a * x + (1 - a) * y + noise
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def base_vectors(ctx: Context) -> tuple[np.ndarray, str]:
    cache = vector_cache(ctx)
    vectors = cache._vectors  # every real passage vector computed so far
    if len(vectors) >= 500:
        return np.asarray(vectors, dtype=np.float32), f"{len(vectors):,} real passage vectors"
    rng = np.random.default_rng(0)
    v = rng.standard_normal((2_000, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True), "random (the vector cache was empty)"


def latency(search: Any, queries: np.ndarray) -> dict[str, float]:
    times = []
    for q in queries[:20]:  # warm-up
        search(q[None, :])
    for q in queries:
        started = time.perf_counter()
        search(q[None, :])
        times.append(time.perf_counter() - started)
    return stats_ms(times)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-``K`` found by the approximate top-``K``."""
    hits = [len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]
    return round(float(np.mean(hits)), 4)


def run(ctx: Context) -> dict[str, Any]:
    # The project's approximate index whatever the size (at the smoke test's size the
    # default threshold would make it exact).
    config = ctx.config.replace(ann_threshold=0)
    target_n = ctx.profile.scale_n
    base, origin = base_vectors(ctx)
    data = synthetic_vectors(base, target_n, seed=1)
    model = load_floor_model(config)
    real_q = floor_encode(model, questions(N_REAL_QUERIES))
    queries = np.concatenate([real_q, synthetic_vectors(base, N_QUERIES - len(real_q), 2)])
    real = slice(0, len(real_q))
    dim = data.shape[1]

    checkpoints = sorted({n for n in (100_000, 250_000, 500_000, target_n) if n <= target_n})
    total_build, curve = 0.0, []
    dense: DenseIndex | None = None
    for n in checkpoints:
        dense = None  # free the previous size's index first
        started = time.perf_counter()
        dense = DenseIndex.build(data[:n], config)
        build_s = time.perf_counter() - started
        total_build += build_s
        flat = faiss.IndexFlatIP(dim)
        flat.add(data[:n])
        _, truth = flat.search(queries, K)
        _, found = dense.search(queries, K)
        curve.append(
            {
                "passages": n,
                "index": dense.spec,
                "nprobe": dense.nprobe,
                "build_s": round(build_s, 2),
                "exact": latency(lambda q, f=flat: f.search(q, K), queries),
                "approximate": latency(lambda q, d=dense: d.search(q, K), queries),
                "recall_at_10": recall(found, truth),
                "recall_at_10_real_questions": recall(found[real], truth[real]),
            }
        )
        del flat
        print(f"  scale: {n:,} vectors, {dense.spec} built in {build_s:.0f} s", flush=True)
        if total_build > ctx.profile.scale_budget_s:
            break
    assert dense is not None
    final = curve[-1]
    n = final["passages"]
    complete = n >= target_n

    # nprobe sweep on the largest index.
    _, truth = faiss.knn(queries, data[:n], K, metric=faiss.METRIC_INNER_PRODUCT)
    sweep = []
    for nprobe in NPROBE_SWEEP:
        dense.set_nprobe(nprobe)
        _, found = dense.search(queries, K)
        sweep.append(
            {
                "nprobe": dense.nprobe,
                "recall_at_10": recall(found, truth),
                "recall_at_10_real_questions": recall(found[real], truth[real]),
                **latency(lambda q, d=dense: d.search(q, K), queries),
            }
        )
    dense.set_nprobe(config.ivf_nprobe)

    # Saved and opened again as Index.open does: memory-mapped, nothing read up front.
    with tempfile.TemporaryDirectory(prefix="bench-scale-", dir=ctx.cache) as tmp:
        path = Path(tmp) / "dense.faiss"
        dense.save(path)
        size_mb = round(path.stat().st_size / 2**20, 1)
        del dense
        started = time.perf_counter()
        loaded = DenseIndex.load(path, config.ivf_nprobe)
        open_s = time.perf_counter() - started
        started = time.perf_counter()
        loaded.search(queries[:1], K)
        first_ms = (time.perf_counter() - started) * 1000
        reopened = {
            "file_mb": size_mb,
            "open_s": round(open_s, 4),
            "first_search_ms": round(first_ms, 3),
            "approximate": latency(lambda q, d=loaded: d.search(q, K), queries),
        }
        del loaded

    result = {
        "target_passages": target_n,
        "measured_passages": n,
        "complete": complete,
        "index": final["index"],
        "nprobe": final["nprobe"],
        "build_s": final["build_s"],
        "base_vectors": origin,
        "queries": len(queries),
        "real_queries": len(real_q),
        "curve": curve,
        "nprobe_sweep": sweep,
        "reopened": reopened,
    }
    print_table(
        f"5. exact vs the project's IVF index, synthetic vectors, one query at a time "
        f"({len(queries)} queries, {len(real_q)} of them real questions)",
        [
            "passages",
            "index",
            "build s",
            "exact p50 ms",
            "IVF p50 ms",
            "IVF p95 ms",
            "recall@10",
            "recall@10 real q.",
        ],
        [
            (
                c["passages"],
                f"{c['index']} nprobe {c['nprobe']}",
                c["build_s"],
                c["exact"]["p50_ms"],
                c["approximate"]["p50_ms"],
                c["approximate"]["p95_ms"],
                c["recall_at_10"],
                c["recall_at_10_real_questions"],
            )
            for c in curve
        ],
    )
    print_table(
        f"5b. nprobe sweep at {n:,} ({final['index']}); then saved and re-opened",
        ["variant", "p50 ms", "p95 ms", "recall@10", "recall@10 real q."],
        [
            *[
                (
                    f"nprobe={s['nprobe']}",
                    s["p50_ms"],
                    s["p95_ms"],
                    s["recall_at_10"],
                    s["recall_at_10_real_questions"],
                )
                for s in sweep
            ],
            (
                f"re-opened (mmap, {reopened['file_mb']:,} MB): open {reopened['open_s']} s, "
                f"first search {reopened['first_search_ms']} ms",
                reopened["approximate"]["p50_ms"],
                reopened["approximate"]["p95_ms"],
                None,
                None,
            ),
        ],
    )
    label = f" at {n:,}" + ("" if complete else f" (NOT {target_n:,}: build budget)")
    targets = [
        Target(f"IVF p50 ms{label}", final["approximate"]["p50_ms"], P50_LIMIT_MS, "<="),
        Target(f"IVF recall@10 vs exact{label}", final["recall_at_10"], RECALL_LIMIT, ">="),
    ]
    notes = [
        "Synthetic vectors and no texts: mixtures of two real passage vectors plus "
        f"noise ({origin}); queries: {len(real_q)} real question vectors + "
        f"{N_QUERIES - len(real_q)} synthetic. Latency is the dense search alone "
        "(DenseIndex.search), without question encoding, BM25 or fusion.",
    ]
    if not complete:
        notes.append(
            f"Index builds passed the {ctx.profile.scale_budget_s:.0f} s budget at {n:,} "
            f"vectors: latency and recall are measured at {n:,}, not {target_n:,}."
        )
    write_result(ctx, NAME, result, targets, notes)
    plot(ctx.out / f"{NAME}.png", lambda ax: _draw(ax, sweep, curve, n))
    return result


def _draw(ax: Any, sweep: list[dict], curve: list[dict], n: int) -> None:
    ax.plot(
        [s["recall_at_10"] for s in sweep],
        [s["p50_ms"] for s in sweep],
        "s-",
        label=f"IVF ({curve[-1]['index']}), nprobe sweep",
    )
    for s in sweep:
        ax.annotate(f"nprobe {s['nprobe']}", (s["recall_at_10"], s["p50_ms"]), fontsize=7)
    ax.plot(
        [s["recall_at_10_real_questions"] for s in sweep],
        [s["p50_ms"] for s in sweep],
        "o--",
        alpha=0.6,
        label="same, recall on real questions only",
    )
    ax.axhline(curve[-1]["exact"]["p50_ms"], color="gray", ls=":", label="exact (flat) p50")
    ax.axhline(P50_LIMIT_MS, color="red", ls=":", lw=0.8, label="target p50")
    ax.axvline(RECALL_LIMIT, color="red", ls=":", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("recall@10 vs exact")
    ax.set_ylabel("p50 ms per query")
    ax.set_title(f"Dense search at {n:,} synthetic vectors")
    ax.legend(fontsize=8, loc="center left")
