"""`make eval` without LLM_PROVIDERS: the harness (mimi_ops) on the local OpenAI stand-in (mimi_local).

Only tests compose the two packages, so the composition lives here: `python -m tests.ops.eval.stand_in --out .eval`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mimi.config import LlmProvider
from mimi_local import openai
from mimi_local.openai.reading import mimi_reading
from mimi_local.pg import free_port
from mimi_local.serve import serving
from mimi_ops.eval.run import main

KEY = "sk-eval-local"


@contextmanager
def stand_in() -> Iterator[LlmProvider]:
    """The OpenAI stand-in on a free port, as a provider, while the block runs."""
    port = free_port()
    with serving(openai.build_app(KEY), port):
        yield LlmProvider(
            name="stand-in",
            base_url=f"http://127.0.0.1:{port}/v1",
            api_key=KEY,  # type: ignore[arg-type]
            model="gpt-4o-mini",
        )


def stand_in_reply(messages: list[dict[str, str]]) -> dict[str, Any]:
    """The reading the stand-in writes for these messages (system, user)."""
    return mimi_reading(messages[0]["content"], messages[1]["content"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], stand_in=stand_in))
