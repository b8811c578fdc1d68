"""Metadata inference without a manifest, measured against the corpus manifest.

`python -m bench.eval metadata [--index DIR]`: indexes ../shared/corpus *without* its manifest
(or reads an index already built that way), then compares each document's year, region and
level with the manifest: precision (right among those given) and coverage (given at all), with
the worst errors. A region counts as right when it lies in the same province as the manifest's
(both national counts too). `year_named` is the year again, over the documents whose text
names the year their manifest gives (the others cannot be right without guessing).
Writes bench/results/eval_metadata.json.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"
RESULTS = HERE / "results" / "eval_metadata.json"
FIELDS = ("year", "region", "level")
#: Targets of issue 13: precision and coverage per field.
TARGETS = {
    "year": (0.97, 0.85),
    "region": (0.97, 0.80),
    "level": (0.97, 0.80),
    # Issue 19: the held-out year check.
    "year_named": (0.97, 0.90),
}
#: The heuristics before issue 13 (main at 3786103), scored the same way: (precision, coverage).
BASELINE = {
    "year": (0.805, 0.658),
    "region": (0.711, 0.538),
    "level": (0.822, 0.538),
    # Main before issue 19 (at 49e2697).
    "year_named": (0.980, 0.833),
}


@dataclass
class FieldScore:
    """Precision and coverage of one field, with the documents it got wrong."""

    given: int = 0
    right: int = 0
    total: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.given if self.given else 1.0

    @property
    def coverage(self) -> float:
        return self.given / self.total if self.total else 0.0


def province_of(region: str | None) -> str | None:
    """The province a region lies in ("全国" for national), by the gazetteer."""
    from govsearch.indexer.regions import resolve

    if not region:
        return None
    res = resolve(region)
    if res.level == "national":
        return "全国"
    return res.path[0] if res.path else None


def names_its_year(corpus: Path, file: str, year: int) -> bool:
    """Whether a corpus document's text names the year (as digits, any width)."""
    text = unicodedata.normalize("NFKC", (corpus / file).read_text("utf-8"))
    return str(year) in text


def evaluate(
    docs: list[dict], manifest: dict[str, dict], corpus: Path | None = None
) -> dict[str, FieldScore]:
    """Score inferred metadata (dicts with file, year, region, level, sources) by the manifest.

    With the corpus folder, also `year_named`: the year over the documents that name theirs.
    """
    scores = {name: FieldScore() for name in FIELDS}
    if corpus is not None:
        scores["year_named"] = FieldScore()
    for doc in docs:
        truth = manifest[doc["file"]]
        names = ["year_named"] if corpus is not None else []
        if names and not names_its_year(corpus, doc["file"], truth["year"]):
            names = []
        for name in [*FIELDS, *names]:
            score = scores[name]
            score.total += 1
            value = doc.get(name.removesuffix("_named"))
            if value in (None, ""):
                continue
            score.given += 1
            if name == "region":
                got = doc.get("province") or province_of(value)
                want = province_of(truth["region"])
                ok = got == want
            else:
                ok = value == truth[name.removesuffix("_named")]
            if ok:
                score.right += 1
            else:
                score.errors.append(
                    {
                        "file": doc["file"],
                        "got": value,
                        "want": truth[name.removesuffix("_named")],
                        "source": doc.get("sources", {}).get(name.removesuffix("_named")),
                        "title": truth.get("title", "")[:60],
                    }
                )
    return scores


def docs_from_index(index_dir: Path) -> list[dict]:
    """Each document's inferred fields as stored in an index."""
    from govsearch.indexer import IndexReader

    reader = IndexReader(index_dir)
    try:
        return [
            {
                "file": Path(d.path).name,
                "year": d.year,
                "region": d.region,
                "level": d.level,
                "province": ("全国" if d.level == "national" else d.province),
                "sources": d.meta.get("sources", {}),
            }
            for d in reader.docs
        ]
    finally:
        reader.close()


@dataclass
class BuildCost:
    """What indexing the corpus cost, and the share of it spent inferring metadata."""

    build: float = 0.0
    #: Reading the gazetteer (once per indexing process).
    gazetteer_load: float = 0.0
    #: Finding and resolving regions (the gazetteer's part of inference), over all documents.
    regions: float = 0.0
    #: All document-level inference (title, year, region, level, docno …), regions included.
    inference: float = 0.0


