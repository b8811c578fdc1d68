"""Bad input: fuzzed queries, web parameters and damaged source files never crash or hang.

Every query or request gets results or a clear error (CLI exit 2 with one `Error: …` line, HTTP
400 with a message), never a traceback, a 500 or a hang; every bad file is named in a warning
while the good ones are indexed. The bugs these tests found are pinned by the regression tests
at the end of each section.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import signal
import struct
import time
import urllib.parse
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from govsearch.cli import cli
from govsearch.indexer import build_index
from govsearch.search import FIELDS, MAX_QUERY_LENGTH, count, search
from govsearch.web.messages import is_known, to_chinese

from .conftest import SEEDS, say

CI = bool(os.environ.get("CI") or os.environ.get("GOVSEARCH_CI"))
#: CPU seconds any single query, request or small index run may use before it counts as a hang.
BOUND = 5.0
#: Wall time, as a multiple of the CPU bound, after which a block is stopped as hung. On a loaded
#: two-core machine wall time stretches while CPU time does not, so CPU time is what is asserted.
HANG_FACTOR = 6
#: What a Python traceback starts with (the query text itself may say "Traceback").
TRACEBACK = "Traceback (most recent call last)"


def no_traceback(text: str, echo: str = "") -> None:
    """No Python traceback in output, unless the input itself said so and is echoed back."""
    assert TRACEBACK not in text or TRACEBACK in echo, text[:2000]


#: Inputs fuzzed per test, reported at the end of the module.
FUZZED: Counter[str] = Counter()


def fuzz(n: int):
    """Hypothesis settings: no deadline (BOUND is checked instead), reproducible in CI."""
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=CI,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


class Hang(BaseException):
    """Raised by the alarm: a BaseException so no `except Exception` in the code swallows it."""


@contextlib.contextmanager
def bounded(seconds: float = BOUND):
    """Fail when the block uses more than `seconds` of CPU time, and stop it (instead of hanging
    the suite) after HANG_FACTOR times as much wall time."""

    def alarm(signum, frame):
        raise Hang(f"still running after {seconds * HANG_FACTOR} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds * HANG_FACTOR)
    started = time.process_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert time.process_time() - started < seconds


@pytest.fixture(scope="module", autouse=True)
def fuzz_tally(request):
    """Print how many inputs were fuzzed (the figure docs/reliability.md reports)."""
    yield
    if FUZZED:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(FUZZED.items()))
        say(request, f"\ntest_fuzz: {sum(FUZZED.values())} inputs fuzzed ({parts})")


# -- query strategies -------------------------------------------------------------------------

WORDS = ["河长制", "污染", "政府", "工作", "报告", "坪山", "2018", "年", "abc", "ＡＢＣ", "（一）"]
STOP_WORDS = ["的", "了", "和", "是", "在", "与", "及", "等", "之", "也", "就", "而"]
SYNTAX = ["OR", "AND", "NOT", "or", "-", "--", "(", ")", "()", '"', '""', '" "', "（", "）", "“",
          "”", "《", "》", "，", "。", "\u3000", "\t", "\n", "\x00", "\x1b[31m", "\u200b", "\ufeff",
          "\\", "%", "_", "*", "?", "'", ":", "::", "..", "…"]  # fmt: skip
BAD_VALUES = ["99999999999", "0", "-1", "2020..2019", "..", "...", "2018..2020", "２０２０", "٢٠٢٠",
              "2024-13", "2024-02-30", "2024-00", "0000-0-0", '"', '""', '"x', "(", ")", "",
              "〔〕", "x" * 60, "1e9", "NaN", "河长制", "province"]  # fmt: skip
FIELD_NAMES = [*FIELDS, "YEAR", "Year", "foo", "_", "http", "a_b"]
REPEAT_UNITS = ["河", "a", "的 ", ")", '"', "-", " ", "NOT ", "OR ", "a OR ", "year:", "，", "-河 ",
                '"a" ', "\x00", "𠀀", "year:2018 "]  # fmt: skip

# Any Unicode except lone surrogates, which no URL can carry (the CLI gets them as well).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
field_term = st.builds(
    lambda name, value, quoted: f'{name}:"{value}"' if quoted else f"{name}:{value}",
    st.sampled_from(FIELD_NAMES),
    st.one_of(st.sampled_from(BAD_VALUES), st.integers().map(str), any_text.map(lambda s: s[:12])),
    st.booleans(),
)
piece = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(STOP_WORDS),
    st.sampled_from(SYNTAX),
    field_term,
    st.sampled_from(WORDS).map(lambda w: "-" + w),
    st.sampled_from(WORDS).map(lambda w: f'"{w} {w}"'),
    any_text.map(lambda s: s[:8]),
)
grammar = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(piece, min_size=1, max_size=25),
    st.sampled_from([" ", "", "  ", "\u3000"]),
)
repeated = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(REPEAT_UNITS),
    st.one_of(
        st.integers(1, 40), st.integers(MAX_QUERY_LENGTH - 5, MAX_QUERY_LENGTH + 5), st.just(10_000)
    ),
)
punctuation_only = st.text(st.characters(categories=["P", "S", "Z", "Cc"]), min_size=1, max_size=40)
stop_words_only = st.lists(st.sampled_from(STOP_WORDS), min_size=1, max_size=30).map(" ".join)
queries = st.one_of(any_text, grammar, repeated, punctuation_only, stop_words_only)
# Bytes that are not UTF-8 in argv (a GBK terminal) reach Python as lone surrogates.
undecodable_argv = st.binary(min_size=1, max_size=20).map(
    lambda b: (b + "河长制".encode("gbk")).decode("utf-8", "surrogateescape")
)
cli_queries = st.one_of(queries, undecodable_argv)
nested = st.builds(
    lambda n, inner: "(" * n + inner + ")" * n, st.integers(1, 400), st.sampled_from(WORDS)
)
# Exact queries worth always trying (hypothesis adds them to every run).
EXAMPLES = ["year:99999999999", "河" * 10_000, "的 了 和", "。，！？、；：", '"', "(", ")",
            "((河长制)", 'year:"', "foo:bar", "NOT", "-", "\x00", "\x07\x08\x1b", "OR 河长制",
            "河长制 OR", "year:2020..2019", "date:2024-02-30", "title:", "a" * MAX_QUERY_LENGTH,
            "a" * (MAX_QUERY_LENGTH + 1), "NOT " * 249 + "a", "\u3000\u3000", "-" * 50,
            "(" * 300 + "河长制" + ")" * 300, "( " * 400 + "a", "-污染 河长制"]  # fmt: skip


def with_examples(test):
    for q in reversed(EXAMPLES):
        test = example(q=q)(test)
    return test


# -- queries through the CLI -------------------------------------------------------------------


def check_cli(result, query: str) -> None:
    """Results (0/1) or a usage error (2) with an `Error: …` line; never an internal error."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    no_traceback(result.output, query)
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        if query.startswith("-"):
            # Click reads a leading dash as an option: its usage text, ending in "Error: …".
            assert lines[-1].startswith("Error: "), result.stderr
        else:
            assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


