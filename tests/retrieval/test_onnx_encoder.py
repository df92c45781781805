"""The ONNX backends of the encoder (ONNX Runtime, and OpenVINO for indexing) against
torch, on the real model: the same vectors (question, passage, long passage read in
windows, sentence spans) for ``onnx``, close ones for ``onnx-int8``; the export is
cached; other models are refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from retrieval import ConfigError, Encoder, RetrievalConfig
from retrieval.encoder import resolve_model
from retrieval.onnx_encoder import OnnxModel, onnx_file

TEXTS = [
    "Who invested in Pateo?",
    "Pateo Connect+ develops in-car operating systems and connected-car software for "
    "carmakers; Xiaomi led its latest funding round.",
    # Longer than the model reads at once: encoded in windows.
    "The Zorblax 9000 is a purple research submarine built in Reykjavik in 2031. " * 40,
]
SPANS = [[(0, 22)], [(0, 60), (61, 118)], [(0, 76), (2000, 2076)]]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A per-user cache of the module's own (the export is made once here)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="module")
def torch_vectors() -> tuple[np.ndarray, np.ndarray]:
    """The reference: sentence-transformers on torch."""
    torch = Encoder(RetrievalConfig().model, backend="torch")
    return torch.encode_with_spans(TEXTS, SPANS, progress=False)


@pytest.mark.parametrize(("backend", "least"), [("onnx", 0.9999), ("onnx-int8", 0.98)])
def test_vectors_match_torch(
    cache: Path, torch_vectors: tuple[np.ndarray, np.ndarray], backend: str, least: float
) -> None:
    encoder = Encoder(RetrievalConfig().model, backend=backend)
    vectors, spans = encoder.encode_with_spans(TEXTS, SPANS, progress=False)
    reference, reference_spans = torch_vectors
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    assert np.min(np.sum(vectors * reference, axis=1)) >= least
    cosines = np.sum(spans.astype(np.float32) * reference_spans.astype(np.float32), axis=1)
    assert np.min(cosines) >= least - 0.002  # float16 storage of span vectors
    alone = encoder.encode(TEXTS[:1], progress=False)
    assert float(alone[0] @ reference[0]) >= least
    assert encoder.dimension == reference.shape[1]


def test_the_export_is_cached(cache: Path) -> None:
    folder = Path(resolve_model(RetrievalConfig().model))
    first = onnx_file(folder)
    stamp = first.stat().st_mtime_ns
    assert onnx_file(folder) == first and first.stat().st_mtime_ns == stamp
    assert first.is_relative_to(cache / "docqa" / "onnx")


def test_a_model_without_mean_pooling_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_Pooling").mkdir()
    modules = [
        {"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ]
    (tmp_path / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    pooling = {"word_embedding_dimension": 8, "pooling_mode_cls_token": True}
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling), encoding="utf-8")
    with pytest.raises(ConfigError, match="mean-pooled models only"):
        OnnxModel(str(tmp_path))
    with pytest.raises(ConfigError, match="encoder must be"):
        Encoder("x", backend="tensorflow")
    with pytest.raises(ConfigError, match="encoder must be"):
        RetrievalConfig(encoder="gpu")


def test_a_question_is_encoded_without_torch(cache: Path) -> None:
    """The onnx backend answers a question with numpy alone: importing torch and
    transformers was most of a cold start (1.6 s of 2.4)."""
    code = (
        "import sys; from retrieval import Encoder; "
        "e = Encoder('all-MiniLM-L6-v2', backend='onnx'); "
        "v = e.encode(['Who invested in Pateo?', 'word ' * 600], progress=False); "
        "assert v.shape == (2, 384), v.shape; "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
        "if m in sys.modules))"
    )
    onnx_file(Path(resolve_model(RetrievalConfig().model)))  # exported here, if not yet
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_onnx_indexes_on_openvino_and_answers_on_onnx_runtime(
    cache: Path, torch_vectors: tuple[np.ndarray, np.ndarray]
) -> None:
    # Passages in batches go through OpenVINO (2.4-2.8 x torch's speed here), questions
    # through ONNX Runtime (the fastest on one short text): the same graph, and vectors
    # within cosine 0.9999 of torch's either way (test_vectors_match_torch).
    encoder = Encoder(RetrievalConfig().model, backend="onnx")
    passages, questions = encoder.passage_model, encoder.model
    assert isinstance(passages, OnnxModel) and passages.runtime == "openvino"
    assert isinstance(questions, OnnxModel) and questions.runtime == "onnxruntime"
    on_openvino = passages.embed(TEXTS)
    on_onnx_runtime = questions.embed(TEXTS)
    assert on_openvino is not None and on_onnx_runtime is not None
    assert np.min(np.sum(on_openvino * on_onnx_runtime, axis=1)) >= 0.9999
    # (embed() cuts at what the model reads; against torch's windows: the first two.)
    assert np.min(np.sum(on_openvino[:2] * torch_vectors[0][:2], axis=1)) >= 0.9999


def test_openvino_serves_several_threads_at_once(cache: Path) -> None:
    # An OpenVINO infer request runs one call at a time: each thread gets its own.
    model = OnnxModel(resolve_model(RetrievalConfig().model), runtime="openvino")
    alone = [model.embed([text]) for text in TEXTS]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda text: model.embed([text]), TEXTS * 4))
    for n, vector in enumerate(together):
        assert vector is not None and np.allclose(vector, alone[n % len(TEXTS)], atol=1e-6)
