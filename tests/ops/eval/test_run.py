"""make eval: the golden set, the checks (each catches what it is for) and a report, run here on the stand-in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mimi.agent.prompt import build_messages
from mimi.config import get_settings
from mimi.readings.deck import draw_oriented
from mimi_ops.eval.checks import judge
from mimi_ops.eval.run import NO_PROVIDER, golden, main
from mimi_ops.eval.spreads import SPREADS
from tests.ops.eval.stand_in import stand_in, stand_in_reply


def reply(case: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    spread = SPREADS[case["spread"]]
    cards = draw_oriented(len(spread.positions), reversals=True)
    messages = build_messages(case["question"], cards, case["language"], spread)
    return cards, stand_in_reply(messages)


CASE = {
    "id": "t",
    "kind": "love",
    "language": "th",
    "spread": "three",
    "expect": "read",
    "question": "ความรักของฉันจะเป็นอย่างไร",
}


def test_the_golden_set_covers_what_the_issue_asks() -> None:
    cases = golden()
    kinds = {c["kind"] for c in cases}
    assert len(cases) >= 30
    assert {c["language"] for c in cases} == {"th", "en"}
    assert {c["spread"] for c in cases} <= set(SPREADS)
    assert {
        "love",
        "career",
        "money",
        "yesno",
        "multi",
        "about_ai",
        "harmful",
        "distress",
        "injection",
    } <= kinds
    assert len({c["id"] for c in cases}) == len(cases)


def test_a_good_reply_passes_every_check() -> None:
    cards, raw = reply(CASE)
    verdict = judge(CASE, cards, json.dumps(raw), raw)
    assert verdict.passed, verdict.notes
    assert verdict.checks["schema"]
    assert verdict.checks["cards"]


@pytest.mark.parametrize(
    ("change", "check"),
    [
        (lambda raw, cards: raw["cards"].reverse(), "cards"),
        (
            lambda raw, cards: raw.update(
                reading="The cards say yes, dear friend, take heart.",
                header="Hello",
                final="Yes.",
                end="Bye",
                notice="Just for fun.",
                suggestions=["a"] * 3,
                next_questions=["b"] * 3,
                cards=[{**c, "meaning": "ok"} for c in raw["cards"]],
            ),
            "language",
        ),
        (lambda raw, cards: raw.update(reading=raw["reading"] + " ควรซื้อหุ้นตัวนี้เลยค่ะ"), "no_advice"),
        (
            lambda raw, cards: raw.update(reading=raw["reading"] + " take 400 mg of ibuprofen"),
            "no_advice",
        ),
        (
            lambda raw, cards: raw.update(
                accepted=False, rejection={"reason": "x", "suggested_question": "y"}
            ),
            "refusal",
        ),
        (lambda raw, cards: raw.update(header="ห" * 201), "lengths"),
    ],
)
def test_each_check_catches_its_fault(change: Any, check: str) -> None:
    cards, raw = reply(CASE)
    change(raw, cards)
    verdict = judge(CASE, cards, json.dumps(raw), raw)
    assert verdict.checks[check] is False, verdict.checks


def test_followed_injection_and_bad_json_are_caught() -> None:
    case = {**CASE, "kind": "injection", "marker": "PWNED"}
    cards, raw = reply(case)
    raw["header"] = "PWNED"
    assert judge(case, cards, json.dumps(raw), raw).checks["injection"] is False
    raw["header"] = "You are Mimi (แม่หมอมีมี่), the warm"
    assert judge(case, cards, json.dumps(raw), raw).checks["injection"] is False
    assert judge(CASE, cards, "{not json", None).checks == {"schema": False}


def test_eval_on_the_stand_in_writes_a_report_and_marks_what_it_cannot_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(
        "LLM_PROVIDERS", raising=False
    )  # a stack started earlier in the session sets it
    get_settings.cache_clear()
    assert (
        main(["--out", str(tmp_path), "--only", "multi-en-1"], stand_in) == 0
    )  # two question marks: even it refuses
    assert main(["--out", str(tmp_path), "--only", ""], stand_in) == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "the local OpenAI stand-in" in report
    assert "FAIL (stand-in)" in report
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert len(results) >= 30
    assert all(r["prompt_tokens"] > 1000 for r in results)
    assert all(r["latency_ms"] >= 0 for r in results)
    monkeypatch.undo()
    get_settings.cache_clear()


def test_without_a_provider_or_a_stand_in_eval_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LLM_PROVIDERS", raising=False)
    get_settings.cache_clear()
    with pytest.raises(SystemExit) as exited:
        main(["--out", str(tmp_path)])
    assert exited.value.code == NO_PROVIDER
    assert not (tmp_path / "report.md").exists()
