"""The deploy pipeline and the alarms, checked as files (nothing can be deployed from here)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from mimi import metrics
from mimi_local.lambda_adapter import function_names

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
ORDER = ["test", "package", "migrate", "deploy"]


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def resources() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((ROOT / "serverless.yml").read_text())["resources"][
        "Resources"
    ]
    return found


def alarms() -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]
        for name, r in resources().items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def test_the_jobs_run_test_then_package_then_migrate_then_deploy() -> None:
    jobs = workflow()["jobs"]
    assert list(jobs) == ORDER
    for before, after in zip(ORDER, ORDER[1:], strict=False):
        assert jobs[after]["needs"] == before, after
    assert "needs" not in jobs["test"]
    assert [s["run"] for s in steps("test") if "run" in s] == [
        "bash .ci/run",
        'make deploy-check CHECK_STAGE="$STAGE"',
    ]
    assert [s["run"] for s in steps("package") if "run" in s] == ["make package"]


# The first major of each action that runs on Node 24 (GitHub removed Node 20 from its runners in 2026-09).
NODE24_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/setup-node": 5,
    "actions/upload-artifact": 6,
    "actions/download-artifact": 7,
    "aws-actions/configure-aws-credentials": 6,
}


def test_every_action_is_a_known_node24_major() -> None:
    used = [s["uses"] for job in ORDER for s in steps(job) if "uses" in s]
    for ref in used:
        action, _, version = ref.partition("@")
        assert action in NODE24_MAJORS, f"{action}: add its first Node 24 major to NODE24_MAJORS"
        assert re.fullmatch(r"v\d+", version), ref
        assert int(version[1:]) >= NODE24_MAJORS[action], ref


def test_python_installs_only_through_make_and_the_lock() -> None:
    runs = " ".join(s["run"] for job in ORDER for s in steps(job) if "run" in s)
    assert "pip install" not in runs and "uv pip" not in runs
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.findall(r"^make (\w+)", ci, re.M)[:3] == ["lint", "test", "fuzz"]


def test_dependabot_proposes_every_lock_uv_and_the_actions_weekly() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    updates = {(u["package-ecosystem"], u["directory"]): u for u in config["updates"]}
    npm_locks = {
        ("npm", "/" + lock.parent.relative_to(ROOT).as_posix().removeprefix("."))
        for lock in ROOT.glob("**/package-lock.json")
        if "node_modules" not in lock.parts and not lock.is_relative_to(ROOT / ".local")
    }
    assert ("npm", "/") in npm_locks and len(npm_locks) >= 2
    assert {("uv", "/"), ("pip", "/tools"), ("github-actions", "/")} | npm_locks <= set(updates)
    assert {u["schedule"]["interval"] for u in updates.values()} == {"weekly"}


def test_migrations_run_with_the_runner_before_serverless_deploy() -> None:
    [migrate] = [s for s in steps("migrate") if "run" in s]
    assert migrate["run"] == "make migrate"
    assert migrate["env"]["DATABASE_URL"] == "${{ secrets.DATABASE_URL }}"
    makefile = (ROOT / "Makefile").read_text()
    assert '$(PY) -m mimi_ops.migrate "$$DATABASE_URL"' in makefile
    assert [s["run"] for s in steps("deploy") if "run" in s] == [
        'make deploy-stack STAGE="$STAGE"',
        'make schedules STAGE="$STAGE"',
        'make smoke STAGE="$STAGE"',
    ]
    assert any(s.get("uses", "").startswith("actions/download-artifact@") for s in steps("deploy"))


def test_every_tool_installs_from_a_lock_never_an_unpinned_npx() -> None:
    text = WORKFLOW.read_text() + (ROOT / "Makefile").read_text()
    assert not re.search(r"npx (--yes|serverless)", text)
    assert "SERVERLESS := node_modules/.bin/serverless" in text
    assert "npm ci --no-audit --no-fund" in text
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["lockfileVersion"] == 3
    [(tool, version)] = package["devDependencies"].items()
    assert tool == "osls" and re.fullmatch(r"\d+\.\d+\.\d+", version)  # exact, never a range
    assert lock["packages"][f"node_modules/{tool}"]["version"] == version
    assert all("integrity" in p for name, p in lock["packages"].items() if name)


def test_aws_is_reached_only_through_an_oidc_role() -> None:
    jobs = workflow()["jobs"]
    assert workflow()["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert all(
        "permissions" not in jobs[j] for j in ORDER[:-1]
    )  # only deploy may mint an OIDC token
    [aws] = [
        s
        for s in steps("deploy")
        if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert set(aws["with"]) == {"role-to-assume", "role-session-name", "aws-region"}
    text = WORKFLOW.read_text().lower()
    for long_lived in (
        "aws_access_key_id",
        "aws-access-key-id",
        "aws_secret_access_key",
        "aws-secret-access-key",
        "aws_session_token",
    ):
        assert long_lived not in text


def test_the_steps_that_use_a_stage_run_in_its_github_environment() -> None:
    jobs = workflow()["jobs"]
    assert (
        jobs["migrate"]["environment"]
        == jobs["deploy"]["environment"]
        == "${{ inputs.stage || 'dev' }}"
    )
    assert workflow()["env"]["STAGE"] == "${{ inputs.stage || 'dev' }}"
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["workflow_dispatch"]["inputs"]["stage"]["options"] == ["dev", "prod"]
    assert triggers["push"] == {"branches": ["main"]}


def test_every_alarm_notifies_the_sns_topic_whose_email_comes_from_ssm() -> None:
    found = resources()
    assert found["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    subscription = found["AlarmEmail"]
    assert subscription["Type"] == "AWS::SNS::Subscription"
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
    assert subscription["Properties"]["Endpoint"] == "${ssm:${self:custom.ssm}/alarm_email}"
    for name, props in alarms().items():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["ActionsEnabled"] is True, name
        assert props["AlarmName"].startswith("${self:service}-${sls:stage}-"), name


def test_each_function_has_errors_throttles_and_p95_duration_alarms() -> None:
    by_target: dict[tuple[str, str], dict[str, Any]] = {}
    for props in alarms().values():
        if props.get("Namespace") == "AWS/Lambda" and "Dimensions" in props:
            [dimension] = props["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            by_target[(dimension["Value"], props["MetricName"])] = props
    for name in function_names():
        target = f"${{self:service}}-${{sls:stage}}-{name}"
        for metric in ("Errors", "Throttles", "Duration"):
            assert (target, metric) in by_target, (name, metric)
        assert (
            by_target[(target, "Errors")]["Statistic"]
            == by_target[(target, "Throttles")]["Statistic"]
            == "Sum"
        )
        assert by_target[(target, "Duration")]["ExtendedStatistic"] == "p95"
    assert len(by_target) == 3 * len(function_names())


def app_metrics(props: dict[str, Any]) -> list[dict[str, Any]]:
    """The MiMiVibes metrics an alarm reads: its own, or those inside its metric math."""
    if "Metrics" in props:
        return [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
    return [props] if props.get("Namespace") == metrics.NAMESPACE else []


def emitted_by_code(name: str) -> bool:
    """Whether a module in lib/mimi emits this catalogued metric (by its constant, outside the catalogue)."""
    constant = next(k for k, v in vars(metrics).items() if k.isupper() and v == name)
    for path in (ROOT / "lib" / "mimi").rglob("*.py"):
        source = path.read_text()
        if path.name == "metrics.py" and path.parent.name == "mimi":
            # the helper the reconciliation calls
            source = source.split("def reconciliation_repairs", 1)[-1]
        if re.search(rf"emit(_many)?\(\s*\{{?\s*(metrics\.)?{constant}\b", source):
            return True
    return False


def test_the_app_alarms_read_metrics_the_code_emits_with_the_stage_dimension() -> None:
    read = {}
    for name, props in alarms().items():
        for metric in app_metrics(props):
            assert metric["Namespace"] == "MiMiVibes", name
            assert metric["MetricName"] in metrics.UNITS, name
            assert metric["Dimensions"] == [{"Name": "Stage", "Value": "${sls:stage}"}], name
            read[metric["MetricName"]] = name
    assert {
        "ReadingsFailed",
        "ReadingsCompleted",
        "ReadingsRejected",
        "QStashDeadLetters",
        "ReconciliationRepairs",
    } <= set(read)
    for metric_name in read:
        assert emitted_by_code(metric_name), metric_name
    rate = alarms()["ReadingFailureRateAlarm"]
    assert [m["Id"] for m in rate["Metrics"] if m.get("ReturnData")] == ["rate"]


def test_make_deploy_refuses_clearly_without_a_stage_or_aws_credentials(tmp_path: Path) -> None:
    fake_aws = tmp_path / "aws"
    fake_aws.write_text("#!/bin/sh\necho 'Unable to locate credentials' >&2\nexit 255\n")
    fake_aws.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "DATABASE_URL"}
    env["PATH"] = f"{tmp_path}:{env['PATH']}"

    def make(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "--no-print-directory", "deploy", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    for args, environ in (((), env), ((), {**env, "STAGE": "prod"}), (("STAGE=local",), env)):
        no_stage = subprocess.run(
            ["make", "--no-print-directory", "deploy", *args],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert no_stage.returncode != 0, (args, environ.get("STAGE"))
        assert "usage: make deploy STAGE=" in no_stage.stderr, (args, environ.get("STAGE"))
    no_credentials = make("STAGE=dev")
    assert no_credentials.returncode != 0
    assert "no usable AWS credentials" in no_credentials.stderr
    assert "pytest" not in no_credentials.stdout  # refused before testing anything


@pytest.mark.parametrize("target", ["deploy-stack", "schedules", "smoke", "rollback"])
def test_each_step_against_aws_refuses_without_a_stage_or_credentials(
    tmp_path: Path, target: str
) -> None:
    fake_aws = tmp_path / "aws"
    fake_aws.write_text("#!/bin/sh\necho 'Unable to locate credentials' >&2\nexit 255\n")
    fake_aws.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PATH"] = f"{tmp_path}:{env['PATH']}"

    def make(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "--no-print-directory", target, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    no_stage = make()
    assert no_stage.returncode != 0
    assert f"usage: make {target} STAGE=" in no_stage.stderr
    no_credentials = make("STAGE=dev")
    assert no_credentials.returncode != 0
    assert "no usable AWS credentials" in no_credentials.stderr
