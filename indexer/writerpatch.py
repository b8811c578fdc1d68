"""A speed-up for Whoosh's segment writer (whoosh-reloaded 2.7.5 is frozen code we patch).

While writing postings, Whoosh looks up the document's field length for every posting by
seeking and reading in the lengths column: about a fifth of a build. The lengths of one
document are asked for once per posting, so a small cache in front of them does the same
work once per document and field.
"""

from __future__ import annotations

from whoosh.codec import base


class _CachedLengths:
    """Remembers doc_field_length answers of the wrapped per-document reader."""

    def __init__(self, lengths):
        self._lengths = lengths
        self._cache: dict[tuple[int, str], int] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        key = (docnum, fieldname)
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = self._lengths.doc_field_length(docnum, fieldname, default)
        return value

    def __getattr__(self, name: str):
        return getattr(self._lengths, name)


_original_add_postings = base.FieldWriter.add_postings


def _add_postings(self, schema, lengths, items):
    return _original_add_postings(self, schema, _CachedLengths(lengths) if lengths else None, items)


def install() -> None:
    """Apply the patch (idempotent)."""
    if base.FieldWriter.add_postings is not _add_postings:
        base.FieldWriter.add_postings = _add_postings
