"""Run the benchmark: `python -m bench [--quick] [--scales 1,3,10] ...` (see bench/README.md)."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psutil

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import incremental, research  # noqa: E402
from bench.corpus import (  # noqa: E402
    DEFAULT_CORPUS,
    Corpus,
    Paragraphs,
    make_scaled,
    normaliser,
)
from bench.measure import (  # noqa: E402
    MB,
    REPO,
    child_env,
    dir_size,
    free_port,
    http_get,
    load_test,
    machine,
    median,
    percentile,
    run_measured,
    time_process,
    wait_http,
)
from bench.query import evaluate, load_queries, parse  # noqa: E402
from bench.systems import SYSTEMS  # noqa: E402

HERE = Path(__file__).resolve().parent
LONG_RUN_S = 20.0  # a build longer than this is run once, shorter ones are repeated
COLD_QUERY = "河长制"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder of .txt files (default ../shared/corpus)",
    )
    ap.add_argument("--manifest", type=Path, help="manifest.jsonl (default CORPUS/manifest.jsonl)")
    ap.add_argument("--queries", type=Path, default=HERE / "queries.txt")
    ap.add_argument("--scales", default="1,3,10", help="corpus copies to test, e.g. 1,3,10")
    ap.add_argument("--systems", default=",".join(SYSTEMS), help="subset of " + ",".join(SYSTEMS))
    ap.add_argument(
        "--classic-scales",
        default="1",
        help="scales at which the classic stack is built (slow: 3x adds about 6 minutes)",
    )
    ap.add_argument("--quick", action="store_true", help="1x only, fewer repeats, no web test")
    ap.add_argument(
        "--build-runs", type=int, default=3, help="max builds per figure (short builds only)"
    )
    ap.add_argument(
        "--repeats", type=int, default=5, help="timed runs per warm query (median taken)"
    )
    ap.add_argument(
        "--cold-runs", type=int, default=5, help="timed cold-process runs (median taken)"
    )
    ap.add_argument("--web-seconds", type=float, default=20.0)
    ap.add_argument("--web-clients", type=int, default=8)
    ap.add_argument(
        "--web-path", default="/api/search?q={q}&per_page=10", help="request path template"
    )
    ap.add_argument("--no-web", action="store_true")
    ap.add_argument("--no-serve", action="store_true", help="skip serve RSS after the query set")
    ap.add_argument(
        "--research",
        action="store_true",
        help="also time the research views (kwic, diffusion, …: bench/research.py) on our index",
    )
    ap.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    ap.add_argument(
        "--workdir", type=Path, help="where scaled corpora and indexes go (default: a temp dir)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the work dir")
    ap.add_argument(
        "--no-incremental", action="store_true", help="skip the incremental section (ours)"
    )
    ap.add_argument(
        "--incremental-fresh-scales",
        default="1,3,10",
        help="scales at which the incremental section also builds the final folder afresh",
    )
    ap.add_argument(
        "--incremental-runs-scales",
        help="scales at which the incremental section also makes its twenty 1 %% runs and "
        "--optimize (default: every scale; at 30x they take most of an hour)",
    )
    ap.add_argument(
        "--incremental-dup-scale",
        type=int,
        help="scale of the half-near-duplicates folder (default: the largest scale up to 10)",
    )
    ap.add_argument(
        "--oracle",
        choices=["nfkc+t2s", "nfkc"],
        default="nfkc+t2s",
        help="oracle normalisation: NFKC+lower case, plus traditional→simplified (default)",
    )
    a = ap.parse_args(argv)
    if a.quick:
        a.scales, a.build_runs, a.repeats, a.cold_runs, a.no_web = "1", 1, 3, 3, True
    a.scales = sorted({int(s) for s in a.scales.split(",")})
    a.classic_scales = {int(s) for s in a.classic_scales.split(",")}
    a.incremental_fresh_scales = {int(s) for s in a.incremental_fresh_scales.split(",")}
    a.incremental_runs_scales = (
        set(a.scales)
        if a.incremental_runs_scales is None
        else {int(s) for s in a.incremental_runs_scales.split(",")}
    )
    if a.incremental_dup_scale is None:
        a.incremental_dup_scale = max((s for s in a.scales if s <= 10), default=None)
    a.systems = [s for s in a.systems.split(",") if s]
    unknown = set(a.systems) - set(SYSTEMS)
    if unknown:
        ap.error(f"unknown systems: {', '.join(sorted(unknown))}")
    a.manifest = a.manifest or a.corpus / "manifest.jsonl"
    return a


# ---------------------------------------------------------------- measuring one system at one scale


def measure_build(name: str, corpus: Corpus, out: Path, runs: int) -> dict:
    results = []
    for i in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        r = run_measured(["build", name, str(corpus.dir), str(corpus.manifest), str(out)])
        results.append(r)
        log(f"  build {name} #{i + 1}: {r['seconds']:.1f} s, peak RSS {r['peak_rss'] / MB:.0f} MB")
        if r["seconds"] > LONG_RUN_S:
            break
    secs = median([r["seconds"] for r in results])
    size = corpus.size_bytes()
    return {
        "runs": len(results),
        "seconds": secs,
        "seconds_runs": [r["seconds"] for r in results],
        "process_wall_s": median([r["process_wall"] for r in results]),
        "paragraphs": results[-1].get("paragraphs"),
        "paragraphs_per_s": (results[-1].get("paragraphs") or 0) / secs,
        "mb_per_s": size / MB / secs,
        "peak_rss_mb": median([r["peak_rss"] for r in results]) / MB,
        "peak_pss_mb": median([r["peak_pss"] or 0 for r in results]) / MB or None,
        "peak_rss_sum_of_peaks_mb": median([r["peak_rss_sum_of_peaks"] for r in results]) / MB,
        "peak_rss_self_mb": median([(r["self_maxrss"] or 0) for r in results]) / MB,
        "peak_rss_descendants_mb": median([r["descendant_peak_sum"] for r in results]) / MB,
        "index_mb": dir_size(out) / MB if out.exists() else None,
    }


def latency_summary(ms: list[float]) -> dict:
    return {
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms, default=float("nan")),
    }


def timed(system, q, repeats: int, fresh: bool) -> float:
    """Median ms of `repeats` runs; fresh = the system's per-query caches emptied before each."""
    times = []
    for _ in range(repeats):
        if fresh:
            system.clear()
        t0 = time.perf_counter()
        system.top(q)
        times.append(time.perf_counter() - t0)
    return median(times) * 1000


