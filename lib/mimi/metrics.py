"""CloudWatch metrics as Embedded Metric Format lines on stdout: no SDK, no I/O beyond one write, never raising.

Written directly rather than with aws-lambda-powertools' Metrics: that import alone adds ~10 ms (Logger+Metrics
10-15 ms) to every cold start on the dev machine, against ~0 for this module (json and sys are loaded already).
Every data point carries the `Stage` dimension, alone and with the call's own dimensions, so alarms can read the
stage-wide series. See README "Deploying" for the alarms built on these names.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Literal

from mimi.logs import request_id_var

NAMESPACE = "MiMiVibes"
Unit = Literal["Count", "Milliseconds", "None"]

# The catalogue: every metric the code emits and its unit (serverless.yml's alarms may only name these).
READINGS_SUBMITTED = "ReadingsSubmitted"
READINGS_COMPLETED = "ReadingsCompleted"
READINGS_REJECTED = "ReadingsRejected"
READINGS_FAILED = "ReadingsFailed"
QUEUE_DELAY = "QueueDelay"  # submit -> the processor's first claim
TIME_TO_COMPLETED = "TimeToCompleted"  # submit -> completed
LLM_LATENCY = "LlmLatency"
LLM_PROMPT_TOKENS = "LlmPromptTokens"
LLM_COMPLETION_TOKENS = "LlmCompletionTokens"
LLM_COST_USD = "LlmCostUsd"  # per reading
QSTASH_DEAD_LETTERS = "QStashDeadLetters"  # jobs whose retries ran out (QStash's failure callback)
CREDITS_SPENT = "CreditsSpent"
PAYMENTS_SUCCEEDED = "PaymentsSucceeded"
PAYMENTS_REFUNDED = "PaymentsRefunded"
PAYMENTS_FLAGGED = "PaymentsFlagged"
STARS_PURCHASED = "StarsPurchased"
RECONCILIATION_REPAIRS = "ReconciliationRepairs"
LEDGER_MISMATCHES = "LedgerMismatches"
UNHANDLED_ERRORS = "UnhandledErrors"
SWEEP_RUNS = (
    "SweepRuns"  # one per run of the scheduled sweep: its alarm fires when the schedule stops
)
UNITS: dict[str, Unit] = {
    READINGS_SUBMITTED: "Count",
    READINGS_COMPLETED: "Count",
    READINGS_REJECTED: "Count",
    READINGS_FAILED: "Count",
    QUEUE_DELAY: "Milliseconds",
    TIME_TO_COMPLETED: "Milliseconds",
    LLM_LATENCY: "Milliseconds",
    LLM_PROMPT_TOKENS: "Count",
    LLM_COMPLETION_TOKENS: "Count",
    LLM_COST_USD: "None",
    QSTASH_DEAD_LETTERS: "Count",
    CREDITS_SPENT: "Count",
    PAYMENTS_SUCCEEDED: "Count",
    PAYMENTS_REFUNDED: "Count",
    PAYMENTS_FLAGGED: "Count",
    SWEEP_RUNS: "Count",
    STARS_PURCHASED: "Count",
    RECONCILIATION_REPAIRS: "Count",
    LEDGER_MISMATCHES: "Count",
    UNHANDLED_ERRORS: "Count",
}

_context: dict[str, str] = {"Stage": "local"}
function_var: ContextVar[str] = ContextVar("function", default="-")  # set per request by the app


def configure(*, stage: str) -> None:
    """Set the stage every later line carries (the app factory calls this at cold start)."""
    _context["Stage"] = stage


def emit(name: str, value: float, unit: Unit = "Count", **dims: str) -> None:
    """One data point as an EMF line; a bad value or a failed write is dropped, never raised."""
    emit_many({name: (value, unit)}, **dims)


def emit_many(values: Mapping[str, tuple[float | None, Unit]], **dims: str) -> None:
    """Several data points sharing dimensions in one EMF line; a None or non-finite value is left out."""
    try:
        line = _line(values, dims)
        if line is not None:
            sys.stdout.write(line + "\n")
    except Exception:  # noqa: S110 - a metric must never fail the request that emits it
        pass


def _line(values: Mapping[str, tuple[float | None, Unit]], dims: Mapping[str, str]) -> str | None:
    """The EMF JSON document, or None when no value is a finite number."""
    points = {
        name: float(v)
        for name, (v, _) in values.items()
        if isinstance(v, int | float) and math.isfinite(v)
    }
    if not points:
        return None
    dim_values = {k: str(v)[:250] for k, v in dims.items() if v is not None and str(v)}
    dim_sets = [["Stage"], ["Stage", *dim_values]] if dim_values else [["Stage"]]
    definitions = [{"Name": name, "Unit": values[name][1]} for name in points]
    doc = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {"Namespace": NAMESPACE, "Dimensions": dim_sets, "Metrics": definitions}
            ],
        },
        "Stage": _context["Stage"],
        **dim_values,
        **points,
        "function": function_var.get(),
        "request_id": request_id_var.get(),
    }
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


def since_ms(start: datetime | None, end: datetime | None) -> float | None:
    """Milliseconds between two timestamps from Postgres (both from its clock), or None if either is missing."""
    if start is None or end is None:
        return None
    try:
        elapsed = end - start
    except TypeError:  # one naive and one aware: not comparable
        return None
    return round(elapsed.total_seconds() * 1000, 1)


def reconciliation_repairs(
    *, payments_applied: int = 0, readings_refunded: int = 0, ledger_mismatches: int = 0
) -> None:
    """The nightly reconciliation's counts: one ReconciliationRepairs point per kind, and any ledger mismatches."""
    for kind, count in (
        ("payment_applied", payments_applied),
        ("reading_refunded", readings_refunded),
    ):
        emit(RECONCILIATION_REPAIRS, count, "Count", Kind=kind)
    emit(LEDGER_MISMATCHES, ledger_mismatches)
