"""An opened index generation: the passages, their vectors, the sentence data re-ranking
reads, and the dense and BM25 indexes (read-only, memory-mapped where it can be)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import RetrievalConfig
from ..errors import IndexStateError
from . import layout
from .dense import DenseIndex
from .layout import FORMAT_VERSION, Manifest, runs
from .lexical import LexicalIndex
from .store import PassageStore, SourceInfo


class StoredPassages:
    """The part of a generation every format since 4 holds alike: the passages, their
    vectors and their sentences (what a build can reuse without re-embedding).

    Args:
        path: the generation's folder.
        manifest: its manifest.

    Raises:
        IndexStateError: the parts disagree on how many passages or sentences there are.
    """

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        self.store = PassageStore(path / layout.PASSAGES)
        self.vectors: np.ndarray = np.load(path / layout.VECTORS, mmap_mode="r")
        self.sentences: np.ndarray = np.load(path / layout.SENTENCES, mmap_mode="r")
        self.sentence_offsets: np.ndarray = np.load(path / layout.SENTENCE_OFFSETS)
        self.sentence_spans: np.ndarray = np.load(path / layout.SENTENCE_SPANS, mmap_mode="r")
        n, offsets = manifest.passages, self.sentence_offsets
        if len(self.store) != n or len(self.vectors) != n:
            sizes = (len(self.store), len(self.vectors))
            raise IndexStateError(f"index parts disagree on the passage count: {sizes}, {n}")
        sentences = (offsets[-1] if len(offsets) else -1, len(self.sentence_spans))
        if len(offsets) != n + 1 or sentences != (len(self.sentences),) * 2:
            raise IndexStateError("sentence vectors do not match the passages")

    def sentence_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows in ``sentences`` of the sentences of passages ``rows``, and where each
        passage's run of them starts (every passage has at least one)."""
        return runs(self.sentence_offsets, rows)

    def __len__(self) -> int:
        return self.manifest.passages

    def close(self) -> None:
        self.store.close()


