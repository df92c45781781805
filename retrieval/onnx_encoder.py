"""The model's forward pass on ONNX Runtime and OpenVINO instead of torch (``encoder:
onnx`` and ``onnx-int8``).

On a CPU, ONNX Runtime encodes a question about three times faster than eager torch
(fused attention, layer norms and GELUs; measured in the README's Performance
section). The ONNX graph is exported here from the model as installed (nothing is
downloaded), the first time it is needed, and cached in the per-user cache under a key
of the model files' names, sizes and modification times; ``onnx-int8`` adds dynamic
int8 quantisation of its weights (per channel). A question is then encoded without
importing torch at all (:meth:`OnnxModel.embed`); ``onnx`` indexes on OpenVINO, which
runs the same graph faster on batches of passages (see
:attr:`~retrieval.encoder.Encoder.passage_model`).

:class:`OnnxModel` also stands in for the ``SentenceTransformer`` that
:class:`~retrieval.encoder.Encoder` calls when indexing (span pooling): ``tokenizer``,
``max_seq_length``, the embedding size, and ``model(features)`` returning the token
embeddings and their mean (the sentence embedding, normalised by the caller). Only
mean-pooled models qualify (as all-MiniLM-L6-v2 and most sentence-transformers models
are); others are refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ConfigError

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

#: Names the way the graph is made (part of the cached file's name): a change here
#: exports anew instead of reusing an older graph.
EXPORT_VERSION = 2
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class OnnxModel:
    """A sentence-transformers model's transformer on ONNX Runtime, with mean pooling.

    Args:
        path: the model's folder (as sentence-transformers saves it).
        quantized: use int8 weights (dynamic quantisation).
        threads: intra-op threads (default: the machine's cores, as torch uses).
        runtime: ``"onnxruntime"``, or ``"openvino"`` (OpenVINO runs the same graph, in
            bfloat16 on CPUs that compute it natively: 2.4-2.8 x faster than torch on
            batches of passages, within cosine 0.99997 of its vectors; see the README's
            Performance section).

    Raises:
        ConfigError: the model is not a mean-pooled transformer, or cannot be exported.
    """

    def __init__(
        self,
        path: str,
        quantized: bool = False,
        threads: int | None = None,
        runtime: str = "onnxruntime",
    ) -> None:
        folder = Path(path)
        self.folder = folder
        self.pooling = _pooling(folder)
        self.max_seq_length = int(
            _read_json(folder / "sentence_bert_config.json", {}).get("max_seq_length", 256)
        )
        self._tokenizer: Any = None  # transformers' (imports torch): for spans only
        self._fast = _fast_tokenizer(folder, self.max_seq_length)
        threads = threads or os.cpu_count() or 1
        self.runtime = runtime
        if runtime == "openvino":
            self._infer: Any = _OpenVino(plain_onnx_file(folder), threads)
        elif runtime == "onnxruntime":
            self._infer = _OnnxRuntime(onnx_file(folder, quantized), threads)
        else:
            raise ValueError(f"unknown runtime {runtime!r}")
        self._inputs: list[str] = self._infer.inputs
        self.default_prompt_name = None

    def get_embedding_dimension(self) -> int:
        """The size of the vectors."""
        return int(self.pooling["word_embedding_dimension"])

    @property
    def tokenizer(self) -> Any:
        """transformers' tokenizer of the model (what the span pooling of indexing
        needs: character offsets, windows, torch tensors); loaded on first use."""
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(str(self.folder), local_files_only=True)
        return self._tokenizer

    def embed(self, texts: list[str]) -> np.ndarray | None:
        """The normalised mean-pooled vectors of ``texts``, each cut at what the model
        reads, with numpy alone: a question is encoded without importing torch or
        transformers (1.6 s of a cold start). None when the model ships no
        ``tokenizer.json`` for the fast tokenizer (then :meth:`__call__` serves)."""
        if self._fast is None:
            return None
        encodings = self._fast.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        tokens = self._infer({name: feeds[name] for name in self._inputs})
        mask = feeds["attention_mask"][..., None].astype(tokens.dtype)
        mean = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
        return np.asarray(mean / norms, dtype=np.float32)

    def __call__(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The token embeddings and their masked mean, as the torch model returns them
        (the caller normalises)."""
        import torch

        feeds = {name: features[name].numpy().astype(np.int64) for name in self._inputs}
        tokens = torch.from_numpy(self._infer(feeds))
        mask = features["attention_mask"].unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return {"token_embeddings": tokens, "sentence_embedding": mean, **features}


