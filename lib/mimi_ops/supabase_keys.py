"""Supabase accepts the app's ES256 access tokens: our signing keys imported as the project's JWT signing keys.

The one supported flow used here (Supabase "JWT Signing Keys" and the Management API's
/v1/projects/{ref}/config/auth/signing-keys): import each private JWK (its `kid` a UUID, the same kid our tokens
carry) as a standby key, rotate it into use, and revoke a key once no valid token is signed with it. Supabase
accepts tokens signed by the key in use and by previously used keys, never by a standby or revoked one, and
throttles state changes for about 5 minutes. Steps (README "Deploying" has the whole rotation):
    new-key  print a new private JWK to add to APP_JWT_KEYS (and its public half to APP_JWT_PUBLIC_KEYS)
    import   every key of APP_JWT_KEYS the project does not have yet, as standby
    rotate   the project's standby key that is in APP_JWT_KEYS into use
    revoke   every previously used key that is no longer in APP_JWT_KEYS
With --dry-run nothing is written: the calls are printed, private parts redacted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

API = "https://api.supabase.com"
STEPS = ("new-key", "import", "rotate", "revoke")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any] | None = None

    def shown(self) -> str:
        """The call as printed: a private JWK's secret part never leaves this process."""
        body = json.loads(json.dumps(self.body)) if self.body else None
        if body and "private_jwk" in body:
            body["private_jwk"]["d"] = "<redacted>"
        return f"{self.method} {self.path}" + (
            f" {json.dumps(body, sort_keys=True)}" if body else ""
        )


def new_key() -> dict[str, Any]:
    """A new private ES256 JWK whose kid is a UUID (Supabase requires one)."""
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1())))
    return {**jwk, "kid": str(uuid.uuid4()), "alg": "ES256", "use": "sig"}


def _kid(key: dict[str, Any]) -> str | None:
    return (key.get("public_jwk") or {}).get("kid")


def plan(
    step: str, ref: str, ours: list[dict[str, Any]], existing: list[dict[str, Any]]
) -> list[Call]:
    """The Management API calls one step makes, given our keys and the project's current ones."""
    path = f"/v1/projects/{ref}/config/auth/signing-keys"
    known = {_kid(k): k for k in existing}
    kids = {str(k["kid"]) for k in ours}
    if step == "import":
        return [
            Call("POST", path, {"algorithm": "ES256", "status": "standby", "private_jwk": key})
            for key in ours
            if key["kid"] not in known
        ]
    if step == "rotate":
        standby = [k for k in existing if k["status"] == "standby" and _kid(k) in kids]
        return [Call("PATCH", f"{path}/{k['id']}", {"status": "in_use"}) for k in standby[:1]]
    if step == "revoke":
        old = [k for k in existing if k["status"] == "previously_used" and _kid(k) not in kids]
        return [Call("PATCH", f"{path}/{k['id']}", {"status": "revoked"}) for k in old]
    raise ValueError(f"unknown step {step!r}")


def _existing(client: httpx.Client | None, ref: str) -> list[dict[str, Any]]:
    if client is None:
        return []
    response = client.get(f"/v1/projects/{ref}/config/auth/signing-keys")
    response.raise_for_status()
    body = response.json()
    found: list[dict[str, Any]] = body.get("keys", []) if isinstance(body, dict) else body
    return found


def run(step: str, ref: str, ours: list[dict[str, Any]], token: str, dry_run: bool) -> int:
    """Print and (unless dry_run) make the step's calls."""
    client = (
        httpx.Client(base_url=API, headers={"Authorization": f"Bearer {token}"}) if token else None
    )
    if client is None:
        print("(no SUPABASE_ACCESS_TOKEN: assuming a project with none of these keys yet)")
    calls = plan(step, ref, ours, _existing(client, ref))
    for call in calls:
        print(("would call " if dry_run else "calling ") + call.shown())
        if not dry_run and client is not None:
            client.request(call.method, call.path, json=call.body).raise_for_status()
    if not calls:
        print(f"{step}: nothing to do")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m mimi_ops.supabase_keys")
    parser.add_argument("step", choices=STEPS)
    parser.add_argument("--project-ref", default=os.environ.get("SUPABASE_PROJECT_REF", ""))
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    if args.step == "new-key":
        key = new_key()
        print(json.dumps(key))
        print(json.dumps({k: v for k, v in key.items() if k != "d"}), file=sys.stderr)
        return 0
    token = os.environ.get("SUPABASE_ACCESS_TOKEN", "")
    if not args.project_ref or (not token and not args.dry_run):
        print("set SUPABASE_PROJECT_REF and SUPABASE_ACCESS_TOKEN (or --dry-run)", file=sys.stderr)
        return 2
    ours = json.loads(os.environ.get("APP_JWT_KEYS", "[]"))
    return run(args.step, args.project_ref, ours, token, args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
