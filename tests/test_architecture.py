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


# The folders whose modules must not import each other in a circle, and the package each is
# installed as (pyproject.toml's package-dir).
PACKAGES = {
    "indexer": "govsearch.indexer",
    "search": "govsearch.search",
    "web": "govsearch.web",
    "govsearch": "govsearch",
}
MAX_MODULE_LINES = 600


def _modules():
    """Every module of ours as {dotted name: path}; a package is named by its __init__.py."""
    modules = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    return modules


def _import_edges(name, path, modules):
    """The modules of ours that `name` imports anywhere in its source, functions included.

    `from pkg import x` imports the module pkg.x when there is one, else pkg: so a submodule's
    `from . import sibling` is an edge to the sibling, not to its own package's __init__.
    """
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                # `.` is the module's own package: the module itself for an __init__.
                up = node.level - 1 if is_package else node.level
                base = base[: len(base) - up]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            targets = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in modules else origin
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless the importer lives
            # inside them (then they are already running, and are no edge of its own).
            while target:
                if target != name and not name.startswith(target + "."):
                    yield target
                target = target.rpartition(".")[0]


def _import_graph():
    modules = _modules()
    return {name: sorted(set(_import_edges(name, path, modules))) for name, path in modules.items()}


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan), each as one cycle."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(_one_cycle(graph, component) for component in components)


def _one_cycle(graph, component):
    """A shortest path from the component's first module back to itself, inside the component."""
    start, inside = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    for node in queue:
        for nxt in graph[node]:
            if nxt == start:
                return " -> ".join([*paths[node], start])
            if nxt in inside and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(component)  # a strongly connected component always closes


def test_the_import_graph_sees_relative_lazy_and_package_imports():
    graph = _import_graph()
    # A package's own `from . import build`, lazily inside a function: an edge to the module.
    assert "govsearch.indexer.build" in graph["govsearch.indexer"]
    # Relative imports from a subpackage reach the parent package's modules.
    assert "govsearch.indexer.formats.blocks" in graph["govsearch.indexer.ingest"]
    # `from govsearch.indexer import IndexReader` is the package __init__, not a module in it.
    assert "govsearch.indexer" in graph["govsearch.search.service"]
    # A module outside a package runs its __init__ by importing a module inside it; a module
    # inside does not (nor the govsearch package, which holds everything).
    assert "govsearch.indexer.formats" in graph["govsearch.indexer.ingest"]
    assert "govsearch.indexer" not in graph["govsearch.indexer.ingest"]
    assert "govsearch" not in graph["govsearch.search.service"]
    assert _cycles(
        {"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["d2"], "d2": ["d"], "e": []}
    ) == [
        "a -> b -> c -> a",
        "d -> d2 -> d",
    ]


def test_no_import_cycles():
    """No module of ours imports itself through others, not even lazily inside a function."""
    cycles = _cycles(_import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_over_600_lines():
    """A module that long holds more than one idea: split it along its seams."""
    long = sorted(
        f"{path.relative_to(ROOT).as_posix()}: {lines} lines"
        for path in _modules().values()
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_MODULE_LINES
    )
    assert not long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(long)


def test_search_stages_are_the_ones_the_architecture_page_describes():
    """Each search/ module whose docstring names a query stage is in docs/architecture.md's
    stage table, in stage order, and every module that table names exists."""
    page = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    table = page.split("## A query", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    named = re.findall(r"^\| `(\w+\.py)`", table, re.MULTILINE)
    stages = {}
    for path in sorted((ROOT / "search").glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text("utf-8"))) or ""
        m = re.match(r"Stage (\d+), (\w+)", doc)
        if m:
            stages[int(m.group(1))] = path.name
    assert sorted(stages) == list(range(1, len(stages) + 1)), stages
    assert [n for n in named if n in stages.values()] == [stages[k] for k in sorted(stages)]
    for name in named:
        assert (ROOT / "search" / name).is_file(), name
