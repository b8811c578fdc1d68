"""The on-disk format: Whoosh schema, SQLite tables and the schema version."""

from __future__ import annotations

from whoosh import columns, fields

from .analysis import ChineseTokenizer, DictWords

#: Bump whenever the Whoosh schema, the SQLite tables or the meaning of a stored value changes.
SCHEMA_VERSION = 4


def whoosh_schema(words: DictWords) -> fields.Schema:
    """Paragraph documents: weighted words for BM25F ranking plus metadata.

    Exact matching does not use these fields (see `literal grams` in store.py), so the word
    fields keep frequencies but no positions: positions roughly double the postings and
    phrases are checked against the paragraph text anyway.
    """
    analyzer = ChineseTokenizer(words)
    return fields.Schema(
        # Column only: a pid is looked up by document number, never searched for.
        pid=fields.COLUMN(columns.NumericColumn("I")),
        doc_id=fields.ID(),
        # Paragraph, innermost heading and title words, weighted (see analysis.PART_BOOSTS).
        words=fields.TEXT(analyzer=analyzer, phrase=False),
        # One term per value: years are filtered in the store, Whoosh's trie terms would only
        # add postings.
        year=fields.NUMERIC(int, bits=32, shift_step=32),
        region=fields.ID(),
        level=fields.ID(),
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
    dup_of TEXT,
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
    text TEXT NOT NULL,
    norm TEXT NOT NULL,
    dup_of INTEGER
);
CREATE INDEX IF NOT EXISTS paras_doc ON paras (doc_id, paragraph);
CREATE TABLE IF NOT EXISTS sections (
    sid INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    norm TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grams (
    gram TEXT PRIMARY KEY,
    postings BLOB NOT NULL
) WITHOUT ROWID;
-- Paragraphs recognised by OCR, with the engine's confidence (0-1); text layers have no row.
CREATE TABLE IF NOT EXISTS ocr (
    pid INTEGER PRIMARY KEY,
    confidence REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
