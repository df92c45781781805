"""What the cold-start and memory benchmarks run in fresh processes.

Usage: ``python -m benchmarks._child MODE PATH QUESTION`` with MODE one of

* ``project``: ``Retriever.load(PATH).search(QUESTION)`` (PATH: a persisted index);
* ``floor``: import sentence-transformers, load the model (PATH: its folder), encode
  the question;
* ``floor-memory``: the same plus ``faiss.read_index(PATH)`` of a flat index of the
  vectors and one ``search`` (PATH: ``MODEL_DIR::FLAT_INDEX``);
* ``collections``: open every collection of a ``--collections`` file (PATH) as the
  bot does (one shared model) and answer QUESTION in each;
* ``read``: read one corpus file (PATH) and split it into passages, as indexing does
  (the hostile-inputs benchmark; QUESTION is ignored). Also reports the documents and
  passages it gave, the first warning, and the RSS before reading.

Prints one JSON line: ``time.time()`` when the answer was ready, the seconds of each
phase measured inside the process, and the peak RSS in bytes (``VmHWM``, and
``ru_maxrss``: see :func:`peak_rss`). It imports nothing of the benchmark suite, so the
floor pays for nothing it would not.
"""

from __future__ import annotations

import time

STARTED = time.time()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402


def main(mode: str, path: str, question: str = "") -> dict[str, Any]:
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 4)
        mark = now

    if mode == "project":
        from retrieval import Retriever

        lap("import")
        retriever = Retriever.load(path)
        lap("open_index")
        result = retriever.search(question)
        lap("first_search")
        assert result.question
    elif mode in ("floor", "floor-memory"):
        from sentence_transformers import SentenceTransformer

        model_dir, _, flat = path.partition("::")
        lap("import")
        model = SentenceTransformer(model_dir, device="cpu")
        lap("load_model")
        index = None
        if mode == "floor-memory":
            import faiss

            index = faiss.read_index(flat)
            lap("read_vectors")
        vector = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
        lap("encode")
        if index is not None:
            index.search(vector, 3)
            lap("search")
    elif mode == "collections":
        from pathlib import Path

        from bot.collections import Collections, CollectionsPlan
        from bot.config import BotConfig

        lap("import")
        plan = CollectionsPlan.read(Path(path))
        opened = Collections.open(plan, BotConfig(collections=Path(path)))
        lap("open_index")
        for collection in opened:
            assert collection.composer.answer(question).question
        lap("first_search")
        opened.close()
    elif mode == "read":
        extra = read(path, lap)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    answered = time.time()
    return {
        **(extra if mode == "read" else {}),
        "answered_at": answered,
        "python_started_at": STARTED,
        "phases": phases,
        "peak_rss_bytes": peak_rss(),
        "ru_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def read(path: str, lap: Any) -> dict[str, Any]:
    """Reads and splits one file; what it gave and the RSS before reading."""
    import logging

    from retrieval.config import RetrievalConfig
    from retrieval.ingest import SkipLog, discover, read_documents, split_document

    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logging.getLogger("retrieval").addHandler(Collect(logging.WARNING))
    config = RetrievalConfig()
    lap("import")
    before = current_rss()
    skips = SkipLog(logging.getLogger("retrieval.benchmark"))
    documents = [d for f in discover([path]) for d in read_documents(f, skips=skips)]
    limits = config.max_passage_chars, config.max_section_chars
    passages = sum(len(split_document(d, *limits)) for d in documents)
    lap("read")
    return {
        "rss_before_bytes": before,
        "documents": len(documents),
        "passages": passages,
        "warning": warnings[0] if warnings else "",
    }


def current_rss() -> int:
    """This process's RSS now (``VmRSS``)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss() -> int:
    """This process's peak RSS: ``VmHWM`` from ``/proc/self/status``.

    ``ru_maxrss`` is reported too, but Linux keeps it across ``exec``: a child spawned
    by a big parent starts with the parent's high-water mark (a 1.2 GB benchmark runner
    made every child "use" 1.2 GB). ``VmHWM`` belongs to the new address space only.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(json.dumps(main(*sys.argv[1:4])), flush=True)
