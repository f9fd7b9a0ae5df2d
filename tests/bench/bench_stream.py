"""The streamed reading at a real model's pace: the agent against the OpenAI stand-in at MIMI_OPENAI_PACE 0.5,70.

For a Thai three-card and a Celtic Cross reading, RUNS times each (one at a time): from the call to the first
draft with header text, to the first draft with reading text, and to the final result; and the model's own time
for the reply (0.5 s + (tokens - 1) / 70 s), so that the rest is our overhead (the SDK, parsing, drafts). Prints
p50/p95 and writes tests/bench/results/stream.json (git-ignored).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mimi.agent import AgentResult, ReadingDraft, stream_reading
from mimi.agent.client import clear_clients
from mimi.config import get_settings
from mimi.readings.deck import draw_oriented
from mimi_local.openai import Pace, build_app
from mimi_local.pg import free_port
from mimi_local.serve import serving
from mimi_ops.eval.spreads import SPREADS

PACE = Pace.parse("0.5,70")
RUNS = int(os.environ.get("STREAM_RUNS", "7"))
RESULTS = Path(__file__).parent / "results" / "stream.json"
QUESTION = "ความรักของฉันกับแฟนจะเป็นอย่างไรในปีนี้"
KEY = "sk-bench-stream"


@pytest.fixture(scope="module")
def paced_provider() -> Iterator[None]:
    """The stand-in at 0.5 s / 70 tokens a second as the only provider."""
    saved = os.environ.get("LLM_PROVIDERS")
    with serving(build_app(KEY, PACE), free_port(), lifespan="off") as srv:
        provider = {"name": "paced", "base_url": f"{srv.url}/v1", "api_key": KEY}
        os.environ["LLM_PROVIDERS"] = json.dumps([{**provider, "model": "gpt-4o-mini"}])
        get_settings.cache_clear()
        clear_clients()
        yield
    if saved is None:
        os.environ.pop("LLM_PROVIDERS", None)
    else:
        os.environ["LLM_PROVIDERS"] = saved
    get_settings.cache_clear()
    clear_clients()


def one_reading(spread_id: str) -> dict[str, Any]:
    """Seconds from the call to the first header text, the first reading text and the result; drafts yielded."""
    spread = SPREADS[spread_id]
    cards = draw_oriented(len(spread.positions), reversals=True)
    started, marks, drafts = time.perf_counter(), {}, 0
    for event in stream_reading(QUESTION, "th", cards, spread):
        now = time.perf_counter() - started
        if isinstance(event, ReadingDraft):
            drafts += 1
            if event.header:
                marks.setdefault("header_s", now)
            if event.reading:
                marks.setdefault("reading_s", now)
        elif isinstance(event, AgentResult):
            model_s = PACE.due(event.completion_tokens)
            return {**marks, "final_s": now, "model_s": model_s, "drafts": drafts}
    raise AssertionError("no result")


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 3), "p95": round(p95, 3)}


@pytest.mark.usefixtures("paced_provider")
def test_time_to_the_first_words_and_to_the_result_at_a_real_models_pace() -> None:
    one_reading("single")  # warm: the tokenizer, the client, the models' validators
    report: dict[str, Any] = {"pace": vars(PACE), "runs": RUNS}
    print(
        f"\nstreamed Thai readings at {PACE.first_token_s} s + {PACE.tokens_per_s} tokens/s, {RUNS} runs"
    )
    for spread_id in ("three", "celtic_cross"):
        runs = [one_reading(spread_id) for _ in range(RUNS)]
        row = {
            key: summary([r[key] for r in runs])
            for key in ("header_s", "reading_s", "final_s", "model_s")
        }
        row["overhead_s"] = summary([r["final_s"] - r["model_s"] for r in runs])
        row["drafts"] = summary([r["drafts"] for r in runs])
        report[spread_id] = row
        print(
            f"  {spread_id:<13}" + "  ".join(f"{k} {v['p50']}/{v['p95']}" for k, v in row.items())
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    assert report["three"]["header_s"]["p95"] < 1.5
