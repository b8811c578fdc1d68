"""What a build reports while it runs: shared by the OCR stage and the writing stage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Reported after each file, and after each page during OCR (stage "ocr")."""

    files_done: int
    files_total: int
    paragraphs: int
    path: str
    stage: str = "reading"
    pages_done: int = 0
    pages_total: int = 0
