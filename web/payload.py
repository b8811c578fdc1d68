"""What the JSON API sends beyond the library's objects: hit texts capped to a window.

A hit's paragraph can be megabytes (a whole regulation on one line); a search answer carries a
window around its first matches instead, marked `text_truncated`, with `text_offset` (where the
window starts in the paragraph) and `text_length` (the paragraph's length). /api/doc/<id> has
the whole text.
"""

from __future__ import annotations

#: Characters of a hit's text sent with a search answer.
HIT_TEXT_MAX = 2000
#: How much of the window goes before the first match.
HIT_TEXT_LEAD = 200


def cap_text(text: str, matches: list[list[int]], size: int = HIT_TEXT_MAX) -> dict:
    """text, matches (shifted into the window) and the text_* keys for one hit."""
    if len(text) <= size:
        return {
            "text": text,
            "matches": matches,
            "text_truncated": False,
            "text_offset": 0,
            "text_length": len(text),
        }
    first = matches[0][0] if matches else 0
    start = max(0, min(first - HIT_TEXT_LEAD, len(text) - size))
    end = start + size
    for s, e in matches:  # never cut a match in half
        if s < start < e:
            start = s
        if s < end < e:
            end = e
    inside = [[s - start, e - start] for s, e in matches if s >= start and e <= end]
    return {
        "text": text[start:end],
        "matches": inside,
        "text_truncated": True,
        "text_offset": start,
        "text_length": len(text),
    }


def cap_hit_texts(answer: dict, size: int = HIT_TEXT_MAX) -> dict:
    """A /api/search answer with every hit's text capped to `size` characters."""
    for hit in answer.get("hits", []):
        hit.update(cap_text(hit["text"], hit["matches"], size))
    return answer
