"""The evaluation harness: question sets with answer phrases (``evaluate``), BEIR
folders (``beir``), dialogues and question variants (``dialogues``), and the ranking
metrics they use (``metrics``)."""

from .beir import RANKERS, BeirError, evaluate_beir
from .dialogues import (
    EvalFile,
    evaluate_dialogues,
    evaluate_variants,
    read_dialogues,
    read_variants,
)
from .evaluate import EvalItem, EvalSetError, evaluate, is_hit, read_eval_set

__all__ = [
    "RANKERS",
    "BeirError",
    "EvalFile",
    "EvalItem",
    "EvalSetError",
    "evaluate",
    "evaluate_beir",
    "evaluate_dialogues",
    "evaluate_variants",
    "is_hit",
    "read_dialogues",
    "read_eval_set",
    "read_variants",
]
