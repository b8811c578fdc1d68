"""The benchmark's incremental section: what an index run costs once the index exists.

At each scale, after the scale's own measurements, on the scale's index and corpus folder (a
hard-linked copy of the shared corpus at 1x, built here, so that the corpus is never changed):

- add one new document, then remove it; add 1 % of the documents; twenty runs of 1 % more each,
  then `--optimize`: each run in a fresh child process (`python -m bench.child index`), with
  its wall time (the build_index call, as the build's figure), peak RSS of its process tree
  and the segments it leaves;
- warm query p95 (fresh caches) after the twenty runs, after the optimisation, and, up to
  --incremental-fresh-scales, of a fresh build of the same final folder (whose answers must be
  the optimised index's: totals compared query by query);
- at one scale (--incremental-dup-scale), a folder of which half the documents are
  near-duplicates of the other half: its build and one added document.

New documents are further copies of the corpus documents drawn like make_scaled's (copy n of
a file is the same file at every scale), so they are distinct documents of the corpus's shape.
The baselines (full build time and peak RSS) are the same run's.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
from pathlib import Path

from bench.corpus import SCALE_SEED, Corpus
from bench.measure import MB, percentile, run_measured

RUNS = 20
SHARE = 0.01


def _copy(base: Corpus, n: int, name: str) -> str:
    """Copy n of a corpus file, drawn as make_scaled draws it."""
    pool = _pool(base)
    rng = random.Random(f"{SCALE_SEED}:{n}:{name}")
    lines = (base.dir / name).read_text(encoding="utf-8").split("\n")
    first = next((i for i, line in enumerate(lines) if line), len(lines))
    return "\n".join(
        line if i <= first or not line else rng.choice(pool) for i, line in enumerate(lines)
    )


_POOLS: dict[Path, list[str]] = {}


def _pool(base: Corpus) -> list[str]:
    if base.dir not in _POOLS:
        _POOLS[base.dir] = [text for _name, _line, text in base.paragraphs()]
    return _POOLS[base.dir]


class Folder:
    """A corpus folder that grows: new documents are written with their manifest rows."""

    def __init__(self, base: Corpus, corpus: Corpus):
        self.base = base
        self.dir = corpus.dir
        self.manifest = corpus.manifest
        self.next_copy = corpus.scale + 1
        self._gen = self._fresh_names()

    def _fresh_names(self):
        while True:
            n = self.next_copy
            self.next_copy += 1
            for name in self.base.meta:
                yield n, name

    def add(self, count: int) -> list[str]:
        """Write `count` new documents; returns their file names."""
        added = []
        with self.manifest.open("a", encoding="utf-8") as out:
            for _ in range(count):
                n, name = next(self._gen)
                target = f"y{n:03d}_{name}"
                (self.dir / target).write_text(_copy(self.base, n, name), encoding="utf-8")
                rec = {**self.base.meta[name], "file": target}
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                added.append(target)
        return added

    def remove(self, names: list[str]) -> None:
        for name in names:
            (self.dir / name).unlink()


def run_index(folder: Folder, index: Path, optimize: bool = False) -> dict:
    """One index run in a child process: its figures."""
    args = ["index", str(folder.dir), str(folder.manifest), str(index)]
    r = run_measured(args + (["--optimize"] if optimize else []))
    return {
        "seconds": r["seconds"],
        "process_wall_s": r["process_wall"],
        "peak_rss_mb": r["peak_rss"] / MB,
        "segments": r["segments"],
        "deleted": r["deleted"],
        "files_indexed": r["files_indexed"],
        "merges": r["merges"],
    }


def query_p95(corpus: Corpus, index: Path, queries, repeats: int) -> tuple[float, dict]:
    """Warm p95 (fresh caches, median of `repeats` runs per query) and each query's total."""
    from bench.run import timed
    from bench.systems import SYSTEMS

    system = SYSTEMS["ours"]()
    system.open(corpus, index)
    try:
        totals = {q.text: system.top(q) for q in queries}
        ms = [timed(system, q, repeats, fresh=True) for q in queries]
    finally:
        system.close()
    return percentile(ms, 95), totals


