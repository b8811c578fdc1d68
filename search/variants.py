"""The variants of a pattern: the distinct strings a wildcard or regular expression matched.

`variants('?长制')` finds what ?长制 matches in the paragraphs the query finds (near-duplicate
copies once, as search shows them) and lists each distinct string with the counts a search for
it gives: `search 河长制 --count` with the same filters is its `paragraphs`. Rows are ordered by
paragraphs (then text). Hands on a VariantList; service.search uses `variant_rows` for the web
page's "匹配到的词" facet, trend for --variants N.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from govsearch.indexer import IndexReader, UsageError
from govsearch.indexer.textnorm import normalize

from .evaluate import Evaluator
from .facets import facet_codes
from .folding import fold
from .index import Index, reader_of
from .patternplan import contains
from .patterns import estimate, matched_strings
from .query import (
    And,
    Node,
    Not,
    Or,
    Pattern,
    Term,
    build_query,
    parse_query,
    positive_terms,
    term_pattern,
    tokenize,
)
from .results import JSON_SCHEMA_VERSION
from .vocabulary import check_filter_values

#: Distinct matched strings counted, at most (the most frequent first).
MAX_VARIANTS = 5000
#: Characters that would make a string mean something else unquoted in the query language.
_SPECIAL = re.compile(r'[\s()"＂“”‘’?*？＊:：]|^[-－]|^[/／].*[/／]$')


@dataclass(frozen=True)
class Variant:
    """One distinct matched string and what a search for it finds."""

    text: str
    #: The query that searches for it (the pattern replaced by the string).
    query: str
    paragraphs: int
    documents: int
    #: Occurrences of the string in those paragraphs (left to right, not overlapping); None
    #: beside search hits, where reading every paragraph's text would cost too much.
    occurrences: int | None
    first_year: int | None
    last_year: int | None
    #: Provinces whose documents hold it (national documents count under none).
    provinces: int


@dataclass(frozen=True)
class VariantList:
    """What `govsearch variants` prints."""

    pattern: str
    variants: list[Variant]
    #: Distinct strings matched (before --min-count and --top).
    distinct: int
    year: str | None = None
    region: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """The JSON object of `govsearch variants --format json`."""
        rows = [{k: v for k, v in asdict(r).items() if k != "query"} for r in self.variants]
        return {"schema_version": JSON_SCHEMA_VERSION, "pattern": self.pattern, "variants": rows}


def literal_query(text: str) -> str | None:
    """A query that searches for `text` as it is (None: no quoting can say it)."""
    if not _SPECIAL.search(text):
        return text
    if '"' not in text and "＂" not in text:
        return f'"{text}"'
    if not any(q in text for q in "“”"):
        return f"“{text}”"
    return None


def the_pattern(node: Node) -> Pattern:
    """The one wildcard or regular expression a query holds (not under NOT)."""
    found = list(dict.fromkeys(t for t in positive_terms(node) if isinstance(t, Pattern)))
    if not found:
        raise UsageError(
            "no wildcard or regular expression to list the variants of: give one, e.g. "
            "govsearch variants '?长制' or '/[河湖林]长制/'"
        )
    if len(found) > 1:
        shown = ", ".join(f"/{p.text}/" if p.regex else p.text for p in found)
        raise UsageError(f"the query holds {len(found)} patterns ({shown}); give one")
    return found[0]


def replace_pattern(node: Node, pattern: Pattern, by: Node) -> Node:
    """The query tree with a pattern replaced by another node."""
    if node == pattern:
        return by
    if isinstance(node, Not):
        return Not(replace_pattern(node.child, pattern, by))
    if isinstance(node, And | Or):
        return type(node)(tuple(replace_pattern(c, pattern, by) for c in node.children))
    return node


def replace_in_text(query: str, pattern: Pattern, literal: str) -> str:
    """The query string with the pattern's token replaced by `literal`."""
    for tok in tokenize(query):
        if tok.kind == "regex" and pattern.regex and tok.text == pattern.text:
            return query[: tok.start] + literal + query[tok.end :]
        if tok.kind == "word" and not pattern.regex:
            pieces = normalize(tok.text).split()
            if pattern.text in pieces:
                pieces = [literal if p == pattern.text else p for p in pieces]
                return query[: tok.start] + " ".join(pieces) + query[tok.end :]
    return literal