def build_without_manifest(corpus: Path, index_dir: Path, cost: BuildCost | None = None) -> float:
    """Index the corpus files alone (no manifest, no README); returns the seconds taken.

    With `cost`, the time spent in inference and in region resolution is measured in the same
    run (the functions are wrapped with a timer; the build itself is unchanged).
    """
    from govsearch.indexer import build_index, gazetteer, generation, inference

    files = sorted(corpus.glob("[0-9]*.txt"))
    if cost is None:
        started = time.perf_counter()
        build_index(files, index_dir, rebuild=True)
        return time.perf_counter() - started
    gazetteer.gazetteer.cache_clear()
    t0 = time.perf_counter()
    gazetteer.gazetteer()
    cost.gazetteer_load = time.perf_counter() - t0
    timed = {"describe": 0.0, "regions": 0.0}

    def timer(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timed[name] += time.perf_counter() - t0

        return wrapper

    originals = (generation.describe, inference.infer_region)
    generation.describe = timer("describe", generation.describe)
    inference.infer_region = timer("regions", inference.infer_region)
    try:
        started = time.perf_counter()
        build_index(files, index_dir, rebuild=True)
        # Loading the gazetteer is part of what a build costs (it happens once per run).
        cost.build = time.perf_counter() - started + cost.gazetteer_load
    finally:
        generation.describe, inference.infer_region = originals
    cost.regions = timed["regions"]
    cost.inference = timed["describe"]
    return cost.build


def report(scores: dict[str, FieldScore], worst: int = 8) -> str:
    """The table printed by `make eval` (and copied into docs/formats.md)."""
    lines = [
        "| field | precision | coverage | before (precision / coverage) | target | met |",
        "|---|---|---|---|---|---|",
    ]
    shown = [name for name in TARGETS if name in scores]
    for name in shown:
        s = scores[name]
        p_target, c_target = TARGETS[name]
        p_before, c_before = BASELINE[name]
        met = s.precision >= p_target and s.coverage >= c_target
        lines.append(
            f"| {name} | {s.precision:.3f} ({s.right}/{s.given}) | {s.coverage:.3f} "
            f"({s.given}/{s.total}) | {p_before:.3f} / {c_before:.3f} | ≥ {p_target} / "
            f"≥ {c_target} | {'yes' if met else 'no'} |"
        )
    for name in shown:
        errors = scores[name].errors
        if errors:
            lines.append("")
            lines.append(f"{name}: {len(errors)} wrong, the first {min(worst, len(errors))}:")
            for e in errors[:worst]:
                lines.append(
                    f"  {e['file'][:4]} got {e['got']} ({e['source']}), manifest {e['want']}"
                    f" — {e['title']}"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    index_dir = None
    if "--index" in args:
        index_dir = Path(args[args.index("--index") + 1])
    if not CORPUS.is_dir():
        print(f"eval_metadata: no corpus at {CORPUS}", file=sys.stderr)
        return 2
    manifest = {
        r["file"]: r
        for r in map(json.loads, (CORPUS / "manifest.jsonl").read_text("utf-8").splitlines())
    }
    cost = None
    with tempfile.TemporaryDirectory() as tmp:
        seconds = None
        if index_dir is None or not index_dir.exists():
            index_dir = index_dir or Path(tmp) / "index"
            cost = BuildCost()
            seconds = build_without_manifest(CORPUS, index_dir, cost)
        docs = docs_from_index(index_dir)
    scores = evaluate(docs, manifest, CORPUS)
    print("Metadata inferred without the manifest, scored against it")
    print(report(scores))
    if cost is not None:
        print(
            f"\nbuild {cost.build:.1f} s; inference {cost.inference:.2f} s "
            f"({cost.inference / cost.build:.1%}), of which region resolution "
            f"{cost.regions:.2f} s ({cost.regions / cost.build:.1%}) and loading the gazetteer "
            f"{cost.gazetteer_load:.2f} s ({cost.gazetteer_load / cost.build:.1%})"
        )
    out = {
        "documents": len(docs),
        "build_seconds": round(seconds, 1) if seconds else None,
        "baseline": BASELINE,
        "cost_seconds": (
            {k: round(v, 3) for k, v in cost.__dict__.items()} if cost is not None else None
        ),
        "fields": {
            name: {
                "precision": round(s.precision, 4),
                "coverage": round(s.coverage, 4),
                "given": s.given,
                "right": s.right,
                "total": s.total,
                "errors": s.errors,
            }
            for name, s in scores.items()
        },
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    met = all(
        scores[n].precision >= TARGETS[n][0] and scores[n].coverage >= TARGETS[n][1] for n in scores
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
