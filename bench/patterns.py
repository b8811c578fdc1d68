"""Pattern benchmark (issue 21): `python -m bench.patterns [--scales 10,30] [--index-10x DIR] ...`.

For each scale, in a fresh child process with the index open:
- the pattern class: wildcards and regular expressions that need at least one pair gram, warm
  (`search` top 10 with highlights and facets, the reader's per-query caches emptied before
  each timed run, median of --repeats), against a compiled-`re` scan over every normalised
  paragraph held in memory (the same expression, median of --scan-repeats), same process;
  each pattern's paragraph count is checked against the scan's;
- patterns that need no pair gram (a bounded scan), reported beside them;
- `variants '?长制'`, fresh caches and warm;
- the plain-term query set (bench/queries.txt) with this code and, in another child, with the
  code of --before (a git revision, default the merge base with main), on the same index,
  alternated twice, each query's faster median kept.

Indexes missing from the options are built in --workdir (scaled corpora by bench/corpus.py).
Results: a table on stdout and bench/results/patterns.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORD = r"[^\W_]"

#: (query, the same expression for re over normalised text). Every one needs a pair gram.
PATTERNS = [
    ("?长制", f"{WORD}长制"),
    ("*长制", "长制"),
    ("营?环境", f"营{WORD}环境"),
    ("数字??", f"数字{WORD}{WORD}"),
    ("一网*", "一网"),
    ("?发展", f"{WORD}发展"),
    ("/[河湖林田山路]长制/", "[河湖林田山路]长制"),
    ("/[一二三四五六七八九十]是/", "[一二三四五六七八九十]是"),
    ("/第.{1,3}次全国/", "第.{1,3}次全国"),
    ("/\\d{4}年工作/", "\\d{4}年工作"),
    ("/(?:推进|推动)[^,。]{0,6}高质量发展/", "(?:推进|推动)[^,。]{0,6}高质量发展"),
    ("/^[一二三四五六七八九十]+、/", "^[一二三四五六七八九十]+、"),
    ("/营商环境|放管服/", "营商环境|放管服"),
    ("/河长制.{0,20}办公室/", "河长制.{0,20}办公室"),
]
#: Patterns that need no pair gram: answered by reading every paragraph holding a character.
NO_PAIR = [("/.是/", ".是"), ("河*制", f"河{WORD}{{0,8}}?制")]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def child_patterns(index: str, repeats: int, scan_repeats: int) -> dict:
    from govsearch.search import matching_pids, open_index, search
    from govsearch.search.variants import variants

    handle = open_index(index)
    reader = handle.reader()
    search(handle, "河长制")  # open the flat files, build the per-reader tables
    texts = reader.norms(reader.all_pids().tolist())
    out: dict = {"paragraphs": len(texts), "patterns": {}, "no_pair": {}}
    for name, group in (("patterns", PATTERNS), ("no_pair", NO_PAIR)):
        for query, expression in group:
            rx = re.compile(expression)

            def scan(rx=rx):
                return sum(1 for t in texts if rx.search(t))

            expected = scan()
            ours = int(matching_pids(handle, query, collapse=False).size)

            def fresh(query=query):
                reader.clear_query_cache()
                search(handle, query, limit=10)

            fresh()
            out[name][query] = {
                "ours_ms": _median_ms(fresh, repeats),
                "scan_ms": _median_ms(scan, scan_repeats),
                "paragraphs": ours,
                "exact": ours == expected,
            }
            log(f"  {query}: {out[name][query]}")

    def fresh_variants():
        reader.clear_query_cache()
        variants(handle, "?长制")

    fresh_variants()
    out["variants_fresh_ms"] = _median_ms(fresh_variants, repeats)
    out["variants_warm_ms"] = _median_ms(lambda: variants(handle, "?长制"), repeats)
    out["variants_rows"] = len(variants(handle, "?长制").variants)
    return out


def child_terms(index: str, repeats: int) -> dict:
    """The plain-term query set, fresh caches (run with this code or another on sys.path)."""
    import govsearch.search as gs
    from bench.query import load_queries

    handle = gs.open_index(index)
    reader = handle.reader()
    gs.search(handle, "河长制")
    out = {}
    for q in load_queries(HERE / "queries.txt"):

        def fresh(text=q.text):
            reader.clear_query_cache()
            gs.search(handle, text, limit=10)

        fresh()
        out[q.text] = _median_ms(fresh, repeats)
    return {"queries": out, "code": str(Path(gs.__file__).resolve().parents[1])}


def run_child(args: list[str], code: Path | None = None) -> dict:
    """Run a measurement in a new process; with `code`, a package root whose govsearch is
    imported instead of this checkout's (it comes first on sys.path: the working directory)."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(REPO)  # for bench itself
    proc = subprocess.run(
        [sys.executable, "-m", "bench.patterns", "--child", *args],
        cwd=code or REPO, capture_output=True, text=True, timeout=7200, env=env,
    )  # fmt: skip
    sys.stderr.write(proc.stderr)
    if proc.returncode:
        raise SystemExit(f"child {args} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def before_tree(rev: str, work: Path) -> Path:
    """A package root whose `govsearch` is the code of `rev` (its parts linked in as installed)."""
    tree = work / f"before-{rev}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=REPO,
                       check=True, capture_output=True)  # fmt: skip
    root = work / "before-path"
    pkg = root / "govsearch"
    if not pkg.exists():
        pkg.mkdir(parents=True)
        for item in (tree / "govsearch").iterdir():
            (pkg / item.name).symlink_to(item)
        for part in ("indexer", "search", "web", "seeds"):
            (pkg / part).symlink_to(tree / part)
    return root


