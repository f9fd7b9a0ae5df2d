"""The eval's readable report (Markdown) and its raw results (JSON), written to a git-ignored folder."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from mimi.config import LlmProvider
from mimi_ops.eval.case import CaseResult

CHECKS = (
    "schema",
    "cards",
    "language",
    "refusal",
    "crisis_line",
    "no_advice",
    "injection",
    "lengths",
)


def _mark(value: bool | None, blind: bool) -> str:
    if value is None:
        return "–"
    return ("pass" if value else "FAIL") + (" (stand-in)" if blind else "")


def counted_failure(result: CaseResult, blind: frozenset[str]) -> bool:
    """Whether a case failed on a check the provider can be judged on."""
    return any(v is False for k, v in result.verdict.checks.items() if k not in blind) or (
        not result.verdict.checks.get("schema", False)
    )


def write_report(
    out: Path,
    results: list[CaseResult],
    provider: LlmProvider,
    stand_in: bool,
    blind: frozenset[str],
) -> int:
    """Write report.md and results.json; the number of cases that failed a judged check."""
    out.mkdir(parents=True, exist_ok=True)
    failed = sum(counted_failure(r, blind) for r in results)
    lines = [
        f"# Reading agent eval: {provider.name} ({provider.model})",
        "",
        f"{len(results)} cases, {failed} failed a judged check. Tokens: o200k_base (prompt includes the "
        "response schema); cost at gpt-4o-mini prices with the shared prefix cached.",
        "",
    ]
    if stand_in:
        lines += [
            "**Provider: the local OpenAI stand-in.** It cannot read a question: it refuses only one with "
            "several question marks, its texts are canned, and it ignores injected instructions because it "
            "ignores the question. Checks marked (stand-in) show the harness working, not a model's "
            "behaviour, and do not count. Schema, cards, language and lengths are real checks of the "
            "pipeline. Set LLM_PROVIDERS to a real provider to evaluate a model.",
            "",
        ]
    lines += [
        "| case | kind | lang | expect | "
        + " | ".join(CHECKS)
        + " | ms | prompt tok | reply tok | USD |",
        "|" + "---|" * (len(CHECKS) + 8),
    ]
    for r in results:
        marks = [_mark(r.verdict.checks.get(c), c in blind) for c in CHECKS]
        lines.append(
            f"| {r.case['id']} | {r.case['kind']} | {r.case['language']} | {r.case['expect']} | "
            + " | ".join(marks)
            + f" | {r.latency_ms} | {r.prompt_tokens} | {r.completion_tokens} | "
            f"{r.usd:.6f} |"
        )
    lines += ["", "## Totals", "", *_totals(results), "", "## Failures", ""]
    lines += [
        f"- {r.case['id']}: " + "; ".join(r.verdict.notes) for r in results if r.verdict.notes
    ] or ["none"]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "results.json").write_text(
        json.dumps([_raw(r) for r in results], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    return failed


def _totals(results: list[CaseResult]) -> list[str]:
    if not results:
        return ["no cases"]
    latency = [r.latency_ms for r in results]
    return [
        f"- latency: median {statistics.median(latency):.0f} ms, max {max(latency)} ms",
        f"- prompt tokens: mean {statistics.mean(r.prompt_tokens for r in results):.0f}; reply tokens: mean "
        f"{statistics.mean(r.completion_tokens for r in results):.0f}",
        f"- cost: mean {statistics.mean(r.usd for r in results):.6f} USD per reading",
    ]


def _raw(r: CaseResult) -> dict[str, Any]:
    return {
        "case": r.case,
        "cards": r.cards,
        "checks": r.verdict.checks,
        "notes": r.verdict.notes,
        "latency_ms": r.latency_ms,
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.completion_tokens,
        "provider_usage": r.usage,
        "usd": r.usd,
        "reply": r.reply,
    }
