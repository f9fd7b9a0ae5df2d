"""A CloudFormation template shaped as osls renders ours, built from the code's own needs: every rule passes."""

from __future__ import annotations

import copy
from typing import Any

from mimi_ops.deploy_check import expected

STAGE = "prod"
LAYER = "arn:aws:lambda:ap-southeast-1:044395824272:layer:AWS-Parameters-and-Secrets-Lambda-Extension:101"


def logical(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def _alarm(metric: str, **extra: Any) -> dict[str, Any]:
    props = {
        "AlarmName": metric,
        "MetricName": metric,
        "AlarmActions": [{"Ref": "AlarmTopic"}],
        **extra,
    }
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": props}


def _function(fn: expected.Function) -> dict[str, dict[str, Any]]:
    """The resources one function renders to: function, role, URL, its two grants, its three alarms."""
    fid, full = f"{logical(fn.name)}LambdaFunction", f"mimivibes-backend-{STAGE}-{fn.name}"
    env: dict[str, Any] = {name: f"stub:{name}" for name in fn.environment}
    if fn.secrets:
        env.update(SECRETS=",".join(sorted(fn.secrets)), SECRETS_PATH=f"/mimivibes/{STAGE}")
    props: dict[str, Any] = {
        "FunctionName": full,
        "Timeout": 150 if fn.name == "reading_processor" else 15,
        "Environment": {"Variables": env},
        "Role": {"Fn::GetAtt": [f"{logical(fn.name)}Role", "Arn"]},
        "Layers": [LAYER] if fn.secrets else [],
    }
    bounds = expected.RESERVED.get(fn.name)
    if bounds:
        props["ReservedConcurrentExecutions"] = bounds[0]
    arn = {"Fn::GetAtt": [fid, "Arn"]}
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "x"}
    ]
    if fn.secrets:
        params = [
            {"Fn::Sub": f"arn:aws:ssm:r:a:parameter/mimivibes/{STAGE}/{s}"} for s in fn.secrets
        ]
        statements.append({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": params})
    dims = [{"Name": "FunctionName", "Value": full}]
    return {
        fid: {"Type": "AWS::Lambda::Function", "Properties": props},
        f"{logical(fn.name)}Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "PermissionsBoundary": "boundary",
                "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": statements}}],
            },
        },
        f"{fid}Url": {
            "Type": "AWS::Lambda::Url",
            "Properties": {"AuthType": "NONE", "TargetFunctionArn": arn},
        },
        f"{fid}PermissionFnUrl": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": arn,
                "Action": "lambda:InvokeFunctionUrl",
                "Principal": "*",
                "FunctionUrlAuthType": "NONE",
            },
        },
        f"{fid}PermissionFn": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": arn,
                "Action": "lambda:InvokeFunction",
                "Principal": "*",
                "InvokedViaFunctionUrl": True,
            },
        },
        **{
            f"{fid}{metric}Alarm": _alarm(metric, Namespace="AWS/Lambda", Dimensions=dims)
            for metric in ("Errors", "Throttles", "Duration")
        },
    }


def good_template() -> dict[str, Any]:
    """A template every rule accepts."""
    resources: dict[str, Any] = {}
    for fn in expected.functions().values():
        resources.update(_function(fn))
    resources["AccountConcurrencyAlarm"] = _alarm("ConcurrentExecutions", Namespace="AWS/Lambda")
    resources["SweepStoppedAlarm"] = _alarm("SweepRuns", TreatMissingData="breaching")
    resources["ReconcileStoppedAlarm"] = _alarm("LedgerMismatches", TreatMissingData="breaching")
    return {"Resources": resources}


def changed(template: dict[str, Any], resource: str, **properties: Any) -> dict[str, Any]:
    """A copy of the template with some properties of one resource replaced (None removes one)."""
    copied = copy.deepcopy(template)
    props = copied["Resources"][resource]["Properties"]
    for key, value in properties.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return copied
