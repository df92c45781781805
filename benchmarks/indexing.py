"""2. Indexing: full-build throughput against the floor, and incremental re-indexing.

* Full build: ``Retriever.from_corpus`` into an empty folder (reading, splitting,
  embedding with the real model, FAISS, BM25, SQLite, writing) against the floor,
  ``model.encode`` over the same passage texts in batches of the same size, nothing
  else. Both with the model already loaded; builds and floor runs take turns.
* Re-indexing a persisted corpus: unchanged (nothing may be embedded), and after one
  file changed (only that file's passages may be embedded: ``Retriever.embedded``).
"""

from __future__ import annotations

import gzip
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import Encoder, RetrievalConfig, Retriever

from .common import (
    Context,
    Target,
    build_corpus,
    build_index,
    floor_encode,
    load_floor_model,
    print_table,
    ratio,
    write_result,
)

NAME = "indexing"
THROUGHPUT_LIMIT = 0.9
#: Issue 16's: a faster encoder than the floor's.
FAST_THROUGHPUT_LIMIT = 1.6
UNCHANGED_LIMIT_S = 1.0


class TimingEncoder(Encoder):
    """The real encoder, recording how long encoding took (to split a build's time)."""

    def __init__(self, config: RetrievalConfig) -> None:
        super().__init__(config.model, config.batch_size, config.encoder)
        self.seconds = 0.0

    def encode(self, texts: list[str], progress: bool | None = None) -> np.ndarray:
        started = time.perf_counter()
        try:
            return super().encode(texts, progress=False)
        finally:
            self.seconds += time.perf_counter() - started

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], progress: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        started = time.perf_counter()
        try:
            return super().encode_with_spans(texts, spans, progress=False)
        finally:
            self.seconds += time.perf_counter() - started


def full_build(ctx: Context, scratch: Path) -> dict[str, Any]:
    """Full-build throughput of the project vs the floor's encoding throughput."""
    corpus = build_corpus(ctx.profile.index_size, ctx.cache, ctx.config)
    texts = corpus.texts(ctx.config)
    model = load_floor_model(ctx.config)
    encoder = TimingEncoder(ctx.config)
    encoder.encode(["warm up the model"])  # load it, as the floor's model is loaded
    floor_encode(model, ["warm up the model"])
    repeats = max(1, min(ctx.profile.repeats, 3))
    project, encoding, floor = [], [], []
    for n in range(repeats):
        target = scratch / f"build-{n}"
        encoder.seconds = 0.0
        started = time.perf_counter()
        Retriever.from_corpus(corpus.folder, target, ctx.config, encoder=encoder)
        project.append(time.perf_counter() - started)
        encoding.append(encoder.seconds)
        shutil.rmtree(target, ignore_errors=True)
        started = time.perf_counter()
        floor_encode(model, texts, ctx.config.batch_size)
        floor.append(time.perf_counter() - started)
    p, f, e = (statistics.median(x) for x in (project, floor, encoding))
    return {
        "corpus": corpus.describe(),
        "repeats": repeats,
        "project_s": round(p, 3),
        "project_encoding_s": round(e, 3),
        "project_other_s": round(p - e, 3),
        "floor_s": round(f, 3),
        "project_passages_per_s": round(len(texts) / p, 2),
        "floor_passages_per_s": round(len(texts) / f, 2),
        "throughput_ratio": ratio(f, p),
        # Each build against the floor run right after it: less sensitive to load drifts.
        "pairwise_ratio_median": round(
            statistics.median(b / a for a, b in zip(project, floor, strict=True)), 3
        ),
        "all_project_s": [round(x, 3) for x in project],
        "all_floor_s": [round(x, 3) for x in floor],
    }


