"""README.md and docs/*.md cannot go stale: every sample is run, every link resolves.

A ```console block whose commands are followed by output is a sample: each `$ govsearch ...`
line is run (in-process; `serve` as a real process) from the checkout, and its output
(stdout and stderr as a terminal interleaves them) must equal the lines under it. Only what
differs between checkouts and runs is masked, the same way every time:

- the index directory is shown as the `--index` value the command names, and without one as
  the default location (DEFAULT_SHOWN); `~/govsearch-corpus-index` is ../shared/corpus
  indexed with its manifest by CORPUS_COMMAND, once per session;
- the absolute path of ../shared is shown as /path/to/shared;
- document ids (derived from each file's absolute path) may differ, consistently: the same
  documented id must stand for the same real id throughout a block, and an id a command uses
  must come from the output above it;
- timings, dates and the access log's byte counts match any value; `size:` of `stats` may
  differ by SIZE_TOLERANCE (it stores absolute paths);
- the port of `serve` is the documented one.

A line holding only `…` stands for any number of output lines. Blocks without output are
recipes: their govsearch commands must parse (every option exists).

GOVSEARCH_UPDATE_DOCS=1 rewrites the output of every sample that differs (with the masks
above applied, elisions dropped), for reviewing with git diff.
"""

from __future__ import annotations

import difflib
import glob
import os
import queue
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from govsearch.cli import cli

from .conftest import ROOT, SHARED

README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
MAX_README_LINES = 300
DEFAULT_SHOWN = "~/.local/share/govsearch/index"
CORPUS_SHOWN = "~/govsearch-corpus-index"
CORPUS_COMMAND = (
    "govsearch index ../shared/corpus --manifest ../shared/corpus/manifest.jsonl "
    f"--index {CORPUS_SHOWN}"
)
SHARED_SHOWN = "/path/to/shared"
DEFAULT_PORT = "5000"
SIZE_TOLERANCE = 0.02
ELISION = "…"
UPDATE = os.environ.get("GOVSEARCH_UPDATE_DOCS") == "1"

# -- reading the documents -----------------------------------------------------------------


@dataclass
class Step:
    """One `$ command` line of a console block and the output lines under it."""

    command: str
    line: int  # 1-based line of the command in its file
    output: list[str] = field(default_factory=list)


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    steps: list[Step]

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def is_sample(self) -> bool:
        return any(step.output for step in self.steps)

    @property
    def uses_corpus(self) -> bool:
        return any(CORPUS_SHOWN in step.command for step in self.steps)


_FENCE = re.compile(r"^```(\w*)\s*$")


def fenced_blocks(path: Path) -> list[tuple[str, int, list[str]]]:
    """(language, line of the opening fence, lines) of every fenced block of a Markdown file."""
    blocks, current = [], None
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        fence = _FENCE.match(line)
        if current is None:
            if fence:
                current = (fence.group(1), n, [])
        elif fence and not fence.group(1):
            blocks.append(current)
            current = None
        else:
            current[2].append(line)
    assert current is None, f"{path.name}:{current[1]}: unclosed code fence"
    return blocks


def console_blocks(path: Path) -> list[Block]:
    out = []
    for language, start, lines in fenced_blocks(path):
        if language != "console":
            continue
        steps: list[Step] = []
        for n, line in enumerate(lines, start + 1):
            if line.startswith("$ "):
                steps.append(Step(line[2:].strip(), n))
            else:
                assert steps, f"{path.name}:{n}: output before the first command"
                steps[-1].output.append(line.rstrip())
        for step in steps:
            while step.output and not step.output[-1].strip():
                step.output.pop()
        out.append(Block(path, start, steps))
    return out


ALL_BLOCKS = [b for doc in DOCS for b in console_blocks(doc)]
SAMPLES = [b for b in ALL_BLOCKS if b.is_sample]


# -- comparing output ----------------------------------------------------------------------

_ID = r"[0-9a-f]{12}"
# What may differ between runs or checkouts, found in the documented text by kind.
_VOLATILE = re.compile(
    "|".join(
        [
            rf"(?P<id>(?<![0-9a-f]){_ID}(?=:\d)|(?<=\"doc_id\": \"){_ID}|(?<=/doc/){_ID})",
            r"(?P<ms>(?<=\()\d+(?= ms\)))",
            r"(?P<seconds>(?<= in )\d+\.\d(?= s;))",
            r"(?P<timestamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4})",
            r"(?P<logdate>(?<=\[)\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}(?=\]))",
            r"(?P<logbytes>(?<=\" \d{3} )\d+(?= \d+ms$))",
            r"(?P<logms>(?<= )\d+(?=ms$))",
            r"(?P<size>(?<=^size:        )\d+\.\d(?= MB$))",
        ]
    )
)
_ANY = {
    "ms": r"\d+",
    "seconds": r"\d+\.\d",
    "timestamp": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}",
    "logdate": r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}",
    "logbytes": r"\d+",
    "logms": r"\d+",
}


