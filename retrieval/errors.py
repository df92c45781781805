"""Errors the retrieval layer raises; each carries a one-line, user-facing message."""


class RetrievalError(Exception):
    """Base class of every error the retrieval layer raises on purpose."""


class ConfigError(RetrievalError):
    """A setting has an invalid value."""


class CorpusError(RetrievalError):
    """The corpus path is missing or holds no readable document."""


class IndexStateError(RetrievalError):
    """The persisted index is missing, damaged or incompatible."""


class QuestionError(RetrievalError):
    """The question cannot be searched (e.g. it is empty)."""


class IndexWriteError(RetrievalError):
    """The index cannot be written (no space left, a read-only folder); the previous
    index is unchanged."""


class IndexBusyError(IndexWriteError):
    """Another process is writing the index, and the caller asked not to wait."""


class WatchError(RetrievalError):
    """The corpus cannot be watched for changes (e.g. the system's limit of watched
    folders is reached)."""
