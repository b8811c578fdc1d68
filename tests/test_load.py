"""Load: 32 concurrent clients on loopback against `govsearch serve` over the corpus sample.

GOVSEARCH_LOAD_SECONDS sets the measured duration (default 60 s, 20 s in CI); never skipped.
The figures (requests, p95, RSS growth) are printed at the end of the run.
"""

from __future__ import annotations

import os

import pytest

from bench.load import measure

from .conftest import say

CI = bool(os.environ.get("CI") or os.environ.get("GOVSEARCH_CI"))
SECONDS = float(os.environ.get("GOVSEARCH_LOAD_SECONDS") or (20 if CI else 60))
CLIENTS = 32


@pytest.mark.slow
def test_32_clients_zero_errors_and_steady_memory(sample_index, request):
    result = measure(sample_index, clients=CLIENTS, seconds=SECONDS, warmup=5)
    say(
        request,
        f"test_load: {result.clients} clients, {result.seconds:.0f} s: {result.requests} "
        f"requests ({result.requests_per_second}/s), {result.errors} errors, "
        f"p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, p99 {result.p99_ms} ms, "
        f"max {result.max_ms} ms; server RSS {result.rss_before_mb} → "
        f"{result.rss_after_mb} MB ({result.rss_growth:+.1%})",
    )
    assert result.errors == 0, result.error_samples
    assert result.requests >= CLIENTS * SECONDS  # at least one answer per client per second
    assert result.rss_growth < 0.10
