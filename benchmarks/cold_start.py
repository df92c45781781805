"""3. Cold start: from process start to the first answer, against the floor.

Both run in fresh processes (``benchmarks/_child.py``), taking turns:

* project: ``python -m benchmarks._child project INDEX Q``: import ``retrieval``,
  ``Retriever.load`` a persisted index, ``search`` one question;
* floor: import sentence-transformers, load the model, encode one question.

"Process start" is the parent's clock just before it spawns the child, so interpreter
start-up counts for both; the child reports when its answer was ready.

Also timed (issue 16): from ``python -m bot --console`` starting in a pseudo-terminal,
over the same index, to its prompt (``ask> ``) on the screen; target 2 s.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import tempfile
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
#: Issue 16's: a backend that needs no torch to answer.
FAST_LIMIT = 0.5
#: Seconds from starting the console to its prompt.
PROMPT_LIMIT = 2.0
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


def console_prompt_s(corpus: Any, index_dir: str, timeout: float = 60.0) -> float:
    """Seconds from starting ``python -m bot --console`` in a pseudo-terminal to its
    prompt on the screen (then it is told ``/quit``)."""

    command = [
        python(),
        "-m",
        "bot",
        "--console",
        "--corpus",
        str(corpus),
        "--index-dir",
        index_dir,
    ]
    with tempfile.TemporaryDirectory(prefix="docqa-console-") as state:
        # Its input history goes to a folder of its own, not the user's.
        env = {**subprocess_env(), "XDG_STATE_HOME": state}
        return _prompt_s(command, env, timeout)


def _prompt_s(command: list[str], env: dict[str, str], timeout: float) -> float:
    import os
    import pty
    import select

    started = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, in the project's folder and environment
        os.chdir(ROOT)
        os.execve(command[0], command, env)
    screen = b""
    try:
        while time.monotonic() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.02)
            if ready:
                try:
                    screen += os.read(fd, 65536)
                except OSError:  # the console exited
                    break
                if b"ask>" in screen:
                    return time.monotonic() - started
        raise RuntimeError(f"no console prompt within {timeout} s: {screen[-500:]!r}")
    finally:
        with contextlib.suppress(OSError):
            os.write(fd, b"/quit\r")
        os.waitpid(pid, 0)
        os.close(fd)


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
    prompts = [console_prompt_s(corpus.folder, index_dir) for _ in range(repeats)]
    result["console_prompt_s"] = round(statistics.median(prompts), 3)
    print(f"console prompt after {result['console_prompt_s']} s (median of {repeats})")
    targets = [
        Target("cold start / floor", result["ratio"], LIMIT, "<="),
        Target("issue 16: cold start / floor", result["ratio"], FAST_LIMIT, "<="),
        Target("console prompt, s", result["console_prompt_s"], PROMPT_LIMIT, "<="),
    ]
    notes = [
        f"Index of {corpus.describe()['passages']:,} passages; medians of {repeats} runs "
        "each, project and floor alternating, after one untimed run of each (page cache) "
        "unless the profile has a single repeat.",
    ]
    write_result(ctx, NAME, result, targets, notes)
    return result
