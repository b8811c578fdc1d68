"""Plain values returned by the search API (no Whoosh objects cross this boundary)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .frames import data_frame

#: Version of the JSON shapes below; bumped when a key changes meaning or disappears.
JSON_SCHEMA_VERSION = 1
#: The columns of SearchResult.to_pandas(): a hit's JSON keys, lists as text.
HIT_FRAME_COLUMNS = (
    "id", "doc_id", "title", "year", "region", "level", "type", "docno", "date", "issuer",
    "section", "paragraph", "path", "line", "page", "text", "matched", "matches", "score",
    "also_in", "ocr_confidence",
)  # fmt: skip


@dataclass(frozen=True)
class Location:
    """Another place an identical paragraph was found (a duplicate document)."""

    id: str
    doc_id: str
    title: str | None
    path: str
    line: int | None


@dataclass(frozen=True)
class Hit:
    """One matching paragraph."""

    id: str
    doc_id: str
    title: str | None
    year: int | None
    region: str | None
    level: str | None
    section: str | None
    paragraph: int
    path: str
    line: int | None
    page: int | None
    text: str
    matches: list[tuple[int, int]]
    score: float
    #: UTF-8 byte offset of the paragraph in its source line (for vimgrep columns).
    column: int = 0
    format: str = "txt"
    doc_type: str | None = None
    docno: str | None = None
    #: The document's date (成文日期, YYYY-MM-DD or a prefix) and issuing body, when known.
    date: str | None = None
    issuer: str | None = None
    also_in: list[Location] = field(default_factory=list)
    #: The region's place in the hierarchy, names top first; `region` is the name as given.
    region_path: list[str] = field(default_factory=list)
    adcode: str | None = None
    #: The OCR engine's confidence (0–1) when the paragraph was recognised from a scan.
    ocr_confidence: float | None = None

    @property
    def ocr(self) -> bool:
        """Whether the text comes from OCR (and may hold misread characters)."""
        return self.ocr_confidence is not None

    def to_dict(self) -> dict:
        """The JSON object for this hit (keys documented in docs/cli.md)."""
        d = asdict(self)
        d["ocr"] = self.ocr
        d["matches"] = [list(m) for m in self.matches]
        d["type"] = d.pop("doc_type")
        del d["column"]
        return d


@dataclass(frozen=True)
class Suggestion:
    """Another query to try, for `terms` (as typed) that were probably meant otherwise.

    kind: "punctuation" (the terms without their edge punctuation), "separator" (a term with
    a list separator inside, 河长制，湖长制, read as separate terms: AND, then OR), "operator"
    (lower-case and/or/not read as AND/OR/NOT) or "homophone" (an indexed string that sounds
    like a term that matches nothing: 河常制 → 河长制).
    """

    query: str
    #: Paragraphs the suggested query finds (with the same filters).
    total: int
    terms: list[str]
    kind: str = "punctuation"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SearchResult:
    """A page of hits plus totals and facet counts over the whole result set."""

    query: str
    total: int
    offset: int
    limit: int | None
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    sort: str = "relevance"
    seconds: float = 0.0
    terms: list[str] = field(default_factory=list)
    #: Queries to try instead (see search/suggest.py); empty when the query is fine as typed.
    suggestions: list[Suggestion] = field(default_factory=list)
    #: "doc" when hits are grouped by document (search(..., group="doc")), else None.
    group: str | None = None
    #: Grouped: how many hits the whole grouped list holds (pages are counted in these).
    listed: int | None = None
    #: Grouped: doc_id → its matching paragraphs not listed, for the documents on this page.
    folded: dict[str, int] = field(default_factory=dict)
    #: For a query with one wildcard or regular expression: the strings it matched most, each
    #: with the query that searches for it and that query's counts (search/variants.py).
    variants: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON object of `govsearch search --format json` and /api/search."""
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "query": self.query,
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
            "sort": self.sort,
            "hits": [h.to_dict() for h in self.hits],
            "facets": self.facets,
            "suggestions": [s.to_dict() for s in self.suggestions],
            **(
                {"group": self.group, "listed": self.listed, "folded": self.folded}
                if self.group
                else {}
            ),
            **({"variants": [asdict(v) for v in self.variants]} if self.variants else {}),
        }

    def to_pandas(self):
        """The page's hits as a pandas DataFrame, one row per hit (needs govsearch[pandas]).

        `matched` holds the distinct matched strings, `matches` the [start, end) offsets,
        `also_in` the ids of folded copies.
        """

        def row(h: Hit) -> list:
            matched = list(dict.fromkeys(h.text[s:e] for s, e in h.matches))
            return [
                h.id, h.doc_id, h.title, h.year, h.region, h.level, h.doc_type, h.docno, h.date,
                h.issuer, h.section, h.paragraph, h.path, h.line, h.page, h.text, matched,
                [list(m) for m in h.matches], h.score, [a.id for a in h.also_in],
                h.ocr_confidence,
            ]  # fmt: skip

        return data_frame(HIT_FRAME_COLUMNS, (row(h) for h in self.hits))


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a document, for reading in context."""

    id: str
    paragraph: int
    line: int | None
    page: int | None
    section: str | None
    text: str
    matches: list[tuple[int, int]] = field(default_factory=list)
    #: The OCR engine's confidence (0–1) when the paragraph was recognised from a scan.
    ocr_confidence: float | None = None

    @property
    def ocr(self) -> bool:
        """Whether the text comes from OCR."""
        return self.ocr_confidence is not None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ocr"] = self.ocr
        d["matches"] = [list(m) for m in self.matches]
        return d


@dataclass(frozen=True)
class Document:
    """A whole document, or a window of its paragraphs."""

    doc_id: str
    title: str | None
    year: int | None
    region: str | None
    level: str | None
    path: str
    format: str
    meta: dict
    paragraph_count: int
    paragraphs: list[Paragraph]
    region_path: list[str] = field(default_factory=list)
    adcode: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["paragraphs"] = [p.to_dict() for p in self.paragraphs]
        return d


@dataclass(frozen=True)
class IndexStats:
    """What an index holds."""

    index_dir: str
    documents: int
    paragraphs: int
    years: dict[str, int]
    regions: dict[str, int]
    levels: dict[str, int]
    size_bytes: int
    schema_version: int
    segmenter: str
    dictionary: str
    updated: str | None
    provinces: dict[str, int] = field(default_factory=dict)
    gazetteer: str | None = None
    #: Documents whose regions were resolved with another gazetteer than the installed one.
    needs_reindex: int = 0
    #: Segments the index is made of, paragraphs deleted from them and not yet merged away,
    #: and the last merge ({"time", "segments", "paragraphs", "dropped", "optimize"}) or None.
    segments: int = 0
    deleted_paragraphs: int = 0
    last_merge: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Clause:
    """One leaf of a query: a term, a phrase or a filter, and what it matches on its own."""

    kind: str
    text: str
    normalized: str
    negated: bool
    paragraphs: int
    words: list[str]
    #: For a wildcard or regular expression: how it was answered (the strings every match
    #: contains, how many paragraphs were read, or that every paragraph was).
    plan: str | None = None


@dataclass(frozen=True)
class HitScore:
    """How one hit's score was made: score = bm25f + proximity + contiguity."""

    id: str
    score: float
    #: BM25F over the paragraph's indexed words; 0 for a paragraph that holds the query only
    #: as a fragment of other words.
    bm25f: float
    #: The part of bm25f each query word brought.
    bm25f_words: dict[str, float]
    #: Bonus for the query's terms standing in one clause or sentence (search/ranking.py).
    proximity: float
    #: Bonus for consecutive query terms occurring back to back.
    contiguity: float
    #: "clause", "sentence" or "": where the query's terms were found together.
    span: str
    #: Adjacent query-term pairs found back to back.
    contiguous_pairs: int
    #: Whether the hit was among the best candidates that ranking re-scores.
    reranked: bool


@dataclass(frozen=True)
class Explanation:
    """Why a query matches what it matches (govsearch search --explain)."""

    query: str
    parsed: str
    clauses: list[Clause]
    #: Counts as `search` reports them: near-duplicate copies folded (see folded_duplicates).
    without_filters: int
    total: int
    #: Copies of matching paragraphs in near-duplicate documents folded out of `total`.
    folded_duplicates: int
    suggestions: list[Suggestion] = field(default_factory=list)
    #: The page's hits with their score components, in rank order.
    ranking: list[HitScore] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)
