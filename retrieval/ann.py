"""Dense search over normalised vectors with FAISS (inner product = cosine)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from .config import RetrievalConfig


class DenseIndex:
    """A FAISS index: exact (flat) up to ``config.ann_threshold`` passages, HNSW above.

    Args:
        index: the FAISS index.
    """

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, config: RetrievalConfig) -> DenseIndex:
        dim = vectors.shape[1]
        if len(vectors) > config.ann_threshold:
            index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = max(40, config.hnsw_m * 2)
            index.hnsw.efSearch = config.hnsw_ef_search
        else:
            index = faiss.IndexFlatIP(dim)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    @property
    def approximate(self) -> bool:
        return not isinstance(self.index, faiss.IndexFlat)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Returns ``(scores, ids)`` of shape ``(len(queries), k)``; ids are -1 past the end."""
        k = max(1, min(k, len(self)))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, ef_search: int) -> DenseIndex:
        # Memory-map where FAISS supports it, so loading costs no copy.
        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:
            index = faiss.read_index(str(path))
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = ef_search
        return cls(index)
