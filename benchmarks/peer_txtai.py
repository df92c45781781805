"""7. Peer: txtai (``Embeddings(path=<same model folder>, content=True, hybrid=True)``)
on the same passages, in the same run.

* Index time: both index the same real corpus (``index_size`` passages) with the real
  model: the project's ``Retriever.from_corpus`` into an empty folder, txtai's
  ``Embeddings.index`` of the same passage texts (title + paragraph, as the project
  embeds them).
* Query p50 at every query size: the project's ``search(q, k=3)`` and txtai's
  ``search(q, 3)`` take turns on each question. For sizes above ``index_size``, both
  indexes are built with the cached vectors (the project through its
  ``CachingEncoder``, txtai with its vector model's ``encode`` patched for the
  indexing call only); questions are encoded by each library's own model path.
* Quality on the dev set (``retrieval/evaluate.py``'s definitions) at every size:
  hit@1, hit@3, mrr@5 over answerable questions for both; no-answer accuracy for the
  project only: txtai has no notion of "no answer" (it always returns its top hits).
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from retrieval import Encoder, Hit, Retriever
from retrieval.evaluation import evaluate, is_hit

from .common import (
    CachingEncoder,
    Context,
    Corpus,
    Target,
    build_corpus,
    build_index,
    dev_items,
    interleaved,
    model_path,
    plot,
    print_table,
    questions,
    ratio,
    stats_ms,
    vector_cache,
    version,
    write_result,
)

NAME = "peer_txtai"


def available() -> bool:
    return version("txtai") is not None


def txtai_embeddings(ctx: Context) -> Any:
    from txtai import Embeddings

    logging.getLogger("txtai").setLevel(logging.WARNING)
    return Embeddings(path=model_path(ctx.config), content=True, hybrid=True)


def txtai_index(ctx: Context, corpus: Corpus, cached: bool) -> tuple[Any, float]:
    """A txtai index of the corpus's passages (ids are row numbers); its build time."""
    embeddings = txtai_embeddings(ctx)
    texts = corpus.texts(ctx.config)
    if cached:
        encoder = CachingEncoder(ctx.config, vector_cache(ctx), corpus.variants)
        embeddings.model.encode = lambda data, category=None: encoder.encode(list(data))
    started = time.perf_counter()
    embeddings.index([(str(i), text, None) for i, text in enumerate(texts)])
    seconds = time.perf_counter() - started
    if cached:
        del embeddings.model.encode  # back to txtai's own encoding for queries
    return embeddings, seconds


def txtai_quality(embeddings: Any, corpus: Corpus) -> dict[str, Any]:
    """hit@1, hit@3, mrr@5 over the dev set's answerable questions."""
    items = [i for i in dev_items() if i.answers]
    ranks = []
    for item in items:
        found = embeddings.search(item.question, 5)
        rank = None
        for n, row in enumerate(found, 1):
            p = corpus.passages[int(row["id"])]
            hit = Hit(p.id, p.text, p.title, p.source, p.position, n, row["score"], row["score"])
            if is_hit(hit, item):
                rank = n
                break
        ranks.append(rank)
    n = len(items)
    return {
        "n": n,
        "hit@1": round(sum(r == 1 for r in ranks) / n, 4),
        "hit@3": round(sum(1 for r in ranks if r and r <= 3) / n, 4),
        "mrr@5": round(sum(1 / r for r in ranks if r) / n, 4),
        "no_answer_accuracy": None,
    }


def project_quality(retriever: Retriever) -> dict[str, Any]:
    everything = evaluate(retriever, dev_items())
    answerable = evaluate(retriever, [i for i in dev_items() if i.answers])
    return {
        "n": everything["n"],
        "hit@1": everything["hit@1"],
        "hit@3": everything["hit@3"],
        "mrr@5": everything["mrr@5"],
        "no_answer_accuracy": everything["no_answer_accuracy"],
        "no_answer_accuracy_answerable_only": answerable["no_answer_accuracy"],
    }


def index_times(ctx: Context, scratch: Path) -> dict[str, Any]:
    """Index time of both on the same real corpus, real model throughout."""
    corpus = build_corpus(ctx.profile.index_size, ctx.cache, ctx.config)
    encoder = Encoder.of(ctx.config)
    encoder.encode(["warm up the model"])
    embeddings = txtai_embeddings(ctx)
    embeddings.model.encode(["warm up the model"])
    texts = corpus.texts(ctx.config)
    started = time.perf_counter()
    embeddings.index([(str(i), text, None) for i, text in enumerate(texts)])
    peer = time.perf_counter() - started
    started = time.perf_counter()
    Retriever.from_corpus(corpus.folder, scratch / "build", ctx.config, encoder=encoder)
    project = time.perf_counter() - started
    return {
        "passages": len(corpus),
        "project_s": round(project, 2),
        "txtai_s": round(peer, 2),
        "ratio": ratio(project, peer),
        "txtai_vectors_method": _vectors_method(embeddings),
        "txtai_backend": embeddings.config.get("backend"),
    }


def _txtai_ann(embeddings: Any) -> dict[str, Any]:
    """The FAISS index txtai chose (it goes approximate, IVF, above 5,000 vectors)."""
    build = embeddings.config.get("build", {}) if isinstance(embeddings.config, dict) else {}
    backend = getattr(getattr(embeddings, "ann", None), "backend", None)
    return {
        "components": build.get("settings", {}).get("components"),
        "nprobe": getattr(backend, "nprobe", None),
    }


