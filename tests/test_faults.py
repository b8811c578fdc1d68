"""Faults: an indexer killed mid-run, a server answering while the index changes under it,
concurrent and stale indexing runs, and damaged or outdated index files.

The kill trials run `python -m govsearch index` as a subprocess and SIGKILL it at a random
moment (fixed seed).
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from bench.load import free_port, get_json, start_server, stop_server, wait_ready
from govsearch.cli import cli
from govsearch.indexer import SCHEMA_VERSION, IndexNotFound, IndexReader, build_index
from govsearch.indexer.genstate import read_segments
from govsearch.indexer.store import current_generation
from govsearch.search import search, stats

from .conftest import CORPUS, ROOT, SEEDS, say

SEED = 20261123
#: Kill trials during a full build and during an incremental update (≥ 20 in all).
BUILD_TRIALS = 11
UPDATE_TRIALS = 11
#: Of which this many kill the run right after it published (in its clean-up).
AFTER_PUBLISH = 2
#: Outcome of each kill trial, reported at the end of the module.
TALLY: Counter[str] = Counter()
REBUILD = "govsearch index --rebuild"
#: What a Python traceback starts with (the query text itself may say "Traceback").
TRACEBACK = "Traceback (most recent call last)"


@pytest.fixture(scope="module", autouse=True)
def kill_tally(request):
    yield
    if TALLY:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(TALLY.items()))
        say(request, f"\ntest_faults: {parts}")


def govsearch(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess (bounded)."""
    return subprocess.run(
        [sys.executable, "-m", "govsearch", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, **kwargs,
    )  # fmt: skip


def content(index_dir: Path) -> tuple[int, str]:
    """(paragraph count, digest of every paragraph's path, line and text)."""
    reader = IndexReader(index_dir)
    try:
        located = sorted(
            reader.scan_paragraphs("(SELECT path FROM docs d WHERE d.doc_id = paras.doc_id), line"),
            key=lambda row: (row[1], row[2]),
        )
        texts = reader.source_texts([pid for pid, _, _ in located])
        rows = [(path, line, texts[pid][0]) for pid, path, line in located]
    finally:
        reader.close()
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()
    return len(rows), digest


def assert_tidy(index_dir: Path) -> None:
    """After a completed run: CURRENT, the lock, at most two generations, only the segments
    they use, no scratch files."""
    names = sorted(p.name for p in index_dir.iterdir())
    gens = [n for n in names if n.startswith("gen-")]
    assert set(names) - set(gens) <= {"CURRENT", "index.lock", "segments"}, names
    assert 1 <= len(gens) <= 2, names
    assert not list(index_dir.glob("gen-*/scratch-*"))
    assert not list(index_dir.glob("segments/*/scratch-*"))
    used = {s.name for g in gens for s in read_segments(index_dir / g)}
    assert {p.name for p in (index_dir / "segments").iterdir()} == used


# -- the corpus the kill trials index ---------------------------------------------------------


class KillCorpus:
    """48 corpus files for builds; an update that adds 8, changes 1 and deletes 1 of 40."""

    def __init__(self, base: Path):
        rng = random.Random(SEED)
        files = sorted(p for p in CORPUS.glob("*.txt") if 5000 <= p.stat().st_size <= 18000)
        picked = rng.sample(files, 56)
        self.base = base
        self.full = base / "full"
        self.full.mkdir()
        for p in picked[:48]:
            shutil.copyfile(p, self.full / p.name)
        self.clean = base / "full-clean"
        build_index([self.full], self.clean)
        self.full_content = content(self.clean)
        self.full_hits = search(self.clean, "政府").total
        # Time one complete run of the real command: the kills fall inside it.
        started = time.perf_counter()
        run = govsearch("index", str(self.full), "--index", str(base / "full-timed"))
        self.build_seconds = time.perf_counter() - started
        assert run.returncode == 0, run.stderr
        assert content(base / "full-timed") == self.full_content

        self.upd = base / "upd"
        self.upd.mkdir()
        for p in picked[:40]:
            shutil.copyfile(p, self.upd / p.name)
        self.template = base / "upd-template"
        build_index([self.upd], self.template)
        self.old_content = content(self.template)
        for p in picked[48:]:
            shutil.copyfile(p, self.upd / p.name)
        (self.upd / picked[0].name).unlink()
        with open(self.upd / picked[1].name, "a", encoding="utf-8") as fh:
            fh.write("\n更新后新增的段落：试点河湖长制考核办法。\n")
        clean = base / "upd-clean"
        build_index([self.upd], clean)
        self.new_content = content(clean)
        assert self.new_content != self.old_content
        timed = base / "upd-timed"
        shutil.copytree(self.template, timed)
        started = time.perf_counter()
        run = govsearch("index", str(self.upd), "--index", str(timed))
        self.update_seconds = time.perf_counter() - started
        assert run.returncode == 0, run.stderr
        assert content(timed) == self.new_content


@pytest.fixture(scope="module")
def kill_corpus(tmp_path_factory) -> KillCorpus:
    return KillCorpus(tmp_path_factory.mktemp("kill"))


def _current(ix: Path) -> str | None:
    try:
        return (ix / "CURRENT").read_text()
    except OSError:
        return None


def run_and_kill(
    args: list[str], delay: float, publish_of: Path | None = None
) -> tuple[bool, list[psutil.Process]]:
    """Start `govsearch ARGS`, SIGKILL it after `delay` s, or (publish_of) as soon as it has
    switched that index's CURRENT. Returns (killed while running, processes left behind)."""
    before = _current(publish_of) if publish_of is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "govsearch", *args], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    children: list[psutil.Process] = []
    try:
        end = time.monotonic() + delay
        parent = psutil.Process(proc.pid)
        while time.monotonic() < end and proc.poll() is None:
            if publish_of is not None:
                if _current(publish_of) != before:
                    break
                time.sleep(0.002)
                continue
            try:
                children.extend(c for c in parent.children(recursive=True) if c not in children)
            except psutil.NoSuchProcess:
                break
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
        running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    orphans = []
    for c in children:
        try:
            if c.is_running() and c.status() != psutil.STATUS_ZOMBIE:
                orphans.append(c)
        except psutil.NoSuchProcess:
            pass
    return running, orphans


