"""The on-disk layout of an index: a directory of generations and a pointer to the live one.

::

    INDEX_DIR/
      CURRENT               name of the live generation, replaced atomically
      .lock                 locked by the process writing the index (lock.py)
      gen-<id>/
        manifest.json       format version, model, dimension, content hash per source
        config.json         the settings it was built with
        passages.sqlite     passages and sources (store.py)
        vectors.npy         passage embeddings (reused by incremental re-indexing)
        sentences.npy       float16 vectors of each passage's sentences, in context
        sentence_offsets.npy  where each passage's sentences start in sentences.npy
        sentence_spans.npy  each sentence's character span in its passage's text
        sentence_terms.npy  each sentence's distinct BM25 term ids (for re-ranking)
        sentence_term_offsets.npy  where each sentence's term ids start
        passage_terms.npy   each passage's (title and text) distinct BM25 term ids
        passage_term_offsets.npy   where each passage's term ids start
        places.npy          each passage's position in its document, whether it opens
                            its section, and its document's number (for re-ranking)
        dense.faiss         the FAISS index (dense.py: exact, or IVF above ann_threshold)
        bm25/               the bm25s index, and words.json: the collection's words
                            and their counts, for spelling correction (lexical.py)

A build writes a new generation beside the live one and then swaps ``CURRENT``, so a
crash mid-build leaves the previous index usable and readers never see a half-written
one.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexStateError, IndexWriteError

#: Bumped whenever the on-disk layout or the passage splitting changes.
FORMAT_VERSION = 11
#: Earlier formats whose passages and vectors a build reuses: what is new since is
#: computed from the stored passages (format 5 added the sentences' BM25 term ids,
#: format 6 the passages'). Format 7 cut passages by section, with heading paths, and
#: format 8 keeps a titled section that fits whole and embeds long headings shortened,
#: format 9 keeps sections with lists, code or tables whole up to ``max_section_chars``
#: and embeds long passages in windows: the passages and vectors of earlier formats are
#: not reused. Format 10 adds the words for spelling correction (bm25/words.json), built
#: from format 9's stored passages. Format 11 adds where each passage is in its
#: document (places.npy), from the stored passages too.
REUSABLE_FORMATS: tuple[int, ...] = (9, 10)

MANIFEST = "manifest.json"
CONFIG = "config.json"
PASSAGES = "passages.sqlite"
VECTORS = "vectors.npy"
SENTENCES = "sentences.npy"
SENTENCE_OFFSETS = "sentence_offsets.npy"
SENTENCE_SPANS = "sentence_spans.npy"
SENTENCE_TERMS = "sentence_terms.npy"
SENTENCE_TERM_OFFSETS = "sentence_term_offsets.npy"
PASSAGE_TERMS = "passage_terms.npy"
PASSAGE_TERM_OFFSETS = "passage_term_offsets.npy"
PLACES = "places.npy"
#: Columns of places.npy: position in the document, opens its section (0/1), document.
PLACE_COLUMNS = 3
DENSE = "dense.faiss"
LEXICAL = "bm25"
LOCK = ".lock"  # held by the one process writing the index (lock.py)


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
    # What ran the model ("torch", "onnx", "onnx-int8"), and which vectors it made:
    # "fp32" (torch and onnx: the same vectors, interchangeable) or "int8".
    encoder: str = ""
    vectors: str = ""

    @classmethod
    def read(cls, path: Path) -> Manifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def live_generation(index_dir: Path) -> Path:
    """The folder of the generation ``CURRENT`` names.

    Raises:
        IndexStateError: no index there, or the pointer is damaged.
    """
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


def new_generation(index_dir: Path) -> tuple[Path, Path]:
    """A fresh generation's final name and the temporary folder to write it in.

    Raises:
        IndexWriteError: the index directory cannot be written.
    """
    generation = index_dir / f"gen-{uuid.uuid4().hex[:12]}"
    tmp = index_dir / f".tmp-{generation.name}"
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    except OSError as exc:
        reason = exc.strerror or exc
        raise IndexWriteError(f"cannot write the index at {index_dir}: {reason}") from exc
    return generation, tmp


def swap_current(index_dir: Path, name: str) -> None:
    """Points ``CURRENT`` at generation ``name`` atomically, then removes the others."""
    pointer = index_dir / f".CURRENT-{uuid.uuid4().hex[:8]}"
    try:
        pointer.write_text(name + "\n", encoding="utf-8")
        os.replace(pointer, index_dir / "CURRENT")
    except BaseException:
        pointer.unlink(missing_ok=True)
        raise
    # Older generations go once the pointer has moved; processes that still have
    # them open keep reading their (unlinked) files.
    for old in index_dir.iterdir():
        if old.name != name and old.name.startswith(("gen-", ".tmp-gen-")):
            shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Writes ``data`` and syncs it to disk (the manifest is the last file written)."""
    with path.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())


def runs(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items ``rows`` of a ragged array whose item ``i`` is ``offsets[i]`` up to
    ``offsets[i + 1]``: the positions of their elements, and where each item's run of
    them starts in that result."""
    starts = np.asarray(offsets[rows], dtype=np.int64)
    counts = np.asarray(offsets[rows + 1], dtype=np.int64) - starts
    # cumsum()[:-1] of no items is empty: the first run starts at 0 only if there is one.
    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])[: len(counts)].astype(np.int64)
    within = np.arange(int(counts.sum())) - np.repeat(firsts, counts)
    return np.repeat(starts, counts) + within, firsts
