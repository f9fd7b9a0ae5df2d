"""The migration runner refuses a Supabase connection it cannot migrate through (README "Deploying")."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mimi_ops.migrate import connection_problem

REF = "abcdefghijklmnopqrst"
SESSION = f"postgresql://postgres.{REF}:pw@aws-0-ap-southeast-1.pooler.supabase.com:5432/postgres"


def test_the_session_pooler_is_the_way_in() -> None:
    assert connection_problem(SESSION) is None
    assert connection_problem("postgresql://postgres@127.0.0.1:5432/postgres") is None


@pytest.mark.parametrize(
    ("dsn", "why"),
    [
        (SESSION.replace(":5432/", ":6543/"), "transaction pooler"),
        (f"postgresql://postgres:pw@db.{REF}.supabase.co:5432/postgres", "IPv6-only"),
    ],
)
def test_the_transaction_pooler_and_the_direct_host_are_refused_before_connecting(
    dsn: str, why: str
) -> None:
    problem = connection_problem(dsn)
    assert problem is not None and why in problem
    done = subprocess.run(
        [sys.executable, "-m", "mimi_ops.migrate", dsn],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert why in done.stderr and "pw" not in done.stderr  # the password is never echoed