def kill_trial(args: list[str], ix: Path, delay: float, after_publish: bool, reset) -> None:
    """One killed run. A run that ends before its kill is repeated (after `reset()`) with half
    the delay, so every trial really kills a running indexer."""
    for _attempt in range(5):
        running, orphans = run_and_kill(args, delay, ix if after_publish else None)
        reap(orphans)
        if running:
            return
        TALLY["runs that ended before their kill (repeated)"] += 1
        reset()
        delay /= 2
    pytest.fail("the indexing run always ended before it could be killed")


def reap(processes: list[psutil.Process]) -> None:
    """Kill processes a killed run left behind (by pid; they were started by this test)."""
    for p in processes:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(BUILD_TRIALS))
def test_kill_during_full_build(kill_corpus, tmp_path, trial):
    k = kill_corpus
    ix = tmp_path / "ix"
    # The last trials kill right after the switch to the new generation (the clean-up);
    # the others at a random moment of the run.
    after_publish = trial >= BUILD_TRIALS - AFTER_PUBLISH
    delay = random.Random(SEED + trial).uniform(0, 0.9) * k.build_seconds
    if after_publish:
        delay = 3 * k.build_seconds + 10
    run = ["index", str(k.full), "--index", str(ix)]
    kill_trial(run, ix, delay, after_publish, lambda: shutil.rmtree(ix, ignore_errors=True))
    TALLY["kills (build)"] += 1
    if current_generation(ix) is None:
        TALLY["build killed before its first publish"] += 1
        # Simply absent, and reported as missing.
        with pytest.raises(IndexNotFound, match="no index at .*Run: govsearch index PATH"):
            search(ix, "政府")
    else:
        # Published means complete: a build is all or nothing.
        assert content(ix) == k.full_content
        assert search(ix, "政府").total == k.full_hits
    report = build_index([k.full], ix)
    assert report.paragraphs_total == k.full_content[0]
    assert content(ix) == k.full_content
    assert search(ix, "政府").total == k.full_hits
    assert_tidy(ix)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(UPDATE_TRIALS))
def test_kill_during_incremental_update(kill_corpus, tmp_path, trial):
    k = kill_corpus
    ix = tmp_path / "ix"
    shutil.copytree(k.template, ix)
    after_publish = trial >= UPDATE_TRIALS - AFTER_PUBLISH
    delay = random.Random(SEED - trial).uniform(0, 0.9) * k.update_seconds
    if after_publish:
        delay = 3 * k.update_seconds + 10
    run = ["index", str(k.upd), "--index", str(ix)]

    def reset() -> None:
        shutil.rmtree(ix)
        shutil.copytree(k.template, ix)

    kill_trial(run, ix, delay, after_publish, reset)
    TALLY["kills (update)"] += 1
    # The index opens and answers, holding exactly the old or the new content, never a mix.
    now = content(ix)
    assert now in (k.old_content, k.new_content)
    TALLY["update killed before publish" if now == k.old_content else "update published"] += 1
    assert search(ix, "政府").total > 0
    report = build_index([k.upd], ix)
    assert report.paragraphs_total == k.new_content[0]
    assert content(ix) == k.new_content
    assert_tidy(ix)


