"""Real documentation collections: the project against txtai on each (issue 13).

Usage::

    python -m benchmarks.collections [--dest DIR] [NAME ...] [--out benchmarks/results]
                                     [--cache /tmp/docqa-bench] [--max-files N]

For each collection (``git``, ``sqlite``, ``nodejs``, ``flask``: see
``scripts/fetch_collections.py``, which this runs first if the collection is not there
yet) and its question set
``tests/data/dev_<name>.jsonl``:

* **answer-phrase check**: every answer phrase is looked for, case and white space
  folded, in the passages the project reads from the question's source, then in the
  page itself (its text without markup). A phrase on the page but in no passage is
  content the reader lost; a phrase on neither is a mistake in the question set.
* **project**: a fresh process indexes the collection into an empty folder
  (``CACHE/collections/<name>/index``) with ``Retriever.from_corpus`` and the real
  model, then scores the question set with ``retrieval.evaluation.evaluate``.
* **txtai**: a fresh process reads the same passages (the project's reader: txtai has
  none for HTML), indexes their texts (title + paragraph, as the project embeds them)
  with ``Embeddings(path=<same model>, content=True, hybrid=True)`` as
  ``benchmarks/peer_txtai.py`` does, and scores the answerable questions the same way
  (hit@1, hit@3, MRR@5 by ``retrieval.evaluation.is_hit``). txtai has no notion of
  "no answer", so its no-answer accuracy is n/a.

Each prints its table and writes ``<out>/collections_<name>.json``. Index time is the
build alone (the model is loaded and warmed up first): for the project it includes
reading and splitting the pages, for txtai it does not (``read_s`` is reported beside
it). Peak RSS is the process's ``VmHWM`` at the end (model, index and questions).
``--max-files N`` indexes only N files, those the questions name first, for a quick
run; its figures are not comparable with a full run's and the JSON says so.

Not part of the suite (``python -m benchmarks.run``): a full run takes about an hour.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import html.parser
import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from retrieval import Encoder, Hit, RetrievalConfig, Retriever
from retrieval.evaluation import EvalItem, evaluate, is_hit, read_eval_set
from retrieval.ingest import discover
from retrieval.ingest.clean import fold

from ._child import peak_rss
from .common import (
    DEFAULT_CACHE,
    DEFAULT_OUT,
    PROFILES,
    ROOT,
    Context,
    child_json,
    print_table,
    read_passages,
    write_result,
)

NAME = "collections"
QUESTIONS = ROOT / "tests" / "data"
FETCH_SCRIPT = ROOT / "scripts" / "fetch_collections.py"
#: The answer phrases shown per collection when the check finds problems.
SHOWN_PROBLEMS = 20


@functools.cache
def fetcher() -> ModuleType:
    """``scripts/fetch_collections.py`` as a module (scripts/ is not a package: the
    script must run with the standard library alone, before the project is installed),
    loaded once, so that its exception classes are the same for every caller."""
    spec = importlib.util.spec_from_file_location("fetch_collections", FETCH_SCRIPT)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {FETCH_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def collection_folder(name: str, dest: Path | None = None) -> Path:
    """The folder of the documentation collection ``name`` under ``dest`` (default:
    the fetch script's), fetched from its Debian package first if it is not there."""
    fetch = fetcher()
    folder, _ = fetch.fetch(fetch.COLLECTIONS[name], dest or fetch.default_dest())
    return Path(folder)


def question_file(name: str) -> Path:
    """The question set of a collection."""
    return QUESTIONS / f"dev_{name}.jsonl"


# --------------------------------------------------------------------------- corpus


def corpus_folder(folder: Path, items: list[EvalItem], max_files: int | None, work: Path) -> Path:
    """``folder`` itself, or with ``max_files`` a copy under ``work`` of its first
    ``max_files`` files, those the questions name first (in name order), then others."""
    if max_files is None:
        return folder
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    named = {item.source for item in items if item.source}
    first = [p for p in files if p.relative_to(folder).as_posix() in named]
    chosen = (first + [p for p in files if p not in first])[:max_files]
    subset = work / "subset"
    shutil.rmtree(subset, ignore_errors=True)
    for path in chosen:
        target = subset / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return subset


# --------------------------------------------------------------------------- phrase check


class _PageText(html.parser.HTMLParser):
    """The text of an HTML page as a browser shows it, scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def page_text(path: Path) -> str:
    """A page's text without markup (HTML) or as it is (text, Markdown), folded."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        parser = _PageText()
        parser.feed(raw)
        parser.close()
        raw = " ".join(parser.parts)
    return fold(raw)


def check_phrases(folder: Path, items: list[EvalItem], config: RetrievalConfig) -> dict[str, Any]:
    """Where each answer phrase of ``items`` is found: in a passage of its source
    (``found``), only on the page (``lost``: the reader dropped it), or nowhere
    (``absent``: the question set is wrong). Also names sources the index lacks."""
    passages: dict[str, list[str]] = {}
    for passage in read_passages(folder, config):
        passages.setdefault(passage.source, []).append(fold(passage.text))
    files = {f.source: f.path for f in discover([folder])}
    found = 0
    lost: list[dict[str, str]] = []
    absent: list[dict[str, str]] = []
    missing_sources: set[str] = set()
    for item in items:
        if not item.source:
            continue
        if item.source not in files:
            missing_sources.add(item.source)
            continue
        texts = passages.get(item.source, [])
        page = page_text(files[item.source])
        for phrase in item.answers:
            wanted = fold(phrase)
            row = {"question": item.question, "phrase": phrase, "source": item.source}
            if any(wanted in text for text in texts):
                found += 1
            elif wanted in page:
                lost.append(row)
            else:
                absent.append(row)
    return {
        "phrases": found + len(lost) + len(absent),
        "found": found,
        "lost_in_reading": lost,
        "not_on_page": absent,
        "missing_sources": sorted(missing_sources),
    }


# --------------------------------------------------------------------------- children


def run_child(mode: str, corpus: Path, questions: Path, work: Path) -> dict[str, Any]:
    """Runs ``mode`` (``project`` or ``txtai``) in a fresh process; its JSON result."""
    args = [mode, "--corpus", str(corpus), "--questions", str(questions), "--work", str(work)]
    return child_json("benchmarks.collections", args)


def child_project(corpus: Path, questions: Path, work: Path) -> dict[str, Any]:
    """Indexes ``corpus`` into an empty folder and evaluates the question set."""
    config = RetrievalConfig()
    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    encoder = Encoder.of(config)
    encoder.encode(["warm up the model"])
    started = time.perf_counter()
    retriever = Retriever.from_corpus(corpus, index_dir, config, encoder=encoder)
    index_s = time.perf_counter() - started
    items = read_eval_set(questions)
    retriever.search("warm up")
    scores = evaluate(retriever, items)
    # The no-answer accuracy mixes two errors; each kind of question apart says which.
    unanswerable = [item for item in items if not item.answers]
    answerable = [item for item in items if item.answers]
    for key, part in (("unanswerable_refused", unanswerable), ("answerable_answered", answerable)):
        scores[key] = evaluate(retriever, part)["no_answer_accuracy"] if part else None
    passages = retriever.info.passages
    retriever.close()
    return {
        "passages": passages,
        "index_s": round(index_s, 1),
        "quality": scores,
        "peak_rss_mb": round(peak_rss() / 2**20, 1),
    }


def child_txtai(corpus: Path, questions: Path, work: Path) -> dict[str, Any]:
    """Indexes the project's passages of ``corpus`` with txtai (hybrid, same model) and
    scores the answerable questions."""
    from .peer_txtai import txtai_embeddings

    ctx = Context(dataclasses.replace(PROFILES["small"], name=NAME), work, work)
    started = time.perf_counter()
    passages = read_passages(corpus, ctx.config)
    read_s = time.perf_counter() - started
    embeddings = txtai_embeddings(ctx)
    embeddings.model.encode(["warm up the model"])
    texts = [p.embedding_text(ctx.config.embed_title) for p in passages]
    started = time.perf_counter()
    embeddings.index([(str(i), text, None) for i, text in enumerate(texts)])
    index_s = time.perf_counter() - started
    items = [item for item in read_eval_set(questions) if item.answers]
    embeddings.search("warm up", 5)
    ranks: list[int | None] = []
    times: list[float] = []
    for item in items:
        started = time.perf_counter()
        found = embeddings.search(item.question, 5)
        times.append((time.perf_counter() - started) * 1000)
        ranks.append(_first_rank(found, passages, item))
    embeddings.close()
    n = len(items)
    times.sort()
    return {
        "passages": len(passages),
        "read_s": round(read_s, 1),
        "index_s": round(index_s, 1),
        "quality": {
            "n": n,
            "hit@1": round(sum(r == 1 for r in ranks) / n, 4) if n else 0.0,
            "hit@3": round(sum(1 for r in ranks if r and r <= 3) / n, 4) if n else 0.0,
            "mrr@5": round(sum(1 / r for r in ranks if r) / n, 4) if n else 0.0,
            "no_answer_accuracy": None,
            "p50_ms": round(times[len(times) // 2], 2) if times else 0.0,
        },
        "peak_rss_mb": round(peak_rss() / 2**20, 1),
    }


def _first_rank(found: list[dict[str, Any]], passages: list[Any], item: EvalItem) -> int | None:
    """The rank of txtai's first result that answers ``item`` (as the project's
    evaluation decides it), or None."""
    for rank, row in enumerate(found, 1):
        p = passages[int(row["id"])]
        hit = Hit(
            id=p.id,
            text=p.text,
            title=p.title,
            source=p.source,
            position=p.position,
            rank=rank,
            score=float(row["score"]),
            similarity=float(row["score"]),
        )
        if is_hit(hit, item):
            return rank
    return None


# --------------------------------------------------------------------------- runner


def run_collection(
    name: str, dest: Path, ctx: Context, max_files: int | None, fetch: ModuleType
) -> dict[str, Any]:
    """Fetches (if needed), checks, indexes and scores one collection; writes its JSON."""
    folder = collection_folder(name, dest)
    questions = question_file(name)
    items = read_eval_set(questions)
    work = ctx.cache / NAME / name
    work.mkdir(parents=True, exist_ok=True)
    corpus = corpus_folder(folder, items, max_files, work)
    check = check_phrases(corpus, items, ctx.config)
    print(f"{name}: indexing {corpus} with the project (fresh process)", flush=True)
    project = run_child("project", corpus, questions, work)
    print(f"{name}: indexing the same passages with txtai (fresh process)", flush=True)
    peer = run_child("txtai", corpus, questions, work)
    manifest = json.loads(fetch.manifest_path(dest, name).read_text())
    result = {
        "collection": {
            "name": name,
            "package": manifest["package"],
            "version": manifest["version"],
            "folder": str(corpus),
            "files": len(discover([corpus])),
            "subset": max_files is not None,
        },
        "questions": {
            "file": str(questions.relative_to(ROOT)),
            "answerable": sum(1 for i in items if i.answers),
            "unanswerable": sum(1 for i in items if not i.answers),
        },
        "phrase_check": check,
        "project": project,
        "txtai": peer,
    }
    _print(name, result)
    notes = [
        "txtai has no 'no answer': its hit@1/hit@3/mrr@5 are over the answerable questions, "
        "as the project's are; the project's no-answer accuracy is over all questions.",
        "index_s: the build alone, model loaded first; the project's includes reading and "
        "splitting the pages, txtai's does not (read_s, the project's reader, is apart).",
        "peak_rss_mb: VmHWM of each fresh process at its end (model, index, questions).",
    ]
    if max_files is not None:
        notes.append(f"--max-files {max_files}: a subset of the collection, not a full run.")
    write_result(ctx, f"{NAME}_{name}", result, notes=notes)
    return result


def _print(name: str, result: dict[str, Any]) -> None:
    project, peer = result["project"], result["txtai"]
    questions = result["questions"]
    rows = []
    for who, run in (("project", project), ("txtai", peer)):
        q = run["quality"]
        rows.append(
            (
                who,
                q["hit@1"],
                q["hit@3"],
                q["mrr@5"],
                "n/a" if q["no_answer_accuracy"] is None else q["no_answer_accuracy"],
                run["passages"],
                run["index_s"],
                run["peak_rss_mb"],
                q["p50_ms"],
            )
        )
    print_table(
        f"{name} ({result['collection']['package']} {result['collection']['version']}, "
        f"{result['collection']['files']} files; {questions['answerable']} answerable + "
        f"{questions['unanswerable']} unanswerable questions)",
        [
            "",
            "hit@1",
            "hit@3",
            "MRR@5",
            "no-answer acc",
            "passages",
            "index s",
            "peak RSS MB",
            "p50 ms",
        ],
        rows,
    )
    quality = project["quality"]
    print(
        f"project's no-answer decision: {quality['answerable_answered']:.0%} of the answerable "
        f"questions answered, {quality['unanswerable_refused']:.0%} of the unanswerable refused"
    )
    check = result["phrase_check"]
    print(
        f"answer phrases: {check['found']} of {check['phrases']} in a passage of their "
        f"source; {len(check['lost_in_reading'])} on the page but lost in reading; "
        f"{len(check['not_on_page'])} not on the page"
        + (f"; sources not indexed: {check['missing_sources']}" if check["missing_sources"] else "")
    )
    problems = [("lost", r) for r in check["lost_in_reading"]]
    problems += [("NOT ON PAGE", r) for r in check["not_on_page"]]
    for kind, row in problems[:SHOWN_PROBLEMS]:
        print(f"  {kind}: {row['source']}: {row['phrase']!r}")


def add_dest_argument(parser: argparse.ArgumentParser) -> None:
    """``--dest``: where ``scripts/fetch_collections.py`` keeps the collections."""
    parser.add_argument(
        "--dest",
        type=Path,
        default=None,
        help="where the collections are (default: $DOCQA_COLLECTIONS or "
        "~/.cache/docqa/collections); fetched there if missing",
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.collections",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="collections (default: all)")
    add_dest_argument(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder")
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="indexes and subsets (scratch)"
    )
    parser.add_argument(
        "--max-files",
        type=int,
        default=None,
        metavar="N",
        help="index only N files, those the questions name first (a quick run)",
    )
    # The fresh processes' side of the runner.
    parser.add_argument("--child", choices=("project", "txtai"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--questions", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        run = child_project if args.child == "project" else child_txtai
        print(json.dumps(run(args.corpus, args.questions, args.work)), flush=True)
        return 0
    fetch = fetcher()
    names = args.names or list(fetch.COLLECTIONS)
    unknown = [n for n in names if n not in fetch.COLLECTIONS]
    if unknown:
        print(f"error: unknown collection {unknown[0]!r}", file=sys.stderr)
        return 2
    dest: Path = (args.dest or fetch.default_dest()).expanduser()
    ctx = Context(dataclasses.replace(PROFILES["small"], name=NAME), args.out, args.cache)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for name in names:
            print(f"\n=== {name} ===", flush=True)
            run_collection(name, dest, ctx, args.max_files, fetch)
    except fetch.FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
