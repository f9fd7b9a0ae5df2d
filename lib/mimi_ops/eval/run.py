"""`make eval`: the golden set through the configured provider, every reply checked, a readable report written.

The provider is the first of LLM_PROVIDERS when it is set (a real model with a real key), else the stand-in the
caller passes (`make eval` without LLM_PROVIDERS: tests/ops/eval/stand_in.py, the local OpenAI stand-in on a free
port; this package never imports mimi_local). The stand-in cannot understand a question: it refuses only a
question with several question marks (or the test marker), and its text is canned. So with it, the refusal,
crisis-line, injection and advice checks show what the harness does, not what a model does: the report marks
them as such and they do not decide the exit status. The harness is for real models.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from importlib.resources import files
from pathlib import Path
from typing import Any

from mimi.agent import tokens
from mimi.agent.client import complete
from mimi.agent.prompt import build_messages
from mimi.agent.schema import READING_JSON_SCHEMA
from mimi.agent.service import token_cap
from mimi.config import LlmProvider, get_settings
from mimi.readings.deck import DrawnCard, draw_oriented
from mimi_ops.eval.case import CaseResult
from mimi_ops.eval.checks import judge
from mimi_ops.eval.cost import cached_tokens, prefix_tokens, usd
from mimi_ops.eval.report import write_report
from mimi_ops.eval.spreads import SPREADS

STAND_IN_BLIND = frozenset({"refusal", "crisis_line", "injection", "no_advice"})
NO_PROVIDER = (
    "eval: LLM_PROVIDERS is not set; set it to the model to evaluate (README), or run `make eval` without it"
    " to see the harness on the local OpenAI stand-in"
)
StandIn = Callable[[], AbstractContextManager[LlmProvider]]


def golden() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(
        files("mimi_ops.eval").joinpath("golden.json").read_text("utf-8")
    )["cases"]
    return cases


@contextlib.contextmanager
def configured_provider(stand_in: StandIn | None) -> Iterator[tuple[LlmProvider, bool]]:
    """The first configured provider, else the caller's stand-in (True: it is the stand-in)."""
    providers = get_settings().llm_providers
    if providers:
        yield providers[0], False
        return
    if stand_in is None:
        raise SystemExit(NO_PROVIDER)
    with stand_in() as provider:
        yield provider, True


def run_case(provider: LlmProvider, case: dict[str, Any], prefix: int) -> CaseResult:
    """Ask one golden question with freshly drawn cards (reversals on) and judge the reply."""
    spread = SPREADS[case["spread"]]
    cards: list[DrawnCard] = draw_oriented(len(spread.positions), reversals=True)
    messages = build_messages(case["question"], cards, case["language"], spread)
    limit = token_cap(provider, len(cards))
    started = time.monotonic()
    content, usage, raw, error = "", {}, None, ""
    try:
        completion = complete(provider, messages, limit)
        content = completion.choices[0].message.content or "" if completion.choices else ""
        usage = completion.usage.model_dump() if completion.usage else {}
        raw = json.loads(content.strip().removeprefix("```json").removesuffix("```"))
    except Exception as exc:  # any failure is this case's result, reported; the run goes on
        error = f"{type(exc).__name__}: {exc}"[:300]
    latency = int((time.monotonic() - started) * 1000)
    verdict = judge(case, cards, content, raw if isinstance(raw, dict) else None)
    if error:
        verdict.notes.append(error)
    prompt = tokens.schema_tokens(READING_JSON_SCHEMA) + tokens.messages_tokens(messages)
    completion_tokens = tokens.output_tokens(content) if content else 0
    cost = usd(prompt, completion_tokens, cached_tokens(prefix))
    drawn = [f"{c.card.id} ({c.orientation})" for c in cards]
    return CaseResult(
        case, drawn, verdict, latency, prompt, completion_tokens, usage, cost, content
    )


def main(argv: list[str] | None = None, stand_in: StandIn | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out", type=Path, default=Path(".eval"), help="report folder (git-ignored)"
    )
    parser.add_argument("--only", default="", help="run only the cases whose id starts with this")
    args = parser.parse_args(argv)
    cases = [c for c in golden() if c["id"].startswith(args.only)]
    prefix = prefix_tokens()
    with configured_provider(stand_in) as (provider, is_stand_in):
        results = [run_case(provider, case, prefix) for case in cases]
    blind = STAND_IN_BLIND if is_stand_in else frozenset()
    failed = write_report(args.out, results, provider, is_stand_in, blind)
    print(f"eval: {len(results)} cases, {failed} failed; report: {args.out / 'report.md'}")
    return 1 if failed else 0
