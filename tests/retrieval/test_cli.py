"""The command line, run as users run it: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT


@pytest.fixture(autouse=True, scope="module")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Default index folders go to a cache of this module's own, not the user's."""
    os.environ["DOCQA_TEST_CACHE"] = str(tmp_path_factory.mktemp("cache"))


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": os.environ["DOCQA_TEST_CACHE"]}
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_query_json(seeds_index_dir):
    out = run(
        "query",
        "Where does Pateo rank nationwide?",
        "-k",
        "2",
        "--json",
        "--index-dir",
        str(seeds_index_dir),
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["answered"] and len(result["hits"]) <= 2
    assert "104 of the top 500" in result["hits"][0]["text"]
    assert set(result["hits"][0]) >= {"title", "source", "score", "metadata", "sentence", "text"}


def test_index_then_query_a_users_folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "llamas.md").write_text(
        "# Llama care\n\nLlamas need a companion: a single llama gets lonely and stressed.\n"
    )
    index_dir = tmp_path / "idx"
    built = run("index", str(docs), "--index-dir", str(index_dir))
    assert built.returncode == 0, built.stderr
    assert "1 documents" in built.stdout
    again = run("index", str(docs), "--index-dir", str(index_dir))
    assert "(0 embedded)" in again.stdout
    out = run("query", "Why do llamas need company?", "--index-dir", str(index_dir))
    assert out.returncode == 0 and "companion" in out.stdout


def test_eval_prints_exactly_the_agreed_keys(seeds_index_dir):
    out = run(
        "eval", str(ROOT / "tests/data/dev.jsonl"), "--json", "--index-dir", str(seeds_index_dir)
    )
    assert out.returncode == 0, out.stderr
    assert set(json.loads(out.stdout)) == {
        "n",
        "hit@1",
        "hit@3",
        "mrr@5",
        "no_answer_accuracy",
        "max_passage_chars",
        "p50_ms",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("index", "/no/such/folder"), "corpus path not found"),
        (("query", "  "), "the question is empty"),
        (("query", "x", "--index-dir", "/no/such/index"), "no index"),
        (("eval", "/no/such/file.jsonl"), "cannot read"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_empty_corpus_and_bad_flags(tmp_path):
    out = run("index", str(tmp_path))
    assert out.returncode == 2 and "no documents (" in out.stderr
    flags = run("query", "x", "-k", "0")
    assert flags.returncode == 2 and "Traceback" not in flags.stderr


def test_malformed_eval_file(tmp_path, seeds_index_dir):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok", "answers": []}\nnot json\n')
    out = run("eval", str(bad), "--index-dir", str(seeds_index_dir))
    assert out.returncode == 2 and "bad.jsonl:2" in out.stderr
