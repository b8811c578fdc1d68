"""The dependency rule (govsearch.cli → web → search → indexer → (whoosh, jieba)) and the package
namespace: every part is imported as govsearch.<part>, never as a top-level module of its own."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT

# Which of our packages each folder may import (as govsearch.<name>).
ALLOWED = {
    "indexer": set(),
    "search": {"indexer"},
    "web": {"search", "indexer"},
    "govsearch": {"indexer", "search", "web", "seeds"},
}
PARTS = {"indexer", "search", "web", "seeds"}
THIRD_PARTY_CORE = {"whoosh", "jieba", "rjieba"}


def _imports(path):
    """Imported module names, with govsearch.<part> reported as <part>."""
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "govsearch" and len(parts) > 1 and parts[1] in PARTS:
                yield parts[1]
            elif parts[0] in PARTS:
                yield "bare:" + parts[0]
            else:
                yield parts[0]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_nothing_imports_upward(package):
    ours = set(ALLOWED) | PARTS
    for path in (ROOT / package).rglob("*.py"):
        used = set(_imports(path))
        assert used & ours - {package} <= ALLOWED[package], path
        if package in ("web", "govsearch"):
            # Whoosh and jieba stay inside the core: front-ends see dataclasses only.
            assert not used & THIRD_PARTY_CORE, path


@pytest.mark.parametrize("folder", ["indexer", "search", "web", "govsearch", "tests", "bench"])
def test_parts_are_imported_through_the_govsearch_namespace(folder):
    for path in (ROOT / folder).rglob("*.py"):
        bare = sorted(name for name in _imports(path) if name.startswith("bare:"))
        assert not bare, f"{path}: import govsearch.<part>, not {bare}"


def test_the_wheel_installs_one_top_level_name(tmp_path):
    """A built wheel holds govsearch/ only: no top-level indexer, search, web or seeds.

    Built without isolation from the setuptools the test extra installs (no download).
    """
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    # `make install` is quiet only while setuptools has nothing to warn about (a data folder
    # missing from `packages` alone printed ~100 lines): its warnings are failures here.
    log = build.stdout + build.stderr
    warnings = [
        line.strip()
        for line in log.splitlines()
        if re.search(r"warning|deprecat|\*{20}|^\s*!!\s*$", line, re.IGNORECASE)
        and "byte-compiling is disabled" not in line
    ]
    assert warnings == [], "\n".join(warnings[:20])
    (wheel,) = tmp_path.glob("govsearch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"govsearch"}
    for needed in (
        "govsearch/cli/__init__.py",
        "govsearch/indexer/analysis.py",
        "govsearch/indexer/data/policy_dict.txt",
        "govsearch/search/service.py",
        "govsearch/web/templates/base.html",
        "govsearch/web/static/style.css",
        "govsearch/seeds/000_d17093189e6c1fbb.txt",
        "govsearch/seeds/README.md",
    ):
        assert needed in names
