"""`.to_pandas()` on search, trend, kwic and diffusion results; pandas stays optional."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from govsearch.indexer import MissingDependency, QueryError
from govsearch.search import diffusion, kwic, open_index, search, trend
from govsearch.search.export import trend_tables


@pytest.fixture(scope="module")
def tiny(tiny_index):
    return open_index(tiny_index)


def test_search_frame_has_one_row_per_hit(tiny):
    result = search(tiny, "河长制", limit=None)
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["id"]) == [h.id for h in result.hits]
    assert list(frame.columns[:5]) == ["id", "doc_id", "title", "year", "region"]
    first = frame.iloc[0]
    hit = result.hits[0]
    assert (first["text"], first["matches"], first["matched"]) == (
        hit.text, [list(m) for m in hit.matches], ["河长制"],
    )  # fmt: skip
    assert first["score"] == hit.score


def test_trend_frame_is_the_tidy_table(tiny):
    result = trend(tiny, ["河长制", "湖=湖长制"], by=["year"])
    frame = result.to_pandas()
    (table, _series) = trend_tables(result)
    assert list(frame.columns) == list(table.columns)
    rows = [list(r) for r in table.rows]
    assert frame.astype(object).where(frame.notna(), None).values.tolist() == rows
    assert frame[frame.series == "湖"]["paragraphs"].sum() == 2


def test_trend_frame_by_document_has_titles(tiny):
    frame = trend(tiny, ["河长制"], by=["doc"]).to_pandas()
    assert list(frame.columns[:4]) == ["series", "query", "doc_id", "title"]
    assert sorted(frame["title"]) == ["乙省2018年报告", "乙省2019年报告", "甲市2016年报告"]


def test_kwic_and_diffusion_frames(tiny, places_index):
    frame = kwic(tiny, "河长制", width=2, limit=None).to_pandas()
    assert list(frame.columns) == ["id", "doc_id", "title", "year", "region", "left", "match",
                                   "right", "start", "end"]  # fmt: skip
    assert list(frame["left"]) == ["推行", "落实", "制，", ""]
    spread = diffusion(places_index, "河长制", by="county")
    regions = spread.to_pandas()
    assert list(regions["region"]) == ["全国", "朝阳区", "坪山区", "鼓楼区", "鼓楼区"]
    assert list(regions["path"].iloc[1]) == ["北京市", "朝阳区"]
    adoption = spread.to_pandas("adoption")
    assert adoption.values.tolist() == [[2019, 2, 2], [2020, 1, 3], [2021, 1, 4]]
    with pytest.raises(QueryError) as err:
        spread.to_pandas("years")
    assert str(err.value) == "unknown table 'years'; use regions or adoption"


def test_empty_results_keep_their_columns(tiny):
    frame = kwic(tiny, "zzzz不存在").to_pandas()
    assert frame.empty and list(frame.columns)[-2:] == ["start", "end"]
    assert search(tiny, "zzzz不存在").to_pandas().columns[0] == "id"


def test_without_pandas_the_error_says_how_to_install_it(tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    for result in (search(tiny, "河长制"), kwic(tiny, "河长制"), trend(tiny, ["河长制"])):
        with pytest.raises(MissingDependency) as err:
            result.to_pandas()
        assert str(err.value) == (
            "to_pandas() needs pandas, which is not installed; run: pip install 'govsearch[pandas]'"
        )


def test_importing_search_does_not_import_pandas():
    code = "import sys, govsearch.search, govsearch.cli; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
