"""A live reading end to end, as the LIFF app sees it: the whole local stack (make dev's) with the OpenAI stand-in
paced at MIMI_OPENAI_PACE 0.5,70, a Thai question submitted through the readings function, then heard on its
Realtime topic with the official `realtime` client (joined right after submit, on a socket opened before) while
another client polls GET /readings/{id} every 500 ms.

For the three-card and Celtic Cross spreads, RUNS readings each, one at a time, p50/p95 from submit to: the cards
in the response; the first words (header text) on the Realtime client; the first words seen by the poller; the
completion on the Realtime client. Also the model's own time for the reply (0.5 s + (completion tokens - 1) / 70,
from the stored token count) and the completion minus it, the draft writes per reading and per second of writing.
Prints the figures with the machine's load and writes tests/bench/results/live.json (git-ignored).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from realtime import AsyncRealtimeClient

from mimi_local.openai import Pace
from mimi_local.stack import LocalStack
from tests.functions.conftest import login
from tests.local.realtime.support import channel_config

PACE = Pace.parse("0.5,70")
RUNS = int(os.environ.get("LIVE_RUNS", "7"))
POLL_S = 0.5
RESULTS = Path(__file__).parent / "results" / "live.json"
QUESTION = "ความรักของฉันกับแฟนจะเป็นอย่างไรในปีนี้"
MARKS = (
    "cards_s",
    "first_words_rt_s",
    "first_words_poll_s",
    "complete_s",
    "model_s",
    "over_model_s",
)


class Run:
    """One reading's clock: seconds from submit to each mark."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: dict[str, float] = {}
        self.done = asyncio.Event()

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, time.perf_counter() - self.started)

    def heard(self, message: dict[str, Any]) -> None:
        payload = message["payload"]
        if message["event"] == "draft" and payload["draft"].get("header"):
            self.mark("first_words_rt_s")
        elif message["event"] in ("completed", "rejected", "failed"):
            self.mark("complete_s")
            self.done.set()


async def poll(http: httpx.AsyncClient, url: str, headers: dict[str, str], run: Run) -> None:
    """The fallback client: GET every POLL_S until the reading ends, noting when the first words show."""
    while True:
        body = (await http.get(url, headers=headers)).json()
        if (body.get("draft") or {}).get("header") or (body.get("result") or {}).get("header"):
            run.mark("first_words_poll_s")
        if body["status"] in ("completed", "rejected", "failed"):
            return
        await asyncio.sleep(POLL_S)


async def one_reading(stack: LocalStack, session: dict[str, Any], spread: str) -> tuple[str, Run]:
    headers = {"authorization": f"Bearer {session['access_token']}"}
    socket = AsyncRealtimeClient(f"{stack.url}/realtime/v1", token=stack.secrets["anon_key"])
    await socket.set_auth(session["access_token"])
    await (
        socket.connect()
    )  # the app keeps its socket open; it joins the reading's topic after submit
    async with httpx.AsyncClient(timeout=30) as http:
        run = Run()
        queued = await http.post(
            f"{stack.url}/functions/readings/",
            json={"question": QUESTION, "spread": spread},
            headers=headers,
        )
        run.mark("cards_s")
        assert queued.status_code == 202 and queued.json()["cards"], queued.text
        rid = queued.json()["id"]
        channel = socket.channel(f"reading:{rid}", channel_config())
        channel.on_broadcast("*", run.heard)
        await channel.subscribe()
        poller = asyncio.create_task(
            poll(http, f"{stack.url}/functions/readings/{rid}", headers, run)
        )
        await asyncio.wait_for(run.done.wait(), 120)
        await poller
    await socket.close()
    return rid, run


def stored(stack: LocalStack, rid: str) -> dict[str, Any]:
    """The model's own time for the reply and the reading's draft writes (from the broadcast rows)."""
    with psycopg.connect(stack.pg.dsn()) as conn:
        status, tokens = conn.execute(
            "select status, completion_tokens from public.readings where id = %s", (rid,)
        ).fetchone()
        drafts, first, last = conn.execute(
            "select count(*), min(inserted_at), max(inserted_at) from realtime.messages"
            " where topic = %s and event = 'draft'",
            (f"reading:{rid}",),
        ).fetchone()
    assert status == "completed", status
    writing_s = max((last - first).total_seconds(), 1e-3)
    return {"model_s": PACE.due(tokens), "drafts": drafts, "drafts_per_s": drafts / writing_s}


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 3), "p95": round(p95, 3)}


def test_a_live_reading_from_submit_to_first_words_and_completion(bench_stack: LocalStack) -> None:
    bench_stack.state["openai"].pace = PACE
    session = login(bench_stack, name="Bench live")
    with psycopg.connect(bench_stack.pg.dsn(), autocommit=True) as conn:
        conn.execute(
            "select public.grant_credit(%s, %s, 'bench', '{\"star\": 1000}')",
            (session["user"]["id"], f"bench-live:{session['user']['id']}"),
        )
    asyncio.run(
        one_reading(bench_stack, session, "single")
    )  # warm: the processor, the socket, the models
    report: dict[str, Any] = {"pace": vars(PACE), "runs": RUNS, "load_before": os.getloadavg()}
    for spread in ("three", "celtic_cross"):
        rows = []
        for _ in range(RUNS):
            rid, run = asyncio.run(one_reading(bench_stack, session, spread))
            row = {**run.marks, **stored(bench_stack, rid)}
            row["over_model_s"] = row["complete_s"] - row["model_s"]
            rows.append(row)
        report[spread] = {
            k: summary([r[k] for r in rows]) for k in (*MARKS, "drafts", "drafts_per_s")
        }
    report["load_after"] = os.getloadavg()
    bench_stack.state["openai"].pace = Pace()
    print(
        f"\nlive Thai readings at {PACE.first_token_s} s + {PACE.tokens_per_s} tokens/s, {RUNS} runs each"
    )
    print(f"  load average before {report['load_before']}, after {report['load_after']}")
    for spread in ("three", "celtic_cross"):
        print(
            f"  {spread:<13}"
            + "  ".join(f"{k} {v['p50']}/{v['p95']}" for k, v in report[spread].items())
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    assert report["three"]["drafts_per_s"]["p95"] <= 4.5
