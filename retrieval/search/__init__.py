"""Search: a question's dense and BM25 candidates, their fusion, re-ranking by best
sentence, the no-answer decision, and the hits returned.

``searcher`` runs a search, ``question`` normalises the question, ``fusion`` combines
the two rankings, ``rerank`` scores candidates by their best sentence, ``hits`` is
what a search returns, ``calibration`` the collection's no-answer threshold,
``spelling`` corrects misspelt words, ``language`` recognises other languages.
"""

from .calibration import Calibration
from .hits import Hit, SearchResult
from .language import language_name
from .question import Question, SearchContext, normalize_question
from .searcher import Ranking, Searcher
from .spelling import Correction

__all__ = [
    "Calibration",
    "Correction",
    "Hit",
    "Question",
    "Ranking",
    "SearchContext",
    "SearchResult",
    "Searcher",
    "language_name",
    "normalize_question",
]