class _OnnxRuntime:
    """The graph on ONNX Runtime: token embeddings of a batch of token ids. One session
    serves concurrent calls (ONNX Runtime's ``run`` is thread-safe)."""

    def __init__(self, file: Path, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.log_severity_level = 3  # warnings about unused initialisers are not ours
        self.session = onnxruntime.InferenceSession(
            str(file), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]

    def __call__(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        return np.asarray(self.session.run(None, feeds)[0])


class _OpenVino:
    """The graph on OpenVINO (the unfused graph: ONNX Runtime's fused kernels are its
    own), at the precision OpenVINO chooses for the CPU: bfloat16 where the CPU computes
    it natively (AMX, AVX512-BF16), else fp32. An infer request serves one call at a
    time, so each thread has its own."""

    def __init__(self, file: Path, threads: int) -> None:
        import openvino

        core = openvino.Core()
        self.compiled = core.compile_model(
            core.read_model(str(file)),
            "CPU",
            {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads},
        )
        self.inputs = [port.get_any_name() for port in self.compiled.inputs]
        self._requests = threading.local()

    def __call__(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self.compiled.create_infer_request()
        request.infer(feeds)
        # Copied: the request reuses its output buffer on its next call.
        return np.array(request.get_output_tensor(0).data, copy=True)


def _fast_tokenizer(folder: Path, max_length: int) -> Any:
    """The model's ``tokenizer.json`` in the ``tokenizers`` library, truncating at
    ``max_length`` and padding to the longest text, as transformers' tokenizer is
    called for a question (None if the model has no such file)."""
    path = folder / "tokenizer.json"
    if not path.is_file():
        return None
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=max_length)
    config = _read_json(folder / "tokenizer_config.json", {})
    pad_token = str(config.get("pad_token", "[PAD]"))
    pad_id = tokenizer.token_to_id(pad_token)
    tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=pad_token)
    return tokenizer


def _graphs(folder: Path) -> tuple[Path, Path]:
    """Where the cached graphs of the model in ``folder`` are: the fused one (ONNX
    Runtime's kernels) and the plain one (what OpenVINO and the int8 quantiser read),
    both exported the first time.

    Raises:
        ConfigError: they cannot be exported.
    """
    cache = _cache_dir(folder)
    fused = cache / f"model-{EXPORT_VERSION}.onnx"
    plain = cache / f"model-{EXPORT_VERSION}-plain.onnx"
    if not fused.exists() or not plain.exists():
        _export(folder, fused, plain)
    return fused, plain


def plain_onnx_file(folder: Path) -> Path:
    """The cached unfused ONNX graph of the model in ``folder`` (exported the first
    time): what OpenVINO and the int8 quantiser read.

    Raises:
        ConfigError: it cannot be exported.
    """
    return _graphs(folder)[1]


def onnx_file(folder: Path, quantized: bool = False) -> Path:
    """The cached ONNX graph of the model in ``folder`` (exported, and quantised, the
    first time).

    Raises:
        ConfigError: it cannot be exported.
    """
    fp32, plain = _graphs(folder)
    cache = fp32.parent
    if not quantized:
        return fp32
    # Per-channel weights: per-tensor ones gave cosines to torch's vectors of 0.93-0.97
    # on the dev questions and seeds, per-channel 0.986-0.997 (median 0.994).
    int8 = cache / f"model-{EXPORT_VERSION}-int8-per-channel.onnx"
    if not int8.exists():
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        logger.info("quantising the ONNX model to int8 (once)")
        with tempfile.TemporaryDirectory(dir=cache) as work:
            staged = Path(work) / "model.onnx"
            # From the plain graph: the quantiser cannot type the fused kernels' outputs,
            # nor some of eager attention's reshapes without a default type.
            quantize_dynamic(
                str(plain),
                str(staged),
                weight_type=QuantType.QInt8,
                per_channel=True,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
            os.replace(staged, int8)
    return int8


def _export(folder: Path, target: Path, plain_target: Path) -> None:
    """Exports the model's transformer (token embeddings out) with torch's ONNX
    exporter, to ``plain_target`` as exported and to ``target`` fused; each file
    appears whole or not at all."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars: not the user's
    logger.info("exporting the model to ONNX (once; cached in %s)", target.parent)
    try:
        # Eager attention exports the classic attention pattern, which ONNX Runtime's
        # optimiser fuses into its Attention kernel; the default (SDPA) exports a graph
        # it cannot fuse, 1.4 x slower on batches of passages.
        model = SentenceTransformer(
            str(folder),
            device="cpu",
            local_files_only=True,
            model_kwargs={"attn_implementation": "eager"},
        ).eval()
        transformer = model[0].auto_model
    except Exception as exc:  # the library raises many types for a bad model
        raise ConfigError(f"cannot load the model to export it: {exc}") from exc

    class TokenEmbeddings(torch.nn.Module):  # type: ignore[misc]  # torch is untyped here
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.transformer(**dict(zip(names, inputs, strict=True))).last_hidden_state

    sample = model.tokenizer(
        ["an example", "a second, longer example"], return_tensors="pt", padding=True
    )
    names = [n for n in _INPUTS if n in sample]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "token_embeddings"]}
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        staged = Path(work) / "model.onnx"
        try:
            # The exporter's tracer warnings are about Python control flow in the
            # model's code that does not depend on the inputs' values: not the user's.
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    TokenEmbeddings().eval(),
                    tuple(sample[n] for n in names),
                    str(staged),
                    input_names=names,
                    output_names=["token_embeddings"],
                    dynamic_axes=axes,
                    opset_version=17,
                    dynamo=False,
                )
        except Exception as exc:
            raise ConfigError(f"cannot export the model to ONNX: {exc}") from exc
        plain = Path(work) / "plain.onnx"
        shutil.copyfile(staged, plain)
        _fuse(staged, transformer.config)
        # Each file appears whole (another process may be exporting too).
        os.replace(plain, plain_target)
        os.replace(staged, target)


def _fuse(path: Path, config: Any) -> None:
    """Fuses the graph's attention, layer norms and GELUs into ONNX Runtime's kernels
    (``onnxruntime.transformers``, for BERT-like models), in place. A model it does not
    know keeps its plain graph, which gives the same vectors, only slower."""
    from onnxruntime.transformers import optimizer

    heads = int(getattr(config, "num_attention_heads", 0))
    hidden = int(getattr(config, "hidden_size", 0))
    try:
        fused = optimizer.optimize_model(
            str(path), model_type="bert", num_heads=heads, hidden_size=hidden
        )
        fused.save_model_to_file(str(path))
    except Exception as exc:  # an unknown architecture: keep the plain graph
        logger.info("ONNX graph left unfused (%s)", exc)


def _pooling(folder: Path) -> dict[str, Any]:
    """The model's pooling settings, if it is a transformer with mean pooling (and
    optionally a normalisation) and nothing else."""
    modules = _read_json(folder / "modules.json", [])
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ConfigError(
            f"the onnx encoder runs transformer + mean pooling models; this one is {kinds}: "
            "use encoder 'torch'"
        )
    pooling_path = folder / str(modules[1].get("path", "1_Pooling")) / "config.json"
    pooling: dict[str, Any] = _read_json(pooling_path, {})
    if not pooling.get("pooling_mode_mean_tokens") or any(
        v
        for k, v in pooling.items()
        if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    ):
        raise ConfigError("the onnx encoder runs mean-pooled models only: use encoder 'torch'")
    return pooling


def _cache_dir(folder: Path) -> Path:
    """A per-user cache folder for the model, keyed by its files (names, sizes and
    modification times): an updated model is exported anew."""
    stamp = hashlib.blake2b(digest_size=8)
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        info = file.stat()
        stamp.update(f"{file.relative_to(folder)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = cache / "docqa" / "onnx" / f"{folder.name}-{stamp.hexdigest()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default
