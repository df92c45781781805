"""The public entry point: build or open an index and search it."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import RetrievalConfig
from .encoder import Encoder
from .index import Index, IndexBuilder, SourceInfo
from .ingest import Passage, discover
from .search import Calibration, Ranking, SearchContext, Searcher, SearchResult

PathLike = str | os.PathLike[str]


def default_corpus() -> Path:
    """``./seeds`` when it exists, else the seeds shipped with the project."""
    local = Path("seeds")
    return local if local.is_dir() else Path(__file__).resolve().parent.parent / "seeds"


def default_index_dir(corpus: Iterable[PathLike]) -> Path:
    """A per-user cache folder, one per corpus (named after its absolute paths)."""
    paths = sorted(str(Path(p).resolve()) for p in corpus)
    key = hashlib.blake2b("\n".join(paths).encode(), digest_size=6).hexdigest()
    name = Path(paths[0]).name if paths else "corpus"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "docqa" / "indexes" / f"{name}-{key}"


@dataclass(frozen=True)
class IndexInfo:
    """What an opened index is.

    Attributes:
        path: the live generation's folder.
        passages: how many passages it holds.
        model: the model it was built with.
        dense: its FAISS index, as a factory string (``"Flat"``, ``"IVF400,Flat"``).
        approximate: whether dense search is approximate (IVF).
        nprobe: IVF cells searched per question (None for exact search).
        format_version: its on-disk format.
    """

    path: Path
    passages: int
    model: str
    dense: str
    approximate: bool
    nprobe: int | None
    format_version: int


class Retriever:
    """Answers questions from a document collection.

    Build (or bring up to date) the index of a corpus with :meth:`from_corpus`, or open
    a persisted one with :meth:`load`; then call :meth:`search`.

    Example::

        retriever = Retriever.from_corpus("seeds/")
        result = retriever.search("Who invested in Pateo?", k=3)
        for hit in result.hits:
            print(hit.title, hit.sentence_text)

    Args:
        index: an opened index.
        encoder: the model the index was built with (loaded lazily).
    """

    def __init__(self, index: Index, encoder: Encoder | None = None) -> None:
        self._index = index
        #: The model (loaded on first use); pass it on to share one model between
        #: retrievers (e.g. a rebuilt index, or several collections).
        self.encoder = encoder or Encoder.of(index.config)
        self._searcher = Searcher(index, self.encoder)
        #: How many passages the call that made this retriever embedded.
        self.embedded = 0

    @classmethod
    def from_corpus(
        cls,
        corpus: PathLike | Iterable[PathLike] | None = None,
        index_dir: PathLike | None = None,
        config: RetrievalConfig | None = None,
        encoder: Encoder | None = None,
        wait: bool = True,
    ) -> Retriever:
        """Indexes ``corpus`` (files or folders; default: ``seeds/``), re-embedding only
        files that changed since the index in ``index_dir`` was built.

        Args:
            corpus: the files or folders.
            index_dir: where the index lives (default: a per-user cache folder).
            config: the settings (default: the defaults).
            encoder: an already loaded model to share.
            wait: if another process is writing this index, wait for it to finish (and
                reuse what it built) instead of failing with ``IndexBusyError``.

        Raises:
            CorpusError: a path is missing or the corpus holds no readable document.
            ConfigError: the model cannot be loaded.
            IndexWriteError: the index must be written and cannot be (no space left,
                read-only folder); the previous index is unchanged.
            IndexBusyError: another process is writing it and ``wait`` is false.
        """
        paths = _paths(corpus)
        config = config or RetrievalConfig()
        target = Path(index_dir) if index_dir is not None else default_index_dir(paths)
        encoder = encoder or Encoder.of(config)
        builder = IndexBuilder(target, config, encoder)
        files = discover(paths)
        resolved = [str(Path(p).resolve()) for p in paths]
        retriever = cls(builder.update(files, resolved, wait), encoder)
        retriever.embedded = builder.embedded
        return retriever

    @classmethod
    def load(
        cls,
        index_dir: PathLike,
        config: RetrievalConfig | None = None,
        encoder: Encoder | None = None,
    ) -> Retriever:
        """Opens a persisted index; embeds nothing.

        Args:
            index_dir: the index directory.
            config: query-time settings instead of the saved ones.
            encoder: an already loaded model to share (it must be the index's model).

        Raises:
            IndexStateError: no usable index in ``index_dir``.
        """
        return cls(Index.open(Path(index_dir), config), encoder)

    @property
    def config(self) -> RetrievalConfig:
        """The settings it searches with."""
        return self._index.config

    @property
    def info(self) -> IndexInfo:
        """What the opened index is (for reports and benchmarks)."""
        index = self._index
        return IndexInfo(
            path=index.path,
            passages=len(index),
            model=index.manifest.model,
            dense=index.dense.spec,
            approximate=index.dense.approximate,
            nprobe=index.dense.nprobe,
            format_version=index.manifest.format_version,
        )

    def search(
        self, question: str, k: int = 3, offset: int = 0, context: SearchContext | None = None
    ) -> SearchResult:
        """The ``k`` passages that best answer ``question``, or a no-answer result.

        Args:
            question: the question.
            k: how many passages.
            offset: skip this many better ones (paging).
            context: what the question is about beyond its own words: what a
                conversation carried over (see :class:`~retrieval.Conversation` and
                :class:`~retrieval.SearchContext`).

        Raises:
            QuestionError: the question is empty.
        """
        return self._searcher.search(question, k, offset, context)

    def search_many(
        self,
        questions: list[str],
        k: int = 3,
        offset: int = 0,
        contexts: Sequence[SearchContext | None] | None = None,
    ) -> list[SearchResult]:
        """Like :meth:`search` for several questions, encoded in one batch."""
        return self._searcher.search_many(questions, k, offset, contexts)

    def ranking(self, questions: list[str], depth: int) -> list[Ranking]:
        """Every candidate :meth:`search` weighs for each question, with each stage's
        scores (dense, BM25, fused, re-ranked), before the no-answer decision: for
        evaluation. The questions are encoded in one batch.

        Args:
            questions: the questions.
            depth: how many candidates each of dense and BM25 search returns at least.
        """
        vectors = self.encoder.encode(list(questions), progress=False)
        return [
            self._searcher.ranking(q, v, depth) for q, v in zip(questions, vectors, strict=True)
        ]

    def word_weights(self, words: Sequence[str]) -> list[float]:
        """How much each of ``words`` tells the collection's passages apart (BM25 IDF;
        0 for a word the collection lacks): what a conversation carries over."""
        return self._index.lexical.word_weights(words)

    def passages(self, rows: Sequence[int] | np.ndarray) -> list[Passage]:
        """The stored passages at ``rows`` (as a :class:`Ranking` names them), in order."""
        return self._index.store.get([int(r) for r in rows])

    def rows_of_file(self, file: str) -> list[int]:
        """The rows of the passages read from corpus file ``file`` (as
        :attr:`SourceInfo.file` names it), in order."""
        return self._index.store.rows_of_file(file)

    def vectors(self) -> np.ndarray:
        """The passages' vectors, row by row (read-only, memory-mapped)."""
        return self._index.vectors

    def sources(self) -> list[SourceInfo]:
        """The indexed documents, with titles and metadata."""
        return self._index.sources()

    @property
    def calibration(self) -> Calibration:
        """The collection's no-answer threshold and the figures it was chosen from
        (measured on first use, then saved beside the index)."""
        return self._searcher.calibration

    def files(self) -> dict[str, str]:
        """The indexed corpus files (named as in :attr:`SourceInfo.file`) and a hash of
        each one's content: what tells two versions of an index apart."""
        return dict(self._index.manifest.sources)

    def close(self) -> None:
        """Releases the index's files (searching afterwards fails)."""
        self._index.close()

    def __len__(self) -> int:
        return len(self._index)


def _paths(corpus: PathLike | Iterable[PathLike] | None) -> list[PathLike]:
    if corpus is None:
        return [default_corpus()]
    if isinstance(corpus, (str, os.PathLike)):
        return [corpus]
    return list(corpus)
