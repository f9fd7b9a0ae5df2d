"""Our rules on the production limits in the rendered template: alarms, reserved concurrency, timeouts, roles."""

from __future__ import annotations

import json
from typing import Any

from mimi_ops.deploy_check import expected
from mimi_ops.deploy_check.rules import SERVICE, Template, lambdas, of_type


def _alarms(template: Template) -> list[dict[str, Any]]:
    return [r["Properties"] for r in of_type(template, "AWS::CloudWatch::Alarm").values()]


def check_alarms(template: Template, stage: str) -> list[str]:
    """Errors, Throttles and p95 Duration per function; account concurrency; the schedules that stopped."""
    problems = []
    lambda_alarms = {
        (a["Dimensions"][0]["Value"], a["MetricName"])
        for a in _alarms(template)
        if a.get("Namespace") == "AWS/Lambda" and a.get("Dimensions")
    }
    for name in lambdas(template, stage):
        for metric in ("Errors", "Throttles", "Duration"):
            if (f"{SERVICE}-{stage}-{name}", metric) not in lambda_alarms:
                problems.append(f"{name}: no {metric} alarm")
    if not any(
        a.get("MetricName") == "ConcurrentExecutions" and not a.get("Dimensions")
        for a in _alarms(template)
    ):
        problems.append("no alarm on the account's ConcurrentExecutions")
    for metric in ("SweepRuns", "LedgerMismatches"):
        if not any(
            a.get("MetricName") == metric and a.get("TreatMissingData") == "breaching"
            for a in _alarms(template)
        ):
            problems.append(f"no alarm that fires when {metric} stops (missing data breaching)")
    for alarm in _alarms(template):
        if alarm.get("AlarmActions") != [{"Ref": "AlarmTopic"}]:
            problems.append(f"{alarm.get('AlarmName')}: does not notify the alarm topic")
    return problems


def check_reserved_concurrency(template: Template, stage: str) -> list[str]:
    """Reserved caps exactly where issue 23 puts them (expected.RESERVED); the user-facing pool is shared."""
    problems = []
    for name, (_, props) in lambdas(template, stage).items():
        reserved = props.get("ReservedConcurrentExecutions")
        bounds = expected.RESERVED.get(name)
        if bounds is None and reserved is not None:
            problems.append(f"{name}: reserved concurrency {reserved}, but it shares the pool")
        elif bounds and not (isinstance(reserved, int) and bounds[0] <= reserved <= bounds[1]):
            problems.append(
                f"{name}: reserved concurrency {reserved}, expected {bounds[0]}..{bounds[1]}"
            )
    return problems


def check_timeouts(template: Template, stage: str) -> list[str]:
    """Each timeout above the database's (a hung query is a 503, not a 502); the processor's fits a Celtic Cross."""
    problems = []
    floor = expected.db_timeout_s()
    for name, (_, props) in lambdas(template, stage).items():
        if props.get("Timeout", 6) <= floor:
            problems.append(
                f"{name}: timeout {props.get('Timeout', 6)} s is not above the database's {floor} s"
            )
    processor = lambdas(template, stage).get("reading_processor")
    need = expected.celtic_cross_s()
    if processor and processor[1].get("Timeout", 6) < need:
        problems.append(
            f"reading_processor: timeout {processor[1].get('Timeout')} s < {need:.0f} s"
        )
    return problems


def check_roles(template: Template, stage: str) -> list[str]:
    """Every role carries the permissions boundary and grants no wildcard action; each function has its own."""
    problems = []
    for role_id, role in of_type(template, "AWS::IAM::Role").items():
        props = role["Properties"]
        if "PermissionsBoundary" not in props:
            problems.append(f"{role_id}: no permissions boundary")
        if '"*"' in json.dumps(
            [p["PolicyDocument"]["Statement"] for p in props.get("Policies", [])]
        ):
            problems.append(f"{role_id}: a policy grants a wildcard")
    roles = [json.dumps(props.get("Role")) for _, props in lambdas(template, stage).values()]
    if len(set(roles)) != len(roles):
        problems.append("functions share a role")
    return problems
