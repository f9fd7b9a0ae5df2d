"""Legacy import against a Prisma-shaped old database: balances as opening ledger rows, history, payments, referrals,
users kept aside, idempotency and dry runs."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from mimi_local.pg import PgCluster
from mimi_ops.legacy_import.cli import run
from tests.ops.legacy_import.legacy_support import Seeded
from tests.sql.conftest import call_as, login

Conn = psycopg.Connection[dict[str, Any]]
SNAPSHOT = """
select (select count(*) from public.users) as users, (select count(*) from public.ledger) as ledger,
  (select count(*) from private.credit_ops) as credit_ops, (select count(*) from public.readings) as readings,
  (select count(*) from public.reading_reviews) as reviews, (select count(*) from public.payments) as payments,
  (select count(*) from public.referrals) as referrals, (select count(*) from public.packages) as packages,
  (select count(*) from private.legacy_users) as legacy_users,
  (select jsonb_agg(w order by w.user_id) from public.wallets w) as wallets
"""


# Two session time zones 26 hours apart: at any instant the import's session dates (current_date, now()::date,
# to_char(now(), ...)) differ by a day or two, so a second run in the other one runs "on another day".
TODAY, ANOTHER_DAY = "Etc/GMT-14", "Etc/GMT+12"


def imported(
    pg: PgCluster, legacy_dsn: str, *, dry_run: bool = False, time_zone: str | None = None
) -> dict[str, Any]:
    dsn = (
        pg.dsn()
        if time_zone is None
        else make_conninfo(pg.dsn(), options=f"-c TimeZone={time_zone}")
    )
    return run(legacy_dsn, dsn, dry_run=dry_run)


def session_date(pg: PgCluster, time_zone: str) -> Any:
    with psycopg.connect(make_conninfo(pg.dsn(), options=f"-c TimeZone={time_zone}")) as conn:
        row = conn.execute("select current_date").fetchone()
    assert row
    return row[0]


def user_of(db: Conn, line: str | None) -> dict[str, Any]:
    row = db.execute(
        "select u.*, to_jsonb(w) as wallet from public.users u join public.wallets w on w.user_id = u.id "
        "where u.line_user_id = %s",
        (line,),
    ).fetchone()
    assert row, f"no user with LINE id {line}"
    return row


def ledger(db: Conn, user_id: str) -> list[dict[str, Any]]:
    return db.execute(
        "select currency, delta, reason, idempotency_key from public.ledger where user_id = %s "
        "order by id",
        (user_id,),
    ).fetchall()


def test_old_balances_arrive_as_legacy_opening_ledger_rows(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    imported(pg, dsn)
    alice = user_of(db, seeded.lines["alice"])
    wallet = alice["wallet"]
    assert (
        wallet["stars"],
        wallet["coins"],
        wallet["exp"],
        wallet["free_points"],
        wallet["level"],
    ) == (30, 340, 450, 2, 3)
    key = f"legacy:{seeded.ids['alice']}:opening"
    assert sorted(
        (r["currency"], r["delta"], r["reason"], r["idempotency_key"])
        for r in ledger(db, alice["id"])
    ) == [
        ("coin", 340, "legacy_opening", f"{key}:coin"),
        ("exp", 450, "legacy_opening", f"{key}:exp"),
        ("free_point", 2, "legacy_opening", f"{key}:free_point"),
        ("star", 30, "legacy_opening", f"{key}:star"),
    ]
    assert alice["referral_code"] == seeded.codes["alice"]
    assert alice["display_name"] == "Alice"
    assert db.execute("select * from public.ledger_mismatches()").fetchall() == []


def test_a_user_who_already_logged_in_keeps_their_balance_plus_the_imported_one(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    here = db.execute(
        "select public.login_line_user(%s, 'Dan here', null, %s, 60) as r",
        (seeded.lines["dan"], secrets.token_hex(32)),
    ).fetchone()["r"]["user"]
    report = imported(pg, dsn)
    dan = user_of(db, seeded.lines["dan"])
    assert str(dan["id"]) == here["id"]
    assert dan["referral_code"] == here["referral_code"]
    assert (dan["wallet"]["stars"], dan["wallet"]["free_points"]) == (
        7,
        3 + 1,
    )  # welcome bonus + old free point
    assert [r["reason"] for r in ledger(db, dan["id"])] == [
        "welcome_bonus",
        "legacy_opening",
        "legacy_opening",
    ]
    assert report["accounts"] == {"created": 3, "merged": 1}


def test_users_without_a_line_id_are_kept_aside_and_listed(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    report = imported(pg, dsn)
    assert [(u["id"], u["reason"]) for u in report["aside"]] == [
        (seeded.ids["carol"], "no_line_id")
    ]
    assert report["old"]["users"] == 5
    assert report["old"]["to_import"] == 4
    found = db.execute(
        "select count(*) as n from private.legacy_users where legacy_id = %s",
        (seeded.ids["carol"],),
    ).fetchone()
    assert found["n"] == 0


def test_a_second_run_on_another_day_changes_nothing(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, _ = legacy
    assert session_date(pg, TODAY) != session_date(pg, ANOTHER_DAY)
    first = imported(pg, dsn, time_zone=TODAY)
    before = db.execute(SNAPSHOT).fetchone()
    again = imported(pg, dsn, time_zone=ANOTHER_DAY)
    assert db.execute(SNAPSHOT).fetchone() == before
    assert first["openings"] == {"applied": 4}
    assert again["openings"] == {"replayed": 4}
    assert again["accounts"] == {"already_imported": 4}
    assert again["readings"] == {"already": 4}
    assert again["payments"] == {"already": 3}
    assert again["referrals"] == {"already_referred": 1}
    assert again["after"] == again["before"]


def test_a_dry_run_writes_nothing_and_reports_the_sums_a_real_run_reaches(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, _ = legacy
    before = db.execute(SNAPSHOT).fetchone()
    rehearsal = imported(pg, dsn, dry_run=True)
    assert db.execute(SNAPSHOT).fetchone() == before
    old = rehearsal["old"]["balances"]
    assert old == {"stars": 30 + 7 + 3, "coins": 340 + 50, "exp": 450 + 100, "free_points": 2 + 1}
    assert {k: rehearsal["after"][k] - rehearsal["before"][k] for k in old} == old
    assert rehearsal["accounts"] == {"created": 4}
    assert rehearsal["old"]["history_only"] == {"PointTransaction": 1, "CoinExchange": 1}
    real = imported(pg, dsn)
    assert real["after"] == rehearsal["after"]
    assert real["accounts"] == rehearsal["accounts"]


def test_reading_history_maps_cards_by_english_name_and_keeps_deleted_ones_hidden(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    report = imported(pg, dsn)
    assert report["readings"] == {"imported": 4}
    assert report["deleted_readings"] == 1
    assert report["unmapped_cards"] == {"The Joker": 1}
    alice = user_of(db, seeded.lines["alice"])
    rows = {
        r["legacy"]: r
        for r in db.execute(
            "select r.*, k.legacy, v.accuracy from public.readings r "
            "join (select unnest(%s::text[]) as legacy, unnest(%s::text[]) as key) k "
            "  on r.id = md5('legacy-reading:' || k.legacy)::uuid "
            "left join public.reading_reviews v on v.reading_id = r.id",
            (list(seeded.readings.values()), list(seeded.readings)),
        ).fetchall()
    }
    done = rows[seeded.readings["completed"]]
    assert [c["id"] for c in done["cards"]] == ["the-fool", "the-tower", "ace-of-cups"]
    assert (done["status"], done["language"], done["accuracy"], done["user_id"]) == (
        "completed",
        "th",
        88,
        alice["id"],
    )
    assert done["result"]["header"] == "ไพ่บอกว่าความรักกำลังมา"
    assert done["result"]["cards"] == done["cards"]
    assert [c["id"] for c in rows[seeded.readings["unknown_card"]]["cards"]] == ["ace-of-cups"]
    assert rows[seeded.readings["unknown_card"]]["language"] == "en"
    pending = rows[seeded.readings["pending"]]
    assert (pending["status"], pending["failure_reason"], pending["result"]) == (
        "failed",
        "legacy_pending",
        None,
    )
    assert rows[seeded.readings["deleted"]]["deleted_at"] is not None
    history = call_as(
        db, "authenticated", "select public.reading_history(50) as h", sub=str(alice["id"])
    )["h"]
    assert {h["id"] for h in history} == {
        str(rows[seeded.readings[k]]["id"]) for k in ("completed", "pending", "unknown_card")
    }
    assert [r["reason"] for r in ledger(db, alice["id"])] == [
        "legacy_opening"
    ] * 4  # no reward, no refund


def test_referrals_are_linked_without_paying_any_reward(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    report = imported(pg, dsn)
    assert report["referrals"] == {"linked": 1}
    alice, bob = user_of(db, seeded.lines["alice"]), user_of(db, seeded.lines["bob"])
    link = db.execute(
        "select * from public.referrals where invitee_id = %s", (bob["id"],)
    ).fetchone()
    assert link["inviter_id"] == alice["id"]
    assert link["rewarded_at"] is not None
    # bob's first reading here completes: the inviter's reward was settled by the old app, nothing is paid again
    assert (
        db.execute("select private.reward_referrer(%s) as r", (bob["id"],)).fetchone()["r"] is None
    )
    reasons = {r["reason"] for r in ledger(db, alice["id"]) + ledger(db, bob["id"])}
    assert reasons == {"legacy_opening"}


def test_payments_are_imported_as_credited_by_the_old_app(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    report = imported(pg, dsn)
    assert report["payments"] == {"imported": 3}
    rows = {
        r["payment_intent_id"]: r
        for r in db.execute(
            "select p.*, u.line_user_id, k.active from public.payments p join public.users u on u.id = p.user_id "
            "join public.packages k on k.id = p.package_id where payment_intent_id = any(%s)",
            (list(seeded.pis.values()),),
        ).fetchall()
    }
    paid, refunded, pending = (rows[seeded.pis[k]] for k in ("paid", "refunded", "pending"))
    assert (
        paid["origin"],
        paid["status"],
        paid["stars_credited"],
        paid["package_id"],
        paid["active"],
    ) == ("legacy", "succeeded", 25, "legacy_2", False)
    assert (refunded["status"], refunded["amount_refunded"], refunded["stars_clawed_back"]) == (
        "refunded",
        9900,
        10,
    )
    assert (pending["status"], pending["stars_credited"], pending["stars"]) == ("pending", 0, 60)
    assert paid["line_user_id"] == seeded.lines["alice"]
    assert pending["line_user_id"] == seeded.lines["erin"]


def stripe_event(db: Conn, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
    event_id = "evt_" + obj["id"] + type_.replace(".", "_")
    payload = {"id": event_id, "type": type_, "data": {"object": obj}}
    result: dict[str, Any] = db.execute(
        "select public.apply_stripe_event(%s, %s, %s) as r", (event_id, type_, json.dumps(payload))
    ).fetchone()["r"]
    return result


def test_old_stripe_events_find_imported_payments_and_never_credit_or_refund_twice(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    imported(pg, dsn)
    old_metadata = {"userId": seeded.ids["alice"], "packId": "2"}
    late = stripe_event(
        db,
        "payment_intent.succeeded",
        {
            "id": seeded.pis["paid"],
            "amount": 19900,
            "amount_received": 19900,
            "currency": "thb",
            "metadata": old_metadata,
        },
    )
    again = stripe_event(
        db,
        "charge.refunded",
        {
            "id": "ch_" + seeded.pis["refunded"][3:],
            "amount": 9900,
            "amount_refunded": 9900,
            "currency": "thb",
            "payment_intent": seeded.pis["refunded"],
        },
    )
    assert (late["outcome"], again["outcome"]) == ("already_credited", "refund_already_applied")
    assert user_of(db, seeded.lines["alice"])["wallet"]["stars"] == 30
    # the pending one succeeds after the switch: credited here, once, to erin
    paid = stripe_event(
        db,
        "payment_intent.succeeded",
        {
            "id": seeded.pis["pending"],
            "amount": 39900,
            "amount_received": 39900,
            "currency": "thb",
            "metadata": {"userId": seeded.ids["erin"]},
        },
    )
    assert paid["outcome"] == "credited"
    assert user_of(db, seeded.lines["erin"])["wallet"]["stars"] == 3 + 60


@pytest.mark.parametrize("role", ["anon", "authenticated", "service_role"])
def test_no_api_role_may_import(db: Conn, role: str) -> None:
    user = {
        "id": "user_x",
        "line_id": "U" + "0" * 32,
        "stars": 999,
        "coins": 0,
        "exp": 0,
        "free_points": 0,
    }
    for sql in (
        "select public.import_legacy_user(%s::jsonb)",
        "select public.import_legacy_referral(%s, 'a')",
        "select public.legacy_import_totals(), %s",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            call_as(db, role, sql, (json.dumps(user),), sub=login(db)["user"]["id"])


@pytest.mark.parametrize("change", [{"line_id": "U123"}, {"stars": -5}, {"coins": 1.5}, {"id": ""}])
def test_a_bundle_the_sql_cannot_trust_is_refused_whole(db: Conn, change: dict[str, Any]) -> None:
    user = {
        "id": "user_bad",
        "line_id": "U" + "e" * 32,
        "stars": 1,
        "coins": 0,
        "exp": 0,
        "free_points": 0,
        **change,
    }
    with pytest.raises(psycopg.Error) as caught:
        db.execute("select public.import_legacy_user(%s::jsonb)", (json.dumps(user),))
    assert (caught.value.sqlstate, caught.value.diag.message_primary) == (
        "PT422",
        "invalid_legacy_user",
    )
    assert (
        db.execute(
            "select count(*) as n from public.users where line_user_id = %s", ("U" + "e" * 32,)
        ).fetchone()["n"]
        == 0
    )


def test_the_cli_dry_run_prints_the_report(
    pg: PgCluster, db: Conn, legacy: tuple[str, Seeded]
) -> None:
    dsn, seeded = legacy
    before = db.execute(SNAPSHOT).fetchone()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mimi_ops.legacy_import",
            "--legacy-dsn",
            dsn,
            "--dsn",
            pg.dsn(),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "DRY RUN: nothing was written" in done.stdout
    assert seeded.ids["carol"] in done.stdout
    stars = next(line for line in done.stdout.splitlines() if line.startswith("  stars "))
    assert stars.endswith(" +40")
    assert db.execute(SNAPSHOT).fetchone() == before
