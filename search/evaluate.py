"""Stage 2, evaluate: a query tree to the exact set of matching paragraph ids.

Terms are found through the character and pair postings (grams.flat) and confirmed on the
normalised text; phrases are confirmed with their pattern; wildcards and regular expressions
through the strings they must contain (patterns.py); filters scan per-document columns
built once per index generation (DocColumns); AND, OR and NOT are set algebra over sorted
arrays (pidsets.py). Hands on a sorted numpy array of paragraph ids, before folding.
"""

from __future__ import annotations

import re

import numpy as np

from govsearch.indexer import DocInfo, IndexReader, QueryError
from govsearch.indexer.analysis import gram_key, query_grams
from govsearch.indexer.docmeta import normalize_docno
from govsearch.indexer.textnorm import normalize

from . import pidsets
from .patterns import pattern_pids
from .query import And, Field, Node, Not, Or, Pattern, Phrase, Term, term_pattern

# Below this many candidates a term is checked against the text without more posting lists.
VERIFY_DIRECTLY = 256
# Suffixes dropped from each level's name so that 广东深圳 finds 广东省 › 深圳市.
_UNIT_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|省|市|区|县)$")


class Evaluator:
    """Turns a query tree into the exact set of matching paragraph ids (a sorted array)."""

    def __init__(self, reader: IndexReader):
        self.r = reader

    def universe(self) -> np.ndarray:
        return self.r.all_pids()

    def term(self, text: str) -> np.ndarray:
        return self.r.cached_query(("term", text), lambda: self._term(text))

    def _term(self, text: str) -> np.ndarray:
        grams = self.r.grams()
        found = grams.find_many([gram_key(g) for g in query_grams(text)])
        if not found.size or bool(np.any(found < 0)):
            return pidsets.EMPTY  # a gram that never occurs: nothing can match
        # Shortest lists first: the intersection shrinks fastest.
        order = sorted(found.tolist(), key=lambda i: int(grams.counts[i]))
        pids = grams.pids(order[0])
        for i in order[1:]:
            # Once few candidates remain, reading the text is cheaper than decoding long
            # lists (the pairs of 2020年 include 20 and 02, in a third of all paragraphs).
            if not pids.size or (len(text) > 2 and pids.size <= VERIFY_DIRECTLY):
                break
            pids = pidsets.intersect(pids, grams.pids(i))
        if len(text) > 2 and pids.size:
            # Pairs only prove that the pieces occur somewhere; the substring check decides.
            pids = pids[self.r.texts().containing(pids, text)]
        return pids

    def phrase(self, node: Phrase) -> np.ndarray:
        candidates = self.term(node.parts[0])
        for part in node.parts[1:]:
            candidates = pidsets.intersect(candidates, self.term(part))
        return candidates[self.r.texts().matching(candidates, term_pattern(node))]

    def pattern(self, node: Pattern) -> np.ndarray:
        """Paragraphs a wildcard or regular expression matches (search/patterns.py)."""
        return pattern_pids(self.r, node, self.term)

    def docs_in(self, wanted: np.ndarray) -> np.ndarray:
        """Paragraphs of the documents marked in a boolean array over documents."""
        pids = self.r.all_pids()
        return pids[wanted[self.r.doc_numbers()[pids]]]

    def field(self, f: Field) -> np.ndarray:
        key = ("field", f.name, f.value, f.low, f.high)
        return self.r.cached_query(key, lambda: self._field(f))

    def _field(self, f: Field) -> np.ndarray:
        # Each filter is one pass over a per-document column built once per index generation
        # (doc_columns), not a Python call per document: 11,000 documents at 30× the corpus.
        value = normalize(f.value)
        columns = doc_columns(self.r)
        if f.name == "year":
            low = f.low if f.low is not None else -(10**9)
            high = f.high if f.high is not None else 10**9
            years = columns.years
            return self.docs_in((years >= low) & (years <= high) & (years != NO_YEAR))
        if f.name == "region":
            # Documents at or below a place: a name (深圳, 深圳市, 广东省深圳市) or an adcode
            # (440300). A name matches when it occurs in the region as the document gives it
            # or in its path (广东省深圳市坪山区坪山街道, or 广东深圳坪山坪山街道), so region:深圳
            # finds every document under 深圳市 and region:坪山 still finds 坪山街道. A value
            # that names no place matches nothing (a street may be absent from the gazetteer).
            # Full-width digits (４４０３００) are a code too: normalised like every value.
            raw = normalize(re.sub(r"\s+", "", f.value))
            if raw.isascii() and raw.isdigit() and len(raw) in (2, 4, 6, 9, 12):
                adcodes = columns.adcodes
                return self.docs_in(
                    (adcodes != "") & np.char.startswith(adcodes, significant_code(raw))
                )
            return self.docs_in(columns.regions.containing(raw))
        if f.name == "title":
            return self.docs_in(columns.titles.containing(value))
        if f.name == "level":
            return self.docs_in(columns.levels.equal(value))
        if f.name == "type":
            return self.docs_in(columns.types.equal(value))
        if f.name == "docno":
            return self.docs_in(columns.docnos.containing(normalize_docno(f.value)))
        if f.name == "date":
            low, high = f.low or "0000", f.high or "9999"
            dates = columns.dates
            return self.docs_in((dates != "") & (dates >= low) & (dates <= high))
        if f.name == "section":
            return self.r.section_pids(value)
        raise QueryError(f"unknown field '{f.name}:'")  # make_field already refuses these

    def eval(self, node: Node) -> np.ndarray:
        if isinstance(node, Term):
            return self.term(node.text)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Pattern):
            return self.pattern(node)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            return pidsets.difference(self.universe(), self.eval(node.child))
        if isinstance(node, Or):
            out = pidsets.EMPTY
            for child in node.children:
                out = pidsets.union(out, self.eval(child))
            return out
        if isinstance(node, And):
            wanted = [c for c in node.children if not isinstance(c, Not)]
            unwanted = [c.child for c in node.children if isinstance(c, Not)]
            # Rarest first keeps the intersections small.
            sets = sorted((self.eval(c) for c in wanted), key=len)
            result = sets[0] if sets else self.universe()
            for s in sets[1:]:
                result = pidsets.intersect(result, s)
            for c in unwanted:
                if not result.size:
                    break
                result = pidsets.difference(result, self.eval(c))
            return result
        raise TypeError(node)


