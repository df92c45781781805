"""Command line: ``python -m retrieval index|query|eval|sources``."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from .config import RetrievalConfig
from .errors import QuestionError, RetrievalError
from .evaluation import RANKERS, EvalFile, evaluate_beir
from .logs import configure_logging
from .retriever import Retriever, default_corpus, default_index_dir
from .search import SearchResult
from .terminal import json_for_terminal, terminal_text
from .watch import CorpusWatcher, IndexChanges


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m retrieval",
        description="Hybrid FAISS + BM25 passage retrieval over a document collection.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    index = commands.add_parser("index", help="build or update the index of a corpus")
    index.add_argument("paths", nargs="*", type=Path, help="files or folders (default: seeds/)")
    index.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="fail at once if another process is writing the index (default: wait for it)",
    )
    index.add_argument(
        "--watch",
        action="store_true",
        help="then keep the index up to date as files are added, changed or removed (until Ctrl-C)",
    )
    _index_options(index, corpus=False)

    query = commands.add_parser("query", help="answer a question")
    query.add_argument("question", help="the question")
    query.add_argument("-k", type=_positive, default=3, help="passages to return (default 3)")
    query.add_argument("--json", action="store_true", help="print the result as JSON")
    _index_options(query)

    evaluation = commands.add_parser("eval", help="score retrieval on a JSONL question set")
    evaluation.add_argument(
        "file",
        type=Path,
        help="JSONL: questions (question, answers, source), dialogues (turns) or variants (kind)",
    )
    evaluation.add_argument(
        "--collection", help="only the dialogues or variants of this collection (their field)"
    )
    evaluation.add_argument("--json", action="store_true", help="print the metrics as JSON")
    _index_options(evaluation)

    beir = commands.add_parser("beir", help="nDCG@10, recall@100, MRR@10 on a BEIR folder")
    beir.add_argument("folder", type=Path, help="corpus.jsonl[.gz], queries.jsonl, qrels")
    beir.add_argument("--split", default="test", help="qrels split (default: test)")
    beir.add_argument("--json", action="store_true", help="print the metrics as JSON")
    beir.add_argument("--index-dir", type=Path, help="index directory (default: cache)")
    beir.add_argument("--model", help="sentence-transformers model name or path")
    beir.add_argument("--config", type=Path, help="JSON file of retrieval settings")

    sources = commands.add_parser("sources", help="list the indexed documents")
    sources.add_argument("--json", action="store_true", help="print as JSON")
    _index_options(sources)

    stats = commands.add_parser(
        "stats", help="what the index holds, and its calibrated no-answer threshold"
    )
    stats.add_argument("--json", action="store_true", help="print as JSON")
    _index_options(stats)
    return parser


def _index_options(parser: argparse.ArgumentParser, corpus: bool = True) -> None:
    if corpus:
        parser.add_argument(
            "--corpus", type=Path, action="append", help="corpus file or folder (repeatable)"
        )
    parser.add_argument(
        "--index-dir", type=Path, help="index directory (default: a per-user cache folder)"
    )
    parser.add_argument("--model", help="sentence-transformers model name or path")
    parser.add_argument("--config", type=Path, help="JSON file of retrieval settings")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return number


def _config(args: argparse.Namespace) -> RetrievalConfig:
    config = RetrievalConfig.load(args.config) if args.config else RetrievalConfig()
    return config.replace(model=args.model) if args.model else config


def _retriever(args: argparse.Namespace) -> Retriever:
    corpus = getattr(args, "paths", None) or getattr(args, "corpus", None)
    explicit_index_only = not corpus and args.config is None and not args.model
    if args.command != "index" and args.index_dir is not None and explicit_index_only:
        # An explicit index alone: use it as it was built.
        return Retriever.load(args.index_dir)
    wait = getattr(args, "wait", True)
    return Retriever.from_corpus(
        corpus or [default_corpus()], args.index_dir, _config(args), wait=wait
    )


def _print_result(result: SearchResult, console: Console) -> None:
    # Corpus text goes to rich as Text, never as a markup string: a file named
    # "[/red] notes.txt" would fail to parse, "[blink red]x" would blink.
    if not result.answered:
        console.print("Nothing in the documents answers that.", style="yellow")
        return
    for hit in result.hits:
        heading = Text(f"{hit.rank}. {terminal_text(hit.title)}", style="bold")
        heading.append(f" ({terminal_text(hit.source)})", style="not bold")
        console.print(heading)
        if hit.section:
            path = terminal_text(hit.heading_path)
            console.print(Text(path, style="italic"))
        text = Text()
        for piece, styles in hit.styled():
            style = [*(["bold green"] if "sentence" in styles else [])]
            style += ["cyan"] if "code" in styles else []
            text.append(terminal_text(piece, multiline=True), style=" ".join(style) or None)
        console.print(text)
        console.print()


def main(argv: Sequence[str] | None = None, stop: threading.Event | None = None) -> int:
    """Runs the command line; returns the exit code.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        stop: ends ``index --watch`` when set (as Ctrl-C and SIGTERM do), for callers
            that run it in a thread.
    """
    args = build_parser().parse_args(argv)
    verbose = args.verbose or args.command == "index"
    configure_logging(logging.WARNING, project_level=logging.INFO if verbose else logging.WARNING)
    console = Console(highlight=False, soft_wrap=True)
    try:
        # Everything the command reads is checked before any slow loading (model, index).
        if args.command == "query" and not args.question.strip():
            raise QuestionError("the question is empty")
        eval_set = EvalFile.read(args.file, args.collection) if args.command == "eval" else None
        if args.command == "beir":
            metrics = evaluate_beir(args.folder, args.split, args.index_dir, _config(args))
            print(json.dumps(metrics) if args.json else _beir_table(metrics))
            return 0
        if args.command == "index" and args.watch:
            return _index_and_watch(args, stop)
        retriever = _retriever(args)
        if args.command == "index":
            _print_index(retriever)
        elif args.command == "query":
            result = retriever.search(args.question, k=args.k)
            if args.json:
                print(json_for_terminal(result.to_dict()))
            else:
                _print_result(result, console)
        elif eval_set is not None:
            metrics = eval_set.evaluate(retriever)
            plain = eval_set.kind == "questions"
            print(
                json.dumps(metrics) if args.json else _table(metrics) if plain else _counts(metrics)
            )
        elif args.command == "sources":
            _print_sources(retriever, args.json)
        elif args.command == "stats":
            _print_stats(retriever, args.json)
    except RetrievalError as exc:  # may quote a file name
        print(f"error: {terminal_text(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def _counts(metrics: dict[str, Any]) -> str:
    """A dialogue or variant set's metrics: per kind, its counts."""
    lines = []
    for kind, row in metrics.items():
        if isinstance(row, dict):
            counts = "  ".join(f"{name} {value}" for name, value in row.items())
            lines.append(f"{kind:<16} {counts}")
    return "\n".join(lines)


