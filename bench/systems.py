"""The systems under test, one small adapter each.

An adapter can `build` an index from a corpus (run in a child process, so its peak RSS is its own),
`open` it for warm queries, answer `top` (the timed call: top 10 with highlights, as a user would
see them) and `result_set` (every matching paragraph key, for recall/precision; not timed), and
give a `cold_cmd` that runs one query in a fresh process. Heavy imports stay inside the methods so
that each child process loads only its own system.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.corpus import Corpus, Key, Paragraphs
from bench.query import Lit, Query, evaluate


class System:
    name = ""
    label = ""
    builds = True  # has a build step worth measuring
    has_cache = False  # keeps per-query results that clear() forgets

    def clear(self) -> None:
        pass

    def build(self, corpus: Corpus, out: Path) -> dict:
        return {}

    def open(self, corpus: Corpus, out: Path) -> None:
        self.corpus = corpus

    def top(self, q: Query) -> int:
        raise NotImplementedError

    def result_set(self, q: Query) -> set[Key]:
        raise NotImplementedError

    def cold_cmd(self, out: Path, q: Query) -> list[str] | None:
        return None

    def close(self) -> None:
        pass


class Ours(System):
    name = "ours"
    label = "govsearch (indexer.build_index / search.search)"

    def build(self, corpus, out):
        from govsearch.indexer import build_index

        report = build_index(corpus.paths(), out, manifest=corpus.manifest, rebuild=True)
        return {"paragraphs": report.paragraphs, "files": report.files_indexed}

    has_cache = True

    def open(self, corpus, out):
        import numpy as np

        from govsearch.search import matching_pids, open_index, search

        self.corpus, self._search, self.ix = corpus, search, open_index(out)
        self._matching = matching_pids
        reader = self.ix.reader()
        # pid -> (file name, line) for result sets; facet labels as the oracle writes them.
        self.line_of = np.zeros(reader.pid_limit, dtype=np.int64)
        for pid, line in reader.scan_paragraphs("line"):
            self.line_of[pid] = line or 0
        self.names = [Path(d.path).name for d in reader.docs]

    def clear(self):
        self.ix.reader().clear_query_cache()

    def top(self, q):
        r = self._search(self.ix, q.text, limit=10, facets=True)
        for h in r.hits:  # make sure lazily computed highlights are paid for
            h.matches  # noqa: B018
        return r.total

    def result_set(self, q):
        # The exact set before near-duplicate folding (search() shows a folded copy under its
        # original's also_in; the tests check that folding).
        reader = self.ix.reader()
        pids = self._matching(reader, q.text, collapse=False)
        docs = reader.doc_numbers()[pids]
        names, lines = self.names, self.line_of
        return {
            (names[d], int(lines[p])) for p, d in zip(pids.tolist(), docs.tolist(), strict=True)
        }

    def facets(self, q):
        r = self._search(self.ix, q.text, limit=0, facets=True, collapse=False)
        return {"year": r.facets["year"], "region": r.facets["region"]}

    def cold_cmd(self, out, q):
        return [
            sys.executable,
            "-m",
            "govsearch",
            "search",
            q.text,
            "--format",
            "jsonl",
            "--limit",
            "10",
            "--index",
            str(out),
        ]

    def close(self):
        close = getattr(self.ix, "close", None)
        if close:
            close()


def whoosh_query(q: Query) -> str:
    """Our syntax as a whoosh QueryParser string on the body field (phrases stay phrases)."""

    def lit(x: Lit) -> str:
        return f'"{x.text}"' if x.phrase else x.text

    parts = [lit(g[0]) if len(g) == 1 else "(" + " OR ".join(map(lit, g)) + ")" for g in q.groups]
    parts += [f"NOT {lit(x)}" for x in q.exclude]
    if q.years:
        lo, hi = q.years
        parts.append(f"year:{lo}" if lo == hi else f"year:[{lo} TO {hi}]")
    if q.region:
        parts.append(f"region:{q.region}*")
    return " ".join(parts)


class Classic(System):
    name = "classic"
    label = "Whoosh + jieba.analyse.ChineseAnalyzer, one writer, body stored"

    def build(self, corpus, out):
        from jieba.analyse import ChineseAnalyzer
        from whoosh import fields, index

        schema = fields.Schema(
            file=fields.ID(stored=True),
            line=fields.NUMERIC(stored=True),
            body=fields.TEXT(analyzer=ChineseAnalyzer(), stored=True),
            year=fields.NUMERIC(stored=True),
            region=fields.ID(stored=True),
        )
        out.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(out), schema)
        n = 0
        with ix.writer() as w:
            for name, line, text in corpus.paragraphs():
                meta = corpus.meta[name]
                w.add_document(
                    file=name,
                    line=line,
                    body=text,
                    year=meta.get("year") or 0,
                    region=meta.get("region") or "",
                )
                n += 1
        return {"paragraphs": n}

    def open(self, corpus, out):
        import logging

        import jieba
        from whoosh import index
        from whoosh.qparser import QueryParser

        jieba.setLogLevel(logging.WARNING)
        self.corpus = corpus
        self.ix = index.open_dir(str(out))
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("body", self.ix.schema)

    def top(self, q):
        results = self.searcher.search(self.parser.parse(whoosh_query(q)), limit=10)
        for hit in results:
            hit.highlights("body")
        return results.scored_length()

    def result_set(self, q):
        docnums = self.searcher.docs_for_query(self.parser.parse(whoosh_query(q)))
        fields = self.searcher.stored_fields
        return {(f["file"], f["line"]) for f in map(fields, docnums)}

    def cold_cmd(self, out, q):
        return [sys.executable, "-m", "bench.child", "classic-cold", str(out), whoosh_query(q)]

    def close(self):
        self.searcher.close()


class Brute(System):
    name = "brute"
    label = (
        "Python substring scan over paragraphs in memory (raw text, AND/OR/NOT, metadata filters)"
    )

    def build(self, corpus, out):
        paras = Paragraphs(corpus)  # the "build" is loading the text into memory
        return {"paragraphs": len(paras.texts)}

    def open(self, corpus, out):
        self.corpus, self.paras = corpus, Paragraphs(corpus)

    def top(self, q):
        return len(evaluate(q, self.paras))

    def result_set(self, q):
        return evaluate(q, self.paras)


class Grep(System):
    name = "grep"
    label = "grep -F over the files (LC_ALL=C; AND/NOT as pipelines; filters pick the files)"
    builds = False

    def _pipeline(self, q: Query, keys: bool) -> bytes:
        files = [f for f, meta in self.corpus.meta.items() if q.meta_ok(meta)]
        if not files:
            return b""
        stages = [["-e", x.text] for x in q.groups[0]]
        first = ["grep", "-F", "-Hn" if keys else "-h", *sum(stages, [])]
        later = [["grep", "-F", *sum((["-e", x.text] for x in g), [])] for g in q.groups[1:]]
        later += [["grep", "-F", "-v", "-e", x.text] for x in q.exclude]
        if not keys:
            (later[-1] if later else first).insert(2, "-c")
        cmds = [first + ["--", *files], *later]
        env = {**os.environ, "LC_ALL": "C"}
        procs, stdin = [], None
        for cmd in cmds:
            p = subprocess.Popen(
                cmd, cwd=self.corpus.dir, env=env, stdin=stdin, stdout=subprocess.PIPE
            )
            if stdin is not None:
                stdin.close()
            stdin = p.stdout
            procs.append(p)
        data = procs[-1].communicate()[0]
        for p in procs:
            if p.wait() > 1:
                raise RuntimeError(f"grep failed with exit {p.returncode}")
        return data

    def top(self, q):
        return sum(int(n) for n in self._pipeline(q, keys=False).split())

    def result_set(self, q):
        out = set()
        for line in self._pipeline(q, keys=True).splitlines():
            name, num, _ = line.split(b":", 2)
            out.add((name.decode(), int(num)))
        return out


def fts5_match(q: Query) -> str:
    def lit(x: Lit) -> str:
        return '"' + x.text.replace('"', '""') + '"'

    pos = " AND ".join(
        lit(g[0]) if len(g) == 1 else "(" + " OR ".join(map(lit, g)) + ")" for g in q.groups
    )
    if q.exclude:
        pos = f"({pos}) NOT (" + " OR ".join(map(lit, q.exclude)) + ")"
    return pos


def fts5_sql(q: Query, top: bool) -> tuple[str, list]:
    cols = "file, line, highlight(p, 0, '<b>', '</b>')" if top else "file, line"
    sql, args = f"SELECT {cols} FROM p WHERE p MATCH ?", [fts5_match(q)]
    if q.years:
        sql += " AND year BETWEEN ? AND ?"
        args += list(q.years)
    if q.region:
        sql += " AND substr(region, 1, ?) = ?"
        args += [len(q.region), q.region]
    if top:
        sql += " ORDER BY rank LIMIT 10"
    return sql, args


class FTS5(System):
    name = "fts5"
    label = "SQLite FTS5 trigram tokenizer (stdlib sqlite3), raw text"

    def build(self, corpus, out):
        out.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(out / "fts.db")
        db.execute(
            "CREATE VIRTUAL TABLE p USING fts5(body, file UNINDEXED, line UNINDEXED,"
            " year UNINDEXED, region UNINDEXED, tokenize='trigram')"
        )
        rows = (
            (text, name, line, corpus.meta[name].get("year"), corpus.meta[name].get("region"))
            for name, line, text in corpus.paragraphs()
        )
        with db:
            db.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", rows)
        n = db.execute("SELECT count(*) FROM p").fetchone()[0]
        db.close()
        return {"paragraphs": n}

    def open(self, corpus, out):
        self.corpus = corpus
        self.db = sqlite3.connect(out / "fts.db")

    def top(self, q):
        return len(self.db.execute(*fts5_sql(q, top=True)).fetchall())

    def result_set(self, q):
        return {(f, int(n)) for f, n in self.db.execute(*fts5_sql(q, top=False))}

    def cold_cmd(self, out, q):
        sql, args = fts5_sql(q, top=True)
        return [
            sys.executable,
            "-m",
            "bench.child",
            "fts5-cold",
            str(out / "fts.db"),
            sql,
            *map(str, args),
        ]

    def close(self):
        self.db.close()


SYSTEMS: dict[str, type[System]] = {s.name: s for s in (Ours, Classic, Brute, Grep, FTS5)}