def _ann_label(ann: dict[str, Any]) -> str:
    nprobe = ann.get("nprobe")
    return f"{ann.get('components')}" + (f" nprobe {nprobe}" if nprobe else "")


def _vectors_method(embeddings: Any) -> str | None:
    """The vector method txtai picked for the model path (it is derived, not stored)."""
    try:
        from txtai.vectors.dense.factory import VectorsFactory

        return VectorsFactory.method(embeddings.config)
    except (ImportError, AttributeError):
        return type(embeddings.model).__name__


def run(ctx: Context) -> dict[str, Any]:
    if not available():
        print("txtai is not installed: skipping the peer benchmark")
        return {"skipped": "txtai not installed"}
    asked = questions(ctx.profile.questions)
    with tempfile.TemporaryDirectory(prefix="bench-txtai-", dir=ctx.cache) as tmp:
        build = index_times(ctx, Path(tmp))
    rows: dict[str, Any] = {}
    for size in ctx.profile.query_sizes:
        corpus = build_corpus(size, ctx.cache, ctx.config)
        retriever = Retriever.load(build_index(ctx, corpus))
        embeddings, seconds = txtai_index(ctx, corpus, cached=True)
        retriever.search("warm up")
        embeddings.search("warm up", 3)
        times: dict[str, list[float]] = {"project": [], "txtai": []}
        for question in asked:
            got = interleaved(
                {
                    "project": lambda q=question, r=retriever: r.search(q, k=3),
                    "txtai": lambda q=question, e=embeddings: e.search(q, 3),
                },
                repeats=ctx.profile.repeats,
            )
            for name, values in got.items():
                times[name].extend(values)
        project, peer = stats_ms(times["project"]), stats_ms(times["txtai"])
        rows[str(size)] = {
            "corpus": corpus.describe(),
            "project": project,
            "txtai": peer,
            "p50_ratio": ratio(project["p50_ms"], peer["p50_ms"]),
            "txtai_index_s_cached_vectors": round(seconds, 2),
            "txtai_ann": _txtai_ann(embeddings),
            "project_ann": {
                "components": retriever.info.dense,
                "nprobe": retriever.info.nprobe,
            },
            "quality": {
                "project": project_quality(retriever),
                "txtai": txtai_quality(embeddings, corpus),
            },
        }
        embeddings.close()
        retriever.close()
    print_table(
        f"7a. index time, same {build['passages']:,} real passages, real model (s)",
        ["project", "txtai", "project / txtai", "txtai vectors"],
        [(build["project_s"], build["txtai_s"], build["ratio"], build["txtai_vectors_method"])],
    )
    print_table(
        "7b. query p50 and dev-set quality: project vs txtai (hybrid, content)",
        [
            "passages",
            "who",
            "FAISS index",
            "p50 ms",
            "p95 ms",
            "hit@1",
            "hit@3",
            "mrr@5",
            "no-answer acc",
        ],
        [
            (
                r["corpus"]["passages"] if who == "project" else "",
                who,
                _ann_label(r[f"{who}_ann"]),
                r[who]["p50_ms"],
                r[who]["p95_ms"],
                q["hit@1"],
                q["hit@3"],
                q["mrr@5"],
                "n/a (no notion)" if q["no_answer_accuracy"] is None else q["no_answer_accuracy"],
            )
            for r in rows.values()
            for who in ("project", "txtai")
            for q in [r["quality"][who]]
        ],
    )
    targets = [
        Target(f"query p50 / txtai at {int(s):,} (ahead: <= 1)", r["p50_ratio"], 1.0, "<=")
        for s, r in rows.items()
    ]
    notes = [
        "txtai has no 'no answer': its figures are over answerable questions only "
        "(hit@1, hit@3, mrr@5 as retrieval/evaluate.py defines them); the project's "
        "hit/mrr are over the same answerable questions, and its no-answer accuracy "
        "over all dev questions.",
        "Index time: one build each on the same real passages with the real model "
        f"(txtai chose vectors method {build['txtai_vectors_method']!r}).",
        "Query sizes: both indexes built from the same cached vectors (see module doc); "
        "synthetic passages above 12.3k. txtai's default FAISS index is exact up to 5,000 "
        "vectors and IVF (approximate, 4·√n cells, nprobe = cells/16) above; the project's "
        f"is exact up to ann_threshold ({ctx.config.ann_threshold:,}) and IVF above "
        f"(4·√n cells, nprobe {ctx.config.ivf_nprobe}): see txtai_ann and project_ann "
        "in the JSON.",
    ]
    result = {"index_time": build, "sizes": rows, "questions": len(asked)}
    write_result(ctx, NAME, result, targets, notes)
    if len(rows) > 1:
        plot(ctx.out / f"{NAME}.png", lambda ax: _draw(ax, rows))
    return result


def _draw(ax: Any, rows: dict[str, Any]) -> None:
    sizes = [r["corpus"]["passages"] for r in rows.values()]
    ax.plot(sizes, [r["project"]["p50_ms"] for r in rows.values()], "o-", label="project p50")
    ax.plot(sizes, [r["txtai"]["p50_ms"] for r in rows.values()], "s--", label="txtai p50")
    ax.set_xscale("log")
    ax.set_xlabel("passages")
    ax.set_ylabel("ms per question")
    ax.set_title("Query p50: project search() vs txtai hybrid search")
    ax.legend()
