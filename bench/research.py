"""The benchmark's research section: `python -m bench.research --index DIR [--scale 30]`.

Times the research views (kwic, diffusion, and the rows other modules add) on an index of the
shared corpus at some scale, in one process with the index open: the first call, then the
median of `--repeats` calls each made with the reader's per-query caches emptied (what a new
query costs, as the main benchmark's warm figures). The issue's targets are for the 30×
corpus; at another scale they are shown but not judged.

`python -m bench --research` runs the same rows on each scale's index that it builds. Rows
live in ROWS here; each module in SECTIONS that exists adds its own, either as a ROWS list of
Row (timed here) or as `measure(index_dir, repeats) -> {name: figures}` with an optional
`render(figures) -> str` (timed its own way and printed under this table), so a view added
later brings its rows in its own file.

Results: a table on stdout and bench/results/research.json.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/research.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HERE = Path(__file__).resolve().parent
#: Modules that add rows to this section (each with a ROWS list of Row), imported if present.
SECTIONS = ("bench.research_colloc",)
TARGET_SCALE = 30


@dataclass(frozen=True)
class Row:
    """One measured call: a name as the CLI would spell it, its target, the call itself."""

    name: str
    #: Seconds allowed at the 30× scale (None: measured, no target).
    target_s: float | None
    run: Callable[[object], object]
    #: What the call returned, in a few words (lines, regions …), from its result.
    size: Callable[[object], str]


def _kwic(query: str, **kwargs) -> Callable[[object], object]:
    def run(index):
        from govsearch.search import kwic

        return kwic(index, query, **kwargs)

    return run


def _diffusion(query: str, by: str) -> Callable[[object], object]:
    def run(index):
        from govsearch.search import diffusion

        return diffusion(index, query, by=by)

    return run


def _lines(result) -> str:
    total = result.total if result.total is not None else f"≥{len(result.lines)}"
    return f"{len(result.lines)} of {total} lines, {result.paragraphs} paragraphs"


def _regions(result) -> str:
    return f"{len(result.regions)} regions, {result.documents} documents"


ROWS: list[Row] = [
    Row("kwic 河长制 --all", 0.5, _kwic("河长制", limit=None), _lines),
    Row("kwic 发展 --limit 1000", 1.0, _kwic("发展", limit=1000), _lines),
    Row("kwic 河长制 --all --sort left", None, _kwic("河长制", limit=None, sort="left"), _lines),
    Row(
        "kwic 发展 --limit 1000 --sort right", None, _kwic("发展", limit=1000, sort="right"), _lines
    ),  # fmt: skip
    Row("diffusion 河长制 --by county", 0.5, _diffusion("河长制", "county"), _regions),
    Row("diffusion 河长制 --by province", None, _diffusion("河长制", "province"), _regions),
    Row("diffusion 发展 --by county", None, _diffusion("发展", "county"), _regions),
]


def sections() -> list:
    """The modules of SECTIONS that exist."""
    out = []
    for name in SECTIONS:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return out


def rows() -> list[Row]:
    """This section's rows, then the ROWS of every module in SECTIONS that has them."""
    return [*ROWS, *(row for m in sections() for row in getattr(m, "ROWS", ()))]


def measure_sections(index_dir: Path | str, repeats: int = 5) -> dict:
    """{module name: its figures} for the SECTIONS modules that measure themselves."""
    return {
        m.__name__: m.measure(Path(index_dir), repeats)
        for m in sections()
        if not hasattr(m, "ROWS") and hasattr(m, "measure")
    }


def render_sections(figures: dict) -> str:
    """Each self-measuring section's figures as it prints them (as JSON without render)."""
    out = []
    for name, rows_of in figures.items():
        module = importlib.import_module(name)
        render = getattr(module, "render", None)
        out.append(render(rows_of) if render else json.dumps(rows_of, ensure_ascii=False))
    return "\n\n".join(out)


def measure(index_dir: Path | str, scale: int, repeats: int = 5) -> dict:
    """Every row on one index: first call, warm median (caches emptied), what it returned."""
    from govsearch.search import open_index, search

    index = open_index(index_dir)
    search(index, "河长制")  # per-reader tables (documents, columns) are built once, not timed
    reader = index.reader()
    out = {}
    for row in rows():
        reader.clear_query_cache()
        started = time.perf_counter()
        result = row.run(index)
        first = time.perf_counter() - started
        times = []
        for _ in range(repeats):
            reader.clear_query_cache()
            started = time.perf_counter()
            row.run(index)
            times.append(time.perf_counter() - started)
        warm = statistics.median(times)
        judged = row.target_s is not None and scale == TARGET_SCALE
        out[row.name] = {
            "first_s": round(first, 4),
            "warm_s": round(warm, 4),
            "target_s": row.target_s,
            "met": (warm <= row.target_s) if judged else None,
            "returned": row.size(result),
        }
    return out


def table(results: dict, scale: int) -> str:
    """The section as text: one line per row."""
    name_w = max(len(n) for n in results) if results else 10
    lines = [
        f"research views at {scale}x (warm = median, the reader's query caches emptied; "
        f"targets are for {TARGET_SCALE}x)",
        f"{'call':<{name_w}}  {'first s':>8}  {'warm s':>7}  {'target':>7}  {'met':>4}  returned",
    ]
    for name, r in results.items():
        target = f"{r['target_s']:g}" if r["target_s"] is not None else "—"
        met = {True: "yes", False: "NO", None: "—"}[r["met"]]
        lines.append(f"{name:<{name_w}}  {r['first_s']:>8.3f}  {r['warm_s']:>7.3f}  "
                     f"{target:>7}  {met:>4}  {r['returned']}")  # fmt: skip
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.research", description=__doc__)
    ap.add_argument("--index", type=Path, required=True,
                    help="an index of ../shared/corpus at --scale (bench/corpus.py)")  # fmt: skip
    ap.add_argument("--scale", type=int, default=TARGET_SCALE, help="the index's corpus scale")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", type=Path, default=HERE / "results" / "research.json")
    args = ap.parse_args(argv)
    from bench.measure import machine

    results = measure(args.index, args.scale, args.repeats)
    print(table(results, args.scale))
    others = measure_sections(args.index, args.repeats)
    if others:
        print()
        print(render_sections(others))
    data = {"machine": machine(), "scale": args.scale, "research": results, "sections": others}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
