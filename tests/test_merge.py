"""The merge policy: which segments merge, and that segments stay few and paragraphs are
rewritten few times however an index grows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.indexer.genstate import EMPTY_IDS, SegmentEntry
from govsearch.indexer.merge import FLOOR, MERGE_FACTOR, next_merge, tier


def _seg(name: str, paragraphs: int, deleted: int = 0) -> SegmentEntry:
    return SegmentEntry(name, paragraphs, np.arange(deleted, dtype=np.int32))


def test_tiers_are_powers_of_the_factor_above_the_floor():
    assert [tier(n) for n in (0, 1, FLOOR, FLOOR * 8 - 1, FLOOR * 8, FLOOR * 64 - 1)] == [
        0, 0, 0, 0, 1, 1,
    ]  # fmt: skip
    assert tier(FLOOR * 64) == 2


def test_a_full_tier_merges_its_smallest():
    small = [_seg(f"s{i}", 100 + i) for i in range(MERGE_FACTOR - 1)]
    big = _seg("big", FLOOR * 100)
    assert next_merge([big, *small]) is None
    entries = [big, *small, _seg("new", 50), _seg("s9", 5000)]
    # Tier 0 holds 9: the 8 smallest merge, the 5000-paragraph one waits.
    assert next_merge(entries) == list(range(1, 9))


def test_a_mostly_deleted_segment_is_rewritten_alone():
    entries = [_seg("a", 1000, deleted=400), _seg("b", 1000, deleted=501)]
    assert next_merge(entries) == [1]


def test_optimize_merges_everything_unless_it_is_one_clean_segment():
    assert next_merge([_seg("a", 10)], optimize=True) is None
    assert next_merge([_seg("a", 10, deleted=1)], optimize=True) == [0]
    assert next_merge([_seg("a", 10), _seg("b", 10)], optimize=True) == [0, 1]


@settings(max_examples=200, deadline=None)
@given(
    runs=st.lists(st.one_of(st.integers(1, 50), st.integers(1, 30_000)), min_size=1, max_size=300)
)
def test_segments_stay_logarithmic_and_rewrites_stay_bounded(runs):
    """Runs of any sizes, each adding a segment, the policy applied after each (merging is
    simulated: a merged segment has its sources' paragraphs)."""
    entries: list[SegmentEntry] = []
    rewritten = tier0_merges = 0
    for n, size in enumerate(runs):
        entries.append(SegmentEntry(f"r{n}", size, EMPTY_IDS))
        while (group := next_merge(entries)) is not None:
            merged = sum(entries[i].live for i in group)
            rewritten += merged
            tier0_merges += tier(max(entries[i].live for i in group)) == 0
            for i in reversed(group):
                del entries[i]
            entries.insert(group[0], SegmentEntry(f"m{n}", merged, EMPTY_IDS))
        total = sum(e.live for e in entries)
        assert len(entries) <= (MERGE_FACTOR - 1) * (tier(total) + 1), (len(entries), total)
    # Above tier 0 a paragraph is rewritten once per tier it climbs; a merge in tier 0 costs
    # at most FLOOR·MERGE_FACTOR paragraphs, and there is one per MERGE_FACTOR - 1 runs.
    total = sum(runs)
    assert tier0_merges <= len(runs) // (MERGE_FACTOR - 1) + 1
    assert rewritten <= total * (tier(total) + 1) + tier0_merges * FLOOR * MERGE_FACTOR


def test_tiny_runs_cost_a_constant_each():
    """A thousand runs of one paragraph: merges within tier 0 are small and few."""
    entries: list[SegmentEntry] = []
    rewritten = 0
    for n in range(1000):
        entries.append(SegmentEntry(f"r{n}", 1, EMPTY_IDS))
        while (group := next_merge(entries)) is not None:
            merged = sum(entries[i].live for i in group)
            rewritten += merged
            for i in reversed(group):
                del entries[i]
            entries.insert(group[0], SegmentEntry("m", merged, EMPTY_IDS))
    assert len(entries) <= MERGE_FACTOR - 1
    # Paragraphs rewritten per run, on average: 71 here, never above FLOOR·F / (F - 1).
    assert rewritten / 1000 <= FLOOR * MERGE_FACTOR / (MERGE_FACTOR - 1)