class Ids:
    """Documented document ids ↔ the real ones of this run, for one block."""

    def __init__(self) -> None:
        self.real: dict[str, str] = {}

    def group(self, documented: str) -> str:
        return "id_" + documented

    def command(self, command: str, where: str) -> str:
        """The command with each documented id replaced by the real one."""

        def real(m: re.Match) -> str:
            if m.group(0) not in self.real:
                if UPDATE:  # the output above is being rewritten: take the id as it stands
                    return m.group(0)
                pytest.fail(f"{where}: {m.group(0)} does not come from the output above it")
            return self.real[m.group(0)]

        return re.sub(rf"(?<![0-9a-f]){_ID}(?=:\d|$)", real, command)


def _pattern(expected: list[str], ids: Ids) -> tuple[re.Pattern, list[tuple[str, float]]]:
    """A regex for the documented lines, and its size groups with their documented values."""
    parts, sizes, seen = [], [], set()
    for line in expected:
        if line.strip() == ELISION:
            parts.append(r"(?:[^\n]*\n)*?")
            continue
        pos, piece = 0, []
        for m in _VOLATILE.finditer(line):
            piece.append(re.escape(line[pos : m.start()]))
            kind, text = m.lastgroup, m.group(0)
            if kind == "id":
                if text in ids.real:
                    piece.append(re.escape(ids.real[text]))
                elif text in seen:
                    piece.append(f"(?P={ids.group(text)})")
                else:
                    seen.add(text)
                    piece.append(f"(?P<{ids.group(text)}>{_ID})")
            elif kind == "size":
                name = f"size_{len(sizes)}"
                sizes.append((name, float(text)))
                piece.append(rf"(?P<{name}>\d+\.\d)")
            else:
                piece.append(_ANY[kind])
            pos = m.end()
        piece.append(re.escape(line[pos:]))
        parts.append("".join(piece) + r"\n")
    return re.compile("".join(parts)), sizes


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def check_output(step: Step, actual: list[str], ids: Ids, where: str) -> bool:
    """True when the actual lines are what the step documents (masks applied); records ids."""
    pattern, sizes = _pattern(step.output, ids)
    m = pattern.fullmatch("".join(line + "\n" for line in actual))
    if m is None:
        return False
    found = {k[3:]: v for k, v in m.groupdict().items() if k.startswith("id_")}
    if len(set(found.values()) | set(ids.real.values())) != len(found) + len(ids.real):
        pytest.fail(f"{where}: two documented ids stand for one real id: {found}")
    for name, documented in sizes:
        real = float(m.group(name))
        assert abs(real - documented) <= SIZE_TOLERANCE * documented, (
            f"{where}: the index size is {real} MB, documented {documented} MB"
        )
    ids.real.update(found)
    return True


def diff(expected: list[str], actual: list[str]) -> str:
    return "\n".join(difflib.unified_diff(expected, actual, "documented", "actual", lineterm=""))


# -- running commands -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _without_option(args: list[str], name: str) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == name:
            skip = True
        elif not arg.startswith(name + "="):
            out.append(arg)
    return out


def _expand(args: list[str], command: str = "") -> list[str]:
    """Shell globbing, relative to the checkout, of the words the command leaves unquoted
    (a quoted wildcard such as '?长制' is a query)."""
    out = []
    for arg in args:
        unquoted = re.search(rf"(?:^|\s){re.escape(arg)}(?:\s|$)", command) or not command
        if any(ch in arg for ch in "*?[") and unquoted:
            matches = sorted(glob.glob(arg, root_dir=ROOT))
            assert matches, f"{arg} matches no file"
            out.extend(matches)
        else:
            out.append(arg)
    return out


def mask(text: str, index_dir: Path, shown: str) -> str:
    return text.replace(str(index_dir), shown).replace(str(SHARED), SHARED_SHOWN)