def significant_code(code: str) -> str:
    """An adcode without its trailing zero levels: 440300 → 4403, 440310001000 → 440310001."""
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 6:
        while len(code) > 2 and code.endswith("00"):
            code = code[:-2]
    return code


def region_keys(d) -> tuple[str, ...]:
    """What region: compares against: the name as given, the path, the path in short forms."""
    return (
        normalize(d.region or ""),
        normalize("".join(d.region_path)),
        normalize("".join(_UNIT_SUFFIX.sub("", name) or name for name in d.region_path)),
    )


#: Year of a document without one, in DocColumns.years.
NO_YEAR = -(2**31)


class DocStrings:
    """One string per document (or a few, as a tuple), searched for all documents at once."""

    def __init__(self, values: list[str | tuple[str, ...]]):
        self._values = [v if isinstance(v, str) else None for v in values]
        # NUL joins everything: a needle never holds one, so no match spans two strings.
        parts = ["\0".join(v) if isinstance(v, tuple) else v for v in values]
        self._joined = "\0".join(parts)
        lengths = np.fromiter((len(p) + 1 for p in parts), np.int64, len(parts))
        self._starts = np.cumsum(lengths) - lengths
        self._count = len(parts)

    def containing(self, needle: str) -> np.ndarray:
        """Boolean per document: whether one of its strings contains needle."""
        out = np.zeros(self._count, dtype=bool)
        if "\0" in needle:
            return out
        if not needle:
            out[:] = True
            return out
        at = [m.start() for m in re.finditer(re.escape(needle), self._joined)]
        if at:
            out[np.searchsorted(self._starts, at, side="right") - 1] = True
        return out

    def equal(self, value: str) -> np.ndarray:
        """Boolean per document: whether its string is value."""
        return np.fromiter((v == value for v in self._values), bool, self._count)


class DocColumns:
    """Per-document filter columns of one index generation (see doc_columns)."""

    def __init__(self, docs: list[DocInfo]):
        self.years = np.array([NO_YEAR if d.year is None else d.year for d in docs], np.int64)
        self.adcodes = np.array([significant_code(d.adcode) if d.adcode else "" for d in docs], str)
        self.regions = DocStrings([region_keys(d) for d in docs])
        self.titles = DocStrings([normalize(d.title or "") for d in docs])
        self.levels = DocStrings([normalize(d.level or "") for d in docs])
        self.types = DocStrings([normalize(d.meta.get("type") or "") for d in docs])
        self.docnos = DocStrings([d.meta.get("docno_key") or "" for d in docs])
        self.dates = np.array(
            [date_start(d.meta["date"]) if d.meta.get("date") else "" for d in docs], str
        )


def doc_columns(reader: IndexReader) -> DocColumns:
    """The filter columns of a reader's documents, built once per generation."""
    return reader.cached("doc_columns", lambda: DocColumns(reader.docs))


def date_start(date: str) -> str:
    return date if len(date) == 10 else date + "-01" if len(date) == 7 else date + "-01-01"
