"""Known-item queries generated from a corpus, and the measures of how well a system finds them.

A known-item query is a few words taken from one paragraph (the target); a system does well when
the target comes first. Generation (fixed by the seed, so every run with the same seed, corpus
and segmenter asks the same questions):

- Every paragraph is cut into words with jieba's precise mode and its default dictionary (via
  rjieba, which cuts identically): neither system's own analyzer (ours adds a policy dictionary
  and search-mode sub-words; the classic stack uses search mode and a stop list).
- A word is eligible when it is 2 or more characters, all CJK ideographs, and unchanged by the
  engine's normalisation (so it occurs literally in the raw text *and* in the normalised text
  of its paragraph; the 1954 report in traditional characters contributes no words). Its
  document frequency (df) is the number of paragraphs whose cut contains it.
- easy: the target's 3 rarest distinct eligible words (ties: first occurrence first).
- hard: 2 distinct eligible words of middling df, drawn at random from the target's. Middling =
  df between the 80th and the 95th percentile of the vocabulary's df: above the long tail of
  words that occur in a handful of paragraphs (names, numbers in words, odd cuts: 80 % of the
  vocabulary has df < 10 here), below the common top 5 % (完善, 人民, 服务体系 …). On
  ../shared/corpus that is df 12–85 (优良率, 教育局, 最低工资, 吞吐量 …).
- near: like hard, but both words from one clause of the target (text between ，；：。！？;
  the enumeration comma 、 stays inside a clause): the case proximity ranking is for.
- adjacent: 2 words that stand next to each other in the target (consecutive in the cut, nothing
  between them), neither of them common (df at most the middling band's top), drawn at random
  from the target's such pairs: someone typing an expression with a space in it (人身 伤害),
  the case the contiguity bonus is for.
- Words are written in the order they first occur in the target, separated by spaces (AND).
- A target must have no twin: no other paragraph that contains every query word is identical to
  it or shares 80 % or more of its character bigrams (Jaccard). The 16 duplicated national
  reports would otherwise make coin flips of many questions. A paragraph is drawn at most once
  per class; targets are drawn uniformly from the paragraphs that can make a query of the class.

A system answers with its top 10; the rank is the target's position there (None: a miss).

Many questions have more than one good answer (two articles of different regulations worded
alike, 40 reports titled …年国务院政府工作报告). `ceiling` measures how much that costs: it ranks
each question's literal matches by the probability that the generator would have asked this
very question of them (posterior under a uniform prior; ties cost their expected rank), which
is the best any ranking can do on average. No real system knows how the questions were made.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

from bench.corpus import Corpus, Key

CLASSES = ("easy", "hard", "near", "adjacent")
TOP = 10
TWIN_JACCARD = 0.8
BAND = (80, 95)  # percentiles of the vocabulary's df that make a word "middling"
_ELIGIBLE = re.compile(r"^[\u4e00-\u9fff]{2,}$")
_CLAUSE_END = re.compile(r"[,，。;；:：!！?？\n]")  # as search/ranking.py: 、 lists inside a clause


@dataclass(frozen=True)
class Item:
    """One known-item question."""

    kind: str
    words: tuple[str, ...]
    target: int  # index into Collection.keys

    @property
    def text(self) -> str:
        return " ".join(self.words)


class Collection:
    """A corpus's paragraphs with their eligible words and document frequencies."""

    def __init__(self, corpus: Corpus):
        import rjieba

        from govsearch.indexer.textnorm import normalize

        self.keys: list[Key] = []
        self.texts: list[str] = []
        self.norms: list[str] = []
        self.words: list[list[str]] = []  # eligible words, in text order (repeats kept)
        self.pairs: list[list[tuple[str, str]]] = []  # eligible words next to each other
        for name, line, text in corpus.paragraphs():
            self.keys.append((name, line))
            self.texts.append(text)
            self.norms.append(normalize(text))
            cut = [w if _ELIGIBLE.match(w) and normalize(w) == w else "" for w in rjieba.cut(text)]
            self.words.append([w for w in cut if w])
            self.pairs.append([(a, b) for a, b in pairwise(cut) if a and b and a != b])
        self.df: Counter[str] = Counter()
        for ws in self.words:
            self.df.update(set(ws))
        vocabulary = sorted(self.df.values())
        self.band = tuple(_percentile(vocabulary, p) for p in BAND)
        self._bigrams: dict[int, set[str]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def index_of(self) -> dict[Key, int]:
        return {k: i for i, k in enumerate(self.keys)}

    def bigrams(self, i: int) -> set[str]:
        grams = self._bigrams.get(i)
        if grams is None:
            n = self.norms[i]
            grams = self._bigrams[i] = {n[j : j + 2] for j in range(len(n) - 1)}
        return grams

    def containing(self, words: Iterable[str]) -> list[int]:
        """Paragraphs whose normalised text contains every word (the literal answer set)."""
        first, *rest = sorted(words, key=self.df.__getitem__)
        return [i for i, n in enumerate(self.norms) if first in n and all(w in n for w in rest)]

    def has_twin(self, target: int, words: Iterable[str]) -> bool:
        """Whether another paragraph with every word is the target's (near) copy."""
        mine = self.bigrams(target)
        for i in self.containing(words):
            if i == target:
                continue
            if self.norms[i] == self.norms[target]:
                return True
            other = self.bigrams(i)
            union = len(mine | other)
            if union and len(mine & other) / union >= TWIN_JACCARD:
                return True
        return False

    def in_band(self, word: str) -> bool:
        return self.band[0] <= self.df[word] <= self.band[1]


def _percentile(values: list[int], p: float) -> int:
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else 0


def _in_text_order(words: Iterable[str], order: list[str]) -> tuple[str, ...]:
    first = {}
    for n, w in enumerate(order):
        first.setdefault(w, n)
    return tuple(sorted(set(words), key=first.__getitem__))


def _clauses(coll: Collection, i: int) -> list[list[str]]:
    """The eligible words of each clause of paragraph i."""
    out = []
    for piece in _CLAUSE_END.split(coll.texts[i]):
        ws = [w for w in coll.words[i] if w in piece]
        if ws:
            out.append(ws)
    return out


def _easy(coll: Collection, i: int, rng: random.Random) -> tuple[str, ...] | None:
    distinct = list(dict.fromkeys(coll.words[i]))
    if len(distinct) < 3:
        return None
    rarest = sorted(distinct, key=lambda w: (coll.df[w], distinct.index(w)))[:3]
    return _in_text_order(rarest, coll.words[i])


def _hard(coll: Collection, i: int, rng: random.Random) -> tuple[str, ...] | None:
    pool = sorted({w for w in coll.words[i] if coll.in_band(w)})
    if len(pool) < 2:
        return None
    return _in_text_order(rng.sample(pool, 2), coll.words[i])


def _near(coll: Collection, i: int, rng: random.Random) -> tuple[str, ...] | None:
    pools = [sorted({w for w in ws if coll.in_band(w)}) for ws in _clauses(coll, i)]
    pools = [p for p in pools if len(p) >= 2]
    if not pools:
        return None
    return _in_text_order(rng.sample(rng.choice(pools), 2), coll.words[i])


def _adjacent_pool(coll: Collection, i: int) -> list[tuple[str, str]]:
    top = coll.band[1]
    return sorted({p for p in coll.pairs[i] if coll.df[p[0]] <= top and coll.df[p[1]] <= top})


def _adjacent(coll: Collection, i: int, rng: random.Random) -> tuple[str, ...] | None:
    pool = _adjacent_pool(coll, i)
    return rng.choice(pool) if pool else None


_MAKERS: dict[str, Callable[[Collection, int, random.Random], tuple[str, ...] | None]] = {
    "easy": _easy,
    "hard": _hard,
    "near": _near,
    "adjacent": _adjacent,
}


def likelihood(coll: Collection, kind: str, i: int, words: tuple[str, ...]) -> float:
    """The probability that the generator asks exactly `words` when it draws paragraph i."""
    mine = coll.words[i]
    if not all(w in mine for w in words) or _in_text_order(words, mine) != words:
        return 0.0
    if kind == "easy":
        return float(_easy(coll, i, random.Random()) == words)
    wanted = set(words)
    if kind == "hard":
        pool = {w for w in coll.words[i] if coll.in_band(w)}
        return 1 / _pairs(len(pool)) if wanted <= pool and len(pool) >= 2 else 0.0
    if kind == "near":
        pools = [p for p in ({w for w in ws if coll.in_band(w)} for ws in _clauses(coll, i))]
        pools = [p for p in pools if len(p) >= 2]
        return sum(1 / (len(pools) * _pairs(len(p))) for p in pools if wanted <= p)
    pool = _adjacent_pool(coll, i)
    return 1 / len(pool) if words in pool else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def generate(coll: Collection, seed: int, per_class: int, classes=CLASSES) -> list[Item]:
    """`per_class` questions of each class, the same for the same seed and corpus."""
    items: list[Item] = []
    for kind in classes:
        # One stream per class: adding a class or changing one's size leaves the others alone.
        rng = random.Random(f"{seed}:{kind}")
        order = list(range(len(coll)))
        rng.shuffle(order)
        made = 0
        for i in order:
            if made == per_class:
                break
            words = _MAKERS[kind](coll, i, rng)
            if words is None or coll.has_twin(i, words):
                continue
            items.append(Item(kind, words, i))
            made += 1
    return items


@dataclass(frozen=True)
class Score:
    """How a system did on one class of questions."""

    queries: int
    mrr: float
    top1: float
    misses: int

    def to_dict(self) -> dict:
        return {
            "queries": self.queries,
            "mrr10": round(self.mrr, 4),
            "top1": round(self.top1, 4),
            "misses": self.misses,
        }


def score(ranks: list[int | None]) -> Score:
    """MRR@10, share of targets ranked first, and targets not in the top 10."""
    n = len(ranks)
    if not n:
        return Score(0, float("nan"), float("nan"), 0)
    mrr = sum(1 / r for r in ranks if r is not None and r <= TOP) / n
    top1 = sum(r == 1 for r in ranks) / n
    misses = sum(r is None or r > TOP for r in ranks)
    return Score(n, mrr, top1, misses)


def ceiling(coll: Collection, items: list[Item]) -> dict[str, Score]:
    """Per class, the expected score of ranking by the generator's own likelihood."""
    sums: dict[str, list[float]] = {}
    for it in items:
        mine = likelihood(coll, it.kind, it.target, it.words)
        above = ties = 0
        for i in coll.containing(it.words):
            p = likelihood(coll, it.kind, i, it.words)
            above += p > mine
            ties += p == mine
        # Ties in a random order: each of the positions above+1 … above+ties is equally likely.
        first = above + 1
        rr = sum(1 / r for r in range(first, first + ties) if r <= TOP) / ties
        top1 = (first == 1) / ties
        miss = sum(r > TOP for r in range(first, first + ties)) / ties
        acc = sums.setdefault(it.kind, [0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += rr
        acc[2] += top1
        acc[3] += miss
    return {k: Score(int(n), rr / n, t / n, round(m)) for k, (n, rr, t, m) in sums.items()}


def rank_of(target: Key, answer: list[Key]) -> int | None:
    """1-based position of the target in a system's top 10, or None."""
    for n, key in enumerate(answer[:TOP], 1):
        if key == target:
            return n
    return None