def hardlinked_copy(base: Corpus, dest: Path) -> Corpus:
    """The corpus as a folder of hard links (copies where links fail): safe to grow."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in base.meta:
        try:
            os.link(base.dir / name, dest / name)
        except OSError:
            shutil.copyfile(base.dir / name, dest / name)
    shutil.copyfile(base.manifest, dest / "manifest.jsonl")
    return Corpus.open(dest, dest / "manifest.jsonl", base.scale)


def dup_folder(base: Corpus, scale: int, dest: Path) -> Corpus:
    """A folder of `scale` × the corpus in which half the documents are near-duplicates of the
    other half: copies 1..scale/2 of every document, and each again re-laid out (a blank line
    between paragraphs) without its last paragraph."""
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / "manifest.jsonl").open("w", encoding="utf-8") as out:
        for n in range(1, max(1, scale // 2) + 1):
            for name, rec in base.meta.items():
                text = (base.dir / name).read_text("utf-8") if n == 1 else _copy(base, n, name)
                lines = [ln for ln in text.split("\n") if ln]
                for prefix, body in (
                    (f"d{n:02d}a_", "\n".join(lines)),
                    (f"d{n:02d}b_", "\n\n".join(lines[:-1] if len(lines) > 2 else lines)),
                ):
                    (dest / (prefix + name)).write_text(body + "\n", encoding="utf-8")
                    out.write(json.dumps({**rec, "file": prefix + name}, ensure_ascii=False) + "\n")
    return Corpus.open(dest, dest / "manifest.jsonl", scale)


def measure_incremental(
    base: Corpus, corpus: Corpus, index: Path, build: dict, work: Path, queries, args, log
) -> dict:
    """The incremental section at one scale (see the module docstring)."""
    scale = corpus.scale
    if scale == 1:
        log("incremental 1x: building a copy of the corpus (the shared one is never changed)")
        corpus = hardlinked_copy(base, work / "inc-1x")
        index = work / "inc-1x-index"
        r = run_measured(["build", "ours", str(corpus.dir), str(corpus.manifest), str(index)])
        build = {"seconds": r["seconds"], "peak_rss_mb": r["peak_rss"] / MB}
    folder = Folder(base, corpus)
    out: dict = {"build": {"seconds": build["seconds"], "peak_rss_mb": build["peak_rss_mb"]}}
    one_percent = max(1, math.ceil(SHARE * len(corpus.files)))

    def step(label: str, **kw) -> dict:
        row = run_index(folder, index, **kw)
        log(
            f"  {label}: {row['seconds']:.2f} s, peak RSS {row['peak_rss_mb']:.0f} MB, "
            f"{row['segments']} segments"
        )
        return row

    log(f"incremental {scale}x")
    added = folder.add(1)
    out["add_one"] = step("add one")
    folder.remove(added)
    out["remove_one"] = step("remove one")
    folder.add(one_percent)
    out["add_1pct"] = step(f"add 1 % ({one_percent} documents)")
    if scale not in args.incremental_runs_scales:
        return _cleanup(scale, index, corpus, out)
    runs = []
    for i in range(RUNS):
        folder.add(one_percent)
        runs.append(step(f"1 % run {i + 1}/{RUNS}"))
    out["runs"] = runs
    out["runs_documents"] = one_percent
    out["p95_after_runs_ms"], totals = query_p95(corpus, index, queries, args.repeats)
    out["optimize"] = step("optimize", optimize=True)
    out["p95_after_optimize_ms"], optimized = query_p95(corpus, index, queries, args.repeats)
    out["answers_kept_by_optimize"] = optimized == totals
    if scale in args.incremental_fresh_scales:
        fresh = work / f"inc-fresh-{scale}x"
        log(f"incremental {scale}x: a fresh build of the final folder")
        final = Corpus.open(corpus.dir, folder.manifest, scale)
        r = run_measured(["build", "ours", str(final.dir), str(final.manifest), str(fresh)])
        out["fresh_build_seconds"] = r["seconds"]
        out["p95_fresh_ms"], fresh_totals = query_p95(final, fresh, queries, args.repeats)
        out["answers_equal_fresh"] = fresh_totals == optimized
        shutil.rmtree(fresh, ignore_errors=True)
    if scale == args.incremental_dup_scale:
        dup = dup_folder(base, scale, work / f"dup-{scale}x")
        dup_index = work / f"dup-{scale}x-index"
        log(f"incremental {scale}x: half near-duplicates, building")
        r = run_measured(["build", "ours", str(dup.dir), str(dup.manifest), str(dup_index)])
        out["dup_build_seconds"] = r["seconds"]
        grown = Folder(base, dup)
        grown.next_copy = folder.next_copy  # a new document, not a copy of one it holds
        grown.add(1)
        row = run_index(grown, dup_index)
        log(f"  half near-duplicates, add one: {row['seconds']:.2f} s")
        out["dup_add_one"] = row
        shutil.rmtree(dup_index, ignore_errors=True)
        shutil.rmtree(dup.dir, ignore_errors=True)
    return _cleanup(scale, index, corpus, out)


def _cleanup(scale: int, index: Path, corpus: Corpus, out: dict) -> dict:
    if scale == 1:  # the 1x copy made for this section
        shutil.rmtree(index, ignore_errors=True)
        shutil.rmtree(corpus.dir, ignore_errors=True)
    return out


def _ratio(a, b):
    return a / b if a is not None and b else None


def targets(results: dict, check) -> None:
    """The issue's incremental targets, checked with run.targets' `check`."""
    inc = results.get("incremental", {})

    def get(scale, *path):
        v = inc.get(scale)
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        return v

    for step in ("add_one", "remove_one"):
        check(
            f"10x: {step.replace('_', ' ')} ≤ 2 % of the full build's time",
            get("10", step, "seconds"),
            get("10", "build", "seconds"),
            0.02,
            "s",
        )
        check(
            f"10x: {step.replace('_', ' ')} peak RSS ≤ 0.5× the full build's",
            get("10", step, "peak_rss_mb"),
            get("10", "build", "peak_rss_mb"),
            0.5,
            "MB",
        )
    check(
        "30x: add one ≤ 1.5× its time at 10x",
        get("30", "add_one", "seconds"),
        get("10", "add_one", "seconds"),
        1.5,
        "s",
    )
    for scale in ("10", "30"):
        check(
            f"{scale}x: add 1 % ≤ 5 % of the full build's time",
            get(scale, "add_1pct", "seconds"),
            get(scale, "build", "seconds"),
            0.05,
            "s",
        )
        check(
            f"{scale}x: warm p95 after 20 runs of 1 % ≤ 1.3× after --optimize",
            get(scale, "p95_after_runs_ms"),
            get(scale, "p95_after_optimize_ms"),
            1.3,
            "ms",
        )
        check(
            f"{scale}x: warm p95 after --optimize ≤ 1.1× a fresh build's of the same folder",
            get(scale, "p95_after_optimize_ms"),
            get(scale, "p95_fresh_ms"),
            1.1,
            "ms",
        )
    dup_scale = next((s for s, v in inc.items() if "dup_add_one" in v), None)
    if dup_scale is not None:
        check(
            f"{dup_scale}x: half near-duplicates, add one ≤ 1.25× the plain folder's",
            get(dup_scale, "dup_add_one", "seconds"),
            get(dup_scale, "add_one", "seconds"),
            1.25,
            "s",
        )


def report(results: dict, render, fmt) -> list[str]:
    """The incremental table for the report."""
    inc = results.get("incremental")
    if not inc:
        return []
    rows = []
    for scale, r in inc.items():
        build = r["build"]

        def row(label, v, scale=scale, build=build):
            rows.append(
                [
                    f"{scale}x",
                    label,
                    fmt(v["seconds"], ".2f"),
                    fmt(_ratio(v["seconds"], build["seconds"]), ".3f"),
                    fmt(v["peak_rss_mb"], ".0f"),
                    fmt(_ratio(v["peak_rss_mb"], build["peak_rss_mb"]), ".2f"),
                    str(v.get("segments", 1)),
                ]
            )

        row("full build", {**build, "segments": 1})
        for key, label in (("add_one", "add one"), ("remove_one", "remove one"),
                           ("add_1pct", "add 1 %")):  # fmt: skip
            row(label, r[key])
        runs = r.get("runs", [])
        if runs:
            by_time = sorted(runs, key=lambda x: x["seconds"])
            row(f"20 × 1 % ({r['runs_documents']} docs): median", by_time[len(by_time) // 2])
            row("20 × 1 %: slowest", by_time[-1])
            row("20 × 1 %: after the last", runs[-1])
            row("optimize", r["optimize"])
        if "dup_add_one" in r:
            row("half near-duplicates: add one", r["dup_add_one"])
    lines = ["", "incremental runs (ours; × = ratio to the same run's full build):"]
    lines.append(
        render(["scale", "run", "wall s", "× build", "peak RSS MB", "× build", "segments"], rows)
    )
    for scale, r in inc.items():
        if "p95_after_runs_ms" not in r:
            continue
        fresh = r.get("p95_fresh_ms")
        lines.append(
            f"{scale}x warm p95: {fmt(r['p95_after_runs_ms'], '.1f')} ms after 20 runs of 1 %, "
            f"{fmt(r['p95_after_optimize_ms'], '.1f')} ms after --optimize"
            + (f", {fmt(fresh, '.1f')} ms on a fresh build of the same folder" if fresh else "")
            + f"; answers kept by --optimize: {r['answers_kept_by_optimize']}"
            + (f", equal to the fresh build's: {r['answers_equal_fresh']}" if fresh else "")
        )
    return lines
