"""5. Scale: exact vs approximate dense search at up to 1M passages (synthetic vectors).

Vectors are synthetic, made from the real model's vectors of the real passages (the
vector cache the other benchmarks fill): each is ``a*x + (1-a)*y + noise`` of two real
passage vectors ``x, y`` (``a`` uniform in [0.5, 1], noise of norm 0.25), normalised,
so the data keeps the clustered shape of real embeddings rather than uniform noise.
Queries are the real model's vectors of the suite's questions plus held-out synthetic
vectors drawn the same way.

* exact: ``faiss.IndexFlatIP`` (what ``DenseIndex`` uses up to ``ann_threshold``);
* approximate: ``IndexHNSWFlat`` with the project's settings (``hnsw_m``,
  efConstruction as in ``DenseIndex.build``, ``hnsw_ef_search``), searched through the
  project's ``DenseIndex.search``. It is grown in chunks with build time measured at
  each checkpoint; past the time budget it stops, and the 1M build time is
  extrapolated (clearly labelled) from the last checkpoint's rate;
* for the lead: an efSearch sweep of that HNSW index, and IVF-Flat with an nprobe sweep.

Latency is one query at a time (a bot question is one query), p50/p95 over the queries.
"""

from __future__ import annotations

import time
from typing import Any

import faiss
import numpy as np

