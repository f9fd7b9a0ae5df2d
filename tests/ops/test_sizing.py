"""The memory sizing arithmetic (mimi_ops.sizing): Lambda's CPU share, the estimates and the cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimi_ops.sizing import (
    NETWORK_MS,
    VCPU_MB,
    Measured,
    burst_ms,
    chosen,
    cost_per_million,
    smallest_memory,
    throttled_ms,
)

ROOT = Path(__file__).resolve().parents[2]
# a user-facing function as the bench measures it: 200 ms CPU cold, 3 ms CPU warm
USER = Measured(cold_cpu_ms=200, warm_cpu_ms=3)


def test_a_full_vcpu_runs_as_fast_as_the_bench_and_half_of_one_twice_as_slow() -> None:
    assert throttled_ms(200, VCPU_MB) == burst_ms(200) == 200 + NETWORK_MS
    assert (
        throttled_ms(200, 3000) == 200 + NETWORK_MS
    )  # more than a vCPU does not speed up one thread
    half = VCPU_MB // 2
    assert throttled_ms(200, half) == pytest.approx(200 * VCPU_MB / half + NETWORK_MS)


def test_the_smallest_size_for_a_300_ms_first_tap() -> None:
    memory = smallest_memory(USER, 300)
    assert memory is not None and memory % 64 == 0
    assert throttled_ms(200, memory) <= 300 < throttled_ms(200, memory - 64)
    assert smallest_memory(Measured(279, 1), 300) == VCPU_MB  # only a whole vCPU: 279 + 20
    assert smallest_memory(Measured(5000, 1), 300) is None  # nothing fits


def test_cost_counts_requests_warm_duration_and_a_share_of_cold_starts() -> None:
    # 0.20 for the requests; warm 26 ms (3 x 1769/1024 + 20, rounded up) and 2 % of a 366 ms cold start
    expected = 0.20 + 1.0 * (0.026 + 0.02 * 0.366) * 16.6667
    assert cost_per_million(USER, 1024) == pytest.approx(expected, rel=1e-3)
    assert cost_per_million(USER, 512) > 0.20


def test_serverless_yml_sets_a_memory_for_every_function() -> None:
    memory = chosen(ROOT / "serverless.yml")
    assert set(memory) == {p.parent.name for p in (ROOT / "functions").glob("*/handler.py")}
    assert all(128 <= mb <= 10240 for mb in memory.values())