def _counter(node: Node):
    if isinstance(node, Term):
        return lambda norm: norm.count(node.text)
    rx = term_pattern(node)  # type: ignore[arg-type]
    return lambda norm: sum(1 for _ in rx.finditer(norm))


def variant_rows(
    reader: IndexReader,
    evaluator: Evaluator,
    node: Node,
    kept: np.ndarray,
    *,
    text: str,
    min_count: int = 1,
    top: int | None = None,
    strings: list[str] | None = None,
    occurrences: bool = True,
) -> tuple[list[Variant], int, list[str]]:
    """The variants of the query's pattern among `kept` (its folded matches): rows, the
    number of distinct strings, and warnings. `text` is the query as typed; `strings`, when
    given, are the candidates (instead of every string the pattern matched in `kept`)."""
    pattern = the_pattern(node)
    warnings = []
    if strings is None:
        counts = matched_strings(reader, pattern, kept)
        distinct = len(counts)
        ranked = [t for t, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        if len(ranked) > MAX_VARIANTS:
            warnings.append(
                f"{len(ranked)} distinct strings matched; the {MAX_VARIANTS} most frequent are "
                "counted: make the pattern more specific"
            )
            ranked = ranked[:MAX_VARIANTS]
    else:
        ranked, distinct = list(strings), len(strings)
    rows = []
    cache: dict = {}
    bound = {t: estimate(reader, contains(t), cache) for t in ranked}
    # Largest possible counts first (posting-list lengths bound them): once `top` rows are
    # known and no remaining string can reach the last of them, the rest need no search.
    for string in sorted(ranked, key=lambda t: (-bound[t], t)):
        if top is not None and len(rows) >= top:
            rows.sort(key=lambda r: (-r[3].size, r[0]))
            if rows[top - 1][3].size > bound[string]:
                break
        literal = literal_query(string)
        if literal is None:
            warnings.append(f"{string!r} cannot be written as a query; left out")
            continue
        alone = parse_query(literal)
        pids = fold(reader, evaluator.eval(replace_pattern(node, pattern, alone))).kept
        if pids.size < max(min_count, 1):
            continue
        rows.append((string, literal, alone, pids))
    rows.sort(key=lambda r: (-r[3].size, r[0]))
    if top is not None:
        rows = rows[:top]
    numbers = reader.doc_numbers()
    docs = reader.docs
    codes, labels = facet_codes(reader, "province")
    counted = [i for i, label in enumerate(labels) if label not in (None, "unknown", "全国")]
    is_province = np.zeros(len(labels) + 1, dtype=bool)
    is_province[counted] = True
    out = []
    for string, literal, alone, pids in rows:
        doc_ids = np.unique(numbers[pids])
        years = [docs[d].year for d in doc_ids.tolist() if docs[d].year is not None]
        provinces = np.unique(codes[doc_ids])
        n = None
        if occurrences:
            count = _counter(alone)
            n = sum(count(norm) for _pid, norm in reader.iter_norms(pids.tolist()))
        out.append(
            Variant(
                text=string,
                query=replace_in_text(text, pattern, literal),
                paragraphs=int(pids.size),
                documents=int(doc_ids.size),
                occurrences=n,
                first_year=min(years, default=None),
                last_year=max(years, default=None),
                provinces=int(np.count_nonzero(is_province[provinces])),
            )
        )
    return out, distinct, warnings


def variants(
    index: Index | Path | str,
    query: str,
    *,
    year: str | None = None,
    region: str | None = None,
    filters=(),
    min_count: int = 1,
    top: int | None = None,
) -> VariantList:
    """The distinct strings a query's wildcard or regular expression matched, each with the
    counts `search` gives for it (the same filters, near-duplicate copies once)."""
    started = time.perf_counter()
    if min_count < 1 or (top is not None and top < 1):
        raise UsageError("--min-count and --top must be 1 or more")
    node = build_query(query, year=year, region=region, filters=filters)
    the_pattern(node)
    reader = reader_of(index)
    check_filter_values(reader, node)
    evaluator = Evaluator(reader)
    kept = fold(reader, evaluator.eval(node)).kept
    rows, distinct, warnings = variant_rows(
        reader, evaluator, node, kept, text=query, min_count=min_count, top=top
    )
    return VariantList(
        pattern=query,
        variants=rows,
        distinct=distinct,
        year=year,
        region=region,
        warnings=warnings,
        seconds=round(time.perf_counter() - started, 4),
    )