from retrieval.ann import DenseIndex

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
CHUNK = 50_000
N_QUERIES = 200


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
    config = ctx.config
    target_n = ctx.profile.scale_n
    base, origin = base_vectors(ctx)
    data = synthetic_vectors(base, target_n, seed=1)
    model = load_floor_model(config)
    real_q = floor_encode(model, questions(80))
    queries = np.concatenate([real_q, synthetic_vectors(base, N_QUERIES - len(real_q), 2)])
    dim = data.shape[1]

    hnsw = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = max(40, config.hnsw_m * 2)  # as DenseIndex.build
    hnsw.hnsw.efSearch = config.hnsw_ef_search
    dense = DenseIndex(hnsw)
    checkpoints = sorted({n for n in (100_000, 250_000, 500_000, target_n) if n <= target_n})
    build_s, reached, curve = 0.0, 0, []
    for n in checkpoints:
        while reached < n:
            step = min(CHUNK, n - reached)
            started = time.perf_counter()
            hnsw.add(data[reached : reached + step])
            build_s += time.perf_counter() - started
            reached += step
            if build_s > ctx.profile.scale_budget_s:
                break
        flat = faiss.IndexFlatIP(dim)
        flat.add(data[:reached])
        _, truth = flat.search(queries, K)
        exact_lat = latency(lambda q, f=flat: f.search(q, K), queries)
        _, found = dense.search(queries, K)
        curve.append(
            {
                "passages": reached,
                "hnsw_build_s": round(build_s, 2),
                "hnsw": latency(lambda q: dense.search(q, K), queries),
                "exact": exact_lat,
                "recall_at_10": recall(found, truth),
            }
        )
        print(f"  scale: {reached:,} vectors, HNSW build {build_s:.0f} s so far", flush=True)
        if build_s > ctx.profile.scale_budget_s or reached < n:
            break
    final = curve[-1]
    n = final["passages"]
    complete = n >= target_n
    extrapolated = None
    if not complete:
        last = curve[-2] if len(curve) > 1 else {"passages": 0, "hnsw_build_s": 0.0}
        rate = (final["hnsw_build_s"] - last["hnsw_build_s"]) / (n - last["passages"])
        extrapolated = round(final["hnsw_build_s"] + rate * (target_n - n), 0)

    # efSearch sweep on the final HNSW index.
    sweep = []
    for ef in (16, 32, 64, 128, 256):
        hnsw.hnsw.efSearch = ef
        _, found = dense.search(queries, K)
        sweep.append(
            {
                "ef_search": ef,
                "recall_at_10": recall(found, truth),
                **latency(lambda q: dense.search(q, K), queries),
            }
        )
    hnsw.hnsw.efSearch = config.hnsw_ef_search
    del flat  # keep memory down for IVF

    # IVF-Flat, trained on a sample, with an nprobe sweep.
    nlist = max(16, int(2 * np.sqrt(n)))
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    started = time.perf_counter()
    sample = data[np.random.default_rng(3).choice(n, min(n, 30 * nlist), replace=False)]
    ivf.train(sample)
    ivf.add(data[:n])
    ivf_build_s = round(time.perf_counter() - started, 3)
    ivf_sweep = []
    for nprobe in (8, 16, 32, 64, 128):
        ivf.nprobe = nprobe
        _, found = ivf.search(queries, K)
        ivf_sweep.append(
            {
                "nprobe": nprobe,
                "recall_at_10": recall(found, truth),
                **latency(lambda q: ivf.search(q, K), queries),
            }
        )

    result = {
        "target_passages": target_n,
        "measured_passages": n,
        "complete": complete,
        "hnsw_build_s": final["hnsw_build_s"],
        "hnsw_build_s_extrapolated_to_target": extrapolated,
        "hnsw_params": {
            "m": config.hnsw_m,
            "ef_construction": max(40, config.hnsw_m * 2),
            "ef_search": config.hnsw_ef_search,
        },
        "base_vectors": origin,
        "queries": len(queries),
        "curve": curve,
        "hnsw_ef_sweep": sweep,
        "ivf": {"nlist": nlist, "build_s": ivf_build_s, "sweep": ivf_sweep},
    }
    print_table(
        f"5. exact vs HNSW (project settings), {n:,} synthetic vectors, one query at a time",
        ["passages", "HNSW build s", "exact p50 ms", "HNSW p50 ms", "HNSW p95 ms", "recall@10"],
        [
            (
                c["passages"],
                c["hnsw_build_s"],
                c["exact"]["p50_ms"],
                c["hnsw"]["p50_ms"],
                c["hnsw"]["p95_ms"],
                c["recall_at_10"],
            )
            for c in curve
        ],
    )
    print_table(
        f"5b. for the lead: HNSW efSearch and IVF-Flat (nlist {nlist}) nprobe sweeps at {n:,}",
        ["variant", "p50 ms", "p95 ms", "recall@10"],
        [
            *[
                (f"HNSW efSearch={s['ef_search']}", s["p50_ms"], s["p95_ms"], s["recall_at_10"])
                for s in sweep
            ],
            *[
                (f"IVF nprobe={s['nprobe']}", s["p50_ms"], s["p95_ms"], s["recall_at_10"])
                for s in ivf_sweep
            ],
        ],
    )
    label = f" at {n:,}" + ("" if complete else f" (NOT {target_n:,}: build budget)")
    targets = [
        Target(f"HNSW p50 ms{label}", final["hnsw"]["p50_ms"], P50_LIMIT_MS, "<="),
        Target(f"HNSW recall@10 vs exact{label}", final["recall_at_10"], RECALL_LIMIT, ">="),
    ]
    notes = [
        "Synthetic vectors and no texts: mixtures of two real passage vectors plus "
        f"noise ({origin}); queries: {len(real_q)} real question vectors + "
        f"{N_QUERIES - len(real_q)} synthetic. Latency is the dense search alone "
        "(DenseIndex.search), without question encoding, BM25 or fusion.",
    ]
    if not complete:
        notes.append(
            f"HNSW build passed the {ctx.profile.scale_budget_s:.0f} s budget at {n:,} "
            f"vectors; EXTRAPOLATED build time for {target_n:,}: ~{extrapolated:.0f} s "
            "(linear in the last checkpoint's rate; HNSW inserts slow down as it grows, "
            "so this is a lower bound). Latency and recall are measured at "
            f"{n:,}, not {target_n:,}."
        )
    write_result(ctx, NAME, result, targets, notes)
    plot(ctx.out / f"{NAME}.png", lambda ax: _draw(ax, sweep, ivf_sweep, curve, n))
    return result


def _draw(ax: Any, sweep: list[dict], ivf: list[dict], curve: list[dict], n: int) -> None:
    ax.plot(
        [s["recall_at_10"] for s in sweep],
        [s["p50_ms"] for s in sweep],
        "o-",
        label="HNSW (project M), efSearch sweep",
    )
    for s in sweep:
        ax.annotate(f"ef={s['ef_search']}", (s["recall_at_10"], s["p50_ms"]), fontsize=7)
    ax.plot(
        [s["recall_at_10"] for s in ivf],
        [s["p50_ms"] for s in ivf],
        "s--",
        label="IVF-Flat, nprobe sweep",
    )
    for s in ivf:
        ax.annotate(f"np={s['nprobe']}", (s["recall_at_10"], s["p50_ms"]), fontsize=7)
    ax.axhline(curve[-1]["exact"]["p50_ms"], color="gray", ls=":", label="exact (flat) p50")
    ax.axhline(P50_LIMIT_MS, color="red", ls=":", lw=0.8, label="target p50")
    ax.axvline(RECALL_LIMIT, color="red", ls=":", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("recall@10 vs exact")
    ax.set_ylabel("p50 ms per query")
    ax.set_title(f"Dense search at {n:,} synthetic vectors")
    ax.legend(fontsize=8)
