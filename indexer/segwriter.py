"""Writing a new segment: each document read in a run becomes rows in the segment's store,
paragraphs in its flat files, a signature for near-duplicate detection, and Whoosh documents.

Paragraph ids are the segment's own, from 0, in the order documents are added.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from . import store
from .analysis import DictWords, part_words, pretokenized, segment_normalized
from .derived import DerivedWriter
from .duplicates import SIGS, Signature, SigWriter, signature
from .inference import describe
from .ingest import SourceDoc
from .metadata import SectionTracker, make_doc_id
from .plan import Pending
from .schema import SQLITE_DDL
from .segment import write_segment_meta
from .textnorm import normalize, text_patch


class SegmentWriter:
    """Adds documents to a new segment directory; finish() writes its files."""

    def __init__(self, directory: Path, words: DictWords):
        self.dir = directory
        self.words = words
        self.conn = store.connect(directory, readonly=False)
        self.conn.executescript(SQLITE_DDL)
        self.derived = DerivedWriter(directory)
        self.sigs = SigWriter()
        #: The signatures of the documents added, in order.
        self.signatures: list[Signature] = []
        self.paragraphs = 0
        self.documents = 0
        self._sections: dict[str, int] = {}

    def add(
        self, writer, src: SourceDoc, pending: Pending, fingerprint: str, warnings: list[str]
    ) -> int:
        """Write one document's paragraphs to Whoosh (writer), the store and the flat files;
        returns how many."""
        doc_id = make_doc_id(pending.path)
        doc, rows = _document_rows(src, pending.row, doc_id)
        warnings.extend(f"{pending.path}: {w}" for w in doc["warnings"])
        first = pid = self.paragraphs
        # Segmented once here, handed to Whoosh as they are and to the word postings.
        title_words = part_words(doc["title"] or "", self.words, 2)
        heading_words: dict[str, list[str]] = {}
        conn = self.conn
        for paragraph, line, column, page, section, text, norm in rows:
            sid = self._section_id(section)
            innermost = section.rsplit(SectionTracker.SEPARATOR, 1)[-1] if section else ""
            if innermost not in heading_words:
                heading_words[innermost] = part_words(innermost, self.words, 1)
            parts = [segment_normalized(norm, self.words), heading_words[innermost], title_words]
            writer.add_document(doc_id=doc_id, para=paragraph, words=pretokenized(parts))
            self.derived.add(pid, norm, sid, parts)
            conn.execute(
                "INSERT INTO paras VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (pid, doc_id, paragraph, line, column, page, sid, text_patch(text, norm)),
            )
            pid += 1
        conn.executemany(
            "INSERT INTO ocr VALUES (?, ?)",
            [
                (first + i, p.ocr_confidence)
                for i, p in enumerate(src.paragraphs)
                if p.ocr_confidence is not None
            ],
        )
        conn.execute(
            "INSERT INTO docs (doc_id, path, root, sha256, fingerprint, format, encoding, size,"
            " title, year, region, level, meta, region_path, adcode, manifest_row, mtime_ns,"
            " indexed_ns, pid_start, pid_end)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, str(pending.path), str(pending.root) if pending.root else None,
             pending.sha256, fingerprint, src.format, src.encoding, pending.size, doc["title"],
             doc["year"], doc["region"], doc["level"], json.dumps(doc["meta"], ensure_ascii=False),
             json.dumps(doc["region_path"], ensure_ascii=False), doc["adcode"],
             json.dumps(pending.row, ensure_ascii=False) if pending.row else None,
             pending.mtime_ns, pending.read_ns, first, pid),
        )  # fmt: skip
        sig = signature(doc_id, str(pending.path), doc["year"], (r[6] for r in rows))
        self.sigs.add(first, sig.sample, sig.digest)
        self.signatures.append(sig)
        self.paragraphs = pid
        self.documents += 1
        return pid - first

    def _section_id(self, section: str | None) -> int | None:
        """The row id of a heading path in the sections table (paths repeat: store each once)."""
        if not section:
            return None
        sid = self._sections.get(section)
        if sid is None:
            self.conn.execute(
                "INSERT OR IGNORE INTO sections (path, norm) VALUES (?, ?)",
                (section, normalize(section)),
            )
            sid = self.conn.execute(
                "SELECT sid FROM sections WHERE path = ?", (section,)
            ).fetchone()[0]
            self._sections[section] = sid
        return sid

    def finish_files(self) -> None:
        """Write the flat files (while Whoosh's writer processes commit theirs)."""
        self.derived.finish(self.paragraphs)
        self.sigs.write(self.dir / SIGS)

    def finish(self) -> None:
        """Commit the store and write segment.json: the segment is complete."""
        self.conn.commit()
        self.conn.close()
        write_segment_meta(
            self.dir,
            {"paragraphs": self.paragraphs, "documents": self.documents, "created": _now()},
        )

    def abort(self) -> None:
        """Stop writing (the segment directory is removed by the caller)."""
        self.derived.abort()
        try:
            self.conn.close()
        except sqlite3.Error:
            pass


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _document_rows(src: SourceDoc, row: dict | None, doc_id: str) -> tuple[dict, list[tuple]]:
    """Document metadata and (paragraph, line, column, page, section, text, norm) rows."""
    texts = [p.text for p in src.paragraphs]
    doc = describe(texts, src.path.name, src.title, row)
    doc["doc_id"] = doc_id
    if src.encoding:
        doc["meta"]["encoding"] = src.encoding
    tracker = SectionTracker(doc["title"])
    rows = []
    for i, p in enumerate(src.paragraphs, 1):
        section = tracker.feed(p.text, p.heading_level)
        rows.append((i, p.line, p.column, p.page, section, p.text, normalize(p.text)))
    return doc, rows
