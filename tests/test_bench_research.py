"""The benchmark's research section: every row runs and reports; sections plug in."""

from __future__ import annotations

import sys
import types

from bench import research


def test_every_row_runs_and_reports(places_index):
    results = research.measure(places_index, scale=1, repeats=1)
    assert list(results) == [row.name for row in research.ROWS]
    for figures in results.values():
        assert set(figures) == {"first_s", "warm_s", "target_s", "met", "returned"}
        assert figures["met"] is None  # targets are judged at 30x only
    assert results["diffusion 河长制 --by county"]["returned"] == "5 regions, 9 documents"
    assert results["kwic 河长制 --all"]["returned"] == "9 of 9 lines, 9 paragraphs"
    text = research.table(results, 1)
    assert text.splitlines()[2].startswith("kwic 河长制 --all")


def test_a_section_module_adds_its_rows(places_index, monkeypatch):
    rows = types.ModuleType("bench.research_colloc")
    rows.ROWS = [research.Row("extra", 1.0, lambda index: 42, lambda result: f"got {result}")]
    monkeypatch.setitem(sys.modules, "bench.research_colloc", rows)
    assert research.rows()[-1].name == "extra"
    assert research.measure(places_index, 30, repeats=1)["extra"]["returned"] == "got 42"
    assert research.measure_sections(places_index) == {}

    own = types.ModuleType("bench.research_colloc")
    own.measure = lambda index_dir, repeats: {"collocates 河长制": {"median_s": 0.5}}
    own.render = lambda figures: f"rendered {sorted(figures)}"
    monkeypatch.setitem(sys.modules, "bench.research_colloc", own)
    figures = research.measure_sections(places_index, repeats=1)
    assert figures == {"bench.research_colloc": {"collocates 河长制": {"median_s": 0.5}}}
    assert research.render_sections(figures) == "rendered ['collocates 河长制']"
