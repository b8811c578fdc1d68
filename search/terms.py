"""Which terms rose or fell most between two periods, and which appear for the first time.

Method (also in docs/trends.md): the candidates are the words that the index's own segmenter
(jieba search mode with the policy dictionary and the index's user words) finds in the
paragraphs of the two periods, without stop words, numbers and single characters. For each
candidate the number of paragraphs of each period that contain it is then counted exactly,
under the literal contract (as `search TERM --year P --count` would, near-duplicate copies
once). Terms are ranked by the signed log-likelihood ratio G² of that 2×2 table (Dunning
1993; significant at p < 0.05 from 3.84), and shown with a smoothed log₂ ratio of the two
shares (Hardie's Log Ratio, +0.5 on each count) as the size of the change. A term is new when
no paragraph of the scope before the second period contains it. A fragment is left out when a
longer listed term containing it accounts for at least 90 % of its paragraphs (人工 beside
人工智能), and so is a Latin word that is mostly part of a code (GB/T 50171, ISO/IEC 17789).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from govsearch.indexer import IndexReader, UsageError
from govsearch.indexer.analysis import builtin_dictionary, segmenter

from .evaluate import Evaluator
from .folding import fold
from .index import Index, reader_of
from .query import build_query, make_field
from .results import JSON_SCHEMA_VERSION

METHOD = (
    "candidates: words of the two periods from the index's segmenter (jieba search mode, "
    "policy dictionary), without stop words, numbers and single characters; counts: "
    "paragraphs containing the term, exact (literal match, near-duplicate copies once); "
    "rank: signed log-likelihood G² (p < 0.05 from 3.84); size: log2 ratio of the shares, "
    "counts +0.5; new: no paragraph of the scope before the second period contains it; left "
    "out: a term inside a longer listed term that holds >= 90% of its paragraphs, and a Latin "
    "word followed by a number in a third or more of its occurrences (a code: GB/T 50171)"
)
#: A term is left out when a longer listed term that contains it is in at least this share
#: of its paragraphs (both periods together): 人工 (326) beside 人工智能 (302).
CONTAINED = 0.9
#: A Latin word followed by a number in at least this share of its occurrences is part of
#: codes (gb in GB/T 50171, iso and iec in ISO/IEC 17789, pm in PM2.5), not a term.
CODE_SHARE = 1 / 3
#: G² above this is significant at p < 0.05 (chi-squared, one degree of freedom).
SIGNIFICANT = 3.84
#: Candidates per list recounted exactly, as a multiple of --top.
RECOUNT = 3
#: Candidates checked for being new, at most, as a multiple of --top.
NEW_SCAN = 25
#: Function words of two or more characters (single characters are left out anyway).
STOP_WORDS = frozenset(
    """
    我们 你们 他们 它们 自己 这个 那个 这些 那些 这样 那样 这里 那里 这种 那种 其中 其他 其它
    以及 并且 而且 或者 还是 但是 因为 所以 如果 虽然 即使 为了 由于 通过 对于 关于 按照 根据
    进行 进一步 进一 一步 一些 一个 一批 一是 二是 三是 四是 五是 六是 七是 八是 九是 十是 之一
    之间 以上
    以下 以来 以后 以前 之后 之前 同时 方面 有关 相关 各种 各项 各类 各级 所有 什么 怎么 如何
    可以 能够 应当 应该 已经 正在 没有 不是 就是 还有 更加 更好 不断 继续 坚持 要求 切实 努力
    主要 重要 全面 积极 认真 大力 着力 深入 加快 加强 推进 推动 提高 提升 实现 开展 实施 做好
    """.split()
)
_NUMERIC = re.compile(
    r"^[0-9０-９〇零一二三四五六七八九十百千万亿两几多余半第年月日号个届次%％‰.·]+$"
)
_HAS_DIGIT = re.compile(r"[0-9０-９]")
_LATIN = re.compile(r"^[a-z][a-z\-]*$")
#: After a Latin word: the rest of its run of letters and slashes (gb/t, iso/iec), then a
#: number, perhaps after a space, colon or hyphen.
_CODE_RUN = re.compile(r"[a-z/]*")
_CODE_NUMBER = re.compile(r" ?[:\-]? ?[0-9]")


@dataclass(frozen=True)
class TermChange:
    """One term: paragraphs containing it in each period, and the change."""

    term: str
    first: int
    second: int
    per_10k_first: float
    per_10k_second: float
    #: log₂ of the second period's share over the first's, each count +0.5.
    log_ratio: float
    #: G², positive when the share rose, negative when it fell.
    log_likelihood: float


@dataclass(frozen=True)
class TermComparison:
    """Rising, falling and new terms between two periods."""

    first: str
    second: str
    region: str | None
    paragraphs_first: int
    paragraphs_second: int
    rising: list[TermChange]
    falling: list[TermChange]
    new: list[TermChange]
    candidates: int = 0
    seconds: float = 0.0
    method: str = field(default="")

    def to_dict(self) -> dict:
        """The JSON object of `govsearch terms --format json`."""
        d = asdict(self)
        return {"schema_version": JSON_SCHEMA_VERSION, **d}


def is_candidate(word: str) -> bool:
    """Content words only: no stop word, number, date, single character or stray symbol."""
    if len(word) < 2 or word in STOP_WORDS:
        return False
    if _HAS_DIGIT.search(word) or _NUMERIC.match(word):
        return False
    if word.isascii():
        return bool(_LATIN.match(word))
    return any("\u4e00" <= ch <= "\u9fff" for ch in word)


def log_likelihood(k1: int, n1: int, k2: int, n2: int) -> float:
    """Signed G² of the 2×2 table (k1 of n1 vs k2 of n2): + when k2/n2 > k1/n1."""
    total = n1 + n2
    with_term = k1 + k2
    g2 = 0.0
    for observed, row, col in (
        (k1, n1, with_term), (n1 - k1, n1, total - with_term),
        (k2, n2, with_term), (n2 - k2, n2, total - with_term),
    ):  # fmt: skip
        if observed > 0:
            g2 += observed * math.log(observed * total / (row * col))
    g2 *= 2
    return g2 if k2 * n1 >= k1 * n2 else -g2


def log_ratio(k1: int, n1: int, k2: int, n2: int) -> float:
    """log₂ of the ratio of shares, each count +0.5 so that a zero stays finite."""
    return math.log2(((k2 + 0.5) / n2) / ((k1 + 0.5) / n1))


def contained_terms(changes: list[TermChange]) -> set[str]:
    """Terms whose paragraphs are mostly those of a longer term in `changes` that contains them.

    A paragraph holding 人工智能 holds 人工, so the longer term's counts are a part of the
    shorter one's; when they are at least CONTAINED of it, the fragment says nothing the whole
    word does not (人工 beside 人工智能, 有限 beside 有限公司, 三中 beside 三中全会).
    """
    totals = {c.term: c.first + c.second for c in changes}
    out = set()
    for whole in changes:
        n = len(whole.term)
        inside = {whole.term[i:j] for i in range(n) for j in range(i + 1, n + 1)} - {whole.term}
        for part in inside & totals.keys():
            if totals[whole.term] >= CONTAINED * totals[part]:
                out.add(part)
    return out


def _change(term: str, k1: int, n1: int, k2: int, n2: int) -> TermChange:
    return TermChange(
        term=term,
        first=k1,
        second=k2,
        per_10k_first=round(k1 * 10_000 / n1, 2),
        per_10k_second=round(k2 * 10_000 / n2, 2),
        log_ratio=round(log_ratio(k1, n1, k2, n2), 3),
        log_likelihood=round(log_likelihood(k1, n1, k2, n2), 2),
    )


def _scope(reader: IndexReader, year: str, region: str | None) -> np.ndarray:
    """Paragraph ids of the documents that year: and region: keep (sorted)."""
    return Evaluator(reader).eval(build_query("", year=year, region=region))


def _period(reader: IndexReader, value: str, region: str | None) -> tuple[set[int], int]:
    """Paragraph ids of a period (copies of near-duplicates left out) and its first year."""
    f = make_field("year", value)
    # As `search --year P --count` counts: a copy is left out when its original is in scope.
    pids = set(fold(reader, _scope(reader, value, region)).kept.tolist())
    first_year = f.low if f.low is not None else min(
        (d.year for d in reader.docs if d.year is not None), default=0
    )  # fmt: skip
    return pids, first_year  # type: ignore[return-value]


def compare_terms(
    index: Index | Path | str,
    first: str,
    second: str,
    *,
    region: str | None = None,
    top: int = 20,
    min_count: int = 3,
) -> TermComparison:
    """Terms whose share of paragraphs rose or fell most from `first` to `second` (years or
    ranges such as 2024 or 2016..2020), and terms that appear for the first time in `second`."""
    started = time.perf_counter()
    if top < 1 or min_count < 1:
        raise UsageError("--top and --min-count must be 1 or more")
    reader = reader_of(index)
    a, _ = _period(reader, first, region)
    b, b_start = _period(reader, second, region)
    where = f" in regions matching {region!r}" if region else ""
    for name, pids in ((first, a), (second, b)):
        if not pids:
            raise UsageError(
                f"no paragraph of year {name}{where}: nothing to compare "
                "(govsearch stats lists the years the index holds)"
            )
    words = builtin_dictionary() + tuple(
        tuple(w)
        for w in reader.meta.get("user_dictionary", [])  # type: ignore[misc]
    )
    seg = segmenter(words)
    verdicts: dict[str, bool] = {}
    seen_a: Counter[str] = Counter()
    seen_b: Counter[str] = Counter()
    latin: Counter[str] = Counter()
    in_codes: Counter[str] = Counter()
    for pid, norm in reader.iter_norms(sorted(a | b)):
        found = set()
        for w, _start, end in seg.tokenize(norm):
            keep = verdicts.get(w)
            if keep is None:
                keep = verdicts[w] = is_candidate(w)
            if keep:
                found.add(w)
                if w.isascii():
                    latin[w] += 1
                    if _CODE_NUMBER.match(norm, _CODE_RUN.match(norm, end).end()):
                        in_codes[w] += 1
        if pid in a:
            seen_a.update(found)
        if pid in b:
            seen_b.update(found)
    na, nb = len(a), len(b)
    codes = {w for w, n in latin.items() if in_codes[w] >= CODE_SHARE * n}
    candidates = (set(seen_a) | set(seen_b)) - codes
    approx = {w: log_likelihood(seen_a[w], na, seen_b[w], nb) for w in candidates}
    want = RECOUNT * top
    rising = sorted((w for w in candidates if approx[w] > 0), key=lambda w: (-approx[w], w))
    falling = sorted((w for w in candidates if approx[w] < 0), key=lambda w: (approx[w], w))
    fresh = sorted(
        (w for w in candidates if not seen_a[w] and seen_b[w] >= min_count),
        key=lambda w: (-seen_b[w], w),
    )
    evaluator = Evaluator(reader)
    exact: dict[str, tuple[int, int]] = {}

    def recount(w: str) -> set[int]:
        pids = set(evaluator.term(w).tolist())
        exact[w] = (len(pids & a), len(pids & b))
        return pids

    for w in dict.fromkeys(rising[:want] + falling[:want]):
        recount(w)
    # New terms: most candidates that the segmenter never saw in the first period still occur
    # earlier (inside other words, or in other years), so keep checking until enough are found.
    earlier = set(_scope(reader, f"..{b_start - 1:04d}", region).tolist())  # before `second`
    new_words = []
    for checked, w in enumerate(fresh):
        if len(new_words) >= want or checked >= NEW_SCAN * top:
            break
        pids = recount(w)
        if exact[w][0] == 0 and exact[w][1] >= min_count and not pids & earlier:
            new_words.append(w)
    changes = {w: _change(w, ka, na, kb, nb) for w, (ka, kb) in exact.items()}

    def keep(c: TermChange) -> bool:
        return abs(c.log_likelihood) >= SIGNIFICANT and max(c.first, c.second) >= min_count

    listed = [c for c in changes.values() if keep(c) or c.term in new_words]
    redundant = contained_terms(listed)
    changes = {w: c for w, c in changes.items() if w not in redundant}
    up = [c for c in changes.values() if c.log_likelihood > 0 and keep(c)]
    down = [c for c in changes.values() if c.log_likelihood < 0 and keep(c)]
    up.sort(key=lambda c: (-c.log_likelihood, c.term))
    down.sort(key=lambda c: (c.log_likelihood, c.term))
    new = [changes[w] for w in new_words if w in changes]
    new.sort(key=lambda c: (-c.second, c.term))
    return TermComparison(
        first=first,
        second=second,
        region=region,
        paragraphs_first=na,
        paragraphs_second=nb,
        rising=up[:top],
        falling=down[:top],
        new=new[:top],
        candidates=len(candidates),
        method=METHOD,
        seconds=round(time.perf_counter() - started, 4),
    )
