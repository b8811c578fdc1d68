"""Entry points of the benchmark's child processes (run with `python -m bench.child ...`).

build SYSTEM CORPUS_DIR MANIFEST OUT_DIR --result FILE   build one index, write timings as JSON
index CORPUS_DIR MANIFEST INDEX_DIR [--optimize] --result FILE
                                                          one incremental run of ours, likewise
classic-cold INDEX_DIR WHOOSH_QUERY                       the classic stack's one-shot query
fts5-cold DB SQL ARGS...                                  SQLite FTS5's one-shot query
"""

from __future__ import annotations

import sys


def build(argv: list[str]) -> None:
    import json
    import time
    from pathlib import Path

    from bench.corpus import Corpus
    from bench.measure import peak_rss_children, peak_rss_self
    from bench.systems import SYSTEMS

    name, corpus_dir, manifest, out = argv[:4]
    result_file = Path(argv[argv.index("--result") + 1])
    corpus = Corpus.open(Path(corpus_dir), Path(manifest))
    system = SYSTEMS[name]()
    t0 = time.perf_counter()
    info = system.build(corpus, Path(out))
    seconds = time.perf_counter() - t0
    info |= {
        "seconds": seconds,
        "self_maxrss": peak_rss_self(),
        "children_maxrss": peak_rss_children(),
    }
    result_file.write_text(json.dumps(info))


def index(argv: list[str]) -> None:
    import json
    import time
    from pathlib import Path

    from bench.measure import peak_rss_children, peak_rss_self
    from govsearch.indexer import IndexReader, build_index

    corpus_dir, manifest, out = argv[:3]
    result_file = Path(argv[argv.index("--result") + 1])
    t0 = time.perf_counter()
    report = build_index(
        [Path(corpus_dir)], Path(out), manifest=Path(manifest), optimize="--optimize" in argv
    )
    seconds = time.perf_counter() - t0
    reader = IndexReader(Path(out))
    deleted = reader.deleted_paragraphs
    reader.close()
    info = {
        "seconds": seconds,
        "segments": report.segments,
        "deleted": deleted,
        "files_indexed": report.files_indexed,
        "merges": report.merges,
        "self_maxrss": peak_rss_self(),
        "children_maxrss": peak_rss_children(),
    }
    result_file.write_text(json.dumps(info))


def classic_cold(index_dir: str, text: str) -> None:
    from whoosh import index
    from whoosh.qparser import QueryParser

    ix = index.open_dir(index_dir)
    with ix.searcher() as s:
        for hit in s.search(QueryParser("body", ix.schema).parse(text), limit=10):
            print(hit["file"], hit["line"], hit.highlights("body"))


def fts5_cold(db: str, sql: str, *args: str) -> None:
    import sqlite3

    con = sqlite3.connect(db)
    for row in con.execute(sql, [int(a) if a.isdigit() else a for a in args]):
        print(*row)


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "build":
        build(rest)
    elif cmd == "index":
        index(rest)
    elif cmd == "classic-cold":
        classic_cold(*rest)
    elif cmd == "fts5-cold":
        fts5_cold(*rest)
    else:
        raise SystemExit(f"unknown command {cmd}")
