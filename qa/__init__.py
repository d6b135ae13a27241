"""Ask questions of a news archive and get exact, attributed, genre-labelled quotes back."""

from .config import Settings
from .corpus import read_articles
from .errors import CorpusError, IndexCorrupt, IndexMismatch, IndexNotBuilt, QAError
from .index import Index
from .models import Article, ReadResult, ReadWarning

__version__ = "0.1.0"

__all__ = [
    "Article",
    "CorpusError",
    "Index",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotBuilt",
    "QAError",
    "ReadResult",
    "ReadWarning",
    "Settings",
    "read_articles",
]
