"""The patched Whoosh writer: the compact posting pool writes the same index as Whoosh's own."""

from __future__ import annotations

import random

import pytest
from whoosh import fields
from whoosh.filedb.filestore import RamStorage

from govsearch.indexer import writerpatch
from govsearch.indexer.analysis import builtin_dictionary
from govsearch.indexer.schema import whoosh_schema


def _documents(n: int) -> list[dict]:
    rng = random.Random(7)
    vocabulary = [
        "河长制",
        "发展",
        "经济",
        "的",
        "治水",
        "a",
        "PM2.5",
        "黑臭水体",
        "湖长制",
        "乡村",
    ]
    docs = []
    for pid in range(n):
        words = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 12))]
        value = "\x1d" + "\x1e".join(words) + "\x1f" + "\x1e".join(words[:2]) + "\x1f"
        docs.append({"para": pid, "doc_id": f"d{pid // 7}", "words": value})
    return docs


def _build(pool, docs: list[dict]):
    """An index of the docs in three segments, merged by an optimising commit."""
    schema = whoosh_schema(builtin_dictionary())
    ix = RamStorage().create_index(schema)
    original = writerpatch.writing.PostingPool
    writerpatch.writing.PostingPool = pool
    try:
        for part in (docs[:100], docs[100:250], docs[250:]):
            with ix.writer(limitmb=1) as w:  # 1 MB: Whoosh's own pool spills sorted runs
                for d in part:
                    w.add_document(**d)
            with ix.writer() as w:
                w.delete_by_term("doc_id", "d3")
        ix.writer(limitmb=1).commit(optimize=True)
    finally:
        writerpatch.writing.PostingPool = original
    return ix


def _everything(ix) -> tuple:
    with ix.reader() as r:
        postings = []
        for fieldname, text in r.all_terms():
            if isinstance(ix.schema[fieldname], fields.COLUMN):
                continue
            m = r.postings(fieldname, text)
            while m.is_active():
                postings.append((fieldname, text, m.id(), m.weight(), m.value()))
                m.next()
        lengths = [r.doc_field_length(d, "words") for d in range(r.doc_count_all())]
        pids = [r.column_reader("para")[d] for d in range(r.doc_count_all())]
        return postings, lengths, pids, r.field_length("words"), r.doc_count_all()


@pytest.mark.parametrize("n", [0, 1, 400])
def test_compact_pool_writes_the_same_index(n):
    writerpatch.install()
    docs = _documents(n)
    ours = _everything(_build(writerpatch.CompactPostingPool, docs))
    theirs = _everything(_build(writerpatch.WHOOSH_POOL, docs))
    assert ours == theirs
    if n:
        assert len(ours[0]) > n  # words, doc ids: something was compared
