"""Index runs that cannot finish: a directory that cannot be written (one line naming it and
what to do, exit 3, for index, search and serve) and Ctrl-C (one line, exit 130); nothing
already indexed is lost.

Tests run as root, for whom a read-only mode stops no write; the conditions here are real ones
that stop root too: a file where a directory must be, a directory where a file must be.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from govsearch.cli import cli
from govsearch.cli import common as cli_common
from govsearch.search import count

from .conftest import CORPUS, ROOT, SEEDS

FIX = (
    "make it a directory you can write to, or choose another with --index DIR (or GOVSEARCH_INDEX)"
)


def unwritable(where: Path, reason: str) -> str:
    return f"Error: cannot write the index at {where} ({reason}); {FIX}\n"


@pytest.fixture
def blocked(tmp_path) -> Path:
    """An index location whose parent is a file."""
    (tmp_path / "a-file").write_text("not a directory", "utf-8")
    return tmp_path / "a-file" / "index"


def test_index_into_a_path_under_a_file(runner, blocked):
    result = runner.invoke(cli, ["index", str(SEEDS[0]), "--index", str(blocked)])
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == unwritable(blocked, "Not a directory")


@pytest.mark.parametrize("argv", [["search", "河长制"], ["serve", "--port", "1"]])
def test_search_and_serve_at_an_unwritable_default_location(runner, blocked, monkeypatch, argv):
    # The default index is built from the samples on first use: that build cannot write.
    monkeypatch.setattr(cli_common, "default_index_dir", lambda: blocked)
    result = runner.invoke(cli, argv)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"govsearch: no index at {blocked} yet; building it from the bundled sample reports "
        "(seeds/). Index your own files with: govsearch index PATH...\n"
        + unwritable(blocked, "Not a directory")
    )


@pytest.fixture
def old_index(seed_index, tmp_path) -> Path:
    """A copy of the seed index, to be updated by a run that cannot finish."""
    index_dir = tmp_path / "ix"
    shutil.copytree(seed_index, index_dir)
    assert count(index_dir, "河长制") == 3
    return index_dir


def _assert_unchanged(index_dir: Path, runner) -> None:
    assert count(index_dir, "河长制") == 3
    assert count(index_dir, "本段的标记") == 0
    assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000001"]
    result = runner.invoke(cli, ["search", "河长制", "--count", "--index", str(index_dir)])
    assert (result.exit_code, result.stdout) == (0, "3\n")


def test_a_file_of_the_index_that_cannot_be_written_loses_nothing(runner, old_index, tmp_path):
    # The switch to the new generation writes CURRENT.tmp: a directory is in its way.
    (old_index / "CURRENT.tmp").mkdir()
    new = tmp_path / "new.txt"
    new.write_text("本段的标记。\n", "utf-8")
    result = runner.invoke(cli, ["index", str(new), "--index", str(old_index)])
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == unwritable(old_index, "Is a directory: CURRENT.tmp")
    _assert_unchanged(old_index, runner)


def test_an_ocr_cache_that_sqlite_cannot_open_is_an_index_problem(runner, old_index, tmp_path):
    # SQLite's "unable to open database file", the message the issue saw, as exit 3 not 4.
    from .test_fuzz import _png

    (old_index / "ocr-cache.sqlite").mkdir()
    scan = tmp_path / "scan.png"
    scan.write_bytes(_png())
    result = runner.invoke(cli, ["index", str(scan), "--index", str(old_index)])
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == unwritable(old_index, "unable to open database file")
    _assert_unchanged(old_index, runner)


def test_search_names_a_missing_index_under_a_file(runner, blocked):
    result = runner.invoke(cli, ["search", "河长制", "--index", str(blocked)])
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: no index at {blocked}. Run: govsearch index PATH... --index {blocked}\n"
    )


def test_an_existing_directory_nothing_can_be_created_in(runner, old_index, tmp_path):
    # The case, a read-only index directory. Root ignores modes, but not the immutable
    # attribute; where chattr cannot set it (another file system, no capability) the tests
    # above still cover the same path with other real conditions.
    import subprocess

    new = tmp_path / "new.txt"
    new.write_text("本段的标记。\n", "utf-8")
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", str(old_index)], capture_output=True).returncode
    ):
        pytest.skip("chattr +i is not available here")
    try:
        result = runner.invoke(cli, ["index", str(new), "--index", str(old_index)])
        searched = runner.invoke(cli, ["search", "河长制", "--count", "--index", str(old_index)])
    finally:
        subprocess.run(["chattr", "-i", str(old_index)], check=True)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == unwritable(old_index, "Operation not permitted")
    assert (searched.exit_code, searched.stdout) == (0, "3\n")  # a read-only index answers
    _assert_unchanged(old_index, runner)


# -- Ctrl-C ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parallel_corpus(tmp_path_factory) -> Path:
    """Corpus documents with enough lines for the two-process Whoosh writer (4,000)."""
    src = tmp_path_factory.mktemp("ctrl-c-corpus")
    lines = 0
    for path in sorted(CORPUS.glob("*.txt")):
        shutil.copyfile(path, src / path.name)
        lines += path.read_text("utf-8").count("\n")
        if lines >= 12_000:
            return src
    pytest.fail("the corpus is too small for the parallel writer")


def _as_a_terminal_starts_it() -> None:
    """A shell runs a foreground command with Ctrl-C's default action, whatever this test
    process inherited (a background job, as some CI runners start, ignores SIGINT, and Python
    then leaves it ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ctrl_c(source: Path, index_dir: Path, delay: float) -> tuple[int, str, str, float]:
    """Index source into index_dir; once two worker processes run (and `delay` seconds more),
    press Ctrl-C as a terminal does: SIGINT to the whole foreground process group, the run
    and the workers it started. (exit code, stdout, stderr, seconds from Ctrl-C to exit)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "govsearch", "index", str(source), "--index", str(index_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=_as_a_terminal_starts_it,
    )  # fmt: skip
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
            workers = psutil.Process(proc.pid).children(recursive=True)
            time.sleep(0.02)
        assert len(workers) >= 2, "the worker processes never started"
        time.sleep(delay)
        assert proc.poll() is None, "the run ended before Ctrl-C"
        os.killpg(proc.pid, signal.SIGINT)
        pressed = time.monotonic()
        stdout, stderr = proc.communicate(timeout=120)
        took = time.monotonic() - pressed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    alive = [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"{len(alive)} worker processes outlived the interrupted run"
    return proc.returncode, stdout, stderr, took


INTERRUPTED = (130, "", "Interrupted; the index is unchanged.\n")


@pytest.mark.skipif(os.name != "posix", reason="a terminal's Ctrl-C signals a process group")
@pytest.mark.parametrize("delay", [0.0, 0.4])
def test_ctrl_c_in_the_parallel_writer_is_one_line(parallel_corpus, old_index, runner, delay):
    # Each Whoosh writer process used to print a KeyboardInterrupt traceback (about 40 lines).
    code, stdout, stderr, _took = ctrl_c(parallel_corpus, old_index, delay)
    assert (code, stdout, stderr) == INTERRUPTED
    _assert_unchanged(old_index, runner)


@pytest.fixture(scope="module")
def many_scans(tmp_path_factory) -> Path:
    """Twelve scanned pages: half a minute of OCR on two cores."""
    from bench.pages import corpus_paragraphs, render_pages

    folder = tmp_path_factory.mktemp("ctrl-c-scans")
    pages = render_pages(corpus_paragraphs(CORPUS, 60, seed=7, max_len=70), lines_per_page=8)
    assert len(pages) >= 12
    for n, page in enumerate(pages[:12]):
        page.image.save(folder / f"扫描{n:02d}.png", dpi=(200, 200))
    return folder


@pytest.mark.skipif(os.name != "posix", reason="a terminal's Ctrl-C signals a process group")
def test_ctrl_c_during_ocr_stops_at_once(many_scans, old_index, runner):
    # The OCR pool used to finish every queued page first (30-70 s here) before exiting.
    code, stdout, stderr, took = ctrl_c(many_scans, old_index, 1.0)
    assert (code, stdout, stderr) == INTERRUPTED
    assert took < 10, f"{took:.1f} s from Ctrl-C to exit"
    _assert_unchanged(old_index, runner)
