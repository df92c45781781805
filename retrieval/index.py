"""The persisted index: a directory holding FAISS, BM25, passages and a manifest.

Layout::

    INDEX_DIR/
      CURRENT               name of the live generation, replaced atomically
      gen-<id>/
        manifest.json       format version, model, dimension, content hash per source
        config.json         the settings it was built with
        passages.sqlite     passages and sources
        vectors.npy         passage embeddings (reused by incremental re-indexing)
        sentences.npy       float16 vectors of each passage's sentences, in context
        sentence_offsets.npy  where each passage's sentences start in sentences.npy
        sentence_spans.npy  each sentence's character span in its passage's text
        sentence_terms.npy  each sentence's distinct BM25 term ids (for re-ranking)
        sentence_term_offsets.npy  where each sentence's term ids start
        dense.faiss         the FAISS index (exact, or IVF above ann_threshold)
        bm25/               the bm25s index

A build writes a new generation beside the live one and then swaps ``CURRENT``, so a
crash mid-build leaves the previous index usable and readers never see a half-written
one.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .ann import DenseIndex
from .config import RetrievalConfig
from .documents import SourceFile, read_documents
from .encoder import Encoder
from .errors import CorpusError, IndexStateError
from .lexical import LexicalIndex
from .passages import Passage, split_document
from .store import PassageStore, SourceInfo

logger = logging.getLogger(__name__)

#: Bumped whenever the on-disk layout or the passage splitting changes.
FORMAT_VERSION = 5
#: Earlier formats whose vectors a build reuses (only files computed from the stored
#: passages are new since: format 5 added the sentences' BM25 term ids).
_REUSABLE_FORMATS = (4,)
# Settings whose change invalidates stored passages or vectors.
_CONTENT_SETTINGS = (
    "model",
    "max_passage_chars",
    "embed_title",
    "bm25_title",
    "bm25_k1",
    "bm25_b",
    "jsonl_title_field",
    "jsonl_text_field",
)


@dataclass(frozen=True)
class Manifest:
    """What an index generation holds and how it was made."""

    format_version: int
    model: str
    dimension: int
    passages: int
    approximate: bool
    sources: dict[str, str]  # corpus file -> content hash (files that gave no text too)
    corpus: list[str] = field(default_factory=list)
    created: str = ""
    dense: str = ""  # the FAISS index, as a factory string ("Flat", "IVF400,Flat")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class Index:
    """An opened index generation. Read-only; build a new one to change it."""

    def __init__(self, path: Path, manifest: Manifest, config: RetrievalConfig) -> None:
        self.path = path
        self.manifest = manifest
        self.config = config
        self.store = PassageStore(path / "passages.sqlite")
        self.vectors: np.ndarray = np.load(path / "vectors.npy", mmap_mode="r")
        self.sentences: np.ndarray = np.load(path / "sentences.npy", mmap_mode="r")
        self.sentence_offsets: np.ndarray = np.load(path / "sentence_offsets.npy")
        self.sentence_spans: np.ndarray = np.load(path / "sentence_spans.npy", mmap_mode="r")
        if manifest.format_version == FORMAT_VERSION:
            self.sentence_terms: np.ndarray = np.load(path / "sentence_terms.npy", mmap_mode="r")
            self.sentence_term_offsets: np.ndarray = np.load(
                path / "sentence_term_offsets.npy", mmap_mode="r"
            )
        else:  # an earlier format opened only so that a build can reuse its vectors
            self.sentence_terms = np.zeros(0, dtype=np.int32)
            self.sentence_term_offsets = np.zeros(len(self.sentences) + 1, dtype=np.int64)
        self.dense = DenseIndex.load(path / "dense.faiss", config.ivf_nprobe)
        self.lexical = LexicalIndex.load(path / "bm25")
        self._check()

    def _check(self) -> None:
        n = self.manifest.passages
        sizes = (len(self.store), len(self.vectors), len(self.dense), len(self.lexical))
        if any(size != n for size in sizes):
            raise IndexStateError(f"index parts disagree on the passage count: {sizes}, {n}")
        if self.vectors.shape[1] != self.manifest.dimension:
            raise IndexStateError("stored vectors do not match the manifest's dimension")
        offsets = self.sentence_offsets
        sentences = (offsets[-1] if len(offsets) else -1, len(self.sentence_spans))
        if len(offsets) != n + 1 or sentences != (len(self.sentences),) * 2:
            raise IndexStateError("sentence vectors do not match the passages")
        terms = self.sentence_term_offsets
        if len(terms) != len(self.sentences) + 1 or terms[-1] != len(self.sentence_terms):
            raise IndexStateError("sentence terms do not match the sentences")

    def sentence_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows in ``sentences`` of the sentences of passages ``rows``, and where each
        passage's run of them starts (every passage has at least one)."""
        return runs(self.sentence_offsets, rows)

    def term_rows(self, sentence_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct BM25 term ids of sentences ``sentence_rows``, and for each id the
        position in ``sentence_rows`` of the sentence holding it."""
        where, firsts = runs(self.sentence_term_offsets, sentence_rows)
        counts = np.diff(np.append(firsts, len(where)))
        return self.sentence_terms[where], np.repeat(np.arange(len(sentence_rows)), counts)

    def __len__(self) -> int:
        return self.manifest.passages

    @classmethod
    def open(
        cls, index_dir: Path, config: RetrievalConfig | None = None, upgrade: bool = False
    ) -> Index:
        """Opens the live generation of ``index_dir``; embeds nothing.

        Args:
            index_dir: the index directory.
            config: query-time settings to use instead of the saved ones (settings
                that shape the stored content must match the saved ones).
            upgrade: also open an earlier format whose vectors a build can reuse
                (for :class:`IndexBuilder` only: it cannot answer questions).

        Raises:
            IndexStateError: no index there, or it is damaged or of another format.
        """
        generation = _live_generation(index_dir)
        try:
            manifest = Manifest.read(generation / "manifest.json")
            saved = RetrievalConfig.load(generation / "config.json")
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise IndexStateError(f"index at {index_dir} is damaged: {exc}") from exc
        reusable = upgrade and manifest.format_version in _REUSABLE_FORMATS
        if manifest.format_version != FORMAT_VERSION and not reusable:
            raise IndexStateError(
                f"index at {index_dir} has format {manifest.format_version}, "
                f"this version reads format {FORMAT_VERSION}"
            )
        if config is not None:
            _require_same_content(saved, config, index_dir)
        try:
            return cls(generation, manifest, config or saved)
        except IndexStateError:
            raise
        except Exception as exc:  # FAISS, numpy and SQLite each raise their own types
            raise IndexStateError(f"index at {index_dir} is damaged: {exc}") from exc

    def sources(self) -> list[SourceInfo]:
        return self.store.sources()

    def close(self) -> None:
        self.store.close()


def runs(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items ``rows`` of a ragged array whose item ``i`` is ``offsets[i]`` up to
    ``offsets[i + 1]``: the positions of their elements, and where each item's run of
    them starts in that result."""
    starts = np.asarray(offsets[rows], dtype=np.int64)
    counts = np.asarray(offsets[rows + 1], dtype=np.int64) - starts
    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    within = np.arange(int(counts.sum())) - np.repeat(firsts, counts)
    return np.repeat(starts, counts) + within, firsts


def _live_generation(index_dir: Path) -> Path:
    try:
        name = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexStateError(f"no index at {index_dir}") from None
    except OSError as exc:
        raise IndexStateError(f"cannot read index at {index_dir}: {exc}") from exc
    generation = index_dir / name
    if not name.startswith("gen-") or not generation.is_dir():
        raise IndexStateError(f"index at {index_dir} is damaged: generation {name!r} is missing")
    return generation


def _require_same_content(saved: RetrievalConfig, wanted: RetrievalConfig, where: Path) -> None:
    for name in _CONTENT_SETTINGS:
        if getattr(saved, name) != getattr(wanted, name):
            raise IndexStateError(
                f"index at {where} was built with {name}={getattr(saved, name)!r}, "
                f"not {getattr(wanted, name)!r}"
            )


@dataclass
class _Part:
    """One corpus file's contribution to a build: new passages, or rows of the old index."""

    file: SourceFile
    infos: list[SourceInfo]
    passages: list[Passage]
    vectors: np.ndarray | None  # None until embedded
    sentences: np.ndarray | None = None  # each passage's sentence vectors, in order
    spans: np.ndarray | None = None  # and their (start, end) in the passage text
    counts: np.ndarray | None = None  # sentences per passage


class IndexBuilder:
    """Builds or updates the index of a corpus, re-embedding only what changed.

    Args:
        index_dir: where the index lives.
        config: the settings to build with.
        encoder: the model wrapper; it is loaded only if something needs embedding.
    """

    def __init__(self, index_dir: Path, config: RetrievalConfig, encoder: Encoder) -> None:
        self.index_dir = index_dir
        self.config = config
        self.encoder = encoder
        self.embedded = 0  # passages embedded by the last build, for reports and tests

    def update(self, files: list[SourceFile], corpus: list[str]) -> Index:
        """Returns an up-to-date index of ``files``, reusing the existing one if valid."""
        previous = self._previous()
        wanted = {f.source: f.content_hash for f in files}
        self.embedded = 0
        current = previous is not None and previous.manifest.format_version == FORMAT_VERSION
        if previous is not None and current and previous.manifest.sources == wanted:
            planned = DenseIndex.plan(len(previous), self.config)
            if previous.dense.spec == planned:
                logger.info(
                    "index at %s is up to date (%d passages)", self.index_dir, len(previous)
                )
                return previous
            # Same passages, another kind of FAISS index wanted (ANN settings changed, or
            # an index of an earlier version): rebuilt from the stored vectors.
            logger.info(
                "rebuilding the FAISS index of %s as %s (was %s); nothing is re-embedded",
                self.index_dir,
                planned,
                previous.dense.spec,
            )
        parts = [self._part(file, previous) for file in files]
        if not any(p.passages for p in parts):
            raise CorpusError("no readable document in the corpus (see the warnings above)")
        self._embed(parts)
        self._write(parts, corpus)
        if previous is not None:
            previous.close()
        return Index.open(self.index_dir, self.config)

    def _previous(self) -> Index | None:
        if not (self.index_dir / "CURRENT").exists():
            return None
        try:
            index = Index.open(self.index_dir, self.config, upgrade=True)
        except IndexStateError as exc:
            logger.warning("%s; rebuilding it from the corpus", exc)
            return None
        if index.manifest.format_version != FORMAT_VERSION:
            logger.warning(
                "index at %s has format %d; upgrading it to format %d (nothing is re-embedded)",
                self.index_dir,
                index.manifest.format_version,
                FORMAT_VERSION,
            )
        return index

    def _part(self, file: SourceFile, previous: Index | None) -> _Part:
        """The file's passages; a file that yields none is still recorded, so that it is
        not read again (and warned about again) until it changes."""
        if previous is not None and previous.manifest.sources.get(file.source) == file.content_hash:
            rows = previous.store.rows_of_file(file.source)
            infos = previous.store.sources(file.source)
            vectors = np.asarray(previous.vectors[rows]).reshape(len(rows), -1)
            sentence_rows, _ = previous.sentence_rows(np.asarray(rows, dtype=np.int64))
            sentences = np.asarray(previous.sentences[sentence_rows]).reshape(-1, vectors.shape[1])
            counts = np.diff(previous.sentence_offsets)[rows] if rows else np.zeros(0, np.int64)
            spans = np.asarray(previous.sentence_spans[sentence_rows]).reshape(-1, 2)
            passages = previous.store.get(rows)
            return _Part(file, infos, passages, vectors, sentences, spans, counts)
        infos, passages = [], []
        options = {
            "title_field": self.config.jsonl_title_field,
            "text_field": self.config.jsonl_text_field,
        }
        for document in read_documents(file, **options):
            split = split_document(document, self.config.max_passage_chars)
            infos.append(
                SourceInfo(
                    document.source,
                    file.source,
                    document.title,
                    file.content_hash,
                    document.metadata,
                    len(split),
                )
            )
            passages.extend(split)
        return _Part(file, infos, passages, None)

    def _embed(self, parts: list[_Part]) -> None:
        todo = [p for p in parts if p.vectors is None and p.passages]
        passages = [x for p in todo for x in p.passages]
        texts = [x.embedding_text(self.config.embed_title) for x in passages]
        spans = [x.sentence_spans() for x in passages]
        title = self.config.embed_title
        shifted = [x.embedding_spans(title, s) for x, s in zip(passages, spans, strict=True)]
        if texts:
            logger.info("embedding %d passages from %d file(s)", len(texts), len(todo))
        vectors, sentences = self.encoder.encode_with_spans(texts, shifted)
        counts = np.array([len(x) for x in spans], dtype=np.int64)
        flat = np.array([span for x in spans for span in x], dtype=np.int32).reshape(-1, 2)
        self.embedded = len(texts)
        start = first = 0
        for part in todo:
            end = start + len(part.passages)
            part.vectors, part.counts = vectors[start:end], counts[start:end]
            last = first + int(part.counts.sum())
            part.sentences, part.spans = sentences[first:last], flat[first:last]
            start, first = end, last

    def _write(self, parts: list[_Part], corpus: list[str]) -> None:
        passages = [x for p in parts for x in p.passages]
        vectors = np.concatenate([p.vectors for p in parts if p.passages and p.vectors is not None])
        generation = self.index_dir / f"gen-{uuid.uuid4().hex[:12]}"
        tmp = self.index_dir / f".tmp-{generation.name}"
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            tmp.mkdir()
        except OSError as exc:
            reason = exc.strerror or exc
            raise IndexStateError(f"cannot write the index at {self.index_dir}: {reason}") from exc
        try:
            dense = DenseIndex.build(vectors, self.config)
            lexical = build_lexical(passages, self.config)
            np.save(tmp / "vectors.npy", vectors)
            _save_sentences(tmp, [p for p in parts if p.passages], lexical)
            dense.save(tmp / "dense.faiss")
            (tmp / "bm25").mkdir()
            lexical.save(tmp / "bm25")
            infos = [info for p in parts for info in p.infos]
            PassageStore.write(tmp / "passages.sqlite", infos, passages)
            self.config.save(tmp / "config.json")
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                model=self.config.model,
                dimension=int(vectors.shape[1]),
                passages=len(passages),
                approximate=dense.approximate,
                dense=dense.spec,
                sources={p.file.source: p.file.content_hash for p in parts},
                corpus=corpus,
                created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            )
            _write_json(tmp / "manifest.json", asdict(manifest))
            os.replace(tmp, generation)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _swap_current(self.index_dir, generation.name)
        logger.info("indexed %d passages from %d documents", len(passages), len(infos))