@fuzz(400)
@with_examples
@given(q=st.one_of(cli_queries, nested))
def test_cli_search_answers_or_explains(sample_index, q):
    FUZZED["cli"] += 1
    with bounded():
        result = CliRunner().invoke(cli, ["search", q, "--index", str(sample_index)])
    check_cli(result, q)


def test_cli_query_error_is_one_exact_line(runner, sample_index):
    result = runner.invoke(cli, ["search", "year:99999999999", "--index", str(sample_index)])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: year:99999999999 — a year is 4 digits, or a range like year:2015..2020\n"
    )
    result = runner.invoke(cli, ["search", "河" * 10_000, "--index", str(sample_index)])
    assert (result.exit_code, result.stderr) == (
        2, "Error: query is too long (10000 characters; the limit is 1000)\n"
    )  # fmt: skip


# -- queries through the web -------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(sample_index):
    from govsearch.web import create_app

    return create_app({"TESTING": True, "INDEX": str(sample_index)}).test_client()


def check_api(resp, echo: str = "") -> dict:
    assert resp.status_code in (200, 400), (resp.status_code, resp.get_data(as_text=True)[:300])
    data = resp.get_json()
    if resp.status_code == 400:
        assert isinstance(data["error"], str) and data["error"].strip()
        no_traceback(data["error"], echo)
    else:
        assert isinstance(data["total"], int) and isinstance(data["hits"], list)
    return data


