"""Dense search over normalised vectors with FAISS (inner product = cosine).

Up to ``config.ann_threshold`` passages the index is exact (``IndexFlatIP``). Above, it
is an inverted file (IVF-Flat): k-means cells trained on the passages' own vectors, and
a question is compared only with the passages of its ``ivf_nprobe`` nearest cells. The
vectors are stored unquantised, so the scores it returns are exact cosines; only
passages in unvisited cells can be missed. ``benchmarks/query_latency.py`` measures
recall@10 and recall@50 against exact search on real questions, and the final answers
of both, at every benchmark size; ``benchmarks/scale.py`` does the same at 1M vectors.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import faiss
import numpy as np

from ..config import RetrievalConfig

logger = logging.getLogger(__name__)

#: FAISS wants at least 39 training points per cell; k-means on more than this many
#: per cell makes the build slower without making the cells better for search.
TRAIN_PER_LIST = 40
#: k-means iterations (FAISS's default is 25; cells barely move after 10 on these data
#: and training time is linear in it).
TRAIN_ITERATIONS = 10


def ivf_lists(n: int, config: RetrievalConfig) -> int:
    """Cells of the IVF index of ``n`` vectors: ``config.ivf_lists`` if set, else
    ``4·√n`` (the usual FAISS guideline, txtai's too), with at least 39 vectors per
    cell so that k-means has something to train on."""
    if config.ivf_lists:
        return max(1, min(config.ivf_lists, n))
    return max(1, min(round(4 * math.sqrt(n)), n // 39))


class DenseIndex:
    """A FAISS index: exact (flat) up to ``config.ann_threshold`` passages, IVF above.

    Args:
        index: the FAISS index.
    """

    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @staticmethod
    def plan(n: int, config: RetrievalConfig) -> str:
        """The FAISS factory string of the index :meth:`build` makes for ``n`` vectors:
        ``"Flat"`` or ``"IVF<lists>,Flat"``."""
        if n > config.ann_threshold:
            return f"IVF{ivf_lists(n, config)},Flat"
        return "Flat"

    @classmethod
    def build(cls, vectors: np.ndarray, config: RetrievalConfig) -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        spec = cls.plan(n, config)
        if spec == "Flat":
            flat = faiss.IndexFlatIP(dim)
            flat.add(vectors)
            return cls(flat)
        index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        ivf = faiss.extract_index_ivf(index)
        ivf.cp.niter = TRAIN_ITERATIONS
        ivf.cp.seed = 1234
        sample = min(n, TRAIN_PER_LIST * ivf.nlist)
        if sample < n:  # a fixed, spread sample: the same corpus gives the same cells
            rows = np.random.default_rng(0).choice(n, sample, replace=False)
            index.train(vectors[np.sort(rows)])
        else:
            index.train(vectors)
        index.add(vectors)
        dense = cls(index)
        dense.set_nprobe(config.ivf_nprobe)
        return dense

    @property
    def approximate(self) -> bool:
        return not isinstance(self.index, faiss.IndexFlat)

    @property
    def spec(self) -> str:
        """What the index is, in FAISS factory terms: ``"Flat"``, ``"IVF<lists>,Flat"``
        (or ``"HNSW<M>"`` for an index built by an earlier version)."""
        if isinstance(self.index, faiss.IndexFlat):
            return "Flat"
        if isinstance(self.index, faiss.IndexIVF):
            return f"IVF{self.index.nlist},Flat"
        if hasattr(self.index, "hnsw"):
            return f"HNSW{self.index.hnsw.nb_neighbors(1)}"
        return type(self.index).__name__

    @property
    def nprobe(self) -> int | None:
        """Cells searched per question (None for an index without cells)."""
        return int(self.index.nprobe) if isinstance(self.index, faiss.IndexIVF) else None

    @property
    def exact_scores(self) -> bool:
        """Whether the scores a search returns are the exact inner products (the index
        stores the vectors uncompressed, even if it searches only part of them)."""
        return isinstance(self.index, (faiss.IndexFlat, faiss.IndexIVFFlat, faiss.IndexHNSWFlat))

    def set_nprobe(self, nprobe: int) -> None:
        if isinstance(self.index, faiss.IndexIVF):
            self.index.nprobe = max(1, min(int(nprobe), int(self.index.nlist)))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Returns ``(scores, ids)`` of shape ``(len(queries), k)``; ids are -1 past the end."""
        k = max(1, min(k, len(self)))
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, nprobe: int | None = None) -> DenseIndex:
        """Reads a saved index memory-mapped in place (``IO_FLAG_MMAP_IFC``): opening it
        reads nothing, and pages of vectors are read from the file when a search first
        touches them (an IVF search touches only its cells). The index is read-only.

        Args:
            path: the index file.
            nprobe: cells to search per question (IVF only; None keeps the saved value).
        """
        try:
            index = faiss.read_index(str(path), _MMAP | faiss.IO_FLAG_READ_ONLY)
        except RuntimeError:
            index = faiss.read_index(str(path))
        dense = cls(index)
        if nprobe is not None:
            dense.set_nprobe(nprobe)
        return dense


# In-place memory map of flat codes and IVF lists (FAISS >= 1.10). ``IO_FLAG_MMAP`` alone
# maps neither: it reads a flat index whole, and turns IVF lists into
# ``OnDiskInvertedLists``, which searched 3x slower here.
_MMAP = getattr(faiss, "IO_FLAG_MMAP_IFC", 0)