#: Run in a subprocess: `govsearch ARGS` with one function made to SIGKILL the process before
#: or after its Nth call, and segments merged two at a time whatever their sizes (one tier), so
#: that an incremental run writes a segment and then merges it.
KILL_AT = """
import importlib, os, signal, sys
target, when, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
from govsearch.indexer import merge
merge.MERGE_FACTOR = 2
merge.FLOOR = 10**9
module, _, rest = target.partition(".")
owner = importlib.import_module("govsearch.indexer." + module)
*path, attr = rest.split(".")
for name in path:
    owner = getattr(owner, name)
original = getattr(owner, attr)
calls = [0]
def killing(*args, **kwargs):
    calls[0] += 1
    if calls[0] == nth and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    out = original(*args, **kwargs)
    if calls[0] == nth and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return out
setattr(owner, attr, killing)
from govsearch.cli import cli
cli(sys.argv[4:])
"""
#: Every phase of an incremental run that writes a segment and merges it with the old one:
#: (function, before/after, which call). Calls 1-2 of PostingsWriter.write are the new
#: segment's files, 3-4 the merged segment's; remove_unused_segments runs before the plan too.
UPDATE_PHASES = [
    ("build.plan_run", "after", 1),
    ("generation.link_tree", "after", 1),
    ("segwriter.SegmentWriter.add", "before", 3),
    ("derived.DerivedWriter.finish", "before", 1),
    ("postings.PostingsWriter.write", "after", 1),
    ("segwriter.SegmentWriter.finish", "after", 1),
    ("generation.remove_documents", "after", 1),
    ("generation.add_documents", "after", 1),
    ("merge.merge_segments", "before", 1),
    ("merge._merge_stores", "after", 1),
    ("textfile.TextWriter.close", "after", 2),
    ("postings.PostingsWriter.write", "after", 3),
    ("merge.write_segment_meta", "after", 1),
    ("genstate.GenerationState.save", "after", 1),
    ("store.write_meta", "after", 1),
    ("store.publish", "after", 1),
    ("build.remove_unused_segments", "before", 2),
    ("store.remove_old_generations", "before", 1),
]
#: Every phase of `index --optimize` over two segments with deletions.
OPTIMIZE_PHASES = [
    ("merge.merge_segments", "before", 1),
    ("merge._merge_stores", "after", 1),
    ("postings.PostingsWriter.write", "after", 1),
    ("duplicates.SigWriter.write", "after", 1),
    ("genstate.GenerationState.save", "after", 1),
    ("store.publish", "after", 1),
]