class Index(StoredPassages):
    """An opened index generation. Read-only; build a new one to change it.

    Args:
        path: the generation's folder.
        manifest: its manifest.
        config: the settings to search with.
    """

    def __init__(self, path: Path, manifest: Manifest, config: RetrievalConfig) -> None:
        super().__init__(path, manifest)
        self.config = config
        self.sentence_terms: np.ndarray = np.load(path / layout.SENTENCE_TERMS, mmap_mode="r")
        self.sentence_term_offsets: np.ndarray = np.load(
            path / layout.SENTENCE_TERM_OFFSETS, mmap_mode="r"
        )
        self.passage_terms: np.ndarray = np.load(path / layout.PASSAGE_TERMS, mmap_mode="r")
        self.passage_term_offsets: np.ndarray = np.load(
            path / layout.PASSAGE_TERM_OFFSETS, mmap_mode="r"
        )
        #: Each passage's position in its document, 1 if it opens its section, and its
        #: document's number (``layout.PLACE_COLUMNS``).
        self.places: np.ndarray = np.load(path / layout.PLACES, mmap_mode="r")
        self.dense = DenseIndex.load(path / layout.DENSE, config.ivf_nprobe)
        self.lexical = LexicalIndex.load(path / layout.LEXICAL, config.language)
        self._check()

    @classmethod
    def open(cls, index_dir: Path, config: RetrievalConfig | None = None) -> Index:
        """Opens the live generation of ``index_dir``; embeds nothing.

        Args:
            index_dir: the index directory.
            config: query-time settings to use instead of the saved ones (settings
                that shape the stored content must match the saved ones).

        Raises:
            IndexStateError: no index there, or it is damaged, of another format, or
                built with other content settings than ``config``'s.
        """
        generation = layout.live_generation(index_dir)
        try:
            return cls._open_live(generation, index_dir, config)
        except IndexStateError:
            # Readers take no lock: a build may have swapped in a new generation and
            # removed this one between reading CURRENT and opening it. Then the new
            # one is opened; a damaged index fails the same way twice.
            if layout.live_generation(index_dir) == generation:
                raise
            return cls._open_live(layout.live_generation(index_dir), index_dir, config)

    @classmethod
    def _open_live(cls, generation: Path, index_dir: Path, config: RetrievalConfig | None) -> Index:
        manifest, saved = read_generation(generation, index_dir)
        if manifest.format_version != FORMAT_VERSION:
            raise IndexStateError(
                f"index at {index_dir} has format {manifest.format_version}, "
                f"this version reads format {FORMAT_VERSION}"
            )
        if config is not None:
            require_same(saved, config, RetrievalConfig.content_settings(), index_dir)
        return cls.of(generation, manifest, config or saved, index_dir)

    @classmethod
    def of(
        cls, generation: Path, manifest: Manifest, config: RetrievalConfig, index_dir: Path
    ) -> Index:
        """Opens ``generation`` whose manifest has been read and whose settings are
        known to match ``config``.

        Raises:
            IndexStateError: a part is missing or damaged.
        """
        try:
            return cls(generation, manifest, config)
        except IndexStateError:
            raise
        except Exception as exc:  # FAISS, numpy and SQLite each raise their own types
            raise IndexStateError(f"index at {index_dir} is damaged: {exc}") from exc

    def _check(self) -> None:
        n = self.manifest.passages
        sizes = (len(self.dense), len(self.lexical))
        if any(size != n for size in sizes):
            raise IndexStateError(f"index parts disagree on the passage count: {sizes}, {n}")
        if self.places.shape != (n, layout.PLACE_COLUMNS):
            raise IndexStateError("passage places do not match the passages")
        if self.vectors.shape[1] != self.manifest.dimension:
            raise IndexStateError("stored vectors do not match the manifest's dimension")
        terms = self.sentence_term_offsets
        if len(terms) != len(self.sentences) + 1 or terms[-1] != len(self.sentence_terms):
            raise IndexStateError("sentence terms do not match the sentences")
        terms = self.passage_term_offsets
        if len(terms) != n + 1 or terms[-1] != len(self.passage_terms):
            raise IndexStateError("passage terms do not match the passages")

    def term_rows(self, sentence_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct BM25 term ids of sentences ``sentence_rows``, and for each id the
        position in ``sentence_rows`` of the sentence holding it."""
        where, firsts = runs(self.sentence_term_offsets, sentence_rows)
        counts = np.diff(np.append(firsts, len(where)))
        return self.sentence_terms[where], np.repeat(np.arange(len(sentence_rows)), counts)

    def passage_term_ids(self, row: int) -> np.ndarray:
        """The distinct BM25 term ids of passage ``row``'s title and text."""
        start, end = self.passage_term_offsets[row], self.passage_term_offsets[row + 1]
        return np.asarray(self.passage_terms[start:end])

    def sources(self) -> list[SourceInfo]:
        return self.store.sources()


def read_generation(generation: Path, index_dir: Path) -> tuple[Manifest, RetrievalConfig]:
    """A generation's manifest and the settings it was built with.

    Raises:
        IndexStateError: either cannot be read.
    """
    try:
        return (
            Manifest.read(generation / layout.MANIFEST),
            RetrievalConfig.load(generation / layout.CONFIG),
        )
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexStateError(f"index at {index_dir} is damaged: {exc}") from exc


def require_same(
    saved: RetrievalConfig, wanted: RetrievalConfig, names: tuple[str, ...], where: Path
) -> None:
    """Raises IndexStateError naming the first of ``names`` whose value differs."""
    for name in saved.differences(wanted, names)[:1]:
        raise IndexStateError(
            f"index at {where} was built with {name}={getattr(saved, name)!r}, "
            f"not {getattr(wanted, name)!r}"
        )