def measure_queries(system, queries, oracle: dict, repeats: int, facets_oracle=None) -> dict:
    rows = []
    for q in queries:
        row = {"query": q.text, "category": q.category, "oracle": len(oracle[q.text])}
        try:
            row["top_total"] = system.top(q)  # warm-up; the total the system reports
            row["ms"] = timed(system, q, repeats, fresh=system.has_cache)
            if system.has_cache:
                row["cached_ms"] = timed(system, q, repeats, fresh=False)
            got, want = system.result_set(q), oracle[q.text]
            hit = len(got & want)
            row |= {
                "found": len(got),
                "recall": hit / len(want) if want else 1.0,
                "precision": hit / len(got) if got else 1.0,
                "exact": got == want,
            }
            if facets_oracle is not None and hasattr(system, "facets"):
                row["facets_exact"] = system.facets(q) == facets_oracle[q.text]
        except Exception as e:  # noqa: BLE001 - a failing query is a result, not a crash
            row |= {
                "error": f"{type(e).__name__}: {e}"[:300],
                "recall": 0.0,
                "precision": 0.0,
                "exact": False,
            }
            log(f"  query {q.text!r} failed: {row['error']}")
        rows.append(row)
    ms = [r["ms"] for r in rows if "ms" in r]
    out = {
        **latency_summary(ms),
        "recall": sum(r["recall"] for r in rows) / len(rows),
        "precision": sum(r["precision"] for r in rows) / len(rows),
        "exact": sum(r["exact"] for r in rows),
        "queries": len(rows),
        "errors": sum("error" in r for r in rows),
        "per_query": rows,
    }
    cats = dict.fromkeys(r["category"] for r in rows)
    out["by_category"] = {
        c: latency_summary([r["ms"] for r in rows if r["category"] == c and "ms" in r])
        for c in cats
    }
    cached = [r["cached_ms"] for r in rows if "cached_ms" in r]
    if cached:
        out["cached"] = latency_summary(cached)
    if any("facets_exact" in r for r in rows):
        out["facets_exact"] = sum(r.get("facets_exact", False) for r in rows)
    return out


