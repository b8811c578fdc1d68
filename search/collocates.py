"""Collocates: the words that occur near a term, with how strongly they are attracted to it.

The unit throughout is the paragraph (docs/collocates.md has the method and the formulas):

- N: paragraphs in scope (the index, or what --year, --region and filters keep), near-duplicate
  copies folded as search folds them;
- f(T): paragraphs that match the term, as `search TERM --count` counts them;
- f(w): paragraphs of the scope whose indexed words include w (words.flat; the index segments in
  search mode, so 人民 counts inside 中华人民共和国 too);
- count: matching paragraphs in which w stands in the window of a match (cooccur.py), never
  more than `search "TERM w" --count`.

From these: expected = f(T)·f(w)/N, MI = log₂(count/expected), logDice = 14 + log₂(2·count /
(f(T) + f(w))) (Rychlý 2008), and the signed log-likelihood G² of the 2×2 table (Dunning 1993;
positive when the word is attracted). `compare` runs the same over two year ranges and sets
the results side by side.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from govsearch.indexer import IndexReader, UsageError
from govsearch.indexer.analysis import index_dictionary, segment_normalized, word_key

from .cooccur import MAX_WINDOW, WINDOW_NAMES, Cooccurrences, Window, count_cooccurrences
from .cooccur import parse_window as _parse_window
from .evaluate import Evaluator
from .folding import fold
from .frames import pandas_module
from .index import Index, reader_of
from .query import Node, Pattern, Phrase, Term, build_query, make_field, positive_terms
from .rank import in_document_order
from .results import JSON_SCHEMA_VERSION
from .vocabulary import check_filter_values

#: What collocates can be sorted by (all descending).
MEASURES = ("log_dice", "g2", "mi", "count")
DEFAULT_WINDOW = 5
DEFAULT_MIN_COUNT = 3
DEFAULT_TOP = 50
#: Function words, left out unless keep_all (docs/collocates.md lists them): particles,
#: auxiliaries, pronouns, conjunctions, prepositions, copulas and a few adverbs of degree and
#: negation that go with anything; and the commonest English ones.
FUNCTION_WORDS = frozenset(
    """
    的 地 得 之 了 着 过 所 者 也 矣 乎 呢 吗 吧 啊
    和 与 及 以及 并 并且 而 而且 或 或者 且 但 但是 则 即 即使 如果 若 因为 所以 因此 虽然
    在 对 对于 关于 为 为了 以 由 由于 把 被 将 从 向 于 按 按照 根据 依据 通过 经 经过 至 到
    给 跟 同 比 自 随着 除 除了 就 才 都 还 又 再 更 很 最 较 已 已经 曾 正 正在 不 没 没有
    未 非 无 是 有 要 会 能 可 可以 应 应当 应该 须 必须
    我 我们 你 你们 他 他们 她 它 它们 其 其中 其他 其它 这 这些 这个 这样 这种 那 那些 那个
    此 该 各 每 本 某 自己 等 等等 个 些
    the of and a an in on at to for by with from or as is are was be this that it its
    """.split()
)
#: Digits with their decimal point, percent and thousands marks: a number, not a word.
_NUMBER = re.compile(r"^[0-9][0-9.,%]*$")


def parse_window(value: Window) -> Window:
    """A window as given (5, "5", "sentence", "paragraph"), checked."""
    return _parse_window(value)


def is_content(word: str) -> bool:
    """Whether a word is counted by default: not a function word, a number or punctuation."""
    return word not in FUNCTION_WORDS and not _NUMBER.match(word) and word.isprintable()


@dataclass(frozen=True)
class Collocate:
    """One word near the term, in one scope."""

    word: str
    #: Matching paragraphs with the word in the window of a match.
    count: int
    #: count expected if the word were spread over the scope's paragraphs independently.
    expected: float
    log_dice: float
    g2: float
    mi: float
    #: Paragraphs of the scope whose words include it, f(w).
    frequency: int
    #: The search that finds these paragraphs (with the word anywhere in them, not only near).
    query: str
    #: The counted paragraphs' ids (doc:paragraph), in document order (path, then paragraph).
    ids: tuple[str, ...] = ()

    def measure(self, name: str) -> float:
        """The value sorted by for `name` (one of MEASURES)."""
        return float(getattr(self, name))

    def to_dict(self) -> dict:
        return {
            "word": self.word,
            "count": self.count,
            "expected": self.expected,
            "log_dice": self.log_dice,
            "g2": self.g2,
            "mi": self.mi,
            "frequency": self.frequency,
            "query": self.query,
            "ids": list(self.ids),
        }


@dataclass(frozen=True)
class Period:
    """The collocates of the term in one scope (the whole result, or one side of compare)."""

    #: The year or range of the scope (None: every year).
    year: str | None
    #: f(T): matching paragraphs; N: paragraphs in scope.
    paragraphs: int
    scope_paragraphs: int
    #: Words with count >= min_count (before --top).
    candidates: int
    collocates: list[Collocate]

    def to_dict(self) -> dict:
        return {
            "year": self.year,
            "paragraphs": self.paragraphs,
            "scope_paragraphs": self.scope_paragraphs,
            "candidates": self.candidates,
            "collocates": [c.to_dict() for c in self.collocates],
        }


@dataclass(frozen=True)
class CollocateChange:
    """A word among the top collocates of either period, with both periods' figures."""

    word: str
    #: None where the word never stood near the term in that period.
    first: Collocate | None
    second: Collocate | None
    #: The sort measure in the second period minus the first (None: one side is missing).
    change: float | None

    @property
    def status(self) -> str:
        """new (only in the second period), gone (only in the first) or both."""
        if self.first is None:
            return "new"
        return "gone" if self.second is None else "both"

    def to_dict(self) -> dict:
        return {
            "word": self.word,
            "status": self.status,
            "change": self.change,
            "first": self.first.to_dict() if self.first else None,
            "second": self.second.to_dict() if self.second else None,
        }