def kill_at(target: str, when: str, nth: int, args: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-c", KILL_AT, target, when, str(nth), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    # Killed where asked: the phase was reached.
    assert run.returncode == -signal.SIGKILL, (target, run.returncode, run.stderr[-2000:])


@pytest.fixture(scope="module")
def grown(kill_corpus, tmp_path_factory) -> Path:
    """The update template after its update: two segments, deletions in the first."""
    ix = tmp_path_factory.mktemp("grown") / "ix"
    shutil.copytree(kill_corpus.template, ix)
    build_index([kill_corpus.upd], ix)
    reader = IndexReader(ix)
    try:
        assert len(reader.segments) == 2 and reader.deleted_paragraphs > 0
    finally:
        reader.close()
    return ix


@pytest.mark.slow
@pytest.mark.parametrize("phase", UPDATE_PHASES, ids=lambda p: f"{p[1]}-{p[0]}-{p[2]}")
def test_kill_in_every_phase_of_an_update_and_its_merge(kill_corpus, tmp_path, phase):
    k = kill_corpus
    ix = tmp_path / "ix"
    shutil.copytree(k.template, ix)
    kill_at(*phase, ["index", str(k.upd), "--index", str(ix)])
    TALLY["kills at a phase"] += 1
    # The old or the new content, whole; never a mix, never an index that does not open.
    assert content(ix) in (k.old_content, k.new_content)
    assert search(ix, "政府").total > 0
    build_index([k.upd], ix)
    assert content(ix) == k.new_content
    assert_tidy(ix)


@pytest.mark.slow
@pytest.mark.parametrize("phase", OPTIMIZE_PHASES, ids=lambda p: f"{p[1]}-{p[0]}-{p[2]}")
def test_kill_in_every_phase_of_an_optimize(kill_corpus, grown, tmp_path, phase):
    ix = tmp_path / "ix"
    shutil.copytree(grown, ix)
    kill_at(*phase, ["index", "--optimize", "--index", str(ix)])
    TALLY["kills at a phase"] += 1
    assert content(ix) == kill_corpus.new_content
    build_index([], ix, optimize=True)
    assert content(ix) == kill_corpus.new_content
    reader = IndexReader(ix)
    try:
        assert len(reader.segments) == 1 and reader.deleted_paragraphs == 0
    finally:
        reader.close()
    assert_tidy(ix)


def test_search_after_a_killed_first_build_does_not_mix_in_the_samples(tmp_path, runner):
    # The state a first build killed mid-run leaves: the lock file and an unpublished generation.
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(sorted(CORPUS.glob("*.txt"))[0], src / "report.txt")
    ix = tmp_path / "ix"
    (ix / "gen-000001" / "whoosh").mkdir(parents=True)
    (ix / "index.lock").touch()
    searched = runner.invoke(cli, ["search", "政府", "--index", str(ix)])
    indexed = runner.invoke(cli, ["index", str(src), "--index", str(ix)])
    assert indexed.exit_code == 0, indexed.stderr
    # The re-run holds exactly the user's files, not the bundled samples as well.
    assert stats(ix).documents == 1
    assert searched.exit_code == 3
    assert searched.stderr.startswith(f"Error: no index at {ix}.")


def _parallel_source(tmp_path: Path) -> Path:
    """One file of 20,000 short lines: enough new paragraphs for the two-process writer."""
    src = tmp_path / "src"
    src.mkdir()
    lines = (f"第{i}条 加强水污染防治，落实河长制。" for i in range(20_000))
    (src / "many.txt").write_text("\n".join(lines), encoding="utf-8")
    return src


@pytest.mark.slow
def test_kill_during_parallel_build_leaves_no_processes(tmp_path):
    src = _parallel_source(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "govsearch", "index", str(src), "--index", str(tmp_path / "ix")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None and len(children) < 2:
            children = psutil.Process(proc.pid).children(recursive=True)
            time.sleep(0.05)
        assert len(children) >= 2, "the two-process writer never started"
        time.sleep(0.2)  # while the parent feeds them paragraphs
        assert proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + 3
        alive = children
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = [c for c in alive if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"{len(alive)} writer processes outlived the killed run"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        reap(children)


# -- concurrent and stale indexing runs --------------------------------------------------------


def _wait_for_lock_holder(ix: Path, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Until the run has created its first generation (it does so holding the lock)."""
    deadline = time.monotonic() + timeout
    while not any(ix.glob("gen-*")):
        assert proc.poll() is None, "the indexing run ended before taking the lock"
        assert time.monotonic() < deadline, "the indexing run never took the lock"
        time.sleep(0.02)


@pytest.mark.slow
def test_second_concurrent_run_fails_clearly_and_first_completes(kill_corpus, tmp_path, runner):
    k = kill_corpus
    ix = tmp_path / "ix"
    # Both folders (95 files): the first run holds the lock well past the second's 2 s wait.
    first = subprocess.Popen(
        [sys.executable, "-m", "govsearch", "index", str(k.full), str(k.upd), "--index", str(ix)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for_lock_holder(ix, first)
        # Pause the first run while it holds the lock, so the overlap does not depend on how
        # fast this machine indexes; it resumes once the second run has given up.
        os.kill(first.pid, signal.SIGSTOP)
        started = time.perf_counter()
        try:
            second = runner.invoke(cli, ["index", str(k.full), "--index", str(ix)])
        finally:
            os.kill(first.pid, signal.SIGCONT)
        waited = time.perf_counter() - started
        if first.poll() is not None:
            _, err = first.communicate()
            raise AssertionError(f"the first run ended before the second gave up: {err[-2000:]}")
        assert second.exit_code == 3
        assert second.stderr == (
            f"Error: the index at {ix} is locked by another indexing run; wait for it to finish, "
            "then run this command again\n"
        )
        assert 1.5 < waited < 10  # waits briefly (the 2 s lock timeout), then gives up
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(30)
    assert first.returncode == 0, err
    assert content(ix)[0] == k.full_content[0] + k.new_content[0]


@pytest.mark.slow
def test_lock_of_a_killed_run_does_not_block(kill_corpus, tmp_path, runner):
    k = kill_corpus
    ix = tmp_path / "ix"
    holder = subprocess.Popen(
        [sys.executable, "-m", "govsearch", "index", str(k.full), "--index", str(ix)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_lock_holder(ix, holder)
    finally:
        holder.kill()
        holder.wait(30)
    assert (ix / "index.lock").exists()  # the lock file stays; the OS released the lock
    started = time.perf_counter()
    result = runner.invoke(cli, ["index", str(k.full), "--index", str(ix)])
    assert result.exit_code == 0, result.stderr
    assert "locked" not in result.stderr
    assert time.perf_counter() - started < k.build_seconds + 10
    assert content(ix) == k.full_content
    assert_tidy(ix)


# -- a server while the index changes underneath it --------------------------------------------


@pytest.mark.slow
def test_server_answers_throughout_rebuilds_and_serves_new_content(kill_corpus, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for p in sorted(kill_corpus.full.iterdir())[:16]:
        shutil.copyfile(p, src / p.name)
    for p in SEEDS:
        shutil.copyfile(p, src / p.name)
    ix = tmp_path / "ix"
    build_index([src], ix)
    port = free_port()
    server = start_server(ix, port, threads=4)
    stop = threading.Event()
    log: Counter[str] = Counter()
    errors: list[str] = []

    def poll() -> None:
        queries = ["政府", "河长制", "新增标记甲", "新增标记乙"]
        n = 0
        while not stop.is_set():
            q = queries[n % len(queries)]
            n += 1
            try:
                status, data = get_json(port, "/api/search", q=q, per_page="5")
            except Exception as exc:  # any failure to answer is what this test counts
                errors.append(f"{q}: {type(exc).__name__}: {exc}")
                continue
            log["requests"] += 1
            if status != 200:
                errors.append(f"{q}: HTTP {status} {data}")
            elif q in ("政府", "河长制") and not data["total"]:
                errors.append(f"{q}: no hits mid-rebuild")

    try:
        wait_ready(port, server)
        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        runs = [
            (lambda: (src / "added-1.txt").write_text("新增标记甲：第一次更新。\n", "utf-8"), []),
            (lambda: None, ["--rebuild"]),
            (lambda: ((src / "added-1.txt").unlink(),
                      (src / "added-2.txt").write_text("新增标记乙：第三次更新。\n", "utf-8")),
             []),
        ]  # fmt: skip
        for change, flags in runs:
            change()
            before = log["requests"]
            run = govsearch("index", str(src), "--index", str(ix), *flags)
            assert run.returncode == 0, run.stderr
            log["requests during index runs"] += log["requests"] - before
        time.sleep(0.3)
        stop.set()
        thread.join(30)
        # The next request sees the last run's content, without a restart.
        assert get_json(port, "/api/search", q="新增标记乙")[1]["total"] == 1
        assert get_json(port, "/api/search", q="新增标记甲")[1]["total"] == 0
        assert get_json(port, "/api/stats")[1]["documents"] == 19
    finally:
        stop.set()
        stop_server(server)
    TALLY["server requests during index runs"] += log["requests during index runs"]
    TALLY["server errors"] += len(errors)
    assert not errors, errors[:5]
    assert log["requests during index runs"] >= 20


# -- outdated and damaged index files ----------------------------------------------------------


def _gen(ix: Path) -> Path:
    return ix / (ix / "CURRENT").read_text().strip()


def _meta(ix: Path, **changes) -> None:
    path = _gen(ix) / "meta.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}), "utf-8")


def _truncate(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def _garble(path: Path, start: float, length: int) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(SEED)
    first = int(len(data) * start)
    for i in range(first, min(len(data), first + length)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def _whoosh(ix: Path, pattern: str) -> Path:
    return next((_gen(ix) / "whoosh").glob(pattern))


def _seg(ix: Path) -> Path:
    """The first segment of the current generation (the seed index has one)."""
    reader = IndexReader(ix)
    try:
        return reader.segments[0].dir
    finally:
        reader.close()


# (name, damage, marks). Each must give the user "Error: … govsearch index --rebuild …", exit 3.
DAMAGE = [
    ("schema-older", lambda ix: _meta(ix, schema_version=0), []),
    ("schema-newer", lambda ix: _meta(ix, schema_version=99), []),
    ("meta-empty", lambda ix: (_gen(ix) / "meta.json").write_bytes(b""), []),
    ("meta-garbled", lambda ix: (_gen(ix) / "meta.json").write_bytes(b"\xff\xfe{ga"), []),
    ("meta-missing", lambda ix: (_gen(ix) / "meta.json").unlink(), []),
    (
        "meta-not-an-object",
        lambda ix: (_gen(ix) / "meta.json").write_text("[1]"),
        [],
    ),
    ("current-empty", lambda ix: (ix / "CURRENT").write_text(""), []),
    ("current-names-missing-gen", lambda ix: (ix / "CURRENT").write_text("gen-000099\n"), []),
    (
        "current-binary",
        lambda ix: (ix / "CURRENT").write_bytes(b"\x00\xff\xfe garbage"),
        [],
    ),
    (
        "current-deleted",
        lambda ix: (ix / "CURRENT").unlink(),
        [],
    ),
    ("sqlite-empty", lambda ix: _truncate(_seg(ix) / "store.sqlite", 0), []),
    ("sqlite-truncated", lambda ix: _truncate(_seg(ix) / "store.sqlite", 0.5), []),
    ("sqlite-header-garbled", lambda ix: _garble(_seg(ix) / "store.sqlite", 0, 100), []),
    (
        "sqlite-pages-garbled",
        lambda ix: _garble(_seg(ix) / "store.sqlite", 0.3, 1 << 20),
        [],
    ),
    ("sqlite-missing", lambda ix: (_seg(ix) / "store.sqlite").unlink(), []),
    (
        "trm-empty",
        lambda ix: _truncate(_whoosh(ix, "*.trm"), 0),
        [],
    ),
    (
        "trm-truncated",
        lambda ix: _truncate(_whoosh(ix, "*.trm"), 0.5),
        [],
    ),
    (
        "pst-empty",
        lambda ix: _truncate(_whoosh(ix, "*.pst"), 0),
        [],
    ),
    (
        "pst-truncated",
        lambda ix: _truncate(_whoosh(ix, "*.pst"), 0.5),
        [],
    ),
    ("toc-missing", lambda ix: _whoosh(ix, "*.toc").unlink(), []),
    ("toc-garbled", lambda ix: _garble(_whoosh(ix, "*.toc"), 0.2, 2000), []),
    ("whoosh-missing", lambda ix: shutil.rmtree(_gen(ix) / "whoosh"), []),
    # The flat files the query path reads.
    ("texts-truncated", lambda ix: _truncate(_seg(ix) / "texts.flat", 0.5), []),
    ("texts-missing", lambda ix: (_seg(ix) / "texts.flat").unlink(), []),
    ("grams-empty", lambda ix: _truncate(_seg(ix) / "grams.flat", 0), []),
    ("grams-trailer-garbled", lambda ix: _garble(_seg(ix) / "grams.flat", 0.9999, 100), []),
    ("words-missing", lambda ix: (_seg(ix) / "words.flat").unlink(), []),
    ("words-trailer-garbled", lambda ix: _garble(_seg(ix) / "words.flat", 0.9999, 100), []),
    ("files-list-wrong", lambda ix: _meta(ix, files={"whoosh/gone.seg": [1, None]}), []),
    # A generation's own state, and a segment's meta, signatures or whole directory.
    ("generation-db-missing", lambda ix: (_gen(ix) / "generation.sqlite").unlink(), []),
    ("generation-db-garbled", lambda ix: _garble(_gen(ix) / "generation.sqlite", 0, 100), []),
    ("segment-meta-missing", lambda ix: (_seg(ix) / "segment.json").unlink(), []),
    ("segment-meta-garbled", lambda ix: _garble(_seg(ix) / "segment.json", 0.5, 20), []),
    ("sigs-trailer-garbled", lambda ix: _garble(_seg(ix) / "sigs.flat", 0.9999, 100), []),
    ("segment-missing", lambda ix: shutil.rmtree(_seg(ix)), []),
]
#: Damage that leaves part of a file readable.
PARTIAL_DAMAGE = {"trm-truncated", "pst-truncated"}
#: Queries that reach every part of the index: literal grams, paragraphs, Whoosh ranking.
PROBES = ["河长制", "政府 工作", "发展 -经济", "街道 工作"]


def names_the_fix(message: str) -> bool:
    """`govsearch index --rebuild`, or (no CURRENT at all) `govsearch index PATH... --index`."""
    return REBUILD in message or "Run: govsearch index PATH... --index" in message


def assert_names_the_fix(result) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert names_the_fix(lines[0]), lines[0]


@pytest.fixture
def damaged(seed_index, tmp_path, request):
    ix = tmp_path / "ix"
    shutil.copytree(seed_index, ix)
    name, damage = request.param
    damage(ix)
    yield name, ix
    # Whoosh leaves a damaged segment's files to the garbage collector (ResourceWarning):
    # collect them here, under this test's warning filter, not in some later test.
    gc.collect()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    "damaged",
    [pytest.param((name, fn), id=name, marks=marks) for name, fn, marks in DAMAGE],
    indirect=True,
)
def test_damaged_index_names_the_fix(damaged, runner):
    name, damaged = damaged
    # A half-truncated postings or terms file still answers queries whose data lies in the
    # intact half; every query that touches the damage must name the fix.
    partial = name in PARTIAL_DAMAGE
    codes = []
    for q in PROBES:
        result = runner.invoke(cli, ["search", q, "--index", str(damaged)])
        codes.append(result.exit_code)
        if partial and result.exit_code in (0, 1):
            continue
        assert result.exit_code == 3, (q, result.exit_code, result.stderr)
        assert_names_the_fix(result)
    assert 3 in codes
    # stats reads only the document table: it may still work when the Whoosh files are damaged.
    result = runner.invoke(cli, ["stats", "--index", str(damaged)])
    assert result.exit_code in (0, 3)
    if result.exit_code == 3:
        assert_names_the_fix(result)
    from govsearch.web import create_app

    client = create_app({"TESTING": True, "INDEX": str(damaged)}).test_client()
    for q, code in zip(PROBES, codes, strict=True):
        resp = client.get("/api/search", query_string={"q": q})
        page = client.get("/", query_string={"q": q}).get_data(as_text=True)
        assert TRACEBACK not in page
        if code in (0, 1):  # answered from the intact part, as in the CLI
            assert resp.status_code == 200
            continue
        assert resp.status_code in (500, 503)
        assert names_the_fix(resp.get_json()["error"])
        assert names_the_fix(page)
    resp, home = client.get("/api/stats"), client.get("/")
    if result.exit_code == 0:
        assert resp.status_code == home.status_code == 200
    else:
        assert resp.status_code in (500, 503) and home.status_code == resp.status_code
        assert names_the_fix(resp.get_json()["error"]) and names_the_fix(
            home.get_data(as_text=True)
        )
    if name.startswith("current-"):
        return  # `index --rebuild` over a bad CURRENT: test_rebuild_repairs_a_bad_current_file
    # And the fix works.
    result = runner.invoke(cli, ["index", "--rebuild", *map(str, SEEDS), "--index", str(damaged)])
    assert result.exit_code == 0, result.stderr
    assert search(damaged, "河长制").total == 3


class _FullDisk:
    """A file whose writes fail with ENOSPC once `room` bytes are written (the write every flat
    file goes through)."""

    def __init__(self, fh, room: int):
        self._fh, self._room = fh, room

    def write(self, data) -> int:
        self._room -= len(data)
        if self._room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def test_a_full_disk_during_a_merge_leaves_the_previous_generation(tmp_path, monkeypatch, runner):
    from govsearch.indexer import flatfile, merge

    ix = tmp_path / "ix"
    build_index([SEEDS[0]], ix)
    before, current = content(ix), (ix / "CURRENT").read_text()
    segments = sorted(p.name for p in (ix / "segments").iterdir())
    monkeypatch.setattr(merge, "MERGE_FACTOR", 2)  # the run's new segment is merged at once
    merging = []
    real_merge = merge.merge_segments

    def merge_on_a_full_disk(*args, **kwargs):
        merging.append(True)
        return real_merge(*args, **kwargs)

    def full_open(path, mode="r", *args, **kwargs):
        fh = open(path, mode, *args, **kwargs)  # noqa: SIM115 - the caller closes it
        return _FullDisk(fh, 4096) if merging and "w" in mode else fh

    monkeypatch.setattr(merge, "merge_segments", merge_on_a_full_disk)
    monkeypatch.setattr(flatfile, "open", full_open, raising=False)
    result = runner.invoke(cli, ["index", *map(str, SEEDS), "--index", str(ix)])
    assert merging, "the run did not merge"
    assert (result.exit_code, result.stderr) == (
        3,
        f"Error: no space left on the disk of {ix} while writing the index; it is unchanged. "
        "Free some space, then run this command again\n",
    )
    # Untouched: the same generation, content and segments; nothing of the run is left.
    assert (ix / "CURRENT").read_text() == current
    assert content(ix) == before
    assert sorted(p.name for p in (ix / "segments").iterdir()) == segments
    assert [p.name for p in ix.glob("gen-*")] == [current.strip()]
    monkeypatch.undo()
    build_index(SEEDS, ix)
    clean = tmp_path / "clean"
    build_index(SEEDS, clean)
    assert content(ix) == content(clean)


def test_an_index_of_the_format_before_segments_gets_the_rebuild_message(tmp_path, runner):
    # Schema 6: one generation holding store.sqlite and the flat files, no segments.
    ix = tmp_path / "ix"
    gen = ix / "gen-000004"
    (gen / "whoosh").mkdir(parents=True)
    (gen / "store.sqlite").write_bytes(b"")
    (gen / "meta.json").write_text(json.dumps({"schema_version": 6, "files": {}}), "utf-8")
    (ix / "CURRENT").write_text("gen-000004\n", "utf-8")
    message = (
        f"Error: Index at {ix} was built by an older version of govsearch (schema 6, this one "
        f"reads {SCHEMA_VERSION}). Run: govsearch index --rebuild PATH...\n"
    )
    for args in (["search", "河长制"], ["stats"], ["index", *map(str, SEEDS)]):
        result = runner.invoke(cli, [*args, "--index", str(ix)])
        assert (result.exit_code, result.stderr) == (3, message), args
    result = runner.invoke(cli, ["index", "--rebuild", *map(str, SEEDS), "--index", str(ix)])
    assert result.exit_code == 0, result.stderr
    assert search(ix, "河长制").total == 3


def test_older_schema_message_is_exact(seed_index, tmp_path, runner):
    ix = tmp_path / "ix"
    shutil.copytree(seed_index, ix)
    _meta(ix, schema_version=0)
    for args in (["search", "河长制"], ["index", *map(str, SEEDS)]):
        result = runner.invoke(cli, [*args, "--index", str(ix)])
        assert (result.exit_code, result.stderr) == (
            3,
            f"Error: Index at {ix} was built by an older version of govsearch (schema 0, this one "
            f"reads {SCHEMA_VERSION}). Run: govsearch index --rebuild PATH...\n",
        )


@pytest.mark.parametrize("damage", ["current-empty", "current-directory"])
def test_rebuild_repairs_a_bad_current_file(seed_index, tmp_path, runner, damage):
    ix = tmp_path / "ix"
    shutil.copytree(seed_index, ix)
    (ix / "CURRENT").unlink()
    if damage == "current-empty":
        (ix / "CURRENT").write_text("")
    else:
        (ix / "CURRENT").mkdir()
    result = runner.invoke(cli, ["index", "--rebuild", *map(str, SEEDS), "--index", str(ix)])
    assert result.exit_code == 0, result.stderr
    # Repaired means searchable again, with everything back.
    assert (ix / "CURRENT").is_file()
    found = runner.invoke(cli, ["search", "河长制", "--count", "--index", str(ix)])
    assert (found.exit_code, found.stdout, found.stderr) == (0, "3\n", "")
    assert stats(ix).paragraphs == 29


@pytest.mark.parametrize(
    "name, damage",
    [
        ("trm-garbled", lambda ix: _garble(_whoosh(ix, "*.trm"), 0.3, 1 << 16)),
        ("para-column-missing", lambda ix: _whoosh(ix, "*.para.col").unlink()),
        ("texts-garbled", lambda ix: _garble(_seg(ix) / "texts.flat", 0.2, 1 << 14)),
        ("grams-garbled", lambda ix: _garble(_seg(ix) / "grams.flat", 0.1, 1 << 16)),
        ("words-garbled", lambda ix: _garble(_seg(ix) / "words.flat", 0.1, 1 << 16)),
    ],
)
def test_undetectable_damage_still_never_crashes(seed_index, tmp_path, runner, name, damage):
    """Damage the format cannot notice may change results, but never gives a traceback."""
    ix = tmp_path / "ix"
    shutil.copytree(seed_index, ix)
    damage(ix)
    for q in PROBES:
        result = runner.invoke(cli, ["search", q, "--index", str(ix)])
        assert result.exit_code in (0, 1, 3), result.stderr
        if result.exit_code == 3:
            assert REBUILD in result.stderr
