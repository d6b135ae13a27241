"""Ask questions of a news archive and get exact, attributed, genre-labelled quotes back."""

from .assistant import Assistant
from .chat import Conversation, Turn
from .config import Settings
from .errors import CorpusError, IndexCorrupt, IndexMismatch, IndexNotBuilt, QAError
from .ingest.corpus import read_articles
from .models import Answer, Article, Filters, Quote, ReadResult, ReadWarning, Source
from .search.index import Index

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Article",
    "Assistant",
    "Conversation",
    "CorpusError",
    "Filters",
    "Index",
    "IndexCorrupt",
    "IndexMismatch",
    "IndexNotBuilt",
    "QAError",
    "Quote",
    "ReadResult",
    "ReadWarning",
    "Settings",
    "Source",
    "Turn",
    "read_articles",
]