def build_lexical(passages: list[Passage], config: RetrievalConfig) -> LexicalIndex:
    """The BM25 index of ``passages``. By default BM25 sees the paragraph alone: a title
    repeated in every passage of a document cannot tell them apart, and it biases
    ranking towards documents whose title shares a word with the question (measured
    on the dev set; ``bm25_title`` turns it on)."""
    texts = [f"{p.title}\n{p.text}" if config.bm25_title else p.text for p in passages]
    return LexicalIndex.build(texts, k1=config.bm25_k1, b=config.bm25_b)


def _save_sentences(folder: Path, parts: list[_Part], lexical: LexicalIndex) -> None:
    counts = np.concatenate([p.counts for p in parts if p.counts is not None])
    spans = np.concatenate([p.spans for p in parts])
    offsets = np.concatenate([[0], np.cumsum(counts)])
    np.save(folder / "sentences.npy", np.concatenate([p.sentences for p in parts]))
    np.save(folder / "sentence_offsets.npy", offsets)
    np.save(folder / "sentence_spans.npy", spans)
    # Stemming at build time what re-ranking would otherwise stem for every question.
    texts = [x.text for p in parts for x in p.passages]
    per_text = [spans[a:b].tolist() for a, b in itertools.pairwise(offsets)]
    terms, term_offsets = lexical.span_terms(texts, per_text)
    np.save(folder / "sentence_terms.npy", terms)
    np.save(folder / "sentence_term_offsets.npy", term_offsets)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with path.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())


def _swap_current(index_dir: Path, name: str) -> None:
    pointer = index_dir / f".CURRENT-{uuid.uuid4().hex[:8]}"
    pointer.write_text(name + "\n", encoding="utf-8")
    os.replace(pointer, index_dir / "CURRENT")
    # Older generations go once the pointer has moved; processes that still have
    # them open keep reading their (unlinked) files.
    for old in index_dir.iterdir():
        if old.name != name and old.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(old, ignore_errors=True)
