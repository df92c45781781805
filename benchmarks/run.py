"""Runs the benchmark suite of issue 5 and prints a summary of every target.

Usage::

    python -m benchmarks.run [--size tiny|small|full] [--only NAME ...]
                             [--out benchmarks/results] [--cache /tmp/docqa-bench]

Each benchmark prints its tables and writes ``<out>/<name>.json`` (and a PNG where a
curve says more). Corpora, vectors and indexes it builds are kept under ``--cache``
(outside the project) and reused by later runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from .common import DEFAULT_CACHE, DEFAULT_OUT, PROFILES, Context, machine_info, print_table

#: Benchmarks in the order they run: module name under ``benchmarks``.
BENCHMARKS = (
    "query_latency",
    "indexing",
    "cold_start",
    "memory",
    "concurrency",
    "peer_txtai",
    "scale",
    "hostile",
    "conversation",
    "encoders",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--size",
        choices=sorted(PROFILES),
        default="small",
        help="tiny: smoke test; small: 1k and 10k (default); full: up to "
        "100k passages and 1M vectors",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only these: {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder")
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help="corpora, vectors and indexes (reused between runs)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ctx = Context(PROFILES[args.size], args.out, args.cache)
    info = machine_info()
    print(
        f"docqa benchmarks, size {args.size}: {info['cpu_count']} cores ({info['cpu']}), "
        f"load {info['load_average']}, "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    )
    summary: list[tuple[str, str, Any, str, str]] = []
    failed: list[str] = []
    for name in args.only or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        started, wall = time.perf_counter(), time.time()
        try:
            module.run(ctx)
        except Exception as exc:  # report and go on: one broken benchmark hides no other
            failed.append(name)
            print(f"{name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            import traceback

            traceback.print_exc()
            continue
        print(f"({name}: {time.perf_counter() - started:.0f} s)")
        path = ctx.out / f"{name}.json"
        if path.exists() and path.stat().st_mtime >= wall:
            for t in json.loads(path.read_text()).get("targets", []):
                verdict = "[green]PASS[/green]" if t["pass"] else "[red]FAIL[/red]"
                summary.append((name, t["name"], t["value"], f"{t['op']} {t['limit']:g}", verdict))
    if summary:
        print()
        print_table(
            "summary: the targets of issues 5 and 16 (marked)",
            ["benchmark", "target", "measured", "limit", "verdict"],
            summary,
        )
    if failed:
        print(f"benchmarks that failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
