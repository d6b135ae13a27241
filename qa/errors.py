"""Errors raised by the library; the CLI and the app turn them into messages."""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error the library raises on purpose."""


class CorpusError(QAError):
    """A corpus file or record could not be read; the message names the file and line."""


class GenreModelError(QAError):
    """The shipped genre classifier is missing or damaged."""


class ModelNotFound(QAError):
    """An embedding model named by the user is neither a local folder nor in the local cache."""


class IndexNotBuilt(QAError):
    """No index exists at the given directory."""


class IndexMismatch(QAError):
    """The index was built with another format version, model or settings than asked for."""


class IndexCorrupt(QAError):
    """A file of the index is missing, truncated or damaged; the message names it."""


class IndexBusy(QAError):
    """Another build holds the index's lock."""


class EmptyQuestion(QAError):
    """The question has no words to search for."""


class IndexWriteError(QAError):
    """Writing a new index version failed (a full disk, a read-only folder); the previous index is unchanged."""


class ReaderModelError(QAError):
    """The reader model is missing, damaged or not a model folder; the message names the file."""


class DatabaseError(QAError):
    """The PostgreSQL server cannot be reached or refused a statement; the message never holds a password."""
