"""Timing, memory and machine helpers: measured child processes, percentiles, the load test."""

from __future__ import annotations

import datetime
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), p in 0..100."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def median(values):
    return statistics.median(values) if values else float("nan")


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_measured(args: list[str], poll: float = 0.05, timeout: float = 3600) -> dict:
    """Run `python -m bench.child ARGS` and return its JSON result plus wall time and peak RSS.

    Peak RSS = the largest sum of the RSS of all processes of the tree alive at one poll (psutil,
    every `poll` s), or the child's own exact peak (VmHWM/getrusage) if that is larger: the most
    resident memory the build held at any moment. Writer processes that run one after another
    are not added up. The sum of every process's own peak is kept as `peak_rss_sum_of_peaks`
    (an upper bound). RUSAGE_CHILDREN is not used: on Linux an exec'd grandchild inherits the
    peak of the process that forked it. On Linux also the largest tree-wide sum of PSS seen at
    one poll (shared pages split between the processes that share them).
    """
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        out = Path(tmp) / "result.json"
        err = Path(tmp) / "stderr.txt"
        cmd = [sys.executable, "-m", "bench.child", *args, "--result", str(out)]
        peaks: dict[int, int] = {}
        peak_pss = 0
        peak_tree = 0
        track_pss = sys.platform.startswith("linux")
        t0 = time.perf_counter()
        with err.open("w") as errfh:
            proc = psutil.Popen(
                cmd, cwd=REPO, env=child_env(), stdout=subprocess.DEVNULL, stderr=errfh
            )
            while proc.poll() is None:
                try:
                    tree = [proc, *proc.children(recursive=True)]
                except psutil.NoSuchProcess:
                    tree = []
                pss = rss = 0
                for p in tree:
                    try:
                        mem = p.memory_full_info() if track_pss else p.memory_info()
                        peaks[p.pid] = max(peaks.get(p.pid, 0), mem.rss)
                        rss += mem.rss
                        pss += getattr(mem, "pss", 0)
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
                peak_pss = max(peak_pss, pss)
                peak_tree = max(peak_tree, rss)
                if time.perf_counter() - t0 > timeout:
                    proc.kill()
                    proc.wait()
                    raise RuntimeError(f"timed out after {timeout} s: {' '.join(args)}")
                time.sleep(poll)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            tail = err.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"child {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
        result = json.loads(out.read_text())
    root = result.get("self_maxrss") or peaks.get(proc.pid, 0)
    descendants = sum(v for pid, v in peaks.items() if pid != proc.pid)
    result["descendant_peak_sum"] = descendants
    result["peak_rss_sum_of_peaks"] = root + descendants
    result["peak_rss"] = max(root, peak_tree)
    result["peak_pss"] = peak_pss or None
    result["process_wall"] = wall
    return result


def peak_rss_self() -> int | None:
    """Peak RSS of this process since it was exec'd.

    Linux: VmHWM from /proc, because getrusage's ru_maxrss carries over the peak of the process
    image that fork+exec replaced (the parent's size). Elsewhere: getrusage, or Windows' peak
    working set.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return getattr(psutil.Process().memory_info(), "peak_wset", None)
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024


def peak_rss_children() -> int | None:
    """Largest peak RSS among this process's waited-for descendants (getrusage), if known."""
    try:
        import resource
    except ImportError:
        return None
    r = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024


def time_process(cmd: list[str], runs: int, cwd: Path = REPO) -> dict:
    """Whole-process wall time of `cmd`: an untimed warm-up (file cache), then `runs` timed runs."""
    walls = []
    out = b""
    for i in range(runs + 1):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=child_env(), capture_output=True, timeout=300)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(
                f"{cmd[:4]}… exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-2000:]}"
            )
        out = proc.stdout
        if i:
            walls.append(dt)
    return {"median_s": median(walls), "runs_s": walls, "stdout_lines": len(out.splitlines())}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_test(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """`clients` threads, each on a keep-alive connection, cycling through `paths` for `seconds`."""
    lat: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    first_error: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = n
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status} for {urllib.parse.unquote(path)}")
                lat[n].append(time.perf_counter() - t0)
            except Exception as e:  # noqa: BLE001 - every failure is one counted error
                errors[n] += 1
                if not first_error:
                    first_error.append(f"{type(e).__name__}: {e}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.perf_counter() - t0
    all_lat = [x for part in lat for x in part]
    return {
        "requests": len(all_lat),
        "errors": sum(errors),
        "first_error": first_error[0] if first_error else None,
        "rps": len(all_lat) / elapsed,
        "p50_ms": percentile(all_lat, 50) * 1000,
        "p95_ms": percentile(all_lat, 95) * 1000,
        "clients": clients,
        "seconds": elapsed,
    }


def http_get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status} for {path}: {body[:300]!r}")
        return body
    finally:
        conn.close()


def wait_http(port: int, proc: subprocess.Popen, timeout: float = 60) -> bool:
    """Poll until the server answers any HTTP request; False if it exits or the time runs out."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/")
            conn.getresponse().read()
            conn.close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in ("whoosh-reloaded", "jieba", "rjieba", "psutil"):
        try:
            from importlib.metadata import version

            versions[dist] = version(dist)
        except Exception:  # noqa: BLE001 - missing is fine
            versions[dist] = None
    import sqlite3

    versions["sqlite"] = sqlite3.sqlite_version
    commit = None
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            or None
        )
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores_logical": os.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": commit,
        "versions": versions,
    }
