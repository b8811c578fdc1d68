"""Benchmark of govsearch against a classic Whoosh+jieba stack and brute-force baselines."""
