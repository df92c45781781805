"""The command line: in-process through ``main(argv)`` (what a subprocess would run,
without a model load per call), and once as users run it, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.cli import main
from tests.support.paths import DEV_SET, ROOT


@pytest.fixture(autouse=True, scope="module")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Default index folders go to a cache of this module's own, not the user's."""
    os.environ["DOCQA_TEST_CACHE"] = str(tmp_path_factory.mktemp("cache"))


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Outcome]:
    """Runs ``python -m retrieval ARGS`` in this process (``cwd``: where it runs)."""
    monkeypatch.setenv("XDG_CACHE_HOME", os.environ["DOCQA_TEST_CACHE"])

    def run(*args: str, cwd: Path = ROOT) -> Outcome:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    return run


def test_query_json_in_a_subprocess(seeds_index_dir):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": os.environ["DOCQA_TEST_CACHE"]}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "retrieval",
            "query",
            "Where does Pateo rank nationwide?",
            "-k",
            "2",
            "--json",
            "--index-dir",
            str(seeds_index_dir),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["answered"] and len(result["hits"]) <= 2
    assert "104 of the top 500" in result["hits"][0]["text"]
    assert set(result["hits"][0]) >= {"title", "source", "score", "metadata", "sentence", "text"}


def test_index_then_query_a_users_folder(run, tmp_path):
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


def test_eval_prints_exactly_the_agreed_keys(run, seeds_index_dir):
    out = run("eval", str(DEV_SET), "--json", "--index-dir", str(seeds_index_dir))
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
def test_bad_input_is_one_line_and_exit_2(run, args, message, tmp_path):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_empty_corpus_and_bad_flags(run, tmp_path):
    out = run("index", str(tmp_path))
    assert out.returncode == 2 and "no documents (" in out.stderr
    flags = run("query", "x", "-k", "0")
    assert flags.returncode == 2 and "Traceback" not in flags.stderr


def test_malformed_eval_file(run, tmp_path, seeds_index_dir):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok", "answers": []}\nnot json\n')
    out = run("eval", str(bad), "--index-dir", str(seeds_index_dir))
    assert out.returncode == 2 and "bad.jsonl:2" in out.stderr


def test_eval_file_is_read_before_anything_loads(run, tmp_path, monkeypatch):
    # A typo in the questions file is reported at once, not after indexing and a
    # model load.
    from retrieval import Retriever

    def no_index(*args, **kwargs):
        raise AssertionError("the index was opened before the questions were read")

    monkeypatch.setattr(Retriever, "from_corpus", no_index)
    monkeypatch.setattr(Retriever, "load", no_index)
    out = run("eval", str(tmp_path / "typo.jsonl"))
    assert out.returncode == 2 and "cannot read" in out.stderr
