"""Load → split: corpus files become documents (trees of titled sections), and
documents become passages.

``discover`` finds and hashes the files, ``formats/`` holds one reader per file type,
``clean`` the one set of text rules, ``sections`` builds a document's tree from a
reader's blocks, and ``split`` cuts the tree's paragraphs into passages.
"""

from .discover import SourceFile, discover
from .document import Block, BlockKind, Document, Paragraph, Section
from .formats import SUFFIXES, ReaderOptions, UnreadableFile
from .formats.base import MAX_FILE_BYTES
from .load import check_file, load_documents, read_documents
from .passage import SECTION_SEPARATOR, Passage
from .skips import SkipLog
from .split import split_document, split_text

__all__ = [
    "MAX_FILE_BYTES",
    "SECTION_SEPARATOR",
    "SUFFIXES",
    "Block",
    "BlockKind",
    "Document",
    "Paragraph",
    "Passage",
    "ReaderOptions",
    "Section",
    "SkipLog",
    "SourceFile",
    "UnreadableFile",
    "check_file",
    "discover",
    "load_documents",
    "read_documents",
    "split_document",
    "split_text",
]
