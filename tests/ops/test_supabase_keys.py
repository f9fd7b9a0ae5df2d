"""`make supabase-keys`: the Management API calls each step makes, checked through its dry run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mimi_ops.supabase_keys import Call, new_key, plan

ROOT = Path(__file__).resolve().parents[2]
REF = "abcdefghijklmnopqrst"
PATH = f"/v1/projects/{REF}/config/auth/signing-keys"


def project_key(key_id: str, kid: str, status: str) -> dict[str, object]:
    return {"id": key_id, "algorithm": "ES256", "status": status, "public_jwk": {"kid": kid}}


def dry_run(step: str, keys: list[dict[str, object]]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SUPABASE_ACCESS_TOKEN"}
    env |= {"APP_JWT_KEYS": json.dumps(keys), "SUPABASE_PROJECT_REF": REF}
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "supabase-keys",
            "STAGE=prod",
            f"STEP={step}",
            "DRY_RUN=1",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_new_key_has_a_uuid_kid_and_is_es256() -> None:
    key = new_key()
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256" and key["d"]
    assert len(key["kid"]) == 36 and key["kid"].count("-") == 4


def test_the_import_dry_run_prints_a_standby_import_per_key_and_never_the_private_part() -> None:
    keys = [new_key(), new_key()]
    done = dry_run("import", keys)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("would call ")]
    assert [line.split(" ")[2:4] for line in lines] == [["POST", PATH], ["POST", PATH]]
    for key, line in zip(keys, lines, strict=True):
        body = json.loads(line.split(" ", 4)[4])
        assert body["status"] == "standby" and body["algorithm"] == "ES256"
        assert body["private_jwk"]["kid"] == key["kid"] and body["private_jwk"]["d"] == "<redacted>"
        assert str(key["d"]) not in done.stdout + done.stderr


def test_import_skips_a_key_the_project_already_has() -> None:
    ours = [new_key()]
    assert plan("import", REF, ours, [project_key("k1", ours[0]["kid"], "standby")]) == []


def test_rotate_puts_our_standby_key_into_use() -> None:
    ours = [new_key(), new_key()]
    existing = [
        project_key("old", "legacy", "in_use"),
        project_key("k2", ours[1]["kid"], "standby"),
    ]
    assert plan("rotate", REF, ours, existing) == [
        Call("PATCH", f"{PATH}/k2", {"status": "in_use"})
    ]


def test_revoke_takes_only_previously_used_keys_we_no_longer_hold() -> None:
    ours = [new_key()]
    existing = [
        project_key("k1", ours[0]["kid"], "in_use"),
        project_key("old", "retired-kid", "previously_used"),
        project_key("k3", "someone-elses", "standby"),
    ]
    assert plan("revoke", REF, ours, existing) == [
        Call("PATCH", f"{PATH}/old", {"status": "revoked"})
    ]


def test_without_a_stage_or_step_make_refuses_with_usage() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "supabase-keys"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "usage: make supabase-keys STAGE=" in done.stderr


def test_a_real_run_refuses_without_the_management_token() -> None:
    env = {"PATH": "/usr/bin:/bin", "APP_JWT_KEYS": json.dumps([new_key()])}
    done = subprocess.run(
        [sys.executable, "-m", "mimi_ops.supabase_keys", "import", "--project-ref", REF],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "SUPABASE_ACCESS_TOKEN" in done.stderr
