"""Known-item ranking evaluation: `python -m bench.eval ranking [--seed=N]` (part of `make eval`).

Builds govsearch's index of the corpus (and, for the baseline rows, one with the field weights
main had before issue 9) and the classic stack's (Whoosh + jieba.analyse.ChineseAnalyzer, as in
bench/systems.py), generates known-item questions with a seed (bench/knownitem.py describes
how), and reports MRR@10, top-1 and misses per question class for each system and for each
ranking change added in turn, all from the same run, plus what re-ranking costs per query.
Prints a table; writes bench/results/eval_ranking.json.

The ranking was tuned on seed TUNING_SEED's questions (bench/tune_ranking.py); the default seed
here is a different one, so the reported figures are on questions the tuning never saw.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

if __package__ in (None, ""):  # `python bench/eval_ranking.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import DEFAULT_CORPUS, Corpus, Key  # noqa: E402
from bench.knownitem import (  # noqa: E402
    CLASSES,
    TOP,
    Collection,
    Item,
    ceiling,
    generate,
    rank_of,
    score,
)
from bench.measure import REPO, child_env, machine, percentile  # noqa: E402
from bench.query import load_queries  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULT = HERE / "results" / "eval_ranking.json"
REPORT_SEED = 2
TUNING_SEED = 1
PER_CLASS = 1000
TARGETS = {"easy": 0.98, "hard": 0.90}
QUERIES = HERE / "queries.txt"  # the benchmark's query set: what re-ranking costs a user
REPEATS = 3


@dataclass(frozen=True)
class Config:
    """One way of ranking with govsearch: the knobs issue 9 tuned, at given values."""

    label: str
    boosts: tuple[float, float, float]
    k1: float
    b: float
    clause: float
    sentence: float
    contiguity: float
    #: Candidates re-ranked (ranking.RERANK_DEPTH); 0 = none: the page comes from the base order.
    depth: int


def current() -> Config:
    """The ranking this code ships."""
    from govsearch.indexer import analysis, schema
    from govsearch.search import ranking

    w = ranking.WEIGHTS
    return Config(
        "govsearch (this code)",
        tuple(analysis.PART_BOOSTS),  # type: ignore[arg-type]
        schema.BM25_K1,
        schema.BM25_B,
        w.clause,
        w.sentence,
        w.contiguity,
        ranking.RERANK_DEPTH,
    )


#: Ranking on main before issue 9: BM25F (Whoosh's defaults), heading ×2, title ×1.5, no rerank.
MAIN = Config("govsearch before issue 9 (main)", (1.0, 2.0, 1.5), 1.2, 0.75, 0.0, 0.0, 0.0, 0)


def steps(final: Config) -> list[Config]:
    """main, then each tuned change added in turn, ending at the shipped ranking."""
    out = [MAIN]

    def add(label: str, **changes) -> None:
        nxt = replace(out[-1], label=label, **changes)
        if nxt != replace(out[-1], label=label):
            out.append(nxt)

    add("+ field weights tuned", boosts=final.boosts)
    add("+ BM25 k1, b tuned", k1=final.k1, b=final.b)
    add(
        "+ re-ranking: proximity (clause, sentence)",
        clause=final.clause,
        sentence=final.sentence,
        depth=final.depth,
    )
    add("+ contiguity", contiguity=final.contiguity)
    if len(out) == 1:  # nothing changed since main
        out.append(final)
    out[-1] = replace(out[-1], label=final.label)
    return out


# -- building ---------------------------------------------------------------------------------


def boosts_name(boosts: tuple[float, ...]) -> str:
    return "ours-" + "-".join(f"{b:g}" for b in boosts)


def build_ours(corpus: Corpus, out: Path, boosts: tuple[float, ...]) -> float:
    """Index the corpus with these field weights in a child process; returns seconds."""
    t0 = time.perf_counter()
    cmd = [
        sys.executable,
        "-m",
        "bench.eval_ranking",
        "--build-ours",
        str(out),
        "--boosts",
        ",".join(map(str, boosts)),
        "--corpus",
        str(corpus.dir),
        "--manifest",
        str(corpus.manifest),
    ]
    subprocess.run(cmd, cwd=REPO, env=child_env(), check=True)
    return time.perf_counter() - t0


def _build_ours_here(out: Path, boosts: tuple[float, ...], corpus: Corpus) -> None:
    from govsearch.indexer import analysis, build_index

    # The tokenizer reads the weights when it runs, in this process and the writer processes it
    # forks: setting them first builds an index as a version with these weights would.
    analysis.PART_BOOSTS = tuple(boosts)
    build_index(corpus.paths(), out, manifest=corpus.manifest, rebuild=True)


def build_classic(corpus: Corpus, out: Path) -> float:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-m",
            "bench.child",
            "build",
            "classic",
            str(corpus.dir),
            str(corpus.manifest),
            str(out),
            "--result",
            str(Path(tmp) / "r.json"),
        ]
        subprocess.run(cmd, cwd=REPO, env=child_env(), check=True, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


# -- answering ----------------------------------------------------------------------------------


@contextlib.contextmanager
def configured(config: Config) -> Iterator[dict[str, list[float]]]:
    """Search-time knobs set to a config; yields per-query timings of ranking.rerank.

    k1 and b reach Whoosh when an index's searcher is made: use a fresh Index per config.
    """
    from govsearch.indexer import schema
    from govsearch.search import ranking

    saved = schema.BM25_K1, schema.BM25_B, ranking.WEIGHTS, ranking.rerank, ranking.RERANK_DEPTH
    timings: dict[str, list[float]] = {"rerank": []}

    def timed_rerank(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return saved[3](*args, **kwargs)
        finally:
            timings["rerank"].append(time.perf_counter() - t0)

    schema.BM25_K1, schema.BM25_B = config.k1, config.b
    ranking.RERANK_DEPTH = config.depth
    ranking.WEIGHTS = ranking.Weights(config.clause, config.sentence, config.contiguity)
    ranking.rerank = timed_rerank
    try:
        yield timings
    finally:
        (schema.BM25_K1, schema.BM25_B, ranking.WEIGHTS, ranking.rerank,
         ranking.RERANK_DEPTH) = saved  # fmt: skip


def ask_ours(index_dir: Path, config: Config, items: list[Item]) -> tuple[list, dict]:
    """Top-10 answers under a config, and timings (seconds per query)."""
    ((answers, timings),) = ask_interleaved({config.boosts: index_dir}, [config], items)
    return answers, timings


def ask_interleaved(
    indexes: dict[tuple, Path], configs: list[Config], items: list, repeats: int = 1
) -> list[tuple[list, dict]]:
    """Each config's answers and timings, the configs taking turns on every question.

    Taking turns keeps the timings comparable on a machine whose load drifts; with repeats,
    each question's fastest run counts. `search(..., facets=...)`: facets for the benchmark's
    queries (as a user's page has them), none for the known-item questions.
    """
    from govsearch.search import open_index, search

    # One Index (reader, searcher, caches) per configuration: k1 and b are fixed in a searcher.
    opened = {c: open_index(indexes[c.boosts]) for c in configs}
    out = [([], {"search": [], "rerank": []}) for _ in configs]
    for item in items:
        text, facets = (item.text, False) if isinstance(item, Item) else (item, True)
        for config, (answers, timings) in zip(configs, out, strict=True):
            runs = []
            with configured(config) as spent:
                for _ in range(repeats):
                    spent["rerank"].clear()
                    t0 = time.perf_counter()
                    result = search(opened[config], text, limit=TOP, facets=facets)
                    runs.append((time.perf_counter() - t0, sum(spent["rerank"])))
            took, reranking = min(runs)
            timings["search"].append(took)
            timings["rerank"].append(reranking)
            answers.append([(Path(h.path).name, h.line) for h in result.hits])
    return out


def ask_classic(index_dir: Path, items: list[Item]) -> tuple[list, dict]:
    import logging

    import jieba
    from whoosh import index
    from whoosh.qparser import QueryParser

    jieba.setLogLevel(logging.WARNING)
    ix = index.open_dir(str(index_dir))
    parser = QueryParser("body", ix.schema)  # words ANDed, as bench/systems.py does
    answers, seconds = [], []
    with ix.searcher() as searcher:
        for item in items:
            t0 = time.perf_counter()
            hits = searcher.search(parser.parse(item.text), limit=TOP)
            answers.append([(h["file"], h["line"]) for h in hits])
            seconds.append(time.perf_counter() - t0)
    return answers, {"search": seconds}


def questions_digest(items: list[Item]) -> str:
    """A short digest of the question list (class, text, target), the same for every system."""
    import hashlib

    text = "\n".join(f"{i.kind}\t{i.text}\t{i.target}" for i in items)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def measure(items: list[Item], coll: Collection, answers: list[list[Key]]) -> dict:
    """Scores per class for one system's answers."""
    out = {}
    for kind in dict.fromkeys(i.kind for i in items):
        ranks = [
            rank_of(coll.keys[it.target], ans)
            for it, ans in zip(items, answers, strict=True)
            if it.kind == kind
        ]
        out[kind] = score(ranks).to_dict()
    return out


def ms(values: list[float], p: float) -> float:
    return round(1000 * percentile(values, p), 3) if values else float("nan")


# -- the run ------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.eval ranking", description=__doc__)
    ap.add_argument(
        "--seed",
        type=int,
        default=REPORT_SEED,
        help=f"question seed (default {REPORT_SEED}; {TUNING_SEED} was used for tuning)",
    )
    ap.add_argument("--queries", type=int, default=PER_CLASS, help="questions per class")
    ap.add_argument("--classes", default=",".join(CLASSES), help="subset of " + ",".join(CLASSES))
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--manifest", type=Path, help="default CORPUS/manifest.jsonl")
    ap.add_argument("--workdir", type=Path, help="keep the indexes here (default: a temp dir)")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="use indexes already in --workdir (only if built by this code)",
    )
    ap.add_argument(
        "--no-steps",
        action="store_true",
        help="only classic and the shipped ranking, not each change in turn",
    )
    ap.add_argument("--no-classic", action="store_true", help="skip the classic stack")
    ap.add_argument("--output", type=Path, default=RESULT)
    ap.add_argument("--build-ours", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--boosts", help=argparse.SUPPRESS)
    # `python -m bench.eval` hands every evaluation the same options: ignore the others'.
    args, _unknown = ap.parse_known_args(argv)
    return args


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    corpus = Corpus.open(args.corpus, args.manifest)
    if args.build_ours:
        _build_ours_here(args.build_ours, tuple(map(float, args.boosts.split(","))), corpus)
        return 0
    work = args.workdir or Path(tempfile.mkdtemp(prefix="eval-ranking-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return run(args, corpus, work)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, corpus: Corpus, work: Path) -> int:
    final = current()
    configs = [final] if args.no_steps else steps(final)
    builds: dict[str, float] = {}
    for boosts in dict.fromkeys(c.boosts for c in configs):
        out = work / boosts_name(boosts)
        if not (args.reuse and out.is_dir()):
            log(f"building govsearch's index with field weights {boosts} in {out.name}")
            builds[out.name] = round(build_ours(corpus, out, boosts), 1)
    if not args.no_classic and not (args.reuse and (work / "classic").is_dir()):
        log("building the classic stack's index")
        builds["classic"] = round(build_classic(corpus, work / "classic"), 1)

    log("cutting the corpus into words and drawing questions")
    t0 = time.perf_counter()
    coll = Collection(corpus)
    classes = [c for c in args.classes.split(",") if c]
    items = generate(coll, args.seed, args.queries, classes)
    gen_s = time.perf_counter() - t0
    sizes = {k: [len(coll.containing(i.words)) for i in items if i.kind == k] for k in classes}

    rows = []
    if not args.no_classic:
        log("asking the classic stack")
        answers, t = ask_classic(work / "classic", items)
        rows.append(
            {
                "system": "classic (Whoosh + jieba.analyse)",
                "scores": measure(items, coll, answers),
                "search_ms": _timing(t["search"]),
            }
        )
    log("asking govsearch: " + "; ".join(c.label for c in configs))
    indexes = {c.boosts: work / boosts_name(c.boosts) for c in configs}
    # Two runs per question and configuration, the faster counting: the first run of a question
    # on an index pays for reading its postings from disk, whichever configuration comes first.
    asked = ask_interleaved(indexes, configs, items, repeats=2)
    for config, (answers, t) in zip(configs, asked, strict=True):
        rows.append(
            {
                "system": config.label,
                "config": config.__dict__,
                "scores": measure(items, coll, answers),
                "search_ms": _timing(t["search"]),
                "rerank_ms": _timing(t["rerank"]),
            }
        )
    log(f"timing main and this code on {QUERIES.name} (fastest of {REPEATS} runs per query)")
    queries = [q.text for q in load_queries(QUERIES)]
    pair = [configs[0], final] if configs[0] != final else [final]
    latency = [
        {"system": c.label, "search_ms": _timing(t["search"]), "rerank_ms": _timing(t["rerank"])}
        for c, (_a, t) in zip(pair, ask_interleaved(indexes, pair, queries, REPEATS), strict=True)
    ]

    log("ranking by the generator's own likelihood (the ceiling)")
    best = ceiling(coll, items)
    rows.append(
        {
            "system": "ceiling: the generator's likelihood (knows how questions were made)",
            "scores": {k: s.to_dict() for k, s in best.items()},
        }
    )

    report = {
        "seed": args.seed,
        "tuning_seed": TUNING_SEED,
        "corpus": {"paragraphs": len(coll), "documents": len(corpus.files)},
        "questions_per_class": {k: len(v) for k, v in sizes.items()},
        "questions_digest": questions_digest(items),
        "middling_df": list(coll.band),
        "matching_paragraphs_median": {k: sorted(v)[len(v) // 2] for k, v in sizes.items() if v},
        "generation_s": round(gen_s, 1),
        "build_s": builds,
        "rows": rows,
        "latency": {"queries": len(queries), "file": f"bench/{QUERIES.name}", "rows": latency},
        "targets": _targets(
            next(r for r in rows if r["system"] == final.label)["scores"], rows[-1]["scores"]
        ),
        "machine": machine(),
    }
    print(table(report))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", "utf-8")
    shown = args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output
    log(f"wrote {shown}")
    return 0


def _timing(seconds: list[float]) -> dict:
    """Mean, median, 95th percentile and maximum in milliseconds."""
    return {
        "mean": round(1000 * sum(seconds) / len(seconds), 3) if seconds else None,
        "p50": ms(seconds, 50),
        "p95": ms(seconds, 95),
        "max": ms(seconds, 100),
    }


def _targets(scores: dict, ceiling: dict) -> list[dict]:
    out = []
    for kind, floor in TARGETS.items():
        if kind not in scores:
            continue
        s = scores[kind]
        ok = s["mrr10"] >= floor and (kind != "easy" or s["misses"] == 0)
        need = f"MRR@10 ≥ {floor}" + (" and no miss" if kind == "easy" else "")
        out.append({"class": kind, "target": need, "mrr10": s["mrr10"], "misses": s["misses"],
                    "met": ok, "ceiling_mrr10": ceiling[kind]["mrr10"],
                    "ceiling_misses": ceiling[kind]["misses"]})  # fmt: skip
    return out


def table(report: dict) -> str:
    classes = list(report["questions_per_class"])
    lines = [
        f"Known-item ranking on {report['corpus']['paragraphs']:,} paragraphs, seed "
        f"{report['seed']} (ranking tuned on seed {report['tuning_seed']}); questions per class: "
        + ", ".join(f"{k} {n}" for k, n in report["questions_per_class"].items())
        + f"; middling df {report['middling_df'][0]}–{report['middling_df'][1]}",
        "",
        "| system | "
        + " | ".join(f"{k} MRR@10 / top-1 / misses" for k in classes)
        + " | search p50 / p95 ms | rerank mean / p95 ms |",
        "|---|" + "---|" * (len(classes) + 2),
    ]
    asked = {
        row["system"]: {k: row["scores"][k]["queries"] for k in classes} for row in report["rows"]
    }
    if any(counts != report["questions_per_class"] for counts in asked.values()):
        raise SystemExit(f"systems were not asked the same questions: {asked}")
    for row in report["rows"]:
        cells = [
            f"{s['mrr10']:.3f} / {s['top1']:.3f} / {s['misses']}"
            for s in (row["scores"][k] for k in classes)
        ]
        rr = row.get("rerank_ms")
        rerank = f"{rr['mean']:.2f} / {rr['p95']:.2f}" if rr and rr["mean"] is not None else "—"
        t = row.get("search_ms")
        search = f"{t['p50']:.1f} / {t['p95']:.1f}" if t else "—"
        lines.append(f"| {row['system']} | " + " | ".join(cells) + f" | {search} | {rerank} |")
    lat = report.get("latency")
    if lat:
        lines += ["", f"Cost on the benchmark's {lat['queries']} queries ({lat['file']}, top 10 "
                  "with facets, fastest of 3 runs each, configurations taking turns):", "",
                  "| system | search p50 / p95 ms | re-ranking mean / p95 / max ms |",
                  "|---|---|---|"]  # fmt: skip
        for row in lat["rows"]:
            t, rr = row["search_ms"], row["rerank_ms"]
            lines.append(f"| {row['system']} | {t['p50']:.2f} / {t['p95']:.2f} | "
                         f"{rr['mean']:.2f} / {rr['p95']:.2f} / {rr['max']:.2f} |")  # fmt: skip
    lines += [
        "",
        f"Every row answered the same {sum(report['questions_per_class'].values()):,} questions "
        f"(question set {report.get('questions_digest', '?')}: each system is asked the one list "
        "drawn above, in order, and scored per class on it).",
        "",
    ]
    for t in report["targets"]:
        verdict = "met" if t["met"] else "NOT met"
        lines.append(
            f"target {t['class']}: {t['target']} — {verdict} "
            f"({t['mrr10']:.3f}, {t['misses']} misses; the ceiling on these questions: "
            f"{t['ceiling_mrr10']:.3f}, {t['ceiling_misses']} misses)"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
