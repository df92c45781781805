"""Building or updating the index of a corpus, re-embedding only the files that changed."""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..config import RetrievalConfig
from ..encoder import Encoder
from ..errors import CorpusError, IndexBusyError, IndexStateError, IndexWriteError
from ..ingest import Passage, ReaderOptions, SkipLog, SourceFile, read_documents, split_document
from . import layout
from .dense import DenseIndex
from .layout import FORMAT_VERSION, REUSABLE_FORMATS, Manifest
from .lexical import LexicalIndex
from .lock import WriterLock
from .reader import Index, StoredPassages, read_generation, require_same
from .store import PassageStore, SourceInfo

logger = logging.getLogger(__name__)

_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# Less free space than this after a failed write without an errno means the disk filled.
_NEARLY_FULL = 1 << 20
#: Reading more files than this shows a progress bar on a terminal (as embedding does).
_READ_PROGRESS_FILES = 20


@dataclass
class _Part:
    """One corpus file's contribution to a build: new passages, or rows of the old index."""

    file: SourceFile
    infos: list[SourceInfo]
    passages: list[Passage]
    vectors: np.ndarray | None = None  # None until embedded
    sentences: np.ndarray | None = None  # each passage's sentence vectors, in order
    spans: np.ndarray | None = None  # and their (start, end) in the passage text
    counts: np.ndarray | None = None  # sentences per passage


