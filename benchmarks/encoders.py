"""10. Encoder backends: torch, ONNX Runtime (fp32) and ONNX Runtime with int8 weights.

For each backend, in one run and interleaved (so that a busy machine slows all alike):

* **question latency**: one question encoded at a time (the dev set's and BBC
  headlines), p50 and p95;
* **passage throughput**: real passages (BBC articles and ``seeds/``, as the indexer
  splits them) encoded with their sentences' spans, as indexing does (passages/s);
* **vectors**: the cosine of each question's and passage's vector with torch's (min,
  5th percentile, median): fp32 backends must stay within 0.999;
* **answers**: the seeds dev set (hit@1, hit@3, no-answer accuracy), on an index built
  with the backend itself;
* **quality per backend** (``small``: seeds + 2,225 BBC articles; ``full``: also
  SciFact's test split and the documentation collections of ``benchmarks/collections``,
  fetched if missing): each on an index the backend built itself (onnx indexes on
  OpenVINO, see ``retrieval/encoder.py``); every figure must stay within 0.01 of
  torch's.

The default backend is the fastest whose vectors are torch's (see
``retrieval.config.DEFAULT_ENCODER``).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from typing import Any

import numpy as np

from retrieval import RetrievalConfig, Retriever
from retrieval.encoder import Encoder
from retrieval.evaluation import evaluate, read_eval_set
from retrieval.evaluation.beir import candidates, rankings, read_beir, score

from .common import (
    BBC,
    ROOT,
    Context,
    Target,
    build_corpus,
    dev_items,
    interleaved,
    print_table,
    questions,
    read_passages,
    stats_ms,
    write_result,
)

NAME = "encoders"
BACKENDS = ("torch", "onnx", "onnx-int8")
#: fp32 backends' vectors must be this close to torch's.
SAME_VECTORS = 0.999
#: ... and every quality figure this close to torch's.
SAME_QUALITY = 0.01
SCIFACT = ROOT.parent / "shared" / "data" / "scifact"
#: The documentation collections of the full profile (benchmarks/collections.py).
COLLECTIONS = ("git", "sqlite", "nodejs", "flask")


def run(ctx: Context) -> dict[str, Any]:
    size = ctx.profile.query_sizes[0]
    passages = read_passages(build_corpus(size, ctx.cache, ctx.config).folder, ctx.config)
    tiny = ctx.profile.name == "tiny"  # the smoke test: that it runs, not the figures
    if tiny:
        passages = passages[:30]
    texts = [p.embedding_text(ctx.config.embed_title) for p in passages]
    spans = [p.embedding_spans(ctx.config.embed_title) for p in passages]  # as indexing
    asked = questions(10 if tiny else 100)
    encoders = {b: Encoder(ctx.config.model, ctx.config.batch_size, b) for b in BACKENDS}
    for encoder in encoders.values():
        encoder.encode(["warm up the model"], progress=False)
    latency: dict[str, list[float]] = {b: [] for b in BACKENDS}
    for question in asked:  # each question on every backend in turn
        got = interleaved(
            {
                b: (lambda q=question, e=e: e.encode([q], progress=False))
                for b, e in encoders.items()
            },
            repeats=1,
        )
        for backend, values in got.items():
            latency[backend].extend(values)
    throughput: dict[str, list[float]] = {b: [] for b in BACKENDS}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(max(1, min(ctx.profile.repeats, 3))):
        for backend, encoder in encoders.items():
            started = time.perf_counter()
            vectors[backend], _ = encoder.encode_with_spans(texts, spans, progress=False)
            throughput[backend].append(len(texts) / (time.perf_counter() - started))
    question_vectors = {b: e.encode(asked, progress=False) for b, e in encoders.items()}
    rows: dict[str, Any] = {}
    for backend in BACKENDS:
        cosines = np.concatenate(
            [
                np.sum(vectors[backend] * vectors["torch"], axis=1),
                np.sum(question_vectors[backend] * question_vectors["torch"], axis=1),
            ]
        )
        rows[backend] = {
            "question_ms": stats_ms(latency[backend]),
            "passages_per_s": round(statistics.median(throughput[backend]), 1),
            "cosine_to_torch": {
                "min": round(float(cosines.min()), 5),
                "p5": round(float(np.percentile(cosines, 5)), 5),
                "median": round(float(np.median(cosines)), 5),
            },
            "seeds_dev": (
                _seeds_dev(ctx.config.replace(encoder=backend), encoders[backend])
                if not tiny
                else {"hit@1": 0.0, "hit@3": 0.0, "no_answer_accuracy": 0.0}  # not measured
            ),
        }
    torch_p50 = rows["torch"]["question_ms"]["p50_ms"]
    torch_rate = rows["torch"]["passages_per_s"]
    for row in rows.values():
        row["question_p50_vs_torch"] = round(row["question_ms"]["p50_ms"] / torch_p50, 3)
        row["throughput_vs_torch"] = round(row["passages_per_s"] / torch_rate, 3)
    print_table(
        f"10. encoder backends ({len(texts)} passages, {len(asked)} questions)",
        [
            "backend",
            "question p50 ms",
            "vs torch",
            "passages/s",
            "vs torch",
            "cos min",
            "cos median",
            "dev hit@1",
            "hit@3",
            "no-answer",
        ],
        [
            (
                b,
                r["question_ms"]["p50_ms"],
                r["question_p50_vs_torch"],
                r["passages_per_s"],
                r["throughput_vs_torch"],
                r["cosine_to_torch"]["min"],
                r["cosine_to_torch"]["median"],
                r["seeds_dev"]["hit@1"],
                r["seeds_dev"]["hit@3"],
                r["seeds_dev"]["no_answer_accuracy"],
            )
            for b, r in rows.items()
        ],
    )
    targets = [
        Target(
            "onnx vectors: min cosine to torch's (>= 0.999)",
            rows["onnx"]["cosine_to_torch"]["min"],
            SAME_VECTORS,
            ">=",
        ),
        Target(
            "onnx seeds dev hit@1, change from torch (>= -0.01)",
            rows["onnx"]["seeds_dev"]["hit@1"] - rows["torch"]["seeds_dev"]["hit@1"],
            -0.01,
            ">=",
        ),
    ]
    quality = {} if tiny else _quality(ctx)
    if quality:
        print_table(
            "10b. quality per backend (hit@1 · hit@3 · no-answer; SciFact nDCG@10 "
            "dense · fused · re-ranked)",
            ["set", *BACKENDS],
            [
                (name, *(" · ".join(f"{v:.3f}" for v in by[b].values()) for b in BACKENDS))
                for name, by in quality.items()
            ],
        )
        for backend in BACKENDS[1:]:
            worst = min(
                (by[backend][k] - by["torch"][k] for by in quality.values() for k in by["torch"]),
                default=0.0,
            )
            targets.append(
                Target(
                    f"{backend}: worst quality change from torch (>= -{SAME_QUALITY})",
                    round(worst, 4),
                    -SAME_QUALITY,
                    ">=",
                )
            )
    _plot(ctx, rows, quality)
    notes = [
        "Question latency is the model's encoding of one question (the search around it "
        "is the same for every backend); throughput encodes passages with their "
        "sentences' spans, as indexing does."
    ]
    result = {
        "passages": len(texts),
        "questions": len(asked),
        "backends": rows,
        "quality": quality,
    }
    write_result(ctx, NAME, result, targets, notes)
    return result


def _seeds_dev(config: RetrievalConfig, encoder: Encoder) -> dict[str, float]:
    """The seeds dev set on an index of ``seeds/`` built with ``encoder``."""
    with tempfile.TemporaryDirectory(prefix="docqa-encoders-") as folder:
        retriever = Retriever.from_corpus(ROOT / "seeds", folder, config, encoder=encoder)
        metrics = evaluate(retriever, dev_items())
        retriever.close()
    return {k: round(float(metrics[k]), 4) for k in ("hit@1", "hit@3", "no_answer_accuracy")}


def _quality(ctx: Context) -> dict[str, dict[str, dict[str, float]]]:
    """Each quality figure per backend: ``{set: {backend: {metric: value}}}``."""
    base = ctx.config
    found: dict[str, dict[str, dict[str, float]]] = {}
    news = [ROOT / "seeds", BBC]
    found["seeds + BBC dev"] = _per_backend(ctx, "news", news, lambda r: _answers(r, dev_items()))
    if ctx.profile.name != "full":
        return found
    if (SCIFACT / "queries.jsonl").exists():
        data = read_beir(SCIFACT, "test")

        def ndcg(retriever: Retriever) -> dict[str, float]:
            scored = score(rankings(candidates(retriever, data.queries), base), data.qrels)
            return {k: round(scored[k]["ndcg@10"], 4) for k in ("dense", "fused", "reranked")}

        found["SciFact test nDCG@10"] = _per_backend(ctx, "scifact", [data.corpus], ndcg)
    from .collections import collection_folder, question_file

    for name in COLLECTIONS:
        folder = collection_folder(name)
        items = read_eval_set(question_file(name))
        found[f"{name} dev"] = _per_backend(
            ctx, name, [folder], lambda r, items=items: _answers(r, items)
        )
    return found


def _per_backend(
    ctx: Context, name: str, corpus: list[Any], measure: Any
) -> dict[str, dict[str, float]]:
    """``measure(retriever)`` for each backend, on an index of ``corpus`` that the
    backend built (kept under the cache: built once, reused by later runs)."""
    found = {}
    for backend in BACKENDS:
        config = ctx.config.replace(encoder=backend)
        index_dir = ctx.cache / "encoders" / f"{name}-{backend}"
        retriever = Retriever.from_corpus(corpus, index_dir, config)
        found[backend] = measure(retriever)
        retriever.close()
    return found


def _answers(retriever: Retriever, items: list[Any]) -> dict[str, float]:
    metrics = evaluate(retriever, items)
    return {k: round(float(metrics[k]), 4) for k in ("hit@1", "hit@3", "no_answer_accuracy")}


def _plot(ctx: Context, rows: dict[str, Any], quality: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(rows)
    panels = 3 if quality else 2
    figure, axes = plt.subplots(1, panels, figsize=(4.5 * panels, 3.5))
    left, right = axes[0], axes[1]
    left.bar(names, [rows[n]["question_ms"]["p50_ms"] for n in names], color="#4c72b0")
    left.set_title("question encoding p50 (ms)")
    right.bar(names, [rows[n]["passages_per_s"] for n in names], color="#55a868")
    right.set_title("passages encoded per second")
    if quality:
        # hit@1 of each set (SciFact: re-ranked nDCG@10), per backend.
        third, width = axes[2], 0.8 / len(names)
        sets = list(quality)
        for n, backend in enumerate(names):
            values = [
                quality[s][backend].get("hit@1", quality[s][backend].get("reranked", 0))
                for s in sets
            ]
            third.bar([i + n * width for i in range(len(sets))], values, width=width, label=backend)
        third.set_xticks([i + width for i in range(len(sets))], sets, rotation=30, ha="right")
        third.set_title("hit@1 (SciFact: nDCG@10) per backend")
        third.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(ctx.out / f"{NAME}.png", dpi=100)
    plt.close(figure)