def run_cli(args: list[str], index_dir: Path) -> tuple[int, str]:
    """A govsearch command in-process, from the checkout, against index_dir."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(
            cli, [*args, "--index", str(index_dir)], prog_name="govsearch",
            catch_exceptions=False,
        )  # fmt: skip
    finally:
        os.chdir(cwd)
    return result.exit_code, result.output


WAITRESS_QUEUE = re.compile(r"^(?:WARNING:waitress\.queue:)?Task queue depth is \d+$")


def run_serve(args: list[str], index_dir: Path, expected: list[str]) -> str:
    """`govsearch serve` as a real process: its banner, then one logged request for each
    access-log line documented under it (sent by this test)."""
    log = re.compile(r'^\S+ - - \[[^]]*\] "(GET) (\S+) HTTP/1\.1"')
    requests = [m.group(2) for line in expected if (m := log.match(line))]
    documented_port = _option(args, "--port") or DEFAULT_PORT
    port = str(_free_port())
    args = _without_option(args, "--port")
    proc = subprocess.Popen(
        [sys.executable, "-m", "govsearch", "serve", *args, "--port", port,
         "--index", str(index_dir)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True)
    reader.start()
    got: list[str] = []

    def next_line() -> str:
        while True:
            try:
                line = lines.get(timeout=30)
            except queue.Empty:
                pytest.fail(f"serve printed nothing more after {got}")
            # waitress says so when a request waited for a thread: a matter of the machine's
            # load at that moment, like a timing, not of what the program does.
            if not WAITRESS_QUEUE.match(line):
                break
        got.append(line.rstrip("\n"))
        return got[-1]

    try:
        next_line()  # the banner, printed once the port is bound
        for target in requests:
            url = f"http://127.0.0.1:{port}" + urllib.parse.quote(target, safe="/?=&%")
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
            next_line()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        reader.join(timeout=10)  # it ends at the closed pipe's end; then the pipe can go
        proc.stderr.close()
    return "\n".join(got).replace(f":{port}/", f":{documented_port}/")


# -- the samples ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> tuple[Path, int, str]:
    """CORPUS_COMMAND, run once: the index the corpus samples use, its exit code and output."""
    index_dir = tmp_path_factory.mktemp("corpus-index")
    args = shlex.split(CORPUS_COMMAND)[1:]
    code, output = run_cli(_without_option(args, "--index"), index_dir)
    return index_dir, code, output


class Session:
    """The state of one console block: which directory each documented index name means."""

    def __init__(self, default: Path, corpus, tmp_path: Path) -> None:
        self.default = default
        self.corpus = corpus
        self.tmp_path = tmp_path

    def index_for(self, shown: str | None, command: str) -> tuple[Path, str]:
        if shown is None:
            return self.default, DEFAULT_SHOWN
        if shown == CORPUS_SHOWN:
            return self.corpus()[0], CORPUS_SHOWN
        pytest.fail(f"{command}: samples use the default index or --index {CORPUS_SHOWN}")

    def run(self, command: str, expected: list[str]) -> tuple[int, str]:
        args = _expand(shlex.split(command)[1:], command)
        shown = _option(args, "--index")
        args = _without_option(args, "--index")
        if args[0] == "index":
            if command == CORPUS_COMMAND:
                index_dir, code, output = self.corpus()
                return code, mask(output, index_dir, CORPUS_SHOWN)
            assert shown is None, f"{command}: only CORPUS_COMMAND builds {CORPUS_SHOWN}"
            # A session that starts by indexing: later commands use what it built.
            self.default = self.tmp_path / f"index-{len(list(self.tmp_path.iterdir()))}"
            code, output = run_cli(args, self.default)
            return code, mask(output, self.default, DEFAULT_SHOWN)
        index_dir, shown = self.index_for(shown, command)
        if args[0] == "serve":
            return 0, mask(run_serve(args[1:], index_dir, expected), index_dir, shown)
        code, output = run_cli(args, index_dir)
        return code, mask(output, index_dir, shown)


def _param(block: Block):
    marks = [pytest.mark.slow] if block.uses_corpus else []
    return pytest.param(block, id=block.name, marks=marks)


@pytest.mark.parametrize("block", [_param(b) for b in SAMPLES])
def test_sample_is_the_programs_output(block: Block, request, seed_index, tmp_path):
    session = Session(seed_index, lambda: request.getfixturevalue("corpus_index"), tmp_path)
    ids = Ids()
    failures, updates = [], []
    for position, step in enumerate(block.steps):
        where = f"{block.path.name}:{step.line}"
        assert step.command.startswith("govsearch "), (
            f"{where}: a sample runs govsearch commands only; show other commands in a "
            "block without output"
        )
        command = ids.command(step.command, where)
        code, output = session.run(command, step.output)
        documented_error = bool(step.output) and step.output[0].startswith("Error:")
        assert code in ((2, 3) if documented_error else (0, 1)), f"{where}: exit {code}\n{output}"
        actual = _lines(output)
        if not check_output(step, actual, ids, where):
            failures.append(f"{where}: $ {step.command}\n{diff(step.output, actual)}")
            updates.append((position, actual))
            if not UPDATE:
                break
    if UPDATE and updates:
        _rewrite(block, updates)
    assert not failures, "\n\n".join(failures)


def _rewrite(block: Block, updates: list[tuple[int, list[str]]]) -> None:
    """Replace the documented output of these steps (by position in the block) with the
    actual lines. The file is read again: an earlier rewrite may have moved the block."""
    commands = [s.command for s in block.steps]
    now = [b for b in console_blocks(block.path) if [s.command for s in b.steps] == commands]
    fresh = min(now, key=lambda b: abs(b.line - block.line))
    lines = block.path.read_text(encoding="utf-8").split("\n")
    for position, actual in sorted(updates, key=lambda u: -u[0]):
        step = fresh.steps[position]
        start = step.line  # 0-based index of the first output line
        lines[start : start + len(step.output)] = actual
    block.path.write_text("\n".join(lines), encoding="utf-8")


def test_corpus_index_command_is_documented():
    """The command that builds ~/govsearch-corpus-index is itself a checked sample."""
    commands = [s.command for b in SAMPLES for s in b.steps if s.output]
    assert CORPUS_COMMAND in commands


# -- recipes, the CLI table, length and links ------------------------------------------------


def _cut_shell(args: list[str]) -> list[str]:
    for i, arg in enumerate(args):
        if arg in ("|", ">", ">>", "2>", "&&", ";", "<"):
            return args[:i]
    return args


def recipe_commands() -> list[tuple[str, str]]:
    """(where, command) of every govsearch command shown in a console or sh block, except
    the documented usage errors (a `$` line followed by `Error: …`: run as samples)."""
    out = []
    for doc in DOCS:
        for language, start, lines in fenced_blocks(doc):
            if language not in ("console", "sh"):
                continue
            for n, line in enumerate(lines, start + 1):
                below = lines[n - start] if n - start < len(lines) else ""
                if line.startswith("$ ") and below.startswith("Error: "):
                    continue
                text = line[2:] if line.startswith("$ ") else line
                text = text.split("  #", 1)[0].strip()
                if text.startswith("govsearch "):
                    out.append((f"{doc.name}:{n}", text))
    return out


@pytest.mark.parametrize("where, command", recipe_commands())
def test_documented_commands_parse(where, command):
    args = _cut_shell(shlex.split(command, posix=True))[1:]
    group_ctx = click.Context(cli, info_name="govsearch")
    name, sub, rest = cli.resolve_command(group_ctx, args)
    assert sub is not None, f"{where}: no command {args[0]}"
    try:
        ctx = sub.make_context(name, rest, parent=group_ctx)
    except click.UsageError as exc:
        pytest.fail(f"{where}: {command}: {exc.format_message()}")
    # search and trend keep unknown dash-words as query text (`-污染` excludes); a double dash
    # is never query text (`--河长制` is refused), so one here is a misspelt option.
    for value in ctx.params.values():
        if isinstance(value, tuple):
            assert not [v for v in value if str(v).startswith("--")], f"{where}: {command}"


def _commands() -> list[str]:
    result = CliRunner().invoke(cli, ["--help"], prog_name="govsearch")
    listed = result.output.split("\nCommands:\n", 1)[1]
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


def _cli_table() -> dict[str, str]:
    """command name → its row in README's CLI table."""
    rows = {}
    for line in README.read_text(encoding="utf-8").split("\n"):
        m = re.match(r"^\| `govsearch (\w+)", line)
        if m:
            assert m.group(1) not in rows, f"two rows for {m.group(1)}"
            rows[m.group(1)] = line
    return rows


