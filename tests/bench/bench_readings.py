"""Readings pipeline bench: submit → QStash → processor → completed through the local stack, LLM stand-in instant.

Measures the pipeline's own overhead (p50/p95 over 200 readings), the token usage the stand-in reports and the cost
per reading at gpt-4o-mini prices. Prints a table and writes tests/bench/results/readings.json (git-ignored).
"""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row

from mimi.agent.cost import PRICES_PER_MTOK, cost_usd
from mimi_local.stack import LocalStack
from tests.functions.conftest import bearer, login
from tests.functions.readings_support import FINAL

READINGS = 200
SAMPLE = 20  # deep and English readings, for their token counts
USERS = 20
CONCURRENCY = 8  # the second run: the one-process local stack under load
POLL_S = {
    1: 0.01,
    CONCURRENCY: 0.1,
}  # by workers: light polling under load, or polls become the load
RESULTS = Path(__file__).parent / "results" / "readings.json"
QUESTIONS = [
    "ความรักของฉันกับแฟนจะเป็นอย่างไรในปีนี้",
    "งานใหม่ที่ฉันกำลังจะไปสมัครจะได้ไหม",
    "การเงินของฉันในช่วงสามเดือนข้างหน้าจะดีขึ้นไหม",
    "ฉันควรย้ายไปทำงานต่างประเทศหรือไม่",
]


def one_reading(
    client: httpx.Client, session: dict[str, Any], body: dict[str, Any], poll_s: float
) -> dict[str, Any]:
    """Submit, then poll like the app until final; the client-side timings."""
    headers = bearer(session)
    started = time.perf_counter()
    response = client.post("/", json=body, headers=headers)
    accepted = time.perf_counter()
    assert response.status_code == 202, response.text
    rid = response.json()["id"]
    while (status := client.get(f"/{rid}", headers=headers).json()["status"]) not in FINAL:
        time.sleep(poll_s)
    return {
        "id": rid,
        "status": status,
        "submit_s": accepted - started,
        "e2e_s": time.perf_counter() - started,
    }


def run_batch(
    stack: LocalStack, sessions: list[dict[str, Any]], n: int, workers: int = 1, **extra: Any
) -> list[dict[str, Any]]:
    """n readings spread over the users, `workers` at a time, through one pooled HTTP client."""
    jobs = [
        (sessions[i % len(sessions)], {"question": QUESTIONS[i % len(QUESTIONS)], **extra})
        for i in range(n)
    ]
    limits = httpx.Limits(max_connections=workers * 2, max_keepalive_connections=workers * 2)
    with (
        httpx.Client(
            base_url=f"{stack.url}/functions/readings", timeout=30, limits=limits
        ) as client,
        ThreadPoolExecutor(workers) as pool,
    ):
        return list(
            pool.map(lambda job: one_reading(client, *job, POLL_S.get(workers, 0.01)), jobs)
        )


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(values)
    return round(
        ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] * 1000, 1
    )


def stored(conn: psycopg.Connection[dict[str, Any]], ids: list[str]) -> list[dict[str, Any]]:
    """What the processor stored for these readings: token usage, model, and created-to-completed seconds."""
    return conn.execute(
        "select prompt_tokens, completion_tokens, model, extract(epoch from completed_at - created_at)"
        " as server_s from public.readings where id = any(%s::uuid[])",
        (ids,),
    ).fetchall()


