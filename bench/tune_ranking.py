"""Tune the ranking knobs on the known-item questions of the tuning seed (not the report seed).

    python -m bench.tune_ranking --workdir DIR [--seed 1] [--queries 1000]

Coordinate search, one group of knobs at a time, each step keeping the best so far:
1. field weights (analysis.PART_BOOSTS: paragraph, heading, title; one index build each),
2. BM25 k1 and b (schema.BM25_K1, BM25_B; search time only),
3. the re-ranking bonuses (ranking.Weights: clause, sentence, contiguity), re-ranked offline
   from the captured candidates; the objective is flat near its top, so the mildest setting
   (least total bonus) within --tolerance (0.001, below the noise of 4,000 questions) of the
   best is taken, not the edge of the grid.
The objective is the mean MRR@10 over the question classes, each class weighing the same. Every
configuration tried is printed and written to bench/results/tune_ranking.json; the shipped
values are then set by hand in the code, and `python -m bench.eval ranking` reports them on a
different seed. Indexes are kept in --workdir and reused by later runs (one per field-weight
setting; about 30 s each on a quiet 2-core machine).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import DEFAULT_CORPUS, Corpus  # noqa: E402
from bench.eval_ranking import (  # noqa: E402
    MAIN,
    TUNING_SEED,
    Config,
    ask_ours,
    boosts_name,
    build_ours,
    log,
    measure,
)
from bench.knownitem import CLASSES, Collection, generate  # noqa: E402

HERE = Path(__file__).resolve().parent
BOOSTS = "1,0,0;1,0.5,0;1,1,0;1,2,0;1,0,0.5;1,0,1.5;1,0.5,0.5;1,1,1;1,2,1.5"
K1 = "0.6,0.9,1.2,1.6,2.0"
B = "0.5,0.75,0.9,1.0"
CLAUSE = "0,0.2,0.3,0.5,0.8"
SENTENCE = "0,0.05,0.1"
CONTIGUITY = "0,0.3,0.5,0.8,1,1.5"


def floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.tune_ranking", description=__doc__)
    ap.add_argument("--workdir", type=Path, required=True, help="indexes are built/reused here")
    ap.add_argument("--seed", type=int, default=TUNING_SEED)
    ap.add_argument("--queries", type=int, default=1000, help="questions per class")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--boosts", default=BOOSTS, help="';'-separated paragraph,heading,title")
    ap.add_argument("--k1", default=K1)
    ap.add_argument("--b", default=B)
    ap.add_argument("--clause", default=CLAUSE)
    ap.add_argument("--sentence", default=SENTENCE)
    ap.add_argument("--contiguity", default=CONTIGUITY)
    ap.add_argument("--tolerance", type=float, default=0.001,
                    help="bonuses: mildest setting within this of the best objective")  # fmt: skip
    ap.add_argument("--output", type=Path, default=HERE / "results" / "tune_ranking.json")
    args = ap.parse_args(argv)

    corpus = Corpus.open(args.corpus)
    coll = Collection(corpus)
    items = generate(coll, args.seed, args.queries)
    tried: list[dict] = []

    def objective(config: Config) -> float:
        index = args.workdir / boosts_name(config.boosts)
        if not index.is_dir():
            log(f"building an index with field weights {config.boosts}")
            build_ours(corpus, index, config.boosts)
        answers, _timing = ask_ours(index, config, items)
        return record(config, measure(items, coll, answers))

    def rerank_objective(config: Config, cache: list[Captured]) -> float:
        answers = [c.top(config) for c in cache]
        return record(config, measure(items, coll, answers))

    def record(config: Config, scores: dict) -> float:
        value = sum(s["mrr10"] for s in scores.values()) / len(scores)
        tried.append({"config": config.__dict__, "objective": round(value, 4), "scores": scores})
        cells = "  ".join(f"{k} {s['mrr10']:.4f}/{s['misses']}" for k, s in scores.items())
        print(f"{value:.4f}  {cells}  {config_text(config)}", flush=True)
        return value

    from govsearch.search.ranking import RERANK_DEPTH

    best = replace(MAIN, label="tuned", depth=RERANK_DEPTH)
    t0 = time.perf_counter()
    grid = [{"boosts": tuple(floats(b))} for b in args.boosts.split(";") if b]
    best = pick(best, grid, objective)
    grid = [{"k1": k, "b": b} for k, b in itertools.product(floats(args.k1), floats(args.b))]
    best = pick(best, grid, objective)
    # The bonuses only reorder the best candidates: capture them once, re-rank them offline.
    cache = capture(args.workdir / boosts_name(best.boosts), best, items)
    grid = [
        {"clause": c, "sentence": s, "contiguity": g}
        for c, s, g in itertools.product(
            floats(args.clause), floats(args.sentence), floats(args.contiguity)
        )
        if s <= c
    ]
    best = pick(
        best, grid, lambda config: rerank_objective(config, cache), tolerance=args.tolerance
    )
    report = {
        "seed": args.seed,
        "questions_per_class": args.queries,
        "classes": list(CLASSES),
        "best": best.__dict__,
        "tried": tried,
        "minutes": round((time.perf_counter() - t0) / 60, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


def pick(best: Config, grid: list[dict], objective, tolerance: float = 0.0) -> Config:
    """The best of `best` changed by each entry of the grid.

    With a tolerance: of the entries within it of the best objective, the one whose values add
    up to the least (the mildest bonuses), then the higher objective. Without: the best, ties
    to the first listed.
    """
    scored = [(objective(replace(best, **knobs)), n, knobs) for n, knobs in enumerate(grid)]
    top = max(v for v, _n, _k in scored)
    if tolerance:
        near = [x for x in scored if x[0] >= top - tolerance]
        _value, _n, knobs = min(near, key=lambda x: (sum(x[2].values()), -x[0], x[1]))
    else:
        _value, _n, knobs = max(scored, key=lambda x: (x[0], -x[1]))
    best = replace(best, **knobs)
    print(f"best so far: {config_text(best)}", flush=True)
    return best


class Captured:
    """One question's re-ranking input as the search path handed it over."""

    def __init__(self, terms, head, base, norms, year_keys, keys):
        self.terms, self.head, self.base = terms, head, base
        self.norms, self.year_keys, self.keys = norms, year_keys, keys

    def top(self, config: Config) -> list:
        """The top 10 keys under a config's bonuses, ordered as search/service.py orders."""
        from govsearch.search import ranking

        weights = ranking.Weights(config.clause, config.sentence, config.contiguity)
        final = {
            p: ranking.components(
                self.terms, ranking.Candidate(p, self.base[p], self.norms[p]), weights
            ).total
            for p in self.head
        }
        order = sorted(self.head, key=lambda p: (-final[p], self.year_keys[p], p))
        return [self.keys[p] for p in order[:10]]