def _print_index(retriever: Retriever) -> None:
    where = terminal_text(str(retriever.info.path.parent))
    print(
        f"{len(retriever)} passages from {len(retriever.sources())} documents "
        f"({retriever.embedded} embedded) in {where}",
        flush=True,  # --watch: a pipe reads it now, not when the command ends
    )


class _Follower:
    """What ``index --watch`` does on each change: update the index, and print one line
    saying what changed (nothing for a change that changed nothing indexed)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.retriever: Retriever | None = None  # set once the first index is built

    def __call__(self, paths: set[Path]) -> None:
        old = self.retriever
        assert old is not None  # the watcher calls back only once run() has begun
        new = Retriever.from_corpus(
            self.args.paths or [default_corpus()],
            self.args.index_dir,
            _config(self.args),
            encoder=old.encoder,  # loaded once, by the first update that embeds
            wait=self.args.wait,
        )
        changes = IndexChanges.between(old, new)
        self.retriever = new
        old.close()  # nothing else searches it
        if changes:
            print(f"updated: {changes}", flush=True)


def _index_and_watch(args: argparse.Namespace, stop: threading.Event | None) -> int:
    """``index --watch``: index, then update the index on every change until Ctrl-C,
    SIGTERM or ``stop``; returns 0 when stopped so."""
    paths = args.paths or [default_corpus()]
    index_dir = args.index_dir or default_index_dir(paths)
    follower = _Follower(args)
    watcher = CorpusWatcher(paths, follower, ignore=[index_dir], stop_event=stop)
    # Watching starts before the first index is built, so that a file saved while it
    # is being built (minutes, for a large new corpus) still gets indexed.
    watcher.start()
    try:
        follower.retriever = _retriever(args)
        _print_index(follower.retriever)
        if not args.verbose:
            # One line per update: the indexer's progress lines were for the first index.
            logging.getLogger("retrieval.index").setLevel(logging.WARNING)
        names = ", ".join(terminal_text(str(p)) for p in paths)
        print(f"watching {names} for changes (Ctrl-C to stop)", flush=True)
        # Ctrl-C is how watching ends.
        with _stopped_by_sigterm(watcher), contextlib.suppress(KeyboardInterrupt):
            watcher.run()
    finally:
        watcher.close()
    print("stopped watching", flush=True)
    return 0


@contextlib.contextmanager
def _stopped_by_sigterm(watcher: CorpusWatcher) -> Iterator[None]:
    """SIGTERM stops ``watcher`` (once an update under way has finished) while inside.
    Only the main thread can handle signals; in another, the caller's ``stop`` event
    is the way to stop."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda sig, frame: watcher.stop())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _table(metrics: dict[str, float]) -> str:
    return "\n".join(f"{name:>20}  {value}" for name, value in metrics.items())


