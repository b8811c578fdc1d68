"""The dependency rule: govsearch.cli → web → search → indexer → (whoosh, jieba)."""

from __future__ import annotations

import ast

import pytest

from .conftest import ROOT

# Which of our packages each package may import.
ALLOWED = {
    "indexer": set(),
    "search": {"indexer"},
    "web": {"search", "indexer"},
    "govsearch": {"indexer", "search", "web"},
}
THIRD_PARTY_CORE = {"whoosh", "jieba", "rjieba"}


def _imports(path):
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_nothing_imports_upward(package):
    ours = set(ALLOWED)
    for path in (ROOT / package).rglob("*.py"):
        used = set(_imports(path))
        assert used & ours - {package} <= ALLOWED[package], path
        if package in ("web", "govsearch"):
            # Whoosh and jieba stay inside the core: front-ends see dataclasses only.
            assert not used & THIRD_PARTY_CORE, path
