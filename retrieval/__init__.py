"""Hybrid (FAISS + BM25) passage retrieval over a document collection.

Typical use::

    from retrieval import Retriever

    retriever = Retriever.from_corpus("seeds/")
    result = retriever.search("What did Lei Jun say about 2019?")
"""

from .config import RetrievalConfig
from .errors import ConfigError, CorpusError, IndexStateError, QuestionError, RetrievalError
from .hits import Hit, SearchResult
from .retriever import Retriever, default_corpus, default_index_dir
from .store import SourceInfo

__all__ = [
    "ConfigError",
    "CorpusError",
    "Hit",
    "IndexStateError",
    "QuestionError",
    "RetrievalConfig",
    "RetrievalError",
    "Retriever",
    "SearchResult",
    "SourceInfo",
    "default_corpus",
    "default_index_dir",
]
