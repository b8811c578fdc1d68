"""The on-disk format: Whoosh schema, SQLite tables and the schema version.

Each segment (segment.py) has its own SQLite store with these tables, over its own paragraph
ids, and the flat files the query path reads (textfile.py, postings.py, duplicates.py): the
normalised paragraph texts, the literal-gram posting lists, the word posting lists with their
BM25F inputs (derived from what Whoosh indexes) and the near-duplicate signatures. A
generation adds generation.sqlite (genstate.py) and the Whoosh index of all its documents.
"""

from __future__ import annotations

from whoosh import columns, fields, scoring

from .analysis import ChineseTokenizer, DictWords

#: Bump whenever the Whoosh schema, the SQLite tables or the meaning of a stored value changes.
SCHEMA_VERSION = 7

#: BM25F parameters of the `words` field, tuned for paragraph-length documents on the known-item
#: evaluation (bench/eval_ranking.py; Whoosh's defaults were 1.2 and 0.75). Full length
#: normalisation (b = 1) with early saturation (k1 = 0.6): a paragraph is short, and one that
#: is mostly the query's words is more about them. Read at search time, by Whoosh's scorer and
#: by the vectorised one (search/wordscores.py) alike: no rebuild needed.
BM25_K1 = 0.6
BM25_B = 1.0


def weighting() -> scoring.BM25F:
    """The scoring model of the word index."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


def whoosh_schema(words: DictWords) -> fields.Schema:
    """Paragraph documents: weighted words for BM25F ranking, the document and the paragraph's
    number in it (which stay the same when segments are merged; paragraph ids do not).

    Exact matching does not use these fields (see the literal grams in postings.py), so the word
    field keeps frequencies but no positions: positions roughly double the postings and
    phrases are checked against the paragraph text anyway. Document metadata (year, region,
    level) is filtered in the store, so Whoosh does not index it.
    """
    analyzer = ChineseTokenizer(words)
    return fields.Schema(
        # For deleting a document's paragraphs when it is re-indexed or removed; a column too,
        # so that a Whoosh hit can be mapped to a paragraph (with `para`, numbered from 1).
        doc_id=fields.ID(sortable=True),
        para=fields.COLUMN(columns.NumericColumn("I")),
        # Paragraph, innermost heading and title words, weighted (see analysis.PART_BOOSTS).
        words=fields.TEXT(analyzer=analyzer, phrase=False),
    )


SQLITE_DDL = """
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    root TEXT,
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT,
    size INTEGER NOT NULL,
    title TEXT,
    year INTEGER,
    region TEXT,
    level TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    -- [[name, kind], ...] top first (kind: province, city, county, street); the deepest
    -- known unit's division code.
    region_path TEXT NOT NULL DEFAULT '[]',
    adcode TEXT,
    -- The manifest row the document was indexed with (JSON), or NULL.
    manifest_row TEXT,
    -- The file's modification time when it was read (plan.py skips hashing an unchanged file).
    mtime_ns INTEGER,
    indexed_ns INTEGER,
    pid_start INTEGER NOT NULL,
    pid_end INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS paras (
    pid INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    paragraph INTEGER NOT NULL,
    line INTEGER,
    col INTEGER NOT NULL DEFAULT 0,
    page INTEGER,
    sid INTEGER,
    -- The source text as a patch on the normalised text in texts.flat (textnorm.text_patch);
    -- NULL when they are the same.
    patch BLOB
);
CREATE INDEX IF NOT EXISTS paras_doc ON paras (doc_id, paragraph);
CREATE TABLE IF NOT EXISTS sections (
    sid INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    norm TEXT NOT NULL
);
-- Paragraphs recognised by OCR, with the engine's confidence (0-1); text layers have no row.
CREATE TABLE IF NOT EXISTS ocr (
    pid INTEGER PRIMARY KEY,
    confidence REAL NOT NULL
);
"""
