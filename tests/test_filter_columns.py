"""Field filters read per-document columns; each must select exactly what a per-document check does.

The oracle below asks every stored document one question in plain Python (the way the filters
were written before they became column scans); the filter's paragraph set must equal the
paragraphs of the documents that answer yes.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from govsearch.indexer.docmeta import normalize_docno
from govsearch.indexer.textnorm import normalize
from govsearch.search import documents, matching_pids, open_index


def _paragraphs_of(docs, keep) -> np.ndarray:
    out = [np.arange(d.pid_start, d.pid_end) for d in docs if keep(d)]
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, np.int64)


def _significant(code: str) -> str:
    code = code.rstrip("0")
    return code + "0" * (len(code) % 2)


def _cases(docs, rng: random.Random):
    """(filter, per-document predicate) pairs drawn from the documents' own values."""
    years = sorted({d.year for d in docs if d.year is not None})
    for _ in range(4):
        low, high = sorted(rng.sample(years, 2)) if len(years) > 1 else (years[0], years[0])
        yield (
            f"year:{low}..{high}",
            lambda d, a=low, b=high: d.year is not None and a <= d.year <= b,
        )
    yield f"year:{years[0]}", lambda d, y=years[0]: d.year == y
    with_path = [d for d in docs if d.region_path]
    for d in rng.sample(with_path, min(4, len(with_path))):
        name = rng.choice(d.region_path)
        part = name[: max(2, len(name) - 1)]
        needle = normalize(part)

        def has(doc, n=needle):
            keys = [doc.region or "", "".join(doc.region_path), *doc.region_path]
            return any(n in normalize(k) for k in keys)

        yield f"region:{part}", has
    with_code = [d for d in docs if d.adcode]
    for d in rng.sample(with_code, min(3, len(with_code))):
        for digits in (2, 4, 6):
            code = d.adcode[:digits]
            prefix = _significant(code.ljust(6, "0"))

            def under(doc, c=prefix):
                return bool(doc.adcode) and _significant(doc.adcode).startswith(c)

            yield f"region:{code.ljust(6, '0')}", under
            # Full-width digits are the same code.
            wide = code.ljust(6, "0").translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
            yield f"region:{wide}", under
    for level in sorted({d.level for d in docs if d.level}):
        yield f"level:{level}", lambda d, v=level: d.level == v
    titled = [d for d in docs if d.title and len(d.title) > 4 and '"' not in d.title]
    for d in rng.sample(titled, min(3, len(titled))):
        start = rng.randrange(len(d.title) - 3)
        part = d.title[start : start + 3]
        needle = normalize(part)
        yield f'title:"{part}"', lambda doc, p=needle: p in normalize(doc.title or "")
    for kind in sorted({d.meta.get("type") for d in docs if d.meta.get("type")}):
        yield f"type:{kind}", lambda d, v=kind: d.meta.get("type") == v
    numbered = [d for d in docs if d.meta.get("docno")]
    for d in rng.sample(numbered, min(2, len(numbered))):
        key = normalize_docno(d.meta["docno"])
        yield (
            f'docno:"{d.meta["docno"]}"',
            lambda doc, k=key: k in (doc.meta.get("docno_key") or ""),
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_field_filters_select_what_a_per_document_check_selects(sample_index, seed):
    reader = open_index(sample_index).reader()
    docs = documents(reader)
    cases = list(_cases(docs, random.Random(seed)))
    assert len(cases) >= 10
    for query, keep in cases:
        got = matching_pids(reader, query, collapse=False)
        want = _paragraphs_of(docs, keep)
        assert want.size, query  # drawn from the documents' own values: never empty
        assert np.array_equal(got, want), query