def _touch_shard(path: Path, stamp: int) -> None:
    """Changes one article of a JSON Lines shard (so its content hash changes)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    records[0]["text"] += f"\n\nThis article was updated ({stamp})."
    with gzip.GzipFile(path, "wb", mtime=0) as raw:
        for record in records:
            raw.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))


def reindex(ctx: Context, scratch: Path) -> dict[str, Any]:
    """Re-indexing an unchanged corpus, then after changing one file (several times)."""
    corpus = build_corpus(ctx.profile.reindex_size, ctx.cache, ctx.config)
    cached = build_index(ctx, corpus)
    folder, index_dir = scratch / "corpus", scratch / "index"
    shutil.copytree(corpus.folder, folder)
    shutil.copytree(cached, index_dir)
    # Unchanged: a fresh encoder each time, as a new process would have (never loaded).
    unchanged, embedded = [], []
    for _ in range(max(3, ctx.profile.repeats)):
        started = time.perf_counter()
        retriever = Retriever.from_corpus(folder, index_dir, ctx.config)
        unchanged.append(time.perf_counter() - started)
        embedded.append(retriever.embedded)
        retriever.close()
    # One changed file: a different shard each time, the real model embedding.
    encoder = Encoder.of(ctx.config)
    encoder.encode(["warm up the model"])
    shards = sorted(p for p in folder.glob("bbc*.jsonl.gz"))
    changed = []
    for n, shard in enumerate(shards[: max(1, min(ctx.profile.repeats, 3))]):
        _touch_shard(shard, n)
        started = time.perf_counter()
        retriever = Retriever.from_corpus(folder, index_dir, ctx.config, encoder=encoder)
        seconds = time.perf_counter() - started
        file_passages = sum(s.passages for s in retriever.sources() if s.file == shard.name)
        changed.append(
            {
                "file": shard.name,
                "seconds": round(seconds, 3),
                "embedded": retriever.embedded,
                "file_passages": file_passages,
                "only_that_file": retriever.embedded == file_passages,
            }
        )
        retriever.close()
    return {
        "corpus": corpus.describe(),
        "unchanged_s": round(statistics.median(unchanged), 4),
        "unchanged_all_s": [round(x, 4) for x in unchanged],
        "unchanged_embedded": max(embedded),
        "one_file_changed": changed,
        "one_file_changed_median_s": round(statistics.median(c["seconds"] for c in changed), 3),
    }


def run(ctx: Context) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-indexing-", dir=ctx.cache) as tmp:
        build = full_build(ctx, Path(tmp))
        again = reindex(ctx, Path(tmp))
    print_table(
        "2a. full index build vs floor (model.encode over the same texts)",
        [
            "passages",
            "project s",
            "of which encoding",
            "floor s",
            "project p/s",
            "floor p/s",
            "ratio",
        ],
        [
            (
                build["corpus"]["passages"],
                build["project_s"],
                build["project_encoding_s"],
                build["floor_s"],
                build["project_passages_per_s"],
                build["floor_passages_per_s"],
                build["throughput_ratio"],
            )
        ],
    )
    print_table(
        "2b. re-indexing a persisted corpus",
        ["case", "passages", "seconds", "embedded", "file's passages"],
        [
            (
                "unchanged",
                again["corpus"]["passages"],
                again["unchanged_s"],
                again["unchanged_embedded"],
                None,
            ),
            *[
                (
                    f"changed {c['file']}",
                    again["corpus"]["passages"],
                    c["seconds"],
                    c["embedded"],
                    c["file_passages"],
                )
                for c in again["one_file_changed"]
            ],
        ],
    )
    only_file = all(c["only_that_file"] for c in again["one_file_changed"])
    size = again["corpus"]["passages"]
    targets = [
        Target("full build throughput / floor", build["throughput_ratio"], THROUGHPUT_LIMIT, ">="),
        Target(
            "issue 16: full build throughput / floor",
            build["throughput_ratio"],
            FAST_THROUGHPUT_LIMIT,
            ">=",
        ),
        Target(
            f"unchanged re-index of {size:,} passages, s",
            again["unchanged_s"],
            UNCHANGED_LIMIT_S,
            "<=",
        ),
        Target("unchanged re-index embeds nothing", again["unchanged_embedded"], 0, "<="),
        Target("one changed file re-embeds only it (1 = yes)", float(only_file), 1, ">="),
    ]
    notes = [
        "Full build: the real model embeds every passage; the model is loaded before "
        "timing for both; builds and floor runs alternate; medians.",
        "Re-index corpus: real BBC passages; its first build used cached real vectors "
        "(benchmarks/common.py CachingEncoder); the timed re-indexes use the real model.",
    ]
    result = {"full_build": build, "reindex": again}
    write_result(ctx, NAME, result, targets, notes)
    return result