def check_page(resp, api_error: str | None = None, blank: bool = False, echo: str = "") -> None:
    """The HTML page: results, or the API's error message in a 400 page (a blank query shows
    the home page instead)."""
    body = resp.get_data(as_text=True)
    assert resp.status_code in (200, 400), (resp.status_code, body[:300])
    no_traceback(body, echo)
    if api_error is not None and not (blank and resp.status_code == 200):
        assert resp.status_code == 400
        # The page says it in Chinese, with the API's English message beneath.
        assert str(escape(api_error)) in body
        assert is_known(api_error), api_error
        assert str(escape(to_chinese(api_error))) in body


@fuzz(300)
@with_examples
@given(q=st.one_of(queries, nested))
def test_web_search_answers_or_explains(client, q):
    FUZZED["web q"] += 1
    with bounded():
        api = client.get("/api/search", query_string={"q": q})
        page = client.get("/", query_string={"q": q})
    data = check_api(api, q)
    check_page(page, data["error"] if api.status_code == 400 else None, not q.strip(), q)


# -- web parameters ----------------------------------------------------------------------------

NUMBERS = ["0", "-1", "1", "2", "100", "101", "1000000", "999999999999999999",
           "99999999999999999999", "1.5", "1e3", "0x10", "+1", " 3 ", "１", "٣", "abc", "", "NaN",
           "\x00", "9" * 400]  # fmt: skip
NAMED_VALUES = ["relevance", "year", "score", "河长制", "政府", "2018", "2015..2020", "national",
                "通知", "全国"]  # fmt: skip
PARAM_NAMES = ["q", "page", "per_page", "sort", "year", "region", "level", "type", "foo",
               "Q", "PAGE", "", "q[]", "utm_source"]  # fmt: skip
param_value = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(NAMED_VALUES),
    st.integers(-(2**70), 2**70).map(str),
    any_text.map(lambda s: s[:30]),
)
params = st.lists(st.tuples(st.sampled_from(PARAM_NAMES), param_value), max_size=8)


@fuzz(300)
@example(pairs=[("q", "政府"), ("page", "999999999999999999"), ("per_page", "100")])
@example(pairs=[("q", "政府"), ("sort", "year"), ("page", "999999999999999999")])
@example(pairs=[("q", "河长制"), ("q", "污染"), ("page", "1"), ("page", "x")])
@example(pairs=[("year", "2018"), ("per_page", "-5")])
@example(pairs=[("q", "NOT 政府"), ("per_page", "100"), ("page", "2")])
@given(pairs=params)
def test_web_parameters_are_clamped_or_refused(client, pairs):
    FUZZED["web params"] += 1
    with bounded():
        api = client.get("/api/search", query_string=pairs)
        page = client.get("/", query_string=pairs)
    echo = " ".join(v for _k, v in pairs)
    data = check_api(api, echo)
    first = {k: v for k, v in reversed(pairs)}  # the server reads a repeated parameter's first
    blank = not any(first.get(k, "").strip() for k in ("q", "year", "region", "level", "type"))
    check_page(page, data["error"] if api.status_code == 400 else None, blank, echo)
    if api.status_code == 200:
        assert 1 <= data["per_page"] <= 100
        assert data["page"] >= 1
        assert len(data["hits"]) <= data["per_page"]


