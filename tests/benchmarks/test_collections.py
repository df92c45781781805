"""The documentation collections of issue 13: their question sets (fast, default run)
and the fetch script plus the runner end to end on one collection (slow: it downloads
a Debian package and indexes with the real model)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

#: One question set per collection (``dev.jsonl``, the seeds' set, is not one of them).
COLLECTION_SETS = sorted((ROOT / "tests" / "data").glob("dev_*.jsonl"))
#: Each collection's set holds at least this many questions of each kind (issue 13).
MIN_ANSWERABLE = 40
MIN_UNANSWERABLE = 10


def _lines(path: Path) -> list[dict[str, object]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number}: blank line"
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


def test_every_collection_has_a_question_set() -> None:
    names = {path.stem.removeprefix("dev_") for path in COLLECTION_SETS}
    assert {"git", "sqlite", "nodejs", "flask"} <= names


@pytest.mark.parametrize("path", COLLECTION_SETS, ids=lambda p: p.name)
def test_question_set_is_well_formed(path: Path) -> None:
    rows = _lines(path)
    for row in rows:
        assert set(row) == {"question", "answers", "source"}, row
        question, answers, source = row["question"], row["answers"], row["source"]
        assert isinstance(question, str) and question.strip() == question and question
        assert isinstance(answers, list)
        if answers:
            # An answerable question names the page that answers it, by the name the
            # index gives it (its path under the collection folder).
            assert isinstance(source, str) and source and not source.startswith("/"), row
            for answer in answers:
                assert isinstance(answer, str) and answer.strip() == answer and answer, row
                assert "\n" not in answer, row
        else:
            assert source is None, row
    answerable = sum(1 for row in rows if row["answers"])
    assert answerable >= MIN_ANSWERABLE, f"{path.name}: {answerable} answerable questions"
    assert len(rows) - answerable >= MIN_UNANSWERABLE, f"{path.name}: too few unanswerable"
    folded = [" ".join(str(row["question"]).lower().split()) for row in rows]
    repeated = sorted({q for q in folded if folded.count(q) > 1})
    assert not repeated, f"{path.name}: repeated questions {repeated}"


@pytest.mark.slow
def test_fetch_and_runner_on_one_collection(tmp_path: Path) -> None:
    """``scripts/fetch_collections.py git`` then ``python -m benchmarks.collections git``
    on a few of its pages: the collection is fetched, fetching again is a no-op, and
    the runner writes its JSON with both systems' figures and the phrase check."""
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        pytest.skip("needs apt-get and dpkg (a Debian system)")
    dest, out = tmp_path / "collections", tmp_path / "results"
    fetch = [sys.executable, "scripts/fetch_collections.py", "--dest", str(dest), "git"]
    first = subprocess.run(fetch, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "(fetched)" in first.stdout
    pages = sorted(p.relative_to(dest / "git").as_posix() for p in (dest / "git").rglob("*"))
    assert "user-manual.html" in pages and "howto/revert-a-faulty-merge.html" in pages
    assert not [p for p in pages if p.endswith(".txt")]
    again = subprocess.run(fetch, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "(already present)" in again.stdout

    command = [sys.executable, "-m", "benchmarks.collections", "git", "--dest", str(dest)]
    command += ["--out", str(out), "--cache", str(tmp_path / "cache"), "--max-files", "4"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "answer phrases:" in run.stdout
    data = json.loads((out / "collections_git.json").read_text())
    assert data["benchmark"] == "collections_git"
    results = data["results"]
    assert results["collection"]["subset"] is True
    assert results["collection"]["files"] == 4
    assert results["questions"]["answerable"] >= MIN_ANSWERABLE
    check = results["phrase_check"]
    assert {"phrases", "found", "lost_in_reading", "not_on_page", "missing_sources"} <= set(check)
    assert check["found"] > 0
    for who in ("project", "txtai"):
        run_figures = results[who]
        assert run_figures["passages"] > 0 and run_figures["index_s"] > 0
        assert run_figures["peak_rss_mb"] > 0
        quality = run_figures["quality"]
        assert {"hit@1", "hit@3", "mrr@5", "no_answer_accuracy", "p50_ms"} <= set(quality)
        assert 0 <= quality["hit@1"] <= quality["hit@3"] <= 1
    assert 0 <= results["project"]["quality"]["no_answer_accuracy"] <= 1
    assert results["txtai"]["quality"]["no_answer_accuracy"] is None
