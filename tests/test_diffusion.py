"""Policy diffusion: first years per region against a brute-force scan, the 全国 row, undated
and unplaced documents, the adoption curve, and bad input."""

from __future__ import annotations

import json

import pytest

from govsearch.indexer import QueryError
from govsearch.search import diffusion, open_index, search
from govsearch.search.diffusion import DIFFUSION_BY

TERMS = ["河长制", "湖长制", "长制", "乡村振兴", "营商环境", "发展", "脱贫攻坚", "哈哈",
         "zzzz不存在"]  # fmt: skip


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


def unit_of(d, by: str):
    if d.level == "national":
        return ()
    if by not in d.region_kinds:
        return None
    return d.region_path[: d.region_kinds.index(by) + 1]


def brute_first_years(reader, sample_paragraphs, term: str, by: str) -> dict:
    """Per region: the smallest year of a document with a paragraph holding the term."""
    docs = {d.path: d for d in reader.docs}
    matching = {path for path, _line, norm in sample_paragraphs if term in norm}
    out: dict = {}
    for path in matching:
        d = docs[path]
        unit = unit_of(d, by)
        if unit is None:
            continue
        first = out.get(unit)
        if d.year is not None and (first is None or d.year < first):
            out[unit] = d.year
        else:
            out.setdefault(unit, first)
    return out


@pytest.mark.parametrize("by", DIFFUSION_BY)
@pytest.mark.parametrize("term", TERMS)
def test_first_years_are_the_minimum_year_per_region(sample, sample_paragraphs, term, by):
    reader = sample.reader()
    result = diffusion(sample, term, by=by, collapse=False)
    got = {r.path: r.first_year for r in result.regions}
    assert got == brute_first_years(reader, sample_paragraphs, term, by)
    for r in result.regions:
        if r.first_doc_id is not None:
            d = reader.by_id[r.first_doc_id]
            assert (d.year, unit_of(d, by), d.title) == (r.first_year, r.path, r.first_title)
            # The first paragraph of that document that holds the term.
            norms = reader.norms(range(d.pid_start, d.pid_end))
            first = next(n for n, norm in enumerate(norms, 1) if term in norm)
            assert r.first_id == f"{d.doc_id}:{first}"


@pytest.mark.parametrize("by", DIFFUSION_BY)
@pytest.mark.parametrize("term", ["河长制", "发展", "乡村振兴", "?长制", "/[河湖林]长制/"])
def test_counts_follow_search(sample, term, by):
    """Documents and paragraphs per region are those of search's hits (copies folded)."""
    hits = search(sample, term, limit=None, facets=False).hits
    reader = sample.reader()
    docs: dict = {}
    paragraphs: dict = {}
    first: dict = {}
    for h in hits:
        unit = unit_of(reader.by_id[h.doc_id], by)
        if unit is None:
            continue
        docs.setdefault(unit, set()).add(h.doc_id)
        paragraphs[unit] = paragraphs.get(unit, 0) + 1
        if h.year is not None:
            first[unit] = min(first.get(unit, h.year), h.year)
    result = diffusion(sample, term, by=by)
    assert {r.path: r.documents for r in result.regions} == {u: len(d) for u, d in docs.items()}
    assert {r.path: r.paragraphs for r in result.regions} == paragraphs
    assert {r.path: r.first_year for r in result.regions if r.first_year} == first
    assert result.paragraphs == len(hits)
    assert result.documents == len({h.doc_id for h in hits})
    unplaced = {h.doc_id for h in hits if unit_of(reader.by_id[h.doc_id], by) is None}
    assert result.unplaced == len(unplaced)
    # The adoption curve: every year from the first to the last, its regions new and so far.
    years = sorted(y for u, y in first.items() if u)
    if years:
        curve = [(a.year, a.new_regions, a.regions_so_far) for a in result.adoption]
        assert [y for y, _n, _t in curve] == list(range(years[0], years[-1] + 1))
        assert [n for _y, n, _t in curve] == [years.count(y) for y, _n, _t in curve]
        assert curve[-1][2] == len(years)


@pytest.fixture(scope="module")
def places(places_index):
    return open_index(places_index)


def rows(result) -> list[tuple]:
    return [(r.region, r.path, r.first_year, r.first_title, r.documents, r.paragraphs)
            for r in result.regions]  # fmt: skip


