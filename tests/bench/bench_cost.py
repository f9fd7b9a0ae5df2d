"""Cost per spread and language at gpt-4o-mini prices, with and without OpenAI's cached-input price.

Input: the real prompt (response schema, fixed rules, the reading's details, the question) counted with
o200k_base. Output: the stand-in's reply, which writes at the top of the prompt's length targets; what a real
model writes is measured by `make eval`. Writes tests/bench/results/cost.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from mimi_ops.eval.cost import PRICES, cached_tokens, prefix_tokens, reading_cost
from mimi_ops.eval.spreads import SPREADS
from tests.ops.eval.stand_in import stand_in_reply

RESULTS = Path(__file__).parent / "results" / "cost.json"
SAMPLES = 100


def test_cost_per_spread_and_language() -> None:
    rows = [
        reading_cost(spread, language, stand_in_reply, SAMPLES)
        for spread in SPREADS
        for language in ("th", "en")
    ]
    prefix = prefix_tokens()
    print(
        f"\nreading cost at gpt-4o-mini prices (USD/Mtok in {PRICES['gpt-4o-mini']}), o200k_base tokens; "
        f"shared prefix {prefix} tokens -> {cached_tokens(prefix)} cached"
    )
    print(f"  {'spread':<14}{'lang':<6}{'input':>8}{'output':>8}{'USD':>11}{'USD cached':>12}")
    for r in rows:
        print(
            f"  {r.spread:<14}{r.language:<6}{r.input_tokens:>8}{r.output_tokens:>8}{r.usd:>11.6f}"
            f"{r.usd_cached:>12.6f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "prefix_tokens": prefix,
                "cached_tokens": cached_tokens(prefix),
                "prices_usd_per_mtok": PRICES,
                "readings": [r.as_dict() for r in rows],
            },
            indent=2,
        )
        + "\n"
    )
    three_th = next(r for r in rows if (r.spread, r.language) == ("three", "th"))
    assert three_th.usd_cached <= 0.0005