def build(scale: int, work: Path) -> Path:
    from bench.corpus import DEFAULT_CORPUS, Corpus, make_scaled
    from govsearch.indexer import build_index

    index = work / f"index-{scale}x"
    if (index / "CURRENT").exists():
        return index
    corpus = make_scaled(Corpus.open(DEFAULT_CORPUS), scale, work / f"corpus-{scale}x")
    log(f"building the {scale}x index")
    build_index([corpus.dir], index, manifest=corpus.manifest)
    return index


def summary(r: dict) -> dict:
    pats = r["patterns"]
    ours = [p["ours_ms"] for p in pats.values()]
    scans = [p["scan_ms"] for p in pats.values()]
    slowest = max(pats, key=lambda q: pats[q]["ours_ms"])
    return {
        "ours_p50_ms": _pct(ours, 0.5),
        "ours_p95_ms": _pct(ours, 0.95),
        "scan_p50_ms": _pct(scans, 0.5),
        "scan_p95_ms": _pct(scans, 0.95),
        "p95_ratio": _pct(ours, 0.95) / _pct(scans, 0.95),
        "slowest": slowest,
        "slowest_ms": pats[slowest]["ours_ms"],
        "slowest_ratio_own_scan": pats[slowest]["ours_ms"] / pats[slowest]["scan_ms"],
        "worst_ratio": max(p["ours_ms"] / p["scan_ms"] for p in pats.values()),
        "exact": sum(p["exact"] for p in pats.values()),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.patterns", description=__doc__)
    ap.add_argument("--scales", default="10,30")
    for s in (1, 10, 30):
        ap.add_argument(f"--index-{s}x", type=Path, help=f"an index of the corpus ×{s}")
    ap.add_argument("--workdir", type=Path, help="where to build indexes (default: a temp dir)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--scan-repeats", type=int, default=3)
    ap.add_argument("--before", default=None, help="git revision for the plain-term comparison")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "patterns":
            result = child_patterns(rest[0], int(rest[1]), int(rest[2]))
        else:
            result = child_terms(rest[0], int(rest[1]))
        print(json.dumps(result, ensure_ascii=False))
        return
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="govsearch-pattern-bench-")
        work = Path(tmp.name)
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    from bench.measure import machine

    rev = (
        args.before
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    results: dict = {"machine": machine(), "commit": commit, "before": rev[:7], "scales": {},
                     "load_average_start": os.getloadavg()}  # fmt: skip
    old = before_tree(rev, work)
    for scale in [int(s) for s in args.scales.split(",")]:
        index = getattr(args, f"index_{scale}x", None) or build(scale, work)
        log(f"{scale}x: patterns")
        r = run_child(["patterns", str(index), str(args.repeats), str(args.scan_repeats)])
        # Alternated, twice each, the faster of the two medians kept per query: a machine
        # shared with other work slows whichever run it happens to meet.
        runs: dict = {"after": [], "before": []}
        for _round in range(2):
            for side, code in (("after", None), ("before", old)):
                log(f"{scale}x: plain terms, {'this code' if code is None else rev[:7]}")
                runs[side].append(run_child(["terms", str(index), str(args.repeats)], code=code))
        if runs["before"][0]["code"] == runs["after"][0]["code"]:
            raise SystemExit(f"the plain-term run of {rev[:7]} imported this checkout's code")
        for side, done in runs.items():
            queries = {q: min(d["queries"][q] for d in done) for q in done[0]["queries"]}
            r[f"terms_{side}"] = {"queries": queries, "code": done[0]["code"]}
        r["summary"] = summary(r)
        results["scales"][f"{scale}x"] = r
    results["load_average_end"] = os.getloadavg()
    print_table(results)
    out = HERE / "results" / "patterns.json"
    text = json.dumps(results, ensure_ascii=False, indent=1).replace(str(work), "$WORK")
    out.write_text(text + "\n", encoding="utf-8")
    log(f"wrote {out.relative_to(REPO)}")
    subprocess.run(["git", "worktree", "remove", "--force", str(work / f"before-{rev}")],
                   cwd=REPO, capture_output=True)  # fmt: skip
    if tmp is not None:
        tmp.cleanup()


def print_table(results: dict) -> None:
    for scale, r in results["scales"].items():
        s = r["summary"]
        print(f"{scale}: {r['paragraphs']:,} paragraphs")
        head = ("pattern", "ours ms", "re scan ms", "ratio", "paras", "exact")
        print("  {:<38} {:>9} {:>11} {:>6} {:>7} {}".format(*head))
        for name in ("patterns", "no_pair"):
            for q, p in r[name].items():
                tag = "" if name == "patterns" else " (no pair)"
                ratio = p["ours_ms"] / p["scan_ms"]
                cells = (q + tag, p["ours_ms"], p["scan_ms"], ratio, p["paragraphs"], p["exact"])
                print("  {:<38} {:>9.1f} {:>11.1f} {:>6.3f} {:>7} {}".format(*cells))
        print(
            f"  pair-gram class: p50 {s['ours_p50_ms']:.1f} ms, p95 {s['ours_p95_ms']:.1f} ms "
            f"vs re scan p95 {s['scan_p95_ms']:.1f} ms = {s['p95_ratio']:.3f}x; slowest "
            f"{s['slowest']} {s['slowest_ms']:.1f} ms = {s['slowest_ratio_own_scan']:.3f}x "
            f"its scan; worst ratio {s['worst_ratio']:.3f}; exact {s['exact']}/{len(r['patterns'])}"
        )
        print(
            f"  variants '?长制': fresh {r['variants_fresh_ms']:.0f} ms, warm "
            f"{r['variants_warm_ms']:.0f} ms ({r['variants_rows']} rows)"
        )
        a = list(r["terms_after"]["queries"].values())
        b = list(r["terms_before"]["queries"].values())
        print(
            f"  plain terms ({len(a)} queries), fresh caches: before p50 {_pct(b, 0.5):.2f} / "
            f"p95 {_pct(b, 0.95):.2f} ms, after p50 {_pct(a, 0.5):.2f} / "
            f"p95 {_pct(a, 0.95):.2f} ms"
        )


if __name__ == "__main__":
    main()
