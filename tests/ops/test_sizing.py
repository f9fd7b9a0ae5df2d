"""The memory sizing arithmetic (mimi_ops.sizing): Lambda's CPU share, the estimates and the cost."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimi_ops.sizing import (
    VCPU_MB,
    Measured,
    chosen,
    cost_per_million,
    smallest_memory,
    throttled_ms,
)

ROOT = Path(__file__).resolve().parents[2]
# a user-facing function as the bench measures it: 200 ms CPU of 220 ms wall cold, 3 of 8 ms warm
USER = Measured(cold_cpu_ms=200, cold_wall_ms=220, warm_cpu_ms=3, warm_wall_ms=8)


def test_a_full_vcpu_runs_as_fast_as_the_bench_and_half_of_one_twice_as_slow() -> None:
    assert throttled_ms(200, 220, VCPU_MB) == 220
    assert throttled_ms(200, 220, 3000) == 220  # more than a vCPU does not speed up one thread
    assert throttled_ms(200, 220, VCPU_MB // 2) == pytest.approx(
        200 * VCPU_MB / (VCPU_MB // 2) + 20
    )


def test_the_smallest_size_for_a_300_ms_first_tap() -> None:
    memory = smallest_memory(USER, 300)
    assert memory % 64 == 0
    assert throttled_ms(200, 220, memory) <= 300 < throttled_ms(200, 220, memory - 64)
    assert smallest_memory(Measured(5000, 5000, 1, 1), 300) == VCPU_MB  # never fits: a full vCPU


def test_cost_counts_requests_warm_duration_and_a_share_of_cold_starts() -> None:
    at_1024 = cost_per_million(USER, 1024)
    # 0.20 for the requests; warm 11 ms (3 x 1769/1024 + 5, rounded up) and 2 % of a 366 ms cold start
    expected = 0.20 + 1.0 * (0.011 + 0.02 * 0.366) * 16.6667
    assert at_1024 == pytest.approx(expected, rel=1e-3)
    assert cost_per_million(USER, 512) > 0.20


def test_serverless_yml_sets_a_memory_for_every_function() -> None:
    memory = chosen(ROOT / "serverless.yml")
    assert set(memory) == {p.parent.name for p in (ROOT / "functions").glob("*/handler.py")}
    assert all(128 <= mb <= 10240 for mb in memory.values())
