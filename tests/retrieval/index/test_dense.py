"""The dense index: exact up to ``ann_threshold``, IVF-Flat above; persistence
(memory-mapped) and the rebuild when the wanted kind of index changes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import faiss
import numpy as np
import pytest

from retrieval import ConfigError, RetrievalConfig, Retriever
from retrieval.index.dense import DenseIndex, ivf_lists


def clustered(n: int, dim: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Normalised vectors around random centres: the clustered shape of real embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    v = centres[rng.integers(0, clusters, n)] + 0.4 * rng.standard_normal((n, dim))
    v = v.astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]


def test_plan_is_exact_up_to_the_threshold_then_ivf():
    config = RetrievalConfig(ann_threshold=5_000)
    assert DenseIndex.plan(5_000, config) == "Flat"
    assert DenseIndex.plan(10_000, config) == "IVF256,Flat"  # 4·√n capped at n/39
    assert DenseIndex.plan(100_000, config) == "IVF1265,Flat"
    assert DenseIndex.plan(1_000_000, config) == "IVF4000,Flat"
    assert ivf_lists(100_000, config.replace(ivf_lists=300)) == 300
    assert ivf_lists(10, config.replace(ivf_lists=300)) == 10
    assert ivf_lists(20, config) == 1


@pytest.mark.parametrize("bad", [{"ivf_nprobe": 0}, {"ann_threshold": -1}, {"ivf_lists": -5}])
def test_bad_ann_settings_are_config_errors(bad):
    with pytest.raises(ConfigError):
        RetrievalConfig(**bad)


def test_ivf_finds_nearly_all_exact_neighbours_with_exact_scores():
    vectors, queries = clustered(8_000), clustered(100, seed=1)
    dense = DenseIndex.build(vectors, RetrievalConfig(ann_threshold=1_000, ivf_nprobe=16))
    assert dense.approximate and dense.spec == "IVF205,Flat" and dense.nprobe == 16
    scores, ids = dense.search(queries, 10)
    truth = exact_top(vectors, queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(ids, truth, strict=True)])
    assert recall >= 0.95
    # Unquantised vectors: whatever it returns, it scores exactly.
    expected = np.take_along_axis(queries @ vectors.T, ids, axis=1)
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-5)


def test_nprobe_is_capped_by_the_number_of_cells():
    dense = DenseIndex.build(clustered(500), RetrievalConfig(ann_threshold=100, ivf_nprobe=999))
    assert dense.nprobe == faiss.extract_index_ivf(dense.index).nlist == 12


def test_build_is_deterministic():
    vectors = clustered(3_000)
    config = RetrievalConfig(ann_threshold=100)
    a, b = DenseIndex.build(vectors, config), DenseIndex.build(vectors, config)
    queries = clustered(20, seed=2)
    np.testing.assert_array_equal(a.search(queries, 5)[1], b.search(queries, 5)[1])


@pytest.mark.parametrize("threshold", [100, 10_000])
def test_saved_index_loads_memory_mapped_and_answers_the_same(tmp_path: Path, threshold):
    vectors, queries = clustered(3_000), clustered(30, seed=3)
    built = DenseIndex.build(vectors, RetrievalConfig(ann_threshold=threshold, ivf_nprobe=8))
    built.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss")
    assert loaded.spec == built.spec and len(loaded) == len(vectors)
    assert loaded.nprobe == built.nprobe  # None (flat) or the saved 8
    np.testing.assert_array_equal(loaded.search(queries, 10)[1], built.search(queries, 10)[1])
    if built.approximate:
        assert DenseIndex.load(tmp_path / "dense.faiss", nprobe=30).nprobe == 30


def test_loading_does_not_read_the_vectors(tmp_path: Path):
    """Opening costs no copy: resident memory grows by far less than the file's size."""
    vectors = clustered(60_000, dim=256)
    # IVF (the layout whose lists are mapped), with few cells: k-means is not the point.
    DenseIndex.build(vectors, RetrievalConfig(ivf_lists=16)).save(tmp_path / "dense.faiss")
    before = _rss()
    loaded = DenseIndex.load(tmp_path / "dense.faiss")
    assert _rss() - before < vectors.nbytes / 4
    assert len(loaded) == 60_000


def test_index_of_another_kind_is_still_searched(tmp_path: Path):
    """An HNSW index written by an earlier version loads and answers."""
    vectors = clustered(2_000)
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    hnsw.add(vectors)
    faiss.write_index(hnsw, str(tmp_path / "dense.faiss"))
    loaded = DenseIndex.load(tmp_path / "dense.faiss", nprobe=64)
    assert loaded.approximate and loaded.spec == "HNSW16" and loaded.nprobe is None
    assert loaded.search(vectors[:3], 1)[1][:, 0].tolist() == [0, 1, 2]


def _manifest(index_dir: Path) -> dict:
    generation = (index_dir / "CURRENT").read_text().strip()
    return json.loads((index_dir / generation / "manifest.json").read_text())


def test_changed_ann_settings_rebuild_the_faiss_index_without_embedding(
    corpus, tmp_path, encoder, caplog
):
    index_dir = tmp_path / "index"
    first = Retriever.from_corpus(corpus, index_dir, RetrievalConfig(), encoder=encoder)
    assert _manifest(index_dir)["dense"] == "Flat"
    n = len(first)
    caplog.set_level(logging.INFO, logger="retrieval.index")
    again = Retriever.from_corpus(
        corpus, index_dir, RetrievalConfig(ann_threshold=5), encoder=encoder
    )
    assert again.embedded == 0 and len(again) == n
    assert again.info.dense == _manifest(index_dir)["dense"] == "IVF1,Flat"
    assert "nothing is re-embedded" in caplog.text
    assert again.search("Where is Pateo headquartered?").hits[0].source.startswith("000")
    # Only the query-time nprobe differs: the index is reused as it is.
    caplog.clear()
    same = Retriever.from_corpus(
        corpus, index_dir, RetrievalConfig(ann_threshold=5, ivf_nprobe=3), encoder=encoder
    )
    assert same.embedded == 0 and same.info.path == again.info.path
    assert "up to date" in caplog.text


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0
