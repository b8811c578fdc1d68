"""Chinese names of the stable English values the index and the API use (levels), for pages."""

from __future__ import annotations

#: One name per level, each accepted back by `level:` (search.query.LEVEL_ALIASES).
LEVEL_LABELS = {
    "national": "国家级",
    "provincial": "省级",
    "city": "市级",
    "district": "区县级",
    "street": "街道乡镇",
}


def level_label(level: str | None) -> str | None:
    """A level as a page names it (a value the UI does not know is shown as it is)."""
    return LEVEL_LABELS.get(level, level) if level else None