def usage(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean token counts per reading and what that costs at the model's prices."""
    prompt = statistics.mean(r["prompt_tokens"] for r in rows)
    completion = statistics.mean(r["completion_tokens"] for r in rows)
    cost = cost_usd(round(prompt), round(completion), rows[0]["model"])
    return {
        "readings": len(rows),
        "prompt_tokens_mean": round(prompt, 1),
        "completion_tokens_mean": round(completion, 1),
        "cost_usd_per_reading": round(cost, 6),
    }


def timed(
    stack: LocalStack, sessions: list[dict[str, Any]], workers: int
) -> tuple[list[dict[str, Any]], float]:
    """READINGS standard Thai readings, `workers` at a time, and the wall time they took."""
    started = time.perf_counter()
    batch = run_batch(stack, sessions, READINGS, workers)
    return batch, time.perf_counter() - started


def test_readings_pipeline_latency_tokens_and_cost(bench_stack: LocalStack) -> None:
    stack = bench_stack
    sessions = [login(stack, name=f"Bench {i}") for i in range(USERS)]
    with psycopg.connect(stack.pg.dsn(), autocommit=True, row_factory=dict_row) as conn:
        for s in sessions:
            conn.execute(
                "select public.grant_credit(%s, %s, 'bench', '{\"star\": 100}')",
                (s["user"]["id"], f"bench:{s['user']['id']}"),
            )
        run_batch(
            stack, sessions[:2], 4
        )  # warm the functions (cold starts are not the pipeline's overhead)
        one, one_s = timed(stack, sessions, 1)
        loaded, loaded_s = timed(stack, sessions, CONCURRENCY)
        deep = run_batch(stack, sessions, SAMPLE, depth="deep")
        english = run_batch(
            stack, sessions, SAMPLE, language="en", question="Will my new job bring me joy?"
        )
        assert {r["status"] for r in one + loaded + deep + english} == {"completed"}
        latency = {
            "one_at_a_time": latency_of(one, one_s, 1, conn),
            f"{CONCURRENCY}_at_a_time": latency_of(loaded, loaded_s, CONCURRENCY, conn),
        }
        by_kind = {
            name: usage(stored(conn, [r["id"] for r in batch]))
            for name, batch in (("standard_th", one), ("deep_th", deep), ("standard_en", english))
        }
        assert (
            conn.execute("select count(*) as n from public.ledger_mismatches()").fetchone()["n"]
            == 0
        )
    figures = report(latency, by_kind)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")


def latency_of(
    batch: list[dict[str, Any]],
    wall_s: float,
    workers: int,
    conn: psycopg.Connection[dict[str, Any]],
) -> dict[str, Any]:
    """Client-side (submit to seen completed) and server-side (row created to completed) latency of a batch."""
    e2e, submit = [r["e2e_s"] for r in batch], [r["submit_s"] for r in batch]
    server = [float(r["server_s"]) for r in stored(conn, [r["id"] for r in batch])]
    return {
        "readings": len(batch),
        "workers": workers,
        "poll_ms": POLL_S[workers] * 1000,
        "submit_to_completed_p50_ms": pct(e2e, 50),
        "submit_to_completed_p95_ms": pct(e2e, 95),
        "post_202_p50_ms": pct(submit, 50),
        "post_202_p95_ms": pct(submit, 95),
        "server_p50_ms": pct(server, 50),
        "server_p95_ms": pct(server, 95),
        "throughput_per_s": round(len(batch) / wall_s, 1),
    }


def report(
    latency: dict[str, dict[str, Any]], by_kind: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Print the tables and return the figures."""
    runs = list(latency)
    print("\nreadings pipeline through the local stack, LLM stand-in instant")
    print(f"  {'':<28}" + "".join(f"{run:>16}" for run in runs))
    for key in latency[runs[0]]:
        print(f"  {key:<28}" + "".join(f"{latency[run][key]:>16}" for run in runs))
    print(
        f"\n  {'kind':<12} {'n':>4} {'prompt tok':>11} {'completion tok':>15} {'USD/reading':>12}"
    )
    for kind, u in by_kind.items():
        print(
            f"  {kind:<12} {u['readings']:>4} {u['prompt_tokens_mean']:>11} {u['completion_tokens_mean']:>15} "
            f"{u['cost_usd_per_reading']:>12.6f}"
        )
    prices = PRICES_PER_MTOK["gpt-4o-mini"]
    return {
        "latency": latency,
        "usage": by_kind,
        "prices_usd_per_mtok": {"model": "gpt-4o-mini", "input": prices[0], "output": prices[1]},
        "note": "tokens are the stand-in's usage estimates (~4 ASCII chars or ~1.5 Thai chars per token); "
        "the whole stack is one Python process, so the loaded run measures its GIL as much as the pipeline",
    }