@fuzz(200)
@example(raw=b"\xff\xfe")
@example(raw="\ud800".encode("utf-8", "surrogatepass"))
@example(raw=b"%")
@given(raw=st.binary(max_size=60))
def test_undecodable_query_strings(client, raw):
    FUZZED["web raw"] += 1
    encoded = "q=" + "".join(f"%{b:02X}" for b in raw)
    with bounded():
        echo = raw.decode("utf-8", "replace")
        check_api(client.get("/api/search?" + encoded), echo)
        check_page(client.get("/?" + encoded), echo=echo)


@fuzz(150)
@given(raw=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40))
def test_unencoded_query_strings(client, raw):
    FUZZED["web raw"] += 1
    with bounded():
        query = raw.replace("#", "")
        check_api(client.get("/api/search?" + query), urllib.parse.unquote_plus(query))


@fuzz(200)
@example(doc_id="0" * 12)
@example(doc_id="f" * 10_000)
@example(doc_id="..")
@example(doc_id="a/b")
@given(doc_id=any_text)
def test_document_ids(client, sample_index, doc_id):
    FUZZED["web doc ids"] += 1
    path = urllib.parse.quote(doc_id, safe="")
    with bounded():
        api = client.get(f"/api/doc/{path}", query_string={"q": doc_id[:20]})
        page = client.get(f"/doc/{path}")
    # 308: Werkzeug merges the "//" of an id starting with "/" and redirects there.
    assert api.status_code in (200, 308, 400, 404), api.status_code
    assert page.status_code in (200, 308, 400, 404), page.status_code
    if api.status_code in (400, 404):
        assert api.get_json()["error"]
    no_traceback(page.get_data(as_text=True), doc_id)


# -- regressions: query bugs the fuzzing found (now fixed) --------------------------------------

NESTED = "(" * 300 + "河长制" + ")" * 300


def test_deeply_nested_parentheses_are_a_query_error_in_the_cli(runner, sample_index):
    result = runner.invoke(cli, ["search", NESTED, "--index", str(sample_index)])
    check_cli(result, NESTED)
    assert result.stderr == "Error: too many nested parentheses (the limit is 32)\n"


def test_deeply_nested_parentheses_are_a_400(client):
    for q in ("( " * 400 + "a", NESTED):
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code == 400
        assert response.get_json() == {"error": "too many nested parentheses (the limit is 32)"}


def test_query_bytes_from_a_gbk_terminal_are_a_query_error(runner, sample_index):
    # `govsearch search $'\xba\xd3'` in a GBK terminal: Python hands the bytes over as lone
    # surrogates (surrogateescape); they cannot be encoded for SQLite.
    query = b"\xba\xd3\xb3\xa4\xd6\xc6".decode("utf-8", "surrogateescape")
    result = runner.invoke(cli, ["search", query, "--index", str(sample_index)])
    check_cli(result, query)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Error: the query contains bytes that are not UTF-8")


def test_documented_exclusion_syntax_works_unquoted(runner, sample_index):
    # The help documents `-扫黑` for "without"; typed unquoted it is a separate argv entry.
    expected = count(sample_index, "河长制") - count(sample_index, "河长制 污染")
    assert 0 < expected < count(sample_index, "河长制")
    for argv in (["河长制", "-污染"], ["-污染", "河长制"]):
        result = runner.invoke(
            cli, ["search", *argv, "--all", "--format", "jsonl", "--index", str(sample_index)]
        )
        assert result.exit_code == 0, result.stderr
        texts = [json.loads(line)["text"] for line in result.stdout.splitlines()]
        assert len(texts) == expected
        assert all("河长制" in t and "污染" not in t for t in texts)


