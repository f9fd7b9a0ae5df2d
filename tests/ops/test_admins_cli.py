"""python -m mimi_ops.admins: ops seed the admin list as the database owner; each change is audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from mimi_local.pg import PgCluster
from mimi_ops.admins.cli import dev_dsn, main
from tests.sql.conftest import login


@pytest.fixture
def conn(pg: PgCluster) -> Any:
    with psycopg.connect(pg.dsn(), autocommit=True, row_factory=dict_row) as c:
        yield c


def test_add_list_and_remove_by_line_id_or_user_id(
    pg: PgCluster, conn: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    user = login(conn)["user"]
    line_id = conn.execute(
        "select line_user_id from public.users where id = %s", (user["id"],)
    ).fetchone()
    assert main(["add", line_id["line_user_id"], "--note", "on call", "--dsn", pg.dsn()]) == 0
    assert json.loads(capsys.readouterr().out) == {"user_id": user["id"], "added": True}
    assert main(["add", user["id"], "--dsn", pg.dsn()]) == 0  # again: nothing changes
    assert json.loads(capsys.readouterr().out)["added"] is False
    assert main(["list", "--dsn", pg.dsn()]) == 0
    assert user["id"] in [a["user_id"] for a in json.loads(capsys.readouterr().out)]
    assert main(["remove", user["id"], "--dsn", pg.dsn()]) == 0
    assert json.loads(capsys.readouterr().out)["removed"] is True
    actions = conn.execute(
        "select action, reason, actor from private.admin_audit where target_user_id = %s"
        " order by id",
        (user["id"],),
    ).fetchall()
    assert [(a["action"], a["actor"]) for a in actions] == [
        ("add_admin", "ops"),
        ("remove_admin", "ops"),
    ]
    assert actions[0]["reason"] == "on call"


def test_an_unknown_user_is_refused(pg: PgCluster, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["add", "U" + "0" * 32, "--dsn", pg.dsn()]) == 1
    assert "user_not_found" in capsys.readouterr().err


def test_the_api_roles_cannot_change_the_admin_list(conn: Any) -> None:
    for role in ("anon", "authenticated", "service_role"):
        for fn in (
            "public.add_admin(text, text)",
            "public.remove_admin(text)",
            "public.list_admins()",
        ):
            row = conn.execute(
                "select has_function_privilege(%s, %s, 'execute') as ok", (role, fn)
            ).fetchone()
            assert row["ok"] is False, (role, fn)


def test_data_finds_the_dev_stacks_postgres_as_its_owner(tmp_path: Path) -> None:
    (tmp_path / "pg_port").write_text("54329")
    cluster = PgCluster(
        tmp_path / "postgres", port=54329
    )  # what LocalStack keeps under its data folder
    assert dev_dsn(tmp_path) == cluster.dsn()
    with pytest.raises(SystemExit, match="make dev"):
        dev_dsn(tmp_path / "elsewhere")
