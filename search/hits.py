"""Stage 6, hits: what a page shows of each paragraph.

The original text (the normalised text with its stored patch applied), the matches as
[start, end) offsets into that text, the document's metadata, the location (file, line, page,
heading path) and the folded copies (also_in). Also a document's paragraphs for `show`.
"""

from __future__ import annotations

import re

from govsearch.indexer import DocInfo, IndexReader, NotFound, UsageError
from govsearch.indexer.textnorm import apply_patch, merge_spans, to_source_spans

from .patterns import spans
from .query import Pattern, Phrase, Term
from .results import Hit, Location, Paragraph

Units = list[Term | Phrase | Pattern]


def norm_spans(norm: str, terms: Units, reader: IndexReader | None = None) -> list[tuple[int, int]]:
    """Every occurrence of every query term and every match of every pattern (leftmost,
    non-overlapping) in normalised text, as merged [start, end) offsets.

    The one place a query's terms are found inside a paragraph: highlights, collocation
    windows and the other views built on matches all start here. `reader` gives a pattern's
    `*` the index's own segmenter.
    """
    return spans(reader, terms, norm)


def match_spans(
    text: str, norm: str, terms: Units, reader: IndexReader | None = None
) -> list[tuple[int, int]]:
    """Every occurrence of every query term and every match of every pattern, as [start, end)
    offsets into the original text."""
    return merge_spans(to_source_spans(text, norm_spans(norm, terms, reader), norm))


def locations(reader: IndexReader, pids: list[int]) -> list[Location]:
    rows = reader.fetch(pids, "paragraph, line")
    out = []
    for pid in pids:
        paragraph, line = rows[pid]
        d = reader.doc_of(pid)
        out.append(Location(f"{d.doc_id}:{paragraph}", d.doc_id, d.title, d.path, line))
    return out


def page_hits(
    reader: IndexReader,
    page: list[int],
    terms: Units,
    scores: dict[int, float],
    copies: dict[int, list[int]],
) -> list[Hit]:
    if not page:
        return []
    rows = reader.fetch(
        page,
        "paragraph, line, page, patch, (SELECT path FROM sections s WHERE s.sid = paras.sid), "
        f"col, {OCR_COLUMN}",
    )
    norms = dict(zip(page, reader.norms(page), strict=True))
    hits = []
    for pid in page:
        paragraph, line, pageno, patch, section, column, confidence = rows[pid]
        norm = norms[pid]
        text = apply_patch(norm, patch)
        d = reader.doc_of(pid)
        hits.append(
            Hit(
                id=f"{d.doc_id}:{paragraph}",
                doc_id=d.doc_id,
                title=d.title,
                year=d.year,
                region=d.region,
                level=d.level,
                region_path=list(d.region_path),
                adcode=d.adcode,
                section=section,
                paragraph=paragraph,
                path=d.path,
                line=line,
                page=pageno,
                text=text,
                matches=match_spans(text, norm, terms, reader),
                score=round(scores.get(pid, 0.0), 4),
                format=d.format,
                column=column,
                doc_type=d.meta.get("type"),
                docno=d.meta.get("docno"),
                date=d.meta.get("date"),
                issuer=d.meta.get("issuer"),
                also_in=locations(reader, copies[pid]) if pid in copies else [],
                ocr_confidence=confidence,
            )
        )
    return hits


# The OCR confidence of a paragraph, NULL for text layers (see the ocr table in schema.py).
OCR_COLUMN = "(SELECT confidence FROM ocr o WHERE o.pid = paras.pid)"


_PARAGRAPH_ID = re.compile(r"([0-9a-f]{1,64})(?::([0-9]{1,9}))?")


def parse_paragraph_id(pid_text: str) -> tuple[str, int | None]:
    """`3f2a9c1b7d0e:14` → ("3f2a9c1b7d0e", 14); a document id alone → (id, None).

    Anything else (`ID:0`, `ID:-1`, `ID:x`, a path) is a UsageError: it cannot name a paragraph,
    which is a different answer from a well-formed id that this index does not hold (NotFound).
    """
    m = _PARAGRAPH_ID.fullmatch(pid_text.strip())
    if m is None or (m.group(2) is not None and int(m.group(2)) < 1):
        raise UsageError(
            f"{pid_text!r} is not a paragraph id: ids look like 3f2a9c1b7d0e:14 (paragraphs "
            "count from 1), as search prints them"
        )
    return m.group(1), int(m.group(2)) if m.group(2) is not None else None


def paragraphs(
    reader: IndexReader, d: DocInfo, first: int, last: int, terms: Units
) -> list[Paragraph]:
    """Paragraphs first..last (numbered from 1) of a document, with the terms' matches."""
    pids = list(range(d.pid_start + first - 1, d.pid_start + last))
    found = reader.fetch(
        pids,
        "paragraph, line, page, patch, (SELECT path FROM sections s WHERE s.sid = paras.sid), "
        f"{OCR_COLUMN}",
    )
    rows = [found[pid] for pid in pids if pid in found]
    norms = reader.norms(pid for pid in pids if pid in found)
    out = []
    for (p, line, page, patch, section, confidence), norm in zip(rows, norms, strict=True):
        text = apply_patch(norm, patch)
        out.append(
            Paragraph(
                id=f"{d.doc_id}:{p}",
                paragraph=p,
                line=line,
                page=page,
                section=section,
                text=text,
                matches=match_spans(text, norm, terms, reader) if terms else [],
                ocr_confidence=confidence,
            )
        )
    return out


def document_of(reader: IndexReader, doc_id: str) -> DocInfo:
    """The document with this id, or NotFound with what to do."""
    d = reader.by_id.get(doc_id)
    if d is None or len(doc_id) > 64:
        raise NotFound(f"no document with id {doc_id!r} in this index; search for it first")
    return d