def test_relative_index_path(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["index", *map(str, SEEDS), "--index", "ix"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(cli, ["search", "河长制", "--index", "ix"])
    assert result.exit_code == 0, result.stderr


# -- damaged source files ----------------------------------------------------------------------

GOOD_TEXT = "全面推行河长制，{marker}是本段的标记。\n第二段：加强水污染防治。\n"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(range(48)) for _ in range(16))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def make_bad_tree(root: Path) -> tuple[dict[str, str], set[str]]:
    """Good files (name → marker string) and bad ones (names) under root."""
    root.mkdir()
    good = {
        "good.txt": "甲标记七三一",
        "政府 工作 报告 2020年.txt": "乙标记七三二",
        "gbk-good.txt": "丙标记七三三",
        "bad-utf8.txt": "丁标记七三四",
    }
    for name, marker in good.items():
        text = GOOD_TEXT.format(marker=marker)
        if name == "gbk-good.txt":
            (root / name).write_bytes(text.encode("gbk"))
        elif name == "bad-utf8.txt":
            data = (text + "第三段：完善长效机制。\n" * 40).encode("utf-8")
            cut = data.index("第三段".encode()) + 3  # inside line 3, after one whole character
            (root / name).write_bytes(data[:cut] + b"\xff\xfe" + data[cut:])
        else:
            (root / name).write_text(text, encoding="utf-8")
    bad = {}
    bad["empty.txt"] = b""
    bad["blank.txt"] = b" \n\t\n\xe3\x80\x80\n\n"
    bad["photo.png"] = _png()
    bad["photo-named.txt"] = _png()
    bad["archive.zip"] = b""
    bad["fake.docx"] = b""
    bad["unreadable.txt"] = GOOD_TEXT.format(marker="戊标记七三五").encode()
    for name, data in bad.items():
        (root / name).write_bytes(data)
    for name in ("archive.zip", "fake.docx"):
        with zipfile.ZipFile(root / name, "w") as z:
            z.writestr("word/document.xml" if name == "fake.docx" else "a.txt", "河长制")
    # A truncated GBK file (cut inside its last character): what decodes is indexed, with a
    # warning naming the damaged line.
    gbk = ("全面推行河长制。己标记七三六\n" * 5).encode("gbk")
    (root / "gbk-truncated.txt").write_bytes(gbk[:-1] + "河".encode("gbk")[:1])
    good["gbk-truncated.txt"] = "己标记七三六"
    (root / "loop-a.txt").symlink_to(root / "loop-b.txt")
    (root / "loop-b.txt").symlink_to(root / "loop-a.txt")
    (root / "sub").mkdir()
    (root / "sub" / "back-up").symlink_to(root, target_is_directory=True)
    names = set(bad) | {"loop-a.txt", "loop-b.txt"}
    return good, names


@contextlib.contextmanager
def unreadable(path: Path, monkeypatch):
    """chmod 000; as root (which ignores permissions) fake the EACCES the read would get."""
    if os.geteuid() != 0:
        path.chmod(0)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    real = pathlib.Path.read_bytes

    def read_bytes(self):
        if os.path.abspath(self) == os.path.abspath(path):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    yield


def test_bad_files_are_named_and_good_ones_indexed(tmp_path, runner, monkeypatch):
    src = tmp_path / "src"
    good, bad = make_bad_tree(src)
    ix = tmp_path / "ix"
    with unreadable(src / "unreadable.txt", monkeypatch), bounded(30):
        result = runner.invoke(cli, ["index", str(src), "--index", str(ix), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert set(skipped) == bad
    assert skipped["unreadable.txt"] == "cannot read: Permission denied"
    # Content, not the name, picks the reader: a PNG named .txt is an image, OCR'd, and blank.
    assert skipped["photo-named.txt"] == "no text in the file"
    assert skipped["empty.txt"] == skipped["blank.txt"] == "no text in the file"
    # The damaged text files are indexed, each with a warning naming its line.
    assert report["warnings"] == [
        f"{src / 'bad-utf8.txt'}: invalid UTF-8 bytes replaced with U+FFFD on line 3",
        f"{src / 'gbk-truncated.txt'}: invalid GB18030/GBK bytes replaced with U+FFFD on line 5",
    ]
    # Every bad file is on stderr, and the summary counts them.
    for s in report["skipped"]:
        assert f"warning: skipped {s['path']}: {s['reason']}\n" in result.stderr
    for w in report["warnings"]:
        assert f"warning: {w}\n" in result.stderr
    assert (report["files_skipped"], report["files_indexed"]) == (len(bad), len(good))
    assert f"indexed {len(good)} files (0 unchanged, 0 removed, {len(bad)} skipped)" in (
        result.stderr
    )
    # Good files are searchable, once each (the symlinked directory loop is not followed).
    for name, marker in good.items():
        hits = search(ix, marker).hits
        assert [Path(h.path).name for h in hits][:1] == [name]
        assert len(hits) == (5 if name == "gbk-truncated.txt" else 1)
        assert hits[0].line == 1
    assert search(ix, "戊标记七三五").total == 0
    assert report["documents_total"] == len(good)


def test_truncated_gbk_file_keeps_what_decodes(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text(GOOD_TEXT.format(marker="甲标记七三一"), "utf-8")
    gbk = ("全面推行河长制。己标记七三六\n" * 5).encode("gbk")
    (src / "gbk-truncated.txt").write_bytes(gbk[:-1] + "河".encode("gbk")[:1])
    report = build_index([src], tmp_path / "ix")
    assert report.files_indexed == 2, report.skipped
    assert search(tmp_path / "ix", "己标记七三六").total == 5
    assert any("gbk-truncated.txt" in w for w in report.warnings)


def test_a_run_with_only_bad_files_reports_them(tmp_path, runner):
    src = tmp_path / "src"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "photo-named.txt").write_bytes(_png())
    result = runner.invoke(cli, ["index", str(src), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.stderr
    assert f"warning: skipped {src / 'empty.txt'}: no text in the file" in result.stderr
    assert "indexed 0 files (0 unchanged, 0 removed, 2 skipped)" in result.stderr


def test_file_name_in_gbk_bytes(tmp_path, runner):
    # Zip archives made on Chinese Windows unpack on Linux with GBK-encoded names.
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text(GOOD_TEXT.format(marker="庚标记七三七"), "utf-8")
    name = os.fsencode(src) + b"/" + "关于河长制的通知.txt".encode("gbk")
    with open(name, "wb") as fh:
        fh.write(GOOD_TEXT.format(marker="辛标记七三八").encode("utf-8"))
    result = runner.invoke(cli, ["index", str(src), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.stderr
    assert search(tmp_path / "ix", "庚标记七三七").total == 1
    # Skipped, with a warning that names it readably and says what to do.
    assert search(tmp_path / "ix", "辛标记七三八").total == 0
    assert (
        f"warning: skipped {src / '关于河长制的通知.txt'}: the file name is not UTF-8 (perhaps "
        "GBK from a zip made on Windows); rename it\n"
    ) in result.stderr


@pytest.mark.slow
def test_huge_files(tmp_path):
    """A 20 MB file on one line and a 100,000-line file: indexed, and searchable quickly."""
    src = tmp_path / "src"
    src.mkdir()
    unit = "全面推行河长制，加强水污染防治，" + "abc 123 "  # 56 bytes in UTF-8
    body = unit * (20_000_000 // len(unit.encode()))
    (src / "one-line.txt").write_text(body + "壬标记七三九。", encoding="utf-8")
    assert (src / "one-line.txt").stat().st_size >= 19_900_000
    with open(src / "many-lines.txt", "w", encoding="utf-8") as fh:
        for i in range(1, 100_001):
            fh.write(f"第{i}条 规定{i % 97}\n" if i != 99_999 else "癸标记七四〇\n")
    started = time.perf_counter()
    report = build_index([src], tmp_path / "ix")
    build_seconds = time.perf_counter() - started
    assert (report.files_indexed, report.paragraphs_total) == (2, 100_001)
    for marker, name, line in [("壬标记七三九", "one-line.txt", 1),
                               ("癸标记七四〇", "many-lines.txt", 99_999)]:  # fmt: skip
        with bounded():
            hits = search(tmp_path / "ix", marker).hits
        assert [(Path(h.path).name, h.line) for h in hits] == [(name, line)]
    with bounded():
        assert search(tmp_path / "ix", "第12345条").total == 1
    print(f"huge files indexed in {build_seconds:.1f} s")