class _Stored(StoredPassages):
    """What a build can reuse of the live generation (any reusable format), and the
    settings it was built with."""

    def __init__(self, generation: Path, manifest: Manifest, saved: RetrievalConfig) -> None:
        super().__init__(generation, manifest)
        self.saved = saved

    def part(self, file: SourceFile) -> _Part:
        rows = self.store.rows_of_file(file.source)
        # A file that gave no passages (all of it skipped) has no rows: (0, dimension).
        vectors = np.asarray(self.vectors[rows]).reshape(len(rows), self.manifest.dimension)
        sentence_rows, _ = self.sentence_rows(np.asarray(rows, dtype=np.int64))
        sentences = np.asarray(self.sentences[sentence_rows]).reshape(-1, vectors.shape[1])
        counts = np.diff(self.sentence_offsets)[rows] if rows else np.zeros(0, np.int64)
        spans = np.asarray(self.sentence_spans[sentence_rows]).reshape(-1, 2)
        infos, passages = self.store.sources(file.source), self.store.get(rows)
        return _Part(file, infos, passages, vectors, sentences, spans, counts)


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

    def update(self, files: list[SourceFile], corpus: list[str], wait: bool = True) -> Index:
        """Returns an up-to-date index of ``files``, reusing the existing one if valid.

        Args:
            files: the corpus files, as :func:`~retrieval.ingest.discover` found them.
            corpus: the corpus paths, recorded in the manifest.
            wait: if another process is writing this index, wait for it (then reuse
                what it built); else fail at once.

        Raises:
            CorpusError: no file gave any text.
            IndexWriteError: the index must be (re)built but cannot be written; nothing
                was embedded if the folder is read-only.
            IndexBusyError: another process writes it and ``wait`` is false.
        """
        with contextlib.ExitStack() as stack:
            unwritable: IndexWriteError | None = None
            try:
                stack.enter_context(WriterLock(self.index_dir, wait))
            except IndexBusyError:
                raise
            except IndexWriteError as exc:
                unwritable = exc  # a read-only index still serves if it is up to date
            return self._update(files, corpus, unwritable)

    def _update(
        self, files: list[SourceFile], corpus: list[str], unwritable: IndexWriteError | None
    ) -> Index:
        previous = self._previous()
        self.embedded = 0
        try:
            if previous is not None and self._up_to_date(previous, files):
                index = self._open_live(previous)
                if index is not None:
                    return index
                previous.close()
                previous = None
            if unwritable is not None:
                raise unwritable
            skips = SkipLog(logger)
            parts = [self._part(file, previous, skips) for file in self._reading(files, previous)]
            skips.close()
        finally:
            if previous is not None:
                previous.close()
        if not any(p.passages for p in parts):
            raise CorpusError("no readable document in the corpus (see the warnings above)")
        # Made before embedding: a folder that cannot be written fails now, not after.
        generation, tmp = layout.new_generation(self.index_dir)
        try:
            self._embed(parts)
            self._write(parts, corpus, tmp)
            os.replace(tmp, generation)
            layout.swap_current(self.index_dir, generation.name)
        except BaseException as exc:
            error = _write_error(exc, self.index_dir)
            shutil.rmtree(tmp, ignore_errors=True)
            if error is not None:
                raise error from exc
            raise
        return Index.open(self.index_dir, self.config)

    def _open_live(self, previous: _Stored) -> Index | None:
        """The live index, up to date, or None (after a warning) if it is damaged."""
        try:
            # Its manifest and settings are read and checked already.
            index = Index.of(previous.path, previous.manifest, self.config, self.index_dir)
        except IndexStateError as exc:
            logger.warning("%s; rebuilding it from the corpus", exc)
            return None
        logger.info("index at %s is up to date (%d passages)", self.index_dir, len(index))
        return index

    def _previous(self) -> _Stored | None:
        """The live generation, if its passages and vectors can be reused."""
        if not (self.index_dir / "CURRENT").exists():
            return None
        try:
            generation = layout.live_generation(self.index_dir)
            manifest, saved = read_generation(generation, self.index_dir)
            version = manifest.format_version
            if version != FORMAT_VERSION and version not in REUSABLE_FORMATS:
                raise IndexStateError(
                    f"index at {self.index_dir} has format {version}, "
                    f"this version reads format {FORMAT_VERSION}"
                )
            reused = RetrievalConfig.content_settings("passages", "vectors")
            require_same(saved, self.config, reused, self.index_dir)
            stored = _Stored(generation, manifest, saved)
        except IndexStateError as exc:
            logger.warning("%s; rebuilding it from the corpus", exc)
            return None
        except Exception as exc:  # numpy and SQLite raise their own types on damage
            logger.warning(
                "index at %s is damaged: %s; rebuilding it from the corpus", self.index_dir, exc
            )
            return None
        if version != FORMAT_VERSION:
            logger.warning(
                "index at %s has format %d; upgrading it to format %d (nothing is re-embedded)",
                self.index_dir,
                version,
                FORMAT_VERSION,
            )
        return stored

    def _up_to_date(self, previous: _Stored, files: list[SourceFile]) -> bool:
        manifest = previous.manifest
        if manifest.format_version != FORMAT_VERSION:
            return False
        if manifest.sources != {f.source: f.content_hash for f in files}:
            return False
        changed = self.config.differences(
            previous.saved, RetrievalConfig.content_settings("lexical")
        )
        if changed:
            logger.info(
                "re-indexing the words of %s for %s (nothing is re-embedded)",
                self.index_dir,
                ", ".join(f"{name}={getattr(self.config, name)!r}" for name in changed),
            )
            return False
        planned = DenseIndex.plan(manifest.passages, self.config)
        if manifest.dense != planned:
            # Same passages, another kind of FAISS index wanted (ANN settings changed, or
            # an index of an earlier version): rebuilt from the stored vectors.
            logger.info(
                "rebuilding the FAISS index of %s as %s (was %s); nothing is re-embedded",
                self.index_dir,
                planned,
                manifest.dense or "unknown",
            )
            return False
        return True

    def _reading(self, files: list[SourceFile], previous: _Stored | None) -> Iterator[SourceFile]:
        """``files``, with a progress bar on a terminal when many of them are read
        (reading and splitting a 1,000-page collection takes minutes)."""
        known = previous.manifest.sources if previous is not None else {}
        read = sum(1 for f in files if known.get(f.source) != f.content_hash)
        shown = sys.stderr.isatty() and read > _READ_PROGRESS_FILES
        yield from tqdm(files, unit="file", desc="Reading", disable=not shown)

    def _part(self, file: SourceFile, previous: _Stored | None, skips: SkipLog) -> _Part:
        """The file's passages; a file that yields none is still recorded, so that it is
        not read again (and warned about again) until it changes."""
        if previous is not None and previous.manifest.sources.get(file.source) == file.content_hash:
            return previous.part(file)
        infos, passages = [], []
        options = ReaderOptions(
            title_field=self.config.jsonl_title_field, text_field=self.config.jsonl_text_field
        )
        for document in read_documents(file, options, skips):
            split = split_document(
                document, self.config.max_passage_chars, self.config.max_section_chars
            )
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
        return _Part(file, infos, passages)

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

    def _write(self, parts: list[_Part], corpus: list[str], tmp: Path) -> None:
        """Writes the new generation's files into the folder ``tmp``."""
        kept = [p for p in parts if p.passages]
        passages = [x for p in kept for x in p.passages]
        vectors = np.concatenate([p.vectors for p in kept if p.vectors is not None])
        dense = DenseIndex.build(vectors, self.config)
        lexical = build_lexical(passages, self.config)
        np.save(tmp / layout.VECTORS, vectors)
        _save_sentences(tmp, kept, lexical)
        _save_passage_terms(tmp, passages, lexical)
        np.save(tmp / layout.PLACES, places(passages))
        dense.save(tmp / layout.DENSE)
        (tmp / layout.LEXICAL).mkdir()
        lexical.save(tmp / layout.LEXICAL)
        infos = [info for p in parts for info in p.infos]
        PassageStore.write(tmp / layout.PASSAGES, infos, passages)
        self.config.save(tmp / layout.CONFIG)
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
            encoder=self.config.encoder,
            vectors=self.config.vector_precision,
        )
        layout.write_json(tmp / layout.MANIFEST, asdict(manifest))
        logger.info("indexed %d passages from %d documents", len(passages), len(infos))