@dataclass(frozen=True)
class Collocates:
    """The result of `collocates`: one scope's collocates, or two periods compared."""

    term: str
    window: Window
    measure: str
    min_count: int
    top: int
    keep_all: bool
    year: str | None
    region: str | None
    filters: tuple[tuple[str, str], ...]
    #: The scope of the result (without compare), or the two periods (with it).
    periods: list[Period]
    compare: tuple[str, str] | None = None
    #: With compare: every word of either top list, rising first (see CollocateChange).
    changes: list[CollocateChange] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def collocates(self) -> list[Collocate]:
        """The collocates of the scope (without compare; with it, the second period's)."""
        return self.periods[-1].collocates

    @property
    def paragraphs(self) -> int:
        """Matching paragraphs over every period."""
        return sum(p.paragraphs for p in self.periods)

    def to_dict(self) -> dict:
        """The JSON object of `govsearch collocates --format json` and /api/collocates."""
        out = {
            "schema_version": JSON_SCHEMA_VERSION,
            "term": self.term,
            "window": self.window,
            "measure": self.measure,
            "min_count": self.min_count,
            "keep_all": self.keep_all,
            "year": self.year,
            "region": self.region,
            "filters": [list(f) for f in self.filters],
        }
        if self.compare is None:
            p = self.periods[0]
            return {
                **out,
                "paragraphs": p.paragraphs,
                "scope_paragraphs": p.scope_paragraphs,
                "candidates": p.candidates,
                "collocates": [c.to_dict() for c in p.collocates],
            }
        return {
            **out,
            "compare": list(self.compare),
            "periods": [p.to_dict() for p in self.periods],
            "collocates": [c.to_dict() for c in self.changes],
        }

    def to_pandas(self):
        """A pandas DataFrame: one row per collocate (with compare, per word and period
        figures side by side: count_first, count_second, …, change). Needs govsearch[pandas]."""
        pd = pandas_module()
        if self.compare is None:
            rows = [{**c.to_dict(), "ids": list(c.ids)} for c in self.collocates]
            return pd.DataFrame(rows, columns=list(COLLOCATE_COLUMNS) + ["ids"])
        return pd.DataFrame([change_row(c) for c in self.changes], columns=list(CHANGE_COLUMNS))


COLLOCATE_COLUMNS = ("word", "count", "expected", "log_dice", "g2", "mi", "frequency", "query")
#: Figures each period of a comparison contributes to a row.
PERIOD_FIGURES = ("count", "expected", "log_dice", "g2", "mi", "frequency")
CHANGE_COLUMNS = (
    "word", "status", "change",
    *(f"{name}_{side}" for name in PERIOD_FIGURES for side in ("first", "second")),
)  # fmt: skip


