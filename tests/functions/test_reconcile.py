"""The nightly reconciliation: a lost Stripe webhook never loses stars, stuck readings are refunded once, the ledger
invariant is checked, and each run is stored for the admin API. Runs are signed QStash deliveries."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest

from mimi.config import get_settings
from mimi.readings import queue
from mimi_local.stack import LocalStack
from tests.functions.admin_support import call, new_admin, ok
from tests.functions.conftest import login
from tests.functions.payments_support import buy, dev_action, stub, wallet
from tests.functions.readings_support import (
    dispatcher,
    ledger_keys,
    qstash_signature,
    queued_reading,
    reading_row,
)
from tests.lib.test_metrics import emf_lines


def run(
    stack: LocalStack, *, signature: str | None = "valid", body: bytes = b"{}"
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature == "valid":
        signature = qstash_signature(
            stack.secrets["qstash_current_signing_key"], stack.env()["RECONCILE_URL"], body
        )
    if signature is not None:
        headers["upstash-signature"] = signature
    return httpx.post(
        f"{stack.url}/functions/reconcile/", content=body, headers=headers, timeout=60
    )


def reconciled(stack: LocalStack) -> dict[str, Any]:
    response = run(stack)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def runs(sql: Any) -> int:
    return int(sql.execute("select count(*) as n from private.reconcile_runs").fetchone()["n"])


def test_a_dropped_webhook_is_repaired_once_and_a_late_one_changes_nothing(
    stack: LocalStack, sql: Any
) -> None:
    user = login(stack)
    pi = buy(stack, user, "stars_10")["payment_intent_id"]
    paid = dev_action(
        stack, pi, "succeed", deliver=False
    )  # Stripe took the money; the webhook never arrived
    assert paid["deliveries"] == []
    assert wallet(stack, user)["stars"] == 0
    first = reconciled(stack)
    assert pi in first["details"]["repaired"]
    assert first["payments_repaired"] >= 1
    assert wallet(stack, user)["stars"] == 10
    assert ledger_keys(sql, user["user"]["id"])[f"stripe:{pi}:credit:star"] == 10
    second = reconciled(stack)
    assert second["payments_repaired"] == 0
    assert pi not in json.dumps(second["details"])
    late = next(e for e in paid["events"] if e["type"] == "payment_intent.succeeded")
    resent = httpx.post(f"{stack.url}/stripe/dev/events/{late['id']}/resend", timeout=60).json()
    assert resent["status"] == 200
    assert wallet(stack, user)["stars"] == 10
    row = sql.execute(
        "select outcome from private.stripe_events where id = %s", (f"evt_reconcile_{pi}",)
    ).fetchone()
    assert row["outcome"] == "credited"


def test_a_success_older_than_the_window_is_left_alone(stack: LocalStack) -> None:
    user = login(stack)
    pi = buy(stack, user, "stars_10")["payment_intent_id"]
    dev_action(stack, pi, "succeed", deliver=False)
    stub(stack).state.intents[pi]["created"] -= 73 * 3600
    assert pi not in json.dumps(reconciled(stack)["details"])
    assert wallet(stack, user)["stars"] == 0
    stub(stack).state.intents[pi]["created"] += 73 * 3600
    assert pi in reconciled(stack)["details"]["repaired"]  # inside the window it is repaired


def test_a_success_we_never_recorded_is_counted_not_applied(stack: LocalStack, sql: Any) -> None:
    created = stub(stack).state.create_intent(
        {
            "amount": "9900",
            "currency": "thb",
            "metadata": {"user_id": "nobody", "package_id": "stars_10"},
        }
    )
    dev_action(stack, created["id"], "succeed", deliver=False)
    result = reconciled(stack)
    assert created["id"] in result["details"]["unknown"]
    assert result["payments_unknown"] >= 1
    row = sql.execute(
        "select 1 from private.stripe_events where payment_intent_id = %s", (created["id"],)
    ).fetchone()
    assert row is None


def test_a_reading_stuck_in_processing_is_failed_and_refunded_once(
    stack: LocalStack, sql: Any
) -> None:
    user = login(stack)
    stuck, recent = queued_reading(stack, user), queued_reading(stack, user)
    for reading in (stuck, recent):
        sql.execute("select public.claim_reading(%s)", (reading,))
    sql.execute(
        "update public.readings set updated_at = now() - interval '3 hours' where id = %s", (stuck,)
    )
    first = reconciled(stack)
    assert stuck in first["details"]["readings_failed"]
    assert recent not in first["details"]["readings_failed"]
    assert (reading_row(sql, stuck)["status"], reading_row(sql, stuck)["failure_reason"]) == (
        "failed",
        "stuck",
    )
    assert reading_row(sql, recent)["status"] == "processing"
    assert stuck not in reconciled(stack)["details"]["readings_failed"]
    keys = ledger_keys(sql, user["user"]["id"])
    assert keys[f"reading:{stuck}:refund:free_point"] == 1
    assert f"reading:{recent}:refund:free_point" not in keys
    sql.execute(
        "select public.fail_reading(%s, 'test')", (recent,)
    )  # leave nothing processing behind


def test_ledger_mismatches_are_counted(stack: LocalStack, sql: Any) -> None:
    user = login(stack)
    uid = user["user"]["id"]
    sql.execute("update public.wallets set coins = coins + 1 where user_id = %s", (uid,))
    try:
        assert reconciled(stack)["ledger_mismatches"] >= 1
    finally:
        sql.execute("update public.wallets set coins = coins - 1 where user_id = %s", (uid,))
    assert reconciled(stack)["ledger_mismatches"] == 0


def test_only_a_signed_delivery_for_this_url_runs_it(stack: LocalStack, sql: Any) -> None:
    before = runs(sql)
    assert run(stack, signature=None).json()["code"] == "invalid_signature"
    other_url = qstash_signature(
        stack.secrets["qstash_current_signing_key"], get_settings().reading_processor_url, b"{}"
    )
    assert run(stack, signature=other_url).status_code == 401
    wrong_key = qstash_signature(secrets.token_hex(16), stack.env()["RECONCILE_URL"], b"{}")
    assert run(stack, signature=wrong_key).status_code == 401
    assert runs(sql) == before


def test_a_real_qstash_delivery_runs_it_and_admins_see_the_last_run(
    stack: LocalStack, sql: Any
) -> None:
    before = runs(sql)
    queue.client().message.publish_json(url=stack.env()["RECONCILE_URL"], body={}, retries=0)
    dispatcher(stack).wait_idle(30)
    assert runs(sql) == before + 1
    admin = new_admin(stack)
    latest = ok(call(stack, admin, "GET", "/reconcile/runs", params={"limit": 1}))
    last_id = sql.execute("select max(id) as id from private.reconcile_runs").fetchone()["id"]
    assert [r["id"] for r in latest] == [last_id]
    assert call(stack, login(stack), "GET", "/reconcile/runs").status_code == 403


def test_a_run_emits_its_repairs_and_the_ledger_mismatches_as_metrics(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    user = login(stack)
    pi = buy(stack, user, "stars_10")["payment_intent_id"]
    dev_action(stack, pi, "succeed", deliver=False)
    capsys.readouterr()
    result = reconciled(stack)
    docs = [d for d in emf_lines(capsys.readouterr().out) if d.get("function") == "reconcile"]
    repairs = {d["Kind"]: d["ReconciliationRepairs"] for d in docs if "ReconciliationRepairs" in d}
    assert repairs == {
        "payment_applied": result["payments_repaired"],
        "reading_refunded": result["readings_failed"],
    }
    assert repairs["payment_applied"] >= 1
    [mismatches] = [d for d in docs if "LedgerMismatches" in d]
    assert mismatches["LedgerMismatches"] == result["ledger_mismatches"]
