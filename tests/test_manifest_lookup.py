"""Manifest.lookup: the fast path for files below the manifest's folder answers as relpath does."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.indexer.metadata import Manifest

PARTS = st.sampled_from(["a.txt", "b.txt", "sub", "深圳", ".", "..", "x y", "c.TXT"])


def _by_relpath(m: Manifest, path: Path) -> dict | None:
    """The lookup as it was: relpath, then the file name."""
    rel = Path(os.path.relpath(path, m.base)).as_posix()
    return m.by_path[rel] if rel in m.by_path else m.by_name.get(path.name)


@settings(max_examples=300, deadline=None)
@given(base=st.lists(PARTS, max_size=3), tail=st.lists(PARTS, min_size=1, max_size=4))
def test_lookup_equals_relpath(base, tail):
    root = Path(os.path.abspath("/srv/docs"))
    keys = ["a.txt", "sub/a.txt", "sub/b.txt", "深圳/x y", "../a.txt"]
    m = Manifest(
        root.joinpath(*base),
        {k: {"file": k} for k in keys},
        {"b.txt": {"file": "by name"}, "c.TXT": {"file": "C"}},
    )
    path = root.joinpath(*base, *tail)
    assert m.lookup(path) == _by_relpath(m, path)


def test_rows_are_found_by_path_then_name():
    m = Manifest(Path(os.path.abspath("/srv/docs")), {"sub/a.txt": {"file": "sub/a.txt"}},
                 {"a.txt": {"file": "a.txt"}})  # fmt: skip
    root = Path(os.path.abspath("/srv/docs"))
    assert m.lookup(root / "sub" / "a.txt") == {"file": "sub/a.txt"}
    assert m.lookup(root / "other" / "a.txt") == {"file": "a.txt"}
    assert m.lookup(root / "sub" / ".." / "sub" / "a.txt") == {"file": "sub/a.txt"}
    assert m.lookup(root / "b.txt") is None