def capture(index: Path, config: Config, items) -> list[Captured]:
    """Run every question once and keep what re-ranking saw (the head and its base scores)."""
    from govsearch.search import open_index, ranking

    calls: list[tuple] = []
    original = ranking.rerank

    def spy(terms, candidates):
        calls.append((terms, candidates))
        return original(terms, candidates)

    ranking.rerank = spy
    try:
        answers, _t = ask_ours(index, config, items)
    finally:
        ranking.rerank = original
    if len(calls) != len(items):
        raise SystemExit("a question did not reach re-ranking; cannot tune offline")
    reader = open_index(index).reader()
    seen = []
    for terms, candidates in calls:
        head = [c.pid for c in candidates]
        lines = reader.fetch(head, "line")
        docs = {p: reader.doc_of(p) for p in head}
        seen.append(
            Captured(
                terms,
                head,
                {c.pid: c.score for c in candidates},
                {c.pid: c.norm for c in candidates},
                {p: -d.year if d.year is not None else 10**6 for p, d in docs.items()},
                {p: (Path(d.path).name, lines[p][0]) for p, d in docs.items()},
            )
        )
    offline = [c.top(config) for c in seen]
    if offline != answers:  # the offline order must be the search path's own
        raise SystemExit("offline re-ranking disagrees with search(); fix Captured.top")
    return seen


def config_text(c: Config) -> str:
    return (
        f"boosts {','.join(f'{b:g}' for b in c.boosts)} k1 {c.k1:g} b {c.b:g} "
        f"clause {c.clause:g} sentence {c.sentence:g} contiguity {c.contiguity:g}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