def measure_system(
    name, corpus, work: Path, queries, oracle, args, cold_query, facets_oracle=None
) -> dict:
    system = SYSTEMS[name]()
    out = work / f"{name}-{corpus.scale}x"
    res: dict = {"label": system.label}
    if system.builds:
        log(f"{name} {corpus.scale}x: building")
        res["build"] = measure_build(name, corpus, out, args.build_runs)
    log(f"{name} {corpus.scale}x: warm queries")
    system.open(corpus, out)
    try:
        res["warm"] = measure_queries(system, queries, oracle, args.repeats, facets_oracle)
    finally:
        system.close()
    cmd = system.cold_cmd(out, cold_query)
    if cmd:
        log(f"{name} {corpus.scale}x: cold process")
        try:
            res["cold"] = time_process(cmd, args.cold_runs)
        except Exception as e:  # noqa: BLE001
            res["cold"] = {"error": str(e)[:500]}
            log(f"  cold failed: {e}")
    gc.collect()
    return res


# ---------------------------------------------------------------- tokenisation floor and web


def tokenisation_floor(texts: list[str], size: int, systems: list[str]) -> dict:
    funcs = {}
    if "ours" in systems:
        try:
            import govsearch.indexer.analysis as analysis

            funcs["ours tokenize_words"] = analysis.tokenize_words
            if hasattr(analysis, "literal_grams"):
                funcs["ours literal_grams"] = analysis.literal_grams
        except ImportError as e:
            log(f"tokenisation floor: {e}")
    if "classic" in systems:
        from jieba.analyse import ChineseAnalyzer

        analyzer = ChineseAnalyzer()
        funcs["classic ChineseAnalyzer"] = lambda t: [tok.text for tok in analyzer(t)]
    out = {}
    for label, fn in funcs.items():
        fn(texts[0])  # dictionary loading is not tokenising
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            tokens = sum(len(fn(t)) for t in texts)
            runs.append(time.perf_counter() - t0)
            if runs[-1] > LONG_RUN_S / 2:
                break
        s = median(runs)
        out[label] = {
            "seconds": s,
            "mb_per_s": size / MB / s,
            "paragraphs_per_s": len(texts) / s,
            "tokens": tokens,
        }
        log(f"tokenisation floor {label}: {s:.2f} s")
    return out


def oracle_facets(paras: Paragraphs, keys: set) -> dict:
    """Year and region counts of the oracle's matches, from the manifest records."""
    row_of = {k: i for i, k in enumerate(paras.keys)} if keys else {}
    years: dict[str, int] = {}
    regions: dict[str, int] = {}
    for k in keys:
        meta = paras.file_meta[paras.file_of[row_of[k]]]
        y = str(meta["year"]) if meta.get("year") else "unknown"
        r = meta.get("region") or "unknown"
        years[y] = years.get(y, 0) + 1
        regions[r] = regions.get(r, 0) + 1
    return {"year": years, "region": regions}


@contextlib.contextmanager
def serving(index_dir: Path):
    """`govsearch serve` on the index and a free port: yields (process, port, None) once it
    answers, or (None, None, reason) if it does not start; stopped on exit."""
    port = free_port()
    cmd = [sys.executable, "-m", "govsearch", "serve", "--index", str(index_dir)]
    log(f"starting govsearch serve on 127.0.0.1:{port} for {index_dir.name}")
    with tempfile.TemporaryFile() as errfh:
        proc = psutil.Popen(
            [*cmd, "--port", str(port)],
            cwd=REPO,
            env=child_env(),
            stdout=subprocess.DEVNULL,
            stderr=errfh,
        )
        try:
            if wait_http(port, proc):
                yield proc, port, None
            else:
                errfh.seek(0)
                tail = errfh.read().decode(errors="replace").strip().splitlines()[-3:]
                yield None, None, " / ".join(tail) or "did not answer within 60 s"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except psutil.TimeoutExpired:
                proc.kill()
                proc.wait()


def _open_files(proc: psutil.Process) -> int | None:
    """Open file descriptors (handles on Windows) of a process, or None where unknown."""
    try:
        return proc.num_fds() if hasattr(proc, "num_fds") else proc.num_handles()
    except (psutil.Error, AttributeError):
        return None


