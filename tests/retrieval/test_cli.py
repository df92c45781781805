"""The command line: in-process through ``main(argv)`` (what a subprocess would run,
without a model load per call), and once as users run it, in a subprocess."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval import Encoder, Hit, Retriever, SearchResult, SourceInfo, cli
from retrieval.cli import main
from retrieval.index import FORMAT_VERSION
from tests.support.cli import retrieval_main
from tests.support.paths import DEV_SET, ROOT
from tests.support.terminal import (
    HOSTILE_NAMES_SHOWN,
    TEXTS,
    unsafe_characters,
    visible_part,
    without_rich_codes,
)


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


def test_an_error_quoting_a_hostile_name_is_one_plain_line(run, tmp_path):
    out = run("index", str(tmp_path / "no\x1b[31mpe\nthere\u202e"))
    assert out.returncode == 2
    assert "no[31mpe there" in out.stderr and len(out.stderr.splitlines()) == 1
    assert not unsafe_characters(out.stderr)


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


def test_hostile_file_names_are_printed_as_plain_text(
    run: Callable[..., Outcome],
    hostile_index_dir: Path,
    encoder: Encoder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Retriever, "load", functools.partial(Retriever.load, encoder=encoder))
    query = run("query", "Why do alpacas hum?", "-k", "4", "--index-dir", str(hostile_index_dir))
    assert query.returncode == 0, query.stderr
    assert "Traceback" not in query.stderr
    assert all(f"({name})" in query.stdout for name in HOSTILE_NAMES_SHOWN), query.stdout
    # The title is the name: shown as typed, not as a blinking "alert".
    assert ". [blink red]alert ([blink red]alert.txt)\n" in query.stdout
    assert not unsafe_characters(query.stdout)
    sources = run("sources", "--index-dir", str(hostile_index_dir))
    assert sources.returncode == 0, sources.stderr
    rows = [line.split("\t") for line in sources.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(HOSTILE_NAMES_SHOWN)
    assert all(len(row) == 3 for row in rows)
    assert not unsafe_characters(sources.stdout, allowed="\n\t")


class _FakeRetriever:
    """Stands in for an index holding one document with the given strings."""

    def __init__(self, result: SearchResult, sources: list[SourceInfo], index_dir: Path) -> None:
        self.result, self._sources = result, sources
        self.embedded = 1
        self.info = SimpleNamespace(path=index_dir / "gen-1")

    def __len__(self) -> int:
        return 1

    def search(self, question: str, k: int) -> SearchResult:
        return self.result

    def sources(self) -> list[SourceInfo]:
        return self._sources


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=TEXTS,
    source=TEXTS,
    text=TEXTS,
    provider=TEXTS,
    index_dir=TEXTS,
    cut=st.floats(0, 1),
    terminal=st.booleans(),
)
def test_any_corpus_text_is_printed_safely(
    title: str, source: str, text: str, provider: str, index_dir: str, cut: float, terminal: bool
) -> None:
    """Whatever a title, source name or passage holds, the commands print it as plain
    text: no traceback, nothing a terminal would act on, the text itself visible; and
    --json gives exactly the stored strings."""
    start = int(len(text) * cut)
    hit = Hit(
        id="x#0",
        text=text,
        title=title,
        source=source,
        position=0,
        rank=1,
        score=1.0,
        similarity=0.9,
        metadata={"provider": provider, "url": provider},
        sentence=(start, len(text)),
    )
    result = SearchResult("q", [hit], answered=True, best_similarity=0.9)
    sources = [SourceInfo(source, source, title, "hash", {"provider": provider}, 1)]
    where = Path("/idx" + index_dir)  # as the user typed it, the way Path spells it
    fake = _FakeRetriever(result, sources, where)
    env = {"FORCE_COLOR": "1"} if terminal else {}
    with (
        mock.patch.object(cli, "_retriever", lambda args: fake),
        mock.patch.dict(os.environ, env),
    ):
        query = retrieval_main(["query", "q"])
        listing = retrieval_main(["sources"])
        summary = retrieval_main(["index"])
        as_json = retrieval_main(["query", "q", "--json"])
        sources_json = retrieval_main(["sources", "--json"])
    for out in (query, listing, summary, as_json, sources_json):
        assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert not unsafe_characters(query.stdout)
    assert not unsafe_characters(summary.stdout)
    assert not unsafe_characters(listing.stdout, allowed="\n\t")
    assert not unsafe_characters(as_json.stdout) and not unsafe_characters(sources_json.stdout)
    shown = "".join(without_rich_codes(query.stdout).split())
    assert visible_part(f"1. {title}") in shown
    assert visible_part(f"({source})") in shown
    assert visible_part(text) in shown
    [row] = listing.stdout.splitlines() or [""]
    assert row.split("\t")[1:2] == ["1 passages"], row
    assert visible_part(str(where)) in "".join(summary.stdout.split())
    assert json.loads(as_json.stdout) == result.to_dict()
    assert json.loads(sources_json.stdout)[0]["title"] == title


def test_stats_shows_the_index_and_its_calibrated_threshold(seeds_index_dir):
    out = retrieval_main(["stats", "--index-dir", str(seeds_index_dir)])
    assert out.returncode == 0, out.stderr
    first, threshold = out.stdout.splitlines()
    assert first.startswith("3 documents, ") and f"format {FORMAT_VERSION}" in first
    assert threshold.startswith("no-answer threshold 0.280: the upper 40% of ")
    as_json = json.loads(
        retrieval_main(["stats", "--index-dir", str(seeds_index_dir), "--json"]).stdout
    )
    assert as_json["calibration"]["min_similarity"] == 0.28 and as_json["min_similarity"] is None
    assert as_json["calibration"]["probes"] >= 100