def _beir_table(metrics: dict[str, Any]) -> str:
    lines = [f"{metrics['queries']} queries ({metrics['split']}), {metrics['passages']} passages"]
    lines.append(f"{'':8} {'nDCG@10':>8} {'R@100':>8} {'MRR@10':>8}")
    for name in RANKERS:
        m = metrics[name]
        lines.append(f"{name:8} {m['ndcg@10']:8.4f} {m['recall@100']:8.4f} {m['mrr@10']:8.4f}")
    return "\n".join(lines)


def _print_stats(retriever: Retriever, as_json: bool) -> None:
    info, calibration = retriever.info, retriever.calibration
    index = str(info.path.parent)
    stats = {
        "documents": len(retriever.sources()),
        "passages": info.passages,
        "model": info.model,
        "dense": info.dense,
        "format_version": info.format_version,
        "index": index,
        "min_similarity": retriever.config.min_similarity,
        "calibration": dataclasses.asdict(calibration),
    }
    if as_json:
        print(json_for_terminal(stats))
        return
    print(
        f"{stats['documents']} documents, {info.passages} passages in "
        f"{terminal_text(index)} (model {terminal_text(info.model)}, "
        f"FAISS {info.dense}, format {info.format_version})"
    )
    configured = retriever.config.min_similarity
    if configured is not None:
        print(f"no-answer threshold {configured:.3f} (set in the configuration)")
    print(calibration.describe() if configured is None else f"calibrated: {calibration.describe()}")


def _print_sources(retriever: Retriever, as_json: bool) -> None:
    sources = retriever.sources()
    if as_json:
        rows = [
            {"source": s.source, "title": s.title, "passages": s.passages, "metadata": s.metadata}
            for s in sources
        ]
        print(json_for_terminal(rows))
        return
    # Tab-separated for scripts: a tab or line break in a name must not add a column or
    # a row, so the names go through terminal_text too.
    for s in sources:
        print(f"{terminal_text(s.source)}\t{s.passages} passages\t{terminal_text(s.title)}")
