"""10. Encoder backends: torch, ONNX Runtime (fp32) and ONNX Runtime with int8 weights.

For each backend, in one run and interleaved (so that a busy machine slows all alike):

* **question latency**: one question encoded at a time (the dev set's and BBC
  headlines), p50 and p95;
* **passage throughput**: real passages (BBC articles and ``seeds/``, as the indexer
  splits them) encoded with their sentences' spans, as indexing does (passages/s);
* **vectors**: the cosine of each question's and passage's vector with torch's (min,
  5th percentile, median): fp32 backends must stay within 0.999;
* **answers**: the seeds dev set (hit@1, hit@3, no-answer accuracy), on an index built
  with the backend itself.

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
from retrieval.evaluation import evaluate

from .common import (
    ROOT,
    Context,
    Target,
    build_corpus,
    dev_items,
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
    for question in asked:  # interleaved: each question on every backend in turn
        for backend, encoder in encoders.items():
            started = time.perf_counter()
            encoder.encode([question], progress=False)
            latency[backend].append(time.perf_counter() - started)
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
    _plot(ctx, rows)
    notes = [
        "Question latency is the model's encoding of one question (the search around it "
        "is the same for every backend); throughput encodes passages with their "
        "sentences' spans, as indexing does."
    ]
    result = {"passages": len(texts), "questions": len(asked), "backends": rows}
    write_result(ctx, NAME, result, targets, notes)
    return result


def _seeds_dev(config: RetrievalConfig, encoder: Encoder) -> dict[str, float]:
    """The seeds dev set on an index of ``seeds/`` built with ``encoder``."""
    with tempfile.TemporaryDirectory(prefix="docqa-encoders-") as folder:
        retriever = Retriever.from_corpus(ROOT / "seeds", folder, config, encoder=encoder)
        metrics = evaluate(retriever, dev_items())
        retriever.close()
    return {k: round(float(metrics[k]), 4) for k in ("hit@1", "hit@3", "no_answer_accuracy")}


def _plot(ctx: Context, rows: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(rows)
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.bar(names, [rows[n]["question_ms"]["p50_ms"] for n in names], color="#4c72b0")
    left.set_title("question encoding p50 (ms)")
    right.bar(names, [rows[n]["passages_per_s"] for n in names], color="#55a868")
    right.set_title("passages encoded per second")
    figure.tight_layout()
    figure.savefig(ctx.out / f"{NAME}.png", dpi=100)
    plt.close(figure)
