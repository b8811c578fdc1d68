"""Errors raised by govsearch's library code: each message says what happened and what to do."""

from __future__ import annotations


class GovsearchError(Exception):
    """Base class: the message is shown to the user as it is, on one line."""

    #: Exit status the CLI uses for this kind of error.
    exit_code = 3


class UsageError(GovsearchError):
    """The caller asked for something malformed (bad query, bad option value)."""

    exit_code = 2


class QueryError(UsageError):
    """A malformed query."""


class IndexNotFound(GovsearchError):
    """No index at the given location."""


class IndexLocked(GovsearchError):
    """Another indexing run holds the index lock."""


class IndexUnwritable(GovsearchError):
    """The index directory cannot be created or written (permissions, a file in the way)."""


class IndexVersionError(GovsearchError):
    """The index was written by another schema version."""


class IndexCorrupt(GovsearchError):
    """The index files cannot be read."""


class IndexWriteError(GovsearchError):
    """The index could not be written (the disk is full); the previous generation stands."""


class DictionaryError(UsageError):
    """A user dictionary cannot be read."""


class ManifestError(UsageError):
    """A manifest file cannot be read."""


class MissingDependency(GovsearchError):
    """An optional package a call needs is not installed (the message names the extra)."""


class NotFound(GovsearchError):
    """An id that names no indexed document or paragraph."""

    exit_code = 1
