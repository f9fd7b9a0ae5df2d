"""Submit's warm path: POST / of the readings zip's handler, run as Lambda would (tests/bench/coldstart.py).

One fresh `python -I -S -B` with the unzipped readings package serves a submit once (cold), then WARM more times;
p50/p95 of the wall time (the stack's work included: rate limits in Redis, the rpc through the gateway to
Postgres, the QStash publish, all in the bench's process) and of the handler's own CPU time, which leaves the
network and the stand-ins out. Prints a line and writes tests/bench/results/submit.json (git-ignored).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import psycopg
import pytest

from mimi_local.stack import LocalStack
from mimi_ops import package
from tests.bench.bench_coldstart import WARM_P95_TARGET_MS, warm_figures
from tests.bench.coldstart import _json_event, base_python, child_env, run_cold
from tests.functions.conftest import login

WARM = 200
RESULTS = Path(__file__).parent / "results" / "submit.json"
QUESTION = "ความรักของฉันกับแฟนจะเป็นอย่างไรในปีนี้"


@pytest.fixture(scope="module")
def readings_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The readings function's `make package` zip (bytecode included), unzipped as Lambda does."""
    (report,) = package.build_reports(
        tmp_path_factory.mktemp("zip"), functions=["readings"], pyc=True
    )
    root = tmp_path_factory.mktemp("task-readings")
    with zipfile.ZipFile(report.path) as zf:
        zf.extractall(root)
    return root


def test_warm_submit_through_the_handler(bench_stack: LocalStack, readings_root: Path) -> None:
    session = login(bench_stack, name="Bench submit")
    with psycopg.connect(bench_stack.pg.dsn(), autocommit=True) as conn:
        conn.execute(
            "select public.grant_credit(%s, %s, 'bench', '{\"star\": 1000}')",
            (session["user"]["id"], f"bench-submit:{session['user']['id']}"),
        )
    event = _json_event(
        "POST",
        "/",
        {"question": QUESTION},
        authorization=f"Bearer {session['access_token']}",
    )
    run = run_cold(base_python(), readings_root, "readings", event, child_env(bench_stack), WARM)
    assert run.result["status"] == 202, run.result["body"]
    figures = {**warm_figures(run), "warm_p95_target_ms": WARM_P95_TARGET_MS}
    print(
        f"\nsubmit (POST /) warm through the readings handler, {WARM} calls: wall p50/p95 "
        f"{figures['warm_p50_ms']}/{figures['warm_p95_ms']} ms (stack included), handler CPU p50/p95 "
        f"{figures['warm_cpu_p50_ms']}/{figures['warm_cpu_p95_ms']} ms (network excluded); "
        f"target p95 <= {WARM_P95_TARGET_MS} ms"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
