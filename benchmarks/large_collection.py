"""Indexing a large HTML collection: the PostgreSQL manual, 1,166 pages (issue 13).

Usage::

    python -m benchmarks.large_collection [--dest DIR] [--out benchmarks/results]
                                          [--cache /tmp/docqa-bench] [--max-files N]
                                          [--no-floor]

The collection is ``postgresql`` of ``scripts/fetch_collections.py`` (Debian's
``postgresql-doc-15``; fetched first if it is not in ``--dest`` yet). Two fresh
processes, one after the other:

* **read**: reads and splits every page as indexing does (``read_documents`` then
  ``split_document``, a page at a time), keeping only the passages, as the index
  builder does before embedding. Reports pages, documents, passages, the time, and its
  RSS after the imports (trafilatura and lxml included), at its peak (``VmHWM``) and
  at each quarter of the pages: reading holds the passages, not the pages, so its
  growth follows the passages' text and stays far under the pages' HTML parsed.
* **index**: ``Retriever.from_corpus`` into an empty folder with the real model, loaded
  and warmed up first (a terminal shows the "Reading" bar over the files). Its time is
  split into reading and splitting (``IndexBuilder._part``, timed around each file),
  embedding (the encoder) and the rest (FAISS, BM25, SQLite, writing). Peak RSS at the
  end (model, passages, vectors), and before the build (the model loaded and run once).
  Then the **floor** of ``benchmarks/indexing.py`` (``model.encode`` over the same
  texts the project embeds, batches of the same size, nothing else), unless
  ``--no-floor``: the build's throughput against it on these richer passages (title,
  heading path and text), one run each.

Prints a table and writes ``<out>/large_collection.json``. ``--max-files N`` indexes
only the first N pages (in name order) for a quick run; the JSON says so. A full run
takes about half an hour on 2 cores. Not part of ``python -m benchmarks.run``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

from ._child import current_rss, peak_rss
from .collections import add_dest_argument, fetcher
from .common import (
    DEFAULT_CACHE,
    DEFAULT_OUT,
    PROFILES,
    Context,
    child_json,
    print_table,
    write_result,
)

NAME = "large_collection"
COLLECTION = "postgresql"
MB = 2**20


# --------------------------------------------------------------------------- children


def child_read(corpus: Path) -> dict[str, Any]:
    """Reads and splits every file of ``corpus``, keeping only the passages."""
    import logging

    import lxml.html  # noqa: F401  (imported before the baseline, as indexing has them)
    import trafilatura  # noqa: F401

    from retrieval import RetrievalConfig
    from retrieval.ingest import SkipLog, discover, read_documents, split_document

    config = RetrievalConfig()
    files = discover([corpus])
    before = current_rss()
    quarters = {len(files) * q // 4: q for q in (1, 2, 3, 4)}
    rss_by_quarter: dict[str, float] = {}
    skips = SkipLog(logging.getLogger("benchmarks.large_collection"))
    passages = []
    documents = 0
    started = time.perf_counter()
    for n, file in enumerate(files, 1):
        for document in read_documents(file, skips=skips):
            documents += 1
            passages.extend(
                split_document(document, config.max_passage_chars, config.max_section_chars)
            )
        if n in quarters:
            rss_by_quarter[f"{quarters[n] * 25}%"] = round(current_rss() / MB, 1)
    seconds = time.perf_counter() - started
    skips.close()
    texts = [p.embedding_text(config.embed_title) for p in passages]
    return {
        "pages": len(files),
        "html_mb": round(sum(f.path.stat().st_size for f in files) / MB, 1),
        "documents": documents,
        "skipped": skips.count,
        "passages": len(passages),
        "passage_text_mb": round(sum(len(t.encode("utf-8")) for t in texts) / MB, 1),
        "read_split_s": round(seconds, 1),
        "rss_after_imports_mb": round(before / MB, 1),
        "rss_by_quarter_mb": rss_by_quarter,
        "peak_rss_mb": round(peak_rss() / MB, 1),
    }


def child_index(corpus: Path, work: Path, floor: bool) -> dict[str, Any]:
    """Indexes ``corpus`` into an empty folder with the real model; times its phases."""
    from retrieval import RetrievalConfig, Retriever
    from retrieval.index import builder as index_builder
    from retrieval.index import layout

    from .common import floor_encode, load_floor_model
    from .indexing import TimingEncoder

    config = RetrievalConfig()
    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    encoder = TimingEncoder(config)
    encoder.encode(["warm up the model"])
    encoder.seconds = 0.0
    loaded = peak_rss()  # the model loaded and run once: what any build starts from

    reading = 0.0
    part = index_builder.IndexBuilder._part

    def timed_part(self: Any, *args: Any) -> Any:
        nonlocal reading
        begun = time.perf_counter()
        try:
            return part(self, *args)
        finally:
            reading += time.perf_counter() - begun

    with mock.patch.object(index_builder.IndexBuilder, "_part", timed_part):
        started = time.perf_counter()
        retriever = Retriever.from_corpus(corpus, index_dir, config, encoder=encoder)
        total = time.perf_counter() - started
    passages = retriever.info.passages
    documents = len(retriever.sources())
    dense = retriever.info.dense
    generation = retriever.info.path
    # The floor embeds the same texts: the passages the build stored, not a second read.
    stored = retriever.passages(list(range(passages))) if floor else []
    texts = [p.embedding_text(config.embed_title) for p in stored]
    retriever.close()
    peak = peak_rss()
    sizes = {
        name: round((generation / name).stat().st_size / MB, 1)
        for name in (layout.VECTORS, layout.SENTENCES)
    }
    result: dict[str, Any] = {
        "documents": documents,
        "passages": passages,
        "total_s": round(total, 1),
        "read_split_s": round(reading, 1),
        "embed_s": round(encoder.seconds, 1),
        "other_s": round(total - reading - encoder.seconds, 1),
        "passages_per_s": round(passages / total, 2),
        "dense": dense,
        "vectors_mb": sizes[layout.VECTORS],
        "sentence_vectors_mb": sizes[layout.SENTENCES],
        "index_mb": round(sum(p.stat().st_size for p in generation.rglob("*")) / MB, 1),
        "peak_rss_before_build_mb": round(loaded / MB, 1),
        "peak_rss_mb": round(peak / MB, 1),
    }
    if floor:
        model = load_floor_model(config)
        floor_encode(model, ["warm up the model"])
        begun = time.perf_counter()
        floor_encode(model, texts, config.batch_size)
        floor_s = time.perf_counter() - begun
        result.update(
            floor_s=round(floor_s, 1),
            floor_passages_per_s=round(len(texts) / floor_s, 2),
            throughput_ratio=round(floor_s / total, 3),
            throughput_ratio_embedding=round(floor_s / encoder.seconds, 3),
        )
    return result


def run_child(args: list[str]) -> dict[str, Any]:
    """Runs this module with ``--child ARGS`` in a fresh process; its JSON result."""
    return child_json("benchmarks.large_collection", args)


# --------------------------------------------------------------------------- runner


def subset(folder: Path, max_files: int | None, work: Path) -> Path:
    """``folder`` itself, or with ``max_files`` a copy of its first pages in name order."""
    if max_files is None:
        return folder
    chosen = sorted(p for p in folder.rglob("*") if p.is_file())[:max_files]
    target = work / "subset"
    shutil.rmtree(target, ignore_errors=True)
    for path in chosen:
        copy = target / path.relative_to(folder)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    return target


def run(args: argparse.Namespace) -> dict[str, Any]:
    fetch = fetcher()
    dest: Path = (args.dest or fetch.default_dest()).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    folder, _ = fetch.fetch(fetch.LARGE_COLLECTIONS[COLLECTION], dest)
    manifest = json.loads(fetch.manifest_path(dest, COLLECTION).read_text())
    ctx = Context(dataclasses.replace(PROFILES["small"], name=NAME), args.out, args.cache)
    work = ctx.cache / NAME
    work.mkdir(parents=True, exist_ok=True)
    corpus = subset(folder, args.max_files, work)
    print(f"{COLLECTION}: reading and splitting {corpus} (fresh process)", flush=True)
    read = run_child(["read", "--corpus", str(corpus)])
    print(f"{COLLECTION}: indexing it with the real model (fresh process)", flush=True)
    child = ["index", "--corpus", str(corpus), "--work", str(work)]
    index = run_child(child + ([] if args.floor else ["--no-floor"]))
    shutil.rmtree(work / "index", ignore_errors=True)
    vectors = index["vectors_mb"] + index["sentence_vectors_mb"]
    result = {
        "collection": {
            "name": COLLECTION,
            "package": manifest["package"],
            "version": manifest["version"],
            "folder": str(corpus),
            "pages": read["pages"],
            "html_mb": read["html_mb"],
            "subset": args.max_files is not None,
        },
        "read": read,
        "index": index,
        "memory": {
            "read_growth_mb": round(read["peak_rss_mb"] - read["rss_after_imports_mb"], 1),
            "passage_text_mb": read["passage_text_mb"],
            "html_mb": read["html_mb"],
            "vectors_mb": round(vectors, 1),
        },
    }
    _print(result)
    notes = [
        "read: a fresh process reading and splitting every page, keeping the passages; "
        "peak_rss_mb is its VmHWM, rss_after_imports_mb before the first page.",
        "index: Retriever.from_corpus into an empty folder, model loaded and warmed up "
        "first; read_split_s is IndexBuilder._part timed per file, embed_s the encoder, "
        "other_s the rest (FAISS, BM25, SQLite, writing); peak_rss_mb its VmHWM at the end, "
        "peak_rss_before_build_mb after loading the model and encoding one sentence.",
        "vectors_mb: passage vectors (float32) and sentence vectors (float16) as written.",
    ]
    if args.floor:
        notes.append(
            "floor: model.encode over the same embedding texts, batch size as the project, "
            "in the index process after the build; one run each (benchmarks/indexing.py "
            "alternates three)."
        )
    if args.max_files is not None:
        notes.append(f"--max-files {args.max_files}: a subset of the collection, not a full run.")
    write_result(ctx, NAME, result, notes=notes)
    return result


def _print(result: dict[str, Any]) -> None:
    read, index, memory = result["read"], result["index"], result["memory"]
    collection = result["collection"]
    print_table(
        f"{collection['name']} ({collection['package']} {collection['version']}): "
        f"{collection['pages']:,} pages, {collection['html_mb']} MB of HTML",
        ["", "pages", "passages", "read+split s", "embed s", "total s", "passages/s", "peak MB"],
        [
            ("read alone", read["pages"], read["passages"], read["read_split_s"], None, None, None,
             read["peak_rss_mb"]),
            ("index", read["pages"], index["passages"], index["read_split_s"], index["embed_s"],
             index["total_s"], index["passages_per_s"], index["peak_rss_mb"]),
        ],
    )  # fmt: skip
    quarters = ", ".join(f"{k} {v} MB" for k, v in read["rss_by_quarter_mb"].items())
    print(
        f"reading alone: RSS {read['rss_after_imports_mb']} MB after the imports; {quarters} "
        f"of the pages read; peak {read['peak_rss_mb']} MB (+{memory['read_growth_mb']} MB "
        f"for {memory['passage_text_mb']} MB of passage text; the pages are "
        f"{memory['html_mb']} MB of HTML; the index's vectors {memory['vectors_mb']} MB)"
    )
    print(
        f"indexing: peak RSS {index['peak_rss_before_build_mb']} MB with the model loaded, "
        f"{index['peak_rss_mb']} MB at the end of the build"
    )
    if "floor_s" in index:
        print(
            f"floor (model.encode over the same texts): {index['floor_s']} s, "
            f"{index['floor_passages_per_s']} passages/s; build throughput / floor "
            f"{index['throughput_ratio']} (embedding alone {index['throughput_ratio_embedding']})"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.large_collection",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_dest_argument(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="scratch folder")
    parser.add_argument(
        "--max-files", type=int, default=None, metavar="N", help="index only the first N pages"
    )
    parser.add_argument(
        "--no-floor", dest="floor", action="store_false", help="skip the floor's encoding"
    )
    # The fresh processes' side of the runner.
    parser.add_argument("--child", choices=("read", "index"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child == "read":
        print(json.dumps(child_read(args.corpus)), flush=True)
        return 0
    if args.child == "index":
        print(json.dumps(child_index(args.corpus, args.work, args.floor)), flush=True)
        return 0
    try:
        run(args)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