def change_row(c: CollocateChange) -> dict:
    """A comparison row as flat columns (CHANGE_COLUMNS)."""
    row: dict = {"word": c.word, "status": c.status, "change": c.change}
    for name in PERIOD_FIGURES:
        for side, value in (("first", c.first), ("second", c.second)):
            row[f"{name}_{side}"] = getattr(value, name) if value is not None else None
    return row


# -- checking the request --------------------------------------------------------------------


def parse_measure(measure: str) -> str:
    """A measure to sort by, checked (one of MEASURES)."""
    if measure not in MEASURES:
        raise UsageError(f"unknown measure {measure[:40]!r}; use one of: {', '.join(MEASURES)}")
    return measure


def _check(measure: str, min_count: int, top: int, compare, year: str | None) -> None:
    parse_measure(measure)
    if min_count < 1:
        raise UsageError("--min-count must be 1 or more")
    if top < 1:
        raise UsageError("--top must be 1 or more")
    if compare is None:
        return
    if year:
        raise UsageError("--year and --compare do not go together: --compare gives the years")
    first, second = (make_field("year", v) for v in compare)
    low = max(_bound(first.low, -1), _bound(second.low, -1))
    high = min(_bound(first.high, 1), _bound(second.high, 1))
    if low <= high:
        raise UsageError(
            f"--compare {compare[0]} {compare[1]}: the two ranges overlap; give ranges that "
            "share no year, e.g. 2011..2017 2018..2024"
        )


def _bound(value, side: int) -> int:
    """A range end, open ends as far as they go."""
    return value if value is not None else side * 10**9


def has_terms(query: str) -> bool:
    """Whether a query has a term or phrase for words to stand near (False if it does not
    parse)."""
    try:
        return bool(positive_terms(build_query(query)))
    except UsageError:
        return False


def term_words(query: str, word: str) -> str:
    """The search for paragraphs holding a query's matches and a word: `TERM WORD`."""
    return _with_word(_grouped(query), word)


@functools.lru_cache(maxsize=64)
def _grouped(query: str) -> str:
    """The query as the first part of an AND: in parentheses unless one term, phrase or
    pattern."""
    node = build_query(query)
    return query.strip() if isinstance(node, Term | Phrase | Pattern) else f"({query.strip()})"


def _with_word(grouped: str, word: str) -> str:
    return f"{grouped} {word}" if word.isalnum() else f'{grouped} "{word}"'


# -- counting --------------------------------------------------------------------------------


class _Scope:
    """One scope: the matching paragraphs and the population they are compared with."""

    def __init__(self, reader: IndexReader, node: Node, year, region, filters):
        evaluator = Evaluator(reader)
        self.matched = fold(reader, evaluator.eval(node)).kept
        #: The whole index: f(w) then comes from the word counts (see _frequencies).
        self.whole = not (year or region or filters)
        if self.whole:
            scope = reader.cached("collocates_all", lambda: fold(reader, reader.all_pids()).kept)
        else:
            query = build_query("", year=year, region=region, filters=filters)
            scope = fold(reader, evaluator.eval(query)).kept
        self.mask = np.zeros(reader.pid_limit, dtype=bool)
        self.mask[scope] = True
        # A copy can match while its original does not (a filter inside the query): it is
        # then part of what search counts, so it belongs to the population too.
        self.extra = self.matched[~self.mask[self.matched]]
        self.mask[self.extra] = True
        self.size = int(self.mask.sum())


def _paragraph_words(reader: IndexReader, pids: np.ndarray) -> Counter:
    """For each word, how many of these paragraphs the index holds it for (search mode)."""
    words = index_dictionary(reader.meta)
    out: Counter = Counter()
    for _pid, norm in reader.iter_norms(pids.tolist()):
        out.update(set(segment_normalized(norm, words)))
    return out


def _copy_words(reader: IndexReader) -> Counter:
    """_paragraph_words of every near-duplicate copy, made once per index generation."""
    return reader.cached(
        "collocates_copy_words", lambda: _paragraph_words(reader, reader.dup_of()[0])
    )


