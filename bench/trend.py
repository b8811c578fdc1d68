"""Trend and export benchmark: `python -m bench.trend [--index DIR] [--index-10x DIR] ...`.

Measures, each in a fresh child process so that peak memory is the call's own:
- 50 series (bench/trend_series.txt) × every year, warm (median of repeats) and first call;
- memory against the number of series (10, 50, 500 series: peak RSS of the process);
- exporting every hit of a query with over 100,000 hits (的 at 10×) as CSV and as XLSX, against
  holding all hits at once with search(limit=None), the baseline;
- optionally (--screenshot) the trend chart of docs/web.md from the 1× index.

Without --index/--index-10x the indexes are built in a temporary directory (the 10× build
takes several minutes). Results: a table on stdout and bench/results/trend.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SERIES_FILE = HERE / "trend_series.txt"
EXPORT_QUERY = "的"
MB = 1024 * 1024


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def rss_now() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def series_list(n: int) -> list[str]:
    """The 50 benchmark series, then policy words and corpus words up to n (all distinct)."""
    from govsearch.indexer.analysis import builtin_dictionary

    base = [ln for ln in SERIES_FILE.read_text("utf-8").splitlines() if ln and ln[0] != "#"]
    extra = [w for w, _f, _t in builtin_dictionary()]
    corpus = REPO.parent / "shared" / "corpus"
    for path in sorted(corpus.glob("*.txt"))[:40]:
        text = path.read_text("utf-8")
        extra.extend(text[i : i + 2] for i in range(0, min(len(text), 4000), 7))
    out = list(base)
    seen = set(out)
    for w in extra:
        if len(out) >= n:
            break
        if w.strip() == w and len(w) == 2 and w not in seen and all(
            "\u4e00" <= c <= "\u9fff" for c in w
        ):  # fmt: skip
            seen.add(w)
            out.append(f"s{len(out)}={w}")
    return out[:n]


# -- child processes ---------------------------------------------------------------------------


def child_trend(index: str, n: int, repeats: int) -> dict:
    from govsearch.search import open_index, trend

    handle = open_index(index)
    trend(handle, ["河长制"])  # open the store and build the per-reader tables
    before = rss_now()
    series = series_list(n)
    started = time.perf_counter()
    first = trend(handle, series)
    first_s = time.perf_counter() - started
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        trend(handle, series)
        warm.append(time.perf_counter() - started)
    return {
        "series": len(first.series),
        "buckets": len(first.buckets),
        "rows": len(first.series) * len(first.buckets),
        "first_s": first_s,
        "warm_s": sorted(warm)[len(warm) // 2],
        "rss_before_mb": before / MB,
        "peak_rss_mb": peak_rss() / MB,
    }


def child_export(index: str, fmt: str, out: str) -> dict:
    from govsearch.search import iter_hits, open_index, search
    from govsearch.search.export import hit_table, write_csv, write_xlsx

    handle = open_index(index)
    search(handle, "河长制")
    before = rss_now()
    started = time.perf_counter()
    if fmt == "hold":  # the baseline: every hit in memory at once
        rows = len(search(handle, EXPORT_QUERY, limit=None, facets=False).hits)
    else:
        total, hits = iter_hits(handle, EXPORT_QUERY)
        rows = total
        if fmt == "csv":
            with open(out, "wb") as fh:
                write_csv(hit_table(hits), fh)
        else:
            write_xlsx([hit_table(hits)], out)
    seconds = time.perf_counter() - started
    return {
        "format": fmt,
        "rows": rows,
        "seconds": seconds,
        "bytes": os.path.getsize(out) if fmt != "hold" else 0,
        "rss_before_mb": before / MB,
        "peak_rss_mb": peak_rss() / MB,
    }


def peak_rss() -> int:
    from bench.measure import peak_rss_self

    return peak_rss_self() or 0


def run_child(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.trend", "--child", *args],
        cwd=REPO, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"child {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- driver ------------------------------------------------------------------------------------


def build(scale: int, work: Path) -> Path:
    from bench.corpus import DEFAULT_CORPUS, Corpus, make_scaled
    from govsearch.indexer import build_index

    corpus = make_scaled(Corpus.open(DEFAULT_CORPUS), scale, work / f"corpus-{scale}x")
    index = work / f"index-{scale}x"
    log(f"building the {scale}x index (this takes a while at 10x)")
    build_index([corpus.dir], index, manifest=corpus.manifest)
    return index


def screenshot(index: Path, dest: Path) -> None:
    import shutil
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "govsearch", "serve", "--index", str(index), "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/stats", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        url = (f"http://127.0.0.1:{port}/trend?q=%E6%B2%B3%E9%95%BF%E5%88%B6%0A"
               "%E6%B9%96%E9%95%BF%E5%88%B6%0A%E6%9E%97%E9%95%BF%E5%88%B6"
               "&year=2010..&per=share-of-documents")  # fmt: skip
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(url)
            raw = dest.with_suffix(".raw.png")
            page.screenshot(path=str(raw), clip={"x": 0, "y": 60, "width": 1200, "height": 840})
            browser.close()
        from PIL import Image

        with Image.open(raw) as image:  # a 128-colour palette keeps the docs image small
            image.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE).save(
                dest, optimize=True
            )
        raw.unlink()
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.trend", description=__doc__)
    ap.add_argument("--index", type=Path, help="an index of ../shared/corpus (built if absent)")
    ap.add_argument("--index-10x", type=Path, help="an index of the corpus ×10 (built if absent)")
    ap.add_argument("--workdir", type=Path, help="where to build indexes (default: a temp dir)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-10x", action="store_true", help="1× only")
    ap.add_argument("--skip-xlsx", action="store_true", help="no XLSX export (the slowest part)")
    ap.add_argument("--screenshot", action="store_true", help="refresh docs/screenshots/trend.png")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "trend":
            result = child_trend(rest[0], int(rest[1]), int(rest[2]))
        else:
            result = child_export(rest[0], rest[1], rest[2])
        print(json.dumps(result))
        return
    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="govsearch-trend-bench-")
        work = Path(tmp.name)
    else:
        work = args.workdir
        work.mkdir(parents=True, exist_ok=True)
    from bench.measure import machine

    # The machine may be shared: its load beside the figures says how quiet the run was.
    results: dict = {"machine": machine(), "commit": _commit(), "trend": {}, "export": {},
                     "load_average_start": os.getloadavg()}  # fmt: skip
    indexes = {"1x": args.index or build(1, work)}
    if not args.skip_10x:
        indexes["10x"] = args.index_10x or build(10, work)
    for scale, index in indexes.items():
        for n in (10, 50, 500):
            if scale == "10x" and n == 10:
                continue
            log(f"{scale}: trend, {n} series")
            results["trend"][f"{scale}/{n}"] = run_child("trend", str(index), str(n),
                                                         str(args.repeats))  # fmt: skip
    big = indexes.get("10x", indexes["1x"])
    scale = "10x" if "10x" in indexes else "1x"
    for fmt in ("hold", "csv") + (() if args.skip_xlsx else ("xlsx",)):
        log(f"{scale}: export {EXPORT_QUERY!r} as {fmt}")
        out = work / f"export.{fmt}"
        results["export"][f"{scale}/{fmt}"] = run_child("export", str(big), fmt, str(out))
        out.unlink(missing_ok=True)
    if "10x" in indexes:
        log("1x: export as csv (memory against the number of rows)")
        results["export"]["1x/csv"] = run_child("export", str(indexes["1x"]), "csv",
                                                str(work / "export-1x.csv"))  # fmt: skip
    if args.screenshot:
        log("screenshot of the trend page")
        screenshot(indexes["1x"], REPO / "docs" / "screenshots" / "trend.png")
    results["load_average_end"] = os.getloadavg()
    print_table(results)
    out = HERE / "results" / "trend.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {out.relative_to(REPO)}")
    if tmp is not None:
        tmp.cleanup()


def _commit() -> str:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                          capture_output=True, text=True)  # fmt: skip
    return proc.stdout.strip()


def print_table(results: dict) -> None:
    print("trend (every year; warm = median of repeats, first = first call after opening)")
    print(f"{'scale/series':<14} {'buckets':>7} {'rows':>7} {'first s':>8} {'warm s':>7} "
          f"{'RSS before MB':>13} {'peak RSS MB':>11}")  # fmt: skip
    for key, r in results["trend"].items():
        print(f"{key:<14} {r['buckets']:>7} {r['rows']:>7} {r['first_s']:>8.2f} "
              f"{r['warm_s']:>7.2f} {r['rss_before_mb']:>13.0f} "
              f"{r['peak_rss_mb']:>11.0f}")  # fmt: skip
    print()
    print(f"export of every hit of {EXPORT_QUERY!r} (hold = search(limit=None), the baseline)")
    print(f"{'scale/format':<14} {'rows':>8} {'seconds':>8} {'MB out':>7} {'RSS before MB':>13} "
          f"{'peak RSS MB':>11}")  # fmt: skip
    for key, r in results["export"].items():
        print(f"{key:<14} {r['rows']:>8} {r['seconds']:>8.1f} {r['bytes'] / MB:>7.1f} "
              f"{r['rss_before_mb']:>13.0f} {r['peak_rss_mb']:>11.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