def test_worked_example_by_province(places):
    result = diffusion(places, "河长制")
    assert rows(result) == [
        ("全国", (), 2016, "n", 1, 1),
        ("广东省", ("广东省",), 2017, "gd", 4, 4),
        ("北京市", ("北京市",), 2019, "bj", 1, 1),
        ("江苏省", ("江苏省",), 2020, "nj", 1, 1),
        ("福建省", ("福建省",), 2021, "fz", 1, 1),
        ("浙江省", ("浙江省",), None, None, 1, 1),
    ]
    assert [(a.year, a.new_regions, a.regions_so_far) for a in result.adoption] == [
        (2017, 1, 1), (2018, 0, 1), (2019, 1, 2), (2020, 1, 3), (2021, 1, 4),
    ]  # fmt: skip
    assert (result.undated, result.unplaced, result.documents, result.paragraphs) == (1, 0, 9, 9)
    assert [r.region for r in result.adopters] == ["广东省", "北京市", "江苏省", "福建省"]


def test_worked_example_by_city_and_county(places):
    city = diffusion(places, "河长制", by="city")
    # The earlier of two documents of one year is the one with the earlier date line.
    assert rows(city) == [
        ("全国", (), 2016, "n", 1, 1),
        ("广州市", ("广东省", "广州市"), 2018, "gz-b", 2, 2),
        ("深圳市", ("广东省", "深圳市"), 2019, "sz", 1, 1),
        ("南京市", ("江苏省", "南京市"), 2020, "nj", 1, 1),
        ("福州市", ("福建省", "福州市"), 2021, "fz", 1, 1),
        ("杭州市", ("浙江省", "杭州市"), None, None, 1, 1),
    ]
    # 广东省's own document and 北京市 › 朝阳区 have no city-level unit.
    assert (city.unplaced, city.undated) == (2, 1)
    county = diffusion(places, "河长制", by="county")
    assert rows(county) == [
        ("全国", (), 2016, "n", 1, 1),
        # One year: in the order of their paths (by code point: 北 before 广).
        ("朝阳区", ("北京市", "朝阳区"), 2019, "bj", 1, 1),
        ("坪山区", ("广东省", "深圳市", "坪山区"), 2019, "sz", 1, 1),
        ("鼓楼区", ("江苏省", "南京市", "鼓楼区"), 2020, "nj", 1, 1),
        ("鼓楼区", ("福建省", "福州市", "鼓楼区"), 2021, "fz", 1, 1),
    ]
    assert [(a.year, a.new_regions, a.regions_so_far) for a in county.adoption] == [
        (2019, 2, 2), (2020, 1, 3), (2021, 1, 4),
    ]  # fmt: skip
    assert county.unplaced == 4


def test_first_document_links_to_its_first_match(places):
    (gd,) = [r for r in diffusion(places, "河长制").regions if r.region == "广东省"]
    reader = places.reader()
    assert gd.first_doc_id == reader.docs[[d.title for d in reader.docs].index("gd")].doc_id
    assert gd.first_id == f"{gd.first_doc_id}:1"


def test_filters_narrow_the_documents(places):
    result = diffusion(places, "河长制", year="2019..", region="广东")
    assert rows(result) == [("广东省", ("广东省",), 2019, "sz", 1, 1)]
    assert result.adoption[0].year == 2019


def test_json_shape(places):
    d = json.loads(json.dumps(diffusion(places, "河长制", by="city").to_dict()))
    assert list(d) == ["schema_version", "query", "by", "year", "region", "documents",
                       "paragraphs", "regions", "adoption", "undated", "unplaced"]  # fmt: skip
    assert d["regions"][1] == {
        "region": "广州市", "path": ["广东省", "广州市"], "province": "广东省",
        "first_year": 2018, "first_doc_id": d["regions"][1]["first_doc_id"],
        "first_title": "gz-b", "first_id": d["regions"][1]["first_id"], "documents": 2,
        "paragraphs": 2,
    }  # fmt: skip
    assert d["adoption"][0] == {"year": 2018, "new_regions": 1, "regions_so_far": 1}


def test_no_match(places):
    result = diffusion(places, "zzzz不存在")
    assert (result.regions, result.adoption, result.documents, result.undated) == ([], [], 0, 0)


def test_unknown_level_is_one_clear_error(places):
    with pytest.raises(QueryError) as err:
        diffusion(places, "河长制", by="street")
    assert str(err.value) == "unknown level 'street'; use one of: province, city, county"
