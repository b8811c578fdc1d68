"""The values a level: or type: filter can take: the known vocabulary plus what the index holds.

A value outside both can match nothing by construction, so it is an error that lists the valid
ones instead of an empty result. A known value the index happens not to hold is a valid query
with no hits. (region: is free text: a street may be missing from the data.)
"""

from __future__ import annotations

from collections import Counter

from govsearch.indexer import IndexReader
from govsearch.indexer.docmeta import DOC_TYPES, LEVELS
from govsearch.indexer.textnorm import normalize

from .query import Field, FilterValueError, Node, leaves


def _held(reader: IndexReader, name: str) -> Counter:
    values: Counter = Counter()
    for d in reader.docs:
        value = d.level if name == "level" else d.meta.get("type")
        if value:
            values[value] += 1
    return values


def _literal(value: str) -> str:
    """A value as text inside a FilterValueError reason (a format string: braces doubled)."""
    return value.replace("{", "{{").replace("}", "}}")


def _counts(held: Counter) -> str:
    ranked = sorted(held.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{_literal(v)} {n}" for v, n in ranked) if ranked else "none"


def _message(name: str, held: Counter, known: tuple[str, ...]) -> str:
    if name == "level":
        extra = [_literal(v) for v in sorted(held) if v not in known]
        return (
            f"not a level; use one of: {', '.join((*known, *extra))} (or 省级, 市级, 区县 …); "
            f"documents in this index: {_counts(held)}"
        )
    others = [v for v in known if v not in held]
    return (
        f"not a document type; documents in this index: {_counts(held)}; "
        f"other types: {', '.join(others)}"
    )


def check_filter_values(reader: IndexReader, node: Node) -> None:
    """Raise FilterValueError for a level: or type: value no document can have."""
    for f, _negated in leaves(node):
        if not isinstance(f, Field) or f.name not in ("level", "type"):
            continue
        value = normalize(f.value)
        held = _held(reader, f.name)
        known = LEVELS if f.name == "level" else DOC_TYPES
        valid = {normalize(v) for v in (*known, *held)}
        if value not in valid:
            raise FilterValueError(f.name, f.value, _message(f.name, held, known))