def _frequencies(reader: IndexReader, words: list[str], scopes: list[_Scope]) -> np.ndarray:
    """f(w) in each scope: paragraphs whose indexed words include w (shape scopes × words).

    Over the whole index, a word's count of live paragraphs (words.flat's counts where no
    segment has deletions) less the near-duplicate copies that hold it (the population leaves
    copies out) plus the copies that matched. A narrower scope reads each word's posting list once.
    """
    out = np.zeros((len(scopes), len(words)), dtype=np.int64)
    if not words:
        return out
    flat = reader.words()
    found = flat.find_many([word_key(w) for w in words]).tolist()
    evaluator = Evaluator(reader)
    whole = [k for k, scope in enumerate(scopes) if scope.whole]
    copies = _copy_words(reader) if whole else Counter()
    extras = {k: _paragraph_words(reader, scopes[k].extra) for k in whole}
    for j, (w, i) in enumerate(zip(words, found, strict=True)):
        narrow = range(len(scopes))
        if i >= 0 and whole:
            for k in whole:
                out[k, j] = flat.live_count(i) - copies[w] + extras[k][w]
            narrow = [k for k in narrow if k not in whole]
        if not narrow:
            continue
        # A token the index does not hold as a word (punctuation, with keep_all): the
        # paragraphs that contain it.
        pids = flat.pids(i) if i >= 0 else evaluator.term(w)
        for k in narrow:
            out[k, j] = int(np.count_nonzero(scopes[k].mask[pids]))
    return out


def _g2(o11: int, r1: int, c1: int, n: int) -> float:
    """Signed log-likelihood G² of the 2×2 table with cell o11 and margins r1, c1 of n.

    A cell the window makes negative (a word far from the term in many matching paragraphs
    of a scope that they nearly fill) counts as empty.
    """
    cells = (
        (o11, r1, c1), (r1 - o11, r1, n - c1),
        (c1 - o11, n - r1, c1), (n - r1 - c1 + o11, n - r1, n - c1),
    )  # fmt: skip
    g2 = 2 * sum(o * math.log(o * n / (r * c)) for o, r, c in cells if o > 0 and r > 0 and c > 0)
    return max(g2, 0.0) if o11 * n >= r1 * c1 else -max(g2, 0.0)


def _collocate(
    reader: IndexReader | None, query: str, scope: _Scope, cooc: Cooccurrences, j: int,
    count: int, frequency: int,
) -> Collocate:  # fmt: skip
    """Word number j of cooc, seen near the term in `count` paragraphs, with its measures (and
    the ids of those paragraphs when a reader is given)."""
    word, f_term, n = cooc.words[j], int(scope.matched.size), scope.size
    expected = f_term * frequency / n
    return Collocate(
        word=word,
        count=count,
        expected=round(expected, 4),
        log_dice=round(14 + math.log2(2 * count / (f_term + frequency)), 4),
        g2=round(_g2(count, f_term, frequency, n), 4),
        mi=round(math.log2(count / expected), 4),
        frequency=frequency,
        query=term_words(query, word),
        ids=_ids(reader, cooc.pids_of(j)) if reader is not None else (),
    )


def _ids(reader: IndexReader, pids: np.ndarray) -> tuple[str, ...]:
    docs, numbers = reader.docs, reader.doc_numbers()
    out = []
    for pid in in_document_order(reader, pids).tolist():
        d = docs[numbers[pid]]
        out.append(f"{d.doc_id}:{pid - d.pid_start + 1}")
    return tuple(out)


def _order(measure: str):
    return lambda c: (-c.measure(measure), -c.count, c.word)


def _period(
    reader: IndexReader, query: str, scope: _Scope, cooc: Cooccurrences, freqs: dict[str, int],
    measure: str, min_count: int, top: int, year: str | None,
) -> Period:  # fmt: skip
    counts = cooc.counts()
    rows = [
        (_collocate(None, query, scope, cooc, j, int(counts[j]), freqs[cooc.words[j]]), j)
        for j in np.flatnonzero(counts >= min_count).tolist()
    ]
    order = _order(measure)
    rows.sort(key=lambda r: order(r[0]))
    shown = [replace(c, ids=_ids(reader, cooc.pids_of(j))) for c, j in rows[:top]]
    return Period(year, int(scope.matched.size), scope.size, len(rows), shown)


