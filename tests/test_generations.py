"""The switch to a new index generation is atomic: readers racing repeated indexing runs never
see a damaged index, only the old content or the new.

An audit overwrote CURRENT in place and counted 22,107 damaged reads in a tight loop of readers;
kill trials alone never saw it. Here threads open a fresh reader for every query while real
`govsearch index` runs (subprocesses) update the index, then while the switch itself (publish)
flips between the two generations those runs left, hundreds of times.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from govsearch.indexer import build_index
from govsearch.indexer.reader import IndexReader
from govsearch.indexer.store import current_generation, publish
from govsearch.search import matching_pids

from .conftest import ROOT

#: Indexing runs, each switching generation, then bare switches; readers run throughout.
RUNS = 2
SWITCHES = 300
READERS = 2


def _write(src: Path, version: int) -> None:
    """Version 0: 河长制 in 3 paragraphs; version 1: in 5. Every run changes the index."""
    extra = "\n".join(f"第{i}条 落实河长制。" for i in range(2 * version))
    text = f"全面推行河长制。\n加强河长制考核。\n河长制办公室。\n{extra}\n"
    (src / "a.txt").write_text(text, "utf-8")


@pytest.mark.slow  # about 15 s: two real index runs and 300 switches under two readers
def test_readers_racing_index_runs_never_see_a_damaged_index(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "b.txt").write_text("加强水污染防治。\n" * 50, "utf-8")
    _write(src, 0)
    ix = tmp_path / "ix"
    build_index([src], ix)
    stop = threading.Event()
    seen: Counter[object] = Counter()
    lock = threading.Lock()

    def read() -> None:
        while not stop.is_set():
            try:
                reader = IndexReader(ix)  # fresh: it reads CURRENT and opens that generation
                try:
                    outcome: object = int(matching_pids(reader, "河长制").size)
                finally:
                    reader.close()
            except Exception as exc:  # a damaged read, whatever form it takes
                outcome = f"{type(exc).__name__}: {exc}"
            with lock:
                seen[outcome] += 1

    threads = [threading.Thread(target=read, daemon=True) for _ in range(READERS)]
    for t in threads:
        t.start()
    try:
        for run in range(1, RUNS + 1):
            _write(src, run % 2)
            done = subprocess.run(
                [sys.executable, "-m", "govsearch", "index", str(src), "--index", str(ix)],
                cwd=ROOT, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            time.sleep(0.05)
        # The previous generation is kept for readers still on it: switch back and forth.
        gens = sorted(p for p in ix.glob("gen-*") if p.is_dir())
        assert current_generation(ix) == gens[-1] and len(gens) == 2
        for n in range(SWITCHES):
            publish(ix, gens[n % 2])
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    damaged = {k: v for k, v in seen.items() if not isinstance(k, int)}
    assert damaged == {}
    assert set(seen) == {3, 5}, seen  # both contents were read, nothing else
    assert sum(seen.values()) > 100, seen
