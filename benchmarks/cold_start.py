"""3. Cold start: from process start to the first answer, against the floor.

Both run in fresh processes (``benchmarks/_child.py``), taking turns:

* project: ``python -m benchmarks._child project INDEX Q``: import ``retrieval``,
  ``Retriever.load`` a persisted index, ``search`` one question;
* floor: import sentence-transformers, load the model, encode one question.

"Process start" is the parent's clock just before it spawns the child, so interpreter
start-up counts for both; the child reports when its answer was ready.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from typing import Any

from .common import (
    ROOT,
    Context,
    Target,
    build_corpus,
    build_index,
    model_path,
    print_table,
    python,
    ratio,
    subprocess_env,
    write_result,
)

NAME = "cold_start"
LIMIT = 1.2
QUESTION = "What did Lei Jun say about 2019?"


def spawn(mode: str, path: str, question: str = QUESTION) -> dict[str, Any]:
    """Runs the child once; returns its report plus the wall time from spawn."""
    started = time.time()
    done = subprocess.run(
        [python(), "-m", "benchmarks._child", mode, path, question],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {mode} failed: {done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["to_answer_s"] = report["answered_at"] - started
    report["interpreter_s"] = report["python_started_at"] - started
    return report


def run(ctx: Context) -> dict[str, Any]:
    corpus = build_corpus(ctx.profile.cold_size, ctx.cache, ctx.config)
    index_dir = str(build_index(ctx, corpus))
    model = model_path(ctx.config)
    if ctx.profile.repeats > 1:  # warm the page cache for both: files read from disk once
        spawn("floor", model)
        spawn("project", index_dir)
    repeats = max(ctx.profile.repeats, 1)
    runs: dict[str, list[dict[str, Any]]] = {"project": [], "floor": []}
    for _ in range(repeats):
        runs["project"].append(spawn("project", index_dir))
        runs["floor"].append(spawn("floor", model))

    def summary(items: list[dict[str, Any]]) -> dict[str, Any]:
        phases = {
            k: round(statistics.median(i["phases"][k] for i in items), 3)
            for k in items[0]["phases"]
        }
        return {
            "to_answer_s": round(statistics.median(i["to_answer_s"] for i in items), 3),
            "interpreter_s": round(statistics.median(i["interpreter_s"] for i in items), 3),
            "phases_s": phases,
            "all_s": [round(i["to_answer_s"], 3) for i in items],
        }

    project, floor = summary(runs["project"]), summary(runs["floor"])
    result = {
        "corpus": corpus.describe(),
        "index_dir": index_dir,
        "repeats": repeats,
        "project": project,
        "floor": floor,
        "ratio": ratio(project["to_answer_s"], floor["to_answer_s"]),
    }
    phases = list(dict.fromkeys([*project["phases_s"], *floor["phases_s"]]))
    print_table(
        "3. cold start: process start -> first answer (fresh processes), s",
        ["who", "to answer", "interpreter", *phases],
        [
            (who, r["to_answer_s"], r["interpreter_s"], *(r["phases_s"].get(k) for k in phases))
            for who, r in (("project", project), ("floor", floor))
        ],
    )
    targets = [Target("cold start / floor", result["ratio"], LIMIT, "<=")]
    notes = [
        f"Index of {corpus.describe()['passages']:,} passages; medians of {repeats} runs "
        "each, project and floor alternating, after one untimed run of each (page cache) "
        "unless the profile has a single repeat.",
    ]
    write_result(ctx, NAME, result, targets, notes)
    return result