def serve_rss(index_dir: Path, queries, clients: int = 8) -> dict:
    """RSS of `govsearch serve` after it answered every query of the set once (and at start);
    then its RSS and open files after `clients` threads sent the set again at once, so that
    every server thread has answered queries (a per-thread searcher would show here)."""
    from concurrent.futures import ThreadPoolExecutor

    with serving(index_dir) as (proc, port, failure):
        if failure:
            return {"available": False, "reason": failure}
        started = proc.memory_info().rss / MB
        fds_start = _open_files(proc)
        t0 = time.perf_counter()
        for q in queries:
            http_get(port, "/api/search?q=" + urllib.parse.quote(q.text))
            http_get(port, "/?q=" + urllib.parse.quote(q.text))
        seconds = time.perf_counter() - t0
        after = proc.memory_info().rss / MB

        def client(n: int) -> None:
            for q in queries[n:] + queries[:n]:
                http_get(port, "/api/search?q=" + urllib.parse.quote(q.text))

        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
        return {
            "available": True,
            "rss_start_mb": started,
            "rss_after_mb": after,
            "seconds": seconds,
            "clients": clients,
            "rss_after_clients_mb": proc.memory_info().rss / MB,
            "open_files_start": fds_start,
            "open_files_after_clients": _open_files(proc),
        }


def web_test(index_dir: Path, queries, args) -> dict:
    with serving(index_dir) as (_proc, port, failure):
        if failure:
            return {"available": False, "reason": failure}
        paths = [args.web_path.format(q=urllib.parse.quote(q.text)) for q in queries]
        from govsearch.search import search  # the API must agree with the library it wraps

        total = json.loads(http_get(port, paths[0]))["total"]
        want = search(index_dir, queries[0].text, limit=0, facets=False).total
        check = f"{queries[0].text}: API total {total}, library total {want}"
        r = load_test(port, paths, args.web_clients, args.web_seconds)
        return {
            "available": True,
            "path_template": args.web_path,
            "check": check,
            "check_ok": total == want,
            **r,
        }


# ---------------------------------------------------------------- report


def fmt(v, spec=".1f", none="—"):
    return none if v is None or v != v else format(v, spec)


def table_rows(results: dict) -> list[list[str]]:
    rows = []
    for name, by_scale in results["systems"].items():
        for scale, r in by_scale.items():
            if "error" in r:
                rows.append(
                    [name, f"{scale}x", "FAILED: " + r["error"].splitlines()[0][:100]] + [""] * 11
                )
                continue
            b, w, c = r.get("build", {}), r.get("warm", {}), r.get("cold", {})
            size = results["corpus"][scale]["bytes"] / MB
            idx = b.get("index_mb")
            rows.append(
                [
                    name,
                    f"{scale}x",
                    fmt(b.get("seconds")),
                    fmt(b.get("paragraphs_per_s"), ",.0f"),
                    fmt(b.get("mb_per_s"), ".2f"),
                    fmt(b.get("peak_rss_mb"), ",.0f"),
                    fmt(b.get("peak_pss_mb"), ",.0f"),
                    f"{idx:,.0f} ({idx / size:.1f}x)" if idx else "—",
                    fmt(w.get("p50_ms"), ".2f"),
                    fmt(w.get("p95_ms"), ".2f"),
                    fmt(c.get("median_s"), ".2f", "err" if "error" in c else "—"),
                    fmt(w.get("recall"), ".3f"),
                    fmt(w.get("precision"), ".3f"),
                    f"{w.get('exact', 0)}/{w.get('queries', 0)}"
                    + (f" ({w['errors']} err)" if w.get("errors") else ""),
                ]
            )
    return rows


def render(header: list[str], rows: list[list[str]]) -> str:
    def width(s: str) -> int:
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)  # CJK cells are double width

    cols = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(s + " " * (cols[i] - width(s)) for i, s in enumerate(r)).rstrip()  # noqa: E731
    return "\n".join([line(header), "  ".join("-" * c for c in cols), *map(line, rows)])