def test_cli_table_has_a_row_for_every_command():
    assert sorted(_cli_table()) == sorted(_commands())
    assert _commands() == [
        "collocates", "diffusion", "index", "kwic", "search", "serve", "show", "stats", "terms",
        "trend", "variants",
    ]  # fmt: skip


def test_cli_table_names_only_real_options():
    ctx = click.Context(cli, info_name="govsearch")
    for name, row in _cli_table().items():
        command = cli.get_command(ctx, name)
        options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
        cell = re.split(r"(?<!\\)\|", row)[1]
        named = set(re.findall(r"(?<![\w-])--?[a-z][a-z0-9-]*", cell))
        assert named <= options, f"{name}: {sorted(named - options)} are not options"


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").split("\n")
    assert len(lines) - (lines[-1] == "") <= MAX_README_LINES


def test_make_run_is_the_first_session():
    """README's first session starts with the commands `make run` runs, in that order."""
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text("utf-8"), re.M)
    made = [line.strip().replace("$(BIN)/", "") for line in recipe.group(1).splitlines()]
    first = next(b for b in SAMPLES if b.path == README)
    documented = [s.command for s in first.steps]
    assert [c for c in documented if c in made] == made


@pytest.mark.skipif(os.name != "posix" or not shutil.which("make"), reason="needs make and sh")
def test_make_run_indexes_the_samples_into_an_index_of_its_own(tmp_path):
    """`make run` must not add the samples to the default index (it may hold the user's own
    documents): each command it runs is given GOVSEARCH_INDEX inside the venv. Run with a
    stand-in venv whose govsearch records its environment and arguments."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()  # newer than pyproject.toml: nothing is installed
    calls = tmp_path / "calls"
    stub = venv / "bin" / "govsearch"
    stub.write_text(f'#!/bin/sh\necho "$GOVSEARCH_INDEX|$*" >> "{calls}"\n', "utf-8")
    stub.chmod(0o755)
    env = {**os.environ, "GOVSEARCH_INDEX": str(tmp_path / "users-own-index")}
    made = subprocess.run(["make", "-s", "run", f"VENV={venv}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert made.returncode == 0, made.stderr
    seeds = " ".join(sorted(str(p.relative_to(ROOT)) for p in (ROOT / "seeds").glob("*.txt")))
    own = f"{venv}/seed-index"
    assert calls.read_text("utf-8").splitlines() == [
        f"{own}|index {seeds}",
        f"{own}|search 河长制",
        f"{own}|serve",
    ]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    inside, out = False, set()
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("```"):
            inside = not inside
        elif not inside and (m := re.match(r"^#{1,6} (.+)$", line)):
            out.add(_slug(m.group(1)))
    return out


_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_resolve(doc: Path):
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: not checked offline
        file_part, _, anchor = target.partition("#")
        path = (doc.parent / file_part).resolve() if file_part else doc
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(target)
    assert not broken, f"{doc.name}: broken links {broken}"


def test_every_doc_is_linked_from_the_readme():
    text = README.read_text(encoding="utf-8")
    unlinked = [d.name for d in DOCS[1:] if f"(docs/{d.name}" not in text]
    assert not unlinked


def test_the_masks_see_what_they_mask():
    """The volatile parts of real output are recognised (a sample would fail otherwise)."""
    ids = Ids()
    step = Step("x", 1, ["    seeds/a.txt:8  id 1e3fcb956ca9:8", "3 paragraphs match; showing "
                         "1–3 (38 ms)", "size:        51.9 MB", "updated:     "
                         "2026-12-02T13:53:22+0000"])  # fmt: skip
    actual = ["    seeds/a.txt:8  id c05e582ffa8d:8", "3 paragraphs match; showing 1–3 (7 ms)",
              "size:        52.0 MB", "updated:     2027-01-01T00:00:00+0800"]  # fmt: skip
    assert check_output(step, actual, ids, "here")
    assert ids.real == {"1e3fcb956ca9": "c05e582ffa8d"}
    assert ids.command("show 1e3fcb956ca9:8", "here") == "show c05e582ffa8d:8"
    assert not check_output(step, [*actual[:1], "3 paragraphs match; showing 1–2 (7 ms)",
                                   *actual[2:]], Ids(), "here")  # fmt: skip
    with pytest.raises(AssertionError, match="the index size is 60.0 MB"):
        check_output(step, [*actual[:2], "size:        60.0 MB", actual[3]], Ids(), "here")
    elided = Step("x", 1, ["a", ELISION, "d"])
    assert check_output(elided, ["a", "b", "c", "d"], Ids(), "here")
    assert check_output(elided, ["a", "d"], Ids(), "here")
    assert not check_output(elided, ["a", "b"], Ids(), "here")
    # The same documented id twice must be the same real id.
    twice = Step("x", 1, ["1e3fcb956ca9:1 1e3fcb956ca9:2"])
    assert not check_output(twice, ["c05e582ffa8d:1 d05e582ffa8d:2"], Ids(), "here")
