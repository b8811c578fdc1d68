"""Occurrences of a series' terms, phrases and patterns in its matching paragraphs (trend).

Left to right, the longest term at each place, never overlapping, as `grep -o` and str.count
count; a pattern's matches are the ones its highlights mark. One-term series are counted on the
stored bytes; the others in one pass over the matching paragraphs' normalised text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from govsearch.indexer import IndexReader

from .patterns import matcher
from .query import Pattern, Phrase, Term, term_pattern


def counter(
    reader: IndexReader, terms: list[Term | Phrase | Pattern]
) -> Callable[[list[str]], int] | None:
    """Occurrences in a document's matching paragraphs (normalised): left to right, the longest
    term at each place, never overlapping (as `grep -o` and str.count count); a pattern's
    matches are the ones its highlights mark, and compete with the terms at each place."""
    if not terms:
        return None
    if len(terms) == 1 and isinstance(terms[0], Term):
        needle = terms[0].text
        # NUL never occurs in a term: joined, the paragraphs are counted in one call.
        return lambda parts: "\0".join(parts).count(needle)

    def length(t: Term | Phrase) -> int:
        return len(t.text) if isinstance(t, Term) else sum(map(len, t.parts))

    unique = list(dict.fromkeys(terms))
    literal = [t for t in unique if not isinstance(t, Pattern)]
    patterns = [matcher(reader, t) for t in unique if isinstance(t, Pattern)]
    patterns_ = [term_pattern(t).pattern for t in sorted(literal, key=length, reverse=True)]
    regex = re.compile("|".join(patterns_)) if patterns_ else None
    if not patterns:
        return lambda parts: sum(1 for _ in regex.finditer("\0".join(parts)))  # type: ignore[union-attr]
    if regex is None and len(patterns) == 1:
        only = patterns[0]
        return lambda parts: sum(len(only.spans(norm)) for norm in parts)

    def count(parts: list[str]) -> int:
        # A pattern is matched in each paragraph alone; the terms are looked for again from
        # where the last counted match ended, so none hidden by a match not counted is lost.
        total = 0
        for norm in parts:
            marked = sorted(
                (span for m in patterns for span in m.spans(norm)), key=lambda se: (se[0], -se[1])
            )
            pos, i = 0, 0
            while True:
                while i < len(marked) and marked[i][0] < pos:
                    i += 1
                found = regex.search(norm, pos) if regex is not None else None
                lit = found.span() if found else None
                pat = marked[i] if i < len(marked) else None
                if lit is None and pat is None:
                    break
                if pat is None or (lit is not None and (lit[0], -lit[1]) <= (pat[0], -pat[1])):
                    pos = lit[1]  # type: ignore[index]
                else:
                    pos, i = pat[1], i + 1
                total += 1
        return total

    return count


@dataclass
class Tally:
    """A series' matching paragraphs and its occurrences per document, once counted."""

    #: The matching paragraph ids (sorted).
    pids: np.ndarray
    #: Occurrences in a document's matching paragraphs (None: not counted).
    count: Callable[[list[str]], int] | None
    #: The series is one term: its occurrences are counted on the stored bytes directly.
    term: str | None = None
    occurrences: Counter = field(default_factory=Counter)


def count_batch(reader: IndexReader, batch: Sequence[Tally]) -> None:
    """Fill each pending series' per-document occurrences.

    A series of one term is counted on its paragraphs' stored bytes (TextFile.count: no
    decoding, no Python per occurrence). The others share one pass over the text: a series'
    matching paragraphs of one document are counted in one call (terms: joined with NUL, never
    inside a term; patterns: each paragraph alone), so the Python work grows with documents,
    not paragraphs.
    """
    numbers = reader.doc_numbers()
    owners: dict[int, list[int]] = {}
    for n, p in enumerate(batch):
        if p.count is not None and p.term is not None:
            counts = reader.texts().count(p.pids, p.term)
            per_doc = np.bincount(numbers[p.pids], weights=counts, minlength=len(reader.docs))
            nonzero = np.flatnonzero(per_doc)
            p.occurrences.update(dict(zip(nonzero.tolist(), per_doc[nonzero].astype(np.int64)
                                          .tolist(), strict=True)))  # fmt: skip
        elif p.count is not None:
            for pid in p.pids.tolist():
                owners.setdefault(pid, []).append(n)
    if not owners:
        return
    texts: dict[int, list[str]] = {}
    current = -1

    def flush() -> None:
        for n, parts in texts.items():
            p = batch[n]
            p.occurrences[current] += p.count(parts)  # type: ignore[misc]
        texts.clear()

    for pid, norm in reader.iter_norms(sorted(owners)):
        doc = numbers[pid]
        if doc != current:
            flush()
            current = doc
        for n in owners[pid]:
            parts = texts.get(n)
            if parts is None:
                texts[n] = [norm]
            else:
                parts.append(norm)
    flush()