def targets(results: dict) -> list[dict]:
    """The issue's targets, each as value / reference = ratio against the allowed ratio."""
    systems = results["systems"]

    def get(system, scale, *path):
        v = systems.get(system, {}).get(scale)
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        return v

    out = []

    def check(name, value, ref, factor, unit, at_least=False):
        row = {"target": name, "value": value, "reference": ref, "factor": factor}
        if value is None or ref is None:
            out.append(row | {"status": "SKIP", "detail": "not measured in this run"})
            return
        ratio = value / ref if ref else float("inf")
        ok = ratio >= factor if at_least else ratio <= factor
        need = f"{'≥' if at_least else '≤'} {factor:g}"
        detail = f"{value:,.3f} vs {ref:,.3f} {unit}: ratio {ratio:.2f} (need {need})"
        out.append(row | {"status": "PASS" if ok else "FAIL", "ratio": ratio, "detail": detail})

    def at(system, scale, *path):
        return get(system, scale, *path)

    b, w = "build", "warm"
    for scale, need in (("10", 0.2), ("30", 0.2)):
        check(
            f"{scale}x: warm p95 ≤ {need:g}× brute-force p95",
            at("ours", scale, w, "p95_ms"),
            at("brute", scale, w, "p95_ms"),
            need,
            "ms",
        )
    for scale, limit in (("10", 100.0), ("30", 250.0)):
        check(
            f"{scale}x: slowest query ≤ {limit:g} ms",
            at("ours", scale, w, "max_ms"),
            limit,
            1,
            "ms",
        )
    check("1x: warm p95 ≤ 5 ms", at("ours", "1", w, "p95_ms"), 5.0, 1, "ms")
    check("30x: cold CLI ≤ 1 s", at("ours", "30", "cold", "median_s"), 1.0, 1, "s")
    check(
        "30x: serve RSS after the query set ≤ 600 MB",
        at("ours", "30", "serve", "rss_after_mb"),
        600.0,
        1,
        "MB",
    )
    check(
        "build throughput ≥ 2× classic (1x)",
        at("ours", "1", b, "paragraphs_per_s"),
        at("classic", "1", b, "paragraphs_per_s"),
        2,
        "para/s",
        at_least=True,
    )
    check(
        "index size ≤ 1.5× classic's (1x)",
        at("ours", "1", b, "index_mb"),
        at("classic", "1", b, "index_mb"),
        1.5,
        "MB",
    )
    check(
        "30x build peak PSS ≤ 1.5× the 1x build's",
        at("ours", "30", b, "peak_pss_mb"),
        at("ours", "1", b, "peak_pss_mb"),
        1.5,
        "MB",
    )
    check(
        "cold CLI ≤ 0.35× classic cold (1x)",
        at("ours", "1", "cold", "median_s"),
        at("classic", "1", "cold", "median_s"),
        0.35,
        "s",
    )
    web = results.get("web") or {}
    row = {"target": "web errors = 0", "value": web.get("errors")}
    if not web.get("available"):
        out.append(
            row | {"status": "SKIP", "detail": web.get("reason", "not measured in this run")}
        )
    else:
        ok = web["errors"] == 0 and web["check_ok"]
        detail = f"{web['errors']} errors in {web['requests']} requests; {web['check']}"
        out.append(row | {"status": "PASS" if ok else "FAIL", "detail": detail})
    scales = [s for s in systems.get("ours", {}) if at("ours", s, w)]
    for target, key in (
        ("contract: result set = oracle on every query (every scale)", "exact"),
        ("year and region facet counts = oracle on every query (every scale)", "facets_exact"),
    ):
        got = {s: (at("ours", s, w, key), at("ours", s, w, "queries")) for s in scales}
        got = {s: v for s, v in got.items() if v[0] is not None}
        status = "PASS" if all(e == n for e, n in got.values()) else "FAIL"
        detail = ", ".join(f"{s}x {e}/{n} exact" for s, (e, n) in got.items())
        out.append({"target": target, "status": status if got else "SKIP", "detail": detail})
    incremental.targets(
        {"incremental": {s: v for s, v in results.get("incremental", {}).items() if "build" in v}},
        check,
    )
    return out


