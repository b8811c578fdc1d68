"""Research views, collocates and trend rows: `python -m bench.research_colloc --index DIR`.

Measures, in this process against an index already built (the research section of the
benchmark passes its scale's index; `--index` names one):

- `collocates 河长制` (window 5, the defaults) and two heavier variants, each with the reader's
  per-query caches emptied first, so a figure is what a new question costs;
- the web UI's `/trend` page and `/api/trend` for three series, rare (河长制 湖长制 林长制,
  the page's example) and common (发展 经济 改革), through the Flask app in process (template
  rendering included, no network).

Each figure is the median of `--repeats` timed runs after one untimed run (which warms the
file cache and the per-index tables). Results: a table on stdout and, with `--json FILE`, the
figures as JSON. Targets (issue 22, at 30×): collocates 河长制 ≤ 1 s, /trend 3 series ≤ 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

COLLOCATES = [
    ("collocates 河长制", "河长制", {}),
    ("collocates 河长制 --window paragraph", "河长制", {"window": "paragraph"}),
    ("collocates 污染 --compare ..2015 2016..", "污染", {"compare": ("..2015", "2016..")}),
]
SERIES = {"rare": ("河长制", "湖长制", "林长制"), "common": ("发展", "经济", "改革")}
#: Targets in seconds, by row name.
TARGETS = {"collocates 河长制": 1.0, "/trend rare": 1.0, "/trend common": 1.0}


def timed(run: Callable[[], object], repeats: int, before: Callable[[], None]) -> dict:
    """Median and spread of `repeats` runs after one untimed run; `before` runs before each."""
    before()
    run()
    times = []
    for _ in range(repeats):
        before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def measure(index_dir: Path, repeats: int = 5) -> dict:
    """Every row: {name: {median_s, min_s, max_s, ...}}."""
    from govsearch.search import collocates, open_index
    from govsearch.web import create_app

    index = open_index(index_dir)
    fresh = index.reader().clear_query_cache
    rows: dict[str, dict] = {}
    for name, term, options in COLLOCATES:
        result = collocates(index, term, **options)
        rows[name] = {
            **timed(lambda t=term, o=options: collocates(index, t, **o), repeats, fresh),
            "paragraphs": result.paragraphs,
            "words": len(result.changes if result.compare else result.collocates),
        }
    client = create_app({"TESTING": True, "INDEX": str(index_dir)}).test_client()
    app_index = client.application.extensions["govsearch.index"]

    def fresh_app() -> None:
        app_index.reader().clear_query_cache()

    for kind, series in SERIES.items():
        for path, extra in (("/trend", {}), ("/api/trend", {})):
            url = f"{path}?{urlencode({'q': chr(10).join(series), **extra})}"

            def get(u: str = url) -> None:
                response = client.get(u)
                if response.status_code != 200:
                    raise SystemExit(f"{u}: HTTP {response.status_code}")

            rows[f"{path} {kind}"] = {**timed(get, repeats, fresh_app), "series": list(series)}
    for name, target in TARGETS.items():
        if name in rows:
            rows[name]["target_s"] = target
            rows[name]["met"] = rows[name]["median_s"] <= target
    return rows


def render(rows: dict) -> str:
    lines = [f"{'research view':<42} {'median s':>8} {'min s':>6} {'max s':>6}  target"]
    for name, r in rows.items():
        target = ""
        if "target_s" in r:
            target = f"≤ {r['target_s']:g} s: {'met' if r['met'] else 'NOT met'}"
        lines.append(f"{name:<42} {r['median_s']:>8.3f} {r['min_s']:>6.3f} {r['max_s']:>6.3f}"
                     f"  {target}")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.research_colloc", description=__doc__)
    ap.add_argument("--index", type=Path, required=True, help="an index (e.g. the 30× one)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    from bench.measure import machine

    # The machine may be shared: its load beside the figures says how quiet the run was.
    started = os.getloadavg()
    rows = measure(args.index, args.repeats)
    print(render(rows))
    if args.json:
        out = {"machine": machine(), "load_average_start": started,
               "load_average_end": os.getloadavg(), "rows": rows}  # fmt: skip
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
