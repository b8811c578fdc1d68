"""Stage 2 for patterns: which paragraphs a wildcard or regular expression matches, and where.

A pattern's plan (patternplan.py) says what every match contains; those strings' paragraphs,
found through the literal index, are the candidates, and only they are read and matched with
the compiled expression, under a time limit. Where the plan knows every string the pattern can
match (*长制 can only match around 长制), no text is read at all.

Matches are leftmost and non-overlapping, as re.finditer finds them in the normalised text. A
`*` at either end of a wildcard then completes the word the match stands in, as the index's
segmenter (jieba search mode, the index's dictionary) cuts the paragraph: the match of *长制 in
全面落实河长制 is 河长制 and in 落实河湖长制 河湖长制, because 河长制 and 河湖长制 are the words
there; the extension covers letters, digits and Han characters only, MAX_STAR of them at most.

`spans(reader, units, norm)` and `query_spans(reader, node, norm)` give the matches of query
units or a whole query in a normalised text (for highlights, kwic and the like);
`pattern_pids` the matching set; `matched_strings` what a pattern matched, for ranking and for
variants.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from govsearch.indexer import IndexReader, QueryError
from govsearch.indexer.analysis import builtin_dictionary, gram_key, query_grams, segmenter
from govsearch.indexer.textnorm import find_all, merge_spans

from . import pidsets
from .patternplan import ANYTHING, MAX_STAR, AllOf, AnyOf, Lit, Need, Plan, describe
from .query import Alternatives, Pattern, Phrase, Term, plan_of, positive_terms, term_pattern

#: Seconds of matching a pattern may take over the whole index before the query is refused.
TIME_LIMIT = 5.0
#: Paragraphs matched in one call of the expression (joined, see Plan.separator).
BATCH = 2048
#: Below this many candidates, the remaining required strings are not looked up: reading the
#: text is cheaper.
VERIFY_DIRECTLY = 256
#: A required string whose paragraphs outnumber the candidates this many times is not looked up.
SKIP_FACTOR = 16
#: Ranking treats a pattern as its RANK_STRINGS most frequent matched strings typed with OR,
#: counted on at most RANK_SAMPLE of its paragraphs, evenly spaced.
RANK_STRINGS = 32
RANK_SAMPLE = 500
#: Characters the segmenter may put in one word with letters and digits (jieba's blocks):
#: a window of these around a match is segmented as the whole paragraph would be.
_BLOCK_EXTRA = frozenset("+#&._%-")

Term_ = Callable[[str], np.ndarray]


class PatternTimeout(QueryError):
    """A pattern took longer than the time limit."""


def time_limit() -> float:
    """The time limit in seconds (GOVSEARCH_PATTERN_SECONDS, default TIME_LIMIT)."""
    raw = os.environ.get("GOVSEARCH_PATTERN_SECONDS", "")
    try:
        return float(raw) if raw.strip() else TIME_LIMIT
    except ValueError:
        return TIME_LIMIT


def _shown(plan: Plan) -> str:
    return f"/{plan.source}/" if plan.regex else plan.source


def _timeout(plan: Plan, limit: float | None = None) -> PatternTimeout:
    limit = time_limit() if limit is None else limit
    return PatternTimeout(
        f"{_shown(plan)} took longer than {limit:g} s to match on this index (catastrophic "
        "backtracking, or too little to look for): make it more specific, e.g. add the "
        "characters around it"
    )


# -- the segmenter's words around a match --------------------------------------------------


def index_segmenter(reader: IndexReader):
    """The segmenter the index was built with (policy dictionary plus its user words)."""

    def make():
        user = tuple(tuple(w) for w in reader.meta.get("user_dictionary", []))
        return segmenter(builtin_dictionary() + user)  # type: ignore[arg-type]

    return reader.cached("segmenter", make)


def _in_block(ch: str) -> bool:
    return ch.isalnum() or ch in _BLOCK_EXTRA


class _Words:
    """Segmenter words of one paragraph, cut window by window as matches ask for them."""

    def __init__(self, seg, norm: str):
        self.seg, self.norm = seg, norm
        self.windows: dict[int, list[tuple[int, int]]] = {}

    def covering(self, at: int) -> list[tuple[int, int]]:
        """(start, end) of the words that hold the character at `at`."""
        norm = self.norm
        if not _in_block(norm[at]):
            return []
        start = at
        while start > 0 and _in_block(norm[start - 1]):
            start -= 1
        words = self.windows.get(start)
        if words is None:
            end = at + 1
            while end < len(norm) and _in_block(norm[end]):
                end += 1
            # Text outside the window cannot change its words: the segmenter cuts the
            # paragraph into blocks at every character that is not a letter or digit first.
            words = [(s + start, e + start) for _w, s, e in self.seg.tokenize(norm[start:end])]
            self.windows[start] = words
        return [(s, e) for s, e in words if s <= at < e]


def _complete(norm: str, spans: list[tuple[int, int]], plan: Plan, seg) -> list[tuple[int, int]]:
    """Edge stars applied: each match widened to the words at its ends, never overlapping."""
    words = _Words(seg, norm)
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if plan.lead_star:
            start = min((a for a, _b in words.covering(s)), default=s)
            start = max(start, s - MAX_STAR, out[-1][1] if out else 0)
            while start < s and not norm[start:s].isalnum():
                start += 1
            s = start
        if plan.trail_star:
            end = max((b for _a, b in words.covering(e - 1)), default=e)
            end = min(end, e + MAX_STAR)
            while end > e and not norm[e:end].isalnum():
                end -= 1
            e = end
        if out and s < out[-1][1]:
            continue
        out.append((s, e))
    return out


# -- matching --------------------------------------------------------------------------------


class Matcher:
    """A pattern's matches in normalised texts (leftmost, non-overlapping, stars applied)."""

    def __init__(self, reader: IndexReader | None, plan: Plan):
        self.plan = plan
        self.compiled = plan.compiled()
        self._reader = reader
        self._seg = None

    def _segmenter(self):
        if self._seg is None:
            if self._reader is not None:
                self._seg = index_segmenter(self._reader)
            else:
                self._seg = segmenter(builtin_dictionary())
        return self._seg

    def core(
        self, norm: str, timeout: float | None = None, first_only: bool = False
    ) -> list[tuple[int, int]]:
        """The expression's own matches, without the edge stars (the first one only)."""
        try:
            if first_only:
                found = self.compiled.search(norm, timeout=timeout)
                return [found.span()] if found else []
            return [m.span() for m in self.compiled.finditer(norm, timeout=timeout)]
        except TimeoutError:
            raise _timeout(self.plan) from None

    def batch(
        self, joined: str, starts: list[int], deadline: float, first_only: bool
    ) -> dict[int, list[tuple[int, int]]]:
        """Matches in paragraphs joined by the plan's separator (`starts`: where each begins),
        by paragraph number, as offsets into the paragraph."""
        rx = self.plan.first_compiled() if first_only else self.plan.batch_compiled()
        out: dict[int, list[tuple[int, int]]] = {}
        try:
            for found in rx.finditer(joined, timeout=max(deadline - time.monotonic(), 0)):
                s, e = found.span()
                k = bisect_right(starts, s) - 1
                if first_only:
                    # The match ran on to the paragraph's end; the expression's own end is
                    # not needed to know that the paragraph matches.
                    out[k] = [(s - starts[k], s - starts[k])]
                else:
                    out.setdefault(k, []).append((s - starts[k], e - starts[k]))
            return out
        except TimeoutError:
            raise _timeout(self.plan) from None

    def spans(self, norm: str, timeout: float | None = None) -> list[tuple[int, int]]:
        """Every match in a normalised text, as [start, end) offsets."""
        if timeout is None:
            timeout = time_limit()
        found = self.core(norm, timeout)
        if found and (self.plan.lead_star or self.plan.trail_star):
            found = _complete(norm, found, self.plan, self._segmenter())
        return found

    def complete(self, norm: str, core: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Core matches with the edge stars applied."""
        if core and (self.plan.lead_star or self.plan.trail_star):
            return _complete(norm, core, self.plan, self._segmenter())
        return core


def matcher(reader: IndexReader | None, node: Pattern) -> Matcher:
    """The matcher of a pattern (one per reader and pattern)."""
    if reader is None:
        return Matcher(None, plan_of(node))
    return reader.cached(("matcher", node), lambda: Matcher(reader, plan_of(node)))


def spans(
    reader: IndexReader | None, units: Iterable[Term | Phrase | Pattern | Alternatives], norm: str
) -> list[tuple[int, int]]:
    """Every match of these query units in a normalised text, merged where they overlap.

    A term's occurrences may overlap each other (all are marked); a pattern's are leftmost and
    non-overlapping.
    """
    found: list[tuple[int, int]] = []
    for unit in units:
        if isinstance(unit, Term):
            found.extend(find_all(norm, unit.text))
        elif isinstance(unit, Pattern):
            found.extend(matcher(reader, unit).spans(norm))
        else:
            found.extend(m.span() for m in term_pattern(unit).finditer(norm))
    return merge_spans(found)


def query_spans(reader: IndexReader | None, node, norm: str) -> list[tuple[int, int]]:
    """The matches of a query tree's positive terms, phrases and patterns in a normalised text
    (what a hit highlights, before mapping to the source characters)."""
    return spans(reader, positive_terms(node), norm)


def scan(
    reader: IndexReader,
    m: Matcher,
    pids: np.ndarray,
    deadline: float,
    limit: float,
    first_only: bool = False,
) -> Iterator[tuple[int, str, list[tuple[int, int]]]]:
    """(pid, normalised text, core matches) of the paragraphs among `pids` that match; with
    first_only, no more than where the first match starts (enough to know that it matches)."""
    plan = m.plan
    sep = plan.separator
    ids = pids.tolist()
    for i in range(0, len(ids), BATCH):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout(plan, limit)
        chunk = ids[i : i + BATCH]
        norms = reader.norms(chunk)
        alone = [k for k, norm in enumerate(norms) if sep is None or "\n" in norm]
        found: dict[int, list[tuple[int, int]]] = {}
        for k in alone:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout(plan, limit)
            spans_ = m.core(norms[k], remaining, first_only)
            if spans_:
                found[k] = spans_
        if sep is not None and len(alone) < len(norms):
            # One call for the batch: the expression cannot match the separator nor look past
            # it, so every match lies inside one paragraph and is the one matching it alone
            # would find (see patternplan.batch_separator).
            skip = set(alone)
            parts = ["" if k in skip else norm for k, norm in enumerate(norms)]
            joined = sep.join(parts)
            starts = [0]
            for part in parts:
                starts.append(starts[-1] + len(part) + 1)
            for k, spans_ in m.batch(joined, starts, deadline, first_only).items():
                found[k] = spans_
        for k in sorted(found):
            yield chunk[k], norms[k], found[k]


# -- candidates ------------------------------------------------------------------------------


def estimate(reader: IndexReader, need: Need, cache: dict | None = None) -> float:
    """Paragraphs a need's strings could be in, at most (from posting-list lengths alone)."""
    return _estimate(reader, need, {} if cache is None else cache)


def _estimate(reader: IndexReader, need: Need, cache: dict) -> float:
    """Paragraphs a need's strings could be in, at most (from posting-list lengths alone)."""
    if need is ANYTHING:
        return float("inf")
    if isinstance(need, Lit):
        if need.text not in cache:
            grams = reader.grams()
            found = grams.find_many([gram_key(g) for g in query_grams(need.text)])
            cache[need.text] = 0.0 if bool(np.any(found < 0)) else float(grams.counts[found].min())
        return cache[need.text]
    sizes = [_estimate(reader, p, cache) for p in need.parts]  # type: ignore[union-attr]
    return min(sizes) if isinstance(need, AllOf) else sum(sizes)


def candidates(
    reader: IndexReader, need: Need, term: Term_, exact: bool = False
) -> np.ndarray | None:
    """Paragraphs that hold what `need` asks for (None: every paragraph).

    With exact=False a superset may come back (the text check decides): a required string is
    not looked up once the candidates are few, or when its paragraphs are many times more.
    """
    cache: dict = {}

    def run(n: Need) -> np.ndarray | None:
        if n is ANYTHING:
            return None
        if isinstance(n, Lit):
            return term(n.text)
        if isinstance(n, AnyOf):
            out = pidsets.EMPTY
            for part in n.parts:
                pids = run(part)
                if pids is None:
                    return None
                out = pidsets.union(out, pids)
            return out
        parts = sorted(n.parts, key=lambda p: _estimate(reader, p, cache))  # type: ignore[union-attr]
        result = run(parts[0])
        for part in parts[1:]:
            if result is not None and not result.size:
                break
            if not exact and result is not None:
                if result.size <= VERIFY_DIRECTLY:
                    break
                if _estimate(reader, part, cache) > SKIP_FACTOR * result.size:
                    break
            pids = run(part)
            if pids is not None:
                result = pids if result is None else pidsets.intersect(result, pids)
        return result

    return run(need)


@dataclass(frozen=True)
class PatternPlan:
    """How a pattern was answered (for --explain)."""

    need: str
    #: Paragraphs that hold the required strings (read and matched), or all paragraphs.
    candidates: int
    #: Whether the candidates were read at all (False: the required strings decide alone).
    verified: bool
    #: Whether some required string has two characters or more (a pair gram).
    pair: bool
    matched: int

    def describe(self) -> str:
        if not self.verified:
            return f"matches exactly the paragraphs holding {self.need}: no text read"
        if self.need == describe(ANYTHING):
            return (
                f"no required character: all {self.candidates} paragraphs read and matched "
                "(a bounded scan, under the time limit)"
            )
        what = "paragraphs holding" if self.pair else "no required pair gram; paragraphs holding"
        return f"{what} {self.need}: {self.candidates} read and matched, {self.matched} match"


def _exact_strings(plan: Plan) -> list[str] | None:
    """The strings that decide a match alone, when the plan knows them (none with spaces)."""
    if plan.exact is None or not plan.exact:
        return None
    if any(not s or any(ch.isspace() for ch in s) for s in plan.exact):
        return None
    return sorted(plan.exact)


def _evaluate(
    reader: IndexReader, node: Pattern, term: Term_
) -> tuple[np.ndarray, tuple[str, ...] | None, PatternPlan]:
    """The matching paragraphs, the strings matched most (None when no text was read), and
    how the pattern was answered."""
    m = matcher(reader, node)
    plan = m.plan
    exact = _exact_strings(plan)
    if exact is not None:
        pids = pidsets.EMPTY
        for s in exact:
            pids = pidsets.union(pids, term(s))
        info = PatternPlan(describe(plan.need), int(pids.size), False, True, int(pids.size))
        return pids, None, info
    found = candidates(reader, plan.need, term)
    pool = reader.all_pids() if found is None else found
    limit = time_limit()
    deadline = time.monotonic() + limit
    # What ranking takes for the pattern is counted on the way, in every k-th candidate.
    sampled = set(pool[:: max(1, -(-pool.size // RANK_SAMPLE))].tolist())
    matched, counts = [], Counter()
    for pid, norm, _first in scan(reader, m, pool, deadline, limit, first_only=True):
        matched.append(pid)
        if pid in sampled:
            remaining = max(deadline - time.monotonic(), 0.0)
            counts.update({norm[s:e] for s, e in m.spans(norm, remaining)})
    pids = np.array(matched, dtype=pidsets.PID)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:RANK_STRINGS]
    pair = _has_pair(plan.need)
    info = PatternPlan(describe(plan.need), int(pool.size), True, pair, int(pids.size))
    return pids, tuple(text for text, _n in ranked), info


def _has_pair(need: Need) -> bool:
    if isinstance(need, Lit):
        return len(need.text) >= 2
    if isinstance(need, AllOf):
        return any(map(_has_pair, need.parts))
    if isinstance(need, AnyOf):
        return all(map(_has_pair, need.parts))
    return False


def _answer(reader: IndexReader, node: Pattern, term: Term_):
    key = ("pattern", node.regex, node.text)
    return reader.cached_query(key, lambda: _evaluate(reader, node, term)[:2])


def pattern_pids(reader: IndexReader, node: Pattern, term: Term_) -> np.ndarray:
    """The sorted paragraph ids whose normalised text the pattern matches (cached)."""
    return _answer(reader, node, term)[0]


def pattern_plan(reader: IndexReader, node: Pattern, term: Term_) -> PatternPlan:
    """How the pattern is answered on this index (runs it)."""
    return _evaluate(reader, node, term)[2]


# -- what a pattern matched ------------------------------------------------------------------


def matched_strings(
    reader: IndexReader, node: Pattern, pids: np.ndarray, deadline: float | None = None
) -> Counter[str]:
    """Distinct strings the pattern matched among `pids` (its matching paragraphs), each with
    the number of paragraphs it was matched in."""
    m = matcher(reader, node)
    limit = time_limit()
    deadline = time.monotonic() + limit if deadline is None else deadline
    counts: Counter[str] = Counter()
    for _pid, norm, core in scan(reader, m, pids, deadline, limit):
        counts.update({norm[s:e] for s, e in m.complete(norm, core)})
    return counts


def ranking_strings(reader: IndexReader, node: Pattern, term: Term_) -> tuple[str, ...]:
    """The strings ranking treats as typed for a pattern: the RANK_STRINGS it matched in the
    most paragraphs, of at most RANK_SAMPLE evenly spaced ones (of its candidates, counted
    while answering it; of its matches when that read no text)."""
    pids, strings = _answer(reader, node, term)
    if strings is not None:
        return strings

    def make() -> tuple[str, ...]:
        sample = pids
        if pids.size > RANK_SAMPLE:
            sample = np.unique(pids[np.linspace(0, pids.size - 1, RANK_SAMPLE).astype(np.int64)])
        counts = matched_strings(reader, node, sample)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return tuple(text for text, _n in ranked[:RANK_STRINGS])

    return reader.cached_query(("pattern-rank", node.regex, node.text), make)


def resolved(
    reader: IndexReader, units: list[Term | Phrase | Pattern], term: Term_
) -> list[Term | Phrase | Alternatives]:
    """Query units with each pattern replaced by the strings it matched (for ranking)."""
    out: list[Term | Phrase | Alternatives] = []
    for unit in units:
        if isinstance(unit, Pattern):
            out.append(Alternatives(ranking_strings(reader, unit, term)))
        else:
            out.append(unit)
    return out
