"""docs/notebook.md runs: its Python blocks, in order, in one namespace, on a built index."""

from __future__ import annotations

import re

import matplotlib

from .conftest import ROOT


def test_the_notebook_session_runs(sample_index, monkeypatch):
    matplotlib.use("Agg")
    page = (ROOT / "docs" / "notebook.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        # The page opens the index a reader built at home; here, the test's own index.
        code = block.replace('Path.home() / "govsearch-corpus-index"', repr(str(sample_index)))
        exec(compile(code, "docs/notebook.md", "exec"), namespace)
    hits, near, lines, curve = (namespace[k] for k in ("hits", "near", "lines", "curve"))
    assert len(hits) == namespace["search"](sample_index, "河长制 year:2015..").total
    assert list(near.columns[:6]) == ["word", "count", "expected", "log_dice", "g2", "mi"]
    assert (lines["match"] == "河长制").all() and len(lines) > 0
    assert list(curve.columns) == ["year", "new_regions", "regions_so_far"]
