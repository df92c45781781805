"""Smoke test of the benchmark suite: every benchmark runs at ``--size tiny`` through the
one documented command and writes its JSON with the expected keys and sane numbers.

It checks that the suite works, not the targets: PASS/FAIL at tiny sizes means nothing.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.benchmark_run import BenchmarkRun

HAS_TXTAI = importlib.util.find_spec("txtai") is not None


@pytest.fixture(scope="module")
def results(benchmark_run: BenchmarkRun) -> Path:
    """The whole suite run once at tiny size (see ``conftest.py``); returns its results
    folder."""
    code, stdout, stderr = benchmark_run.wait()
    assert code == 0, stdout[-3000:] + stderr[-3000:]
    assert "summary: the targets of issues 5 and 16" in stdout
    return benchmark_run.out


def _load(results: Path, name: str) -> dict[str, Any]:
    path = results / f"{name}.json"
    if name == "peer_txtai" and not HAS_TXTAI:
        pytest.skip("txtai is not installed")
    assert path.exists(), f"{path} was not written"
    data = json.loads(path.read_text())
    assert data["benchmark"] == name
    assert data["profile"] == "tiny"
    machine = data["machine"]
    assert machine["cpu_count"] >= 1
    assert machine["versions"]["torch"] and machine["versions"]["faiss-cpu"]
    assert machine["date"]
    assert data["targets"], "every benchmark checks at least one target"
    for target in data["targets"]:
        assert {"name", "value", "limit", "op", "pass"} <= set(target)
        assert isinstance(target["pass"], bool)
    return data["results"]


def _positive(*values: float) -> None:
    for value in values:
        assert isinstance(value, (int, float)) and value > 0, values


def test_query_latency(results: Path) -> None:
    data = _load(results, "query_latency")
    for row in data["sizes"].values():
        assert row["corpus"]["passages"] > 0
        _positive(row["project"]["p50_ms"], row["project"]["p95_ms"], row["floor"]["p50_ms"])
        _positive(row["p50_ratio"], row["p95_ratio"])
        # The tiny profile lowers ann_threshold so that the IVF path runs.
        assert row["dense"].startswith("IVF")
        versus = row["vs_exact"]
        assert 0 < versus["recall_at_10"] <= 1 and 0 <= versus["same_top3"] <= 1
        assert set(versus["dev"]) == {"approximate", "exact"}


def test_indexing(results: Path) -> None:
    data = _load(results, "indexing")
    build, again = data["full_build"], data["reindex"]
    _positive(build["project_passages_per_s"], build["floor_passages_per_s"])
    _positive(build["throughput_ratio"], again["unchanged_s"])
    assert again["unchanged_embedded"] == 0
    for change in again["one_file_changed"]:
        _positive(change["seconds"], change["embedded"])
        assert change["only_that_file"]


def test_cold_start(results: Path) -> None:
    data = _load(results, "cold_start")
    _positive(data["project"]["to_answer_s"], data["floor"]["to_answer_s"], data["ratio"])
    assert "first_search" in data["project"]["phases_s"]
    _positive(data["console_prompt_s"])


def test_memory(results: Path) -> None:
    data = _load(results, "memory")
    for row in data["sizes"].values():
        _positive(row["project_peak_mb"], row["floor_peak_mb"], row["vectors_mb"])
        assert row["limit_mb"] > row["floor_peak_mb"]
    teams = data["collections"]
    _positive(teams["one_peak_mb"], teams["all_peak_mb"], teams["vectors_mb_each"])
    assert teams["all_peak_mb"] >= teams["one_peak_mb"] * 0.9  # five indexes, not fewer


def test_concurrency(results: Path) -> None:
    data = _load(results, "concurrency")
    for row in data["levels"].values():
        _positive(row["project_answers_per_s"], row["floor_answers_per_s"], row["ratio"])
    assert (results / "concurrency.png").stat().st_size > 0


def test_peer_txtai(results: Path) -> None:
    data = _load(results, "peer_txtai")
    _positive(data["index_time"]["txtai_s"], data["index_time"]["project_s"])
    for row in data["sizes"].values():
        _positive(row["project"]["p50_ms"], row["txtai"]["p50_ms"], row["p50_ratio"])
        quality = row["quality"]
        assert 0 <= quality["txtai"]["hit@1"] <= 1
        assert quality["txtai"]["no_answer_accuracy"] is None  # txtai has no such notion
        assert 0 <= quality["project"]["no_answer_accuracy"] <= 1


def test_scale(results: Path) -> None:
    data = _load(results, "scale")
    last = data["curve"][-1]
    assert 0 < last["recall_at_10"] <= 1
    assert last["index"].startswith("IVF") and last["nprobe"] >= 1
    _positive(last["approximate"]["p50_ms"], last["exact"]["p50_ms"], last["build_s"])
    assert [s["nprobe"] for s in data["nprobe_sweep"]] == sorted(
        s["nprobe"] for s in data["nprobe_sweep"]
    )
    _positive(data["reopened"]["approximate"]["p50_ms"], data["reopened"]["file_mb"])
    assert (results / "scale.png").stat().st_size > 0


def test_hostile(results: Path) -> None:
    data = _load(results, "hostile")
    for case in ("paragraph", "docx"):  # read whole, no warning
        assert data[case]["documents"] == 1 and data[case]["passages"] > 100, data[case]
        assert not data[case]["warning"]
    for case, why in (
        ("docx_bomb", "decompression bomb"),
        ("gzip_bomb", "decompression bomb"),
        ("big_html", "larger than 10 MB"),
    ):
        assert data[case]["documents"] == 0 and why in data[case]["warning"], data[case]
    for row in data.values():
        _positive(row["seconds"], row["file_mb"])


def test_conversation(results: Path) -> None:
    data = _load(results, "conversation")
    assert data["alone"]["n"] >= 4 and data["alone"]["n"] == data["in_conversation"]["n"]
    _positive(data["alone"]["p50_ms"], data["in_conversation"]["p50_ms"], data["ratio"])
    checks = data["checks"]
    assert set(checks) == {
        "everything on",
        "without spelling correction",
        "without the language check",
        "without place and page in re-ranking",
    }
    assert all(c["n"] == 20 for c in checks.values())
    assert data["calibration_s"] > 0  # the probe questions were searched
    sections = data["sections"]
    assert sections["collection"] == "handbook" and sections["passages"] > 0
    _positive(sections["with_context_per_s"], sections["without_context_per_s"])


def test_encoders(results: Path) -> None:
    data = _load(results, "encoders")
    rows = data["backends"]
    assert set(rows) == {"torch", "onnx", "onnx-int8"}
    for row in rows.values():
        _positive(row["question_ms"]["p50_ms"], row["passages_per_s"])
        assert 0.9 <= row["cosine_to_torch"]["min"] <= 1.0001
    assert rows["onnx"]["cosine_to_torch"]["min"] >= 0.999
    assert (results / "encoders.png").stat().st_size > 0
