"""Ask questions of a news archive and get exact, attributed, genre-labelled quotes back."""

from .assistant import Assistant
from .config import Settings
from .corpus import read_articles
from .errors import CorpusError, IndexCorrupt, IndexMismatch, IndexNotBuilt, QAError
from .index import Index
from .models import Answer, Article, Quote, ReadResult, ReadWarning

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Article",
    "Assistant",
    "CorpusError",
    "Index",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotBuilt",
    "QAError",
    "Quote",
    "ReadResult",
    "ReadWarning",
    "Settings",
    "read_articles",
]
