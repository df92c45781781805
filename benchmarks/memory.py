"""4. Memory: peak RSS of a fresh process answering one question.

Peak RSS is the child's ``VmHWM`` (``/proc/self/status``), the high-water mark of its
own address space. ``ru_maxrss`` is recorded too but not used: Linux carries it over
``exec`` from the forked parent, so every child reported the runner's 1.2 GB.

* project: ``Retriever.load(index)`` and one ``search``;
* floor: the model, the float32 vectors in a flat FAISS index read from disk, one
  encode and one ``IndexFlatIP.search``.

Target: project peak <= floor peak + 1.5 x the vectors' size.

Collections (issue 15): one process serving 5 collections of the same size (copies of
one index, as a team's bot opens them: ``Collections.open`` of a ``--collections``
file, one question answered in each) against the project with one. The model is shared,
so each collection past the first may cost its index only: at most 2.5 x its vectors
(the vectors themselves, plus the 1.5 x the single-index target allows).
"""

from __future__ import annotations

import shutil
import statistics
from typing import Any

import faiss
import numpy as np
import yaml

from retrieval import Retriever

from .cold_start import spawn
from .common import (
    Context,
    Target,
    build_corpus,
    build_index,
    model_path,
    print_table,
    write_result,
)

NAME = "memory"
VECTOR_FACTOR = 1.5
#: Collections served by one process, and what each one past the first may cost.
COLLECTIONS = 5
COLLECTION_FACTOR = 2.5
MB = 1024 * 1024


def vector_bytes(index_dir: str) -> int:
    """The size of an index's vectors as float32 (what the floor holds in FAISS)."""
    retriever = Retriever.load(index_dir)
    rows, width = retriever.vectors().shape
    retriever.close()
    return int(rows * width * 4)


def flat_index_file(index_dir: str) -> tuple[str, int]:
    """Writes (once) the floor's flat FAISS index of the project's vectors; returns its
    path and the vectors' size in bytes."""
    retriever = Retriever.load(index_dir)
    vectors = np.ascontiguousarray(retriever.vectors(), dtype=np.float32)
    retriever.close()
    path = f"{index_dir}.flat.faiss"
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    faiss.write_index(index, path)
    return path, int(vectors.nbytes)


def run(ctx: Context) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    repeats = max(1, min(ctx.profile.repeats, 3))
    for size in ctx.profile.memory_sizes:
        corpus = build_corpus(size, ctx.cache, ctx.config)
        index_dir = str(build_index(ctx, corpus))
        flat, nbytes = flat_index_file(index_dir)
        project, floor = [], []
        for _ in range(repeats):
            project.append(spawn("project", index_dir)["peak_rss_bytes"])
            floor_path = f"{model_path(ctx.config)}::{flat}"
            floor.append(spawn("floor-memory", floor_path)["peak_rss_bytes"])
        p, f = statistics.median(project), statistics.median(floor)
        limit = f + VECTOR_FACTOR * nbytes
        rows[str(size)] = {
            "corpus": corpus.describe(),
            "vectors_mb": round(nbytes / MB, 2),
            "project_peak_mb": round(p / MB, 1),
            "floor_peak_mb": round(f / MB, 1),
            "overhead_mb": round((p - f) / MB, 1),
            "overhead_in_vectors": round((p - f) / nbytes, 2),
            "limit_mb": round(limit / MB, 1),
            "all_project_mb": [round(x / MB, 1) for x in project],
            "all_floor_mb": [round(x / MB, 1) for x in floor],
        }
    print_table(
        "4. peak RSS, fresh process, one question answered (MB)",
        ["passages", "synthetic", "vectors", "project", "floor", "overhead", "in vectors", "limit"],
        [
            (
                r["corpus"]["passages"],
                r["corpus"]["synthetic_passages"],
                r["vectors_mb"],
                r["project_peak_mb"],
                r["floor_peak_mb"],
                r["overhead_mb"],
                r["overhead_in_vectors"],
                r["limit_mb"],
            )
            for r in rows.values()
        ],
    )
    targets = [
        Target(
            f"peak RSS at {int(s):,}, MB (<= floor + 1.5 x vectors)",
            r["project_peak_mb"],
            r["limit_mb"],
            "<=",
        )
        for s, r in rows.items()
    ]
    teams = collections_memory(ctx, repeats)
    print_table(
        f"4b. peak RSS, {COLLECTIONS} collections in one process (MB)",
        ["passages each", "vectors each", "one", f"{COLLECTIONS}", "per extra", "limit"],
        [
            (
                teams["passages_each"],
                teams["vectors_mb_each"],
                teams["one_peak_mb"],
                teams["all_peak_mb"],
                teams["per_extra_mb"],
                teams["limit_mb"],
            )
        ],
    )
    targets.append(
        Target(
            f"peak RSS of {COLLECTIONS} collections of {teams['passages_each']:,}, MB "
            f"(<= one + {COLLECTIONS - 1} x {COLLECTION_FACTOR} x vectors)",
            teams["all_peak_mb"],
            teams["limit_mb"],
            "<=",
        )
    )
    notes = [
        f"Medians of {repeats} fresh processes each; peak RSS is VmHWM, which counts "
        "mapped file pages that were touched (the project memory-maps vectors and "
        "FAISS)."
    ]
    result = {"sizes": rows, "collections": teams}
    write_result(ctx, NAME, result, targets, notes)
    return result


def collections_memory(ctx: Context, repeats: int) -> dict[str, Any]:
    """Peak RSS of one process serving :data:`COLLECTIONS` collections of
    ``cold_size`` passages each (copies of one index), against one."""
    corpus = build_corpus(ctx.profile.cold_size, ctx.cache, ctx.config)
    index_dir = build_index(ctx, corpus)
    nbytes = vector_bytes(str(index_dir))
    root = ctx.cache / "teams" / index_dir.name
    collections = {}
    for n in range(COLLECTIONS):
        copy = root / f"index-{n}"
        if not copy.exists():
            shutil.copytree(index_dir, copy)
        collections[f"c{n}"] = {"path": str(corpus.folder), "index_dir": str(copy)}
    files = []
    for count in (1, COLLECTIONS):
        path = root / f"teams-{count}.yaml"
        chosen = dict(list(collections.items())[:count])
        path.write_text(yaml.safe_dump({"collections": chosen}), encoding="utf-8")
        files.append(str(path))
    one = statistics.median(
        spawn("collections", files[0])["peak_rss_bytes"] for _ in range(repeats)
    )
    every = statistics.median(
        spawn("collections", files[1])["peak_rss_bytes"] for _ in range(repeats)
    )
    limit = one + (COLLECTIONS - 1) * COLLECTION_FACTOR * nbytes
    return {
        "passages_each": len(corpus),
        "vectors_mb_each": round(nbytes / MB, 2),
        "one_peak_mb": round(one / MB, 1),
        "all_peak_mb": round(every / MB, 1),
        "per_extra_mb": round((every - one) / (COLLECTIONS - 1) / MB, 1),
        "limit_mb": round(limit / MB, 1),
    }
