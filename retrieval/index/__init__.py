"""Embed → index: the persisted index of a corpus and the parts it is made of.

``layout`` is the on-disk format (generations, file names, format version),
``builder`` builds or updates it, ``reader`` opens it, ``dense`` is the FAISS part,
``lexical`` the BM25 part (bm25s) and its analyzer, ``store`` the passages in SQLite.
"""

from .builder import IndexBuilder
from .dense import DenseIndex
from .layout import FORMAT_VERSION, PLACE_COLUMNS, Manifest
from .lexical import Analyzer, LexicalIndex, QuestionTerms
from .reader import Index
from .store import PassageStore, SourceInfo

__all__ = [
    "FORMAT_VERSION",
    "PLACE_COLUMNS",
    "Analyzer",
    "DenseIndex",
    "Index",
    "IndexBuilder",
    "LexicalIndex",
    "Manifest",
    "PassageStore",
    "QuestionTerms",
    "SourceInfo",
]