def report(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"govsearch benchmark — {m['date']}  commit {m['commit'] or '(none)'}",
        f"machine: {m['cpu']}, {m['cores_physical']} cores / {m['cores_logical']} threads,"
        f" {m['ram_gb']} GB RAM,"
        f" {m['os']}, Python {m['python']}",
        "corpus: "
        + "; ".join(
            f"{s}x = {c['files']} files, {c['paragraphs']:,} paragraphs, {c['bytes'] / MB:.1f} MB"
            for s, c in results["corpus"].items()
        ),
        f"queries: {results['queries']} from {results['queries_file']}; warm latency = median of "
        f"{results['config']['repeats']} runs per query, then p50/p95 over the queries",
        "",
    ]
    header = [
        "system",
        "scale",
        "build s",
        "para/s",
        "MB/s",
        "peak RSS MB",
        "peak PSS MB",
        "index MB (×text)",
        "warm p50 ms",
        "warm p95 ms",
        "cold s",
        "recall",
        "precision",
        "exact",
    ]
    lines.append(render(header, table_rows(results)))
    ours = {s: r for s, r in results["systems"].get("ours", {}).items() if "warm" in r}
    if ours:
        scale, r = list(ours.items())[-1]
        slow = sorted(r["warm"]["per_query"], key=lambda row: -row.get("ms", 0))[:6]
        lines.append(
            f"slowest warm queries, ours at {scale}x: "
            + ", ".join(f"{row['query']} {row.get('ms', float('nan')):.0f} ms" for row in slow)
        )
    for scale, r in ours.items():
        cats = r["warm"].get("by_category") or {}
        rows = [
            [c, *(fmt(v[k], ".1f") for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms"))]
            for c, v in cats.items()
        ]
        cached = r["warm"].get("cached")
        if cached:
            rows.append(
                ["(all, repeated: caches kept)"]
                + [fmt(cached[k], ".1f") for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
            )
        lines += ["", f"ours at {scale}x, warm latency per query class (ms, fresh caches):"]
        lines.append(render(["class", "p50", "p95", "p99", "max"], rows))
        serve = r.get("serve") or {}
        if serve.get("available"):
            lines.append(
                f"serve RSS at {scale}x: {serve['rss_start_mb']:.0f} MB at start,"
                f" {serve['rss_after_mb']:.0f} MB after the query set"
                f" (API + HTML page per query, {serve['seconds']:.1f} s)"
            )
            if "open_files_after_clients" in serve:
                lines.append(
                    f"serve after {serve['clients']} clients sent the set at once, {scale}x:"
                    f" RSS {serve['rss_after_clients_mb']:.0f} MB, open files"
                    f" {serve['open_files_start']} at start →"
                    f" {serve['open_files_after_clients']}"
                )
    tok = results.get("tokenisation") or {}
    for label, t in tok.items():
        lines.append(
            f"tokenisation floor, {label} (1x, in-process): {t['seconds']:.2f} s, "
            f"{t['mb_per_s']:.2f} MB/s, {t['paragraphs_per_s']:,.0f} para/s"
        )
    web = results.get("web")
    if web is None:
        lines.append("web API: skipped")
    elif not web.get("available"):
        lines.append(f"web API: not available ({web.get('reason')})")
    else:
        lines.append(
            f"web API ({web['clients']} clients, {web['seconds']:.0f} s, 1x index):"
            f" {web['rps']:.1f} req/s, "
            f"p50 {web['p50_ms']:.1f} ms, p95 {web['p95_ms']:.1f} ms, errors {web['errors']}"
            + (f" (first: {web['first_error']})" if web["first_error"] else "")
            + f"; check {web['check']}"
        )
    lines += incremental.report(
        {"incremental": {s: v for s, v in results.get("incremental", {}).items() if "build" in v}},
        render,
        fmt,
    )
    lines += [
        "",
        render(
            ["target", "result", "detail"],
            [[t["target"], t["status"], t["detail"]] for t in results["targets"]],
        ),
    ]
    lines += ["", "recall by query category at 1x: mean recall (exact/queries)"]
    per_query = {
        n: r["1"]["warm"]["per_query"]
        for n, r in results["systems"].items()
        if "warm" in r.get("1", {})
    }
    cats = list(dict.fromkeys(row["category"] for rows in per_query.values() for row in rows))
    rows = []
    for cat in cats:
        row = [cat]
        for pq in per_query.values():
            pq = [r for r in pq if r["category"] == cat]
            row.append(
                f"{sum(r['recall'] for r in pq) / len(pq):.2f}"
                f" ({sum(r['exact'] for r in pq)}/{len(pq)})"
            )
        rows.append(row)
    if rows:
        lines.append(render(["category", *per_query], rows))
    lines += [
        "",
        "build s = median wall time of the build call in a fresh child process (imports not"
        " included); para/s and MB/s derive from it. brute: build = reading the text into memory.",
        "peak RSS = the largest RSS sum of the build's live process tree at one poll (psutil,"
        " every 50 ms), or its own VmHWM if larger; peak PSS = the same for PSS.",
        "warm = in-process top-10 with highlights (ours: + facet counts); grep: one grep pipeline"
        " (LC_ALL=C, -F -c) per query. cold = whole new process running one query (河长制).",
        "recall/precision = per-query mean against the substring oracle"
        f" ({results['config']['oracle']}, metadata filters from the manifest);"
        " exact = queries whose result set equals the oracle's.",
    ]
    for scale, r in results["systems"].get("ours", {}).items():
        if "research" in r:
            lines += ["", research.table(r["research"], int(scale))]
        if r.get("research_sections"):
            lines += ["", research.render_sections(r["research_sections"])]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    args = parse_args(argv)
    queries = load_queries(args.queries)
    base = Corpus.open(args.corpus, args.manifest)
    if "grep" in args.systems and not shutil.which("grep"):
        log("grep not found: skipping the grep baseline")
        args.systems.remove("grep")
    hidden = ("corpus", "manifest", "json", "workdir", "queries")
    results: dict = {
        "machine": machine(),
        "config": {
            k: sorted(v) if isinstance(v, set) else v
            for k, v in vars(args).items()
            if k not in hidden
        },
        "queries": len(queries),
        "queries_file": args.queries.name,
        "corpus": {},
        "systems": {},
    }
    log(f"oracle ({args.oracle}) over {len(queries)} queries")
    norm = normaliser(t2s=args.oracle == "nfkc+t2s")
    oracle_paras = Paragraphs(base, norm)
    oracle1 = {q.text: evaluate(q.normalised(norm), oracle_paras) for q in queries}
    cold_q = next((q for q in queries if q.text == COLD_QUERY), None) or parse(COLD_QUERY)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="govsearch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for scale in args.scales:
            corpus = make_scaled(base, scale, work / f"corpus-{scale}x")
            results["corpus"][str(scale)] = {
                "files": len(corpus.files),
                "bytes": corpus.size_bytes(),
                "paragraphs": len(oracle_paras.keys) * scale,
            }
            if scale == 1:
                paras, oracle = oracle_paras, oracle1
            else:
                log(f"oracle at {scale}x")
                paras = Paragraphs(corpus, norm)
                oracle = {q.text: evaluate(q.normalised(norm), paras) for q in queries}
            facets_oracle = {q.text: oracle_facets(paras, oracle[q.text]) for q in queries}
            del paras
            for name in args.systems:
                if name == "classic" and scale not in args.classic_scales:
                    continue
                try:
                    r = measure_system(
                        name, corpus, work, queries, oracle, args, cold_q, facets_oracle
                    )
                    if name == "ours" and not args.no_serve and "build" in r:
                        r["serve"] = serve_rss(work / f"ours-{scale}x", queries)
                    if name == "ours" and args.research and "build" in r:
                        r["research"] = research.measure(work / f"ours-{scale}x", scale)
                        r["research_sections"] = research.measure_sections(work / f"ours-{scale}x")
                except Exception as e:  # noqa: BLE001 - one broken system must not lose the rest
                    log(f"{name} {scale}x FAILED: {e}")
                    r = {"error": f"{type(e).__name__}: {e}"[:2000]}
                results["systems"].setdefault(name, {})[str(scale)] = r
                write_json(results, args, work, base)  # partial results survive an interrupted run
                if name == "ours" and "build" in r and not args.no_incremental:
                    try:
                        inc = incremental.measure_incremental(
                            base, corpus, work / f"ours-{scale}x", r["build"], work, queries,
                            args, log,
                        )  # fmt: skip
                    except Exception as e:  # noqa: BLE001 - keep the rest of the run
                        log(f"incremental {scale}x FAILED: {e}")
                        inc = {"error": f"{type(e).__name__}: {e}"[:2000]}
                    results.setdefault("incremental", {})[str(scale)] = inc
                    write_json(results, args, work, base)
        if 1 in args.scales:
            texts = Paragraphs(base).texts
            results["tokenisation"] = tokenisation_floor(texts, base.size_bytes(), args.systems)
        if not args.no_web:
            if "build" in results["systems"].get("ours", {}).get("1", {}):
                results["web"] = web_test(work / "ours-1x", queries, args)
            else:
                results["web"] = {"available": False, "reason": "our 1x index was not built"}
    finally:
        if args.keep:
            log(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    results["targets"] = targets(results)
    print(report(results))
    write_json(results, args, work, base)
    log(f"wrote {args.json}")
    return 0


def write_json(results: dict, args, work: Path, base: Corpus) -> None:
    text = json.dumps(results, ensure_ascii=False, indent=1) + "\n"
    for path, name in ((work, "$WORK"), (base.dir, "$CORPUS"), (REPO, "$REPO")):
        text = text.replace(str(path), name)  # no machine paths in a file that gets committed
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
