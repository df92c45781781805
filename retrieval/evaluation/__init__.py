"""The evaluation harness: question sets with answer phrases (``evaluate``), BEIR
folders (``beir``), and the ranking metrics both use (``metrics``)."""

from .beir import RANKERS, BeirError, evaluate_beir
from .evaluate import EvalItem, EvalSetError, evaluate, is_hit, read_eval_set

__all__ = [
    "RANKERS",
    "BeirError",
    "EvalItem",
    "EvalSetError",
    "evaluate",
    "evaluate_beir",
    "is_hit",
    "read_eval_set",
]
