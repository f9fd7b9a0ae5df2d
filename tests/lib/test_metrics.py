"""EMF lines: the document CloudWatch parses, and a metric that can never fail the request emitting it."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from typing import Any

import pytest

from mimi import metrics

EMF_UNITS = {"Count", "Milliseconds", "None"}


def emf_lines(text: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [d for d in docs if "_aws" in d]


def test_a_point_is_an_emf_document_with_the_stage_dimension_alone_and_with_its_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics.emit(metrics.READINGS_SUBMITTED, 1, "Count", Depth="deep")
    [doc] = emf_lines(capsys.readouterr().out)
    directive = doc["_aws"]["CloudWatchMetrics"]
    assert directive == [
        {
            "Namespace": "MiMiVibes",
            "Dimensions": [["Stage"], ["Stage", "Depth"]],
            "Metrics": [{"Name": "ReadingsSubmitted", "Unit": "Count"}],
        }
    ]
    assert doc["Stage"] == "local"
    assert doc["Depth"] == "deep"
    assert doc["ReadingsSubmitted"] == 1
    assert isinstance(doc["_aws"]["Timestamp"], int)
    assert doc["_aws"]["Timestamp"] > 1_600_000_000_000


def test_points_sharing_dimensions_go_in_one_line_and_missing_values_are_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics.emit_many(
        {
            metrics.READINGS_COMPLETED: (1, "Count"),
            metrics.TIME_TO_COMPLETED: (None, "Milliseconds"),
            metrics.QUEUE_DELAY: (float("nan"), "Milliseconds"),
        }
    )
    metrics.emit_many({metrics.QUEUE_DELAY: (None, "Milliseconds")})  # nothing to say: no line
    [doc] = emf_lines(capsys.readouterr().out)
    assert doc["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "ReadingsCompleted", "Unit": "Count"}
    ]
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Stage"]]
    assert "TimeToCompleted" not in doc
    assert "QueueDelay" not in doc


class BrokenStdout(io.StringIO):
    def write(self, s: str) -> int:
        raise OSError("stdout is gone")


def test_a_metric_never_raises_even_when_stdout_fails_or_values_are_odd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdout", BrokenStdout())
    metrics.emit(metrics.READINGS_FAILED, 1, Reason="x")
    monkeypatch.undo()
    metrics.emit(metrics.READINGS_FAILED, "one", Reason=object())  # type: ignore[arg-type]
    metrics.emit_many({"X": ("a", "Count")})  # type: ignore[dict-item]
    metrics.reconciliation_repairs(payments_applied=2)


def test_every_catalogued_metric_has_a_cloudwatch_unit() -> None:
    assert set(metrics.UNITS.values()) <= EMF_UNITS
    names = {
        v
        for k, v in vars(metrics).items()
        if k.isupper() and isinstance(v, str) and k not in {"NAMESPACE"}
    }
    assert names == set(metrics.UNITS)


def test_the_reconciliation_helper_counts_repairs_by_kind_and_ledger_mismatches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics.reconciliation_repairs(payments_applied=2, readings_refunded=1, ledger_mismatches=0)
    docs = emf_lines(capsys.readouterr().out)
    repairs = {d["Kind"]: d["ReconciliationRepairs"] for d in docs if "ReconciliationRepairs" in d}
    assert repairs == {"payment_applied": 2, "reading_refunded": 1}
    assert [d["LedgerMismatches"] for d in docs if "LedgerMismatches" in d] == [0]
    assert all(d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "MiMiVibes" for d in docs)


def test_durations_come_from_postgres_timestamps() -> None:
    end = datetime.fromisoformat("2025-01-01T00:00:02+00:00")
    assert metrics.since_ms(datetime.fromisoformat("2025-01-01T00:00:00.5+00:00"), end) == 1500.0
    assert metrics.since_ms(None, end) is None
    assert (
        metrics.since_ms(datetime.fromisoformat("2025-01-01T00:00:00"), end) is None
    )  # naive vs aware