def collocates(
    index: Index | IndexReader | Path | str,
    term: str,
    *,
    window: Window = DEFAULT_WINDOW,
    measure: str = "log_dice",
    min_count: int = DEFAULT_MIN_COUNT,
    top: int = DEFAULT_TOP,
    keep_all: bool = False,
    year: str | None = None,
    region: str | None = None,
    filters: Iterable[tuple[str, str]] = (),
    compare: tuple[str, str] | None = None,
) -> Collocates:
    """The words near `term` (any query; its terms and phrases are what words stand near).

    `window` is a number of words either side (1 to 50), "sentence" or "paragraph". Words are
    sorted by `measure` (log_dice, g2, mi or count), those in fewer than `min_count` matching
    paragraphs left out, the first `top` kept. Function words, numbers and punctuation are left
    out unless keep_all. `compare=("2011..2017", "2018..2024")` computes both periods (year
    ranges that do not overlap) and lists each word of either top list with both figures.
    """
    started = time.perf_counter()
    window = parse_window(window)
    _check(measure, min_count, top, compare, year)
    filters = tuple(filters)
    reader = reader_of(index)
    years = list(compare) if compare is not None else [year]
    nodes = [build_query(term, year=y, region=region, filters=filters) for y in years]
    for node in nodes:
        check_filter_values(reader, node)
    terms = positive_terms(nodes[0])
    if not terms:
        raise UsageError(f"{term!r} has no term to look around: give a word or phrase, e.g. 河长制")
    scopes = [_Scope(reader, n, y, region, filters) for n, y in zip(nodes, years, strict=True)]
    keep = (lambda w: True) if keep_all else is_content
    coocs = [count_cooccurrences(reader, s.matched, terms, window, keep, keep_all) for s in scopes]
    wanted = sorted({w for c in coocs for w, n in zip(c.words, c.counts().tolist(), strict=True)
                     if n >= min_count})  # fmt: skip
    table = _frequencies(reader, wanted, scopes)
    freqs = [dict(zip(wanted, row, strict=True)) for row in table.tolist()]
    periods = [
        _period(reader, term, scope, cooc, freq, measure, min_count, top, y)
        for scope, cooc, freq, y in zip(scopes, coocs, freqs, years, strict=True)
    ]
    changes = _changes(reader, term, scopes, coocs, freqs, periods, measure) if compare else []
    return Collocates(
        term=term,
        window=window,
        measure=measure,
        min_count=min_count,
        top=top,
        keep_all=keep_all,
        year=year,
        region=region,
        filters=filters,
        periods=periods,
        compare=tuple(compare) if compare is not None else None,  # type: ignore[arg-type]
        changes=changes,
        seconds=round(time.perf_counter() - started, 4),
    )


def _changes(
    reader: IndexReader, term: str, scopes: list[_Scope], coocs: list[Cooccurrences],
    freqs: list[dict[str, int]], periods: list[Period], measure: str,
) -> list[CollocateChange]:  # fmt: skip
    """Each word of either period's top list, with both periods' figures; rising first, then
    the new words, then the words gone."""
    words = sorted({c.word for p in periods for c in p.collocates})
    sides = []
    for scope, cooc, freq in zip(scopes, coocs, freqs, strict=True):
        number = {w: j for j, w in enumerate(cooc.words)}
        counts = cooc.counts()
        sides.append({
            w: _collocate(reader, term, scope, cooc, number[w], int(counts[number[w]]), freq[w])
            for w in words if w in number
        })  # fmt: skip
    out = []
    for w in words:
        a, b = sides[0].get(w), sides[1].get(w)
        change = round(b.measure(measure) - a.measure(measure), 4) if a and b else None
        out.append(CollocateChange(w, a, b, change))
    order = {"both": 0, "new": 1, "gone": 2}

    def key(c: CollocateChange) -> tuple:
        side = c.second if c.second is not None else c.first
        value = c.change if c.change is not None else side.measure(measure)  # type: ignore[union-attr]
        return (order[c.status], -value, c.word)

    return sorted(out, key=key)


__all__ = [
    "MAX_WINDOW",
    "MEASURES",
    "WINDOW_NAMES",
    "Collocate",
    "CollocateChange",
    "Collocates",
    "Period",
    "collocates",
]
