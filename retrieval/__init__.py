"""Hybrid (FAISS + BM25) passage retrieval over a document collection.

Typical use::

    from retrieval import Retriever

    retriever = Retriever.from_corpus("seeds/")
    result = retriever.search("What did Lei Jun say about 2019?")

Everything a caller needs is exported here; the sub-packages (``ingest``, ``index``,
``search``, ``evaluation``) are the pipeline's stages, not an API.
"""

from .config import RetrievalConfig
from .conversation import IDLE_SECONDS, Conversation, Turn
from .encoder import Encoder
from .errors import (
    ConfigError,
    CorpusError,
    IndexBusyError,
    IndexStateError,
    IndexWriteError,
    QuestionError,
    RetrievalError,
    WatchError,
)
from .index import SourceInfo
from .ingest import SECTION_SEPARATOR, SUFFIXES, Passage, UnreadableFile, check_file
from .logs import SERVICE_FORMAT, SHORT_FORMAT, configure_logging
from .retriever import IndexInfo, Retriever, default_corpus, default_index_dir
from .search import (
    Correction,
    Hit,
    Question,
    Ranking,
    SearchContext,
    SearchResult,
    language_name,
    normalize_question,
)
from .terminal import terminal_text
from .watch import CorpusWatcher, IndexChanges

__all__ = [
    "IDLE_SECONDS",
    "SECTION_SEPARATOR",
    "SERVICE_FORMAT",
    "SHORT_FORMAT",
    "SUFFIXES",
    "ConfigError",
    "Conversation",
    "CorpusError",
    "CorpusWatcher",
    "Correction",
    "Encoder",
    "Hit",
    "IndexBusyError",
    "IndexChanges",
    "IndexInfo",
    "IndexStateError",
    "IndexWriteError",
    "Passage",
    "Question",
    "QuestionError",
    "Ranking",
    "RetrievalConfig",
    "RetrievalError",
    "Retriever",
    "SearchContext",
    "SearchResult",
    "SourceInfo",
    "Turn",
    "UnreadableFile",
    "WatchError",
    "check_file",
    "configure_logging",
    "default_corpus",
    "default_index_dir",
    "language_name",
    "normalize_question",
    "terminal_text",
]