def _write_error(exc: BaseException, index_dir: Path) -> IndexWriteError | None:
    """The one-line error for a failure to write the index, or None if ``exc`` is not
    one (an interruption, a bug)."""
    if not isinstance(exc, OSError | sqlite3.Error | RuntimeError):  # FAISS: RuntimeError
        return None
    code = exc.errno if isinstance(exc, OSError) else None
    try:  # numpy's short writes ("33114 requested and 23520 written") carry no errno
        full = shutil.disk_usage(index_dir).free < _NEARLY_FULL
    except OSError:
        full = False
    unchanged = "(the previous index is unchanged)"
    if code in _NO_SPACE or (full and code is None):
        return IndexWriteError(
            f"no space left on device while writing the index at {index_dir} {unchanged}"
        )
    if isinstance(exc, RuntimeError):
        return None
    what = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return IndexWriteError(f"cannot write the index at {index_dir}: {what} {unchanged}")


def build_lexical(passages: list[Passage], config: RetrievalConfig) -> LexicalIndex:
    """The BM25 index of ``passages``: each passage's text, under its heading path
    (``bm25_section``). By default not under its document's title: a title repeated
    in every passage of a document cannot tell them apart, and it biases ranking
    towards documents whose title shares a word with the question (measured on the
    dev set; ``bm25_title`` turns it on)."""
    texts = [_lexical_text(p, config.bm25_title, config.bm25_section) for p in passages]
    return LexicalIndex.build(texts, k1=config.bm25_k1, b=config.bm25_b, language=config.language)


def _lexical_text(passage: Passage, title: bool, section: bool) -> str:
    context = passage.context(title) if section else (f"{passage.title}\n" if title else "")
    return context + passage.text


def _save_sentences(folder: Path, parts: list[_Part], lexical: LexicalIndex) -> None:
    counts = np.concatenate([p.counts for p in parts if p.counts is not None])
    spans = np.concatenate([p.spans for p in parts if p.spans is not None])
    offsets = np.concatenate([[0], np.cumsum(counts)])
    np.save(folder / layout.SENTENCES, np.concatenate([p.sentences for p in parts]))
    np.save(folder / layout.SENTENCE_OFFSETS, offsets)
    np.save(folder / layout.SENTENCE_SPANS, spans)
    # Stemming at build time what re-ranking would otherwise stem for every question.
    texts = [x.text for p in parts for x in p.passages]
    per_text = [spans[a:b].tolist() for a, b in itertools.pairwise(offsets)]
    terms, term_offsets = lexical.span_terms(texts, per_text)
    np.save(folder / layout.SENTENCE_TERMS, terms)
    np.save(folder / layout.SENTENCE_TERM_OFFSETS, term_offsets)


def places(passages: list[Passage]) -> np.ndarray:
    """Each passage's place in its document, as re-ranking weighs it: its position; 1 if
    it opens its section (the first passage of its document, or the first under another
    heading than the passage before), else 0; and its document's number in the index.
    ``passages`` are in document order, as split, each document's together."""
    found = np.zeros((len(passages), layout.PLACE_COLUMNS), dtype=np.int32)
    before: Passage | None = None
    document = -1
    for row, passage in enumerate(passages):
        new_document = before is None or before.source != passage.source
        document += new_document
        opens = new_document or before is None or before.section != passage.section
        found[row] = (passage.position, int(opens), document)
        before = passage
    return found


def _save_passage_terms(folder: Path, passages: list[Passage], lexical: LexicalIndex) -> None:
    # The no-answer decision weighs how much of the question one passage (with its
    # title) holds: stored here, so that no passage is read or stemmed per question.
    texts = [_lexical_text(p, title=True, section=True) for p in passages]
    terms, offsets = lexical.span_terms(texts, [[(0, len(t))] for t in texts])
    np.save(folder / layout.PASSAGE_TERMS, terms)
    np.save(folder / layout.PASSAGE_TERM_OFFSETS, offsets)
