"""Each function's Lambda memory from the cold-start bench's CPU time, with its cold start and cost estimated.

Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB, that fraction of one below it.
A cold start is CPU-bound imports, so the bench's CPU milliseconds (its least disturbed run, the minimum: on a
shared machine the wall time is mostly waiting for the CPU; one core of the dev machine taken as fast as a Lambda
vCPU) say how long it takes at a given size, plus NETWORK_MS for the first request's round trips in the region:
  throttled: CPU ms x 1769 / memory + NETWORK_MS: Lambda holds the function to its share the whole time;
  burst:     CPU ms + NETWORK_MS: the function gets a whole core while it starts, as Lambda allows in short
             bursts (not documented as a guarantee, so the throttled model is the one sizes are chosen by).
Cost per million requests: the request price plus the billed duration (the warm handler's CPU at that size plus
NETWORK_MS; COLD_SHARE of requests also pay their cold start, which Lambda bills since August 2025).
Usage: python -m mimi_ops.sizing tests/bench/results/coldstart.json   (prints the README's table)
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

VCPU_MB = 1769
PRICE_GB_S = 0.0000166667  # x86_64, ap-southeast-1, first price tier
PRICE_REQUEST = 0.20 / 1_000_000
COLD_SHARE = 0.02  # an assumed share of requests that start a new instance
FIRST_TAP_MS = 300  # issue 23: a user's first tap, throttled model
NETWORK_MS = (
    20.0  # a request's round trips to PostgREST and Upstash from the same region (an assumption)
)
STEP_MB = 64


@dataclass(frozen=True)
class Measured:
    """One function's bench figures: CPU ms of import + first request (min) and of one warm call (p50)."""

    cold_cpu_ms: float
    warm_cpu_ms: float

    @classmethod
    def of(cls, figures: dict[str, Any]) -> Measured:
        return cls(figures["import_plus_first_cpu_ms"]["min"], figures["warm_cpu_p50_ms"])


def throttled_ms(cpu_ms: float, memory_mb: int) -> float:
    """Wall time at this memory when the function only ever gets its share of a vCPU."""
    return cpu_ms * max(1.0, VCPU_MB / memory_mb) + NETWORK_MS


def burst_ms(cpu_ms: float) -> float:
    """Wall time with a whole core for the start."""
    return cpu_ms + NETWORK_MS


def cost_per_million(m: Measured, memory_mb: int) -> float:
    """USD per million requests: requests plus billed GB-seconds, COLD_SHARE of them with a cold start."""
    warm_s = math.ceil(throttled_ms(m.warm_cpu_ms, memory_mb)) / 1000
    cold_s = math.ceil(throttled_ms(m.cold_cpu_ms, memory_mb)) / 1000
    seconds = warm_s + COLD_SHARE * cold_s
    return 1_000_000 * (PRICE_REQUEST + memory_mb / 1024 * seconds * PRICE_GB_S)


def smallest_memory(m: Measured, budget_ms: float) -> int | None:
    """The smallest memory (a multiple of STEP_MB, or a whole vCPU) whose throttled cold start fits the budget;
    None when not even a whole vCPU does (more memory than that adds no speed to one thread)."""
    candidates: list[int] = [*range(128, VCPU_MB, STEP_MB), VCPU_MB]
    for memory_mb in candidates:
        if throttled_ms(m.cold_cpu_ms, memory_mb) <= budget_ms:
            return memory_mb
    return None


def chosen(serverless_yml: Path) -> dict[str, int]:
    """Each function's memory as serverless.yml sets it."""
    config = yaml.safe_load(serverless_yml.read_text())
    default = int(config["provider"]["memorySize"])
    return {n: int(f.get("memorySize", default)) for n, f in config["functions"].items()}


def rows(results: dict[str, Any], memory: dict[str, int]) -> list[str]:
    """The README table: per function, the bench's CPU, the size, both estimates and the cost."""
    lines = [
        "| function | bench CPU ms, import + first request (min) | memory MB "
        "| cold start on Lambda, throttled / burst ms | smallest size for 300 ms throttled "
        "| USD per million requests |",
        "|---|---|---|---|---|---|",
    ]
    for name, figures in sorted(results["functions"].items()):
        m, mb = Measured.of(figures), memory[name]
        lines.append(
            f"| {name} | {m.cold_cpu_ms:.0f} | {mb} "
            f"| {throttled_ms(m.cold_cpu_ms, mb):.0f} / {burst_ms(m.cold_cpu_ms):.0f} "
            f"| {smallest_memory(m, FIRST_TAP_MS) or 'none'} | {cost_per_million(m, mb):.2f} |"
        )
    return lines


def main() -> int:
    results = json.loads(Path(sys.argv[1]).read_text())
    root = Path(__file__).resolve().parents[2]
    print("\n".join(rows(results, chosen(root / "serverless.yml"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
