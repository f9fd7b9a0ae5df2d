"""`make deploy-check`'s own rules: each accepts our template and names what a template missing it lacks."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mimi_ops.deploy_check import limits, rules
from mimi_ops.deploy_check.ssm_stub import SECRET_MARKER, placeholder
from tests.ops.template_support import STAGE, changed, good_template

ALL = (
    lambda t: rules.check_function_urls(t),
    lambda t: rules.check_no_secret_values(t, STAGE),
    lambda t: rules.check_environments(t, STAGE),
    lambda t: limits.check_alarms(t, STAGE),
    lambda t: limits.check_reserved_concurrency(t, STAGE),
    lambda t: limits.check_timeouts(t, STAGE),
    lambda t: limits.check_roles(t, STAGE),
)


def env(template: dict[str, Any], fid: str) -> dict[str, Any]:
    variables: dict[str, Any] = template["Resources"][fid]["Properties"]["Environment"]["Variables"]
    return variables


def test_our_template_passes_every_rule() -> None:
    template = good_template()
    assert [check(template) for check in ALL] == [[] for _ in ALL]


@pytest.mark.parametrize(
    "grant", ["ReadingsLambdaFunctionPermissionFn", "ReadingsLambdaFunctionPermissionFnUrl"]
)
def test_a_function_url_missing_either_grant_is_refused(grant: str) -> None:
    template = good_template()
    del template["Resources"][grant]
    [problem] = rules.check_function_urls(template)
    assert problem.startswith("ReadingsLambdaFunctionUrl: no lambda:Invoke")


def test_an_invoke_function_grant_not_limited_to_the_url_is_refused() -> None:
    template = changed(
        good_template(), "ReadingsLambdaFunctionPermissionFn", InvokedViaFunctionUrl=None
    )
    assert rules.check_function_urls(template) == [
        "ReadingsLambdaFunctionUrl: no lambda:InvokeFunction grant with InvokedViaFunctionUrl"
    ]


def test_a_secret_value_resolved_into_the_template_is_refused() -> None:
    template = good_template()
    env(template, "AuthLambdaFunction")["LINE_CHANNEL_ID"] = placeholder(
        "/mimivibes/prod/app_jwt_keys"
    )
    problems = rules.check_no_secret_values(template, STAGE)
    assert problems == [
        f"a secret SSM parameter's value is in the template: {SECRET_MARKER}app_jwt_keys"
    ]


@pytest.mark.parametrize(
    "value", ["sk_live_51Habc", "whsec_abc", "sb_secret_abc", '{"d": "xyz", "kty": "EC"}']
)
def test_a_secret_written_into_the_template_is_refused(value: str) -> None:
    template = good_template()
    template["Resources"]["AlarmTopic"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"DisplayName": value},
    }
    assert rules.check_no_secret_values(template, STAGE)


def test_a_secret_setting_in_a_plain_environment_is_refused() -> None:
    template = good_template()
    env(template, "PaymentsLambdaFunction")["STRIPE_SECRET_KEY"] = "${ssm:...}"
    problems = rules.check_no_secret_values(template, STAGE)
    assert problems == ["payments: secrets in its plain environment: ['STRIPE_SECRET_KEY']"]


def test_a_setting_the_router_does_not_need_is_refused() -> None:
    template = good_template()
    env(template, "ProfileLambdaFunction")["LIFF_URL"] = "stub"
    assert rules.check_environments(template, STAGE) == [
        "profile: environment has extra ['LIFF_URL'], misses []"
    ]


def test_a_setting_the_router_needs_that_is_missing_is_refused() -> None:
    template = good_template()
    del env(template, "CreditsLambdaFunction")["LIFF_URL"]
    assert rules.check_environments(template, STAGE) == [
        "credits: environment has extra [], misses ['LIFF_URL']"
    ]


def test_secrets_named_wrongly_or_without_the_extension_or_grant_are_refused() -> None:
    template = good_template()
    env(template, "AdminLambdaFunction")["SECRETS"] = "qstash_token,stripe_secret_key"
    template["Resources"]["AdminLambdaFunction"]["Properties"]["Layers"] = []
    template["Resources"]["AdminRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ].pop()
    problems = rules.check_environments(template, STAGE)
    assert problems == [
        "admin: SECRETS ['qstash_token', 'stripe_secret_key'] != ['qstash_token']",
        "admin: reads secrets but has no Parameters and Secrets extension layer",
        "admin: its role may read [], it needs ['qstash_token']",
    ]


def test_a_missing_function_alarm_or_account_alarm_is_refused() -> None:
    template = good_template()
    del template["Resources"]["HealthLambdaFunctionThrottlesAlarm"]
    del template["Resources"]["AccountConcurrencyAlarm"]
    assert limits.check_alarms(template, STAGE) == [
        "health: no Throttles alarm",
        "no alarm on the account's ConcurrentExecutions",
    ]


def test_a_schedule_alarm_that_treats_missing_data_as_fine_is_refused() -> None:
    template = changed(good_template(), "SweepStoppedAlarm", TreatMissingData="notBreaching")
    assert limits.check_alarms(template, STAGE) == [
        "no alarm that fires when SweepRuns stops (missing data breaching)"
    ]


@pytest.mark.parametrize(
    ("function", "reserved", "problem"),
    [
        ("ReconcileLambdaFunction", None, "reconcile: reserved concurrency None, expected 1..1"),
        ("ReconcileLambdaFunction", 2, "reconcile: reserved concurrency 2, expected 1..1"),
        (
            "ReadingProcessorLambdaFunction",
            None,
            "reading_processor: reserved concurrency None, expected 5..50",
        ),
        ("ReadingsLambdaFunction", 10, "readings: reserved concurrency 10, but it shares the pool"),
    ],
)
def test_reserved_concurrency_only_where_issue_23_puts_it(
    function: str, reserved: int | None, problem: str | None
) -> None:
    template = good_template()
    if (
        function not in template["Resources"]
    ):  # the builder names the processor like osls: check it found it
        function = "ReadingProcessorLambdaFunction"
    template = changed(template, function, ReservedConcurrentExecutions=reserved)
    expected = [problem or "reading_processor: reserved concurrency None, expected 5..50"]
    assert limits.check_reserved_concurrency(template, STAGE) == expected


def test_a_timeout_not_above_the_database_timeout_is_refused() -> None:
    template = changed(good_template(), "ProfileLambdaFunction", Timeout=10)
    assert limits.check_timeouts(template, STAGE) == [
        "profile: timeout 10 s is not above the database's 10.0 s"
    ]


def test_a_processor_timeout_too_short_for_a_celtic_cross_at_40_tokens_a_second_is_refused() -> (
    None
):
    template = changed(good_template(), "ReadingProcessorLambdaFunction", Timeout=60)
    assert limits.check_timeouts(template, STAGE) == ["reading_processor: timeout 60 s < 130 s"]


def test_a_role_without_the_boundary_or_with_a_wildcard_is_refused() -> None:
    template = changed(good_template(), "HealthRole", PermissionsBoundary=None)
    statements = template["Resources"]["AuthRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    statements["Statement"].append({"Effect": "Allow", "Action": "ssm:*", "Resource": "*"})
    assert sorted(limits.check_roles(template, STAGE)) == [
        "AuthRole: a policy grants a wildcard",
        "HealthRole: no permissions boundary",
    ]


def test_functions_sharing_one_role_are_refused() -> None:
    template = good_template()
    role = copy.deepcopy(template["Resources"]["HealthLambdaFunction"]["Properties"]["Role"])
    template["Resources"]["AuthLambdaFunction"]["Properties"]["Role"] = role
    assert "functions share a role" in limits.check_roles(template, STAGE)
