"""Load test: N concurrent HTTP clients on loopback against `govsearch serve`.

    python -m bench.load --index DIR [--clients 32] [--seconds 60] [--warmup 5]

Starts the server on 127.0.0.1 and a free port, warms it up, then runs a fixed mix of queries
(keep-alive connections, one per client) and prints one JSON object: requests, errors, latency
percentiles, and the server's RSS before and after the measured run. tests/test_load.py calls
`measure` with a shorter duration.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (path, query arguments, expected status). A mix of the query language's features, paging,
#: sorting, facets, documents and a few deliberately bad requests (which must be a 400).
MIX: list[tuple[str, dict[str, str], int]] = [
    ("/api/search", {"q": "政府"}, 200),
    ("/api/search", {"q": "河长制"}, 200),
    ("/api/search", {"q": "长制"}, 200),
    ("/api/search", {"q": "的"}, 200),
    ("/api/search", {"q": "经济 发展"}, 200),
    ("/api/search", {"q": "河长制 OR 湖长制"}, 200),
    ("/api/search", {"q": "改革 -开放"}, 200),
    ("/api/search", {"q": '"土地 整备"'}, 200),
    ("/api/search", {"q": "(污染 OR 排放) 治理"}, 200),
    ("/api/search", {"q": "发展 year:2015..2020"}, 200),
    ("/api/search", {"q": "政府", "sort": "year", "page": "3"}, 200),
    ("/api/search", {"q": "工作", "per_page": "100", "page": "2"}, 200),
    ("/api/search", {"q": "报告", "region": "全国"}, 200),
    ("/api/search", {"q": "xyzzy不存在的词"}, 200),
    ("/api/search", {"q": "year:99999999999"}, 400),
    ("/api/search", {"q": '"'}, 400),
    ("/api/search", {"q": "政府", "page": "-1"}, 400),
    ("/", {"q": "河长制"}, 200),
    ("/", {"q": "营商环境 -疫情"}, 200),
    ("/", {}, 200),
    ("/api/stats", {}, 200),
    ("/api/doc/{doc}", {"q": "政府"}, 200),
    ("/doc/{doc}", {}, 200),
    ("/api/doc/000000000000", {}, 404),
]


@dataclass
class LoadResult:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    requests_per_second: float = 0.0
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    rss_growth: float = 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index_dir: Path, port: int, threads: int = 8) -> subprocess.Popen:
    """`govsearch serve` on 127.0.0.1:port (stdout/stderr to DEVNULL: never blocks on a pipe)."""
    return subprocess.Popen(
        [sys.executable, "-m", "govsearch", "serve", "--index", str(index_dir),
         "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Until /api/stats answers 200; raises if the server exits or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/stats")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the server on port {port} did not answer within {timeout} s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s: the server never outlives the caller."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def get_json(port: int, path: str, **args: str) -> tuple[int, dict]:
    """One GET on a fresh connection: (status, JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path + ("?" + urllib.parse.urlencode(args) if args else ""))
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def _requests(doc_id: str) -> list[tuple[str, int]]:
    out = []
    for path, args, status in MIX:
        path = path.replace("{doc}", doc_id)
        out.append((path + ("?" + urllib.parse.urlencode(args) if args else ""), status))
    return out


def drive(
    port: int, clients: int, seconds: float, *, seed: int = 1, max_requests: int | None = None
) -> LoadResult:
    """`clients` threads, each on its own keep-alive connection, for `seconds` (bounded loop)."""
    status, stats = get_json(port, "/api/search", q="政府", per_page="1")
    doc_id = stats["hits"][0]["doc_id"] if status == 200 and stats.get("hits") else "0" * 12
    mix = _requests(doc_id)
    lock = threading.Lock()
    result = LoadResult(clients=clients, seconds=seconds)
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    budget = [max_requests if max_requests is not None else 10**9]

    def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        errors: list[str] = []
        try:
            while time.monotonic() < deadline:
                with lock:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
                url, expected = rng.choice(mix)
                started = time.perf_counter()
                try:
                    conn.request("GET", url)
                    resp = conn.getresponse()
                    body = resp.read()
                    if resp.status != expected:
                        errors.append(f"{url}: HTTP {resp.status} {body[:200]!r}")
                    elif b"Traceback (most recent call last)" in body:
                        errors.append(f"{url}: traceback in the body")
                except (OSError, http.client.HTTPException) as exc:
                    errors.append(f"{url}: {type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                mine.append(time.perf_counter() - started)
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)
                result.errors += len(errors)
                result.error_samples.extend(errors[: 5 - len(result.error_samples)])

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.monotonic() - started
    latencies.sort()
    result.requests = len(latencies)
    if latencies:

        def pct(p: float) -> float:
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

        result.p50_ms, result.p95_ms, result.p99_ms = pct(0.50), pct(0.95), pct(0.99)
        result.max_ms = round(latencies[-1] * 1000, 1)
        result.requests_per_second = round(len(latencies) / elapsed, 1)
    return result


def measure(
    index_dir: Path, *, clients: int = 32, seconds: float = 60, warmup: float = 5, threads: int = 8
) -> LoadResult:
    """Start a server, warm it up, run the load, report; the server is always stopped."""
    import psutil

    port = free_port()
    proc = start_server(index_dir, port, threads)
    try:
        wait_ready(port, proc)
        server = psutil.Process(proc.pid)
        drive(port, clients, warmup, seed=0)
        rss_before = server.memory_info().rss
        result = drive(port, clients, seconds, seed=1)
        rss_after = server.memory_info().rss
        if proc.poll() is not None:
            result.errors += 1
            result.error_samples.append(f"the server exited with status {proc.returncode}")
    finally:
        stop_server(proc)
    result.rss_before_mb = round(rss_before / 1e6, 1)
    result.rss_after_mb = round(rss_after / 1e6, 1)
    result.rss_growth = round((rss_after - rss_before) / rss_before, 4)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True, type=Path, help="index directory to serve")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--seconds", type=float, default=float(os.environ.get("GOVSEARCH_LOAD_SECONDS", 60))
    )
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args(argv)
    result = measure(
        args.index, clients=args.clients, seconds=args.seconds, warmup=args.warmup,
        threads=args.threads,
    )  # fmt: skip
    print(json.dumps(asdict(result), ensure_ascii=False, indent=1))
    sys.exit(1 if result.errors else 0)


if __name__ == "__main__":
    main()
