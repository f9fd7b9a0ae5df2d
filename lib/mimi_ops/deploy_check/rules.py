"""Our own rules on the rendered CloudFormation template; each check returns the problems it found (none: ok).

The template is what osls would deploy (render.render). Functions are found by their FunctionName,
`<service>-<stage>-<name>`; `expected.functions()` says what each one's code needs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mimi.config import SECRET_SETTINGS
from mimi_ops.deploy_check import expected
from mimi_ops.deploy_check.ssm_stub import SECRET_MARKER

Template = dict[str, Any]
SERVICE = "mimivibes-backend"
EXTENSION_LAYER = ":layer:AWS-Parameters-and-Secrets-Lambda-Extension:"
# what a secret looks like, should one be written into serverless.yml itself
SECRET_SHAPES = re.compile(
    r"sk_(live|test)_[0-9A-Za-z]|rk_live_|whsec_|sb_secret_|-----BEGIN [A-Z ]*PRIVATE KEY|\\\"d\\\":\s*\\\""
)


def of_type(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    """The resources of one type, by logical id."""
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def lambdas(template: Template, stage: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each function by name: (logical id, properties)."""
    prefix = f"{SERVICE}-{stage}-"
    return {
        r["Properties"]["FunctionName"].removeprefix(prefix): (k, r["Properties"])
        for k, r in of_type(template, "AWS::Lambda::Function").items()
    }


def _target(properties: dict[str, Any], key: str) -> str | None:
    """The logical id an `{"Fn::GetAtt": [id, "Arn"]}` names."""
    value = properties.get(key)
    return value["Fn::GetAtt"][0] if isinstance(value, dict) and "Fn::GetAtt" in value else None


def check_function_urls(template: Template) -> list[str]:
    """Every public function URL has both grants AWS has required since October 2025 (else it answers 403)."""
    grants: dict[str | None, list[dict[str, Any]]] = {}
    for permission in of_type(template, "AWS::Lambda::Permission").values():
        props = permission["Properties"]
        grants.setdefault(_target(props, "FunctionName"), []).append(props)
    problems = []
    for url_id, url in of_type(template, "AWS::Lambda::Url").items():
        fn, mine = _target(url["Properties"], "TargetFunctionArn"), None
        mine = grants.get(fn, [])
        public = [p for p in mine if p.get("Principal") == "*"]
        if not any(
            p["Action"] == "lambda:InvokeFunctionUrl" and p.get("FunctionUrlAuthType") == "NONE"
            for p in public
        ):
            problems.append(
                f"{url_id}: no lambda:InvokeFunctionUrl grant with FunctionUrlAuthType NONE"
            )
        if not any(
            p["Action"] == "lambda:InvokeFunction" and p.get("InvokedViaFunctionUrl") is True
            for p in public
        ):
            problems.append(f"{url_id}: no lambda:InvokeFunction grant with InvokedViaFunctionUrl")
    return problems


def check_no_secret_values(template: Template, stage: str) -> list[str]:
    """No secret's value anywhere in the template, and no function given a secret setting as a variable."""
    text = json.dumps(template)
    problems = [
        f"a secret SSM parameter's value is in the template: {m}"
        for m in re.findall(re.escape(SECRET_MARKER) + r"\w+", text)
    ]
    problems += [
        f"something shaped like a secret is in the template: {m.group(0)[:12]}..."
        for m in SECRET_SHAPES.finditer(text)
    ]
    for name, (_, props) in lambdas(template, stage).items():
        variables = props.get("Environment", {}).get("Variables", {})
        leaked = {v for v in variables if v.lower() in SECRET_SETTINGS}
        if leaked:
            problems.append(f"{name}: secrets in its plain environment: {sorted(leaked)}")
    return problems


def check_environments(template: Template, stage: str) -> list[str]:
    """Each function's environment is exactly what its router needs; its secrets only named, read by its role."""
    problems = []
    deployed = lambdas(template, stage)
    code = expected.functions()
    if set(deployed) != set(code):
        problems.append(f"deployed {sorted(deployed)} but functions/ has {sorted(code)}")
    for name, fn in code.items():
        if name not in deployed:
            continue
        _, props = deployed[name]
        variables = props.get("Environment", {}).get("Variables", {})
        if set(variables) != fn.environment:
            extra, missing = set(variables) - fn.environment, fn.environment - set(variables)
            problems.append(
                f"{name}: environment has extra {sorted(extra)}, misses {sorted(missing)}"
            )
        problems += _secrets_wiring(template, stage, name, fn, props, variables)
    return problems


def _secrets_wiring(
    template: Template,
    stage: str,
    name: str,
    fn: expected.Function,
    props: dict[str, Any],
    variables: dict[str, Any],
) -> list[str]:
    """SECRETS names exactly the function's secrets, the extension layer is there, its role reads only those."""
    named = {n for n in str(variables.get(expected.SECRETS, "")).split(",") if n}
    problems = (
        [] if named == fn.secrets else [f"{name}: SECRETS {sorted(named)} != {sorted(fn.secrets)}"]
    )
    if fn.secrets and variables.get(expected.SECRETS_PATH) != f"/mimivibes/{stage}":
        problems.append(f"{name}: SECRETS_PATH is not /mimivibes/{stage}")
    if fn.secrets and not any(EXTENSION_LAYER in str(layer) for layer in props.get("Layers", [])):
        problems.append(f"{name}: reads secrets but has no Parameters and Secrets extension layer")
    readable = _ssm_parameters(template, _target(props, "Role"))
    if readable != fn.secrets:
        problems.append(
            f"{name}: its role may read {sorted(readable)}, it needs {sorted(fn.secrets)}"
        )
    return problems


def _ssm_parameters(template: Template, role_id: str | None) -> set[str]:
    """The SSM parameters (last path segment) a role's inline policies let it read."""
    role = template["Resources"].get(role_id or "", {}).get("Properties", {})
    found = set()
    for policy in role.get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if "ssm:GetParameter" in json.dumps(statement.get("Action")):
                found |= {
                    json.dumps(r).rsplit("/", 1)[-1].strip('"}') for r in statement["Resource"]
                }
    return found
